/*
 * test_store_policy.c - the mandatory-2FA half of the SQLite store
 * (helper/store_policy.c) against store.h: sso flags, policy first-seen times,
 * enrolment windows that are never restarted, notified bits, temporary passes
 * and their end, suspension, remembered sources, the session registry, what enrolment and
 * user deletion clear, and that a failed multi-write function changes nothing.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"

#include "store_fixture.h"

static int
setup(void **state)
{
	return fixture_setup(state, "test_store_policy", 1);
}

static void
reopen(struct fixture *f)
{
	fio_store_close(f->st);
	f->st = NULL;
	if (fio_store_open(f->path, &f->st, f->err, sizeof(f->err)) != FIO_STORE_OK)
		fail_msg("reopen %s: %s", f->path, f->err);
}

/* Runs SQL directly on the file through a second connection (foreign keys on,
 * as the helper has them); returns the first integer column of the last
 * statement's first row, or 0. */
static long long
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	const char *tail = sql;
	long long v = 0;
	int r;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_busy_timeout(db, 5000), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
	while (tail != NULL && *tail != '\0') {
		assert_int_equal(sqlite3_prepare_v2(db, tail, -1, &s, &tail), SQLITE_OK);
		if (s == NULL)
			break; /* only white space left */
		r = sqlite3_step(s);
		assert_true(r == SQLITE_ROW || r == SQLITE_DONE);
		v = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
	}
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return v;
}

static int64_t
add_user(struct fixture *f, const char *name)
{
	struct fio_user u;
	int64_t id;

	assert_int_equal(fio_store_user_add(f->st, name, "", "$y$x", 1000), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, name, &u), FIO_STORE_OK);
	id = u.id;
	fio_user_clear(&u);
	return id;
}

static const unsigned char blob[] = "sealed-secret";

static void
enroll(struct fixture *f, int64_t id)
{
	struct fio_recovery_rec recs[FIO_RECOVERY_COUNT];
	uint32_t i;

	memset(recs, 0, sizeof(recs));
	for (i = 0; i < FIO_RECOVERY_COUNT; i++) {
		recs[i].idx = i;
		recs[i].iterations = 1000;
	}
	assert_int_equal(fio_store_enroll(f->st, id, NULL, blob, sizeof(blob), 6, 30, 100, recs,
	                                  FIO_RECOVERY_COUNT),
	                 FIO_STORE_OK);
}

/* Enrols a further authenticator labelled label, keeping the codes. */
static void
enroll_label(struct fixture *f, int64_t id, const char *label)
{
	assert_int_equal(
	        fio_store_enroll(f->st, id, label, blob, sizeof(blob), 6, 30, 100, NULL, 0),
	        FIO_STORE_OK);
}

/* The account as stored (fio_user_clear it). */
static void
get(struct fixture *f, const char *name, struct fio_user *u)
{
	assert_int_equal(fio_store_user_get(f->st, name, u), FIO_STORE_OK);
}

static long long
count_where(struct fixture *f, const char *table, int64_t user_id)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE user_id = %lld", table,
	         (long long)user_id);
	return raw_sql(f->path, sql);
}

/* ---- sso ------------------------------------------------------------------------ */

static void
test_sso(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;
	int64_t bob;

	assert_int_equal(fio_store_user_add_sso(f->st, "alice", "a@example.org", "", 10, 1),
	                 FIO_STORE_OK);
	assert_int_equal(fio_store_user_add_sso(f->st, "alice", "", "", 11, 0), FIO_STORE_EXISTS);
	bob = add_user(f, "bob");
	get(f, "alice", &u);
	assert_int_equal(u.sso, 1);
	assert_string_equal(u.email, "a@example.org");
	assert_int_equal(u.created, 10);
	assert_int_equal(u.pass_until, 0);
	assert_int_equal(u.must_enroll, 0);
	fio_user_clear(&u);
	assert_int_equal(u.sso, 0);
	get(f, "bob", &u);
	assert_int_equal(u.sso, 0);
	fio_user_clear(&u);

	assert_int_equal(fio_store_set_sso(f->st, bob, 42), FIO_STORE_OK); /* any non-zero */
	assert_int_equal(fio_store_set_sso(f->st, bob, 42), FIO_STORE_OK); /* unchanged: still OK */
	get(f, "bob", &u);
	assert_int_equal(u.sso, 1);
	fio_user_clear(&u);
	assert_int_equal(raw_sql(f->path, "SELECT sso FROM users WHERE name = 'bob'"), 1);
	assert_int_equal(fio_store_set_sso(f->st, bob, 0), FIO_STORE_OK);
	reopen(f);
	get(f, "bob", &u);
	assert_int_equal(u.sso, 0);
	fio_user_clear(&u);
	assert_int_equal(fio_store_set_sso(f->st, bob + 100, 1), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_set_sso(NULL, bob, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_user_add_sso(f->st, NULL, "", "", 1, 1), FIO_STORE_ERR);
}

/* A damaged flag is an error, never "no pass" or "not sso". */
static void
test_bad_flags(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;

	add_user(f, "alice");
	raw_sql(f->path, "UPDATE users SET pass_until = 'soon'");
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_ERR);
	assert_null(u.name);
	raw_sql(f->path, "UPDATE users SET pass_until = -5");
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_ERR);
	raw_sql(f->path, "UPDATE users SET pass_until = 0, must_enroll = x'01'");
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_ERR);
	raw_sql(f->path, "UPDATE users SET must_enroll = 1, sso = 'yes'");
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_ERR);
	raw_sql(f->path, "UPDATE users SET sso = 0");
	get(f, "alice", &u);
	assert_int_equal(u.must_enroll, 1);
	fio_user_clear(&u);
}

/* ---- policy entries and windows ------------------------------------------------- */

