/*
 * test_store.c - the SQLite store (helper/store_sqlite.c) against store.h:
 * file creation and refusals, users, enrolment, replay refusal, single-use
 * recovery codes, cascades, durability across a reopen, hostile names,
 * lockout counters and the schema migrations (1 -> 3, 2 -> 3, a failed one, a
 * newer schema). The mandatory-2FA functions are in test_store_policy.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"

#include "store_fixture.h"

static int
setup(void **state)
{
	return fixture_setup(state, "test_store", 0);
}

static void
open_ok(struct fixture *f)
{
	int rc = fio_store_open(f->path, &f->st, f->err, sizeof(f->err));

	if (rc != FIO_STORE_OK)
		fail_msg("open %s: %s", f->path, f->err);
	assert_non_null(f->st);
}

static void
reopen(struct fixture *f)
{
	fio_store_close(f->st);
	f->st = NULL;
	open_ok(f);
}

/* Opening must fail, leave *out NULL and explain itself. */
static void
open_refused(struct fixture *f, const char *path)
{
	struct fio_store *st = (struct fio_store *)0x1;

	assert_int_equal(fio_store_open(path, &st, f->err, sizeof(f->err)), FIO_STORE_ERR);
	assert_null(st);
	assert_true(f->err[0] != '\0');
	print_message("refused as expected: %s\n", f->err);
}

/* Runs one SQL statement directly on the file, as an attacker or an older
 * version would; returns the first integer column of the first row, or 0. */
static long long
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = 0;
	int r;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	r = sqlite3_step(s);
	assert_true(r == SQLITE_ROW || r == SQLITE_DONE);
	if (r == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return v;
}

static void
make_recs(struct fio_recovery_rec recs[FIO_RECOVERY_COUNT], unsigned char seed)
{
	uint32_t i;

	for (i = 0; i < FIO_RECOVERY_COUNT; i++) {
		recs[i].idx = i;
		recs[i].iterations = 1000 + i;
		memset(recs[i].salt, seed + (int)i, sizeof(recs[i].salt));
		memset(recs[i].hash, seed * 3 + (int)i, sizeof(recs[i].hash));
	}
}

static const unsigned char blob[] = "sealed-secret\x00\x01\xff";

/* Adds name and enrols it with recovery set `seed`; returns the user id. */
static int64_t
add_enrolled(struct fixture *f, const char *name, unsigned char seed)
{
	struct fio_recovery_rec recs[FIO_RECOVERY_COUNT];
	struct fio_user u;
	int64_t id;

	make_recs(recs, seed);
	assert_int_equal(fio_store_user_add(f->st, name, "", "", 1000), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, name, &u), FIO_STORE_OK);
	id = u.id;
	fio_user_clear(&u);
	assert_int_equal(fio_store_enroll(f->st, id, NULL, blob, sizeof(blob), 6, 30, 100, recs,
	                                  FIO_RECOVERY_COUNT),
	                 FIO_STORE_OK);
	return id;
}

/* The id of name's first authenticator (fio_store_totp_advance). */
static int64_t
tid(struct fixture *f, const char *name)
{
	struct fio_user u;
	int64_t id;

	assert_int_equal(fio_store_user_get(f->st, name, &u), FIO_STORE_OK);
	assert_true(u.ntotp > 0);
	id = u.totps[0].id;
	fio_user_clear(&u);
	return id;
}

static unsigned
left(struct fixture *f, const char *name)
{
	struct fio_user u;
	unsigned n;

	assert_int_equal(fio_store_user_get(f->st, name, &u), FIO_STORE_OK);
	n = u.recovery_left;
	fio_user_clear(&u);
	return n;
}

static void
test_open_creates_0600(void **state)
{
	struct fixture *f = *state;
	char wal[160];
	struct stat sb;
	mode_t old = umask(0);

	open_ok(f);
	assert_int_equal(fio_store_user_add(f->st, "alice", "", "", 1), FIO_STORE_OK);
	umask(old);
	assert_int_equal(lstat(f->path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_int_equal(lstat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), FIO_STORE_SCHEMA_VERSION);
}

struct names {
	char *v[8];
	int n;
	int stop_after;
};

static int
collect(const struct fio_user *u, void *ctx)
{
	struct names *ns = ctx;

	assert_true(ns->n < 8);
	ns->v[ns->n++] = strdup(u->name);
	return ns->n == ns->stop_after ? 7 : 0;
}

static void
names_free(struct names *ns)
{
	while (ns->n > 0)
		free(ns->v[--ns->n]);
}

static void
test_users(void **state)
{
	struct fixture *f = *state;
	struct names ns = {.stop_after = -1};
	struct fio_user u;

	open_ok(f);
	assert_int_equal(fio_store_user_add(f->st, "bob", NULL, NULL, 20), FIO_STORE_OK);
	assert_int_equal(fio_store_user_add(f->st, "alice", "a@example.org", "$y$x", 10),
	                 FIO_STORE_OK);
	assert_int_equal(fio_store_user_add(f->st, "alice", "", "", 11), FIO_STORE_EXISTS);

	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.email, "a@example.org");
	assert_string_equal(u.pwhash, "$y$x");
	assert_int_equal(u.created, 10);
	assert_null(u.totp_blob);
	assert_int_equal(u.totp_last_step, -1);
	assert_int_equal(u.recovery_left, 0);
	fio_user_clear(&u);
	assert_null(u.name);

	assert_int_equal(fio_store_user_get(f->st, "bob", &u), FIO_STORE_OK);
	assert_string_equal(u.email, "");
	assert_string_equal(u.pwhash, "");
	fio_user_clear(&u);
	assert_int_equal(fio_store_user_get(f->st, "carol", &u), FIO_STORE_NOTFOUND);
	assert_null(u.name);
	assert_int_equal(fio_store_user_get(f->st, "Alice", &u), FIO_STORE_NOTFOUND);

	assert_int_equal(fio_store_user_list(f->st, collect, &ns), FIO_STORE_OK);
	assert_int_equal(ns.n, 2);
	assert_string_equal(ns.v[0], "alice");
	assert_string_equal(ns.v[1], "bob");
	names_free(&ns);
	ns.stop_after = 1;
	assert_int_equal(fio_store_user_list(f->st, collect, &ns), 7);
	assert_int_equal(ns.n, 1);
	names_free(&ns);

	assert_int_equal(fio_store_user_del(f->st, "bob"), FIO_STORE_OK);
	assert_int_equal(fio_store_user_del(f->st, "bob"), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_user_get(f->st, "bob", &u), FIO_STORE_NOTFOUND);
	ns.stop_after = -1;
	assert_int_equal(fio_store_user_list(f->st, collect, &ns), FIO_STORE_OK);
	assert_int_equal(ns.n, 1);
	names_free(&ns);
}

