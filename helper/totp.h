/*
 * totp.h - RFC 6238 TOTP (HMAC-SHA-1). Codes are generated with liboath
 * (oath_totp_generate2 / oath_hotp_generate); the comparison is ours: every
 * step of the window is compared in constant time with no early exit. Replay
 * refusal (last accepted step) is the caller's job with the store.
 */
#ifndef FIO_TOTP_H
#define FIO_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FIO_TOTP_SECRET_LEN 20u /* bytes of a newly generated secret (160 bits) */
#define FIO_TOTP_SECRET_MAX 64u /* longest secret accepted on import */

/* Call once at start (oath_init). 0 or -1. */
int fio_totp_global_init(void);
void fio_totp_global_done(void);

/* The time step that contains now. */
int64_t fio_totp_step(time_t now, unsigned period);

/* Writes the digits-long code for step into out (>= digits + 1 bytes). 0 or -1. */
int fio_totp_code(const unsigned char *secret, size_t secretlen, int64_t step, unsigned digits,
                  char *out, size_t outsz);

/* Canonical form of a typed code: exactly `digits` ASCII digits, optionally with
 * one space after half of them ("123 456"); no sign, no dash, no other
 * whitespace. Writes the bare digits to out (>= digits + 1). 0 or -1. */
int fio_totp_canon(const char *typed, unsigned digits, char *out, size_t outsz);

/* Compares code (canonical) against every step in [step - window, step + window]
 * in constant time, without early exit. Returns 1 and sets *matched_step to the
 * latest matching step that is > min_step, 0 if none matches, -1 on error. */
int fio_totp_verify(const unsigned char *secret, size_t secretlen, const char *code,
                    unsigned digits, int64_t step, unsigned window, int64_t min_step,
                    int64_t *matched_step);

/* otpauth://totp/ISSUER:USER?secret=B32&issuer=ISSUER&algorithm=SHA1&digits=D&period=P
 * with ISSUER and USER percent-encoded. Returns a malloc'ed string or NULL. */
char *fio_totp_uri(const char *issuer, const char *user, const char *base32, unsigned digits,
                   unsigned period);

/* base32 of the secret in groups of four separated by spaces (for reading
 * aloud / typing). Returns a malloc'ed string (wipe with fio_freezero_str) or NULL. */
char *fio_totp_grouped(const char *base32);

#endif /* FIO_TOTP_H */