static void
test_policy_seen(void **state)
{
	struct fixture *f = *state;
	int64_t first = -1;
	int created = -1;

	assert_int_equal(fio_store_policy_seen(f->st, "group:staff", 1000, &first, &created),
	                 FIO_STORE_OK);
	assert_int_equal(first, 1000);
	assert_int_equal(created, 1);
	/* seen again later: the first time stays */
	assert_int_equal(fio_store_policy_seen(f->st, "group:staff", 5000, &first, &created),
	                 FIO_STORE_OK);
	assert_int_equal(first, 1000);
	assert_int_equal(created, 0);
	assert_int_equal(
	        fio_store_policy_seen(f->st, "'; DROP TABLE users;--", 2000, &first, &created),
	        FIO_STORE_OK);
	assert_int_equal(first, 2000);
	assert_int_equal(created, 1);
	reopen(f);
	assert_int_equal(fio_store_policy_seen(f->st, "group:staff", 9000, &first, &created),
	                 FIO_STORE_OK);
	assert_int_equal(first, 1000);
	assert_int_equal(created, 0);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM policy_seen"), 2);
	assert_int_equal(fio_store_policy_seen(f->st, NULL, 1, &first, &created), FIO_STORE_ERR);
	assert_int_equal(fio_store_policy_seen(f->st, "k", 1, NULL, &created), FIO_STORE_ERR);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM policy_seen"), 2);
	/* and no transaction was left open */
	assert_int_equal(fio_store_policy_seen(f->st, "k", 1, &first, &created), FIO_STORE_OK);
}

static void
test_policy_window(void **state)
{
	struct fixture *f = *state;
	struct fio_policy_row row = {.since = -1};
	int64_t a, b;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_NOTFOUND);
	assert_int_equal(row.since, -1); /* untouched */
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 1000, 87400), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.since, 1000);
	assert_int_equal(row.deadline, 87400);
	assert_int_equal(row.notified, 0);

	/* a window is never restarted, whatever the second add says */
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 5000, 999999), FIO_STORE_EXISTS);
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 0, 0), FIO_STORE_EXISTS);
	reopen(f);
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.since, 1000);
	assert_int_equal(row.deadline, 87400);

	/* windows are per account and per entry */
	assert_int_equal(fio_store_policy_get(f->st, b, "all", &row), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_policy_get(f->st, a, "group:staff", &row), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_policy_add(f->st, a, "group:staff", 2000, 3000), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, b, "all", 1500, 1600), FIO_STORE_OK);

	/* no such user: NOTFOUND, never a foreign-key error, nothing stored */
	assert_int_equal(fio_store_policy_add(f->st, b + 100, "all", 1, 2), FIO_STORE_NOTFOUND);
	assert_int_equal(count_where(f, "policy_window", b + 100), 0);
	assert_int_equal(fio_store_policy_add(f->st, a, NULL, 1, 2), FIO_STORE_ERR);
	assert_int_equal(fio_store_policy_get(f->st, a, NULL, &row), FIO_STORE_ERR);
	/* the store still works: no transaction left open */
	assert_int_equal(fio_store_policy_add(f->st, b, "group:ops", 1, 2), FIO_STORE_OK);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM policy_window"), 4);
}

static void
test_policy_notified(void **state)
{
	struct fixture *f = *state;
	struct fio_policy_row row;
	int64_t a;

	a = add_user(f, "alice");
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 1000, 2000), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_notified(f->st, a, "all", FIO_NOTIFIED_OPENED),
	                 FIO_STORE_OK);
	assert_int_equal(fio_store_policy_notified(f->st, a, "all", FIO_NOTIFIED_WARN),
	                 FIO_STORE_OK);
	assert_int_equal(fio_store_policy_notified(f->st, a, "all", FIO_NOTIFIED_OPENED),
	                 FIO_STORE_OK);
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.notified, FIO_NOTIFIED_OPENED | FIO_NOTIFIED_WARN);
	assert_int_equal(fio_store_policy_notified(f->st, a, "all", 0), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_notified(f->st, a, "all", FIO_NOTIFIED_OVERDUE),
	                 FIO_STORE_OK);
	reopen(f);
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.notified,
	                 FIO_NOTIFIED_OPENED | FIO_NOTIFIED_WARN | FIO_NOTIFIED_OVERDUE);
	/* the window itself is untouched */
	assert_int_equal(row.since, 1000);
	assert_int_equal(row.deadline, 2000);
	/* a re-add does not reset the bits either */
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 1000, 2000), FIO_STORE_EXISTS);
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.notified, 7);
	assert_int_equal(fio_store_policy_notified(f->st, a, "other", 1), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_policy_notified(f->st, a + 9, "all", 1), FIO_STORE_NOTFOUND);
	/* a damaged row is an error */
	raw_sql(f->path, "UPDATE policy_window SET notified = -1");
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_ERR);
}

static void
test_policy_due(void **state)
{
	struct fixture *f = *state;
	struct fio_policy_row row;
	int64_t a, b;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 1000, 5000), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, a, "group:x", 1000, 2000), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, b, "all", 1000, 5000), FIO_STORE_OK);
	/* at most: a later deadline leaves the earlier one */
	assert_int_equal(fio_store_policy_due(f->st, a, 3000), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.deadline, 3000);
	assert_int_equal(row.since, 1000);
	assert_int_equal(fio_store_policy_get(f->st, a, "group:x", &row), FIO_STORE_OK);
	assert_int_equal(row.deadline, 2000);
	assert_int_equal(fio_store_policy_get(f->st, b, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.deadline, 5000); /* others untouched */
	assert_int_equal(fio_store_policy_due(f->st, a, 9000), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.deadline, 3000);
	/* an account without rows: nothing to do */
	assert_int_equal(fio_store_policy_due(f->st, b + 10, 1), FIO_STORE_OK);
}

struct prows {
	char line[8][64];
	int n;
	int stop_after;
};

static int
collect_policy(const char *name, const char *key, const struct fio_policy_row *row, void *ctx)
{
	struct prows *x = ctx;

	assert_true(x->n < 8);
	snprintf(x->line[x->n++], sizeof(x->line[0]), "%s %s %lld %lld %u", name, key,
	         (long long)row->since, (long long)row->deadline, row->notified);
	return x->n == x->stop_after ? 1 : 0;
}

