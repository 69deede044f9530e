/*
 * store_totp.c - the second-factor half of store.h on SQLite: a user's
 * authenticators (TOTP secrets, several per account, each with a label) and
 * recovery codes.
 *
 * Same rules as store_sqlite.c (store_impl.h): statements prepared once at
 * open, every value bound, a function that writes more than once is one
 * BEGIN IMMEDIATE ... COMMIT (rolled back on any error). The two
 * verdict-critical writes (TOTP step, recovery code) are single conditional
 * UPDATEs whose effect is checked with sqlite3_changes(), so two racing logins
 * cannot both win. Errors are logged without values.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "fio-wipe.h"
#include "log.h"
#include "store.h"
#include "store_impl.h"

const char *const store_totp_sql[S_COUNT] = {
        /* a replaced authenticator keeps its id (and row) */
        [S_TOTP_PUT] = "INSERT INTO totp (user_id, label, blob, digits, period, last_step,"
                       " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                       " CAST(strftime('%s', 'now') AS INTEGER))"
                       " ON CONFLICT (user_id, label) DO UPDATE SET"
                       " blob = excluded.blob, digits = excluded.digits,"
                       " period = excluded.period, last_step = excluded.last_step,"
                       " created = excluded.created",
        [S_TOTP_DEL] = "DELETE FROM totp WHERE user_id = ?1",
        [S_TOTP_DEL_ONE] = "DELETE FROM totp WHERE user_id = ?1 AND label = ?2",
        /* the user's authenticators other than the one labelled ?2 */
        [S_TOTP_OTHERS] = "SELECT count(*) FROM totp WHERE user_id = ?1 AND label != ?2",
        [S_TOTP_ADVANCE] = "UPDATE totp SET last_step = ?2 WHERE id = ?1 AND last_step < ?2",
        [S_REC_GET] = "SELECT iterations, salt, hash FROM recovery"
                      " WHERE user_id = ?1 AND idx = ?2 AND used_at IS NULL",
        [S_REC_CONSUME] = "UPDATE recovery SET used_at = ?3"
                          " WHERE user_id = ?1 AND idx = ?2 AND used_at IS NULL",
        [S_REC_DEL] = "DELETE FROM recovery WHERE user_id = ?1",
        [S_REC_ADD] = "INSERT INTO recovery (user_id, idx, iterations, salt, hash, used_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
};

int
fio_totp_label_valid(const char *label)
{
	size_t n;

	if (label == NULL)
		return 0;
	for (n = 0; label[n] != '\0'; n++) {
		char ch = label[n];

		if (n >= FIO_TOTP_LABEL_MAX ||
		    !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return n > 0;
}

/* Inside a transaction: replaces the user's recovery codes with recs[0..n). */
static int
put_recovery(struct fio_store *st, int64_t user_id, const struct fio_recovery_rec *recs, size_t n)
{
	sqlite3_stmt *s = st->stmt[S_REC_ADD];
	size_t i;

	if (n > 0 && recs == NULL)
		return FIO_STORE_ERR;
	if (store_run_id(st, S_REC_DEL, user_id, "recovery: delete") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	for (i = 0; i < n; i++) {
		if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 2, recs[i].idx) != SQLITE_OK ||
		    sqlite3_bind_int64(s, 3, recs[i].iterations) != SQLITE_OK ||
		    sqlite3_bind_blob(s, 4, recs[i].salt, sizeof(recs[i].salt), SQLITE_STATIC) !=
		            SQLITE_OK ||
		    sqlite3_bind_blob(s, 5, recs[i].hash, sizeof(recs[i].hash), SQLITE_STATIC) !=
		            SQLITE_OK) {
			store_db_fail(st, "recovery: bind");
			store_stmt_done(s);
			return FIO_STORE_ERR;
		}
		if (store_run(st, S_REC_ADD, "recovery: insert") != FIO_STORE_OK)
			return FIO_STORE_ERR;
	}
	return FIO_STORE_OK;
}

/* Inside a transaction: how many authenticators user_id has besides the one
 * labelled label (into *n). */
static int
totp_others(struct fio_store *st, int64_t user_id, const char *label, int64_t *n)
{
	sqlite3_stmt *s = st->stmt[S_TOTP_OTHERS];
	int rc = FIO_STORE_ERR;

	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, label, -1, SQLITE_STATIC) != SQLITE_OK)
		return store_bind_fail(st, s, "totp count: bind");
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_INTEGER) {
		*n = sqlite3_column_int64(s, 0);
		rc = FIO_STORE_OK;
	} else {
		store_db_fail(st, "totp count");
	}
	store_stmt_done(s);
	return rc;
}

/* Inside a transaction: inserts or replaces the authenticator labelled label. */
static int
put_totp(struct fio_store *st, int64_t user_id, const char *label, const unsigned char *blob,
         size_t bloblen, unsigned digits, unsigned period, int64_t last_step)
{
	sqlite3_stmt *s = st->stmt[S_TOTP_PUT];

	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, label, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(s, 3, blob, (int)bloblen, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 4, digits) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 5, period) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 6, last_step) != SQLITE_OK)
		return store_bind_fail(st, s, "enroll: bind");
	return store_run(st, S_TOTP_PUT, "enroll: totp");
}

