/*
 * store_sqlite.c - the SQLite backend of store.h: open and close, the
 * statement helpers of store_impl.h, and users (suspension included).
 *
 * One connection, used from the helper's main thread. Every statement is
 * prepared once at open (persistent) and reset after each use; all values are
 * bound. WAL with synchronous=FULL: a write is on disk when its statement or
 * COMMIT returns. Errors are logged without values.
 * The rest of the contract is in store_totp.c (authenticators, recovery
 * codes), store_lock.c (lockout) and store_policy.c (mandatory 2FA);
 * store_impl.h has what the files share.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fio-wipe.h"
#include "log.h"
#include "store.h"
#include "store_impl.h"
#include "store_schema.h"

/* One row per authenticator of the user (t.id order), or one row with t.id
 * NULL if the user has none: a single statement, so one consistent snapshot. */
#define USER_SELECT                                                                                \
	"SELECT u.id, u.name, u.email, u.pwhash, u.created, t.id, t.blob, t.digits,"               \
	" t.period, t.last_step, (SELECT count(*) FROM recovery r"                                 \
	" WHERE r.user_id = u.id AND r.used_at IS NULL), u.sso, u.pass_until, u.must_enroll,"      \
	" t.label, u.suspended, u.suspend_reason, u.must_change, u.reset_hash,"                    \
	" u.reset_until, u.reset_invite"                                                           \
	" FROM users u LEFT JOIN totp t ON t.user_id = u.id"

static const char *const stmt_sql[S_COUNT] = {
        [S_BEGIN] = "BEGIN IMMEDIATE",
        [S_COMMIT] = "COMMIT",
        [S_ROLLBACK] = "ROLLBACK",
        [S_USER_GET] = USER_SELECT " WHERE u.name = ?1 ORDER BY t.id",
        [S_USER_LIST] = USER_SELECT " ORDER BY u.name, t.id",
        [S_USER_ID] = "SELECT id FROM users WHERE name = ?1",
        [S_USER_ADD] = "INSERT INTO users (name, email, pwhash, created, sso)"
                       " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING",
        [S_USER_DEL] = "DELETE FROM users WHERE id = ?1",
        /* an enrolment ends a pass and any must_enroll */
        [S_USER_ENROLLED] = "UPDATE users SET must_enroll = 0, pass_until = 0 WHERE id = ?1",
        [S_SET_PW] = "UPDATE users SET pwhash = ?2 WHERE id = ?1",
        [S_SET_SUSPENDED] = "UPDATE users SET suspended = ?2, suspend_reason = ?3 WHERE id = ?1",
};

/* Each statement's SQL is in exactly one of these tables. */
static const char *const *const sql_tables[] = {stmt_sql,         store_totp_sql,
                                                store_lock_sql,   store_policy_sql,
                                                store_events_sql, store_passwd_sql};

/* The SQL of statement id, or NULL if no table or more than one has it. */
static const char *
stmt_sql_of(int id)
{
	const char *sql = NULL;
	size_t i;

	for (i = 0; i < sizeof(sql_tables) / sizeof(sql_tables[0]); i++) {
		if (sql_tables[i][id] == NULL)
			continue;
		if (sql != NULL)
			return NULL;
		sql = sql_tables[i][id];
	}
	return sql;
}

int
fio_store_open(const char *path, struct fio_store **out, char *err, size_t errlen)
{
	struct fio_store *st = NULL;
	const char *sql, *tail;
	int created = 0;
	int i;
	int rc = FIO_STORE_ERR;

	fio_sqlite_err(err, errlen, "%s", "");
	if (out == NULL)
		goto out;
	*out = NULL;
	if (path == NULL || path[0] == '\0') {
		fio_sqlite_err(err, errlen, "no store path");
		goto out;
	}
	if (fio_sqlite_prepare_file(path, &created, err, errlen) != 0)
		goto out;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		fio_sqlite_err(err, errlen, "out of memory");
		goto out;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		fio_sqlite_err(err, errlen, "cannot open store %s: %s", path,
		               st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	if (fio_sqlite_setup(st->db, err, errlen) != 0)
		goto out;
	for (i = 0; i < S_COUNT; i++) {
		sql = stmt_sql_of(i);
		if (sql == NULL) {
			fio_sqlite_err(err, errlen, "store statement %d has no SQL, or two", i);
			goto out;
		}
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
		                       &tail) != SQLITE_OK ||
		    st->stmt[i] == NULL || *tail != '\0') {
			fio_sqlite_err(err, errlen,
			               "store %s does not have the expected schema: %s", path,
			               sqlite3_errmsg(st->db));
			goto out;
		}
	}
	if (created)
		log_info("created store %s", path);
	*out = st;
	st = NULL;
	rc = FIO_STORE_OK;