static void
test_policy_list(void **state)
{
	struct fixture *f = *state;
	struct prows x = {.stop_after = -1};
	int64_t a, b, c;

	assert_int_equal(fio_store_policy_list(f->st, collect_policy, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 0);
	c = add_user(f, "carol");
	b = add_user(f, "bob");
	a = add_user(f, "alice");
	add_user(f, "dave"); /* no rows */
	assert_int_equal(fio_store_policy_add(f->st, c, "all", 1, 2), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, a, "group:z", 3, 4), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 5, 6), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, b, "group:b", 7, 8), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_notified(f->st, b, "group:b", 2), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_list(f->st, collect_policy, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 4);
	assert_string_equal(x.line[0], "alice all 5 6 0");
	assert_string_equal(x.line[1], "alice group:z 3 4 0");
	assert_string_equal(x.line[2], "bob group:b 7 8 2");
	assert_string_equal(x.line[3], "carol all 1 2 0");
	/* the callback's value stops the walk and is returned as is (even 1) */
	x.n = 0;
	x.stop_after = 2;
	assert_int_equal(fio_store_policy_list(f->st, collect_policy, &x), 1);
	assert_int_equal(x.n, 2);
	/* the rows go with the account */
	assert_int_equal(fio_store_user_del(f->st, "alice"), FIO_STORE_OK);
	assert_int_equal(count_where(f, "policy_window", a), 0);
	x.n = 0;
	x.stop_after = -1;
	assert_int_equal(fio_store_policy_list(f->st, collect_policy, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.line[0], "bob group:b 7 8 2");
	assert_int_equal(fio_store_policy_list(f->st, NULL, &x), FIO_STORE_ERR);
}

/* ---- temporary passes ------------------------------------------------------------- */

struct passes {
	char line[8][64];
	int n;
};

static int
collect_pass(const char *name, int64_t until, void *ctx)
{
	struct passes *x = ctx;

	assert_true(x->n < 8);
	snprintf(x->line[x->n++], sizeof(x->line[0]), "%s %lld", name, (long long)until);
	return 0;
}

static int
stop_pass(const char *name, int64_t until, void *ctx)
{
	(void)name;
	(void)until;
	(*(int *)ctx)++;
	return 1;
}

static void
test_pass_grant_list(void **state)
{
	struct fixture *f = *state;
	struct passes x = {.n = 0};
	struct fio_user u;
	int64_t a, b;
	int calls = 0;

	b = add_user(f, "bob");
	a = add_user(f, "alice");
	add_user(f, "carol");
	assert_int_equal(fio_store_pass_list(f->st, collect_pass, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 0);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_grant(f->st, a, 86400), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_grant(f->st, b, 7200), FIO_STORE_OK);
	/* a pass forgets the remembered sources */
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 1), FIO_STORE_NOTFOUND);
	get(f, "alice", &u);
	assert_int_equal(u.pass_until, 86400);
	assert_int_equal(u.must_enroll, 0);
	fio_user_clear(&u);
	assert_int_equal(fio_store_pass_list(f->st, collect_pass, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 2);
	assert_string_equal(x.line[0], "alice 86400");
	assert_string_equal(x.line[1], "bob 7200");
	assert_int_equal(fio_store_pass_list(f->st, stop_pass, &calls), 1);
	assert_int_equal(calls, 1);
	/* a new grant replaces the end */
	assert_int_equal(fio_store_pass_grant(f->st, b, 100), FIO_STORE_OK);
	get(f, "bob", &u);
	assert_int_equal(u.pass_until, 100);
	fio_user_clear(&u);
	/* refusals */
	assert_int_equal(fio_store_pass_grant(f->st, a, 0), FIO_STORE_ERR);
	assert_int_equal(fio_store_pass_grant(f->st, a, -1), FIO_STORE_ERR);
	assert_int_equal(fio_store_pass_grant(f->st, a + b + 100, 5), FIO_STORE_NOTFOUND);
	get(f, "alice", &u);
	assert_int_equal(u.pass_until, 86400);
	fio_user_clear(&u);
	reopen(f);
	x.n = 0;
	assert_int_equal(fio_store_pass_list(f->st, collect_pass, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 2);
}

static void
test_pass_end(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec rec;
	struct fio_policy_row row;
	struct passes x = {.n = 0};
	struct fio_user u;
	int64_t a, b, ta;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	enroll(f, a);
	enroll_label(f, a, "phone2"); /* every authenticator goes */
	enroll(f, b);
	get(f, "alice", &u);
	assert_int_equal(u.ntotp, 2);
	ta = u.totps[1].id;
	fio_user_clear(&u);
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 1000, 9000), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, a, "group:x", 1000, 1500), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, b, "all", 1000, 9000), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_grant(f->st, a, 5000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.7", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, b, "192.0.2.7", 99999), FIO_STORE_OK);

	assert_int_equal(fio_store_pass_end(f->st, a, 5000), FIO_STORE_OK);
	reopen(f); /* durable */
	get(f, "alice", &u);
	assert_null(u.totp_blob);
	assert_int_equal(u.ntotp, 0);
	assert_int_equal(u.totp_last_step, -1);
	assert_int_equal(u.recovery_left, 0);
	assert_int_equal(u.pass_until, 0);
	assert_int_equal(u.must_enroll, 1);
	fio_user_clear(&u);
	/* the authenticators and the codes are really gone, not only hidden */
	assert_int_equal(count_where(f, "totp", a), 0);
	assert_int_equal(count_where(f, "recovery", a), 0);
	assert_int_equal(count_where(f, "remembered", a), 0);
	assert_int_equal(fio_store_totp_advance(f->st, ta, 1000), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_recovery_get(f->st, a, 1, &rec), FIO_STORE_NOTFOUND);
	/* enrolment is due now, an earlier deadline stays */
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.deadline, 5000);
	assert_int_equal(row.since, 1000);
	assert_int_equal(fio_store_policy_get(f->st, a, "group:x", &row), FIO_STORE_OK);
	assert_int_equal(row.deadline, 1500);
	assert_int_equal(fio_store_pass_list(f->st, collect_pass, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 0);
	/* bob is untouched */
	get(f, "bob", &u);
	assert_non_null(u.totp_blob);
	assert_int_equal(u.recovery_left, FIO_RECOVERY_COUNT);
	assert_int_equal(u.must_enroll, 0);
	fio_user_clear(&u);
	assert_int_equal(fio_store_remember_check(f->st, b, "192.0.2.7", 1), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_get(f->st, b, "all", &row), FIO_STORE_OK);
	assert_int_equal(row.deadline, 9000);
	/* no such user */
	assert_int_equal(fio_store_pass_end(f->st, a + b + 100, 1), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_pass_end(NULL, a, 1), FIO_STORE_ERR);
}

