/*
 * store_policy.c - the mandatory-2FA half of store.h on SQLite: sso flags,
 * when each policy entry was first seen, each account's enrolment window,
 * temporary passes, remembered sources and open sessions.
 *
 * Same rules as store_sqlite.c (store_impl.h): statements prepared once at
 * open, every value bound, a function that writes more than once is one
 * BEGIN IMMEDIATE ... COMMIT (rolled back on any error), and a committed write
 * is on disk (WAL, synchronous=FULL). Rows of a user that is gone are never
 * created: inserts select the user's row, so a missing user is NOTFOUND and
 * never a foreign-key error. Errors are logged without values.
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_impl.h"

#define REMEMBER_PER_USER_MAX 64 /* store.h: put drops the rows beyond */

#define SESSION_SELECT                                                                             \
	"SELECT s.id, u.name, s.service, s.tty, s.rhost, s.pid, s.pid_start, s.started"            \
	" FROM sessions s JOIN users u ON u.id = s.user_id"

const char *const store_policy_sql[S_COUNT] = {
        [S_SET_SSO] = "UPDATE users SET sso = ?2 WHERE id = ?1",
        [S_USER_EXISTS] = "SELECT 1 FROM users WHERE id = ?1",
        [S_SEEN_ADD] = "INSERT INTO policy_seen (key, first_seen) VALUES (?1, ?2)"
                       " ON CONFLICT (key) DO NOTHING",
        [S_SEEN_GET] = "SELECT first_seen FROM policy_seen WHERE key = ?1",
        [S_POL_GET] = "SELECT since, deadline, notified FROM policy_window"
                      " WHERE user_id = ?1 AND key = ?2",
        /* no row if the user is gone (the WHERE also keeps ON CONFLICT from
         * being read as a join constraint); an existing window is kept */
        [S_POL_ADD] = "INSERT INTO policy_window (user_id, key, since, deadline, notified)"
                      " SELECT id, ?2, ?3, ?4, 0 FROM users WHERE id = ?1"
                      " ON CONFLICT (user_id, key) DO NOTHING",
        [S_POL_NOTIFIED] = "UPDATE policy_window SET notified = notified | ?3"
                           " WHERE user_id = ?1 AND key = ?2",
        [S_POL_DUE] = "UPDATE policy_window SET deadline = ?2 WHERE user_id = ?1 AND deadline > ?2",
        [S_POL_LIST] = "SELECT u.name, p.key, p.since, p.deadline, p.notified"
                       " FROM policy_window p JOIN users u ON u.id = p.user_id"
                       " ORDER BY u.name, p.key",
        [S_POL_DEL_USER] = "DELETE FROM policy_window WHERE user_id = ?1",
        [S_PASS_SET] = "UPDATE users SET pass_until = ?2 WHERE id = ?1",
        [S_PASS_ENDED] = "UPDATE users SET pass_until = 0, must_enroll = 1 WHERE id = ?1",
        [S_PASS_LIST] = "SELECT name, pass_until FROM users WHERE pass_until != 0 ORDER BY name",
        [S_REM_PUT] = "INSERT INTO remembered (user_id, rhost, until)"
                      " SELECT id, ?2, ?3 FROM users WHERE id = ?1"
                      " ON CONFLICT (user_id, rhost) DO UPDATE SET until = excluded.until",
        /* all but the ?2 rows with the latest until (the newest row on a tie) */
        [S_REM_TRIM] = "DELETE FROM remembered WHERE rowid IN (SELECT rowid FROM remembered"
                       " WHERE user_id = ?1 ORDER BY until DESC, rowid DESC"
                       " LIMIT -1 OFFSET ?2)",
        [S_REM_CHECK] = "SELECT 1 FROM remembered WHERE user_id = ?1 AND rhost = ?2"
                        " AND until > ?3",
        [S_REM_CLEAR] = "DELETE FROM remembered WHERE user_id = ?1",
        [S_SESS_COUNT] = "SELECT count(*) FROM sessions WHERE user_id = ?1",
        [S_SESS_ADD] = "INSERT INTO sessions (user_id, service, tty, rhost, pid, pid_start,"
                       " started) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        [S_SESS_DEL] = "DELETE FROM sessions WHERE id = ?1",
        [S_SESS_DEL_PID] = "DELETE FROM sessions WHERE user_id = ?1 AND pid = ?2",
        [S_SESS_DEL_USER] = "DELETE FROM sessions WHERE user_id = ?1",
        [S_SESS_LIST] = SESSION_SELECT " ORDER BY s.id",
        [S_SESS_LIST_USER] = SESSION_SELECT " WHERE s.user_id = ?1 ORDER BY s.id",
};

