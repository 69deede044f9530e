/*
 * fioctl_enforce.c - `fioctl enforce`: ends the sessions the helper says must
 * end (mandatory 2FA, policy.h) and drops those whose leader is gone. Run as
 * root, e.g. by fio-enforce.timer; the helper refuses everyone else.
 *
 * A session leader is its pid and its start time (/proc/PID/stat field 22). A
 * process with that pid but another start time is someone else: the session
 * is gone, and that process is never signalled. The start time is compared
 * again immediately before every signal; pid 0 and 1 are never signalled.
 *
 * Ending: `loginctl terminate-session N` if the leader is in a logind session
 * scope, else SIGHUP to the leader; after --wait seconds SIGKILL; then
 * SESSION_END so that the helper audits it and notifies the user.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fio-client.h"
#include "fio-proto.h"
#include "fioctl_cmds.h"

#define WAIT_DEFAULT_S 5u
#define WAIT_MAX_S 60u
#define POLL_MS 100u
#define KILL_WAIT_MS 2000u      /* after SIGKILL */
#define LOGINCTL_WAIT_MS 10000u /* loginctl is killed after this */
#define SESSION_ID_MAX 20       /* digits of a session id */

#define OPT_DRY_RUN 1
#define OPT_WAIT 2

/* One ENFORCE_LIST record. */
struct sess {
	char *id, *user, *action, *reason;
	pid_t pid;
	unsigned long long start; /* 0: unknown */
};

struct enforce {
	const struct fioctl_opts *o;
	int dry_run;
	unsigned wait_s;
	struct sess *v;
	size_t n, cap;
	int failed;      /* a session was not dealt with, or the helper refused */
	int unreachable; /* the helper could not be reached for a SESSION_END */
};

enum leader {
	LEADER_HERE,    /* the process runs (and, if the start time is known, is the same) */
	LEADER_GONE,    /* no such process, a zombie, or another process with that pid */
	LEADER_UNKNOWN, /* /proc/PID/stat cannot be read or parsed */
};

/* ---- the leader process -------------------------------------------------------- */

static enum leader
leader_check(pid_t pid, unsigned long long start)
{
	char path[32], buf[1024], *p, *end;
	unsigned long long t;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? LEADER_GONE : LEADER_UNKNOWN;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0 && errno == ESRCH) {
		close(fd);
		return LEADER_GONE;
	}
	close(fd);
	if (n <= 0)
		return LEADER_UNKNOWN;
	buf[n] = '\0';
	/* "PID (COMM) S ...": COMM may hold anything, ')' included */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return LEADER_UNKNOWN;
	p += 2;
	if (*p == 'Z' || *p == 'X' || *p == 'x')
		return LEADER_GONE;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return LEADER_UNKNOWN;
		p++;
	}
	if (*p < '0' || *p > '9')
		return LEADER_UNKNOWN;
	errno = 0;
	t = strtoull(p, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
		return LEADER_UNKNOWN;
	return start != 0 && t != start ? LEADER_GONE : LEADER_HERE;
}

/* Sends sig if the leader is still the same process: 1 sent, 0 it is gone,
 * -1 not sent (errno set), -2 not sent: /proc/PID/stat is unreadable. */
