/*
 * flow_auth.h - the login conversation: password, then the second factor,
 * then a verdict. Also used by fioctl self-service commands, which must pass
 * the same checks before acting.
 */
#ifndef FIO_FLOW_AUTH_H
#define FIO_FLOW_AUTH_H

#include <stdint.h>

#include "fio-codec.h"

struct fio_conn;

struct fio_auth_req {
	char *service, *user, *rhost, *ruser, *tty;
	uint32_t flags; /* FIO_AUTH_F_* (FACTOR_SECOND already dropped if not uid 0), and
	                   FLOW_AUTH_F_* (never from the wire: the decoder refuses them) */
	char *authtok;  /* stacked PAM_AUTHTOK or NULL; owned, wiped on free */
	size_t authtok_len;
};

/* fioctl's re-authentication before a self-service command: the checks only,
 * without the 2FA policy's notices, offer or enrolment (the command itself may
 * be the enrolment). */
#define FLOW_AUTH_F_CHECK_ONLY 0x80000000u

/* Outcome handed to the continuation: FIO_RESULT_OK, _DENIED or _UNAVAILABLE;
 * on OK, *authtok_len is the number of bytes of the password prompt's answer that
 * are the password (for the module's PAM_AUTHTOK). */
typedef void (*flow_auth_done_fn)(struct fio_conn *c, uint32_t result, uint32_t authtok_len,
                                  void *arg);

/* Runs the conversation for req (ownership of req passes to the flow) and then
 * calls done(c, ...) (or done(NULL, ...) if the connection went away). Unknown
 * users and refused callers get exactly the prompts of a known, enrolled user. */
void flow_auth_run(struct fio_conn *c, struct fio_auth_req *req, flow_auth_done_fn done, void *arg);
void fio_auth_req_free(struct fio_auth_req *req);
/* Decodes the fields of an AUTH (with_authtok) or ACCT request up to the end
 * of the payload (auth_req.c; codec only). An empty authtok becomes NULL.
 * 0, or -1 with *out NULL. */
int fio_auth_req_decode(struct fio_buf *in, int with_authtok, struct fio_auth_req **out);
/* Decodes a CHAUTHTOK request: the fields of AUTH (authtok = PAM_OLDAUTHTOK,
 * NULL if empty) with FIO_CHTOK_F_* flags, then the new password (*newtok,
 * malloc'ed and wiped on free by the caller; NULL if empty). Exactly one
 * phase; a new password only with FIO_CHTOK_F_NEW_AUTHTOK in the UPDATE phase
 * and then non-empty. 0, or -1 with everything freed. */
int fio_chauthtok_req_decode(struct fio_buf *in, struct fio_auth_req **out, char **newtok,
                             size_t *newlen);

/* Handlers for the first request of a connection (the payload is positioned
 * after the type). They decode, validate and start the flow; a decode error
 * returns -1 and the connection is closed. */
int flow_auth_start(struct fio_conn *c, struct fio_buf *payload);

#endif /* FIO_FLOW_AUTH_H */
