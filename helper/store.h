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

#define FIO_STORE_SCHEMA_VERSION 4

struct fio_store;

/* Authenticators (apps) per account: each has a label, unique within the
 * account: 1..FIO_TOTP_LABEL_MAX bytes of [A-Za-z0-9._-]. */
#define FIO_TOTP_PER_USER_MAX 5
#define FIO_TOTP_LABEL_MAX 32
#define FIO_TOTP_LABEL_DEFAULT "default"

/* 1 if label is a valid authenticator label, else 0. */
int fio_totp_label_valid(const char *label);

struct fio_totp {
	int64_t id; /* the store's id (fio_store_totp_advance) */
	char label[FIO_TOTP_LABEL_MAX + 1];
	unsigned char *blob; /* fio_seal() output, aad "totp:" + name */
	size_t blob_len;
	unsigned digits, period;
	int64_t last_step; /* last accepted step; -1 if none */
};

struct fio_user {
	int64_t id;
	char *name;
	char *email;     /* "" if none */
	char *pwhash;    /* crypt(3) string; "" if no password set */
	int64_t created; /* unix seconds */
	/* The first authenticator (lowest id), a copy of totps[0]: totp_blob ==
	 * NULL if the account has none (ntotp == 0). */
	unsigned char *totp_blob; /* fio_seal() output, aad "totp:" + name */
	size_t totp_blob_len;
	unsigned totp_digits;
	unsigned totp_period;
	int64_t totp_last_step; /* last accepted step; -1 if none */
	/* all the account's authenticators in id order (fio_store_user_get and
	 * fio_store_user_list both fill them) */
	struct fio_totp totps[FIO_TOTP_PER_USER_MAX];
	size_t ntotp;
	unsigned recovery_left; /* unused recovery codes */
	/* mandatory 2FA (policy.h) */
	int sso;            /* managed by single sign-on (fioctl user add --sso) */
	int64_t pass_until; /* temporary pass: 2FA suspended until then; 0 if none */
	int must_enroll;    /* a pass ended: the factor was discarded and the next
	                       login enrols, whatever the policy says */
	/* account suspension (fioctl user suspend) */
	int suspended;        /* logins and acct_mgmt refused, sessions ended */
	char *suspend_reason; /* the administrator's reason; "" if none */
	/* password lifecycle (flow_passwd.c) */
	int must_change;     /* a password change is due at the next login
	                        (acct_mgmt: FIO_RESULT_NEW_AUTHTOK) */
	char *reset_hash;    /* crypt(3) hash of an outstanding reset or invitation
	                        code (its canonical form); "" if none */
	int64_t reset_until; /* the code is refused from this time on */
	int reset_invite;    /* the code is an invitation (fioctl user add --invite) */
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
/* A reset or invitation code (hash of its canonical form) valid until
 * `until`, replacing any earlier one, and must_change = 1, in one durable
 * transaction. NOTFOUND if no such user. */
int fio_store_reset_set(struct fio_store *st, int64_t user_id, const char *hash, int64_t until,
                        int invite);
/* must_change = on. NOTFOUND if no such user. */
int fio_store_set_must_change(struct fio_store *st, int64_t user_id, int on);
/* The change of a password, durable, only if the account still has
 * old_pwhash and old_reset_hash (what the caller verified against): pwhash =
 * new_pwhash, must_change = 0, and the reset code is consumed (reset_hash =
 * "", reset_until = 0). NOTFOUND (nothing written) if the account is gone or
 * either changed meanwhile (a reset code is used once: of two changes racing
 * with one code, one wins). */
int fio_store_password_change(struct fio_store *st, int64_t user_id, const char *old_pwhash,
                              const char *old_reset_hash, const char *new_pwhash);
/* Creates an account with no password and an invitation code (must_change =
 * 1), in one statement. EXISTS if the name is taken. */
int fio_store_user_add_invite(struct fio_store *st, const char *name, const char *email,
                              const char *reset_hash, int64_t until, int64_t now);
/* Suspends (on != 0, with reason: NULL is "") or resumes (on == 0: the reason
 * is cleared) the account, in one durable transaction; suspending also forgets
 * the user's remembered sources. NOTFOUND (nothing written) if no such user. */
int fio_store_set_suspended(struct fio_store *st, int64_t user_id, int on, const char *reason);

/* One transaction: inserts the authenticator labelled label (NULL: "default")
 * for user_id, or replaces the secret, digits, period and last_step of the
 * one with that label (keeping its id); if recs != NULL, replaces the
 * recovery codes with recs[0..n) (recs == NULL: the codes are kept, n must be
 * 0). EXISTS (nothing written) if the label is new and the account already has
 * FIO_TOTP_PER_USER_MAX authenticators. An invalid label is ERR. Durable. */
int fio_store_enroll(struct fio_store *st, int64_t user_id, const char *label,
                     const unsigned char *blob, size_t bloblen, unsigned digits, unsigned period,
                     int64_t last_step, const struct fio_recovery_rec *recs, size_t n);
/* Removes all the account's authenticators and recovery codes. Durable. */
int fio_store_unenroll(struct fio_store *st, int64_t user_id);
/* One transaction: removes the authenticator labelled label; if it was the
 * account's last one, the recovery codes go too. NOTFOUND (nothing written)
 * if the account has no such authenticator. Durable. */
int fio_store_unenroll_one(struct fio_store *st, int64_t user_id, const char *label);

/* Also in fio_store_enroll's transaction: must_enroll = 0, pass_until = 0 (an
 * enrolment ends a pass) and the user's remembered sources are forgotten.
 * fio_store_unenroll and fio_store_unenroll_one forget the remembered sources
 * too (they may have been earned with the authenticator that went). */

/* Sets the last_step of the authenticator totp_id (struct fio_totp.id) to step
 * only if step > the stored value, durably. 0 if advanced, NOTFOUND if the
 * step was not greater (a replay) or there is no such authenticator, ERR. */
int fio_store_totp_advance(struct fio_store *st, int64_t totp_id, int64_t step);

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

/* ---- mandatory 2FA (policy.h has the rules) -------------------------------- */

/* sso flag of the account. NOTFOUND if no such user. */
int fio_store_set_sso(struct fio_store *st, int64_t user_id, int sso);
/* Creates the account with sso set (like fio_store_user_add, in one statement). */
int fio_store_user_add_sso(struct fio_store *st, const char *name, const char *email,
                           const char *pwhash, int64_t now, int sso);

/* When each policy entry (its key, fio-config.h) was first seen in force.
 * Returns the stored time in *first_seen, inserting now if the key is new
 * (*created = 1 then, else 0). Durable. */
int fio_store_policy_seen(struct fio_store *st, const char *key, int64_t now, int64_t *first_seen,
                          int *created);

/* One account's window under one policy entry. */
struct fio_policy_row {
	int64_t since;     /* when the entry first applied to the account */
	int64_t deadline;  /* enrolment is due at this time */
	unsigned notified; /* FIO_NOTIFIED_* already sent for this window */
};
#define FIO_NOTIFIED_OPENED 0x1u  /* "you have until ..." */
#define FIO_NOTIFIED_WARN 0x2u    /* notify.warn_before reached */
#define FIO_NOTIFIED_OVERDUE 0x4u /* the window ended without enrolment */

/* NOTFOUND if the account has no row for key. */
int fio_store_policy_get(struct fio_store *st, int64_t user_id, const char *key,
                         struct fio_policy_row *out);
/* Inserts the row unless one exists (a window is never restarted): OK if
 * inserted, EXISTS if there was one (left as it was), NOTFOUND if no such
 * user. Durable. */
int fio_store_policy_add(struct fio_store *st, int64_t user_id, const char *key, int64_t since,
                         int64_t deadline);
/* notified |= bits. NOTFOUND if no row. */
int fio_store_policy_notified(struct fio_store *st, int64_t user_id, const char *key,
                              unsigned bits);
/* Sets the deadline of all the account's rows to at most deadline (a pass that
 * ended: enrolment is due now). */
int fio_store_policy_due(struct fio_store *st, int64_t user_id, int64_t deadline);
/* Calls cb for every row in (name, key) order; stops and returns cb's value if
 * non-zero. */
int fio_store_policy_list(struct fio_store *st,
                          int (*cb)(const char *name, const char *key,
                                    const struct fio_policy_row *row, void *ctx),
                          void *ctx);

/* Temporary pass: pass_until = until (> 0), remembered sources forgotten. */
int fio_store_pass_grant(struct fio_store *st, int64_t user_id, int64_t until);
/* The pass ended (expired or revoked) at now, in one durable transaction: the
 * authenticators, the recovery codes and the remembered sources are deleted,
 * pass_until = 0, must_enroll = 1, and the policy rows are due at now. */
int fio_store_pass_end(struct fio_store *st, int64_t user_id, int64_t now);
/* Calls cb(name, pass_until) for each account with pass_until != 0, in name order. */
int fio_store_pass_list(struct fio_store *st, int (*cb)(const char *name, int64_t until, void *ctx),
                        void *ctx);

/* Remembered sources (config remember): after a full 2FA login from rhost,
 * that source is spared the code until `until`. put replaces the row for
 * (user, rhost); check is OK if a row with until > now exists, else NOTFOUND;
 * clear forgets all of the account's rows. At most 64 rows per account: put
 * drops the oldest beyond that. */
int fio_store_remember_put(struct fio_store *st, int64_t user_id, const char *rhost, int64_t until);
int fio_store_remember_check(struct fio_store *st, int64_t user_id, const char *rhost, int64_t now);
int fio_store_remember_clear(struct fio_store *st, int64_t user_id);

/* Open sessions (pam_sm_open_session). */
struct fio_session {
	int64_t id;
	char *user; /* account name (filled by get/list) */
	char *service, *tty, *rhost;
	int64_t pid;        /* the session leader */
	uint64_t pid_start; /* its start time, /proc/PID/stat field 22; 0 if unknown */
	int64_t started;    /* unix seconds */
};
#define FIO_SESSIONS_PER_USER_MAX 1024 /* session_add refuses more: EXISTS */

/* Adds a session of user_id (sess->id is set). EXISTS past the per-user cap;
 * NOTFOUND if no such user. */
int fio_store_session_add(struct fio_store *st, int64_t user_id, struct fio_session *sess);
/* Removes session id; NOTFOUND if none. */
int fio_store_session_del(struct fio_store *st, int64_t id);
/* Removes the sessions of user_id whose leader is pid (close_session); OK even
 * if none. */
int fio_store_session_del_pid(struct fio_store *st, int64_t user_id, int64_t pid);
/* Calls cb for each session (of user_id, or of everyone if user_id < 0) in id
 * order; sess is only valid during the call. */
int fio_store_session_list(struct fio_store *st, int64_t user_id,
                           int (*cb)(const struct fio_session *sess, void *ctx), void *ctx);

/* ---- the activity log (activity.h) -------------------------------------------
 * Events are kept by name (attempts on names that are not accounts too) and
 * outlive the account; fio_store_event_prune drops the old ones. */

#define FIO_EVENT_FIELD_MAX 256u  /* bytes of user, event, service, rhost, tty, result */
#define FIO_EVENT_REASON_MAX 512u /* bytes of reason */

struct fio_event_rec {
	int64_t id; /* set by list; ignored by add */
	int64_t time;
	const char *user, *event, *service, *rhost, *tty, *result, *reason; /* NULL is "" */
};

/* Appends one event; each over-long field is cut at a UTF-8 character boundary
 * to its maximum. *id (may be NULL) gets the event's id. */
int fio_store_event_add(struct fio_store *st, const struct fio_event_rec *ev, int64_t *id);
/* Calls cb for the newest limit events of user with time >= since, oldest
 * first (time, then id order); ev is only valid during the call. Stops and
 * returns cb's value if it returns non-zero. */
int fio_store_event_list(struct fio_store *st, const char *user, int64_t since, unsigned limit,
                         int (*cb)(const struct fio_event_rec *ev, void *ctx), void *ctx);

/* The newest successful login ("auth" event, result "success") of user with
 * an id below before_id (INT64_MAX: any). NOTFOUND if none. */
struct fio_event_last {
	int64_t id, time;
	char service[FIO_EVENT_FIELD_MAX + 1];
	char rhost[FIO_EVENT_FIELD_MAX + 1];
};
int fio_store_event_last_success(struct fio_store *st, const char *user, int64_t before_id,
                                 struct fio_event_last *out);
/* The number of failed logins ("auth" events, result "failure" or "locked")
 * of user with an id above after_id (0: all) into *n. Ids, not times, order
 * the events: a clock step does not reorder them. */
int fio_store_event_failures_since(struct fio_store *st, const char *user, int64_t after_id,
                                   int64_t *n);
/* Deletes the events with time < before; *n (may be NULL) gets how many. */
int fio_store_event_prune(struct fio_store *st, int64_t before, int64_t *n);

#endif /* FIO_STORE_H */