static void
test_set_password(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;

	open_ok(f);
	assert_int_equal(fio_store_user_add(f->st, "alice", "", "", 1), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(fio_store_set_password(f->st, u.id, "$y$new"), FIO_STORE_OK);
	assert_int_equal(fio_store_set_password(f->st, u.id + 1000, "$y$new"), FIO_STORE_NOTFOUND);
	fio_user_clear(&u);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_string_equal(u.pwhash, "$y$new");
	fio_user_clear(&u);
}

static void
test_enroll(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec recs[FIO_RECOVERY_COUNT];
	struct fio_user u;
	int64_t id;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.id, id);
	assert_non_null(u.totp_blob);
	assert_int_equal(u.totp_blob_len, sizeof(blob));
	assert_memory_equal(u.totp_blob, blob, sizeof(blob));
	assert_int_equal(u.totp_digits, 6);
	assert_int_equal(u.totp_period, 30);
	assert_int_equal(u.totp_last_step, 100);
	assert_int_equal(u.recovery_left, 10);
	fio_user_clear(&u);

	/* no such user: the foreign key refuses it, nothing is stored */
	make_recs(recs, 9);
	assert_int_equal(fio_store_enroll(f->st, id + 1000, NULL, blob, sizeof(blob), 6, 30, 1,
	                                  recs, FIO_RECOVERY_COUNT),
	                 FIO_STORE_ERR);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM recovery"), 10);
	/* a duplicate index rolls the whole enrolment back */
	recs[5].idx = 4;
	assert_int_equal(
	        fio_store_enroll(f->st, id, NULL, blob, 3, 8, 60, 500, recs, FIO_RECOVERY_COUNT),
	        FIO_STORE_ERR);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.totp_blob_len, sizeof(blob));
	assert_int_equal(u.totp_last_step, 100);
	fio_user_clear(&u);
	/* and the store still works after the rollback */
	assert_int_equal(fio_store_totp_advance(f->st, tid(f, "alice"), 101), FIO_STORE_OK);
}

static void
test_totp_advance(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;
	int64_t id;
	int64_t other;

	open_ok(f);
	add_enrolled(f, "alice", 1);
	id = tid(f, "alice");
	assert_int_equal(fio_store_totp_advance(f->st, id, 100), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_totp_advance(f->st, id, 99), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_totp_advance(f->st, id, -5), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_totp_advance(f->st, id, 101), FIO_STORE_OK);
	assert_int_equal(fio_store_totp_advance(f->st, id, 101), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_totp_advance(f->st, id, 200), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.totp_last_step, 200);
	fio_user_clear(&u);
	/* a user without an authenticator never advances: no id to advance */
	assert_int_equal(fio_store_user_add(f->st, "bob", "", "", 1), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, "bob", &u), FIO_STORE_OK);
	other = u.id;
	assert_int_equal(u.ntotp, 0);
	fio_user_clear(&u);
	assert_int_equal(fio_store_totp_advance(f->st, other, 1), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_totp_advance(f->st, id + 1000, 1), FIO_STORE_NOTFOUND);
}

static void
test_recovery_once(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec want[FIO_RECOVERY_COUNT];
	struct fio_recovery_rec rec;
	int64_t id;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	make_recs(want, 1);
	assert_int_equal(fio_store_recovery_get(f->st, id, 3, &rec), FIO_STORE_OK);
	assert_int_equal(rec.idx, 3);
	assert_int_equal(rec.iterations, want[3].iterations);
	assert_memory_equal(rec.salt, want[3].salt, sizeof(rec.salt));
	assert_memory_equal(rec.hash, want[3].hash, sizeof(rec.hash));
	assert_int_equal(fio_store_recovery_get(f->st, id, 42, &rec), FIO_STORE_NOTFOUND);

	assert_int_equal(fio_store_recovery_consume(f->st, id, 3, 5000), FIO_STORE_OK);
	assert_int_equal(fio_store_recovery_consume(f->st, id, 3, 5001), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_recovery_get(f->st, id, 3, &rec), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_recovery_consume(f->st, id, 42, 5001), FIO_STORE_NOTFOUND);
	assert_int_equal(left(f, "alice"), 9);
	assert_int_equal(fio_store_recovery_consume(f->st, id, 0, 5002), FIO_STORE_OK);
	assert_int_equal(left(f, "alice"), 8);
	assert_int_equal(raw_sql(f->path, "SELECT used_at FROM recovery WHERE idx = 3"), 5000);
}

static void
test_recovery_replace(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec fresh[FIO_RECOVERY_COUNT];
	struct fio_recovery_rec rec;
	int64_t id;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	assert_int_equal(fio_store_recovery_consume(f->st, id, 0, 5000), FIO_STORE_OK);
	assert_int_equal(left(f, "alice"), 9);
	make_recs(fresh, 77);
	assert_int_equal(fio_store_recovery_replace(f->st, id, fresh, FIO_RECOVERY_COUNT),
	                 FIO_STORE_OK);
	assert_int_equal(left(f, "alice"), 10);
	/* every index now holds the new code only: the old ones are gone */
	assert_int_equal(fio_store_recovery_get(f->st, id, 0, &rec), FIO_STORE_OK);
	assert_memory_equal(rec.hash, fresh[0].hash, sizeof(rec.hash));
	assert_int_equal(fio_store_recovery_get(f->st, id, 9, &rec), FIO_STORE_OK);
	assert_memory_equal(rec.salt, fresh[9].salt, sizeof(rec.salt));
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM recovery"), 10);
	/* an empty set leaves none */
	assert_int_equal(fio_store_recovery_replace(f->st, id, NULL, 0), FIO_STORE_OK);
	assert_int_equal(left(f, "alice"), 0);
}

