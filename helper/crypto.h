/*
 * crypto.h - at-rest encryption of secrets (AES-256-GCM under the key file),
 * randomness, base32, and constant-time compare. OpenSSL libcrypto.
 */
#ifndef FIO_CRYPTO_H
#define FIO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define FIO_KEY_LEN 32u
#define FIO_SEAL_OVERHEAD (1u + 12u + 16u) /* version byte, nonce, tag */

struct fio_key {
	unsigned char k[FIO_KEY_LEN];
};

/* Loads the key file: a regular file (no symlink), exactly 32 bytes, owned by
 * the running uid, mode 0600 or stricter. If it does not exist and create is
 * non-zero, creates it with 32 bytes from RAND_bytes, mode 0600, O_EXCL, fsync.
 * On error returns -1 and writes one line into err. */
int fio_key_load(const char *path, int create, struct fio_key *key, char *err, size_t errlen);
void fio_key_wipe(struct fio_key *key);

/* Encrypts pt[0..ptlen) with a fresh random nonce; aad binds the ciphertext to
 * its owner (e.g. "totp:alice"). *out (malloc) is 1 + 12 + ptlen + 16 bytes.
 * 0 or -1. */
int fio_seal(const struct fio_key *key, const char *aad, const unsigned char *pt, size_t ptlen,
             unsigned char **out, size_t *outlen);
/* Decrypts and authenticates; -1 on any mismatch (tag, version, aad, length).
 * *pt (malloc) must be released with fio_freezero(*pt, *ptlen). */
int fio_open(const struct fio_key *key, const char *aad, const unsigned char *in, size_t inlen,
             unsigned char **pt, size_t *ptlen);

/* RAND_bytes; -1 if the RNG fails (fail closed). */
int fio_random(void *buf, size_t n);
/* Uniform integer in [0, bound) from the CSPRNG, bound >= 1. 0 or -1. */
int fio_random_uniform(uint32_t bound, uint32_t *out);

/* Constant-time equality of two equal-length buffers (CRYPTO_memcmp): 1 equal. */
int fio_ct_equal(const void *a, const void *b, size_t n);
/* 1 if the strings are equal, compared in constant time once the lengths
 * agree (for hashes and codes). */
int fio_ct_streq(const char *a, const char *b);

/* RFC 4648 base32, upper case, no padding. Encode: out needs
 * (n * 8 + 4) / 5 + 1 bytes. Decode accepts upper/lower case, ignores spaces
 * and '-', and refuses padding in the middle or other characters: returns the
 * number of bytes written to out (<= outsz) or -1. */
size_t fio_base32_encode(const unsigned char *in, size_t n, char *out, size_t outsz);
int fio_base32_decode(const char *in, unsigned char *out, size_t outsz);

/* Hex of a SHA-256 over data (for non-secret identifiers only). */

#endif /* FIO_CRYPTO_H */