/* pass_end is one transaction: when its last write fails, nothing changed. */
static void
test_pass_end_atomic(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;
	int64_t a;

	a = add_user(f, "alice");
	enroll(f, a);
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 1000, 9000), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_grant(f->st, a, 5000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.7", 99999), FIO_STORE_OK);
	raw_sql(f->path, "CREATE TRIGGER refuse BEFORE UPDATE OF deadline ON policy_window"
	                 " BEGIN SELECT RAISE(ABORT, 'refused'); END");
	assert_int_equal(fio_store_pass_end(f->st, a, 6000), FIO_STORE_ERR);
	get(f, "alice", &u);
	assert_non_null(u.totp_blob);
	assert_int_equal(u.recovery_left, FIO_RECOVERY_COUNT);
	assert_int_equal(u.pass_until, 5000);
	assert_int_equal(u.must_enroll, 0);
	fio_user_clear(&u);
	assert_int_equal(count_where(f, "remembered", a), 1);
	raw_sql(f->path, "DROP TRIGGER refuse");
	/* no transaction was left open: it works now */
	assert_int_equal(fio_store_pass_end(f->st, a, 6000), FIO_STORE_OK);
	get(f, "alice", &u);
	assert_int_equal(u.must_enroll, 1);
	fio_user_clear(&u);
}

/* Enrolling ends a pass and a must_enroll, and forgets remembered sources;
 * unenrolling forgets them too. */
static void
test_enroll_clears(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;
	int64_t a;

	a = add_user(f, "alice");
	enroll(f, a);
	assert_int_equal(fio_store_pass_grant(f->st, a, 5000), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_end(f->st, a, 4000), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_grant(f->st, a, 8000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	get(f, "alice", &u);
	assert_int_equal(u.must_enroll, 1);
	assert_int_equal(u.pass_until, 8000);
	fio_user_clear(&u);
	enroll(f, a);
	get(f, "alice", &u);
	assert_non_null(u.totp_blob);
	assert_int_equal(u.must_enroll, 0);
	assert_int_equal(u.pass_until, 0);
	fio_user_clear(&u);
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 1), FIO_STORE_NOTFOUND);
	assert_int_equal(count_where(f, "remembered", a), 0);

	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_unenroll(f->st, a), FIO_STORE_OK);
	assert_int_equal(count_where(f, "remembered", a), 0);
	get(f, "alice", &u);
	assert_null(u.totp_blob);
	assert_int_equal(u.must_enroll, 0);
	fio_user_clear(&u);
}

/* A failed enrolment leaves the pass, the must_enroll and the sources. */
static void
test_enroll_failed_keeps(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec recs[2];
	struct fio_user u;
	int64_t a;

	a = add_user(f, "alice");
	assert_int_equal(fio_store_pass_end(f->st, a, 4000), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_grant(f->st, a, 8000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	memset(recs, 0, sizeof(recs));
	recs[0].iterations = recs[1].iterations = 1000; /* a duplicate index */
	assert_int_equal(fio_store_enroll(f->st, a, NULL, blob, sizeof(blob), 6, 30, 1, recs, 2),
	                 FIO_STORE_ERR);
	get(f, "alice", &u);
	assert_null(u.totp_blob);
	assert_int_equal(u.must_enroll, 1);
	assert_int_equal(u.pass_until, 8000);
	fio_user_clear(&u);
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 1), FIO_STORE_OK);
}

/* A second authenticator ends a pass and forgets the remembered sources like a
 * first one; removing one authenticator forgets them too, and a refused
 * enrolment (too many) changes nothing. */
