/*
 * fio-codec.c - bounded buffers and typed fields (see fio-codec.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fio-codec.h"
#include "fio-wipe.h"

void
fio_buf_init(struct fio_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
fio_buf_reset(struct fio_buf *b)
{
	fio_wipe(b->data, b->cap);
	b->len = 0;
	b->pos = 0;
}

void
fio_buf_free(struct fio_buf *b)
{
	fio_freezero(b->data, b->cap);
	b->data = NULL;
	b->len = b->pos = b->cap = 0;
}

size_t
fio_buf_avail(const struct fio_buf *b)
{
	return b->len - b->pos;
}

int
fio_buf_reserve(struct fio_buf *b, size_t n)
{
	size_t want, ncap;
	unsigned char *p;

	if (n > b->max || b->len > b->max - n)
		return -FIO_ERR_TOOBIG;
	want = b->len + n;
	if (want <= b->cap)
		return 0;
	ncap = b->cap < 256 ? 256 : b->cap;
	while (ncap < want)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	/* Grow by copying so that the old copy can be wiped: it may hold secrets. */
	p = malloc(ncap);
	if (p == NULL)
		return -FIO_ERR_NOMEM;
	if (b->len > 0)
		memcpy(p, b->data, b->len);
	fio_freezero(b->data, b->cap);
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
fio_buf_put(struct fio_buf *b, const void *p, size_t n)
{
	int r;

	if ((r = fio_buf_reserve(b, n)) != 0)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
fio_buf_done(const struct fio_buf *b)
{
	return fio_buf_avail(b) == 0 ? 0 : -FIO_ERR_TRAILING;
}

int
fio_put_u16(struct fio_buf *b, uint16_t v)
{
	unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	return fio_buf_put(b, x, sizeof(x));
}

int
fio_put_u32(struct fio_buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                      (unsigned char)(v >> 8), (unsigned char)v};

	return fio_buf_put(b, x, sizeof(x));
}

int
fio_put_u64(struct fio_buf *b, uint64_t v)
{
	int r;

	if ((r = fio_put_u32(b, (uint32_t)(v >> 32))) != 0 ||
	    (r = fio_put_u32(b, (uint32_t)v)) != 0)
		return r;
	return 0;
}

int
fio_put_strn(struct fio_buf *b, const char *s, size_t n, size_t max)
{
	int r;

	if (n > max || n > UINT32_MAX)
		return -FIO_ERR_TOOBIG;
	if (n > 0 && memchr(s, '\0', n) != NULL)
		return -FIO_ERR_NUL;
	if ((r = fio_buf_reserve(b, 4 + n)) != 0)
		return r;
	if ((r = fio_put_u32(b, (uint32_t)n)) != 0 || (r = fio_buf_put(b, s, n)) != 0)
		return r;
	return 0;
}

int
fio_put_str(struct fio_buf *b, const char *s, size_t max)
{
	if (s == NULL)
		return fio_put_strn(b, "", 0, max);
	return fio_put_strn(b, s, strlen(s), max);
}

static int
peek(const struct fio_buf *b, size_t n, const unsigned char **p)
{
	if (fio_buf_avail(b) < n)
		return -FIO_ERR_SHORT;
	*p = b->data + b->pos;
	return 0;
}

int
fio_get_u16(struct fio_buf *b, uint16_t *v)
{
	const unsigned char *p;
	int r;

	*v = 0;
	if ((r = peek(b, 2, &p)) != 0)
		return r;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	b->pos += 2;
	return 0;
}

int
fio_get_u32(struct fio_buf *b, uint32_t *v)
{
	const unsigned char *p;
	int r;

	*v = 0;
	if ((r = peek(b, 4, &p)) != 0)
		return r;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	b->pos += 4;
	return 0;
}

int
fio_get_u64(struct fio_buf *b, uint64_t *v)
{
	uint32_t hi, lo;
	size_t start = b->pos;
	int r;

	*v = 0;
	if ((r = fio_get_u32(b, &hi)) != 0)
		return r;
	if ((r = fio_get_u32(b, &lo)) != 0) {
		b->pos = start;
		return r;
	}
	*v = ((uint64_t)hi << 32) | lo;
	return 0;
}

int
fio_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t need;
		uint32_t cp, min;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i - 1 < need)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* STR and SECRET share the decoding; utf8 says which checks apply. */
static int
get_string(struct fio_buf *b, char **out, size_t *lenp, size_t max, int utf8)
{
	const unsigned char *p;
	size_t start = b->pos;
	uint32_t n;
	char *s;
	int r;

	*out = NULL;
	if (lenp != NULL)
		*lenp = 0;
	if ((r = fio_get_u32(b, &n)) != 0)
		return r;
	if (n > max) {
		r = -FIO_ERR_TOOBIG;
		goto fail;
	}
	if ((r = peek(b, n, &p)) != 0)
		goto fail;
	if (n > 0 && memchr(p, '\0', n) != NULL) {
		r = -FIO_ERR_NUL;
		goto fail;
	}
	if (utf8 && !fio_utf8_valid((const char *)p, n)) {
		r = -FIO_ERR_UTF8;
		goto fail;
	}
	if ((s = malloc((size_t)n + 1)) == NULL) {
		r = -FIO_ERR_NOMEM;
		goto fail;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	b->pos += n;
	*out = s;
	if (lenp != NULL)
		*lenp = n;
	return 0;
fail:
	b->pos = start;
	return r;
}

int
fio_get_str(struct fio_buf *b, char **out, size_t *lenp, size_t max)
{
	return get_string(b, out, lenp, max, 1);
}

int
fio_get_secret(struct fio_buf *b, char **out, size_t *lenp, size_t max)
{
	return get_string(b, out, lenp, max, 0);
}

const char *
fio_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case FIO_ERR_NOMEM:
		return "out of memory";
	case FIO_ERR_SHORT:
		return "truncated message";
	case FIO_ERR_TOOBIG:
		return "field or frame too large";
	case FIO_ERR_NUL:
		return "NUL byte inside a string";
	case FIO_ERR_UTF8:
		return "invalid UTF-8";
	case FIO_ERR_TRAILING:
		return "trailing bytes after the message";
	case FIO_ERR_IO:
		return "I/O error";
	case FIO_ERR_TIMEOUT:
		return "timed out";
	case FIO_ERR_EOF:
		return "connection closed by peer";
	case FIO_ERR_FORMAT:
		return "malformed frame";
	case FIO_ERR_PEER:
		return "unexpected peer";
	case FIO_ERR_VERSION:
		return "protocol version mismatch";
	case FIO_ERR_UNEXPECTED:
		return "unexpected message";
	default:
		return "unknown error";
	}
}
