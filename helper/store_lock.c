/*
 * store_lock.c - the lockout half of store.h on SQLite: one row of counters
 * per account, read and written inside one BEGIN IMMEDIATE transaction so that
 * two racing logins see each other's failures. The counting rules are
 * lockout.c's (fio_lock_begin/fail/success); this file only loads and stores.
 *
 * Same rules as store_sqlite.c (store_impl.h): statements prepared once at
 * open, every value bound, errors logged without values.
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_impl.h"

const char *const store_lock_sql[S_COUNT] = {
        [S_LOCK_GET] = "SELECT failures, consecutive, window_start, locked_until FROM lockout"
                       " WHERE user_id = ?1",
        /* no row if the user is gone (the SELECT's WHERE also keeps ON CONFLICT
         * from being read as a join constraint) */
        [S_LOCK_PUT] = "INSERT INTO lockout (user_id, failures, consecutive, window_start,"
                       " locked_until) SELECT id, ?2, ?3, ?4, ?5 FROM users WHERE id = ?1"
                       " ON CONFLICT (user_id) DO UPDATE SET failures = excluded.failures,"
                       " consecutive = excluded.consecutive,"
                       " window_start = excluded.window_start,"
                       " locked_until = excluded.locked_until",
        [S_LOCK_DEL] = "DELETE FROM lockout WHERE user_id = ?1",
        /* the rows that are not fio_lock_idle() at ?1 with interval ?2 */
        [S_LOCK_LIST] = "SELECT u.name, l.failures, l.consecutive, l.window_start, l.locked_until"
                        " FROM lockout l JOIN users u ON u.id = l.user_id"
                        " WHERE (l.failures > 0 AND l.locked_until = 0"
                        " AND ?1 - l.window_start < ?2) OR l.locked_until > ?1"
                        " OR l.consecutive > 0 ORDER BY u.name",
        [S_LOCK_PAD] = "INSERT INTO lockout_pad (id, n) VALUES (1, 1)"
                       " ON CONFLICT (id) DO UPDATE SET n = (n + 1) % 1000000",
};

/* Reads columns first.. of the current row of s into *l. */
static int
read_lock(sqlite3_stmt *s, int first, struct fio_lock *l)
{
	sqlite3_int64 failures = sqlite3_column_int64(s, first);
	sqlite3_int64 consecutive = sqlite3_column_int64(s, first + 1);
	int i;

	for (i = first; i < first + 4; i++) {
		if (sqlite3_column_type(s, i) != SQLITE_INTEGER)
			return FIO_STORE_ERR;
	}
	if (failures < 0 || failures > UINT32_MAX || consecutive < 0 || consecutive > UINT32_MAX)
		return FIO_STORE_ERR;
	l->failures = (uint32_t)failures;
	l->consecutive = (uint32_t)consecutive;
	l->window_start = sqlite3_column_int64(s, first + 2);
	l->locked_until = sqlite3_column_int64(s, first + 3);
	return FIO_STORE_OK;
}

/* The row of user_id into *l (all zero if there is none). */
static int
lock_load(struct fio_store *st, int64_t user_id, struct fio_lock *l)
{
	sqlite3_stmt *s = st->stmt[S_LOCK_GET];
	int r;
	int rc = FIO_STORE_ERR;

	memset(l, 0, sizeof(*l));
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK) {
		store_db_fail(st, "lock get: bind");
		goto out;
	}
	r = sqlite3_step(s);
	if (r == SQLITE_DONE) {
		rc = FIO_STORE_OK;
	} else if (r != SQLITE_ROW) {
		store_db_fail(st, "lock get");
	} else {
		rc = read_lock(s, 0, l);
		if (rc != FIO_STORE_OK)
			log_err("lock get: malformed lockout row");
	}
out:
	store_stmt_done(s);
	return rc;
}

/* Writes *l as user_id's row: OK, NOTFOUND (no such user) or ERR. */
static int
lock_store(struct fio_store *st, int64_t user_id, const struct fio_lock *l)
{
	sqlite3_stmt *s = st->stmt[S_LOCK_PUT];

	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, l->failures) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, l->consecutive) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 4, l->window_start) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 5, l->locked_until) != SQLITE_OK) {
		return store_bind_fail(st, s, "lock put: bind");
	}
	return store_run_one(st, S_LOCK_PUT, "lock put");
}