int
fio_store_enroll(struct fio_store *st, int64_t user_id, const char *label,
                 const unsigned char *blob, size_t bloblen, unsigned digits, unsigned period,
                 int64_t last_step, const struct fio_recovery_rec *recs, size_t n)
{
	int64_t others = 0;
	int rc = FIO_STORE_ERR;

	if (label == NULL)
		label = FIO_TOTP_LABEL_DEFAULT;
	if (st == NULL || blob == NULL || bloblen == 0 || bloblen > INT_MAX ||
	    !fio_totp_label_valid(label) || (recs == NULL && n > 0))
		return FIO_STORE_ERR;
	if (store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	if (totp_others(st, user_id, label, &others) != FIO_STORE_OK)
		goto out;
	if (others >= FIO_TOTP_PER_USER_MAX) {
		rc = FIO_STORE_EXISTS;
		goto out;
	}
	if (put_totp(st, user_id, label, blob, bloblen, digits, period, last_step) !=
	            FIO_STORE_OK ||
	    (recs != NULL && put_recovery(st, user_id, recs, n) != FIO_STORE_OK) ||
	    store_run_id(st, S_USER_ENROLLED, user_id, "enroll: user") != FIO_STORE_OK ||
	    store_run_id(st, S_REM_CLEAR, user_id, "enroll: remembered") != FIO_STORE_OK)
		goto out;
	rc = FIO_STORE_OK;
out:
	return store_tx_end(st, rc); /* EXISTS: nothing written, rolled back */
}

int
fio_store_unenroll(struct fio_store *st, int64_t user_id)
{
	int rc = FIO_STORE_ERR;

	if (st == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	if (store_run_id(st, S_TOTP_DEL, user_id, "unenroll: totp") != FIO_STORE_OK ||
	    store_run_id(st, S_REC_DEL, user_id, "unenroll: recovery") != FIO_STORE_OK ||
	    store_run_id(st, S_REM_CLEAR, user_id, "unenroll: remembered") != FIO_STORE_OK)
		goto out;
	rc = FIO_STORE_OK;
out:
	return store_tx_end(st, rc);
}

int
fio_store_unenroll_one(struct fio_store *st, int64_t user_id, const char *label)
{
	sqlite3_stmt *s;
	int64_t others = 0;
	int rc = FIO_STORE_ERR;

	if (st == NULL || !fio_totp_label_valid(label) || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	s = st->stmt[S_TOTP_DEL_ONE];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, label, -1, SQLITE_STATIC) != SQLITE_OK) {
		rc = store_bind_fail(st, s, "unenroll one: bind");
		goto out;
	}
	rc = store_run_one(st, S_TOTP_DEL_ONE, "unenroll one"); /* NOTFOUND: no such label */
	if (rc != FIO_STORE_OK)
		goto out;
	rc = FIO_STORE_ERR;
	/* the label is gone: everything left counts as "other" */
	if (totp_others(st, user_id, label, &others) != FIO_STORE_OK ||
	    (others == 0 &&
	     store_run_id(st, S_REC_DEL, user_id, "unenroll one: recovery") != FIO_STORE_OK) ||
	    store_run_id(st, S_REM_CLEAR, user_id, "unenroll one: remembered") != FIO_STORE_OK)
		goto out;
	rc = FIO_STORE_OK;
out:
	return store_tx_end(st, rc);
}

int
fio_store_totp_advance(struct fio_store *st, int64_t totp_id, int64_t step)
{
	if (st == NULL ||
	    store_bind_ids(st, S_TOTP_ADVANCE, totp_id, step, "totp advance: bind") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	return store_run_one(st, S_TOTP_ADVANCE, "totp advance");
}

int
fio_store_recovery_get(struct fio_store *st, int64_t user_id, uint32_t idx,
                       struct fio_recovery_rec *rec)
{
	struct fio_recovery_rec r = {.idx = idx};
	sqlite3_stmt *s;
	int step;
	int rc = FIO_STORE_ERR;

	if (st == NULL || rec == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_REC_GET];
	if (store_bind_ids(st, S_REC_GET, user_id, idx, "recovery get: bind") != FIO_STORE_OK)
		goto out;
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = FIO_STORE_NOTFOUND;
		goto out;
	}
	if (step != SQLITE_ROW) {
		store_db_fail(st, "recovery get");
		goto out;
	}
	if (sqlite3_column_type(s, 0) != SQLITE_INTEGER || sqlite3_column_int64(s, 0) < 1 ||
	    sqlite3_column_int64(s, 0) > UINT32_MAX ||
	    sqlite3_column_bytes(s, 1) != (int)sizeof(r.salt) ||
	    sqlite3_column_bytes(s, 2) != (int)sizeof(r.hash) ||
	    sqlite3_column_blob(s, 1) == NULL || sqlite3_column_blob(s, 2) == NULL) {
		log_err("recovery get: malformed recovery row");
		goto out;
	}
	r.iterations = (uint32_t)sqlite3_column_int64(s, 0);
	memcpy(r.salt, sqlite3_column_blob(s, 1), sizeof(r.salt));
	memcpy(r.hash, sqlite3_column_blob(s, 2), sizeof(r.hash));
	*rec = r;
	rc = FIO_STORE_OK;
out:
	store_stmt_done(s);
	fio_wipe(&r, sizeof(r));
	return rc;
}

int
fio_store_recovery_consume(struct fio_store *st, int64_t user_id, uint32_t idx, int64_t now)
{
	sqlite3_stmt *s;

	if (st == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_REC_CONSUME];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, idx) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK) {
		return store_bind_fail(st, s, "recovery consume: bind");
	}
	return store_run_one(st, S_REC_CONSUME, "recovery consume");
}

int
fio_store_recovery_replace(struct fio_store *st, int64_t user_id,
                           const struct fio_recovery_rec *recs, size_t n)
{
	int rc = FIO_STORE_ERR;

	if (st == NULL || store_tx_begin(st) != FIO_STORE_OK)
		return FIO_STORE_ERR;
	if (put_recovery(st, user_id, recs, n) != FIO_STORE_OK)
		goto out;
	rc = FIO_STORE_OK;
out:
	return store_tx_end(st, rc);
}
