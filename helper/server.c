/*
 * server.c - the listening socket and the event loop (epoll). All flows run on
 * this thread; slow hashing runs on the workers and comes back through their
 * eventfd. Work per wake-up is bounded for every connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn_impl.h"
#include "fio-frame.h"
#include "log.h"
#include "notify.h"
#include "policy.h"
#include "quality.h"
#include "sdnotify.h"
#include "server.h"
#include "workers.h"

#define TAG_LISTEN ((void *)1)
#define TAG_WORKERS ((void *)2)
#define STOP_GRACE_MS 10000

/* Makes sure the socket's directory exists and is a real directory, not a
 * symlink, not writable by others. */
static int
check_socket_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *slash;

	if (strlen(path) >= sizeof(dir)) {
		log_err("socket path %s is too long", path);
		return -1;
	}
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == 0) {
		if (chmod(dir, 0755) != 0) { /* under the helper's umask (077) */
			log_err("cannot chmod %s: %s", dir, strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		log_err("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_err("%s is not a directory (or is a symlink)", dir);
		return -1;
	}
	if ((st.st_mode & 0002) != 0 && (st.st_mode & S_ISVTX) == 0) {
		log_err("%s is writable by anyone; refusing to put the socket there", dir);
		return -1;
	}
	return 0;
}

/* Binds cfg.socket_path itself: the start without a service manager. */
static int
listen_bind(struct fio_server *s)
{
	const char *path = s->cfg.socket_path;
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	if (check_socket_dir(path) != 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("%s exists and is not a socket; refusing to replace it", path);
			return -1;
		}
		/* A live helper answers; a stale socket refuses. */
		int probe;
		if (fio_connect_unix(path, &probe, fio_now_ms() + 1000) == 0) {
			close(probe);
			log_err("another fio-helperd is listening on %s", path);
			return -1;
		}
		if (unlink(path) != 0) {
			log_err("cannot remove stale socket %s: %s", path, strerror(errno));
			return -1;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_err("socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0666) != 0 ||
	    listen(fd, 1024) != 0) {
		log_err("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	s->listen_fd = fd;
	return 0;
}

static int
sock_opt(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) != 0)
		return -1;
	return v;
}

/* The socket a service manager passed (systemd's fio-helperd.socket, or
 * systemd-socket-activate): it must be a listening AF_UNIX stream socket. Its
 * path should be cfg.socket_path, where the module and fioctl look; another
 * path is only a warning (socket= in the PAM stack may name it). */
static int
listen_passed(struct fio_server *s, const struct fio_sd_fds *fds)
{
	int fd = FIO_SD_LISTEN_FDS_START, fl;
	const char *name = fds->name[0][0] != '\0' ? fds->name[0] : "unnamed";
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	if (fds->n != 1) {
		log_err("the service manager passed %d sockets (LISTEN_FDS); fio-helperd takes "
		        "exactly one: a listening Unix stream socket",
		        fds->n);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	if (sock_opt(fd, SO_DOMAIN) != AF_UNIX || sock_opt(fd, SO_TYPE) != SOCK_STREAM ||
	    sock_opt(fd, SO_ACCEPTCONN) != 1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		log_err("fd %d passed by the service manager (LISTEN_FDS, %s) is not a listening "
		        "Unix stream socket; refusing to start",
		        fd, name);
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		log_err("fd %d: cannot make it non-blocking: %s", fd, strerror(errno));
		return -1;
	}
	if (len <= offsetof(struct sockaddr_un, sun_path) || sa.sun_path[0] == '\0' ||
	    strncmp(sa.sun_path, s->cfg.socket_path, sizeof(sa.sun_path)) != 0)
		log_warn("the socket passed by the service manager (%s) is %s%.*s, not %s; "
		         "clients must be told its path (pam_fio socket=, fioctl --socket)",
		         name, sa.sun_path[0] == '\0' ? "the abstract @" : "",
		         (int)sizeof(sa.sun_path) - 1, sa.sun_path + (sa.sun_path[0] == '\0'),
		         s->cfg.socket_path);
	log_info("using the listening socket passed by the service manager (fd %d, %s)", fd, name);
	s->listen_fd = fd;
	return 0;
}

int
fio_server_listen(struct fio_server *s)
{
	struct fio_sd_fds fds;
	char err[256];

	if (fio_sd_listen_fds(&fds, err, sizeof(err)) != 0) {
		log_err("socket activation: %s; refusing to start", err);
		return -1;
	}
	if (fds.n > 0)
		return listen_passed(s, &fds);
	if (fds.other_pid != 0)
		log_info("LISTEN_FDS is meant for process %ld, not this one: ignored",
		         fds.other_pid);
	return listen_bind(s);
}

static unsigned
count_uid(const struct fio_server *s, uid_t uid)
{
	unsigned n = 0;

	for (const struct fio_conn *c = s->conns; c != NULL; c = c->next)
		n += c->uid == uid;
	return n;
}

static void
accept_some(struct fio_server *s)
{
	for (int i = 0; i < 64; i++) {
		struct epoll_event ev = {.events = EPOLLIN};
		struct fio_conn *c;
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				log_ratelimited(&s->last_accept_log, LOG_WARNING,
				                "cannot accept: %s; pausing", strerror(errno));
				/* Out of epoll until the pause ends: no busy loop. */
				epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, s->listen_fd, NULL);
				s->accept_pause_until = fio_now_ms() + 100;
			}
			return;
		}
		if (s->nconns >= s->cfg.max_connections || (c = conn_new(s, fd)) == NULL) {
			log_ratelimited(&s->last_refuse_log, LOG_WARNING,
			                "too many connections; refusing one");
			close(fd);
			continue;
		}
		if (c->uid != 0 && count_uid(s, c->uid) >= s->cfg.max_per_uid) {
			log_ratelimited(&s->last_refuse_log, LOG_WARNING,
			                "uid %ld has too many connections; refusing one",
			                (long)c->uid);
			close(fd);
			free(c);
			continue;
		}
		ev.data.ptr = c;
		if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
	}
}

/* Milliseconds until the earliest connection deadline (at most 1000). */
static int
next_timeout(struct fio_server *s, int64_t now)
{
	int64_t best = now + 1000;

	if (s->accept_pause_until != 0 && s->accept_pause_until < best)
		best = s->accept_pause_until;

	for (struct fio_conn *c = s->conns; c != NULL; c = c->next) {
		int64_t d = conn_next_deadline(c);

		if (d != 0 && d < best)
			best = d;
	}
	return best <= now ? 0 : (int)(best - now);
}

static void
expire(struct fio_server *s, int64_t now)
{
	struct fio_conn *c = s->conns;

	while (c != NULL) {
		struct fio_conn *next = c->next;

		conn_check_deadlines(c, now);
		c = next;
	}
}

static void
dispatch_event(struct fio_server *s, struct epoll_event *ev)
{
	struct fio_conn *c = ev->data.ptr;

	if (ev->data.ptr == TAG_LISTEN) {
		if (s->listen_fd >= 0 && s->accept_pause_until == 0)
			accept_some(s);
		return;
	}
	if (ev->data.ptr == TAG_WORKERS) {
		fio_workers_drain(s->workers);
		return;
	}
	if (c->dead)
		return;
	if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_on_readable(c);
	if (!c->dead && (ev->events & EPOLLOUT))
		conn_on_writable(c);
}

static int
loop_setup(struct fio_server *s)
{
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = TAG_LISTEN};
	struct epoll_event wev = {.events = EPOLLIN, .data.ptr = TAG_WORKERS};

	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epoll_fd < 0 || epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->listen_fd, &lev) != 0 ||
	    epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fio_workers_fd(s->workers), &wev) != 0) {
		log_err("epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void
resume_accept(struct fio_server *s)
{
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = TAG_LISTEN};

	s->accept_pause_until = 0;
	if (s->listen_fd >= 0 && epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->listen_fd, &lev) != 0)
		log_err("cannot watch the listening socket again: %s", strerror(errno));
}

