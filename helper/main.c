/*
 * main.c - fio-helperd: options, configuration, privileges, key, store,
 * signals, socket (bound, or passed by systemd), workers, readiness
 * (sd_notify), then the event loop.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fio-proto.h"
#include "log.h"
#include "notify.h"
#include "password.h"
#include "policy.h"
#include "quality.h"
#include "sdnotify.h"
#include "server.h"
#include "totp.h"
#include "workers.h"

#define WORKER_QUEUE_MAX 1024u

static struct fio_server *signal_target;

static void
on_signal(int sig)
{
	if (signal_target == NULL)
		return;
	if (sig == SIGHUP)
		signal_target->reload = 1;
	else
		signal_target->stop = 1;
}

static int
setup_signals(struct fio_server *s)
{
	struct sigaction sa;

	signal_target = s;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: fio-helperd [--config FILE] [--foreground] [--debug]\n"
	             "       fio-helperd --version\n");
}

/* As root: make the socket directory for the helper user, then drop to that
 * user for good (no supplementary groups, and check that root cannot come back). */
static int
drop_privileges(struct fio_server *s)
{
	struct passwd pw, *res = NULL;
	char buf[16384], dir[4096];
	char *slash;

	if (geteuid() != 0)
		return 0;
	if (s->cfg.user == NULL || getpwnam_r(s->cfg.user, &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL) {
		log_err("started as root but the helper user \"%s\" does not exist; refusing to "
		        "run as root",
		        s->cfg.user != NULL ? s->cfg.user : "");
		return -1;
	}
	if (pw.pw_uid == 0) {
		log_err("the helper user must not be root");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", s->cfg.socket_path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		/* chmod: the umask (077) is already in force */
		if (mkdir(dir, 0755) == 0 &&
		    (chown(dir, pw.pw_uid, pw.pw_gid) != 0 || chmod(dir, 0755) != 0)) {
			log_err("cannot chown or chmod %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (setgroups(0, NULL) != 0 || setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0 ||
	    setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0) {
		log_err("cannot drop privileges to %s: %s", s->cfg.user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		log_err("could regain root after dropping privileges; refusing to run");
		return -1;
	}
	log_info("running as %s (uid %ld)", s->cfg.user, (long)pw.pw_uid);
	return 0;
}

/* The password rules can be applied (libpwquality, its dictionary). */
static int
quality_ok(const struct fio_config *cfg, char *err, size_t errlen)
{
	struct fio_quality q = {cfg->pw_min_length, cfg->pw_max_length, cfg->pw_dictionary};

	return fio_quality_selftest(&q, err, errlen);
}

static int
open_state(struct fio_server *s)
{
	char err[512];
	struct stat st;
	int store_exists = stat(s->cfg.store_path, &st) == 0;

	/* A missing key with an existing store would make every secret unreadable:
	 * never create a new key over an existing store. */
	if (fio_key_load(s->cfg.key_file, !store_exists, &s->key, err, sizeof(err)) != 0) {
		log_err("%s%s", err,
		        store_exists ? " (the store exists, so no new key is created)" : "");
		return -1;
	}
	if (fio_store_open(s->cfg.store_path, &s->store, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if (fio_password_dummy(s->cfg.hash_cost, &s->dummy_hash) != 0) {
		log_err("cannot make the dummy password hash");
		return -1;
	}
	if (quality_ok(&s->cfg, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	s->notifier = fio_notifier_new();
	if (s->notifier == NULL) {
		log_err("out of memory");
		return -1;
	}
	if (fio_policy_snapshot(s, (int64_t)time(NULL)) != 0)
		return -1;
	s->lock_names = fio_lockout_new(FIO_LOCKOUT_SLOTS);
	s->lock_sources = fio_lockout_new(FIO_LOCKOUT_SLOTS);
	if (s->lock_names == NULL || s->lock_sources == NULL) {
		log_err("cannot make the lockout tables");
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct fio_server *s, int *debug)
{
	static const struct option opts[] = {
	        {"config", required_argument, NULL, 'c'}, {"foreground", no_argument, NULL, 'f'},
	        {"debug", no_argument, NULL, 'd'},        {"version", no_argument, NULL, 'V'},
	        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:fdVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			s->config_path = optarg;
			break;
		case 'f':
			s->foreground = 1;
			break;
		case 'd':
			*debug = 1;
			break;
		case 'V':
			printf("fio-helperd %s (protocol %u)\n", PACKAGE_VERSION,
			       FIO_PROTO_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Room for max_connections clients plus the store, the key and the loop. */
static void
raise_fd_limit(struct fio_config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->max_connections + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return;
	}
	if (rl.rlim_cur < want) {
		cfg->max_connections = rl.rlim_cur > 128 ? (unsigned)(rl.rlim_cur - 64) : 64;
		log_warn("open-file limit %lu: serving at most %u connections",
		         (unsigned long)rl.rlim_cur, cfg->max_connections);
	}
}

static unsigned
worker_count(const struct fio_config *cfg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (cfg->workers > 0)
		return cfg->workers;
	return n > 0 && n <= 64 ? (unsigned)n : 2;
}

/* The listening socket's path: cfg.socket_path, or where the socket that
 * systemd passed really is ("@name" for the abstract namespace). */
static const char *
listen_path(const struct fio_server *s, char *out, size_t outsz)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	size_t n;

	memset(&sa, 0, sizeof(sa));
	if (getsockname(s->listen_fd, (struct sockaddr *)&sa, &len) != 0 ||
	    len <= offsetof(struct sockaddr_un, sun_path) + 1) {
		snprintf(out, outsz, "%s", s->cfg.socket_path);
		return out;
	}
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (sa.sun_path[0] == '\0')
		snprintf(out, outsz, "@%.*s", (int)n - 1, sa.sun_path + 1);
	else
		snprintf(out, outsz, "%.*s", (int)strnlen(sa.sun_path, n), sa.sun_path);
	return out;
}

int
main(int argc, char **argv)
{
	struct fio_server s;
	char err[512], where[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	int debug = 0, rc = 1;

	memset(&s, 0, sizeof(s));
	s.listen_fd = s.epoll_fd = -1;
	s.config_path = FIO_DEFAULT_CONFIG;
	if (parse_args(argc, argv, &s, &debug) != 0)
		return 64;
	umask(077);
	fio_log_init("fio-helperd", s.foreground, debug);
	if (fio_config_defaults(&s.cfg) != 0 ||
	    fio_config_load(s.config_path, &s.cfg, err, sizeof(err)) != 0) {
		log_err("%s", err);
		if (!s.foreground)
			fprintf(stderr, "fio-helperd: %s\n", err);
		return 1;
	}
	raise_fd_limit(&s.cfg); /* before dropping root: the hard limit may be raised then */
	if (drop_privileges(&s) != 0)
		goto out;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_warn("prctl: %s", strerror(errno));
	if (fio_totp_global_init() != 0) {
		log_err("liboath initialisation failed");
		goto out;
	}
	if (open_state(&s) != 0)
		goto out;
	/* The socket before the workers: taking a passed socket edits the
	 * environment, which must happen before any thread runs. */
	if (setup_signals(&s) != 0 || fio_server_listen(&s) != 0)
		goto out;
	s.workers = fio_workers_new(worker_count(&s.cfg), WORKER_QUEUE_MAX);
	if (s.workers == NULL)
		goto out;
	log_info("listening on %s (store %s, %u workers)", listen_path(&s, where, sizeof(where)),
	         s.cfg.store_path, worker_count(&s.cfg));
	/* systemd (Type=notify) orders the units after this one from here on */
	fio_sd_notifyf("READY=1\nSTATUS=serving on %s", where);
	if (fio_server_run(&s) == 0)
		rc = 0;
	log_info("stopped");
out:
	if (rc != 0) {
		fio_sd_notify("STATUS=start-up failed; see the log");
		fprintf(stderr, "fio-helperd: start-up failed; see the log above or syslog\n");
	}
	fio_workers_free(s.workers);
	if (s.listen_fd >= 0) {
		/* a socket this process bound and never served: no stale file */
		if (rc != 0 && !fio_sd_fd_passed(s.listen_fd))
			unlink(s.cfg.socket_path);
		close(s.listen_fd);
	}
	if (s.epoll_fd >= 0)
		close(s.epoll_fd);
	fio_store_close(s.store);
	fio_key_wipe(&s.key);
	free(s.dummy_hash);
	fio_notifier_free(s.notifier);
	fio_lockout_free(s.lock_names);
	fio_lockout_free(s.lock_sources);
	fio_config_free(&s.cfg);
	fio_totp_global_done();
	return rc;
}
