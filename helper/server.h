/*
 * server.h - the helper's one piece of global state, passed explicitly.
 */
#ifndef FIO_SERVER_H
#define FIO_SERVER_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "fio-config.h"
#include "crypto.h"
#include "lockout.h"
#include "store.h"

struct fio_conn;
struct fio_workers;

struct fio_server {
	char *config_path;
	struct fio_config cfg;
	struct fio_store *store;
	struct fio_key key;
	char *dummy_hash; /* yescrypt hash of a random password, same cost as real ones */
	struct fio_lockout *lock_names;   /* failures of names not in the store (lockout.h) */
	struct fio_lockout *lock_sources; /* failures per source (auth_lock.c) */
	int listen_fd;
	int epoll_fd;
	int foreground;
	struct fio_workers *workers;
	struct fio_conn *conns;      /* doubly linked list of open connections */
	struct fio_conn *dead_conns; /* closed, freed by conn_sweep() */
	unsigned nconns;
	int64_t accept_pause_until; /* EMFILE back-off; the listener is out of epoll */
	int64_t last_busy_log, last_refuse_log, last_accept_log; /* rate limits */
	int64_t last_notify_log;                                 /* rate limit */
	int64_t last_event_log;        /* rate limit: the activity log cannot be written */
	struct fio_notifier *notifier; /* notify command children (notify.h) */
	int64_t next_sweep;            /* CLOCK_MONOTONIC ms of the next policy sweep */
	volatile sig_atomic_t stop;    /* SIGTERM/SIGINT */
	volatile sig_atomic_t reload;  /* SIGHUP */
};

/* Opens the listening socket at cfg.socket_path (directory made 0755 if missing,
 * a stale socket replaced, a non-socket or a symlink refused; mode 0666). */
int fio_server_listen(struct fio_server *s);
/* Runs the event loop until stop; in-flight conversations finish first. */
int fio_server_run(struct fio_server *s);
#define FIO_SWEEP_INTERVAL_MS 60000 /* policy notices and pass expiry (policy.h) */

/* SIGHUP: reloads the config file; keeps the old one if the new one is bad.
 * A good one is followed by fio_policy_snapshot() and a policy sweep. */
void fio_server_reload(struct fio_server *s);

#endif /* FIO_SERVER_H */
