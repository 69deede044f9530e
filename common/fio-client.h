/*
 * fio-client.h - the client side of one helper conversation, shared by the PAM
 * module and fioctl: connect, check the helper's uid, HELLO, send a request,
 * then read PROMPT/INFO/RECORD/VERDICT frames. libc only.
 */
#ifndef FIO_CLIENT_H
#define FIO_CLIENT_H

#include <stdint.h>
#include <sys/types.h>

#include "fio-codec.h"
#include "fio-proto.h"

struct fio_client {
	int fd;
	uint32_t helper_version; /* set by fio_client_open() */
	uint32_t peer_uid;       /* the server's SO_PEERCRED uid, set by fio_client_open() */
	struct fio_buf in;       /* last frame read */
	struct fio_buf out;      /* scratch for encoding */
};

/* One helper->client message, decoded. Strings are owned by the message;
 * release with fio_client_msg_clear(). */
struct fio_client_msg {
	uint16_t type;                     /* FIO_MSG_PROMPT, _INFO, _RECORD or _VERDICT */
	uint32_t id, style, flags;         /* PROMPT */
	uint32_t kind;                     /* INFO */
	char *text;                        /* PROMPT, INFO */
	uint32_t nfields;                  /* RECORD */
	char *keys[FIO_RECORD_FIELDS_MAX]; /* RECORD */
	char *values[FIO_RECORD_FIELDS_MAX];
	uint32_t result, authtok_len; /* VERDICT */
};

/* Connects to path, refuses a server whose SO_PEERCRED uid is neither 0 nor
 * helper_uid (pass (uid_t)-1 to accept root only), exchanges HELLO. On failure
 * *why (may be NULL) is a short static reason for one log line. */
int fio_client_open(struct fio_client *c, const char *path, uid_t helper_uid, uint32_t kind,
                    const char **why) FIO_WARN_UNUSED;
void fio_client_close(struct fio_client *c);

/* Encodes and sends a request frame built by the caller in c->out (the caller
 * resets c->out, puts the fields, then calls this with the type). */
int fio_client_send(struct fio_client *c, uint16_t type) FIO_WARN_UNUSED;

/* Sends ANSWER(id, answer). The caller wipes its copy. */
int fio_client_answer(struct fio_client *c, uint32_t id, const char *answer) FIO_WARN_UNUSED;

/* Reads and decodes the next helper frame (deadline: FIO_REPLY_DEADLINE_MS or
 * timeout_ms if > 0). Unknown or client-side types are -FIO_ERR_UNEXPECTED. */
int fio_client_next(struct fio_client *c, struct fio_client_msg *m, int timeout_ms) FIO_WARN_UNUSED;
void fio_client_msg_clear(struct fio_client_msg *m);

#endif /* FIO_CLIENT_H */