int
fio_store_lock_begin(struct fio_store *st, int64_t user_id, int64_t now,
                     const struct fio_lock_params *p, struct fio_lock *out, int *engaged)
{
	struct fio_lock l;
	int r, eng = 0, rc;

	if (engaged != NULL)
		*engaged = 0;
	if (st == NULL || p == NULL || out == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	rc = lock_load(st, user_id, &l);
	if (rc == FIO_STORE_OK) {
		r = fio_lock_begin(&l, now, p, &eng);
		if (r == FIO_LOCK_OK || eng)
			rc = lock_store(st, user_id, &l);
		if (rc == FIO_STORE_OK && r == FIO_LOCK_LOCKED)
			rc = FIO_STORE_LOCKED;
	}
	rc = store_tx_end(st, rc);
	if (rc == FIO_STORE_OK || rc == FIO_STORE_LOCKED) {
		*out = l;
		if (engaged != NULL)
			*engaged = eng;
	}
	return rc;
}

int
fio_store_lock_fail(struct fio_store *st, int64_t user_id, int64_t now,
                    const struct fio_lock_params *p, int second_factor, struct fio_lock *out)
{
	struct fio_lock l;
	int eng = 0, rc;

	if (st == NULL || p == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	rc = lock_load(st, user_id, &l);
	if (rc == FIO_STORE_OK) {
		eng = fio_lock_fail(&l, now, p, second_factor);
		rc = lock_store(st, user_id, &l);
	}
	/* A wrong password changes nothing here (the attempt was counted at the
	 * start): without a changed row the commit would skip its fsync and the
	 * verdict would come ~1 ms sooner than for a wrong code or an unknown name
	 * (tests/sh/test_timing.sh). The pad row always changes. */
	if (rc == FIO_STORE_OK)
		rc = store_run(st, S_LOCK_PAD, "lock pad");
	if (rc == FIO_STORE_OK && eng)
		rc = FIO_STORE_LOCKED;
	rc = store_tx_end(st, rc);
	if ((rc == FIO_STORE_OK || rc == FIO_STORE_LOCKED) && out != NULL)
		*out = l;
	return rc;
}

int
fio_store_lock_success(struct fio_store *st, int64_t user_id, int full_second_factor)
{
	struct fio_lock l, before;
	int rc;

	if (st == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	rc = lock_load(st, user_id, &l);
	before = l;
	fio_lock_success(&l, full_second_factor);
	if (rc == FIO_STORE_OK && memcmp(&before, &l, sizeof(l)) != 0)
		rc = lock_store(st, user_id, &l);
	return store_tx_end(st, rc);
}

int
fio_store_lock_pad(struct fio_store *st)
{
	struct fio_lock l;
	int rc;

	if (st == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	rc = lock_load(st, 0, &l); /* the same read as a real update (no user 0) */
	if (rc == FIO_STORE_OK)
		rc = store_run(st, S_LOCK_PAD, "lock pad");
	return store_tx_end(st, rc);
}

int
fio_store_lock_get(struct fio_store *st, int64_t user_id, struct fio_lock *out)
{
	if (st == NULL || out == NULL)
		return FIO_STORE_ERR;
	return lock_load(st, user_id, out);
}

int
fio_store_lock_clear(struct fio_store *st, int64_t user_id)
{
	if (st == NULL)
		return FIO_STORE_ERR;
	return store_run_id(st, S_LOCK_DEL, user_id, "lock clear");
}

struct lock_list {
	int (*cb)(const char *name, const struct fio_lock *l, void *ctx);
	void *ctx;
};

static int
lock_list_row(sqlite3_stmt *s, void *arg)
{
	const struct lock_list *ll = arg;
	const unsigned char *name = sqlite3_column_text(s, 0);
	struct fio_lock l;

	if (name == NULL || read_lock(s, 1, &l) != FIO_STORE_OK) {
		log_err("lock list: malformed lockout row");
		return FIO_STORE_ERR;
	}
	return ll->cb((const char *)name, &l, ll->ctx);
}

int
fio_store_lock_list(struct fio_store *st, int64_t now, unsigned interval,
                    int (*cb)(const char *name, const struct fio_lock *l, void *ctx), void *ctx)
{
	struct lock_list ll = {cb, ctx};

	if (st == NULL || cb == NULL ||
	    store_bind_ids(st, S_LOCK_LIST, now, interval, "lock list: bind") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	return store_each_row(st, st->stmt[S_LOCK_LIST], "lock list", lock_list_row, &ll);
}
