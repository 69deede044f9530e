/*
 * notify.c - the notify command (see notify.h): cleans a notice, spawns the
 * command with a fixed environment and the notice as a message on its standard
 * input, and later feeds, reaps or kills it from the event loop. Nothing here
 * blocks: the message goes through a non-blocking pipe, children are reaped
 * with WNOHANG, and a command past its deadline is killed with its whole
 * process group (it runs in a session of its own).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fio-frame.h"
#include "fio-wipe.h"
#include "log.h"
#include "notify.h"

#define EVENT_MAX 63       /* bytes of FIO_EVENT; longer is cut */
#define USER_MAX 256       /* bytes of FIO_USER; longer is cut */
#define EMAIL_MAX 254      /* longer addresses are refused */
#define KILL_GRACE_MS 1000 /* SIGTERM, then SIGKILL this much later */
#define NOTIFY_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
#define ENV_COUNT 7 /* PATH and the six FIO_* variables */

struct child {
	pid_t pid; /* 0: the slot is free */
	int fd;    /* our end of its standard input; -1 once written or given up */
	char *msg; /* the message; msg[off..len) is still to be written */
	size_t len, off;
	int64_t deadline; /* SIGTERM then */
	int64_t kill_at;  /* SIGKILL then; 0 until SIGTERM was sent */
	int killed;       /* SIGKILL sent */
	unsigned timeout_s;
	char event[EVENT_MAX + 1]; /* for the log */
};

struct fio_notifier {
	struct child c[FIO_NOTIFY_RUNNING_MAX];
	unsigned running;
	int64_t last_fail_log, last_drop_log, last_email_log;
};

/* A notice as it is handed to the command: cleaned, bounded, NUL-terminated. */
struct clean_notice {
	char event[EVENT_MAX + 1];
	char user[USER_MAX + 1];
	char email[EMAIL_MAX + 1];
	char subject[FIO_NOTIFY_SUBJECT_MAX + 1];
	char message[FIO_NOTIFY_MESSAGE_MAX + 1];
	char host[HOST_NAME_MAX + 1];
};

/* The parts, and 256 bytes for the headers' names and the blank line. */
#define MSG_SIZE (256 + EMAIL_MAX + FIO_NOTIFY_SUBJECT_MAX + FIO_NOTIFY_MESSAGE_MAX)

/* ---- cleaning ---------------------------------------------------------------- */

enum clean_mode {
	CLEAN_LINE,  /* control characters become spaces */
	CLEAN_TEXT,  /* control characters other than '\n' and '\t' are dropped */
	CLEAN_FIELD, /* control characters are dropped */
};

/* Length of the valid UTF-8 sequence at s (avail bytes left), 0 if it is not
 * one; *cp is its code point. Overlong forms and surrogates are invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t avail, unsigned long *cp)
{
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		*cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		*cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		*cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))) ||
	    (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)))
		return 0;
	return n;
}

/* Copies in (NULL: "") into out (max bytes + NUL) by mode. A byte that is not
 * valid UTF-8 becomes '?'; C0, DEL and C1 are control characters; the copy
 * stops before a character that would not fit, so it is cut at a boundary. */
static void
clean_copy(char *out, size_t max, const char *in, enum clean_mode mode)
{
	const unsigned char *s = (const unsigned char *)(in != NULL ? in : "");
	size_t left = strlen((const char *)s), o = 0;

	while (left > 0) {
		unsigned long cp;
		size_t n = utf8_seq(s, left, &cp);
		const unsigned char *put = s;
		size_t putn = n;

		if (n == 0) {
			put = (const unsigned char *)"?";
			putn = n = 1;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			if (mode == CLEAN_LINE)
				put = (const unsigned char *)" ";
			else if (mode == CLEAN_FIELD || (cp != '\n' && cp != '\t'))
				put = NULL;
			putn = put != NULL ? 1 : 0;
		}
		if (max - o < putn)
			break;
		if (put != NULL)
			memcpy(out + o, put, putn);
		o += putn;
		s += n;
		left -= n;
	}
	out[o] = '\0';
}

static int
is_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* A deliberately narrow address syntax: local@domain, local of [A-Za-z0-9._%+=-],
 * domain of [A-Za-z0-9.-], neither empty, no leading '-' or '.'. Anything else
 * (spaces, CR/LF, ',', '<', '>', quotes, a second '@', non-ASCII) is refused. */
