/*
 * store.h - the credential store. One interface; the SQLite backend
 * (store_sqlite.c) implements it now, PostgreSQL later with the same semantics.
 *
 * All functions return 0 on success, FIO_STORE_NOTFOUND (1) where said, or
 * FIO_STORE_ERR (-1) on any store failure (the caller fails closed). Writes
 * that decide a verdict (TOTP step advanced, recovery code consumed, enrolment)
 * are durable (synchronous=FULL, committed) before the function returns 0.
 * Names are the NSS-canonical user name; all SQL uses bound parameters.
 * The store is used from the helper's main thread only.
 */
#ifndef FIO_STORE_H
#define FIO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "recovery.h"

#define FIO_STORE_OK 0
#define FIO_STORE_NOTFOUND 1
#define FIO_STORE_EXISTS 2
#define FIO_STORE_ERR (-1)

#define FIO_STORE_SCHEMA_VERSION 1

struct fio_store;

struct fio_user {
	int64_t id;
	char *name;
	char *email;     /* "" if none */
	char *pwhash;    /* crypt(3) string; "" if no password set */
	int64_t created; /* unix seconds */
	/* authenticator app; totp_blob == NULL if not enrolled */
	unsigned char *totp_blob; /* fio_seal() output, aad "totp:" + name */
	size_t totp_blob_len;
	unsigned totp_digits;
	unsigned totp_period;
	int64_t totp_last_step; /* last accepted step; -1 if none */
	unsigned recovery_left; /* unused recovery codes */
};

/* Opens (creating if missing, mode 0600) and migrates the database at path.
 * Refuses a schema newer than FIO_STORE_SCHEMA_VERSION, a file that is not a
 * database, and a failed integrity/quick check; err gets one line. WAL mode,
 * busy timeout 5 s, foreign keys on. */
int fio_store_open(const char *path, struct fio_store **out, char *err, size_t errlen);
void fio_store_close(struct fio_store *st);

/* Fills *u (free with fio_user_clear). NOTFOUND if no such user. */
int fio_store_user_get(struct fio_store *st, const char *name, struct fio_user *u);
void fio_user_clear(struct fio_user *u);

/* EXISTS if the name is taken. pwhash may be "" (no password yet). */
int fio_store_user_add(struct fio_store *st, const char *name, const char *email,
                       const char *pwhash, int64_t now);
/* Deletes the user and everything of theirs. NOTFOUND if none. */
int fio_store_user_del(struct fio_store *st, const char *name);
/* Calls cb for each user in name order (u is only valid during the call); stops
 * and returns cb's value if it returns non-zero. */
int fio_store_user_list(struct fio_store *st, int (*cb)(const struct fio_user *u, void *ctx),
                        void *ctx);
/* NOTFOUND if no such user. */
int fio_store_set_password(struct fio_store *st, int64_t user_id, const char *pwhash);

/* One transaction: sets the TOTP secret (replacing any), last_step, and
 * replaces the recovery codes with recs[0..n). Durable. */
int fio_store_enroll(struct fio_store *st, int64_t user_id, const unsigned char *blob,
                     size_t bloblen, unsigned digits, unsigned period, int64_t last_step,
                     const struct fio_recovery_rec *recs, size_t n);
/* Removes the TOTP secret and all recovery codes. Durable. */
int fio_store_unenroll(struct fio_store *st, int64_t user_id);

/* Sets totp_last_step = step only if step > the stored value, durably.
 * 0 if advanced, NOTFOUND if the step was not greater (a replay), ERR. */
int fio_store_totp_advance(struct fio_store *st, int64_t user_id, int64_t step);

/* The unused recovery record with this index. NOTFOUND if none or used. */
int fio_store_recovery_get(struct fio_store *st, int64_t user_id, uint32_t idx,
                           struct fio_recovery_rec *rec);
/* Marks the code used only if still unused, durably: 0 consumed, NOTFOUND if
 * already used (the race was lost), ERR. */
int fio_store_recovery_consume(struct fio_store *st, int64_t user_id, uint32_t idx, int64_t now);
/* Replaces all recovery codes with recs[0..n) in one transaction. Durable. */
int fio_store_recovery_replace(struct fio_store *st, int64_t user_id,
                               const struct fio_recovery_rec *recs, size_t n);

#endif /* FIO_STORE_H */
