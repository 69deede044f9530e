/*
 * fuzz_parsers.c - the small parsers of typed or imported text, on the same
 * input: fio_base32_decode (and fio_base32_encode), fio_totp_canon,
 * fio_recovery_canon, fio_utf8_valid and fio_log_escape.
 *
 * Every output buffer is a heap block of exactly the size passed, so that
 * AddressSanitizer sees a write one byte past it. Each function is also
 * compared with what its header promises, written out independently here
 * (a reference UTF-8 validator after RFC 3629 table 3-7, the canonical code
 * forms, the escaping rule, base32 round trips).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fio-codec.h"
#include "fio-proto.h"
#include "log.h"
#include "recovery.h"
#include "totp.h"
#include "fuzz.h"

static void *
xmalloc(size_t n)
{
	void *p = malloc(n > 0 ? n : 1);

	fuzz_require(p != NULL, "malloc");
	return p;
}

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Well-formed UTF-8 (Unicode table 3-7) without U+0000. */
static int
ref_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint8_t lo = 0x80, hi = 0xbf;
		size_t need, k;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3;
		else
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (n - i - 1 < need)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += need + 1;
	}
	return 1;
}

static void
fuzz_utf8(const uint8_t *data, size_t size)
{
	fuzz_require(fio_utf8_valid((const char *)data, size) == ref_utf8_valid(data, size),
	             "fio_utf8_valid agrees with RFC 3629");
}

/* ---- base32 --------------------------------------------------------------- */

static int
b32_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

static void
fuzz_base32(const char *s, const uint8_t *data, size_t size)
{
	size_t outsz = size % 80, nchars = 0, elen;
	unsigned char *out = xmalloc(outsz), *again;
	const char *p;
	char *enc;
	int r, r2, stray = 0;

	for (p = s; *p != '\0' && *p != '='; p++) {
		if (b32_char(*p))
			nchars++;
		else if (*p != ' ' && *p != '-')
			stray = 1;
	}
	r = fio_base32_decode(s, out, outsz);
	fuzz_require(r >= -1 && (r < 0 || (size_t)r <= outsz), "base32: result within outsz");
	if (r >= 0) {
		fuzz_require(!stray, "base32: other characters are refused");
		fuzz_require((size_t)r == nchars * 5 / 8, "base32: 5 bits per character");
		fuzz_require(nchars % 8 != 1 && nchars % 8 != 3 && nchars % 8 != 6,
		             "base32: impossible lengths are refused");
		/* encode what came out and decode it again: the same bytes */
		elen = ((size_t)r * 8 + 4) / 5 + 1;
		enc = xmalloc(elen);
		fuzz_require(fio_base32_encode(out, (size_t)r, enc, elen) == elen - 1,
		             "base32: encode writes (n * 8 + 4) / 5 characters");
		again = xmalloc((size_t)r);
		r2 = fio_base32_decode(enc, again, (size_t)r);
		fuzz_require(r2 == r && (r == 0 || memcmp(again, out, (size_t)r) == 0),
		             "base32: decode(encode(x)) == x");
		free(again);
		free(enc);
	}
	free(out);

	/* the raw input as a secret: encode, then decode */
	if (size <= FIO_TOTP_SECRET_MAX) {
		elen = (size * 8 + 4) / 5 + 1;
		enc = xmalloc(elen);
		fuzz_require(fio_base32_encode(data, size, enc, elen) == elen - 1,
		             "base32: encode");
		fuzz_require(strlen(enc) == elen - 1, "base32: encode terminates");
		again = xmalloc(size);
		r2 = fio_base32_decode(enc, again, size);
		fuzz_require(r2 >= 0 && (size_t)r2 == size &&
		                     (size == 0 || memcmp(again, data, size) == 0),
		             "base32: decode(encode(secret)) == secret");
		free(again);
		free(enc);
	}
}

/* ---- TOTP codes ----------------------------------------------------------- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly `digits` ASCII digits, optionally one space after half of them. */
static int
ref_totp_canon(const char *t, unsigned digits, char *out)
{
	size_t len = strlen(t), i, o = 0;
	size_t sep = len == digits + 1 ? digits / 2 : (size_t)-1;

	if (len != digits && len != digits + 1)
		return -1;
	for (i = 0; i < len; i++) {
		if (i == sep) {
			if (t[i] != ' ')
				return -1;
		} else if (!is_digit(t[i])) {
			return -1;
		} else {
			out[o++] = t[i];
		}
	}
	out[o] = '\0';
	return 0;
}