static void
test_enroll_label_clears(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;
	char label[8];
	int64_t a;

	a = add_user(f, "alice");
	enroll(f, a);
	assert_int_equal(fio_store_pass_grant(f->st, a, 8000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	enroll_label(f, a, "phone2");
	get(f, "alice", &u);
	assert_int_equal(u.ntotp, 2);
	assert_int_equal(u.pass_until, 0);
	assert_int_equal(u.recovery_left, FIO_RECOVERY_COUNT); /* kept */
	fio_user_clear(&u);
	assert_int_equal(count_where(f, "remembered", a), 0);

	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_unenroll_one(f->st, a, "phone2"), FIO_STORE_OK);
	assert_int_equal(count_where(f, "remembered", a), 0);
	/* an unknown label: nothing changes */
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_unenroll_one(f->st, a, "phone2"), FIO_STORE_NOTFOUND);
	assert_int_equal(count_where(f, "remembered", a), 1);

	for (int i = 2; i <= FIO_TOTP_PER_USER_MAX; i++) {
		snprintf(label, sizeof(label), "p%d", i);
		enroll_label(f, a, label);
	}
	assert_int_equal(fio_store_pass_grant(f->st, a, 8000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_enroll(f->st, a, "p6", blob, sizeof(blob), 6, 30, 1, NULL, 0),
	                 FIO_STORE_EXISTS);
	get(f, "alice", &u);
	assert_int_equal(u.ntotp, FIO_TOTP_PER_USER_MAX);
	assert_int_equal(u.pass_until, 8000);
	fio_user_clear(&u);
	assert_int_equal(count_where(f, "remembered", a), 1);
}

/* ---- suspension ------------------------------------------------------------------ */

/* Suspending stores the flag and the reason and forgets the remembered sources
 * (of that account only); resuming clears both and keeps everything else. */
static void
test_suspend(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;
	int64_t a, b;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	enroll(f, a);
	get(f, "alice", &u);
	assert_int_equal(u.suspended, 0);
	assert_non_null(u.suspend_reason);
	assert_string_equal(u.suspend_reason, "");
	fio_user_clear(&u);
	assert_null(u.suspend_reason);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, b, "192.0.2.1", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_set_suspended(f->st, a, 1, "left the \"company\""),
	                 FIO_STORE_OK);
	get(f, "alice", &u);
	assert_int_equal(u.suspended, 1);
	assert_string_equal(u.suspend_reason, "left the \"company\"");
	assert_int_equal(u.ntotp, 1); /* the authenticator and codes stay */
	assert_int_equal(u.recovery_left, FIO_RECOVERY_COUNT);
	fio_user_clear(&u);
	assert_int_equal(count_where(f, "remembered", a), 0);
	assert_int_equal(fio_store_remember_check(f->st, b, "192.0.2.1", 1), FIO_STORE_OK);
	get(f, "bob", &u);
	assert_int_equal(u.suspended, 0);
	fio_user_clear(&u);
	/* durable; a second suspension replaces the reason; NULL is "" */
	reopen(f);
	assert_int_equal(fio_store_set_suspended(f->st, a, 1, NULL), FIO_STORE_OK);
	get(f, "alice", &u);
	assert_int_equal(u.suspended, 1);
	assert_string_equal(u.suspend_reason, "");
	fio_user_clear(&u);
	/* resume: the reason goes; remembered sources put meanwhile stay */
	assert_int_equal(fio_store_set_suspended(f->st, a, 1, "again"), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.2", 99999), FIO_STORE_OK);
	assert_int_equal(fio_store_set_suspended(f->st, a, 0, "ignored"), FIO_STORE_OK);
	get(f, "alice", &u);
	assert_int_equal(u.suspended, 0);
	assert_string_equal(u.suspend_reason, "");
	fio_user_clear(&u);
	assert_int_equal(count_where(f, "remembered", a), 1);
	/* no such user: NOTFOUND, nothing written (bob's row untouched) */
	assert_int_equal(fio_store_set_suspended(f->st, a + b + 100, 1, "x"), FIO_STORE_NOTFOUND);
	assert_int_equal(count_where(f, "remembered", b), 1);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM users WHERE suspended != 0"), 0);
}

/* A suspension is read by fio_store_user_list too. */
static int
collect_suspended(const struct fio_user *u, void *ctx)
{
	if (u->suspended && strcmp(u->suspend_reason, "r") == 0)
		(*(int *)ctx)++;
	return 0;
}

static void
test_suspend_list(void **state)
{
	struct fixture *f = *state;
	int n = 0;

	add_user(f, "alice");
	assert_int_equal(fio_store_set_suspended(f->st, add_user(f, "bob"), 1, "r"), FIO_STORE_OK);
	assert_int_equal(fio_store_user_list(f->st, collect_suspended, &n), FIO_STORE_OK);
	assert_int_equal(n, 1);
}

/* ---- remembered sources ------------------------------------------------------------ */

static void
test_remember(void **state)
{
	struct fixture *f = *state;
	int64_t a, b;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 1000), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 2000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 1000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 1999), FIO_STORE_OK);
	/* until is exclusive */
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 2000), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 3000), FIO_STORE_NOTFOUND);
	/* per source, exactly; per account */
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.10", 1000),
	                 FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.", 1000), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_remember_check(f->st, a, "", 1000), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_remember_check(f->st, b, "192.0.2.1", 1000), FIO_STORE_NOTFOUND);
	/* put replaces the row for (user, rhost), also with an earlier until */
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 1500), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 1600), FIO_STORE_NOTFOUND);
	assert_int_equal(count_where(f, "remembered", a), 1);
	/* local logins (remember_local) and hostile strings are plain values */
	assert_int_equal(fio_store_remember_put(f->st, a, "", 2000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "' OR '1'='1", 2000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_check(f->st, a, "", 1000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_check(f->st, a, "x' OR '1'='1", 1000),
	                 FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_remember_put(f->st, b, "192.0.2.1", 2000), FIO_STORE_OK);
	reopen(f);
	assert_int_equal(fio_store_remember_check(f->st, a, "", 1000), FIO_STORE_OK);
	/* clear forgets the account's rows only */
	assert_int_equal(fio_store_remember_clear(f->st, a), FIO_STORE_OK);
	assert_int_equal(count_where(f, "remembered", a), 0);
	assert_int_equal(fio_store_remember_check(f->st, b, "192.0.2.1", 1000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_clear(f->st, a), FIO_STORE_OK);
	/* refusals */
	assert_int_equal(fio_store_remember_put(f->st, a + b + 100, "192.0.2.1", 2000),
	                 FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_remember_put(f->st, a, NULL, 2000), FIO_STORE_ERR);
	assert_int_equal(fio_store_remember_check(f->st, a, NULL, 1), FIO_STORE_ERR);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM remembered"), 1);
}

/* At most 64 rows per account: put drops those with the smallest until. */
static void
test_remember_cap(void **state)
{
	struct fixture *f = *state;
	char host[32];
	int64_t a, b;
	int i;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	assert_int_equal(fio_store_remember_put(f->st, b, "192.0.2.1", 10), FIO_STORE_OK);
	/* untils in a scrambled order: 1000 + (i * 37) % 70 */
	for (i = 0; i < 70; i++) {
		snprintf(host, sizeof(host), "198.51.100.%d", (i * 37) % 70);
		assert_int_equal(fio_store_remember_put(f->st, a, host, 1000 + (i * 37) % 70),
		                 FIO_STORE_OK);
		assert_int_equal(count_where(f, "remembered", a), i < 64 ? i + 1 : 64);
	}
	for (i = 0; i < 70; i++) {
		snprintf(host, sizeof(host), "198.51.100.%d", i);
		assert_int_equal(fio_store_remember_check(f->st, a, host, 0),
		                 i < 6 ? FIO_STORE_NOTFOUND : FIO_STORE_OK);
	}
	/* a row older than all others does not survive a full set */
	assert_int_equal(fio_store_remember_put(f->st, a, "203.0.113.1", 5), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_check(f->st, a, "203.0.113.1", 0), FIO_STORE_NOTFOUND);
	/* refreshing a kept row does not push another out */
	assert_int_equal(fio_store_remember_put(f->st, a, "198.51.100.6", 5000), FIO_STORE_OK);
	assert_int_equal(count_where(f, "remembered", a), 64);
	assert_int_equal(fio_store_remember_check(f->st, a, "198.51.100.7", 0), FIO_STORE_OK);
	/* other accounts keep theirs */
	assert_int_equal(count_where(f, "remembered", b), 1);
}

static void
test_remember_cascade(void **state)
{
	struct fixture *f = *state;
	int64_t a, b;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 2000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.2", 2000), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, b, "192.0.2.1", 2000), FIO_STORE_OK);
	assert_int_equal(fio_store_user_del(f->st, "alice"), FIO_STORE_OK);
	assert_int_equal(count_where(f, "remembered", a), 0);
	/* the same name again has nothing remembered (a fresh id) */
	a = add_user(f, "alice");
	assert_int_equal(fio_store_remember_check(f->st, a, "192.0.2.1", 1000), FIO_STORE_NOTFOUND);
	/* the schema cascades on its own too */
	raw_sql(f->path, "DELETE FROM users WHERE name = 'bob'");
	assert_int_equal(count_where(f, "remembered", b), 0);
}

/* ---- sessions ------------------------------------------------------------------------ */

struct sess_seen {
	char line[8][160];
	int64_t id[8];
	int n;
	int stop_after;
};

static int
collect_sess(const struct fio_session *s, void *ctx)
{
	struct sess_seen *x = ctx;

	assert_true(x->n < 8);
	assert_non_null(s->user);
	assert_non_null(s->service);
	assert_non_null(s->tty);
	assert_non_null(s->rhost);
	x->id[x->n] = s->id;
	snprintf(x->line[x->n++], sizeof(x->line[0]), "%s|%s|%s|%s|%lld|%llu|%lld", s->user,
	         s->service, s->tty, s->rhost, (long long)s->pid, (unsigned long long)s->pid_start,
	         (long long)s->started);
	return x->n == x->stop_after ? 1 : 0;
}

static void
test_sessions(void **state)
{
	struct fixture *f = *state;
	struct fio_session s1 = {.id = -1,
	                         .service = "sshd",
	                         .tty = "ssh",
	                         .rhost = "192.0.2.1",
	                         .pid = 4242,
	                         .pid_start = UINT64_C(1234567890123),
	                         .started = 1700000000};
	struct fio_session s2 = {.service = "login", .tty = "tty1", .pid = 100, .started = 5};
	struct fio_session s3 = {.pid = 4242, .started = 6}; /* NULL strings are "" */
	struct fio_session s4 = {.service = "sudo", .pid = 4242, .started = 7};
	struct sess_seen x = {.stop_after = -1};
	int64_t a, b;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	assert_int_equal(fio_store_session_list(f->st, -1, collect_sess, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 0);
	assert_int_equal(fio_store_session_add(f->st, b, &s1), FIO_STORE_OK);
	assert_true(s1.id > 0);
	assert_int_equal(fio_store_session_add(f->st, a, &s2), FIO_STORE_OK);
	assert_int_equal(fio_store_session_add(f->st, b, &s3), FIO_STORE_OK);
	assert_int_equal(fio_store_session_add(f->st, a, &s4), FIO_STORE_OK);
	assert_true(s1.id < s2.id && s2.id < s3.id && s3.id < s4.id);

	/* everyone's, in id order */
	assert_int_equal(fio_store_session_list(f->st, -1, collect_sess, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 4);
	assert_string_equal(x.line[0], "bob|sshd|ssh|192.0.2.1|4242|1234567890123|1700000000");
	assert_string_equal(x.line[1], "alice|login|tty1||100|0|5");
	assert_string_equal(x.line[2], "bob||||4242|0|6");
	assert_string_equal(x.line[3], "alice|sudo|||4242|0|7");
	assert_int_equal(x.id[0], s1.id);
	assert_int_equal(x.id[3], s4.id);
	/* one account's */
	x.n = 0;
	assert_int_equal(fio_store_session_list(f->st, b, collect_sess, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.id[0], s1.id);
	assert_int_equal(x.id[1], s3.id);
	/* stops at the callback's value */
	x.n = 0;
	x.stop_after = 1;
	assert_int_equal(fio_store_session_list(f->st, -1, collect_sess, &x), 1);
	assert_int_equal(x.n, 1);

	/* del_pid: that account's sessions with that leader only; OK if none */
	assert_int_equal(fio_store_session_del_pid(f->st, b, 4242), FIO_STORE_OK);
	assert_int_equal(fio_store_session_del_pid(f->st, b, 4242), FIO_STORE_OK);
	assert_int_equal(count_where(f, "sessions", b), 0);
	assert_int_equal(count_where(f, "sessions", a), 2);
	/* del by id */
	assert_int_equal(fio_store_session_del(f->st, s2.id), FIO_STORE_OK);
	assert_int_equal(fio_store_session_del(f->st, s2.id), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_session_del(f->st, s1.id), FIO_STORE_NOTFOUND);
	reopen(f);
	x.n = 0;
	x.stop_after = -1;
	assert_int_equal(fio_store_session_list(f->st, -1, collect_sess, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.line[0], "alice|sudo|||4242|0|7");
	/* no such user */
	assert_int_equal(fio_store_session_add(f->st, a + b + 100, &s2), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_session_add(f->st, a, NULL), FIO_STORE_ERR);
	assert_int_equal(fio_store_session_list(f->st, a, NULL, NULL), FIO_STORE_ERR);
}

static void
test_session_cap(void **state)
{
	struct fixture *f = *state;
	struct fio_session s = {.service = "sshd", .pid = 1, .started = 1};
	char sql[256];
	int64_t a, b, last;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	snprintf(sql, sizeof(sql),
	         "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)"
	         " INSERT INTO sessions (user_id, pid, started) SELECT %lld, i, 0 FROM c",
	         FIO_SESSIONS_PER_USER_MAX - 1, (long long)a);
	raw_sql(f->path, sql);
	assert_int_equal(fio_store_session_add(f->st, a, &s), FIO_STORE_OK);
	last = s.id;
	assert_int_equal(count_where(f, "sessions", a), FIO_SESSIONS_PER_USER_MAX);
	s.id = -7;
	assert_int_equal(fio_store_session_add(f->st, a, &s), FIO_STORE_EXISTS);
	assert_int_equal(s.id, -7); /* untouched on refusal */
	assert_int_equal(count_where(f, "sessions", a), FIO_SESSIONS_PER_USER_MAX);
	/* per account */
	assert_int_equal(fio_store_session_add(f->st, b, &s), FIO_STORE_OK);
	/* room again after a close */
	assert_int_equal(fio_store_session_del(f->st, last), FIO_STORE_OK);
	assert_int_equal(fio_store_session_add(f->st, a, &s), FIO_STORE_OK);
}

static void
test_session_cascade(void **state)
{
	struct fixture *f = *state;
	struct fio_session s = {.service = "sshd", .pid = 1, .started = 1};
	int64_t a, b;

	a = add_user(f, "alice");
	b = add_user(f, "bob");
	assert_int_equal(fio_store_session_add(f->st, a, &s), FIO_STORE_OK);
	assert_int_equal(fio_store_session_add(f->st, a, &s), FIO_STORE_OK);
	assert_int_equal(fio_store_session_add(f->st, b, &s), FIO_STORE_OK);
	assert_int_equal(fio_store_user_del(f->st, "alice"), FIO_STORE_OK);
	assert_int_equal(count_where(f, "sessions", a), 0);
	assert_int_equal(count_where(f, "sessions", b), 1);
	raw_sql(f->path, "DELETE FROM users WHERE name = 'bob'");
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM sessions"), 0);
}

/* Never trust a column: a NULL read back is "", a wrong type is an error. */
static void
test_session_untrusted_rows(void **state)
{
	struct fixture *f = *state;
	struct fio_session s = {.service = "sshd", .tty = "pts/0", .pid = 9, .started = 1};
	struct sess_seen x = {.stop_after = -1};
	int64_t a;

	a = add_user(f, "alice");
	assert_int_equal(fio_store_session_add(f->st, a, &s), FIO_STORE_OK);
	fio_store_close(f->st);
	f->st = NULL;
	/* a table as another writer may have left it: text columns without NOT NULL */
	raw_sql(f->path, "ALTER TABLE sessions RENAME TO sessions_old;"
	                 "CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id INTEGER"
	                 " REFERENCES users(id) ON DELETE CASCADE, service TEXT, tty TEXT,"
	                 " rhost TEXT, pid INTEGER, pid_start INTEGER, started INTEGER);"
	                 "INSERT INTO sessions SELECT * FROM sessions_old;"
	                 "DROP TABLE sessions_old;"
	                 "CREATE INDEX sessions_user ON sessions (user_id);"
	                 "UPDATE sessions SET service = NULL, tty = NULL, rhost = NULL");
	reopen(f);
	assert_int_equal(fio_store_session_list(f->st, -1, collect_sess, &x), FIO_STORE_OK);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.line[0], "alice||||9|0|1");
	raw_sql(f->path, "UPDATE sessions SET pid = 'x'");
	x.n = 0;
	assert_int_equal(fio_store_session_list(f->st, a, collect_sess, &x), FIO_STORE_ERR);
	assert_int_equal(x.n, 0);
	raw_sql(f->path, "UPDATE sessions SET pid = 9, started = NULL");
	assert_int_equal(fio_store_session_list(f->st, -1, collect_sess, &x), FIO_STORE_ERR);
	assert_int_equal(x.n, 0);
}

/* A deleted account takes everything of the policy with it. */
static void
test_user_del_forgets(void **state)
{
	struct fixture *f = *state;
	struct fio_session s = {.pid = 1, .started = 1};
	struct fio_policy_row row;
	struct fio_user u;
	int64_t a;

	a = add_user(f, "alice");
	assert_int_equal(fio_store_set_sso(f->st, a, 1), FIO_STORE_OK);
	assert_int_equal(fio_store_policy_add(f->st, a, "all", 1, 2), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_end(f->st, a, 3), FIO_STORE_OK);
	assert_int_equal(fio_store_pass_grant(f->st, a, 100), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, a, "192.0.2.1", 200), FIO_STORE_OK);
	assert_int_equal(fio_store_session_add(f->st, a, &s), FIO_STORE_OK);
	assert_int_equal(fio_store_user_del(f->st, "alice"), FIO_STORE_OK);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM policy_window"), 0);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM remembered"), 0);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM sessions"), 0);
	a = add_user(f, "alice");
	get(f, "alice", &u);
	assert_int_equal(u.sso, 0);
	assert_int_equal(u.pass_until, 0);
	assert_int_equal(u.must_enroll, 0);
	fio_user_clear(&u);
	assert_int_equal(fio_store_policy_get(f->st, a, "all", &row), FIO_STORE_NOTFOUND);
}

/* Every entry point refuses a NULL store. */
static void
test_null_store(void **state)
{
	struct fio_policy_row row;
	struct fio_session s = {.pid = 1};
	int64_t first;
	int created;

	(void)state;
	assert_int_equal(fio_store_set_sso(NULL, 1, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_set_suspended(NULL, 1, 1, "r"), FIO_STORE_ERR);
	assert_int_equal(fio_store_user_add_sso(NULL, "a", "", "", 1, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_policy_seen(NULL, "k", 1, &first, &created), FIO_STORE_ERR);
	assert_int_equal(fio_store_policy_get(NULL, 1, "k", &row), FIO_STORE_ERR);
	assert_int_equal(fio_store_policy_add(NULL, 1, "k", 1, 2), FIO_STORE_ERR);
	assert_int_equal(fio_store_policy_notified(NULL, 1, "k", 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_policy_due(NULL, 1, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_policy_list(NULL, collect_policy, NULL), FIO_STORE_ERR);
	assert_int_equal(fio_store_pass_grant(NULL, 1, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_pass_end(NULL, 1, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_pass_list(NULL, collect_pass, NULL), FIO_STORE_ERR);
	assert_int_equal(fio_store_remember_put(NULL, 1, "h", 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_remember_check(NULL, 1, "h", 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_remember_clear(NULL, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_session_add(NULL, 1, &s), FIO_STORE_ERR);
	assert_int_equal(fio_store_session_del(NULL, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_session_del_pid(NULL, 1, 1), FIO_STORE_ERR);
	assert_int_equal(fio_store_session_list(NULL, -1, collect_sess, NULL), FIO_STORE_ERR);
}

/* ---- the activity log (store.h events) ---------------------------------------- */

struct ev_seen {
	int n;
	char results[8][16];
	int64_t times[8];
	size_t reason_len;
};

static int
collect_event(const struct fio_event_rec *ev, void *ctx)
{
	struct ev_seen *e = ctx;

	if (e->n < 8) {
		snprintf(e->results[e->n], sizeof(e->results[0]), "%s", ev->result);
		e->times[e->n] = ev->time;
	}
	e->reason_len = strlen(ev->reason);
	e->n++;
	return 0;
}

static void
add_ev(struct fio_store *st, int64_t t, const char *user, const char *result)
{
	struct fio_event_rec ev = {.time = t,
	                           .user = user,
	                           .event = "auth",
	                           .service = "sshd",
	                           .rhost = "192.0.2.7",
	                           .result = result,
	                           .reason = "r"};

	assert_int_equal(fio_store_event_add(st, &ev, NULL), FIO_STORE_OK);
}

static void
test_events(void **state)
{
	struct fixture *f = *state;
	struct fio_event_last last;
	struct ev_seen e = {0};
	int64_t n = -1;

	add_ev(f->st, 100, "ann", "success");
	add_ev(f->st, 200, "ann", "failure");
	add_ev(f->st, 150, "bob", "failure"); /* someone else's */
	add_ev(f->st, 300, "ann", "locked");
	add_ev(f->st, 400, "ann", "unavailable"); /* not a failed attempt */
	assert_int_equal(fio_store_event_last_success(f->st, "ann", INT64_MAX, &last),
	                 FIO_STORE_OK);
	assert_int_equal(last.time, 100);
	assert_string_equal(last.service, "sshd");
	assert_string_equal(last.rhost, "192.0.2.7");
	assert_int_equal(fio_store_event_failures_since(f->st, "ann", last.id, &n), FIO_STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(fio_store_event_last_success(f->st, "ann", last.id, &last),
	                 FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_event_last_success(f->st, "bob", INT64_MAX, &last),
	                 FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_event_failures_since(f->st, "bob", 0, &n), FIO_STORE_OK);
	assert_int_equal(n, 1);
	/* oldest first; the newest `limit`; since */
	assert_int_equal(fio_store_event_list(f->st, "ann", 0, 10, collect_event, &e),
	                 FIO_STORE_OK);
	assert_int_equal(e.n, 4);
	assert_string_equal(e.results[0], "success");
	assert_string_equal(e.results[3], "unavailable");
	memset(&e, 0, sizeof(e));
	assert_int_equal(fio_store_event_list(f->st, "ann", 0, 2, collect_event, &e), FIO_STORE_OK);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.times[0], 300);
	assert_int_equal(e.times[1], 400);
	memset(&e, 0, sizeof(e));
	assert_int_equal(fio_store_event_list(f->st, "ann", 200, 10, collect_event, &e),
	                 FIO_STORE_OK);
	assert_int_equal(e.n, 3);
	/* prune: strictly older than `before` */
	assert_int_equal(fio_store_event_prune(f->st, 200, &n), FIO_STORE_OK);
	assert_int_equal(n, 2);
	memset(&e, 0, sizeof(e));
	assert_int_equal(fio_store_event_list(f->st, "ann", 0, 10, collect_event, &e),
	                 FIO_STORE_OK);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.times[0], 200);
}

static void
test_event_bounds(void **state)
{
	struct fixture *f = *state;
	struct ev_seen e = {0};
	char big[2000];
	struct fio_event_rec ev = {.time = 1, .user = "ann", .event = "auth", .reason = big};
	size_t i;

	/* 'a' then two-byte characters: a cut at 512 would split one */
	big[0] = 'a';
	for (i = 1; i + 2 < sizeof(big); i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	big[i] = '\0';
	assert_int_equal(fio_store_event_add(f->st, &ev, NULL), FIO_STORE_OK);
	assert_int_equal(fio_store_event_list(f->st, "ann", 0, 10, collect_event, &e),
	                 FIO_STORE_OK);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.reason_len, 511); /* 'a' + 255 whole characters */
	/* NULL fields are "" */
	ev.reason = NULL;
	assert_int_equal(fio_store_event_add(f->st, &ev, NULL), FIO_STORE_OK);
	assert_int_equal(fio_store_event_add(NULL, &ev, NULL), FIO_STORE_ERR);
	assert_int_equal(fio_store_event_list(NULL, "ann", 0, 1, collect_event, &e), FIO_STORE_ERR);
	assert_int_equal(fio_store_event_prune(NULL, 1, NULL), FIO_STORE_ERR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_sso, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bad_flags, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_policy_seen, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_policy_window, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_policy_notified, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_policy_due, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_policy_list, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pass_grant_list, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pass_end, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pass_end_atomic, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_enroll_clears, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_enroll_failed_keeps, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_enroll_label_clears, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_suspend, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_suspend_list, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_remember, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_remember_cap, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_remember_cascade, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_session_cap, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_session_cascade, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_session_untrusted_rows, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_user_del_forgets, setup, teardown),
	        cmocka_unit_test(test_null_store),
	        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_event_bounds, setup, teardown),
	};

	fio_log_init("test_store_policy", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
