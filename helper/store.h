/*
 * store.h - the credential store. One interface; the SQLite backend
 * (store_sqlite.c) implements it now, PostgreSQL later with the same semantics.
 *
 * All functions return 0 on success, FIO_STORE_NOTFOUND (1), FIO_STORE_EXISTS (2)
 * or FIO_STORE_LOCKED (3) where said, or FIO_STORE_ERR (-1) on any store failure
 * (the caller fails closed). Writes that decide a verdict (TOTP step advanced,
 * recovery code consumed, enrolment, attempt counted, lock set) are durable
 * (synchronous=FULL, committed) before the function returns.
 * Names are the NSS-canonical user name; all SQL uses bound parameters.
 * The store is used from the helper's main thread only.
 */
#ifndef FIO_STORE_H
#define FIO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lockout.h"
#include "recovery.h"

#define FIO_STORE_OK 0
#define FIO_STORE_NOTFOUND 1
#define FIO_STORE_EXISTS 2
#define FIO_STORE_LOCKED 3
#define FIO_STORE_ERR (-1)

#define FIO_STORE_SCHEMA_VERSION 2

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

/* ---- lockout: one struct fio_lock per account (lockout.h has the rules) ----
 * Each function is one transaction; the row is created when first needed and
 * goes with the user. NOTFOUND if the user no longer exists. */

/* fio_lock_begin() on the account's row, durably: OK (the attempt is counted:
 * go on) or LOCKED (*out says until when). engaged (may be NULL) is set to 1 if
 * this call engaged the lock (an attempt at the threshold never ended). */
int fio_store_lock_begin(struct fio_store *st, int64_t user_id, int64_t now,
                         const struct fio_lock_params *p, struct fio_lock *out, int *engaged);
/* fio_lock_fail(): OK, or LOCKED if this failure engaged the lock. out may be NULL. */
int fio_store_lock_fail(struct fio_store *st, int64_t user_id, int64_t now,
                        const struct fio_lock_params *p, int second_factor, struct fio_lock *out);
/* fio_lock_success(); writes only if there is something to reset. */
int fio_store_lock_success(struct fio_store *st, int64_t user_id, int full_second_factor);
/* For an attempt on a name that is not in the store: one transaction with the
 * same read and one durable write as fio_store_lock_begin/_fail, so that such
 * attempts take the same time as attempts on accounts. */
int fio_store_lock_pad(struct fio_store *st);
/* The account's row as stored (all zero if none). */
int fio_store_lock_get(struct fio_store *st, int64_t user_id, struct fio_lock *out);
/* Forgets failures, lock and consecutive second-factor failures. */
int fio_store_lock_clear(struct fio_store *st, int64_t user_id);
/* Calls cb in name order for each account whose row is not idle at now
 * (fio_lock_idle with interval); stops and returns cb's value if non-zero. */
int fio_store_lock_list(struct fio_store *st, int64_t now, unsigned interval,
                        int (*cb)(const char *name, const struct fio_lock *l, void *ctx),
                        void *ctx);

#endif /* FIO_STORE_H */
