/*
 * store_impl.h - internals of the SQLite store shared by store_sqlite.c (open,
 * users, statement helpers), store_totp.c (authenticators, recovery codes),
 * store_lock.c (lockout), store_policy.c (mandatory 2FA: policy windows,
 * passes, remembered sources, sessions) and store_events.c (the activity
 * log). Not part of the store.h contract.
 *
 * Every statement is prepared once at open; its SQL is in the table of the
 * file that owns it (store_sqlite.c's own, store_totp_sql[], store_lock_sql[],
 * store_policy_sql[] or store_events_sql[]), in exactly one: the open fails
 * otherwise. Any file may run any statement.
 */
#ifndef FIO_STORE_IMPL_H
#define FIO_STORE_IMPL_H

#include <stdint.h>

#include <sqlite3.h>

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_USER_GET,
	S_USER_LIST,
	S_USER_ID,
	S_USER_ADD,
	S_USER_DEL,
	S_USER_ENROLLED,
	S_SET_PW,
	S_SET_SUSPENDED,
	/* store_totp.c */
	S_TOTP_PUT,
	S_TOTP_DEL,
	S_TOTP_DEL_ONE,
	S_TOTP_OTHERS,
	S_TOTP_ADVANCE,
	S_REC_GET,
	S_REC_CONSUME,
	S_REC_DEL,
	S_REC_ADD,
	/* store_lock.c */
	S_LOCK_GET,
	S_LOCK_PUT,
	S_LOCK_DEL,
	S_LOCK_LIST,
	S_LOCK_PAD,
	/* store_policy.c */
	S_SET_SSO,
	S_USER_EXISTS,
	S_SEEN_ADD,
	S_SEEN_GET,
	S_POL_GET,
	S_POL_ADD,
	S_POL_NOTIFIED,
	S_POL_DUE,
	S_POL_LIST,
	S_POL_DEL_USER,
	S_PASS_SET,
	S_PASS_ENDED,
	S_PASS_LIST,
	S_REM_PUT,
	S_REM_TRIM,
	S_REM_CHECK,
	S_REM_CLEAR,
	S_SESS_COUNT,
	S_SESS_ADD,
	S_SESS_DEL,
	S_SESS_DEL_PID,
	S_SESS_DEL_USER,
	S_SESS_LIST,
	S_SESS_LIST_USER,
	/* store_events.c */
	S_EVENT_ADD,
	S_EVENT_LIST,
	S_EVENT_LAST_OK,
	S_EVENT_FAILURES,
	S_EVENT_PRUNE,
	/* store_passwd.c */
	S_RESET_SET,
	S_MUST_CHANGE,
	S_PW_CHANGE,
	S_USER_ADD_INVITE,
	S_COUNT
};

struct fio_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
};

/* The SQL of each file's statements (NULL for the others). */
extern const char *const store_totp_sql[S_COUNT];
extern const char *const store_lock_sql[S_COUNT];
extern const char *const store_policy_sql[S_COUNT];
extern const char *const store_events_sql[S_COUNT];
extern const char *const store_passwd_sql[S_COUNT];

/* ---- statement helpers (store_sqlite.c) ----------------------------------- */

/* Logs a failed statement: what it was for and SQLite's message, no values. */
void store_db_fail(struct fio_store *st, const char *what);
/* Resets a statement and clears its bindings. */
void store_stmt_done(sqlite3_stmt *s);
/* Steps a statement that returns no row; resets it. 0 or FIO_STORE_ERR. */
int store_run(struct fio_store *st, enum stmt_id id, const char *what);
/* Runs an UPDATE/DELETE that must change exactly one row: NOTFOUND if none. */
int store_run_one(struct fio_store *st, enum stmt_id id, const char *what);
/* A bind failed: logs, resets the statement, and returns FIO_STORE_ERR. */
int store_bind_fail(struct fio_store *st, sqlite3_stmt *s, const char *what);
/* Runs a statement whose only parameter ?1 is a user id. */
int store_run_id(struct fio_store *st, enum stmt_id id, int64_t user_id, const char *what);
/* Binds the integers a to ?1 and b to ?2 of statement id: 0, or FIO_STORE_ERR
 * (logged as what, the statement reset). */
int store_bind_ids(struct fio_store *st, enum stmt_id id, int64_t a, int64_t b, const char *what);
/* Steps s to its last row, calling row(s, arg) on each; resets s. The first
 * non-zero return of row is the result; else OK after the last row, or ERR
 * (logged as what) if a step fails. */
int store_each_row(struct fio_store *st, sqlite3_stmt *s, const char *what,
                   int (*row)(sqlite3_stmt *s, void *arg), void *arg);
/* BEGIN IMMEDIATE / COMMIT: 0 or FIO_STORE_ERR. */
int store_tx_begin(struct fio_store *st);
int store_tx_commit(struct fio_store *st);
/* Rolls back the open transaction, if SQLite has not already done so. */
void store_tx_rollback(struct fio_store *st);
/* Ends the open transaction: commits if rc is OK or LOCKED (ERR if the commit
 * fails), else rolls back. Returns the result. */
int store_tx_end(struct fio_store *st, int rc);
/* Column col as an unsigned int: -1 unless an integer in range. */
int store_col_uint(sqlite3_stmt *s, int col, unsigned *out);
/* Text column col: a NULL column reads as "", a failed conversion (out of
 * memory) is -1. The pointer is valid until the statement steps or resets.
 * (store_policy.c) */
int store_col_text(sqlite3_stmt *s, int col, const char **out);

/* ---- store_policy.c ------------------------------------------------------- */

/* Inside fio_store_user_del's transaction: deletes the user's policy windows,
 * remembered sources and sessions (the foreign keys cascade too). */
int store_policy_forget_user(struct fio_store *st, int64_t user_id);

#endif /* FIO_STORE_IMPL_H */
