/*
 * fio-frame.h - reading and writing whole frames on a blocking or non-blocking
 * stream socket against one absolute CLOCK_MONOTONIC deadline (never reset per
 * poll). Used by the module and fioctl; the helper's event loop parses frames
 * with fio_frame_parse_header() itself.
 */
#ifndef FIO_FRAME_H
#define FIO_FRAME_H

#include <stdint.h>

#include "fio-codec.h"

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t fio_now_ms(void);

/* Checks a frame's 8 header bytes. On success *type is set and *payload_len is
 * the number of payload bytes that follow. */
int fio_frame_parse_header(const unsigned char hdr[8], uint16_t *type,
                           uint32_t *payload_len) FIO_WARN_UNUSED;

/* Appends a frame header for (type, payload_len) to out. */
int fio_frame_put_header(struct fio_buf *out, uint16_t type, uint32_t payload_len) FIO_WARN_UNUSED;

/* Encodes type + payload (payload->data[0..len)) as one frame and writes it all
 * before deadline_ms. MSG_NOSIGNAL; EINTR retried. */
int fio_frame_write(int fd, uint16_t type, const struct fio_buf *payload,
                    int64_t deadline_ms) FIO_WARN_UNUSED;

/* Reads one frame: waits for its first byte until first_deadline_ms, then the
 * rest must arrive before min(first byte time + FIO_FRAME_DEADLINE_MS,
 * ...). payload is reset and filled; its read position is 0. */
int fio_frame_read(int fd, uint16_t *type, struct fio_buf *payload,
                   int64_t first_deadline_ms) FIO_WARN_UNUSED;

/* Connects to the AF_UNIX stream socket at path (SOCK_CLOEXEC), refusing a path
 * that is not a socket (lstat, no symlink). On success *fdp is the connected fd. */
int fio_connect_unix(const char *path, int *fdp, int64_t deadline_ms) FIO_WARN_UNUSED;

/* The peer's uid/gid/pid through SO_PEERCRED. */
int fio_peer_cred(int fd, uint32_t *uid, uint32_t *gid, int32_t *pid) FIO_WARN_UNUSED;

#endif /* FIO_FRAME_H */
