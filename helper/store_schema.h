/*
 * store_schema.h - internals of the SQLite store, used by store_sqlite.c only:
 * the database file, the connection settings and the versioned schema
 * (store_schema.c). Not part of the store.h contract.
 */
#ifndef FIO_STORE_SCHEMA_H
#define FIO_STORE_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

/* Writes one line to err (size errlen; either may be NULL/0). */
void fio_sqlite_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Makes sure path is a regular file we may open: creates it with mode 0600 if
 * missing (*created = 1, directory synced); refuses a symlink, a non-regular
 * file, a world-writable file, and an empty file we did not just create.
 * 0 or -1 with err set. */
int fio_sqlite_prepare_file(const char *path, int *created, char *err, size_t errlen);

/* On a freshly opened connection: quick_check must say "ok"; then WAL,
 * synchronous=FULL, foreign keys, secure_delete, busy timeout, defensive mode;
 * then migrates the schema to FIO_STORE_SCHEMA_VERSION in one transaction,
 * refusing a newer version. 0 or -1 with err set. */
int fio_sqlite_setup(sqlite3 *db, char *err, size_t errlen);

#endif /* FIO_STORE_SCHEMA_H */
