/*
 * fio-codec.h - bounded buffers and typed fields for the wire protocol.
 *
 * The contract follows OpenSSH's sshbuf: every put/get returns 0 or a negative
 * FIO_ERR_* code; a get checks the remaining length before it consumes anything;
 * on failure its outputs are NULL/0 and the read position is unchanged.
 * No macro in this API hides a return or a goto.
 */
#ifndef FIO_CODEC_H
#define FIO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define FIO_WARN_UNUSED __attribute__((warn_unused_result))

enum fio_err {
	FIO_ERR_NOMEM = 1,       /* allocation failed */
	FIO_ERR_SHORT = 2,       /* fewer bytes remain than the field needs */
	FIO_ERR_TOOBIG = 3,      /* a field or frame over its limit */
	FIO_ERR_NUL = 4,         /* NUL inside a string */
	FIO_ERR_UTF8 = 5,        /* invalid UTF-8 in a STR field */
	FIO_ERR_TRAILING = 6,    /* bytes left after the last field */
	FIO_ERR_IO = 7,          /* read/write error (errno kept) */
	FIO_ERR_TIMEOUT = 8,     /* the deadline passed */
	FIO_ERR_EOF = 9,         /* the peer closed */
	FIO_ERR_FORMAT = 10,     /* malformed frame header or field value */
	FIO_ERR_PEER = 11,       /* the peer is not who it must be */
	FIO_ERR_VERSION = 12,    /* protocol version mismatch */
	FIO_ERR_UNEXPECTED = 13, /* a message type not allowed here */
};

/* A growable byte buffer with a read position. Its memory is wiped on free and
 * on reset, because frames carry passwords and codes. */
struct fio_buf {
	unsigned char *data;
	size_t len; /* bytes written */
	size_t pos; /* read position, <= len */
	size_t cap; /* allocated */
	size_t max; /* hard ceiling for len */
};

void fio_buf_init(struct fio_buf *b, size_t max);
void fio_buf_reset(struct fio_buf *b); /* wipes, keeps the allocation */
void fio_buf_free(struct fio_buf *b);  /* wipes and frees */
size_t fio_buf_avail(const struct fio_buf *b);
int fio_buf_reserve(struct fio_buf *b, size_t n) FIO_WARN_UNUSED;
int fio_buf_put(struct fio_buf *b, const void *p, size_t n) FIO_WARN_UNUSED;
/* Fails with -FIO_ERR_TRAILING if unread bytes remain. */
int fio_buf_done(const struct fio_buf *b) FIO_WARN_UNUSED;

int fio_put_u16(struct fio_buf *b, uint16_t v) FIO_WARN_UNUSED;
int fio_put_u32(struct fio_buf *b, uint32_t v) FIO_WARN_UNUSED;
int fio_put_u64(struct fio_buf *b, uint64_t v) FIO_WARN_UNUSED;
/* s may be NULL (sent as empty). Refuses NUL-free strings over max. */
int fio_put_str(struct fio_buf *b, const char *s, size_t max) FIO_WARN_UNUSED;
int fio_put_strn(struct fio_buf *b, const char *s, size_t n, size_t max) FIO_WARN_UNUSED;

int fio_get_u16(struct fio_buf *b, uint16_t *v) FIO_WARN_UNUSED;
int fio_get_u32(struct fio_buf *b, uint32_t *v) FIO_WARN_UNUSED;
int fio_get_u64(struct fio_buf *b, uint64_t *v) FIO_WARN_UNUSED;
/* A STR field: UTF-8, no NUL, at most max bytes. *out is a new NUL-terminated
 * string (free with free()); *lenp (may be NULL) its length. */
int fio_get_str(struct fio_buf *b, char **out, size_t *lenp, size_t max) FIO_WARN_UNUSED;
/* A SECRET field: no NUL, at most max bytes, any other bytes. *out is a new
 * NUL-terminated string the caller must release with fio_freezero(*out, len + 1). */
int fio_get_secret(struct fio_buf *b, char **out, size_t *lenp, size_t max) FIO_WARN_UNUSED;

/* 1 if s[0..n) is valid UTF-8 with no NUL and no overlong/surrogate forms. */
int fio_utf8_valid(const char *s, size_t n);

/* A short English description of a FIO_ERR_* (positive or negative). */
const char *fio_strerror(int err);

#endif /* FIO_CODEC_H */