/* SIGTERM: stop accepting; give in-flight conversations a grace period. */
static void
begin_stop(struct fio_server *s, int64_t *stop_deadline)
{
	/* A passed socket stays with the service manager, path and all: it
	 * queues new clients and starts the helper again for them. */
	int passed = fio_sd_fd_passed(s->listen_fd);

	log_info("stopping: %u connection(s) in flight", s->nconns);
	fio_sd_notifyf("STOPPING=1\nSTATUS=stopping: %u connection(s) in flight", s->nconns);
	if (s->accept_pause_until == 0)
		epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, s->listen_fd, NULL);
	s->accept_pause_until = 0;
	close(s->listen_fd);
	s->listen_fd = -1;
	if (!passed)
		unlink(s->cfg.socket_path);
	*stop_deadline = fio_now_ms() + STOP_GRACE_MS;
}

int
fio_server_run(struct fio_server *s)
{
	struct epoll_event evs[64];
	int64_t stop_deadline = 0;

	if (loop_setup(s) != 0)
		return -1;
	for (;;) {
		int64_t now = fio_now_ms();
		int n;

		if (s->stop && stop_deadline == 0)
			begin_stop(s, &stop_deadline);
		if (stop_deadline != 0 && (s->nconns == 0 || now >= stop_deadline))
			break;
		if (s->reload) {
			s->reload = 0;
			fio_sd_notify_reloading();
			fio_server_reload(s);
			fio_sd_notify("READY=1"); /* the STATUS= of the start stays */
		}
		if (s->accept_pause_until != 0 && now >= s->accept_pause_until)
			resume_accept(s);
		n = epoll_wait(s->epoll_fd, evs, 64, next_timeout(s, now));
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++)
			dispatch_event(s, &evs[i]);
		expire(s, fio_now_ms());
		conn_sweep(s);
		fio_notifier_tick(s->notifier, fio_now_ms());
		if (now >= s->next_sweep) {
			fio_policy_sweep(s, (int64_t)time(NULL));
			s->next_sweep = now + FIO_SWEEP_INTERVAL_MS;
		}
	}
	while (s->conns != NULL)
		conn_close(s->conns, "shutting down");
	fio_workers_free(s->workers); /* runs the last done() callbacks */
	s->workers = NULL;
	conn_sweep(s);
	return 0;
}