static void
test_unenroll(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec rec;
	struct fio_user u;
	int64_t id;

	int64_t t;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	add_enrolled(f, "bob", 2);
	t = tid(f, "alice");
	assert_int_equal(fio_store_unenroll(f->st, id), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_null(u.totp_blob);
	assert_int_equal(u.totp_last_step, -1);
	assert_int_equal(u.recovery_left, 0);
	assert_int_equal(u.ntotp, 0);
	fio_user_clear(&u);
	assert_int_equal(fio_store_totp_advance(f->st, t, 1000), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_recovery_get(f->st, id, 1, &rec), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_recovery_consume(f->st, id, 1, 1), FIO_STORE_NOTFOUND);
	assert_int_equal(left(f, "bob"), 10); /* others untouched */
}

static const unsigned char blob2[] = "second-phone";

/* Enrols one more authenticator of name under label, keeping the codes. */
static void
add_label(struct fixture *f, int64_t id, const char *label, const unsigned char *b, size_t n,
          int64_t last_step)
{
	assert_int_equal(fio_store_enroll(f->st, id, label, b, n, 6, 30, last_step, NULL, 0),
	                 FIO_STORE_OK);
}

struct totp_counts {
	size_t n[8];
	int users;
};

static int
count_totps(const struct fio_user *u, void *ctx)
{
	struct totp_counts *x = ctx;

	assert_true(x->users < 8);
	x->n[x->users++] = u->ntotp;
	if (u->ntotp > 0) {
		assert_non_null(u->totp_blob);
		assert_int_equal(u->totp_blob_len, u->totps[0].blob_len);
		assert_memory_equal(u->totp_blob, u->totps[0].blob, u->totp_blob_len);
	}
	return 0;
}

/* Two authenticators: both listed in id order, the first is the legacy view;
 * each advances alone; replacing one keeps the other, its step and the
 * recovery codes. */
static void
test_two_labels(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec fresh[FIO_RECOVERY_COUNT];
	struct totp_counts x = {.users = 0};
	struct fio_user u;
	int64_t id, t1, t2;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	add_enrolled(f, "bob", 2);
	add_label(f, id, "phone2", blob2, sizeof(blob2), 7);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.ntotp, 2);
	assert_string_equal(u.totps[0].label, "default");
	assert_string_equal(u.totps[1].label, "phone2");
	assert_true(u.totps[0].id < u.totps[1].id);
	assert_memory_equal(u.totps[1].blob, blob2, sizeof(blob2));
	assert_int_equal(u.totps[1].last_step, 7);
	assert_int_equal(u.totps[0].last_step, 100);
	assert_memory_equal(u.totp_blob, blob, sizeof(blob)); /* the first one */
	assert_int_equal(u.totp_last_step, 100);
	assert_int_equal(u.recovery_left, 10); /* kept: recs NULL */
	t1 = u.totps[0].id;
	t2 = u.totps[1].id;
	fio_user_clear(&u);
	assert_int_equal(u.ntotp, 0);
	/* the list has both authenticators of alice and bob's one */
	assert_int_equal(fio_store_user_list(f->st, count_totps, &x), FIO_STORE_OK);
	assert_int_equal(x.users, 2);
	assert_int_equal(x.n[0], 2);
	assert_int_equal(x.n[1], 1);

	/* each has its own last step */
	assert_int_equal(fio_store_totp_advance(f->st, t2, 50), FIO_STORE_OK);
	assert_int_equal(fio_store_totp_advance(f->st, t2, 50), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_totp_advance(f->st, t1, 50), FIO_STORE_NOTFOUND); /* < 100 */
	assert_int_equal(fio_store_totp_advance(f->st, t1, 101), FIO_STORE_OK);

	/* replacing "default" keeps its id, phone2 with its step, and the codes */
	assert_int_equal(fio_store_recovery_consume(f->st, id, 0, 5), FIO_STORE_OK);
	add_label(f, id, "default", blob2, 5, -1);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.ntotp, 2);
	assert_int_equal(u.totps[0].id, t1);
	assert_int_equal(u.totps[0].blob_len, 5);
	assert_int_equal(u.totps[0].last_step, -1);
	assert_int_equal(u.totps[1].id, t2);
	assert_memory_equal(u.totps[1].blob, blob2, sizeof(blob2));
	assert_int_equal(u.totps[1].last_step, 50);
	assert_int_equal(u.recovery_left, 9);
	fio_user_clear(&u);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM totp"), 3);
	/* with codes: they are replaced */
	make_recs(fresh, 40);
	assert_int_equal(fio_store_enroll(f->st, id, "phone2", blob, sizeof(blob), 8, 60, 3, fresh,
	                                  FIO_RECOVERY_COUNT),
	                 FIO_STORE_OK);
	assert_int_equal(left(f, "alice"), 10);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.totps[1].digits, 8);
	assert_int_equal(u.totps[1].period, 60);
	assert_int_equal(u.totps[1].last_step, 3);
	fio_user_clear(&u);
	/* survives a reopen */
	reopen(f);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.ntotp, 2);
	fio_user_clear(&u);
	assert_int_equal(left(f, "bob"), 10); /* others untouched */
}

static void
test_label_valid(void **state)
{
	struct fixture *f = *state;
	int64_t id;

	assert_true(fio_totp_label_valid("default"));
	assert_true(fio_totp_label_valid("Phone-2.old_x"));
	assert_true(fio_totp_label_valid("a"));
	assert_true(fio_totp_label_valid("12345678901234567890123456789012"));
	assert_false(fio_totp_label_valid("123456789012345678901234567890123"));
	assert_false(fio_totp_label_valid(""));
	assert_false(fio_totp_label_valid(NULL));
	assert_false(fio_totp_label_valid("a b"));
	assert_false(fio_totp_label_valid("a,b"));
	assert_false(fio_totp_label_valid("t\xc3\xa9l"));
	assert_false(fio_totp_label_valid("x'); DROP TABLE totp;--"));
	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	assert_int_equal(fio_store_enroll(f->st, id, "a b", blob, sizeof(blob), 6, 30, 1, NULL, 0),
	                 FIO_STORE_ERR);
	assert_int_equal(fio_store_enroll(f->st, id, "", blob, sizeof(blob), 6, 30, 1, NULL, 0),
	                 FIO_STORE_ERR);
	assert_int_equal(fio_store_unenroll_one(f->st, id, "a b"), FIO_STORE_ERR);
	assert_int_equal(fio_store_unenroll_one(f->st, id, NULL), FIO_STORE_ERR);
	/* codes without recs */
	assert_int_equal(fio_store_enroll(f->st, id, "x", blob, sizeof(blob), 6, 30, 1, NULL, 3),
	                 FIO_STORE_ERR);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM totp"), 1);
}

/* At most FIO_TOTP_PER_USER_MAX per account: a new label beyond is EXISTS and
 * writes nothing; replacing one of them still works. */
static void
test_totp_max(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec recs[FIO_RECOVERY_COUNT];
	char label[16];
	int64_t id, other;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	other = add_enrolled(f, "bob", 2);
	for (int i = 2; i <= FIO_TOTP_PER_USER_MAX; i++) {
		snprintf(label, sizeof(label), "phone%d", i);
		add_label(f, id, label, blob2, sizeof(blob2), i);
	}
	make_recs(recs, 50);
	assert_int_equal(fio_store_enroll(f->st, id, "phone6", blob2, sizeof(blob2), 6, 30, 1, recs,
	                                  FIO_RECOVERY_COUNT),
	                 FIO_STORE_EXISTS);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM totp WHERE user_id = 1"),
	                 FIO_TOTP_PER_USER_MAX);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM totp WHERE label = 'phone6'"), 0);
	assert_int_equal(left(f, "alice"), 10);
	/* replacing at the limit is fine */
	add_label(f, id, "phone3", blob, sizeof(blob), 9);
	assert_int_equal(fio_store_enroll(f->st, id, NULL, blob2, sizeof(blob2), 6, 30, 9, recs,
	                                  FIO_RECOVERY_COUNT),
	                 FIO_STORE_OK);
	/* the limit is per account */
	add_label(f, other, "phone2", blob2, sizeof(blob2), 1);
}