static int
email_ok(const char *e)
{
	const char *at = strchr(e, '@');
	size_t len = strlen(e);

	if (len == 0 || len > EMAIL_MAX || at == NULL || at == e || at[1] == '\0' || e[0] == '-' ||
	    e[0] == '.' || strchr(at + 1, '@') != NULL)
		return 0;
	for (const char *p = e; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (p == at || is_alnum(ch) || ch == '.' || ch == '-')
			continue;
		if (p < at && (ch == '_' || ch == '%' || ch == '+' || ch == '='))
			continue;
		return 0;
	}
	return 1;
}

static void
clean_notice(struct fio_notifier *nt, const struct fio_notice *n, struct clean_notice *c)
{
	char u[96], host[HOST_NAME_MAX + 1];

	clean_copy(c->event, EVENT_MAX, n->event, CLEAN_FIELD);
	clean_copy(c->user, USER_MAX, n->user, CLEAN_FIELD);
	clean_copy(c->subject, FIO_NOTIFY_SUBJECT_MAX, n->subject, CLEAN_LINE);
	clean_copy(c->message, FIO_NOTIFY_MESSAGE_MAX, n->message, CLEAN_TEXT);
	c->email[0] = '\0';
	if (n->email != NULL && n->email[0] != '\0') {
		if (email_ok(n->email))
			clean_copy(c->email, EMAIL_MAX, n->email, CLEAN_FIELD);
		else
			log_ratelimited(&nt->last_email_log, LOG_WARNING,
			                "account \"%s\" has an e-mail address that cannot be used; "
			                "its %s notice goes without one",
			                fio_log_escape(c->user, u, sizeof(u)), c->event);
	}
	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	clean_copy(c->host, HOST_NAME_MAX, host, CLEAN_FIELD);
}

/* ---- message and environment ------------------------------------------------- */

/* The RFC 5322 message for the command's standard input; NULL if out of memory. */
static char *
build_message(const struct clean_notice *c, size_t *len)
{
	size_t mlen = strlen(c->message);
	const char *nl = mlen == 0 || c->message[mlen - 1] != '\n' ? "\n" : "";
	char *buf = malloc(MSG_SIZE);
	int w;

	if (buf == NULL)
		return NULL;
	w = snprintf(buf, MSG_SIZE,
	             "%s%s%sSubject: %s\nAuto-Submitted: auto-generated\n"
	             "Content-Type: text/plain; charset=UTF-8\n\n%s%s",
	             c->email[0] != '\0' ? "To: " : "", c->email, c->email[0] != '\0' ? "\n" : "",
	             c->subject, c->message, nl);
	if (w < 0 || (size_t)w >= MSG_SIZE) {
		free(buf);
		return NULL;
	}
	*len = (size_t)w;
	return buf;
}

static void
free_env(char **env)
{
	if (env == NULL)
		return;
	for (size_t i = 0; env[i] != NULL; i++)
		fio_freezero_str(env[i]); /* FIO_MESSAGE may carry a reset code */
	free(env);
}

static char *
env_var(const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *s = malloc(nl + vl + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, name, nl);
	s[nl] = '=';
	memcpy(s + nl + 1, value, vl + 1);
	return s;
}

/* PATH and the FIO_* variables, nothing inherited; NULL if out of memory. */
static char **
build_env(const struct clean_notice *c)
{
	const char *names[ENV_COUNT] = {"PATH",        "FIO_EVENT",   "FIO_USER", "FIO_EMAIL",
	                                "FIO_SUBJECT", "FIO_MESSAGE", "FIO_HOST"};
	const char *values[ENV_COUNT] = {NOTIFY_PATH, c->event,   c->user, c->email,
	                                 c->subject,  c->message, c->host};
	char **env = calloc(ENV_COUNT + 1, sizeof(*env));

	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < ENV_COUNT; i++) {
		env[i] = env_var(names[i], values[i]);
		if (env[i] == NULL) {
			free_env(env);
			return NULL;
		}
	}
	return env;
}

/* ---- spawning ----------------------------------------------------------------- */

static int
spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at, int in)
{
	sigset_t none, dfl;
	int r;

	sigemptyset(&none);
	sigfillset(&dfl); /* every signal the helper ignores goes back to its default */
	if ((r = posix_spawn_file_actions_adddup2(fa, in, 0)) != 0 ||
	    (r = posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0)) != 0 ||
	    (r = posix_spawn_file_actions_adddup2(fa, 1, 2)) != 0 ||
	    (r = posix_spawn_file_actions_addclosefrom_np(fa, 3)) != 0 ||
	    (r = posix_spawn_file_actions_addchdir_np(fa, "/")) != 0 ||
	    (r = posix_spawnattr_setflags(at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
	                                              POSIX_SPAWN_SETSIGDEF)) != 0 ||
	    (r = posix_spawnattr_setsigmask(at, &none)) != 0 ||
	    (r = posix_spawnattr_setsigdefault(at, &dfl)) != 0)
		return r;
	return 0;
}

