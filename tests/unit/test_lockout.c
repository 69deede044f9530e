/*
 * test_lockout.c - helper/lockout.c: the failed-attempt state machine and the
 * bounded in-memory tables (unknown names, sources).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lockout.h"

static const struct fio_lock_params lp = {.max_failures = 5, .interval = 900, .unlock_after = 600};

static void
test_machine(void **state)
{
	struct fio_lock l = {0};
	int engaged = -1;

	(void)state;
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(fio_lock_begin(&l, 100 + i, &lp, &engaged), FIO_LOCK_OK);
		assert_int_equal(engaged, 0);
		assert_int_equal(l.failures, i);
		assert_int_equal(fio_lock_fail(&l, 100 + i, &lp, 0), i == 5);
	}
	assert_int_equal(l.window_start, 101);
	assert_int_equal(l.locked_until, 105 + 600);
	assert_int_equal(fio_lock_begin(&l, 704, &lp, &engaged), FIO_LOCK_LOCKED);
	assert_int_equal(engaged, 0);
	assert_int_equal(fio_lock_failures_at(&l, 704, lp.interval), 5);
	assert_false(fio_lock_idle(&l, 704, lp.interval));
	/* the lock has run out: nothing counts any more, and counting starts afresh */
	assert_int_equal(fio_lock_failures_at(&l, 705, lp.interval), 0);
	assert_true(fio_lock_idle(&l, 705, lp.interval));
	assert_int_equal(fio_lock_begin(&l, 705, &lp, NULL), FIO_LOCK_OK);
	assert_int_equal(l.failures, 1);
	assert_int_equal(l.locked_until, 0);
	fio_lock_success(&l, 0);
	assert_int_equal(l.failures, 0);
}

/* The limit reached by attempts that have not ended: the next one locks. */
static void
test_unfinished(void **state)
{
	struct fio_lock l = {0};
	int engaged = 0, ok = 0;

	(void)state;
	for (int i = 0; i < 50; i++) {
		int e = 0;

		ok += fio_lock_begin(&l, 1000, &lp, &e) == FIO_LOCK_OK;
		engaged += e;
	}
	assert_int_equal(ok, 5);
	assert_int_equal(engaged, 1);
	assert_int_equal(l.locked_until, 1600);
	/* a success among them lifts the lock (it proved the password and code) */
	fio_lock_success(&l, 1);
	assert_int_equal(fio_lock_begin(&l, 1001, &lp, NULL), FIO_LOCK_OK);
}

static void
test_window_and_clock(void **state)
{
	struct fio_lock l = {0};

	(void)state;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(fio_lock_begin(&l, 1000, &lp, NULL), FIO_LOCK_OK);
		fio_lock_fail(&l, 1000, &lp, 1);
	}
	assert_int_equal(l.consecutive, 4);
	/* the clock went back: the window is kept */
	assert_int_equal(fio_lock_begin(&l, 10, &lp, NULL), FIO_LOCK_OK);
	assert_int_equal(l.failures, 5);
	assert_int_equal(fio_lock_fail(&l, 10, &lp, 0), 1);
	/* the window's end does not end a running lock */
	assert_int_equal(fio_lock_begin(&l, 609, &lp, NULL), FIO_LOCK_LOCKED);
	/* a count cleared while the attempt ran still counts that failure */
	memset(&l, 0, sizeof(l));
	assert_int_equal(fio_lock_fail(&l, 50, &lp, 1), 0);
	assert_int_equal(l.failures, 1);
	assert_int_equal(l.window_start, 50);
	assert_int_equal(l.consecutive, 1);
	fio_lock_uncount(&l);
	fio_lock_uncount(&l);
	assert_int_equal(l.failures, 0);
}

static void
test_minutes(void **state)
{
	(void)state;
	assert_int_equal(fio_lock_minutes_left(1000, 1000), 1);
	assert_int_equal(fio_lock_minutes_left(1060, 1000), 1);
	assert_int_equal(fio_lock_minutes_left(1061, 1000), 2);
	assert_int_equal(fio_lock_minutes_left(1900, 1000), 15);
	assert_int_equal(fio_lock_minutes_left(1899, 1000), 15);
	assert_int_equal(fio_lock_minutes_left(1841, 1000), 15);
	assert_int_equal(fio_lock_minutes_left(1840, 1000), 14);
	assert_int_equal(fio_lock_minutes_left(5, 1000), 1);
}

