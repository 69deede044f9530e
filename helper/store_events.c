/*
 * store_events.c - the activity log half of store.h on SQLite: one row per
 * audit event, by name, in the events table (store_schema.c).
 *
 * Same rules as store_sqlite.c (store_impl.h): statements prepared once at
 * open, every value bound, errors logged without values. An event is one
 * INSERT (durable when it returns); the fields are cut to their maximum at a
 * UTF-8 character boundary, so a row is always bounded.
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_impl.h"

#define EVENT_COLS "id, time, user, event, service, rhost, tty, result, reason"

const char *const store_events_sql[S_COUNT] = {
        [S_EVENT_ADD] = "INSERT INTO events (time, user, event, service, rhost, tty, result,"
                        " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        /* the newest ?3 from ?2 on, then oldest first */
        [S_EVENT_LIST] = "SELECT " EVENT_COLS " FROM (SELECT " EVENT_COLS " FROM events"
                         " WHERE user = ?1 AND time >= ?2 ORDER BY time DESC, id DESC"
                         " LIMIT ?3) ORDER BY time, id",
        [S_EVENT_LAST_OK] = "SELECT id, time, service, rhost FROM events"
                            " WHERE user = ?1 AND id < ?2 AND event = 'auth'"
                            " AND result = 'success' ORDER BY id DESC LIMIT 1",
        [S_EVENT_FAILURES] = "SELECT count(*) FROM events WHERE user = ?1 AND id > ?2"
                             " AND event = 'auth' AND result IN ('failure', 'locked')",
        [S_EVENT_PRUNE] = "DELETE FROM events WHERE time < ?1",
};

/* The length of s cut to at most max bytes without splitting a UTF-8
 * character (a cut never ends on a continuation byte's lead). */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--; /* s[n] is the first byte left out: back up to a character start */
	return n;
}

static int
bind_field(sqlite3_stmt *s, int col, const char *v, size_t max)
{
	if (v == NULL)
		v = "";
	return sqlite3_bind_text(s, col, v, (int)utf8_cut(v, max), SQLITE_STATIC);
}

/* ?1 = user as text, ?2 = n as an integer. */
static int
bind_user_int(struct fio_store *st, enum stmt_id id, const char *user, int64_t n, const char *what)
{
	sqlite3_stmt *s = st->stmt[id];

	if (bind_field(s, 1, user, FIO_EVENT_FIELD_MAX) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 2, n) != SQLITE_OK)
		return store_bind_fail(st, s, what);
	return FIO_STORE_OK;
}