static int
signal_leader(const struct sess *s, int sig)
{
	enum leader st;

	if (s->pid <= 1 || s->start == 0) {
		errno = EPERM;
		return -1;
	}
	st = leader_check(s->pid, s->start);
	if (st == LEADER_GONE)
		return 0;
	if (st != LEADER_HERE)
		return -2;
	if (kill(s->pid, sig) == 0)
		return 1;
	return errno == ESRCH ? 0 : -1;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls every POLL_MS for up to ms: 1 once the leader is gone, else 0. */
static int
wait_gone(const struct sess *s, unsigned ms)
{
	long long deadline = now_ms() + ms;

	for (;;) {
		if (leader_check(s->pid, s->start) == LEADER_GONE)
			return 1;
		if (now_ms() >= deadline)
			return 0;
		sleep_ms(POLL_MS);
	}
}

/* ---- logind ------------------------------------------------------------------- */

/* N of "/session-N.scope" in /proc/PID/cgroup. 0, or -1 if there is none. */
static int
logind_session(pid_t pid, char *out, size_t size)
{
	char path[32], buf[4096];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = strstr(buf, "/session-"); p != NULL; p = strstr(p + 1, "/session-")) {
		size_t len = strspn(p + 9, "abcdefghijklmnopqrstuvwxyz"
		                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

		if (len == 0 || len >= size || strncmp(p + 9 + len, ".scope", 6) != 0 ||
		    strchr("/\n", p[15 + len]) == NULL)
			continue;
		memcpy(out, p + 9, len);
		out[len] = '\0';
		return 0;
	}
	return -1;
}

/* Waits for child up to LOGINCTL_WAIT_MS (then kills it): 0 if it exited 0. */
static int
reap(pid_t child)
{
	long long deadline = now_ms() + LOGINCTL_WAIT_MS;
	int status;
	pid_t r;

	while ((r = waitpid(child, &status, WNOHANG)) == 0 || (r < 0 && errno == EINTR)) {
		if (now_ms() >= deadline) {
			kill(child, SIGKILL); /* not reaped yet: the pid is still the child's */
			while (waitpid(child, &status, 0) < 0 && errno == EINTR)
				;
			fprintf(stderr, "fioctl: loginctl did not finish in %u s\n",
			        LOGINCTL_WAIT_MS / 1000);
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	return r == child && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* `loginctl terminate-session ID`, no shell, stdin and stdout /dev/null. */
static int
run_loginctl(const char *id)
{
	static const char *const paths[] = {"/usr/bin/loginctl", "/bin/loginctl"};
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
	char *argv[] = {NULL, "--no-ask-password", "terminate-session", (char *)id, NULL};
	const char *path = NULL;
	posix_spawn_file_actions_t fa;
	pid_t child;
	int rc;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && path == NULL; i++) {
		if (access(paths[i], X_OK) == 0)
			path = paths[i];
	}
	if (path == NULL)
		return -1;
	argv[0] = (char *)path;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	fflush(stdout);
	if (rc == 0)
		rc = posix_spawn(&child, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "fioctl: cannot run %s: %s\n", path, strerror(rc));
		return -1;
	}
	return reap(child);
}

/* ---- one session ----------------------------------------------------------------- */

/* "PREFIXsession ID of USER (pid PID): DETAIL" */
static void
say(FILE *f, const char *prefix, const struct sess *s, const char *detail)
{
	fflush(stdout);
	fputs(prefix, f);
	fputs("session ", f);
	fioctl_put_text(f, s->id);
	fputs(" of ", f);
	fioctl_put_text(f, s->user);
	fprintf(f, " (pid %d): ", (int)s->pid);
	fioctl_put_text(f, detail);
	fputc('\n', f);
}

/* SESSION_END(user, "ID WHY"). */
static void
session_end(struct enforce *e, const struct sess *s, const char *why)
{
	struct fioctl_req q = {.cmd = FIO_CTL_SESSION_END, .user = s->user};
	char arg[FIO_ARG_MAX + 1];
	int rc;

	if ((size_t)snprintf(arg, sizeof(arg), "%s %s", s->id, why) >= sizeof(arg)) {
		say(stderr, "fioctl: cannot report the end of ", s, "the reason is too long");
		e->failed = 1;
		return;
	}
	q.arg = arg;
	rc = fioctl_request(e->o, &q);
	if (rc == FIOCTL_EXIT_UNREACHABLE)
		e->unreachable = 1;
	else if (rc != FIOCTL_EXIT_OK)
		e->failed = 1;
}

/* loginctl if it applies, else SIGHUP; then SIGKILL after the wait. 0 once
 * the leader is gone, -1 after a message. */
static int
terminate(struct enforce *e, const struct sess *s)
{
	char sid[64];
	int r;

	if (logind_session(s->pid, sid, sizeof(sid)) == 0 &&
	    leader_check(s->pid, s->start) == LEADER_HERE && run_loginctl(sid) == 0)
		r = 1;
	else
		r = signal_leader(s, SIGHUP);
	if (r < 0) {
		char why[128];

		snprintf(why, sizeof(why), "cannot signal it: %s",
		         r == -2 ? "its /proc entry cannot be read" : strerror(errno));
		say(stderr, "fioctl: cannot end ", s, why);
		return -1;
	}
	if (r == 0 || wait_gone(s, e->wait_s * 1000u))
		return 0;
	r = signal_leader(s, SIGKILL);
	if (r == 0 || (r > 0 && wait_gone(s, KILL_WAIT_MS)))
		return 0;
	say(stderr, "fioctl: cannot end ", s,
	    r < 0 ? "cannot send SIGKILL" : "still running after SIGKILL");
	return -1;
}

static void
enforce_one(struct enforce *e, const struct sess *s)
{
	if (leader_check(s->pid, s->start) == LEADER_GONE) {
		if (!e->dry_run)
			session_end(e, s, "gone");
		return;
	}
	if (strcmp(s->action, "end") != 0)
		return;
	if (s->pid <= 1 || s->start == 0) {
		say(stderr, "fioctl: not ending ", s,
		    s->pid <= 1 ? "refusing to signal this pid"
		                : "its start time is unknown, so the process cannot be verified");
		e->failed = 1;
		return;
	}
	if (e->dry_run) {
		say(stdout, "would end ", s, s->reason);
		return;
	}
	if (terminate(e, s) != 0) {
		e->failed = 1;
		return;
	}
	say(stdout, "ended ", s, s->reason);
	session_end(e, s, s->reason);
}

/* ---- the list ---------------------------------------------------------------------- */

/* A decimal number in 0..max, digits only. */
static int
parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (s == NULL || s[0] == '\0' || strlen(s) > SESSION_ID_MAX)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (max - (unsigned long long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*out = v;
	return 0;
}

static void
sess_free(struct sess *s)
{
	free(s->id);
	free(s->user);
	free(s->action);
	free(s->reason);
}

/* 0, or -1 if the record is malformed or memory ran out. */
static int
sess_parse(const struct fio_client_msg *m, struct sess *s)
{
	const char *action = fioctl_field(m, "action"), *reason = fioctl_field(m, "reason");
	const char *id = fioctl_field(m, "id"), *user = fioctl_field(m, "user");
	unsigned long long pid, id_v;

	memset(s, 0, sizeof(*s));
	if (parse_ull(id, ULLONG_MAX, &id_v) != 0 || user == NULL || user[0] == '\0' ||
	    parse_ull(fioctl_field(m, "pid"), INT_MAX, &pid) != 0 || pid == 0 ||
	    parse_ull(fioctl_field(m, "pid_start"), ULLONG_MAX, &s->start) != 0 || action == NULL ||
	    (strcmp(action, "end") != 0 && strcmp(action, "keep") != 0))
		return -1;
	if (reason == NULL || reason[0] == '\0')
		reason = "-";
	s->pid = (pid_t)pid;
	s->id = strdup(id);
	s->user = strdup(user);
	s->action = strdup(action);
	s->reason = strdup(reason);
	if (s->id == NULL || s->user == NULL || s->action == NULL || s->reason == NULL) {
		sess_free(s);
		return -1;
	}
	return 0;
}

static void
collect(void *ctx, const struct fio_client_msg *m)
{
	struct enforce *e = ctx;
	struct sess s;

	if (sess_parse(m, &s) != 0) {
		fflush(stdout);
		fprintf(stderr, "fioctl: skipped a malformed session record from fio-helperd\n");
		e->failed = 1;
		return;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap > 0 ? e->cap * 2 : 16;
		struct sess *v =
		        cap <= FIO_MAX_RECORDS ? reallocarray(e->v, cap, sizeof(*v)) : NULL;

		if (v == NULL) {
			sess_free(&s);
			fprintf(stderr,
			        "fioctl: too many sessions; the rest are left for the next run\n");
			e->failed = 1;
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = s;
}

static int
parse_enforce(int argc, char **argv, struct enforce *e)
{
	static const struct option longopts[] = {
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        {"wait", required_argument, NULL, OPT_WAIT},
	        {NULL, 0, NULL, 0},
	};
	unsigned long long w;
	int ch;

	optind = 0; /* GNU: start afresh at argv[1] */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == OPT_DRY_RUN)
			e->dry_run = 1;
		else if (ch == OPT_WAIT && parse_ull(optarg, WAIT_MAX_S, &w) == 0)
			e->wait_s = (unsigned)w;
		else
			return -1;
	}
	return optind == argc ? 0 : -1;
}

int
fioctl_enforce(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct enforce e = {.o = o, .wait_s = WAIT_DEFAULT_S};
	struct fioctl_req q = {.cmd = FIO_CTL_ENFORCE_LIST, .on_record = collect, .ctx = &e};
	int rc;

	if (parse_enforce(argc, argv, &e) != 0)
		return fioctl_usage(cmd);
	if (geteuid() != 0) {
		fprintf(stderr, "fioctl: enforce must be run as root\n");
		return FIOCTL_EXIT_FAIL;
	}
	rc = fioctl_request(o, &q);
	for (size_t i = 0; rc == FIOCTL_EXIT_OK && i < e.n && !e.unreachable; i++)
		enforce_one(&e, &e.v[i]);
	for (size_t i = 0; i < e.n; i++)
		sess_free(&e.v[i]);
	free(e.v);
	if (rc != FIOCTL_EXIT_OK)
		return rc;
	if (e.unreachable)
		return FIOCTL_EXIT_UNREACHABLE;
	return e.failed ? FIOCTL_EXIT_FAIL : FIOCTL_EXIT_OK;
}
