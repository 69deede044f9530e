/*
 * password.h - password hashing with libxcrypt: yescrypt for new hashes
 * (crypt_gensalt_rn "$y$" at the configured cost), any crypt(3) hash verifies
 * (imported from /etc/shadow); the result is compared in constant time.
 * Passwords over FIO_PASSWORD_MAX bytes are refused before hashing (libxcrypt
 * hashes at most 511 bytes; the protocol carries up to FIO_SECRET_MAX = 512).
 */
#ifndef FIO_PASSWORD_H
#define FIO_PASSWORD_H

#include <stddef.h>

#define FIO_HASH_MAX 512u
#define FIO_PASSWORD_MAX 511u

/* Hashes pw with a new yescrypt salt at cost. *out is malloc'ed. 0 or -1. */
int fio_password_hash(const char *pw, unsigned cost, char **out);

/* 1 if pw matches hash, 0 if not (including a locked/empty/"*"/"!" hash, a
 * password over FIO_PASSWORD_MAX bytes, or an empty password), -1 on error. */
int fio_password_verify(const char *pw, const char *hash);

/* 1 if hash is not a yescrypt hash at cost (so it should be rehashed on a
 * successful login), else 0. */
int fio_password_needs_rehash(const char *hash, unsigned cost);

/* A hash of a random password with exactly the settings of real hashes, for
 * unknown users, so that they cost the same time. *out is malloc'ed. 0 or -1. */
int fio_password_dummy(unsigned cost, char **out);

#endif /* FIO_PASSWORD_H */
