/*
 * test_notify.c - helper/notify.c: the notify command's environment, standard
 * input and descriptors, header injection, the size caps, timeouts (SIGTERM,
 * then SIGKILL), reaping, the limit on running commands, and no leaked
 * descriptors or zombies. The commands are small /bin/sh scripts in a
 * temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fio-frame.h"
#include "notify.h"

#define HEADERS_TAIL "Auto-Submitted: auto-generated\nContent-Type: text/plain; charset=UTF-8\n\n"

static char dir[64];

struct capture {
	char *env; /* NUL-separated, as in /proc/PID/environ */
	size_t env_len;
	char *in; /* the command's standard input */
	char *fds;
	char *cwd;
};

/* ---- helpers ------------------------------------------------------------------- */

static void
path_in(char *out, size_t outsz, const char *name)
{
	int w = snprintf(out, outsz, "%s/%s", dir, name);

	assert_true(w > 0 && (size_t)w < outsz);
}

/* Writes dir/name as an executable /bin/sh script; "@" in body becomes dir. */
static void
write_script(const char *name, const char *body, char *path, size_t pathsz)
{
	FILE *f;

	path_in(path, pathsz, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\n", f);
	for (const char *p = body; *p != '\0'; p++) {
		if (*p == '@')
			fputs(dir, f);
		else
			fputc(*p, f);
	}
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static char *
read_all(const char *name, size_t *len)
{
	char path[PATH_MAX], *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *f;

	path_in(path, sizeof(path), name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = n + 4096 + 1;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static void
remove_in(const char *name)
{
	char path[PATH_MAX];

	path_in(path, sizeof(path), name);
	if (unlink(path) != 0)
		assert_int_equal(errno, ENOENT);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Ticks with the real clock until nothing runs; returns the time it took. */
static int64_t
wait_done(struct fio_notifier *nt, int64_t max_ms)
{
	int64_t start = fio_now_ms();

	while (fio_notifier_running(nt) > 0) {
		fio_notifier_tick(nt, fio_now_ms());
		if (fio_notifier_running(nt) == 0)
			break;
		assert_true(fio_now_ms() - start < max_ms);
		sleep_ms(20);
	}
	return fio_now_ms() - start;
}

/* NULL if name is not in the NUL-separated environment. */
static const char *
env_get(const struct capture *c, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < c->env_len; i += strlen(c->env + i) + 1)
		if (strncmp(c->env + i, name, nl) == 0 && c->env[i + nl] == '=')
			return c->env + i + nl + 1;
	return NULL;
}

static size_t
env_count(const struct capture *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->env_len; i += strlen(c->env + i) + 1)
		n++;
	return n;
}

/* Runs the capturing script for notice n and collects what it saw. */
static void
run_capture(const struct fio_notice *n, struct capture *c)
{
	static const char body[] = "cat /proc/$$/environ > @/env\n"
	                           "fds=$(ls -l /proc/$$/fd)\n"
	                           "printf '%s\\n' \"$fds\" > @/fds\n"
	                           "pwd > @/cwd\n"
	                           "cat > @/in\n";
	char path[PATH_MAX];
	char *argv[] = {path, NULL};
	struct fio_notifier *nt = fio_notifier_new();

	assert_non_null(nt);
	write_script("capture", body, path, sizeof(path));
	remove_in("env");
	remove_in("fds");
	remove_in("cwd");
	remove_in("in");
	assert_int_equal(fio_notify(nt, argv, 10, n, fio_now_ms()), 0);
	assert_int_equal(fio_notifier_running(nt), 1);
	wait_done(nt, 5000);
	fio_notifier_free(nt);
	c->env = read_all("env", &c->env_len);
	c->in = read_all("in", NULL);
	c->fds = read_all("fds", NULL);
	c->cwd = read_all("cwd", NULL);
	assert_non_null(c->env);
	assert_non_null(c->in);
	assert_non_null(c->fds);
	assert_non_null(c->cwd);
}

static void
capture_free(struct capture *c)
{
	free(c->env);
	free(c->in);
	free(c->fds);
	free(c->cwd);
	memset(c, 0, sizeof(*c));
}

/* The body of the message on standard input (after the blank line). */
static const char *
body_of(const struct capture *c)
{
	const char *b = strstr(c->in, "\n\n");

	assert_non_null(b);
	return b + 2;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
assert_no_children(void)
{
	int st;

	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* 1 while process pid exists and is not a zombie. */
static int
process_alive(long pid)
{
	char path[64], buf[512], *rp;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return rp != NULL && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

static long
read_pid(const char *name)
{
	char *s = read_all(name, NULL);
	long pid;

	assert_non_null(s);
	pid = strtol(s, NULL, 10);
	free(s);
	assert_true(pid > 1);
	return pid;
}

static const struct fio_notice plain = {
        .event = "grace_opened",
        .user = "alice",
        .email = "alice@example.com",
        .subject = "Grace opened",
        .message = "Hello alice,\n\tyou have 3 days.\n",
};

/* ---- tests ---------------------------------------------------------------------- */

static void
test_environment_and_stdin(void **state)
{
	char marker[PATH_MAX], host[HOST_NAME_MAX + 1];
	struct capture c;
	int mfd;

	(void)state;
	assert_int_equal(setenv("HOME", "/home/test-notify", 1), 0);
	assert_int_equal(setenv("FIO_TEST_LEAK", "1", 1), 0);
	path_in(marker, sizeof(marker), "marker");
	mfd = open(marker, O_CREAT | O_WRONLY, 0600); /* inheritable on purpose */
	assert_true(mfd >= 0);
	run_capture(&plain, &c);
	close(mfd);

	assert_int_equal(env_count(&c), 7);
	assert_string_equal(env_get(&c, "PATH"), "/usr/sbin:/usr/bin:/sbin:/bin");
	assert_string_equal(env_get(&c, "FIO_EVENT"), "grace_opened");
	assert_string_equal(env_get(&c, "FIO_USER"), "alice");
	assert_string_equal(env_get(&c, "FIO_EMAIL"), "alice@example.com");
	assert_string_equal(env_get(&c, "FIO_SUBJECT"), "Grace opened");
	assert_string_equal(env_get(&c, "FIO_MESSAGE"), plain.message);
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	assert_string_equal(env_get(&c, "FIO_HOST"), host);
	assert_null(env_get(&c, "HOME"));
	assert_null(env_get(&c, "LD_PRELOAD"));
	assert_null(env_get(&c, "FIO_TEST_LEAK"));

	assert_string_equal(c.in, "To: alice@example.com\nSubject: Grace opened\n" HEADERS_TAIL
	                          "Hello alice,\n\tyou have 3 days.\n");
	/* stdin a pipe, stdout and stderr /dev/null, our descriptors not inherited */
	assert_non_null(strstr(c.fds, " 0 -> pipe:"));
	assert_non_null(strstr(c.fds, " 1 -> /dev/null"));
	assert_non_null(strstr(c.fds, " 2 -> /dev/null"));
	assert_null(strstr(c.fds, "marker"));
	assert_string_equal(c.cwd, "/\n");
	capture_free(&c);
	unsetenv("FIO_TEST_LEAK");
}

static void
test_header_injection(void **state)
{
	struct fio_notice n = plain;
	struct capture c;

	(void)state;
	n.subject = "x\nBcc: evil@example.com\r\nX-Evil: 1";
	n.message = "line one\r\nBcc: body@example.com\x01\x7f\n";
	n.user = "al\nice";
	n.event = "grace\r_opened";
	run_capture(&n, &c);
	assert_string_equal(c.in, "To: alice@example.com\n"
	                          "Subject: x Bcc: evil@example.com  X-Evil: 1\n" HEADERS_TAIL
	                          "line one\nBcc: body@example.com\n");
	assert_string_equal(env_get(&c, "FIO_SUBJECT"), "x Bcc: evil@example.com  X-Evil: 1");
	assert_string_equal(env_get(&c, "FIO_MESSAGE"), "line one\nBcc: body@example.com\n");
	assert_string_equal(env_get(&c, "FIO_USER"), "alice");
	assert_string_equal(env_get(&c, "FIO_EVENT"), "grace_opened");
	capture_free(&c);
}

static void
test_bad_email_left_out(void **state)
{
	static const char *const bad[] = {
	        "bad@example.com\nBcc: evil@example.com",
	        "a@example.com, b@example.com",
	        "Eve <eve@example.com>",
	        "a b@example.com",
	        "a@b@example.com",
	        "noat.example.com",
	        "@example.com",
	        "a@",
	        "-oQ/tmp@example.com",
	        "\"q\"@example.com",
	        "caf\xc3\xa9@example.com",
	};
	struct fio_notice n = plain;
	struct capture c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n.email = bad[i];
		run_capture(&n, &c);
		assert_string_equal(c.in, "Subject: Grace opened\n" HEADERS_TAIL
		                          "Hello alice,\n\tyou have 3 days.\n");
		assert_string_equal(env_get(&c, "FIO_EMAIL"), "");
		capture_free(&c);
	}
	/* none at all, and NULL fields */
	memset(&n, 0, sizeof(n));
	run_capture(&n, &c);
	assert_string_equal(c.in, "Subject: \n" HEADERS_TAIL "\n");
	assert_string_equal(env_get(&c, "FIO_EMAIL"), "");
	assert_string_equal(env_get(&c, "FIO_USER"), "");
	capture_free(&c);
	/* a plain but unusual one is kept */
	n = plain;
	n.email = "first.last+tag=x_1%y@mail-1.example.org";
	run_capture(&n, &c);
	assert_true(strncmp(c.in, "To: first.last+tag=x_1%y@mail-1.example.org\n", 44) == 0);
	capture_free(&c);
}

static void
test_subject_cut_and_utf8(void **state)
{
	char subj[FIO_NOTIFY_SUBJECT_MAX + 16], want[FIO_NOTIFY_SUBJECT_MAX + 16];
	struct fio_notice n = plain;
	struct capture c;

	(void)state;
	/* 199 bytes + a 2-byte character: the character does not fit */
	memset(subj, 'a', FIO_NOTIFY_SUBJECT_MAX - 1);
	memcpy(subj + FIO_NOTIFY_SUBJECT_MAX - 1, "\xc3\xa9zzz", 6);
	n.subject = subj;
	run_capture(&n, &c);
	memset(want, 'a', FIO_NOTIFY_SUBJECT_MAX - 1);
	want[FIO_NOTIFY_SUBJECT_MAX - 1] = '\0';
	assert_string_equal(env_get(&c, "FIO_SUBJECT"), want);
	capture_free(&c);
	/* 198 bytes + the same character: exactly 200 bytes, kept */
	memcpy(subj + FIO_NOTIFY_SUBJECT_MAX - 2, "\xc3\xa9zzz", 6);
	run_capture(&n, &c);
	memcpy(want, subj, FIO_NOTIFY_SUBJECT_MAX);
	want[FIO_NOTIFY_SUBJECT_MAX] = '\0';
	assert_string_equal(env_get(&c, "FIO_SUBJECT"), want);
	capture_free(&c);
	/* bytes that are not UTF-8 become '?'; C1 controls become spaces */
	n.subject = "ok \xff\xc3 \xed\xa0\x80 \xc2\x85 \xe2\x82\xac";
	run_capture(&n, &c);
	assert_string_equal(env_get(&c, "FIO_SUBJECT"), "ok ?? ??? \x20 \xe2\x82\xac");
	capture_free(&c);
}

static void
test_message_cut(void **state)
{
	size_t big = 10 * 1024;
	char *msg = malloc(big + 1);
	struct fio_notice n = plain;
	struct capture c;

	(void)state;
	assert_non_null(msg);
	for (size_t i = 0; i < big; i++)
		msg[i] = i % 64 == 62 ? '\n' : (char)('a' + i % 26);
	msg[big] = '\0';
	n.message = msg;
	run_capture(&n, &c);
	assert_int_equal(strlen(env_get(&c, "FIO_MESSAGE")), FIO_NOTIFY_MESSAGE_MAX);
	assert_memory_equal(env_get(&c, "FIO_MESSAGE"), msg, FIO_NOTIFY_MESSAGE_MAX);
	/* the body is the cut message, ended with a newline */
	assert_int_equal(strlen(body_of(&c)), FIO_NOTIFY_MESSAGE_MAX + 1);
	assert_memory_equal(body_of(&c), msg, FIO_NOTIFY_MESSAGE_MAX);
	capture_free(&c);
	/* a 3-byte character across the limit is left out whole */
	memset(msg, 'b', FIO_NOTIFY_MESSAGE_MAX - 1);
	memcpy(msg + FIO_NOTIFY_MESSAGE_MAX - 1, "\xe2\x82\xac", 4);
	run_capture(&n, &c);
	assert_int_equal(strlen(env_get(&c, "FIO_MESSAGE")), FIO_NOTIFY_MESSAGE_MAX - 1);
	capture_free(&c);
	free(msg);
}

static void
test_timeout_kills_group(void **state)
{
	char path[PATH_MAX];
	char *argv[] = {path, NULL};
	struct fio_notifier *nt = fio_notifier_new();
	int64_t took, start;
	long gc;

	(void)state;
	assert_non_null(nt);
	remove_in("gc");
	write_script("sleeper", "sleep 60 &\necho $! > @/gc.tmp\nmv @/gc.tmp @/gc\nwait\n", path,
	             sizeof(path));
	assert_int_equal(fio_notify(nt, argv, 1, &plain, fio_now_ms()), 0);
	took = wait_done(nt, 4000);
	assert_true(took >= 900);
	assert_true(took < 3000);
	gc = read_pid("gc");
	/* the grandchild was in its process group, so it went too */
	start = fio_now_ms();
	while (process_alive(gc) && fio_now_ms() - start < 2000)
		sleep_ms(20);
	assert_false(process_alive(gc));
	fio_notifier_free(nt);
	assert_no_children();
}

static void
test_term_ignored_then_kill(void **state)
{
	char path[PATH_MAX];
	char *argv[] = {path, NULL};
	struct fio_notifier *nt = fio_notifier_new();
	int64_t took, start;

	(void)state;
	assert_non_null(nt);
	write_script("stubborn", "trap '' TERM\nsleep 60\n", path, sizeof(path));
	/* at the deadline SIGTERM, a second later SIGKILL */
	assert_int_equal(fio_notify(nt, argv, 1, &plain, fio_now_ms()), 0);
	took = wait_done(nt, 5000);
	assert_true(took >= 1900);
	assert_true(took < 3500);
	/* fio_notifier_free: SIGTERM, then SIGKILL after about a second */
	assert_int_equal(fio_notify(nt, argv, 60, &plain, fio_now_ms()), 0);
	sleep_ms(200); /* let the trap be set */
	start = fio_now_ms();
	fio_notifier_free(nt);
	took = fio_now_ms() - start;
	assert_true(took >= 900);
	assert_true(took < 2500);
	assert_no_children();
}

static void
test_exit_status_reaped(void **state)
{
	char path[PATH_MAX];
	char *argv[] = {path, NULL};
	struct fio_notifier *nt = fio_notifier_new();

	(void)state;
	assert_non_null(nt);
	write_script("exit3", "exit 3\n", path, sizeof(path));
	assert_int_equal(fio_notify(nt, argv, 10, &plain, fio_now_ms()), 0);
	assert_true(wait_done(nt, 3000) < 3000);
	assert_int_equal(fio_notifier_running(nt), 0);
	/* killed by a signal of its own */
	write_script("selfkill", "kill -USR1 $$\n", path, sizeof(path));
	assert_int_equal(fio_notify(nt, argv, 10, &plain, fio_now_ms()), 0);
	wait_done(nt, 3000);
	fio_notifier_free(nt);
	assert_no_children();
}

static void
test_bad_command(void **state)
{
	char *missing[] = {"/nonexistent/fio-notify-command", NULL};
	char *relative[] = {"bin/sh", NULL};
	char *empty[] = {NULL};
	struct fio_notifier *nt = fio_notifier_new();
	int rc;

	(void)state;
	assert_non_null(nt);
	rc = fio_notify(nt, missing, 10, &plain, fio_now_ms());
	assert_true(rc == 0 || rc == -1);
	wait_done(nt, 3000);
	assert_int_equal(fio_notify(nt, relative, 10, &plain, fio_now_ms()), -1);
	assert_int_equal(fio_notify(nt, empty, 10, &plain, fio_now_ms()), -1);
	assert_int_equal(fio_notifier_running(nt), 0);
	fio_notifier_free(nt);
	assert_no_children();
}

static void
test_running_limit(void **state)
{
	char path[PATH_MAX];
	char *argv[] = {path, NULL};
	struct fio_notifier *nt = fio_notifier_new();
	int64_t start;

	(void)state;
	assert_non_null(nt);
	write_script("long", "sleep 60\n", path, sizeof(path));
	for (unsigned i = 0; i < FIO_NOTIFY_RUNNING_MAX; i++)
		assert_int_equal(fio_notify(nt, argv, 60, &plain, fio_now_ms()), 0);
	assert_int_equal(fio_notifier_running(nt), FIO_NOTIFY_RUNNING_MAX);
	assert_int_equal(fio_notify(nt, argv, 60, &plain, fio_now_ms()), -1);
	assert_int_equal(fio_notify(nt, argv, 60, &plain, fio_now_ms()), -1);
	fio_notifier_tick(nt, fio_now_ms());
	assert_int_equal(fio_notifier_running(nt), FIO_NOTIFY_RUNNING_MAX);
	start = fio_now_ms();
	fio_notifier_free(nt);
	assert_true(fio_now_ms() - start < 2000);
	assert_no_children();
}

static void
test_no_fd_leak(void **state)
{
	char sleeper[PATH_MAX], fail[PATH_MAX];
	char *a_sleep[] = {sleeper, NULL};
	char *a_fail[] = {fail, NULL};
	char *a_missing[] = {"/nonexistent/fio-notify-command", NULL};
	struct fio_notifier *nt;
	int before, after;

	(void)state;
	write_script("nap", "sleep 60\n", sleeper, sizeof(sleeper));
	write_script("fail", "exit 1\n", fail, sizeof(fail));
	before = count_fds();
	for (int round = 0; round < 3; round++) {
		nt = fio_notifier_new();
		assert_non_null(nt);
		assert_int_equal(fio_notify(nt, a_fail, 10, &plain, fio_now_ms()), 0);
		assert_int_equal(fio_notify(nt, a_sleep, 1, &plain, fio_now_ms()), 0);
		(void)fio_notify(nt, a_missing, 10, &plain, fio_now_ms());
		if (round == 0)
			wait_done(nt, 4000);
		/* other rounds: fio_notifier_free with children still running */
		assert_int_equal(fio_notify(nt, a_sleep, 60, &plain, fio_now_ms()), 0);
		fio_notifier_free(nt);
	}
	after = count_fds();
	assert_int_equal(before, after);
	assert_no_children();
}

static void
test_no_argv(void **state)
{
	struct fio_notifier *nt = fio_notifier_new();

	(void)state;
	assert_non_null(nt);
	assert_int_equal(fio_notify(nt, NULL, 10, &plain, fio_now_ms()), 0);
	assert_int_equal(fio_notifier_running(nt), 0);
	fio_notifier_tick(nt, fio_now_ms());
	fio_notifier_free(nt);
	fio_notifier_free(NULL);
	assert_int_equal(fio_notifier_running(NULL), 0);
	assert_no_children();
}

/* ---- fixture -------------------------------------------------------------------- */

static int
group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_notify.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	static const char *const names[] = {
	        "capture", "env",      "fds",   "cwd",      "in",   "marker", "sleeper", "gc",
	        "gc.tmp",  "stubborn", "exit3", "selfkill", "long", "nap",    "fail",
	};
	char path[PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_environment_and_stdin),
	        cmocka_unit_test(test_header_injection),
	        cmocka_unit_test(test_bad_email_left_out),
	        cmocka_unit_test(test_subject_cut_and_utf8),
	        cmocka_unit_test(test_message_cut),
	        cmocka_unit_test(test_timeout_kills_group),
	        cmocka_unit_test(test_term_ignored_then_kill),
	        cmocka_unit_test(test_exit_status_reaped),
	        cmocka_unit_test(test_bad_command),
	        cmocka_unit_test(test_running_limit),
	        cmocka_unit_test(test_no_fd_leak),
	        cmocka_unit_test(test_no_argv),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
