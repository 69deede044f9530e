/*
 * recovery.h - single-use recovery codes. FIO_RECOVERY_COUNT codes per set, each
 * FIO_RECOVERY_CHARS characters of FIO_RECOVERY_ALPHABET (Crockford base32):
 * the first character is the code's public index in the set (0..9), the other
 * 15 are random (75 bits). Shown as "XXXX-XXXX-XXXX-XXXX". Stored as a 16-byte
 * random salt and PBKDF2-HMAC-SHA256(code, salt, iterations) (32 bytes): NIST
 * 800-63B look-up secrets under 112 bits are salted and hashed with a KDF.
 * Checking a typed code costs one KDF: the index says which row to check.
 */
#ifndef FIO_RECOVERY_H
#define FIO_RECOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "fio-proto.h"

#define FIO_RECOVERY_SALT_LEN 16u
#define FIO_RECOVERY_HASH_LEN 32u
#define FIO_RECOVERY_SHOWN_LEN (FIO_RECOVERY_CHARS + 3u) /* with dashes */

struct fio_recovery_rec {
	uint32_t idx;
	uint32_t iterations;
	unsigned char salt[FIO_RECOVERY_SALT_LEN];
	unsigned char hash[FIO_RECOVERY_HASH_LEN];
};

/* Makes a new set: shown[i] gets "XXXX-XXXX-XXXX-XXXX" (NUL-terminated), recs[i]
 * its stored form. 0 or -1. The caller wipes shown. */
int fio_recovery_generate(uint32_t iterations,
                          char shown[FIO_RECOVERY_COUNT][FIO_RECOVERY_SHOWN_LEN + 1],
                          struct fio_recovery_rec recs[FIO_RECOVERY_COUNT]);

/* Canonicalises a typed code: drops '-' and spaces, upper-cases, maps the
 * Crockford look-alikes (O->0, I/L->1), requires exactly FIO_RECOVERY_CHARS
 * alphabet characters. Writes them to out (>= FIO_RECOVERY_CHARS + 1) and the
 * index to *idx. 0 or -1 (not a recovery code). */
int fio_recovery_canon(const char *typed, char *out, size_t outsz, uint32_t *idx);

/* One typed character in Crockford base32 (FIO_RECOVERY_ALPHABET): upper-cased,
 * O -> 0, I and L -> 1; 0 if it is not one (also used for reset codes). */
char fio_crockford_canon(char c);
/* A typed code of exactly nchars (<= FIO_CROCKFORD_MAX) Crockford characters,
 * dashes and spaces dropped, each mapped by fio_crockford_canon, into out
 * (nchars + 1 bytes). len is the typed length (at most 64). 0 or -1. */
#define FIO_CROCKFORD_MAX 32u
int fio_crockford_canon_n(const char *typed, size_t len, char *out, size_t nchars);

/* 1 if canon (from fio_recovery_canon) matches rec (one KDF, constant-time
 * compare), 0 if not, -1 on error. */
int fio_recovery_check(const char *canon, const struct fio_recovery_rec *rec);

#endif /* FIO_RECOVERY_H */