/* Starts argv with envp and a pipe on its standard input; *in_fd is our end
 * (non-blocking, close-on-exec). 0, or an errno value. */
static int
spawn(char *const *argv, char *const *envp, pid_t *pid, int *in_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int p[2], r, have_fa = 0, have_at = 0;

	if (pipe2(p, O_CLOEXEC) != 0)
		return errno;
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) != 0) {
		r = errno;
		goto out;
	}
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	have_fa = 1;
	if ((r = posix_spawnattr_init(&at)) != 0)
		goto out;
	have_at = 1;
	if ((r = spawn_setup(&fa, &at, p[0])) != 0)
		goto out;
	r = posix_spawn(pid, argv[0], &fa, &at, argv, envp);
out:
	if (have_at)
		posix_spawnattr_destroy(&at);
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (r != 0)
		close(p[1]);
	else
		*in_fd = p[1];
	return r;
}

/* ---- children ------------------------------------------------------------------ */

/* write(2) with SIGPIPE blocked in this thread, and a SIGPIPE it raised taken
 * back, so that a command that does not read its input cannot kill the helper
 * whatever SIGPIPE's disposition. */
static ssize_t
write_nosigpipe(int fd, const void *buf, size_t len)
{
	sigset_t pipe_set, old, pending;
	int was_pending, saved;
	ssize_t w;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if ((errno = pthread_sigmask(SIG_BLOCK, &pipe_set, &old)) != 0)
		return -1;
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
	w = write(fd, buf, len);
	saved = errno;
	if (w < 0 && saved == EPIPE && !was_pending) {
		const struct timespec zero = {0, 0};

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return w;
}

static void
close_input(struct child *ch)
{
	if (ch->fd >= 0)
		close(ch->fd);
	ch->fd = -1;
	fio_freezero(ch->msg, ch->len);
	ch->msg = NULL;
	ch->len = ch->off = 0;
}

/* Writes what the pipe takes; closes our end when all is written, or when the
 * command does not read (EPIPE) or the write fails otherwise. */
static void
feed(struct child *ch)
{
	while (ch->fd >= 0 && ch->off < ch->len) {
		ssize_t w = write_nosigpipe(ch->fd, ch->msg + ch->off, ch->len - ch->off);

		if (w > 0) {
			ch->off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w < 0 && errno != EPIPE)
			log_warn("cannot write to the notify command for %s: %s", ch->event,
			         strerror(errno));
		break;
	}
	close_input(ch);
}

static void
release(struct fio_notifier *nt, struct child *ch)
{
	close_input(ch);
	memset(ch, 0, sizeof(*ch));
	ch->fd = -1;
	nt->running--;
}

static void
kill_group(pid_t pid, int sig)
{
	/* Its own session, so its own process group: grandchildren go too. */
	if (kill(-pid, sig) != 0)
		(void)kill(pid, sig);
}

static void
report(struct fio_notifier *nt, const struct child *ch, int st)
{
	if (ch->kill_at != 0)
		return; /* we stopped it, and said so */
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		log_ratelimited(&nt->last_fail_log, LOG_WARNING,
		                "notify command for %s exited with status %d", ch->event,
		                WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		log_ratelimited(&nt->last_fail_log, LOG_WARNING,
		                "notify command for %s was killed by signal %d", ch->event,
		                WTERMSIG(st));
}

/* 1 if the child is gone (reaped here, or by someone else), 0 if it runs. */
static int
reap(struct fio_notifier *nt, struct child *ch, int flags)
{
	pid_t r;
	int st = 0;

	do
		r = waitpid(ch->pid, &st, flags);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0)
		log_warn("waitpid(%ld): %s", (long)ch->pid, strerror(errno));
	else
		report(nt, ch, st);
	release(nt, ch);
	return 1;
}

static void
expire(struct fio_notifier *nt, struct child *ch, int64_t now_ms)
{
	if (ch->kill_at == 0 && now_ms >= ch->deadline) {
		log_ratelimited(&nt->last_fail_log, LOG_WARNING,
		                "notify command for %s still running after %u s; stopping it",
		                ch->event, ch->timeout_s);
		close_input(ch);
		kill_group(ch->pid, SIGTERM);
		ch->kill_at = now_ms + KILL_GRACE_MS;
	} else if (ch->kill_at != 0 && !ch->killed && now_ms >= ch->kill_at) {
		kill_group(ch->pid, SIGKILL);
		ch->killed = 1;
	}
}

/* ---- the interface ------------------------------------------------------------- */

struct fio_notifier *
fio_notifier_new(void)
{
	struct fio_notifier *nt = calloc(1, sizeof(*nt));

	if (nt == NULL)
		return NULL;
	for (size_t i = 0; i < FIO_NOTIFY_RUNNING_MAX; i++)
		nt->c[i].fd = -1;
	return nt;
}

void
fio_notifier_free(struct fio_notifier *nt)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	int64_t end;

	if (nt == NULL)
		return;
	for (size_t i = 0; i < FIO_NOTIFY_RUNNING_MAX; i++) {
		struct child *ch = &nt->c[i];

		if (ch->pid == 0)
			continue;
		close_input(ch);
		kill_group(ch->pid, SIGTERM);
		ch->kill_at = 1; /* stopped by us: nothing to report */
	}
	end = fio_now_ms() + KILL_GRACE_MS;
	while (nt->running > 0) {
		for (size_t i = 0; i < FIO_NOTIFY_RUNNING_MAX; i++)
			if (nt->c[i].pid != 0)
				reap(nt, &nt->c[i], WNOHANG);
		if (nt->running == 0 || fio_now_ms() >= end)
			break;
		nanosleep(&pause, NULL);
	}
	for (size_t i = 0; i < FIO_NOTIFY_RUNNING_MAX; i++) {
		if (nt->c[i].pid == 0)
			continue;
		kill_group(nt->c[i].pid, SIGKILL);
		reap(nt, &nt->c[i], 0);
	}
	free(nt);
}

