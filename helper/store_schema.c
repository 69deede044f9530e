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

/* migrations[v] takes the schema from user_version v to v + 1. Each is
 * idempotent and runs inside the migration transaction. */
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
