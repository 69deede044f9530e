/*
 * store_passwd.c - the SQLite backend of store.h's password lifecycle: a
 * change due (must_change), reset and invitation codes (their crypt(3)
 * hashes), and the one conditional change that consumes a code.
 */
#include <sqlite3.h>

#include "store.h"
#include "store_impl.h"

const char *const store_passwd_sql[S_COUNT] = {
        [S_RESET_SET] = "UPDATE users SET reset_hash = ?2, reset_until = ?3, reset_invite = ?4,"
                        " must_change = 1 WHERE id = ?1",
        [S_MUST_CHANGE] = "UPDATE users SET must_change = ?2 WHERE id = ?1",
        /* both what was verified must still be there: a code works once */
        [S_PW_CHANGE] = "UPDATE users SET pwhash = ?4, must_change = 0, reset_hash = '',"
                        " reset_until = 0, reset_invite = 0"
                        " WHERE id = ?1 AND pwhash = ?2 AND reset_hash = ?3",
        [S_USER_ADD_INVITE] = "INSERT INTO users (name, email, pwhash, created, reset_hash,"
                              " reset_until, reset_invite, must_change)"
                              " VALUES (?1, ?2, '', ?3, ?4, ?5, 1, 1)"
                              " ON CONFLICT (name) DO NOTHING",
};

int
fio_store_reset_set(struct fio_store *st, int64_t user_id, const char *hash, int64_t until,
                    int invite)
{
	sqlite3_stmt *s;

	if (st == NULL || hash == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_RESET_SET];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, until) != SQLITE_OK ||
	    sqlite3_bind_int(s, 4, invite != 0) != SQLITE_OK)
		return store_bind_fail(st, s, "reset code: bind");
	return store_run_one(st, S_RESET_SET, "reset code");
}

int
fio_store_set_must_change(struct fio_store *st, int64_t user_id, int on)
{
	if (st == NULL || store_bind_ids(st, S_MUST_CHANGE, user_id, on != 0, "must change") != 0)
		return FIO_STORE_ERR;
	return store_run_one(st, S_MUST_CHANGE, "must change");
}

int
fio_store_password_change(struct fio_store *st, int64_t user_id, const char *old_pwhash,
                          const char *old_reset_hash, const char *new_pwhash)
{
	sqlite3_stmt *s;

	if (st == NULL || old_pwhash == NULL || old_reset_hash == NULL || new_pwhash == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_PW_CHANGE];
	if (sqlite3_bind_int64(s, 1, user_id) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, old_pwhash, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 3, old_reset_hash, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 4, new_pwhash, -1, SQLITE_STATIC) != SQLITE_OK)
		return store_bind_fail(st, s, "password change: bind");
	return store_run_one(st, S_PW_CHANGE, "password change");
}

int
fio_store_user_add_invite(struct fio_store *st, const char *name, const char *email,
                          const char *reset_hash, int64_t until, int64_t now)
{
	sqlite3_stmt *s;
	int rc;

	if (st == NULL || name == NULL || reset_hash == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_USER_ADD_INVITE];
	if (sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s, 2, email != NULL ? email : "", -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, now) != SQLITE_OK ||
	    sqlite3_bind_text(s, 4, reset_hash, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 5, until) != SQLITE_OK)
		return store_bind_fail(st, s, "user add (invitation): bind");
	rc = store_run(st, S_USER_ADD_INVITE, "user add (invitation)");
	if (rc == FIO_STORE_OK && sqlite3_changes(st->db) == 0)
		rc = FIO_STORE_EXISTS;
	return rc;
}