out:
	fio_store_close(st);
	/* a store we just created and could not set up would be refused as empty
	 * next time: remove it */
	if (rc != FIO_STORE_OK && created && unlink(path) != 0)
		log_err("cannot remove the unfinished store %s: %s", path, strerror(errno));
	return rc;
}

void
fio_store_close(struct fio_store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		(void)sqlite3_finalize(st->stmt[i]); /* repeats an error already handled */
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_err("cannot close store: %s", sqlite3_errmsg(st->db));
	free(st);
}

/* ---- statement helpers ------------------------------------------------- */

/* Logs a failed statement: what it was for and SQLite's message, no values. */
void
store_db_fail(struct fio_store *st, const char *what)
{
	fio_log(LOG_ERR, "store", "%s: %s (%d)", what, sqlite3_errmsg(st->db),
	        sqlite3_extended_errcode(st->db));
}

void
store_stmt_done(sqlite3_stmt *s)
{
	/* reset returns the last step's error, already handled by the caller;
	 * clear_bindings always returns SQLITE_OK */
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
}

/* Steps a statement that returns no row; resets it. 0 or FIO_STORE_ERR. */
int
store_run(struct fio_store *st, enum stmt_id id, const char *what)
{
	int rc = FIO_STORE_OK;

	if (sqlite3_step(st->stmt[id]) != SQLITE_DONE) {
		store_db_fail(st, what);
		rc = FIO_STORE_ERR;
	}
	store_stmt_done(st->stmt[id]);
	return rc;
}

/* Runs an UPDATE that must change exactly one row: NOTFOUND if it changed
 * none (the condition did not hold, or no such row). */
int
store_run_one(struct fio_store *st, enum stmt_id id, const char *what)
{
	int rc = store_run(st, id, what);

	if (rc == FIO_STORE_OK && sqlite3_changes(st->db) != 1)
		rc = FIO_STORE_NOTFOUND;
	return rc;
}

/* A bind failed: logs, resets the statement, and returns FIO_STORE_ERR. */
int
store_bind_fail(struct fio_store *st, sqlite3_stmt *s, const char *what)
{
	store_db_fail(st, what);
	store_stmt_done(s);
	return FIO_STORE_ERR;
}

/* Runs a statement whose only parameter ?1 is a user id. */
int
store_run_id(struct fio_store *st, enum stmt_id id, int64_t user_id, const char *what)
{
	if (sqlite3_bind_int64(st->stmt[id], 1, user_id) != SQLITE_OK) {
		store_db_fail(st, what);
		store_stmt_done(st->stmt[id]);
		return FIO_STORE_ERR;
	}
	return store_run(st, id, what);
}

int
store_bind_ids(struct fio_store *st, enum stmt_id id, int64_t a, int64_t b, const char *what)
{
	sqlite3_stmt *s = st->stmt[id];

	if (sqlite3_bind_int64(s, 1, a) != SQLITE_OK || sqlite3_bind_int64(s, 2, b) != SQLITE_OK)
		return store_bind_fail(st, s, what);
	return FIO_STORE_OK;
}

int
store_each_row(struct fio_store *st, sqlite3_stmt *s, const char *what,
               int (*row)(sqlite3_stmt *s, void *arg), void *arg)
{
	int r;

	for (;;) {
		r = sqlite3_step(s);
		if (r == SQLITE_DONE) {
			r = FIO_STORE_OK;
			break;
		}
		if (r != SQLITE_ROW) {
			store_db_fail(st, what);
			r = FIO_STORE_ERR;
			break;
		}
		r = row(s, arg);
		if (r != 0)
			break;
	}
	store_stmt_done(s);
	return r;
}