void
fio_server_reload(struct fio_server *s)
{
	struct fio_config next;
	char err[512];

	if (fio_config_defaults(&next) != 0) {
		log_err("reload: out of memory; keeping the old configuration");
		return;
	}
	if (fio_config_load(s->config_path, &next, err, sizeof(err)) != 0) {
		log_err("reload: %s; keeping the old configuration", err);
		fio_config_free(&next);
		return;
	}
	{
		struct fio_quality q = {next.pw_min_length, next.pw_max_length, next.pw_dictionary};

		if (fio_quality_selftest(&q, err, sizeof(err)) != 0) {
			log_err("reload: %s; keeping the old configuration", err);
			fio_config_free(&next);
			return;
		}
	}
	if (strcmp(next.socket_path, s->cfg.socket_path) != 0 ||
	    strcmp(next.store_path, s->cfg.store_path) != 0 ||
	    strcmp(next.key_file, s->cfg.key_file) != 0 ||
	    strcmp(next.store_backend, s->cfg.store_backend) != 0 ||
	    next.workers != s->cfg.workers || next.hash_cost != s->cfg.hash_cost)
		log_warn("reload: socket, store, key_file, workers and password.hash_cost take "
		         "effect at restart");
	/* Keep what cannot change at run time. */
	free(next.socket_path);
	next.socket_path = s->cfg.socket_path;
	s->cfg.socket_path = NULL;
	free(next.store_path);
	next.store_path = s->cfg.store_path;
	s->cfg.store_path = NULL;
	free(next.key_file);
	next.key_file = s->cfg.key_file;
	s->cfg.key_file = NULL;
	free(next.store_backend);
	next.store_backend = s->cfg.store_backend;
	s->cfg.store_backend = NULL;
	next.workers = s->cfg.workers;
	next.hash_cost = s->cfg.hash_cost; /* the dummy hash was made at this cost */
	fio_config_free(&s->cfg);
	s->cfg = next;
	log_info("configuration reloaded from %s", s->config_path);
	if (fio_policy_snapshot(s, (int64_t)time(NULL)) != 0)
		log_err("reload: the 2FA policy windows could not be recorded");
	s->next_sweep = 0; /* sweep now */
}