/* unenroll_one: only that label; the codes go with the last one. */
static void
test_unenroll_one(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;
	int64_t id;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	add_enrolled(f, "bob", 2);
	add_label(f, id, "phone2", blob2, sizeof(blob2), 7);
	assert_int_equal(fio_store_unenroll_one(f->st, id, "nope"), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_unenroll_one(f->st, id, "default"), FIO_STORE_OK);
	assert_int_equal(fio_store_unenroll_one(f->st, id, "default"), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.ntotp, 1);
	assert_string_equal(u.totps[0].label, "phone2");
	/* the legacy view is now phone2 */
	assert_memory_equal(u.totp_blob, blob2, sizeof(blob2));
	assert_int_equal(u.totp_last_step, 7);
	assert_int_equal(u.recovery_left, 10);
	fio_user_clear(&u);
	assert_int_equal(fio_store_unenroll_one(f->st, id, "phone2"), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.ntotp, 0);
	assert_null(u.totp_blob);
	assert_int_equal(u.recovery_left, 0);
	fio_user_clear(&u);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM recovery WHERE user_id = 1"), 0);
	assert_int_equal(fio_store_unenroll_one(f->st, id, "phone2"), FIO_STORE_NOTFOUND);
	assert_int_equal(left(f, "bob"), 10);
	/* bob's one authenticator by label: the last, codes go */
	assert_int_equal(fio_store_unenroll_one(f->st, id + 1, "default"), FIO_STORE_OK);
	assert_int_equal(left(f, "bob"), 0);
}

static void
test_user_del_cascades(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;

	open_ok(f);
	add_enrolled(f, "alice", 1);
	add_enrolled(f, "bob", 2);
	assert_int_equal(fio_store_user_del(f->st, "alice"), FIO_STORE_OK);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM totp"), 1);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM recovery"), 10);
	/* the name is free again and comes back with nothing attached */
	assert_int_equal(fio_store_user_add(f->st, "alice", "", "", 2), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_null(u.totp_blob);
	assert_int_equal(u.recovery_left, 0);
	fio_user_clear(&u);
}

static void
test_reopen_keeps_everything(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec rec;
	struct fio_user u;
	int64_t id;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	assert_int_equal(fio_store_set_password(f->st, id, "$y$pw"), FIO_STORE_OK);
	assert_int_equal(fio_store_totp_advance(f->st, tid(f, "alice"), 150), FIO_STORE_OK);
	assert_int_equal(fio_store_recovery_consume(f->st, id, 2, 9), FIO_STORE_OK);
	reopen(f);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_string_equal(u.pwhash, "$y$pw");
	assert_int_equal(u.totp_blob_len, sizeof(blob));
	assert_memory_equal(u.totp_blob, blob, sizeof(blob));
	assert_int_equal(u.totp_last_step, 150);
	assert_int_equal(u.recovery_left, 9);
	fio_user_clear(&u);
	assert_int_equal(fio_store_totp_advance(f->st, tid(f, "alice"), 150), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_recovery_get(f->st, id, 2, &rec), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_recovery_consume(f->st, id, 2, 10), FIO_STORE_NOTFOUND);
}

static void
test_migration_idempotent(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;

	open_ok(f);
	add_label(f, add_enrolled(f, "alice", 1), "phone2", blob2, sizeof(blob2), 3);
	fio_store_close(f->st);
	f->st = NULL;
	/* as if a migration had been interrupted after its tables existed */
	raw_sql(f->path, "PRAGMA user_version = 0");
	open_ok(f);
	assert_int_equal(left(f, "alice"), 10);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.ntotp, 2);
	assert_string_equal(u.totps[1].label, "phone2");
	fio_user_clear(&u);
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), FIO_STORE_SCHEMA_VERSION);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	char want[64];

	open_ok(f);
	fio_store_close(f->st);
	f->st = NULL;
	raw_sql(f->path, "PRAGMA user_version = 99");
	open_refused(f, f->path);
	assert_non_null(strstr(f->err, "99"));
	snprintf(want, sizeof(want), "(%d)", FIO_STORE_SCHEMA_VERSION);
	assert_non_null(strstr(f->err, want));
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), 99);
}

static void
write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
}

static void
test_garbage_refused(void **state)
{
	struct fixture *f = *state;
	static unsigned char junk[16384];
	static unsigned char after[sizeof(junk) + 1];
	int fd;

	assert_int_equal(getrandom(junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	write_file(f->path, junk, sizeof(junk));
	open_refused(f, f->path);
	/* never treated as empty: the bytes are untouched */
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, after, sizeof(after)), (ssize_t)sizeof(junk));
	assert_int_equal(close(fd), 0);
	assert_memory_equal(after, junk, sizeof(junk));
}

static void
test_empty_file_refused(void **state)
{
	struct fixture *f = *state;
	struct stat sb;

	write_file(f->path, "", 0);
	open_refused(f, f->path);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
}

static void
test_hostile_names(void **state)
{
	static const char *const names[] = {
	        "o'brien",  "\"quoted\"", "'; DROP TABLE users;--", "x'); DELETE FROM totp;--",
	        "a\\b%s%n", "?1",
	};
	struct fixture *f = *state;
	struct names ns = {.stop_after = -1};
	struct fio_user u;
	size_t i;

	open_ok(f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(fio_store_user_add(f->st, names[i], names[i], names[i], 1),
		                 FIO_STORE_OK);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(fio_store_user_get(f->st, names[i], &u), FIO_STORE_OK);
		assert_string_equal(u.name, names[i]);
		assert_string_equal(u.email, names[i]);
		assert_string_equal(u.pwhash, names[i]);
		fio_user_clear(&u);
	}
	assert_int_equal(fio_store_user_list(f->st, collect, &ns), FIO_STORE_OK);
	assert_int_equal(ns.n, (int)(sizeof(names) / sizeof(names[0])));
	names_free(&ns);
	assert_int_equal(fio_store_user_del(f->st, "'; DROP TABLE users;--"), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, "o'brien", &u), FIO_STORE_OK);
	fio_user_clear(&u);
	assert_int_equal(fio_store_user_get(f->st, "' OR '1'='1", &u), FIO_STORE_NOTFOUND);
}