/* A name in memory locks exactly like an account (the same machine). */
static void
test_table_like_store(void **state)
{
	struct fio_lockout *t = fio_lockout_new(64);
	struct fio_lock l, mirror = {0};
	int engaged;

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 7; i++) {
		int want = fio_lock_begin(&mirror, 100 + i, &lp, NULL);

		assert_int_equal(fio_lockout_begin(t, "name:nobody", 100 + i, &lp, &l, &engaged),
		                 want);
		if (want == FIO_LOCK_OK)
			assert_int_equal(fio_lockout_fail(t, "name:nobody", 100 + i, &lp, 0, &l),
			                 fio_lock_fail(&mirror, 100 + i, &lp, 0));
		assert_memory_equal(&l, &mirror, sizeof(l));
	}
	assert_int_equal(l.locked_until, 104 + 600);
	/* other keys are not affected */
	assert_int_equal(fio_lockout_begin(t, "name:nobody2", 110, &lp, &l, NULL), FIO_LOCK_OK);
	assert_int_equal(l.failures, 1);
	assert_int_equal(fio_lockout_count(t), 2);
	/* uncount / success / clear find the entry */
	fio_lockout_uncount(t, "name:nobody2");
	assert_int_equal(fio_lockout_begin(t, "name:nobody2", 110, &lp, &l, NULL), FIO_LOCK_OK);
	assert_int_equal(l.failures, 1);
	fio_lockout_clear(t, "name:nobody");
	assert_int_equal(fio_lockout_count(t), 1);
	assert_int_equal(fio_lockout_begin(t, "name:nobody", 111, &lp, &l, NULL), FIO_LOCK_OK);
	fio_lockout_success(t, "name:nobody", 1);
	fio_lockout_success(t, "name:absent", 1); /* no entry: nothing happens */
	fio_lockout_clear(t, "name:absent");
	assert_int_equal(fio_lockout_count(t), 2);
	fio_lockout_free(t);
	fio_lockout_free(NULL);
}

/* Bounded memory: a flood of names never grows the table; a locked entry is
 * kept while idle ones can be replaced. */
static void
test_table_bounded(void **state)
{
	struct fio_lockout *t = fio_lockout_new(10); /* rounded up to 16 */
	struct fio_lock l;
	char key[32];
	int kept = 0;

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(fio_lockout_begin(t, "rhost:victim", 1000, &lp, &l, NULL),
		                 FIO_LOCK_OK);
		fio_lockout_fail(t, "rhost:victim", 1000, &lp, 0, NULL);
	}
	/* 10000 one-off names, each failed once long ago (idle by 5000) */
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "name:flood%d", i);
		assert_true(fio_lockout_begin(t, key, 100, &lp, &l, NULL) >= 0);
		assert_true(fio_lockout_count(t) <= 16);
	}
	assert_int_equal(fio_lockout_count(t), 16);
	/* the victim's lock is still there unless all eight slots around it were taken by
	 * entries that are not idle (they are not at 100: all in their window) */
	kept = fio_lockout_begin(t, "rhost:victim", 1001, &lp, &l, NULL) == FIO_LOCK_LOCKED;
	print_message("victim lock %s after the flood\n", kept ? "kept" : "evicted");
	/* once the flood is idle, new names replace idle entries, not the lock */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(fio_lockout_begin(t, "rhost:victim2", 5000, &lp, &l, NULL),
		                 FIO_LOCK_OK);
		fio_lockout_fail(t, "rhost:victim2", 5000, &lp, 0, NULL);
	}
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "name:later%d", i);
		assert_true(fio_lockout_begin(t, key, 5001 + i / 1000, &lp, &l, NULL) >= 0);
		fio_lockout_success(t, key, 1); /* idle at once */
	}
	assert_int_equal(fio_lockout_begin(t, "rhost:victim2", 5100, &lp, &l, NULL),
	                 FIO_LOCK_LOCKED);
	fio_lockout_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_machine),          cmocka_unit_test(test_unfinished),
	        cmocka_unit_test(test_window_and_clock), cmocka_unit_test(test_minutes),
	        cmocka_unit_test(test_table_like_store), cmocka_unit_test(test_table_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