int
store_tx_begin(struct fio_store *st)
{
	return store_run(st, S_BEGIN, "begin");
}

int
store_tx_commit(struct fio_store *st)
{
	return store_run(st, S_COMMIT, "commit");
}

/* Rolls back the open transaction, if SQLite has not already done so. */
void
store_tx_rollback(struct fio_store *st)
{
	if (!sqlite3_get_autocommit(st->db) && store_run(st, S_ROLLBACK, "rollback") != 0)
		log_err("the store transaction could not be rolled back");
}

/* Commits the open transaction if rc is OK or LOCKED, else rolls it back. */
int
store_tx_end(struct fio_store *st, int rc)
{
	if ((rc == FIO_STORE_OK || rc == FIO_STORE_LOCKED) && store_tx_commit(st) != FIO_STORE_OK)
		rc = FIO_STORE_ERR;
	if (rc != FIO_STORE_OK && rc != FIO_STORE_LOCKED)
		store_tx_rollback(st);
	return rc;
}

static int
dup_col_text(sqlite3_stmt *s, int col, char **out)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	*out = t != NULL ? strdup((const char *)t) : NULL;
	return *out != NULL ? 0 : -1;
}

int
store_col_uint(sqlite3_stmt *s, int col, unsigned *out)
{
	sqlite3_int64 v = sqlite3_column_int64(s, col);

	if (sqlite3_column_type(s, col) != SQLITE_INTEGER || v < 0 || v > UINT_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Appends the authenticator of the current row (t.id not NULL) to u->totps. */
static int
read_totp(sqlite3_stmt *s, struct fio_user *u)
{
	struct fio_totp *t;
	const unsigned char *label;
	const void *blob;
	int len;

	if (u->ntotp >= FIO_TOTP_PER_USER_MAX) {
		log_err("more than %d authenticators in one account", FIO_TOTP_PER_USER_MAX);
		return -1;
	}
	t = &u->totps[u->ntotp];
	blob = sqlite3_column_blob(s, 6);
	len = sqlite3_column_bytes(s, 6);
	label = sqlite3_column_text(s, 14);
	if (sqlite3_column_type(s, 5) != SQLITE_INTEGER || blob == NULL || len <= 0 ||
	    store_col_uint(s, 7, &t->digits) != 0 || store_col_uint(s, 8, &t->period) != 0 ||
	    sqlite3_column_type(s, 9) != SQLITE_INTEGER || label == NULL ||
	    !fio_totp_label_valid((const char *)label))
		return -1;
	t->blob = malloc((size_t)len);
	if (t->blob == NULL)
		return -1;
	memcpy(t->blob, blob, (size_t)len);
	t->blob_len = (size_t)len;
	t->id = sqlite3_column_int64(s, 5);
	t->last_step = sqlite3_column_int64(s, 9);
	snprintf(t->label, sizeof(t->label), "%s", (const char *)label);
	u->ntotp++;
	return 0;
}

/* Reads the user at the current row of S_USER_GET / S_USER_LIST into *out (all
 * or nothing), stepping on over the rows of the same user (one per
 * authenticator); *step is the result of the last sqlite3_step (the next
 * user's row, or DONE). An authenticator row or a policy flag that cannot be
 * read is an error, never "not enrolled" or "no pass". */
static int
read_user(struct fio_store *st, sqlite3_stmt *s, struct fio_user *out, int *step)
{
	struct fio_user u = {.totp_last_step = -1};
	int rc = FIO_STORE_ERR;
	int r = SQLITE_ROW;

	u.id = sqlite3_column_int64(s, 0);
	u.created = sqlite3_column_int64(s, 4);
	if (dup_col_text(s, 1, &u.name) != 0 || dup_col_text(s, 2, &u.email) != 0 ||
	    dup_col_text(s, 3, &u.pwhash) != 0 || store_col_uint(s, 10, &u.recovery_left) != 0 ||
	    dup_col_text(s, 16, &u.suspend_reason) != 0 || dup_col_text(s, 18, &u.reset_hash) != 0)
		goto out;
	if (sqlite3_column_type(s, 17) != SQLITE_INTEGER ||
	    sqlite3_column_type(s, 19) != SQLITE_INTEGER ||
	    sqlite3_column_type(s, 20) != SQLITE_INTEGER)
		goto out;
	u.must_change = sqlite3_column_int64(s, 17) != 0;
	u.reset_until = sqlite3_column_int64(s, 19);
	u.reset_invite = sqlite3_column_int64(s, 20) != 0;
	if (sqlite3_column_type(s, 11) != SQLITE_INTEGER ||
	    sqlite3_column_type(s, 12) != SQLITE_INTEGER || sqlite3_column_int64(s, 12) < 0 ||
	    sqlite3_column_type(s, 13) != SQLITE_INTEGER ||
	    sqlite3_column_type(s, 15) != SQLITE_INTEGER)
		goto out;
	u.sso = sqlite3_column_int64(s, 11) != 0;
	u.pass_until = sqlite3_column_int64(s, 12);
	u.must_enroll = sqlite3_column_int64(s, 13) != 0;
	u.suspended = sqlite3_column_int64(s, 15) != 0;
	for (; r == SQLITE_ROW && sqlite3_column_int64(s, 0) == u.id; r = sqlite3_step(s)) {
		if (sqlite3_column_type(s, 5) != SQLITE_NULL && read_totp(s, &u) != 0)
			goto out;
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		goto out;
	if (u.ntotp > 0) {
		u.totp_blob = malloc(u.totps[0].blob_len);
		if (u.totp_blob == NULL)
			goto out;
		memcpy(u.totp_blob, u.totps[0].blob, u.totps[0].blob_len);
		u.totp_blob_len = u.totps[0].blob_len;
		u.totp_digits = u.totps[0].digits;
		u.totp_period = u.totps[0].period;
		u.totp_last_step = u.totps[0].last_step;
	}
	*out = u;
	memset(&u, 0, sizeof(u));
	rc = FIO_STORE_OK;
out:
	if (rc != FIO_STORE_OK)
		log_err("cannot read a user row (%s)", sqlite3_errmsg(st->db));
	*step = r;
	fio_user_clear(&u);
	return rc;
}

void
fio_user_clear(struct fio_user *u)
{
	size_t i;

	if (u == NULL)
		return;
	free(u->name);
	free(u->email);
	free(u->suspend_reason);
	fio_freezero_str(u->pwhash);
	fio_freezero_str(u->reset_hash);
	fio_freezero(u->totp_blob, u->totp_blob_len);
	for (i = 0; i < u->ntotp && i < FIO_TOTP_PER_USER_MAX; i++)
		fio_freezero(u->totps[i].blob, u->totps[i].blob_len);
	fio_wipe(u, sizeof(*u));
	u->totp_last_step = -1;
}

/* ---- users ------------------------------------------------------------- */

int
fio_store_user_get(struct fio_store *st, const char *name, struct fio_user *u)
{
	sqlite3_stmt *s;
	int r;
	int rc = FIO_STORE_ERR;

	if (u != NULL)
		memset(u, 0, sizeof(*u));
	if (st == NULL || name == NULL || u == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_USER_GET];
	if (sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		store_db_fail(st, "user get: bind");
		goto out;
	}
	r = sqlite3_step(s);
	if (r == SQLITE_DONE)
		rc = FIO_STORE_NOTFOUND;
	else if (r == SQLITE_ROW)
		rc = read_user(st, s, u, &r); /* one user: r is DONE now */
	else
		store_db_fail(st, "user get");
out:
	store_stmt_done(s);
	return rc;
}

int
fio_store_user_add(struct fio_store *st, const char *name, const char *email, const char *pwhash,
                   int64_t now)
{
	return fio_store_user_add_sso(st, name, email, pwhash, now, 0);
}

int
fio_store_user_add_sso(struct fio_store *st, const char *name, const char *email,
                       const char *pwhash, int64_t now, int sso)
{
	sqlite3_stmt *s;
	int rc;

	if (st == NULL || name == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_USER_ADD];
	if (sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, email != NULL ? email : "", -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, pwhash != NULL ? pwhash : "", -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 4, now) != SQLITE_OK ||
	    sqlite3_bind_int(s, 5, sso != 0) != SQLITE_OK) {
		return store_bind_fail(st, s, "user add: bind");
	}
	rc = store_run(st, S_USER_ADD, "user add");
	if (rc == FIO_STORE_OK && sqlite3_changes(st->db) == 0)
		rc = FIO_STORE_EXISTS;
	return rc;
}

/* The id of the user called name: FIO_STORE_OK, FIO_STORE_NOTFOUND or FIO_STORE_ERR. */
static int
lookup_id(struct fio_store *st, const char *name, int64_t *id)
{
	sqlite3_stmt *s = st->stmt[S_USER_ID];
	int r;
	int rc = FIO_STORE_ERR;

	if (sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		store_db_fail(st, "user lookup: bind");
		goto out;
	}
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = FIO_STORE_OK;
	} else if (r == SQLITE_DONE) {
		rc = FIO_STORE_NOTFOUND;
	} else {
		store_db_fail(st, "user lookup");
	}
out:
	store_stmt_done(s);
	return rc;
}

int
fio_store_user_del(struct fio_store *st, const char *name)
{
	int64_t id = 0;
	int rc = FIO_STORE_ERR;

	if (st == NULL || name == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	rc = lookup_id(st, name, &id);
	if (rc != FIO_STORE_OK)
		goto out;
	rc = FIO_STORE_ERR;
	/* the foreign keys cascade too; deleting explicitly does not rely on them */
	if (store_run_id(st, S_REC_DEL, id, "user del: recovery") != FIO_STORE_OK ||
	    store_run_id(st, S_LOCK_DEL, id, "user del: lockout") != FIO_STORE_OK ||
	    store_policy_forget_user(st, id) != FIO_STORE_OK ||
	    store_run_id(st, S_TOTP_DEL, id, "user del: totp") != FIO_STORE_OK ||
	    store_run_id(st, S_USER_DEL, id, "user del") != FIO_STORE_OK)
		goto out;
	if (sqlite3_changes(st->db) != 1) {
		log_err("user del: the user row vanished");
		goto out;
	}
	rc = FIO_STORE_OK;
out:
	return store_tx_end(st, rc); /* NOTFOUND: nothing written, rolled back */
}

int
fio_store_user_list(struct fio_store *st, int (*cb)(const struct fio_user *u, void *ctx), void *ctx)
{
	struct fio_user u;
	sqlite3_stmt *s;
	int r, cb_rc;
	int rc = FIO_STORE_ERR;

	if (st == NULL || cb == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_USER_LIST];
	r = sqlite3_step(s);
	while (r == SQLITE_ROW) {
		/* reads the user's rows: r is the next user's row, or DONE */
		if (read_user(st, s, &u, &r) != FIO_STORE_OK)
			goto out;
		cb_rc = cb(&u, ctx);
		fio_user_clear(&u);
		if (cb_rc != 0) {
			rc = cb_rc;
			goto out;
		}
	}
	if (r == SQLITE_DONE)
		rc = FIO_STORE_OK;
	else
		store_db_fail(st, "user list");
out:
	store_stmt_done(s);
	return rc;
}

int
fio_store_set_password(struct fio_store *st, int64_t user_id, const char *pwhash)
{
	sqlite3_stmt *s;

	if (st == NULL || pwhash == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_SET_PW];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, pwhash, -1, SQLITE_STATIC) != SQLITE_OK) {
		return store_bind_fail(st, s, "set password: bind");
	}
	return store_run_one(st, S_SET_PW, "set password");
}

int
fio_store_set_suspended(struct fio_store *st, int64_t user_id, int on, const char *reason)
{
	sqlite3_stmt *s;
	int rc;

	if (st == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	s = st->stmt[S_SET_SUSPENDED];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_int(s, 2, on != 0) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, on && reason != NULL ? reason : "", -1, SQLITE_STATIC) !=
	            SQLITE_OK)
		rc = store_bind_fail(st, s, "set suspended: bind");
	else
		rc = store_run_one(st, S_SET_SUSPENDED, "set suspended");
	/* remembered sources were earned before the suspension */
	if (rc == FIO_STORE_OK && on &&
	    store_run_id(st, S_REM_CLEAR, user_id, "set suspended: remembered") != FIO_STORE_OK)
		rc = FIO_STORE_ERR;
	return store_tx_end(st, rc);
}