static void
test_symlink_refused(void **state)
{
	struct fixture *f = *state;
	char link[160];
	char dangling[160];
	char target[160];
	struct stat sb;

	open_ok(f);
	fio_store_close(f->st);
	f->st = NULL;
	snprintf(link, sizeof(link), "%s/link.db", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	open_refused(f, link);

	snprintf(dangling, sizeof(dangling), "%s/dangling.db", f->dir);
	snprintf(target, sizeof(target), "%s/elsewhere.db", f->dir);
	assert_int_equal(symlink(target, dangling), 0);
	open_refused(f, dangling);
	assert_int_equal(lstat(target, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_directory_refused(void **state)
{
	struct fixture *f = *state;

	open_refused(f, f->dir);
}

/* Two helpers on one file: each single-use write has exactly one winner. */
static void
test_two_handles_one_winner(void **state)
{
	struct fixture *f = *state;
	struct fio_recovery_rec rec;
	struct fio_store *other = NULL;
	int64_t id;

	open_ok(f);
	id = add_enrolled(f, "alice", 1);
	assert_int_equal(fio_store_open(f->path, &other, f->err, sizeof(f->err)), FIO_STORE_OK);
	/* both saw the code unused and the step at 100 */
	assert_int_equal(fio_store_recovery_get(f->st, id, 4, &rec), FIO_STORE_OK);
	assert_int_equal(fio_store_recovery_get(other, id, 4, &rec), FIO_STORE_OK);
	assert_int_equal(fio_store_recovery_consume(other, id, 4, 1), FIO_STORE_OK);
	assert_int_equal(fio_store_recovery_consume(f->st, id, 4, 2), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_totp_advance(f->st, tid(f, "alice"), 101), FIO_STORE_OK);
	assert_int_equal(fio_store_totp_advance(other, tid(f, "alice"), 101), FIO_STORE_NOTFOUND);
	assert_int_equal(left(f, "alice"), 9);
	fio_store_close(other);
}

/* ---- lockout ------------------------------------------------------------------ */

static const struct fio_lock_params lp = {.max_failures = 5, .interval = 900, .unlock_after = 600};

static int64_t
add_plain(struct fixture *f, const char *name)
{
	struct fio_user u;
	int64_t id;

	assert_int_equal(fio_store_user_add(f->st, name, "", "$y$x", 1000), FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, name, &u), FIO_STORE_OK);
	id = u.id;
	fio_user_clear(&u);
	return id;
}

/* n attempts at now, each counted and then failed (second_factor sf). */
static void
fail_n(struct fio_store *st, int64_t id, unsigned n, int64_t now, int sf)
{
	struct fio_lock l;
	int engaged = -1;

	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(fio_store_lock_begin(st, id, now, &lp, &l, &engaged),
		                 FIO_STORE_OK);
		assert_int_equal(engaged, 0);
		(void)fio_store_lock_fail(st, id, now, &lp, sf, NULL);
	}
}

static void
test_lock_threshold(void **state)
{
	struct fixture *f = *state;
	struct fio_lock l;
	int64_t id;
	int engaged;

	open_ok(f);
	id = add_plain(f, "alice");
	assert_int_equal(fio_store_lock_get(f->st, id, &l), FIO_STORE_OK);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.locked_until, 0);
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(fio_store_lock_begin(f->st, id, 1000 + i, &lp, &l, &engaged),
		                 FIO_STORE_OK);
		assert_int_equal(l.failures, i); /* counted before anything is verified */
		assert_int_equal(fio_store_lock_fail(f->st, id, 1000 + i, &lp, 0, &l),
		                 i < 5 ? FIO_STORE_OK : FIO_STORE_LOCKED);
	}
	assert_int_equal(l.locked_until, 1005 + 600);
	/* locked: refused, nothing counted, nothing changed */
	assert_int_equal(fio_store_lock_begin(f->st, id, 1200, &lp, &l, &engaged),
	                 FIO_STORE_LOCKED);
	assert_int_equal(engaged, 0);
	assert_int_equal(l.failures, 5);
	assert_int_equal(l.locked_until, 1605);
	/* persists across a reopen */
	reopen(f);
	assert_int_equal(fio_store_lock_begin(f->st, id, 1604, &lp, &l, NULL), FIO_STORE_LOCKED);
	/* the cool-down is over: counting starts afresh */
	assert_int_equal(fio_store_lock_begin(f->st, id, 1605, &lp, &l, NULL), FIO_STORE_OK);
	assert_int_equal(l.failures, 1);
	assert_int_equal(l.locked_until, 0);
	assert_int_equal(l.window_start, 1605);
}

static void
test_lock_window(void **state)
{
	struct fixture *f = *state;
	struct fio_lock l;
	int64_t id;

	open_ok(f);
	id = add_plain(f, "alice");
	fail_n(f->st, id, 4, 1000, 0);
	/* the window [1000, 1900) ends: the four failures no longer count */
	assert_int_equal(fio_store_lock_begin(f->st, id, 1899, &lp, &l, NULL), FIO_STORE_OK);
	assert_int_equal(l.failures, 5);
	assert_int_equal(fio_store_lock_success(f->st, id, 1), FIO_STORE_OK);
	fail_n(f->st, id, 4, 2000, 0);
	assert_int_equal(fio_store_lock_begin(f->st, id, 2900, &lp, &l, NULL), FIO_STORE_OK);
	assert_int_equal(l.failures, 1);
	assert_int_equal(l.window_start, 2900);
}

/* An attempt at the threshold that never ends (crash, hang-up): the next one
 * engages the lock. Many attempts at failures 4 of 5: exactly one goes on,
 * also through a second handle (another helper on the same file). */