static struct child *
free_slot(struct fio_notifier *nt)
{
	for (size_t i = 0; i < FIO_NOTIFY_RUNNING_MAX; i++)
		if (nt->c[i].pid == 0)
			return &nt->c[i];
	return NULL;
}

int
fio_notify(struct fio_notifier *nt, char *const *argv, unsigned timeout_s,
           const struct fio_notice *n, int64_t now_ms)
{
	struct clean_notice c;
	struct child *ch;
	char **env = NULL, *msg = NULL, a0[128];
	size_t len = 0;
	pid_t pid = 0;
	int fd = -1, r, rc = -1;

	if (argv == NULL)
		return 0;
	if (nt == NULL || n == NULL)
		return -1;
	if (argv[0] == NULL || argv[0][0] != '/') {
		log_err("the notify command must be an absolute path");
		return -1;
	}
	ch = free_slot(nt);
	if (ch == NULL) {
		log_ratelimited(&nt->last_drop_log, LOG_WARNING,
		                "%u notify commands are running; dropping a notice", nt->running);
		return -1;
	}
	clean_notice(nt, n, &c);
	msg = build_message(&c, &len);
	env = build_env(&c);
	if (msg == NULL || env == NULL) {
		log_err("out of memory; dropping a %s notice", c.event);
		goto out;
	}
	if ((r = spawn(argv, env, &pid, &fd)) != 0) {
		log_ratelimited(&nt->last_fail_log, LOG_WARNING,
		                "cannot run notify command \"%s\" for %s: %s",
		                fio_log_escape(argv[0], a0, sizeof(a0)), c.event, strerror(r));
		goto out;
	}
	memset(ch, 0, sizeof(*ch));
	ch->pid = pid;
	ch->fd = fd;
	ch->msg = msg;
	ch->len = len;
	ch->deadline = now_ms + (int64_t)timeout_s * 1000;
	ch->timeout_s = timeout_s;
	memcpy(ch->event, c.event, sizeof(ch->event));
	msg = NULL;
	nt->running++;
	feed(ch);
	rc = 0;
out:
	fio_freezero(msg, len);
	free_env(env);
	fio_wipe(&c, sizeof(c));
	return rc;
}

void
fio_notifier_tick(struct fio_notifier *nt, int64_t now_ms)
{
	if (nt == NULL)
		return;
	for (size_t i = 0; i < FIO_NOTIFY_RUNNING_MAX; i++) {
		struct child *ch = &nt->c[i];

		if (ch->pid == 0)
			continue;
		if (ch->fd >= 0)
			feed(ch);
		if (reap(nt, ch, WNOHANG))
			continue;
		expire(nt, ch, now_ms);
	}
}

unsigned
fio_notifier_running(const struct fio_notifier *nt)
{
	return nt != NULL ? nt->running : 0;
}
