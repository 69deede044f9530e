/*
 * fio-client.c - the client side of one helper conversation (see fio-client.h).
 *
 * libc only: this file is linked into pam_fio.so. Every read has one absolute
 * CLOCK_MONOTONIC deadline; every decoded field is checked against its limit;
 * anything the protocol does not allow at this point is an error and the caller
 * closes the connection.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fio-client.h"
#include "fio-frame.h"
#include "fio-wipe.h"

/* Largest payload a frame may carry. */
#define FIO_PAYLOAD_MAX (FIO_FRAME_MAX - FIO_FRAME_HDR)

static void
client_reset(struct fio_client *c)
{
	int saved = errno;

	if (c->fd >= 0)
		(void)close(c->fd);
	c->fd = -1;
	fio_buf_free(&c->in);
	fio_buf_free(&c->out);
	fio_buf_init(&c->in, FIO_PAYLOAD_MAX);
	fio_buf_init(&c->out, FIO_PAYLOAD_MAX);
	errno = saved;
}

static int
peer_allowed(uint32_t uid, uid_t helper_uid)
{
	if (uid == 0)
		return 1;
	return helper_uid != (uid_t)-1 && uid == (uint32_t)helper_uid;
}

/* Decodes the helper's HELLO(version, 0) from c->in. */
static int
decode_hello(struct fio_client *c, const char **why)
{
	uint32_t version = 0, kind = 0;
	int r;

	if ((r = fio_get_u32(&c->in, &version)) != 0) {
		*why = "malformed HELLO from the helper";
		return r;
	}
	c->helper_version = version;
	if (version != FIO_PROTO_VERSION) {
		*why = "protocol version mismatch";
		return -FIO_ERR_VERSION;
	}
	if ((r = fio_get_u32(&c->in, &kind)) != 0 || (r = fio_buf_done(&c->in)) != 0) {
		*why = "malformed HELLO from the helper";
		return r;
	}
	if (kind != 0) {
		*why = "malformed HELLO from the helper";
		return -FIO_ERR_FORMAT;
	}
	return 0;
}

int
fio_client_open(struct fio_client *c, const char *path, uid_t helper_uid, uint32_t kind,
                const char **why)
{
	const char *reason = NULL;
	int64_t deadline = fio_now_ms() + FIO_CONNECT_DEADLINE_MS;
	uint32_t uid = 0, gid = 0;
	int32_t pid = 0;
	uint16_t type = 0;
	int r;

	c->fd = -1;
	c->helper_version = 0;
	c->peer_uid = (uint32_t)-1;
	fio_buf_init(&c->in, FIO_PAYLOAD_MAX);
	fio_buf_init(&c->out, FIO_PAYLOAD_MAX);

	if ((r = fio_connect_unix(path, &c->fd, deadline)) != 0) {
		/* A path that is not a socket is a connect failure (errno says
		 * ENOTSOCK); -FIO_ERR_PEER from here means only "wrong uid". */
		if (r == -FIO_ERR_PEER)
			r = -FIO_ERR_IO;
		c->fd = -1;
		reason = "cannot connect to the helper socket";
		goto out;
	}
	if ((r = fio_peer_cred(c->fd, &uid, &gid, &pid)) != 0) {
		reason = "cannot read the helper's credentials";
		goto out;
	}
	c->peer_uid = uid;
	if (!peer_allowed(uid, helper_uid)) {
		reason = "helper socket is owned by an unexpected uid";
		r = -FIO_ERR_PEER;
		goto out;
	}
	if ((r = fio_put_u32(&c->out, FIO_PROTO_VERSION)) != 0 ||
	    (r = fio_put_u32(&c->out, kind)) != 0 ||
	    (r = fio_frame_write(c->fd, FIO_MSG_HELLO, &c->out, deadline)) != 0) {
		reason = "cannot send HELLO to the helper";
		goto out;
	}
	fio_buf_reset(&c->out);
	if ((r = fio_frame_read(c->fd, &type, &c->in, deadline)) != 0) {
		reason = "no HELLO from the helper";
		goto out;
	}
	if (type != FIO_MSG_HELLO) {
		reason = "the helper did not answer with HELLO";
		r = -FIO_ERR_UNEXPECTED;
		goto out;
	}
	r = decode_hello(c, &reason);
out:
	if (r != 0)
		client_reset(c);
	if (why != NULL)
		*why = r != 0 ? reason : NULL;
	return r;
}

void
fio_client_close(struct fio_client *c)
{
	client_reset(c);
}