static void
test_lock_parallel(void **state)
{
	struct fixture *f = *state;
	struct fio_store *other = NULL;
	struct fio_lock l;
	int64_t id;
	int ok = 0, engaged_total = 0, engaged;

	open_ok(f);
	id = add_plain(f, "alice");
	assert_int_equal(fio_store_open(f->path, &other, f->err, sizeof(f->err)), FIO_STORE_OK);
	fail_n(f->st, id, 4, 1000, 0);
	for (int i = 0; i < 50; i++) {
		int r = fio_store_lock_begin(i % 2 ? other : f->st, id, 1001, &lp, &l, &engaged);

		assert_true(r == FIO_STORE_OK || r == FIO_STORE_LOCKED);
		ok += r == FIO_STORE_OK;
		engaged_total += engaged;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(engaged_total, 1);
	assert_int_equal(fio_store_lock_get(other, id, &l), FIO_STORE_OK);
	assert_int_equal(l.failures, 5);
	assert_int_equal(l.locked_until, 1601);
	/* the one that went on fails: the lock is already running, not extended */
	assert_int_equal(fio_store_lock_fail(f->st, id, 1002, &lp, 1, &l), FIO_STORE_OK);
	assert_int_equal(l.locked_until, 1601);
	assert_int_equal(l.consecutive, 1);
	fio_store_close(other);
}

static void
test_lock_consecutive(void **state)
{
	struct fixture *f = *state;
	struct fio_lock l;
	int64_t id;

	open_ok(f);
	id = add_plain(f, "alice");
	fail_n(f->st, id, 3, 1000, 1);
	assert_int_equal(fio_store_lock_get(f->st, id, &l), FIO_STORE_OK);
	assert_int_equal(l.consecutive, 3);
	assert_int_equal(l.failures, 3);
	/* a password-only success resets the failures, not the hard-cap count */
	assert_int_equal(fio_store_lock_success(f->st, id, 0), FIO_STORE_OK);
	assert_int_equal(fio_store_lock_get(f->st, id, &l), FIO_STORE_OK);
	assert_int_equal(l.failures, 0);
	assert_int_equal(l.consecutive, 3);
	/* a wrong password does not count as a second-factor failure */
	fail_n(f->st, id, 1, 1100, 0);
	assert_int_equal(fio_store_lock_get(f->st, id, &l), FIO_STORE_OK);
	assert_int_equal(l.consecutive, 3);
	/* cool-downs do not reset it either */
	fail_n(f->st, id, 4, 1100, 1);
	assert_int_equal(fio_store_lock_begin(f->st, id, 5000, &lp, &l, NULL), FIO_STORE_OK);
	assert_int_equal(l.consecutive, 7);
	assert_int_equal(fio_store_lock_success(f->st, id, 1), FIO_STORE_OK);
	assert_int_equal(fio_store_lock_get(f->st, id, &l), FIO_STORE_OK);
	assert_int_equal(l.consecutive, 0);
	assert_int_equal(l.failures, 0);
}

struct lock_names {
	char names[8][16];
	unsigned n;
};

static int
collect_lock(const char *name, const struct fio_lock *l, void *ctx)
{
	struct lock_names *x = ctx;

	(void)l;
	assert_true(x->n < 8);
	snprintf(x->names[x->n++], sizeof(x->names[0]), "%s", name);
	return 0;
}

static void
test_lock_list_clear_del(void **state)
{
	struct fixture *f = *state;
	struct lock_names x = {.n = 0};
	struct fio_lock l;
	int64_t a, b, c, d;

	open_ok(f);
	d = add_plain(f, "dave");
	c = add_plain(f, "carol");
	b = add_plain(f, "bob");
	a = add_plain(f, "alice");
	fail_n(f->st, a, 5, 1000, 0); /* locked until 1600 */
	fail_n(f->st, b, 2, 1000, 0); /* in the window until 1900 */
	fail_n(f->st, c, 1, 100, 1);  /* window over, one second-factor failure */
	fail_n(f->st, d, 2, 100, 0);  /* window over: idle */
	assert_int_equal(fio_store_lock_list(f->st, 1500, lp.interval, collect_lock, &x),
	                 FIO_STORE_OK);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.names[0], "alice");
	assert_string_equal(x.names[1], "bob");
	assert_string_equal(x.names[2], "carol");
	/* later: alice's lock and bob's window are over */
	x.n = 0;
	assert_int_equal(fio_store_lock_list(f->st, 1900, lp.interval, collect_lock, &x),
	                 FIO_STORE_OK);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.names[0], "carol");
	assert_int_equal(fio_store_lock_clear(f->st, c), FIO_STORE_OK);
	assert_int_equal(fio_store_lock_get(f->st, c, &l), FIO_STORE_OK);
	assert_int_equal(l.consecutive, 0);
	assert_int_equal(l.failures, 0);
	assert_int_equal(fio_store_lock_clear(f->st, a), FIO_STORE_OK);
	assert_int_equal(fio_store_lock_begin(f->st, a, 1200, &lp, &l, NULL), FIO_STORE_OK);
	/* the row goes with the user; a user that is gone cannot be counted */
	assert_int_equal(fio_store_user_del(f->st, "bob"), FIO_STORE_OK);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM lockout WHERE user_id = 3"), 0);
	assert_int_equal(fio_store_lock_begin(f->st, b, 1200, &lp, &l, NULL), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_lock_fail(f->st, b, 1200, &lp, 0, NULL), FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_lock_success(f->st, b, 1), FIO_STORE_OK);
}

/* A damaged row is an error, never "no failures". */
static void
test_lock_bad_row(void **state)
{
	struct fixture *f = *state;
	struct fio_lock l;
	int64_t id;

	open_ok(f);
	id = add_plain(f, "alice");
	fail_n(f->st, id, 1, 1000, 0);
	raw_sql(f->path, "UPDATE lockout SET failures = 'x'");
	assert_int_equal(fio_store_lock_get(f->st, id, &l), FIO_STORE_ERR);
	assert_int_equal(fio_store_lock_begin(f->st, id, 1000, &lp, &l, NULL), FIO_STORE_ERR);
	raw_sql(f->path, "UPDATE lockout SET failures = -1");
	assert_int_equal(fio_store_lock_begin(f->st, id, 1000, &lp, &l, NULL), FIO_STORE_ERR);
	/* and the store still works afterwards (no transaction left open) */
	raw_sql(f->path, "UPDATE lockout SET failures = 2");
	assert_int_equal(fio_store_lock_begin(f->st, id, 1000, &lp, &l, NULL), FIO_STORE_OK);
	assert_int_equal(l.failures, 3);
}

/* A store written by schema version 1 (before lockout) is migrated in place. */
static void
test_migration_v1(void **state)
{
	struct fixture *f = *state;
	static const char v1[] =
	        "PRAGMA journal_mode = WAL;"
	        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	        " email TEXT NOT NULL DEFAULT '', pwhash TEXT NOT NULL DEFAULT '',"
	        " created INTEGER NOT NULL);"
	        "CREATE TABLE totp (user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE "
	        "CASCADE, blob BLOB NOT NULL, digits INTEGER NOT NULL, period INTEGER NOT NULL,"
	        " last_step INTEGER NOT NULL);"
	        "CREATE TABLE recovery (user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE "
	        "CASCADE, idx INTEGER NOT NULL, iterations INTEGER NOT NULL, salt BLOB NOT NULL,"
	        " hash BLOB NOT NULL, used_at INTEGER, PRIMARY KEY (user_id, idx));"
	        "INSERT INTO users (id, name, email, pwhash, created)"
	        " VALUES (7, 'olga', 'o@example.org', '$y$old', 42);"
	        "INSERT INTO totp VALUES (7, x'0102', 6, 30, 99);"
	        "PRAGMA user_version = 1;";
	sqlite3 *db = NULL;
	struct fio_user u;
	struct fio_lock l;

	assert_int_equal(
	        sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), 1);
	open_ok(f);
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), FIO_STORE_SCHEMA_VERSION);
	assert_int_equal(fio_store_user_get(f->st, "olga", &u), FIO_STORE_OK);
	assert_int_equal(u.id, 7);
	assert_string_equal(u.pwhash, "$y$old");
	assert_int_equal(u.totp_last_step, 99);
	fio_user_clear(&u);
	assert_int_equal(fio_store_lock_get(f->st, 7, &l), FIO_STORE_OK);
	assert_int_equal(l.failures, 0);
	fail_n(f->st, 7, 5, 1000, 0);
	assert_int_equal(fio_store_lock_begin(f->st, 7, 1001, &lp, &l, NULL), FIO_STORE_LOCKED);
	reopen(f); /* already current: nothing to do */
	assert_int_equal(fio_store_lock_begin(f->st, 7, 1001, &lp, &l, NULL), FIO_STORE_LOCKED);
	/* the padding write for names that are not users; every counted failure
	 * bumps it too (the five above), so that each costs a changed row */
	assert_int_equal(fio_store_lock_pad(f->st), FIO_STORE_OK);
	assert_int_equal(fio_store_lock_pad(f->st), FIO_STORE_OK);
	assert_int_equal(raw_sql(f->path, "SELECT n FROM lockout_pad WHERE id = 1"), 5 + 2);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM lockout"), 1);
}

