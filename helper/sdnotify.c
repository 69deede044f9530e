/*
 * sdnotify.c - socket activation (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES) and
 * readiness notification (NOTIFY_SOCKET) as systemd defines them, without
 * linking libsystemd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sdnotify.h"

/* How many fds fio_sd_listen_fds() took. The variables it reads are
 * process-wide and read once, so the answer is kept process-wide too. */
static int sd_passed;

/* A decimal number without sign, spaces or trailing text, at most max. */
static int
parse_num(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* LISTEN_FDNAMES: as many colon-separated names as fds, else no names. */
static void
take_names(struct fio_sd_fds *out)
{
	const char *s = getenv("LISTEN_FDNAMES");
	int i = 0;

	if (s == NULL)
		return;
	while (i < out->n) {
		size_t len = strcspn(s, ":");

		if (len > FIO_SD_NAME_MAX)
			len = FIO_SD_NAME_MAX;
		memcpy(out->name[i], s, len);
		out->name[i][len] = '\0';
		i++;
		s += strcspn(s, ":");
		if (*s == '\0')
			break;
		s++;
	}
	if (i != out->n || *s != '\0') {
		for (i = 0; i < out->n; i++)
			out->name[i][0] = '\0';
	}
}

static void
unset_all(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

int
fio_sd_listen_fds(struct fio_sd_fds *out, char *err, size_t errsz)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	long pid, n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	sd_passed = 0;
	if (pid_s == NULL || fds_s == NULL) {
		rc = 0;
		goto out;
	}
	if (parse_num(pid_s, 0x7fffffffL, &pid) != 0 || pid == 0) {
		snprintf(err, errsz, "LISTEN_PID=\"%.32s\" is not a process id", pid_s);
		goto out;
	}
	if (pid != (long)getpid()) {
		out->other_pid = pid;
		rc = 0;
		goto out;
	}
	if (parse_num(fds_s, FIO_SD_LISTEN_FDS_MAX, &n) != 0) {
		snprintf(err, errsz, "LISTEN_FDS=\"%.32s\" is not a number from 0 to %d", fds_s,
		         FIO_SD_LISTEN_FDS_MAX);
		goto out;
	}
	for (int fd = FIO_SD_LISTEN_FDS_START; fd < FIO_SD_LISTEN_FDS_START + n; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) != 0) {
			snprintf(err, errsz, "LISTEN_FDS=%ld but fd %d is not open: %s", n, fd,
			         strerror(errno));
			goto out;
		}
	}
	out->n = (int)n;
	take_names(out);
	sd_passed = out->n;
	rc = 0;
out:
	unset_all();
	return rc;
}

int
fio_sd_fd_passed(int fd)
{
	return fd >= FIO_SD_LISTEN_FDS_START && fd < FIO_SD_LISTEN_FDS_START + sd_passed;
}

int
fio_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	ssize_t sent;
	int fd, saved;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 || len > sizeof(sa.sun_path)) {
		errno = EAFNOSUPPORT; /* e.g. "vsock:...": not for a local daemon */
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the length below counts exactly len bytes */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa,
	              (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	saved = errno;
	close(fd);
	if (sent < 0) {
		errno = saved;
		return -1;
	}
	return 1;
}

int
fio_sd_notifyf(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fio_sd_notify(msg);
}

int
fio_sd_notify_reloading(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return fio_sd_notify("RELOADING=1");
	return fio_sd_notifyf("RELOADING=1\nMONOTONIC_USEC=%llu",
	                      (unsigned long long)ts.tv_sec * 1000000ULL +
	                              (unsigned long long)ts.tv_nsec / 1000ULL);
}
