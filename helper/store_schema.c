/*
 * store_schema.c - the SQLite store's file, connection settings and schema:
 * everything that turns a path into a checked, current database before
 * store_sqlite.c prepares its statements.
 *
 * A missing file is created 0600 by us; an existing one must be a regular,
 * non-empty file (an unreadable store is never mistaken for an empty one). The
 * schema version is PRAGMA user_version; migrations[v] takes it from v to v + 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_schema.h"

#define BUSY_TIMEOUT_MS 5000

/* A column that a migration adds to an existing table. SQLite has no ADD
 * COLUMN IF NOT EXISTS: add_columns() looks first, so that the migration stays
 * idempotent. A NOT NULL column needs a constant default. */
struct add_column {
	const char *table, *column, *decl;
};

/* 2 -> 3: mandatory 2FA (policy.h), account suspension */
static const struct add_column v3_columns[] = {
        {"users", "sso", "INTEGER NOT NULL DEFAULT 0"},
        {"users", "pass_until", "INTEGER NOT NULL DEFAULT 0"},
        {"users", "must_enroll", "INTEGER NOT NULL DEFAULT 0"},
        /* account suspension (fioctl user suspend) */
        {"users", "suspended", "INTEGER NOT NULL DEFAULT 0"},
        {"users", "suspend_reason", "TEXT NOT NULL DEFAULT ''"},
        {NULL, NULL, NULL},
};

/* 3 -> 4: password lifecycle (flow_passwd.h): a change due, reset and
 * invitation codes */
static const struct add_column v4_columns[] = {
        {"users", "must_change", "INTEGER NOT NULL DEFAULT 0"},
        {"users", "reset_hash", "TEXT NOT NULL DEFAULT ''"},
        {"users", "reset_until", "INTEGER NOT NULL DEFAULT 0"},
        {"users", "reset_invite", "INTEGER NOT NULL DEFAULT 0"},
        {NULL, NULL, NULL},
};

/* migrations[v] takes the schema from user_version v to v + 1: first the
 * columns of migration_columns[v] (if any), then the tables of
 * migration_rebuild[v] (if any), then its SQL. Each is idempotent
 * (it may find its tables and columns there already, e.g. when user_version
 * was reset) and runs inside the one migration transaction, which sets
 * user_version when it commits. */