static void
fuzz_totp(const char *s)
{
	unsigned digits;

	for (digits = 5; digits <= 9; digits++) {
		char *out = xmalloc(digits + 1), want[16];
		int r = fio_totp_canon(s, digits, out, digits + 1);

		if (digits < 6 || digits > 8) {
			fuzz_require(r == -1, "totp: digits outside 6..8 are refused");
		} else {
			int w = ref_totp_canon(s, digits, want);

			fuzz_require(r == w, "totp: accepts exactly the canonical forms");
			fuzz_require(r != 0 || strcmp(out, want) == 0, "totp: the bare digits");
		}
		free(out);
	}
}

/* ---- recovery codes ------------------------------------------------------- */

static char
ref_recovery_char(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		return '0';
	if (c == 'I' || c == 'L')
		return '1';
	if (c != '\0' && strchr(FIO_RECOVERY_ALPHABET, c) != NULL)
		return c;
	return 0;
}

static void
fuzz_recovery(const char *s)
{
	char *out = xmalloc(FIO_RECOVERY_CHARS + 1), want[FIO_RECOVERY_CHARS + 1];
	uint32_t idx = 99;
	size_t o = 0, i, len = strlen(s);
	int r, ok = 1;

	r = fio_recovery_canon(s, out, FIO_RECOVERY_CHARS + 1, &idx);
	fuzz_require(r == 0 || r == -1, "recovery: 0 or -1");
	for (i = 0; i < len && ok; i++) {
		char c;

		if (s[i] == '-' || s[i] == ' ')
			continue;
		c = ref_recovery_char(s[i]);
		if (c == 0 || o >= FIO_RECOVERY_CHARS)
			ok = 0;
		else
			want[o++] = c;
	}
	want[o < sizeof(want) ? o : 0] = '\0';
	ok = ok && o == FIO_RECOVERY_CHARS && is_digit(want[0]) &&
	     (uint32_t)(want[0] - '0') < FIO_RECOVERY_COUNT;
	if (r == 0) {
		fuzz_require(ok, "recovery: accepts only a well-formed code");
		fuzz_require(strcmp(out, want) == 0, "recovery: canonical form");
		fuzz_require(idx == (uint32_t)(want[0] - '0'), "recovery: index is the first char");
	} else {
		/* longer typed input is not scanned at all (TYPED_MAX) */
		fuzz_require(!ok || len > 64, "recovery: refuses no well-formed code");
	}
	free(out);
}

/* ---- log escaping --------------------------------------------------------- */

/* The full escaping of s, token by token; *ntok gets the token ends. */
static char *
ref_escape(const char *s, size_t **ends, size_t *ntok)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s), o = 0, i;
	char *out = xmalloc(n * 4 + 1);

	*ends = xmalloc((n + 1) * sizeof(**ends));
	*ntok = 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '"') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 0xf];
		}
		(*ends)[(*ntok)++] = o;
	}
	out[o] = '\0';
	return out;
}

static void
fuzz_escape(const char *s, const uint8_t *data, size_t size)
{
	const size_t sizes[] = {0, 1, 2, 4, 5, size > 0 ? data[0] % 64u : 3, 160};
	size_t *ends, ntok, k, i, got, fit;
	char *full = ref_escape(s, &ends, &ntok);

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t outsz = sizes[k];
		char *out = xmalloc(outsz);

		if (outsz == 0) {
			fuzz_require(fio_log_escape(s, out, 0) == out, "escape: returns out");
			free(out);
			continue;
		}
		fuzz_require(fio_log_escape(s, out, outsz) == out, "escape: returns out");
		got = strnlen(out, outsz);
		fuzz_require(got < outsz, "escape: NUL-terminated within outsz");
		for (i = 0; i < got; i++)
			fuzz_require(out[i] >= 0x20 && out[i] < 0x7f && out[i] != '"',
			             "escape: printable ASCII without '\"'");
		/* the longest whole-token prefix of the full escaping that fits */
		fit = 0;
		for (i = 0; i < ntok && ends[i] < outsz; i++)
			fit = ends[i];
		fuzz_require(got == fit && memcmp(out, full, got) == 0,
		             "escape: the longest prefix of whole escapes that fits");
		free(out);
	}
	free(ends);
	free(full);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	fuzz_utf8(data, size);
	fuzz_base32(s, data, size);
	fuzz_totp(s);
	fuzz_recovery(s);
	fuzz_escape(s, data, size);
	free(s);
	return 0;
}
