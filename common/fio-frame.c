/*
 * fio-frame.c - whole frames on a stream socket against absolute deadlines.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fio-frame.h"
#include "fio-proto.h"
#include "fio-wipe.h"

int64_t
fio_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline. 0, -FIO_ERR_TIMEOUT or -FIO_ERR_IO. */
static int
wait_fd(int fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	for (;;) {
		int64_t left = deadline_ms - fio_now_ms();
		int r;

		if (left <= 0)
			return -FIO_ERR_TIMEOUT;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -FIO_ERR_IO;
	}
}

int
fio_frame_parse_header(const unsigned char hdr[8], uint16_t *type, uint32_t *payload_len)
{
	uint32_t len = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) |
	               ((uint32_t)hdr[2] << 8) | hdr[3];

	*type = 0;
	*payload_len = 0;
	if (len < FIO_FRAME_MIN || len > FIO_FRAME_MAX)
		return -FIO_ERR_TOOBIG;
	if (hdr[6] != 0 || hdr[7] != 0)
		return -FIO_ERR_FORMAT;
	*type = (uint16_t)((hdr[4] << 8) | hdr[5]);
	*payload_len = len - FIO_FRAME_HDR;
	return 0;
}

int
fio_frame_put_header(struct fio_buf *out, uint16_t type, uint32_t payload_len)
{
	int r;

	if (payload_len > FIO_FRAME_MAX - FIO_FRAME_HDR)
		return -FIO_ERR_TOOBIG;
	if ((r = fio_put_u32(out, payload_len + FIO_FRAME_HDR)) != 0 ||
	    (r = fio_put_u16(out, type)) != 0 || (r = fio_put_u16(out, 0)) != 0)
		return r;
	return 0;
}

static int
write_all(int fd, const unsigned char *p, size_t n, int64_t deadline_ms)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		int r;

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(fd, POLLOUT, deadline_ms)) != 0)
				return r;
			continue;
		}
		return -FIO_ERR_IO;
	}
	return 0;
}

int
fio_frame_write(int fd, uint16_t type, const struct fio_buf *payload, int64_t deadline_ms)
{
	unsigned char hdr[8];
	struct fio_buf h;
	int r;

	if (payload->len > FIO_FRAME_MAX - FIO_FRAME_HDR)
		return -FIO_ERR_TOOBIG;
	fio_buf_init(&h, sizeof(hdr));
	if ((r = fio_frame_put_header(&h, type, (uint32_t)payload->len)) != 0)
		goto out;
	memcpy(hdr, h.data, sizeof(hdr));
	if ((r = write_all(fd, hdr, sizeof(hdr), deadline_ms)) != 0)
		goto out;
	r = write_all(fd, payload->data, payload->len, deadline_ms);
out:
	fio_buf_free(&h);
	return r;
}

static int
read_all(int fd, unsigned char *p, size_t n, int64_t deadline_ms)
{
	while (n > 0) {
		ssize_t got = recv(fd, p, n, MSG_DONTWAIT);
		int r;

		if (got > 0) {
			p += got;
			n -= (size_t)got;
			continue;
		}
		if (got == 0)
			return -FIO_ERR_EOF;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((r = wait_fd(fd, POLLIN, deadline_ms)) != 0)
				return r;
			continue;
		}
		return -FIO_ERR_IO;
	}
	return 0;
}

int
fio_frame_read(int fd, uint16_t *type, struct fio_buf *payload, int64_t first_deadline_ms)
{
	unsigned char hdr[8];
	uint32_t plen;
	int64_t deadline;
	int r;

	*type = 0;
	fio_buf_reset(payload);
	if ((r = wait_fd(fd, POLLIN, first_deadline_ms)) != 0)
		return r;
	/* Once the first byte is there, the whole frame has one fixed deadline. */
	deadline = fio_now_ms() + FIO_FRAME_DEADLINE_MS;
	if ((r = read_all(fd, hdr, sizeof(hdr), deadline)) != 0)
		return r;
	if ((r = fio_frame_parse_header(hdr, type, &plen)) != 0)
		return r;
	if ((r = fio_buf_reserve(payload, plen)) != 0)
		return r;
	if ((r = read_all(fd, payload->data, plen, deadline)) != 0)
		return r;
	payload->len = plen;
	payload->pos = 0;
	return 0;
}

int
fio_connect_unix(const char *path, int *fdp, int64_t deadline_ms)
{
	struct sockaddr_un sa;
	struct stat st;
	socklen_t salen;
	int fd, r, err = 0;

	*fdp = -1;
	if (path == NULL || path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
		return -FIO_ERR_FORMAT;
	if (lstat(path, &st) != 0)
		return -FIO_ERR_IO;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return -FIO_ERR_PEER;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -FIO_ERR_IO;
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
	while (connect(fd, (struct sockaddr *)&sa, salen) != 0) {
		socklen_t elen = sizeof(err);

		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* The listen backlog is full: retry until the deadline. */
			if (fio_now_ms() >= deadline_ms) {
				err = ETIMEDOUT;
				goto fail;
			}
			poll(NULL, 0, 10);
			continue;
		}
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		if ((r = wait_fd(fd, POLLOUT, deadline_ms)) != 0) {
			err = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0)
			goto fail;
		break;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	errno = err != 0 ? err : EIO;
	return -FIO_ERR_IO;
}

int
fio_peer_cred(int fd, uint32_t *uid, uint32_t *gid, int32_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
		return -FIO_ERR_IO;
	*uid = (uint32_t)cred.uid;
	*gid = (uint32_t)cred.gid;
	*pid = (int32_t)cred.pid;
	return 0;
}