/* ---- helpers ---------------------------------------------------------------- */

int
store_col_text(sqlite3_stmt *s, int col, const char **out)
{
	const unsigned char *t;

	if (sqlite3_column_type(s, col) == SQLITE_NULL) {
		*out = "";
		return 0;
	}
	t = sqlite3_column_text(s, col);
	*out = (const char *)t;
	return t != NULL ? 0 : -1;
}

/* 0 if columns first..first+n-1 of the current row are all integers. */
static int
cols_int(sqlite3_stmt *s, int first, int n)
{
	int i;

	for (i = first; i < first + n; i++) {
		if (sqlite3_column_type(s, i) != SQLITE_INTEGER)
			return -1;
	}
	return 0;
}

/* Steps s once: OK with a row, NOTFOUND without; ERR logged. Does not reset. */
static int
step_row(struct fio_store *st, sqlite3_stmt *s, const char *what)
{
	int r = sqlite3_step(s);

	if (r == SQLITE_ROW)
		return FIO_STORE_OK;
	if (r == SQLITE_DONE)
		return FIO_STORE_NOTFOUND;
	store_db_fail(st, what);
	return FIO_STORE_ERR;
}

/* OK if user_id is a user, NOTFOUND if not, ERR. */
static int
user_exists(struct fio_store *st, int64_t user_id)
{
	sqlite3_stmt *s = st->stmt[S_USER_EXISTS];
	int rc;

	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK)
		return store_bind_fail(st, s, "user exists: bind");
	rc = step_row(st, s, "user exists");
	store_stmt_done(s);
	return rc;
}

int
store_policy_forget_user(struct fio_store *st, int64_t user_id)
{
	if (store_run_id(st, S_POL_DEL_USER, user_id, "forget user: policy") != FIO_STORE_OK ||
	    store_run_id(st, S_REM_CLEAR, user_id, "forget user: remembered") != FIO_STORE_OK ||
	    store_run_id(st, S_SESS_DEL_USER, user_id, "forget user: sessions") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	return FIO_STORE_OK;
}

/* ---- sso ---------------------------------------------------------------------- */

int
fio_store_set_sso(struct fio_store *st, int64_t user_id, int sso)
{
	if (st == NULL ||
	    store_bind_ids(st, S_SET_SSO, user_id, sso != 0, "set sso: bind") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	return store_run_one(st, S_SET_SSO, "set sso");
}

/* ---- policy entries and windows ---------------------------------------------- */

int
fio_store_policy_seen(struct fio_store *st, const char *key, int64_t now, int64_t *first_seen,
                      int *created)
{
	sqlite3_stmt *s;
	int64_t seen = 0;
	int made = 0;
	int rc = FIO_STORE_ERR;

	if (st == NULL || key == NULL || first_seen == NULL || created == NULL ||
	    store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	s = st->stmt[S_SEEN_ADD];
	if (sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, now) != SQLITE_OK) {
		rc = store_bind_fail(st, s, "policy seen: bind");
		goto out;
	}
	if (store_run(st, S_SEEN_ADD, "policy seen: insert") != FIO_STORE_OK)
		goto out;
	made = sqlite3_changes(st->db) == 1;
	s = st->stmt[S_SEEN_GET];
	if (sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC) != SQLITE_OK) {
		rc = store_bind_fail(st, s, "policy seen: bind");
		goto out;
	}
	if (step_row(st, s, "policy seen: get") == FIO_STORE_OK && cols_int(s, 0, 1) == 0) {
		seen = sqlite3_column_int64(s, 0);
		rc = FIO_STORE_OK;
	} else {
		log_err("policy seen: the row cannot be read back");
	}
	store_stmt_done(s);
out:
	rc = store_tx_end(st, rc);
	if (rc == FIO_STORE_OK) {
		*first_seen = seen;
		*created = made;
	}
	return rc;
}

/* Reads columns first.. (since, deadline, notified) of the current row. */
static int
read_policy_row(sqlite3_stmt *s, int first, struct fio_policy_row *row)
{
	if (cols_int(s, first, 3) != 0 || store_col_uint(s, first + 2, &row->notified) != 0)
		return FIO_STORE_ERR;
	row->since = sqlite3_column_int64(s, first);
	row->deadline = sqlite3_column_int64(s, first + 1);
	return FIO_STORE_OK;
}

int
fio_store_policy_get(struct fio_store *st, int64_t user_id, const char *key,
                     struct fio_policy_row *out)
{
	struct fio_policy_row row;
	sqlite3_stmt *s;
	int rc;

	if (st == NULL || key == NULL || out == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_POL_GET];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC) != SQLITE_OK)
		return store_bind_fail(st, s, "policy get: bind");
	rc = step_row(st, s, "policy get");
	if (rc == FIO_STORE_OK && read_policy_row(s, 0, &row) != FIO_STORE_OK) {
		log_err("policy get: malformed policy row");
		rc = FIO_STORE_ERR;
	}
	store_stmt_done(s);
	if (rc == FIO_STORE_OK)
		*out = row;
	return rc;
}