/* The schema of version 2 (lockout, before the mandatory-2FA tables), as
 * store_schema.c created it, with rows in every table. */
static const char v2_store[] =
        "PRAGMA journal_mode = WAL;"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
        " email TEXT NOT NULL DEFAULT '', pwhash TEXT NOT NULL DEFAULT '',"
        " created INTEGER NOT NULL);"
        "CREATE TABLE totp (user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
        " blob BLOB NOT NULL, digits INTEGER NOT NULL, period INTEGER NOT NULL,"
        " last_step INTEGER NOT NULL);"
        "CREATE TABLE recovery (user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        " idx INTEGER NOT NULL, iterations INTEGER NOT NULL, salt BLOB NOT NULL,"
        " hash BLOB NOT NULL, used_at INTEGER, PRIMARY KEY (user_id, idx));"
        "CREATE TABLE lockout (user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
        " failures INTEGER NOT NULL, window_start INTEGER NOT NULL,"
        " locked_until INTEGER NOT NULL, consecutive INTEGER NOT NULL);"
        "CREATE TABLE lockout_pad (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
        "INSERT INTO users (id, name, email, pwhash, created)"
        " VALUES (7, 'olga', 'o@example.org', '$y$old', 42), (9, 'pete', '', '', 43);"
        "INSERT INTO totp VALUES (7, x'0102', 8, 60, 99);"
        "INSERT INTO recovery VALUES (7, 0, 1000, zeroblob(16), zeroblob(32), NULL),"
        " (7, 1, 1001, zeroblob(16), zeroblob(32), 555);"
        "INSERT INTO lockout VALUES (9, 3, 1000, 2000, 4);"
        "INSERT INTO lockout_pad VALUES (1, 17);"
        "PRAGMA user_version = 2;";

static void
make_v2(struct fixture *f)
{
	sqlite3 *db = NULL;

	assert_int_equal(
	        sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v2_store, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), 2);
}

/* Every v2 row is still there and reads the same. */
static void
check_v2_rows(struct fixture *f)
{
	struct fio_recovery_rec rec;
	struct fio_user u;
	struct fio_lock l;

	assert_int_equal(fio_store_user_get(f->st, "olga", &u), FIO_STORE_OK);
	assert_int_equal(u.id, 7);
	assert_string_equal(u.email, "o@example.org");
	assert_string_equal(u.pwhash, "$y$old");
	assert_int_equal(u.created, 42);
	assert_int_equal(u.totp_blob_len, 2);
	assert_memory_equal(u.totp_blob, "\x01\x02", 2);
	assert_int_equal(u.totp_digits, 8);
	assert_int_equal(u.totp_period, 60);
	assert_int_equal(u.totp_last_step, 99);
	/* the one secret is now the authenticator "default" */
	assert_true(u.ntotp >= 1);
	assert_string_equal(u.totps[0].label, "default");
	assert_int_equal(u.totps[0].digits, 8);
	assert_int_equal(u.totps[0].period, 60);
	assert_int_equal(u.totps[0].last_step, 99);
	assert_int_equal(u.recovery_left, 1);
	/* the new columns take their defaults */
	assert_int_equal(u.sso, 0);
	assert_int_equal(u.pass_until, 0);
	assert_int_equal(u.must_enroll, 0);
	assert_int_equal(u.suspended, 0);
	assert_string_equal(u.suspend_reason, "");
	fio_user_clear(&u);
	assert_int_equal(fio_store_recovery_get(f->st, 7, 0, &rec), FIO_STORE_OK);
	assert_int_equal(rec.iterations, 1000);
	assert_int_equal(fio_store_recovery_get(f->st, 7, 1, &rec), FIO_STORE_NOTFOUND);
	assert_int_equal(raw_sql(f->path, "SELECT used_at FROM recovery WHERE idx = 1"), 555);
	assert_int_equal(fio_store_lock_get(f->st, 9, &l), FIO_STORE_OK);
	assert_int_equal(l.failures, 3);
	assert_int_equal(l.window_start, 1000);
	assert_int_equal(l.locked_until, 2000);
	assert_int_equal(l.consecutive, 4);
	assert_int_equal(raw_sql(f->path, "SELECT n FROM lockout_pad WHERE id = 1"), 17);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM users"), 2);
}

/* A store written by schema version 2 is migrated in place (2 -> 3 -> 4),
 * keeping every row, and the new tables work at once. */
static void
test_migration_v2_to_current(void **state)
{
	struct fixture *f = *state;
	struct fio_session sess = {.service = "sshd", .pid = 100, .started = 5};
	struct fio_user u;

	make_v2(f);
	open_ok(f);
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), FIO_STORE_SCHEMA_VERSION);
	check_v2_rows(f);
	/* v4: no change due, no code, for the accounts that were there */
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM users WHERE must_change = 0"
	                                  " AND reset_hash = '' AND reset_until = 0"),
	                 raw_sql(f->path, "SELECT count(*) FROM users"));
	assert_int_equal(fio_store_policy_add(f->st, 7, "all", 10, 20), FIO_STORE_OK);
	assert_int_equal(fio_store_remember_put(f->st, 7, "192.0.2.1", 100), FIO_STORE_OK);
	assert_int_equal(fio_store_session_add(f->st, 9, &sess), FIO_STORE_OK);
	assert_int_equal(fio_store_set_sso(f->st, 9, 1), FIO_STORE_OK);
	assert_int_equal(fio_store_set_suspended(f->st, 9, 1, "on leave"), FIO_STORE_OK);
	/* the rebuilt table takes more authenticators per account */
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM pragma_table_info('totp')"
	                                  " WHERE name IN ('id', 'label', 'created')"),
	                 3);
	reopen(f); /* already current: nothing to do, nothing lost */
	check_v2_rows(f);
	assert_int_equal(fio_store_user_get(f->st, "pete", &u), FIO_STORE_OK);
	assert_int_equal(u.sso, 1);
	assert_int_equal(u.suspended, 1);
	assert_string_equal(u.suspend_reason, "on leave");
	fio_user_clear(&u);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM policy_window"), 1);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM remembered"), 1);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM sessions"), 1);
	add_label(f, 7, "phone2", blob2, sizeof(blob2), 5);
	/* and again from a reset version: the added columns are not added twice */
	fio_store_close(f->st);
	f->st = NULL;
	raw_sql(f->path, "PRAGMA user_version = 2");
	open_ok(f);
	check_v2_rows(f);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM sessions"), 1);
	assert_int_equal(raw_sql(f->path, "SELECT suspended FROM users WHERE id = 9"), 1);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM pragma_table_info('users')"
	                                  " WHERE name IN ('suspended', 'suspend_reason')"),
	                 2);
	/* ... and the authenticators table is not rebuilt twice */
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM totp WHERE user_id = 7"), 2);
}