int
fio_store_event_add(struct fio_store *st, const struct fio_event_rec *ev, int64_t *id)
{
	sqlite3_stmt *s;
	int rc;

	if (st == NULL || ev == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_EVENT_ADD];
	if (sqlite3_bind_int64(s, 1, ev->time) != SQLITE_OK ||
	    bind_field(s, 2, ev->user, FIO_EVENT_FIELD_MAX) != SQLITE_OK ||
	    bind_field(s, 3, ev->event, FIO_EVENT_FIELD_MAX) != SQLITE_OK ||
	    bind_field(s, 4, ev->service, FIO_EVENT_FIELD_MAX) != SQLITE_OK ||
	    bind_field(s, 5, ev->rhost, FIO_EVENT_FIELD_MAX) != SQLITE_OK ||
	    bind_field(s, 6, ev->tty, FIO_EVENT_FIELD_MAX) != SQLITE_OK ||
	    bind_field(s, 7, ev->result, FIO_EVENT_FIELD_MAX) != SQLITE_OK ||
	    bind_field(s, 8, ev->reason, FIO_EVENT_REASON_MAX) != SQLITE_OK)
		return store_bind_fail(st, s, "event add: bind");
	rc = store_run(st, S_EVENT_ADD, "event add");
	if (rc == FIO_STORE_OK && id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

struct event_list {
	int (*cb)(const struct fio_event_rec *ev, void *ctx);
	void *ctx;
};

static int
event_list_row(sqlite3_stmt *s, void *arg)
{
	const struct event_list *el = arg;
	struct fio_event_rec ev;

	if (sqlite3_column_type(s, 0) != SQLITE_INTEGER ||
	    sqlite3_column_type(s, 1) != SQLITE_INTEGER || store_col_text(s, 2, &ev.user) != 0 ||
	    store_col_text(s, 3, &ev.event) != 0 || store_col_text(s, 4, &ev.service) != 0 ||
	    store_col_text(s, 5, &ev.rhost) != 0 || store_col_text(s, 6, &ev.tty) != 0 ||
	    store_col_text(s, 7, &ev.result) != 0 || store_col_text(s, 8, &ev.reason) != 0) {
		log_err("event list: malformed event row");
		return FIO_STORE_ERR;
	}
	ev.id = sqlite3_column_int64(s, 0);
	ev.time = sqlite3_column_int64(s, 1);
	return el->cb(&ev, el->ctx);
}

int
fio_store_event_list(struct fio_store *st, const char *user, int64_t since, unsigned limit,
                     int (*cb)(const struct fio_event_rec *ev, void *ctx), void *ctx)
{
	struct event_list el = {cb, ctx};
	sqlite3_stmt *s;

	if (st == NULL || user == NULL || cb == NULL)
		return FIO_STORE_ERR;
	s = st->stmt[S_EVENT_LIST];
	if (bind_user_int(st, S_EVENT_LIST, user, since, "event list: bind") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	if (sqlite3_bind_int64(s, 3, (sqlite3_int64)limit) != SQLITE_OK)
		return store_bind_fail(st, s, "event list: bind");
	return store_each_row(st, s, "event list", event_list_row, &el);
}

int
fio_store_event_last_success(struct fio_store *st, const char *user, int64_t before_id,
                             struct fio_event_last *out)
{
	sqlite3_stmt *s;
	const char *service, *rhost;
	int r, rc;

	if (st == NULL || user == NULL || out == NULL ||
	    bind_user_int(st, S_EVENT_LAST_OK, user, before_id, "event last: bind") != FIO_STORE_OK)
		return FIO_STORE_ERR;
	s = st->stmt[S_EVENT_LAST_OK];
	r = sqlite3_step(s);
	if (r == SQLITE_DONE) {
		rc = FIO_STORE_NOTFOUND;
	} else if (r != SQLITE_ROW) {
		store_db_fail(st, "event last");
		rc = FIO_STORE_ERR;
	} else if (sqlite3_column_type(s, 0) != SQLITE_INTEGER ||
	           sqlite3_column_type(s, 1) != SQLITE_INTEGER ||
	           store_col_text(s, 2, &service) != 0 || store_col_text(s, 3, &rhost) != 0) {
		log_err("event last: malformed event row");
		rc = FIO_STORE_ERR;
	} else {
		out->id = sqlite3_column_int64(s, 0);
		out->time = sqlite3_column_int64(s, 1);
		memcpy(out->service, service, utf8_cut(service, FIO_EVENT_FIELD_MAX));
		out->service[utf8_cut(service, FIO_EVENT_FIELD_MAX)] = '\0';
		memcpy(out->rhost, rhost, utf8_cut(rhost, FIO_EVENT_FIELD_MAX));
		out->rhost[utf8_cut(rhost, FIO_EVENT_FIELD_MAX)] = '\0';
		rc = FIO_STORE_OK;
	}
	store_stmt_done(s);
	return rc;
}

int
fio_store_event_failures_since(struct fio_store *st, const char *user, int64_t after_id, int64_t *n)
{
	sqlite3_stmt *s;
	int rc = FIO_STORE_ERR;

	if (st == NULL || user == NULL || n == NULL ||
	    bind_user_int(st, S_EVENT_FAILURES, user, after_id, "event failures: bind") !=
	            FIO_STORE_OK)
		return FIO_STORE_ERR;
	s = st->stmt[S_EVENT_FAILURES];
	if (sqlite3_step(s) != SQLITE_ROW)
		store_db_fail(st, "event failures");
	else if (sqlite3_column_type(s, 0) != SQLITE_INTEGER)
		log_err("event failures: malformed count");
	else {
		*n = sqlite3_column_int64(s, 0);
		rc = FIO_STORE_OK;
	}
	store_stmt_done(s);
	return rc;
}

int
fio_store_event_prune(struct fio_store *st, int64_t before, int64_t *n)
{
	int rc;

	if (st == NULL)
		return FIO_STORE_ERR;
	if (sqlite3_bind_int64(st->stmt[S_EVENT_PRUNE], 1, before) != SQLITE_OK)
		return store_bind_fail(st, st->stmt[S_EVENT_PRUNE], "event prune: bind");
	rc = store_run(st, S_EVENT_PRUNE, "event prune");
	if (rc == FIO_STORE_OK && n != NULL)
		*n = sqlite3_changes(st->db);
	return rc;
}