int
fio_client_send(struct fio_client *c, uint16_t type)
{
	int r;

	r = fio_frame_write(c->fd, type, &c->out, fio_now_ms() + FIO_FRAME_DEADLINE_MS);
	fio_buf_reset(&c->out); /* requests carry the stack's PAM_AUTHTOK */
	return r;
}

int
fio_client_answer(struct fio_client *c, uint32_t id, const char *answer)
{
	int r;

	fio_buf_reset(&c->out);
	if ((r = fio_put_u32(&c->out, id)) != 0 ||
	    (r = fio_put_str(&c->out, answer, FIO_SECRET_MAX)) != 0) {
		fio_buf_reset(&c->out);
		return r;
	}
	return fio_client_send(c, FIO_MSG_ANSWER);
}

static int
decode_prompt(struct fio_buf *b, struct fio_client_msg *m)
{
	int r;

	if ((r = fio_get_u32(b, &m->id)) != 0 || (r = fio_get_u32(b, &m->style)) != 0 ||
	    (r = fio_get_u32(b, &m->flags)) != 0)
		return r;
	if (m->style != FIO_PROMPT_ECHO_OFF && m->style != FIO_PROMPT_ECHO_ON)
		return -FIO_ERR_FORMAT;
	if ((m->flags & ~FIO_PROMPT_F_KNOWN) != 0)
		return -FIO_ERR_FORMAT;
	return fio_get_str(b, &m->text, NULL, FIO_PROMPT_MAX);
}

static int
decode_info(struct fio_buf *b, struct fio_client_msg *m)
{
	int r;

	if ((r = fio_get_u32(b, &m->kind)) != 0)
		return r;
	if (m->kind != FIO_INFO_TEXT && m->kind != FIO_INFO_ERROR)
		return -FIO_ERR_FORMAT;
	return fio_get_str(b, &m->text, NULL, FIO_TEXT_MAX);
}

static int
decode_record(struct fio_buf *b, struct fio_client_msg *m)
{
	uint32_t n = 0, i;
	int r;

	if ((r = fio_get_u32(b, &n)) != 0)
		return r;
	if (n > FIO_RECORD_FIELDS_MAX)
		return -FIO_ERR_TOOBIG;
	for (i = 0; i < n; i++) {
		if ((r = fio_get_str(b, &m->keys[i], NULL, FIO_KEY_MAX)) != 0)
			return r;
		m->nfields = i + 1; /* so that clearing frees what was decoded */
		if ((r = fio_get_str(b, &m->values[i], NULL, FIO_VALUE_MAX)) != 0)
			return r;
	}
	return 0;
}

static int
decode_verdict(struct fio_buf *b, struct fio_client_msg *m)
{
	int r;

	if ((r = fio_get_u32(b, &m->result)) != 0 || (r = fio_get_u32(b, &m->authtok_len)) != 0)
		return r;
	if (m->result > FIO_RESULT_MAX || m->authtok_len > FIO_SECRET_MAX)
		return -FIO_ERR_FORMAT;
	return 0;
}

int
fio_client_next(struct fio_client *c, struct fio_client_msg *m, int timeout_ms)
{
	int64_t deadline;
	uint16_t type = 0;
	int r;

	memset(m, 0, sizeof(*m));
	deadline = fio_now_ms() + (timeout_ms > 0 ? timeout_ms : FIO_REPLY_DEADLINE_MS);
	if ((r = fio_frame_read(c->fd, &type, &c->in, deadline)) != 0)
		goto out;
	switch (type) {
	case FIO_MSG_PROMPT:
		r = decode_prompt(&c->in, m);
		break;
	case FIO_MSG_INFO:
		r = decode_info(&c->in, m);
		break;
	case FIO_MSG_RECORD:
		r = decode_record(&c->in, m);
		break;
	case FIO_MSG_VERDICT:
		r = decode_verdict(&c->in, m);
		break;
	default:
		r = -FIO_ERR_UNEXPECTED;
		break;
	}
	if (r == 0)
		r = fio_buf_done(&c->in);
	if (r == 0)
		m->type = type;
out:
	fio_buf_reset(&c->in); /* INFO and RECORD may carry an enrolment secret */
	if (r != 0)
		fio_client_msg_clear(m);
	return r;
}

void
fio_client_msg_clear(struct fio_client_msg *m)
{
	uint32_t i;

	fio_freezero_str(m->text);
	for (i = 0; i < m->nfields && i < FIO_RECORD_FIELDS_MAX; i++) {
		fio_freezero_str(m->keys[i]);
		fio_freezero_str(m->values[i]);
	}
	memset(m, 0, sizeof(*m));
}