int
fio_store_policy_add(struct fio_store *st, int64_t user_id, const char *key, int64_t since,
                     int64_t deadline)
{
	sqlite3_stmt *s;
	int rc = FIO_STORE_ERR;

	if (st == NULL || key == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	s = st->stmt[S_POL_ADD];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, since) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 4, deadline) != SQLITE_OK) {
		rc = store_bind_fail(st, s, "policy add: bind");
		goto out;
	}
	if (store_run(st, S_POL_ADD, "policy add") != FIO_STORE_OK)
		goto out;
	if (sqlite3_changes(st->db) == 1) {
		rc = FIO_STORE_OK;
		goto out;
	}
	/* nothing inserted: a window already there, or no such user */
	rc = user_exists(st, user_id);
	if (rc == FIO_STORE_OK)
		rc = FIO_STORE_EXISTS;
out:
	return store_tx_end(st, rc); /* EXISTS, NOTFOUND: nothing written, rolled back */
}

int
fio_store_policy_notified(struct fio_store *st, int64_t user_id, const char *key, unsigned bits)
{
	sqlite3_stmt *s;

	if (st == NULL || key == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_POL_NOTIFIED];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, bits) != SQLITE_OK)
		return store_bind_fail(st, s, "policy notified: bind");
	return store_run_one(st, S_POL_NOTIFIED, "policy notified");
}

