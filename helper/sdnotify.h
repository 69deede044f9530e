/*
 * sdnotify.h - systemd's socket activation and readiness protocols, spoken
 * without libsystemd (see sd_listen_fds(3) and sd_notify(3)).
 *
 * Socket activation: a service manager passes listening sockets from fd 3 on
 * and says so in LISTEN_PID (the pid that must take them), LISTEN_FDS (how
 * many) and LISTEN_FDNAMES (colon-separated names, optional). Readiness: the
 * daemon sends "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..." as one
 * datagram to the AF_UNIX socket named in NOTIFY_SOCKET (a path, or "@name"
 * for the abstract namespace). Without these variables both are no-ops, so
 * the daemon runs the same without systemd.
 */
#ifndef FIO_SDNOTIFY_H
#define FIO_SDNOTIFY_H

#include <stddef.h>

#define FIO_SD_LISTEN_FDS_START 3
#define FIO_SD_LISTEN_FDS_MAX 16 /* more than this is refused as malformed */
#define FIO_SD_NAME_MAX 255      /* a longer name is cut */

struct fio_sd_fds {
	int n;          /* fds FIO_SD_LISTEN_FDS_START .. + n - 1; 0 if none were passed */
	long other_pid; /* LISTEN_PID when it named another process (its fds ignored), else 0 */
	char name[FIO_SD_LISTEN_FDS_MAX][FIO_SD_NAME_MAX + 1]; /* "" when not named */
};

/* Takes the sockets passed to this process: fills *out, marks each fd
 * close-on-exec and unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES (so that
 * nothing started later mistakes them for its own). Variables for another pid
 * (or LISTEN_FDS without LISTEN_PID) pass nothing: out->n = 0. Returns 0, or
 * -1 with a message in err when the variables are for this process but
 * malformed or an fd is not open. Call it once, before any thread starts. */
int fio_sd_listen_fds(struct fio_sd_fds *out, char *err, size_t errsz)
        __attribute__((warn_unused_result));

/* 1 if fd is one of the fds that fio_sd_listen_fds() took: such a socket
 * belongs to the service manager, which keeps it (and its path) for the next
 * start. */
int fio_sd_fd_passed(int fd);

/* Sends state (e.g. "READY=1\nSTATUS=...") to NOTIFY_SOCKET without blocking.
 * Returns 1 if sent, 0 if NOTIFY_SOCKET is not set, -1 on error (errno). */
int fio_sd_notify(const char *state);

/* The same with a printf format; at most 1024 bytes are sent. */
int fio_sd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "RELOADING=1" with MONOTONIC_USEC (CLOCK_MONOTONIC now, as systemd wants). */
int fio_sd_notify_reloading(void);

#endif /* FIO_SDNOTIFY_H */