/* A migration that fails half-way changes nothing: the store stays at version
 * 2 with its rows, and migrates once the obstacle is gone. */
static void
test_migration_v2_failed(void **state)
{
	struct fixture *f = *state;

	make_v2(f);
	/* a table in the way: CREATE TABLE IF NOT EXISTS keeps it, the index fails */
	raw_sql(f->path, "CREATE TABLE sessions (x INTEGER)");
	open_refused(f, f->path);
	assert_non_null(strstr(f->err, "2 -> 3"));
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), 2);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM pragma_table_info('users')"
	                                  " WHERE name IN ('sso', 'suspended')"),
	                 0);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM sqlite_master"
	                                  " WHERE name = 'policy_seen'"),
	                 0);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM pragma_table_info('totp')"
	                                  " WHERE name = 'label'"),
	                 0);
	raw_sql(f->path, "DROP TABLE sessions");
	open_ok(f);
	check_v2_rows(f);
}

/* A store from a newer helper (version 5) is refused and left alone. */
static void
test_newer_refused(void **state)
{
	struct fixture *f = *state;

	open_ok(f);
	assert_int_equal(fio_store_user_add(f->st, "alice", "", "", 1), FIO_STORE_OK);
	fio_store_close(f->st);
	f->st = NULL;
	raw_sql(f->path, "PRAGMA user_version = 5");
	open_refused(f, f->path);
	assert_non_null(strstr(f->err, "version 5 is newer"));
	assert_non_null(strstr(f->err, "(4)"));
	assert_int_equal(raw_sql(f->path, "PRAGMA user_version"), 5);
	assert_int_equal(raw_sql(f->path, "SELECT count(*) FROM users"), 1);
}

/* Reset codes: a code makes a change due; the change consumes it only while
 * both hashes verified are still the account's (a code works once). */
static void
test_reset_codes(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;

	open_ok(f);
	assert_int_equal(fio_store_user_add(f->st, "alice", "a@example.org", "$y$old", 1),
	                 FIO_STORE_OK);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.must_change, 0);
	assert_string_equal(u.reset_hash, "");
	assert_int_equal(fio_store_reset_set(f->st, u.id, "$y$code1", 1000, 0), FIO_STORE_OK);
	assert_int_equal(fio_store_reset_set(f->st, 999, "$y$x", 1000, 0), FIO_STORE_NOTFOUND);
	fio_user_clear(&u);
	reopen(f); /* durable */
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.must_change, 1);
	assert_string_equal(u.reset_hash, "$y$code1");
	assert_int_equal(u.reset_until, 1000);
	assert_int_equal(u.reset_invite, 0);
	/* a second code replaces the first: a change verified against the first loses */
	assert_int_equal(fio_store_reset_set(f->st, u.id, "$y$code2", 2000, 0), FIO_STORE_OK);
	assert_int_equal(fio_store_password_change(f->st, u.id, "$y$old", "$y$code1", "$y$new"),
	                 FIO_STORE_NOTFOUND);
	assert_int_equal(fio_store_password_change(f->st, u.id, "$y$old", "$y$code2", "$y$new"),
	                 FIO_STORE_OK);
	/* the same change again (a race lost, or a reuse): nothing */
	assert_int_equal(fio_store_password_change(f->st, u.id, "$y$old", "$y$code2", "$y$new2"),
	                 FIO_STORE_NOTFOUND);
	fio_user_clear(&u);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_string_equal(u.pwhash, "$y$new");
	assert_string_equal(u.reset_hash, "");
	assert_int_equal(u.reset_until, 0);
	assert_int_equal(u.must_change, 0);
	assert_int_equal(fio_store_set_must_change(f->st, u.id, 1), FIO_STORE_OK);
	fio_user_clear(&u);
	assert_int_equal(fio_store_user_get(f->st, "alice", &u), FIO_STORE_OK);
	assert_int_equal(u.must_change, 1);
	fio_user_clear(&u);
}

/* Invitations: an account without a password, with a code and a change due. */
static void
test_invite(void **state)
{
	struct fixture *f = *state;
	struct fio_user u;

	open_ok(f);
	assert_int_equal(
	        fio_store_user_add_invite(f->st, "ivy", "ivy@example.org", "$y$inv", 500, 7),
	        FIO_STORE_OK);
	assert_int_equal(fio_store_user_add_invite(f->st, "ivy", "", "$y$inv2", 500, 8),
	                 FIO_STORE_EXISTS);
	assert_int_equal(fio_store_user_get(f->st, "ivy", &u), FIO_STORE_OK);
	assert_string_equal(u.pwhash, "");
	assert_string_equal(u.reset_hash, "$y$inv");
	assert_int_equal(u.reset_until, 500);
	assert_int_equal(u.reset_invite, 1);
	assert_int_equal(u.must_change, 1);
	assert_int_equal(u.created, 7);
	assert_string_equal(u.email, "ivy@example.org");
	assert_int_equal(fio_store_password_change(f->st, u.id, "", "$y$inv", "$y$pw"),
	                 FIO_STORE_OK);
	fio_user_clear(&u);
	assert_int_equal(fio_store_user_get(f->st, "ivy", &u), FIO_STORE_OK);
	assert_int_equal(u.reset_invite, 0);
	assert_string_equal(u.pwhash, "$y$pw");
	fio_user_clear(&u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_open_creates_0600, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_set_password, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_enroll, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_totp_advance, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_recovery_once, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_recovery_replace, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unenroll, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_two_labels, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_label_valid, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_totp_max, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unenroll_one, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_user_del_cascades, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_two_handles_one_winner, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migration_idempotent, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_garbage_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_file_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hostile_names, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_directory_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lock_threshold, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lock_window, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lock_parallel, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lock_consecutive, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lock_list_clear_del, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lock_bad_row, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migration_v1, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migration_v2_to_current, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reset_codes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_invite, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migration_v2_failed, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_newer_refused, setup, teardown),
	};

	fio_log_init("test_store", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