/* Without a transaction of its own: runs inside pass_end's, or alone. */
static int
policy_due(struct fio_store *st, int64_t user_id, int64_t deadline)
{
	if (store_bind_ids(st, S_POL_DUE, user_id, deadline, "policy due: bind") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	return store_run(st, S_POL_DUE, "policy due");
}

int
fio_store_policy_due(struct fio_store *st, int64_t user_id, int64_t deadline)
{
	if (st == NULL)
		return FIO_STORE_ERR;
	return policy_due(st, user_id, deadline);
}

struct policy_list {
	int (*cb)(const char *name, const char *key, const struct fio_policy_row *row, void *ctx);
	void *ctx;
};

static int
policy_list_row(sqlite3_stmt *s, void *arg)
{
	const struct policy_list *pl = arg;
	struct fio_policy_row row;
	const char *name, *key;

	if (store_col_text(s, 0, &name) != 0 || store_col_text(s, 1, &key) != 0 ||
	    read_policy_row(s, 2, &row) != FIO_STORE_OK) {
		log_err("policy list: malformed policy row");
		return FIO_STORE_ERR;
	}
	return pl->cb(name, key, &row, pl->ctx);
}

int
fio_store_policy_list(struct fio_store *st,
                      int (*cb)(const char *name, const char *key, const struct fio_policy_row *row,
                                void *ctx),
                      void *ctx)
{
	struct policy_list pl = {cb, ctx};

	if (st == NULL || cb == NULL)
		return FIO_STORE_ERR;
	return store_each_row(st, st->stmt[S_POL_LIST], "policy list", policy_list_row, &pl);
}

/* ---- temporary passes ----------------------------------------------------------- */

int
fio_store_pass_grant(struct fio_store *st, int64_t user_id, int64_t until)
{
	int rc = FIO_STORE_ERR;

	if (st == NULL || until <= 0 || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	if (store_bind_ids(st, S_PASS_SET, user_id, until, "pass grant: bind") == FIO_STORE_OK)
		rc = store_run_one(st, S_PASS_SET, "pass grant");
	if (rc == FIO_STORE_OK &&
	    store_run_id(st, S_REM_CLEAR, user_id, "pass grant: remembered") != FIO_STORE_OK)
		rc = FIO_STORE_ERR;
	return store_tx_end(st, rc);
}

int
fio_store_pass_end(struct fio_store *st, int64_t user_id, int64_t now)
{
	int rc = FIO_STORE_ERR;

	if (st == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	if (store_run_id(st, S_TOTP_DEL, user_id, "pass end: totp") != FIO_STORE_OK ||
	    store_run_id(st, S_REC_DEL, user_id, "pass end: recovery") != FIO_STORE_OK ||
	    store_run_id(st, S_REM_CLEAR, user_id, "pass end: remembered") != FIO_STORE_OK)
		goto out;
	rc = store_run_id(st, S_PASS_ENDED, user_id, "pass end: user");
	if (rc == FIO_STORE_OK && sqlite3_changes(st->db) != 1)
		rc = FIO_STORE_NOTFOUND; /* no such user: nothing was deleted either */
	if (rc == FIO_STORE_OK && policy_due(st, user_id, now) != FIO_STORE_OK)
		rc = FIO_STORE_ERR;
out:
	return store_tx_end(st, rc);
}

struct pass_list {
	int (*cb)(const char *name, int64_t until, void *ctx);
	void *ctx;
};

static int
pass_list_row(sqlite3_stmt *s, void *arg)
{
	const struct pass_list *pl = arg;
	const char *name;

	if (store_col_text(s, 0, &name) != 0 || cols_int(s, 1, 1) != 0) {
		log_err("pass list: malformed user row");
		return FIO_STORE_ERR;
	}
	return pl->cb(name, sqlite3_column_int64(s, 1), pl->ctx);
}

int
fio_store_pass_list(struct fio_store *st, int (*cb)(const char *name, int64_t until, void *ctx),
                    void *ctx)
{
	struct pass_list pl = {cb, ctx};

	if (st == NULL || cb == NULL)
		return FIO_STORE_ERR;
	return store_each_row(st, st->stmt[S_PASS_LIST], "pass list", pass_list_row, &pl);
}

/* ---- remembered sources -------------------------------------------------------- */

int
fio_store_remember_put(struct fio_store *st, int64_t user_id, const char *rhost, int64_t until)
{
	sqlite3_stmt *s;
	int rc = FIO_STORE_ERR;

	if (st == NULL || rhost == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	s = st->stmt[S_REM_PUT];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, rhost, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, until) != SQLITE_OK) {
		rc = store_bind_fail(st, s, "remember put: bind");
		goto out;
	}
	rc = store_run_one(st, S_REM_PUT, "remember put"); /* NOTFOUND: no such user */
	if (rc != FIO_STORE_OK)
		goto out;
	rc = store_bind_ids(st, S_REM_TRIM, user_id, REMEMBER_PER_USER_MAX, "remember trim: bind");
	if (rc == FIO_STORE_OK)
		rc = store_run(st, S_REM_TRIM, "remember trim");
out:
	return store_tx_end(st, rc);
}

int
fio_store_remember_check(struct fio_store *st, int64_t user_id, const char *rhost, int64_t now)
{
	sqlite3_stmt *s;
	int rc;

	if (st == NULL || rhost == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_REM_CHECK];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, rhost, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK)
		return store_bind_fail(st, s, "remember check: bind");
	rc = step_row(st, s, "remember check");
	store_stmt_done(s);
	return rc;
}

int
fio_store_remember_clear(struct fio_store *st, int64_t user_id)
{
	if (st == NULL)
		return FIO_STORE_ERR;
	return store_run_id(st, S_REM_CLEAR, user_id, "remember clear");
}

/* ---- sessions ------------------------------------------------------------------- */

/* The number of user_id's sessions into *n. */
static int
session_count(struct fio_store *st, int64_t user_id, int64_t *n)
{
	sqlite3_stmt *s = st->stmt[S_SESS_COUNT];
	int rc;

	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK)
		return store_bind_fail(st, s, "session count: bind");
	rc = step_row(st, s, "session count");
	if (rc == FIO_STORE_NOTFOUND || (rc == FIO_STORE_OK && cols_int(s, 0, 1) != 0))
		rc = FIO_STORE_ERR; /* count(*) always has one integer row */
	if (rc == FIO_STORE_OK)
		*n = sqlite3_column_int64(s, 0);
	store_stmt_done(s);
	return rc;
}