static const char *const migrations[FIO_STORE_SCHEMA_VERSION] = {
        /* 0 -> 1 */
        "CREATE TABLE IF NOT EXISTS users ("
        " id INTEGER PRIMARY KEY,"
        " name TEXT UNIQUE NOT NULL,"
        " email TEXT NOT NULL DEFAULT '',"
        " pwhash TEXT NOT NULL DEFAULT '',"
        " created INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS totp ("
        " user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
        " blob BLOB NOT NULL,"
        " digits INTEGER NOT NULL,"
        " period INTEGER NOT NULL,"
        " last_step INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS recovery ("
        " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        " idx INTEGER NOT NULL,"
        " iterations INTEGER NOT NULL,"
        " salt BLOB NOT NULL,"
        " hash BLOB NOT NULL,"
        " used_at INTEGER,"
        " PRIMARY KEY (user_id, idx));",
        /* 1 -> 2: lockout (lockout.h) */
        "CREATE TABLE IF NOT EXISTS lockout ("
        " user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
        " failures INTEGER NOT NULL,"
        " window_start INTEGER NOT NULL,"
        " locked_until INTEGER NOT NULL,"
        " consecutive INTEGER NOT NULL);"
        /* one row written like a lockout row for names that are not users, so
         * that their attempts cost the same durable writes (timing) */
        "CREATE TABLE IF NOT EXISTS lockout_pad ("
        " id INTEGER PRIMARY KEY,"
        " n INTEGER NOT NULL);",
        /* 2 -> 3: mandatory 2FA (policy.h), after v3_columns. policy_seen:
         * when each policy entry was first seen in force */
        "CREATE TABLE IF NOT EXISTS policy_seen ("
        " key TEXT PRIMARY KEY NOT NULL,"
        " first_seen INTEGER NOT NULL);"
        /* each account's enrolment window under each entry */
        "CREATE TABLE IF NOT EXISTS policy_window ("
        " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        " key TEXT NOT NULL,"
        " since INTEGER NOT NULL,"
        " deadline INTEGER NOT NULL,"
        " notified INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (user_id, key));"
        /* sources spared the code after a full 2FA login (remember) */
        "CREATE TABLE IF NOT EXISTS remembered ("
        " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        " rhost TEXT NOT NULL,"
        " until INTEGER NOT NULL,"
        " PRIMARY KEY (user_id, rhost));"
        /* open sessions (pam_sm_open_session), for fioctl enforce */
        "CREATE TABLE IF NOT EXISTS sessions ("
        " id INTEGER PRIMARY KEY,"
        " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        " service TEXT NOT NULL DEFAULT '',"
        " tty TEXT NOT NULL DEFAULT '',"
        " rhost TEXT NOT NULL DEFAULT '',"
        " pid INTEGER NOT NULL,"
        " pid_start INTEGER NOT NULL DEFAULT 0,"
        " started INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);"
        /* the activity log (fioctl activity, the last-login line): by name, so
         * that attempts on names that are not accounts are kept too */
        "CREATE TABLE IF NOT EXISTS events ("
        " id INTEGER PRIMARY KEY,"
        " time INTEGER NOT NULL,"
        " user TEXT NOT NULL,"
        " event TEXT NOT NULL,"
        " service TEXT NOT NULL DEFAULT '',"
        " rhost TEXT NOT NULL DEFAULT '',"
        " tty TEXT NOT NULL DEFAULT '',"
        " result TEXT NOT NULL DEFAULT '',"
        " reason TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX IF NOT EXISTS events_user_time ON events (user, time);"
        "CREATE INDEX IF NOT EXISTS events_time ON events (time);",
        /* 3 -> 4: only v4_columns */
        "",
};

static const struct add_column *const migration_columns[FIO_STORE_SCHEMA_VERSION] = {
        [2] = v3_columns,
        [3] = v4_columns,
};

/* A table that a migration rebuilds (a changed key cannot be ALTERed): if
 * `table` lacks `column`, `sql` runs (create the new table, copy the rows,
 * drop the old one, rename the new one), so that a rebuilt table is never
 * rebuilt again. */
struct rebuild_table {
	const char *table, *column, *sql;
};

/* 2 -> 3: several authenticators per account, keyed by (user_id, label); the
 * one secret of an account becomes the authenticator "default". */
static const struct rebuild_table v3_rebuild[] = {
        {"totp", "label",
         "CREATE TABLE totp_v3 ("
         " id INTEGER PRIMARY KEY,"
         " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
         " label TEXT NOT NULL,"
         " blob BLOB NOT NULL,"
         " digits INTEGER NOT NULL,"
         " period INTEGER NOT NULL,"
         " last_step INTEGER NOT NULL,"
         " created INTEGER NOT NULL DEFAULT 0,"
         " UNIQUE (user_id, label));"
         "INSERT INTO totp_v3 (user_id, label, blob, digits, period, last_step)"
         " SELECT user_id, '" FIO_TOTP_LABEL_DEFAULT "', blob, digits, period, last_step"
         " FROM totp ORDER BY user_id;"
         "DROP TABLE totp;"
         "ALTER TABLE totp_v3 RENAME TO totp;"},
        {NULL, NULL, NULL},
};

/* migration_rebuild[v] runs after migration_columns[v], before migrations[v]. */
static const struct rebuild_table *const migration_rebuild[FIO_STORE_SCHEMA_VERSION] = {
        [2] = v3_rebuild,
};