int
fio_store_session_add(struct fio_store *st, int64_t user_id, struct fio_session *sess)
{
	sqlite3_stmt *s;
	int64_t n = 0, id = 0;
	int rc;

	if (st == NULL || sess == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	rc = user_exists(st, user_id);
	if (rc == FIO_STORE_OK)
		rc = session_count(st, user_id, &n);
	if (rc == FIO_STORE_OK && n >= FIO_SESSIONS_PER_USER_MAX)
		rc = FIO_STORE_EXISTS;
	if (rc != FIO_STORE_OK)
		goto out;
	s = st->stmt[S_SESS_ADD];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, sess->service != NULL ? sess->service : "", -1,
	                      SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, sess->tty != NULL ? sess->tty : "", -1, SQLITE_STATIC) !=
	            SQLITE_OK ||
	    sqlite3_bind_text(s, 4, sess->rhost != NULL ? sess->rhost : "", -1, SQLITE_STATIC) !=
	            SQLITE_OK ||
	    sqlite3_bind_int64(s, 5, sess->pid) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, (sqlite3_int64)sess->pid_start) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 7, sess->started) != SQLITE_OK) {
		rc = store_bind_fail(st, s, "session add: bind");
		goto out;
	}
	rc = store_run(st, S_SESS_ADD, "session add");
	id = sqlite3_last_insert_rowid(st->db);
out:
	rc = store_tx_end(st, rc);
	if (rc == FIO_STORE_OK)
		sess->id = id;
	return rc;
}

int
fio_store_session_del(struct fio_store *st, int64_t id)
{
	int rc;

	if (st == NULL)
		return FIO_STORE_ERR;
	rc = store_run_id(st, S_SESS_DEL, id, "session del"); /* ?1 is the session's id */
	if (rc == FIO_STORE_OK && sqlite3_changes(st->db) != 1)
		rc = FIO_STORE_NOTFOUND;
	return rc;
}

int
fio_store_session_del_pid(struct fio_store *st, int64_t user_id, int64_t pid)
{
	if (st == NULL || store_bind_ids(st, S_SESS_DEL_PID, user_id, pid,
	                                 "session del pid: bind") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	return store_run(st, S_SESS_DEL_PID, "session del pid");
}

/* The current row of S_SESS_LIST(_USER) into *sess, pointing into the row. */
static int
read_session(sqlite3_stmt *s, struct fio_session *sess)
{
	const char *user, *service, *tty, *rhost;

	if (cols_int(s, 0, 1) != 0 || cols_int(s, 5, 3) != 0 || store_col_text(s, 1, &user) != 0 ||
	    store_col_text(s, 2, &service) != 0 || store_col_text(s, 3, &tty) != 0 ||
	    store_col_text(s, 4, &rhost) != 0)
		return FIO_STORE_ERR;
	sess->id = sqlite3_column_int64(s, 0);
	sess->user = (char *)user;
	sess->service = (char *)service;
	sess->tty = (char *)tty;
	sess->rhost = (char *)rhost;
	sess->pid = sqlite3_column_int64(s, 5);
	sess->pid_start = (uint64_t)sqlite3_column_int64(s, 6);
	sess->started = sqlite3_column_int64(s, 7);
	return FIO_STORE_OK;
}

struct session_list {
	int (*cb)(const struct fio_session *sess, void *ctx);
	void *ctx;
};

static int
session_list_row(sqlite3_stmt *s, void *arg)
{
	const struct session_list *sl = arg;
	struct fio_session sess;

	if (read_session(s, &sess) != FIO_STORE_OK) {
		log_err("session list: malformed session row");
		return FIO_STORE_ERR;
	}
	return sl->cb(&sess, sl->ctx);
}

int
fio_store_session_list(struct fio_store *st, int64_t user_id,
                       int (*cb)(const struct fio_session *sess, void *ctx), void *ctx)
{
	struct session_list sl = {cb, ctx};
	sqlite3_stmt *s;

	if (st == NULL || cb == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[user_id < 0 ? S_SESS_LIST : S_SESS_LIST_USER];
	if (user_id >= 0 && sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK)
		return store_bind_fail(st, s, "session list: bind");
	return store_each_row(st, s, "session list", session_list_row, &sl);
}