void
fio_sqlite_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Makes a newly created directory entry durable. */
static int
sync_parent(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	int fd = -1;
	int rc = -1;

	if (slash == NULL)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (dir == NULL) {
		fio_sqlite_err(err, errlen, "out of memory");
		goto out;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		fio_sqlite_err(err, errlen, "cannot sync directory %s: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		(void)close(fd); /* read-only directory fd: nothing to lose */
	free(dir);
	return rc;
}

int
fio_sqlite_prepare_file(const char *path, int *created, char *err, size_t errlen)
{
	struct stat sb;
	int fd;
	int rc = -1;

	*created = 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*created = 1;
		rc = sync_parent(path, err, errlen);
		goto out;
	}
	if (errno != EEXIST) {
		fio_sqlite_err(err, errlen, "cannot create store %s: %s", path, strerror(errno));
		goto out;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fio_sqlite_err(err, errlen, "cannot open store %s: %s", path,
		               errno == ELOOP ? "is a symbolic link" : strerror(errno));
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		fio_sqlite_err(err, errlen, "cannot stat store %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		fio_sqlite_err(err, errlen, "store %s is not a regular file", path);
		goto out;
	}
	if ((sb.st_mode & S_IWOTH) != 0) {
		fio_sqlite_err(err, errlen, "store %s is world-writable", path);
		goto out;
	}
	if (sb.st_size == 0) {
		fio_sqlite_err(err, errlen,
		               "store %s is empty, not a database (remove it to start anew)", path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0)
		log_warn("store %s is accessible to group or others (mode %03o)", path,
		         (unsigned)(sb.st_mode & 0777));
	rc = 0;
out:
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		fio_sqlite_err(err, errlen, "cannot close store %s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Runs one statement (a PRAGMA) and copies the first column of its first row
 * into out ("" if it returns no row). */
static int
pragma_get(sqlite3 *db, const char *sql, char *out, size_t outsz, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *txt;
	int r;
	int rc = -1;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		txt = sqlite3_column_text(s, 0);
		if (txt == NULL && sqlite3_errcode(db) == SQLITE_NOMEM)
			goto fail;
		snprintf(out, outsz, "%s", txt != NULL ? (const char *)txt : "");
	} else if (r != SQLITE_DONE) {
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	fio_sqlite_err(err, errlen, "%s: %s", sql, sqlite3_errmsg(db));
out:
	/* finalize returns the step's error again, already handled */
	(void)sqlite3_finalize(s);
	return rc;
}

static int
pragma_expect(sqlite3 *db, const char *sql, const char *want, char *err, size_t errlen)
{
	char got[64];

	if (pragma_get(db, sql, got, sizeof(got), err, errlen) != 0)
		return -1;
	if (strcmp(got, want) != 0) {
		fio_sqlite_err(err, errlen, "%s: got \"%s\", want \"%s\"", sql, got, want);
		return -1;
	}
	return 0;
}

static int
read_version(sqlite3 *db, long long *ver, char *err, size_t errlen)
{
	char buf[32];
	char *end;

	if (pragma_get(db, "PRAGMA user_version", buf, sizeof(buf), err, errlen) != 0)
		return -1;
	errno = 0;
	*ver = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || *end != '\0' || *ver < 0) {
		fio_sqlite_err(err, errlen, "store schema version \"%s\" is not valid", buf);
		return -1;
	}
	if (*ver > FIO_STORE_SCHEMA_VERSION) {
		fio_sqlite_err(err, errlen,
		               "store schema version %lld is newer than this helper supports (%d)",
		               *ver, FIO_STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

/* Inside the migration transaction: adds each of cols that its table lacks. */
static int
add_columns(sqlite3 *db, const struct add_column *cols, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char sql[256];
	int r, n;
	int rc = -1;

	if (cols == NULL)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", -1,
	                       &s, NULL) != SQLITE_OK)
		goto fail;
	for (; cols->table != NULL; cols++) {
		if (sqlite3_bind_text(s, 1, cols->table, -1, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_text(s, 2, cols->column, -1, SQLITE_STATIC) != SQLITE_OK)
			goto fail;
		r = sqlite3_step(s);
		if (r != SQLITE_ROW)
			goto fail;
		n = sqlite3_column_int(s, 0);
		(void)sqlite3_reset(s); /* the step succeeded: nothing to report */
		if (n > 0)
			continue;
		/* our constants: DDL takes no parameters */
		r = snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", cols->table,
		             cols->column, cols->decl);
		if (r < 0 || (size_t)r >= sizeof(sql)) {
			fio_sqlite_err(err, errlen, "store migration: column %s too long",
			               cols->column);
			goto out;
		}
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	fio_sqlite_err(err, errlen, "store migration: cannot add column: %s", sqlite3_errmsg(db));
out:
	/* finalize repeats a step error already reported */
	(void)sqlite3_finalize(s);
	return rc;
}

/* 1 if table has column, 0 if not, -1 on error. */
static int
has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", -1,
	                       &s, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(s, 2, column, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		rc = sqlite3_column_int(s, 0) > 0;
	/* finalize repeats an error the caller reports */
	(void)sqlite3_finalize(s);
	return rc;
}

/* Inside the migration transaction: rebuilds each of tabs that lacks its
 * marker column. */
static int
rebuild_tables(sqlite3 *db, const struct rebuild_table *tabs, char *err, size_t errlen)
{
	int r;

	if (tabs == NULL)
		return 0;
	for (; tabs->table != NULL; tabs++) {
		r = has_column(db, tabs->table, tabs->column);
		if (r < 0 ||
		    (r == 0 && sqlite3_exec(db, tabs->sql, NULL, NULL, NULL) != SQLITE_OK)) {
			fio_sqlite_err(err, errlen, "store migration: cannot rebuild table %s: %s",
			               tabs->table, sqlite3_errmsg(db));
			return -1;
		}
	}
	return 0;
}

/* Brings the schema to FIO_STORE_SCHEMA_VERSION in one transaction. */
static int
migrate(sqlite3 *db, char *err, size_t errlen)
{
	char sql[64];
	long long ver;
	int rc = -1;

	if (read_version(db, &ver, err, errlen) != 0)
		return -1;
	if (ver == FIO_STORE_SCHEMA_VERSION)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		fio_sqlite_err(err, errlen, "cannot begin migration: %s", sqlite3_errmsg(db));
		return -1;
	}
	/* another process may have migrated it meanwhile */
	if (read_version(db, &ver, err, errlen) != 0)
		goto out;
	for (; ver < FIO_STORE_SCHEMA_VERSION; ver++) {
		if (add_columns(db, migration_columns[ver], err, errlen) != 0 ||
		    rebuild_tables(db, migration_rebuild[ver], err, errlen) != 0)
			goto out;
		if (sqlite3_exec(db, migrations[ver], NULL, NULL, NULL) != SQLITE_OK) {
			fio_sqlite_err(err, errlen, "store migration %lld -> %lld failed: %s", ver,
			               ver + 1, sqlite3_errmsg(db));
			goto out;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", FIO_STORE_SCHEMA_VERSION);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fio_sqlite_err(err, errlen, "cannot commit migration: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && !sqlite3_get_autocommit(db) &&
	    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_err("cannot roll back migration: %s", sqlite3_errmsg(db));
	return rc;
}

int
fio_sqlite_setup(sqlite3 *db, char *err, size_t errlen)
{
	char got[256];

	if (sqlite3_extended_result_codes(db, 1) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK) {
		fio_sqlite_err(err, errlen, "cannot configure store: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (pragma_get(db, "PRAGMA quick_check", got, sizeof(got), err, errlen) != 0)
		return -1;
	if (strcmp(got, "ok") != 0) {
		fio_sqlite_err(err, errlen, "store integrity check failed: %s", got);
		return -1;
	}
	if (pragma_expect(db, "PRAGMA journal_mode = WAL", "wal", err, errlen) != 0 ||
	    pragma_expect(db, "PRAGMA synchronous = FULL", "", err, errlen) != 0 ||
	    pragma_expect(db, "PRAGMA synchronous", "2", err, errlen) != 0 ||
	    pragma_expect(db, "PRAGMA foreign_keys = ON", "", err, errlen) != 0 ||
	    pragma_expect(db, "PRAGMA foreign_keys", "1", err, errlen) != 0 ||
	    pragma_expect(db, "PRAGMA secure_delete = ON", "1", err, errlen) != 0)
		return -1;
	return migrate(db, err, errlen);
}
