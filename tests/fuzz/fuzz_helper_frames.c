/*
 * fuzz_helper_frames.c - the helper's view of client frames.
 *
 * The input is what a client writes on the socket: frames one after another.
 * Each is cut the way helper/conn.c cuts it (fio_frame_parse_header(), then the
 * payload into a buffer reserved for it) and decoded by its type with exactly
 * the codec calls of the helper:
 *
 *   HELLO   conn.c handle_hello          u32 version, u32 kind (PAM or CTL), done
 *   AUTH    auth_req.c fio_auth_req_decode (the helper's own code, linked)
 *   ACCT    auth_req.c fio_auth_req_decode
 *   CHAUTHTOK auth_req.c fio_chauthtok_req_decode
 *   ANSWER  conn.c handle_answer         u32 id, secret answer, done
 *   CTL     flow_ctl.c ctl_decode        u32 cmd, u32 flags, str user, str arg,
 *                                        secret, done; cmd and flags checked
 *
 * AUTH and ACCT run the helper's decoder itself; HELLO, ANSWER and CTL are
 * static in the helper, so their decode sequences are repeated here; keep them
 * in step. What the helper refuses ends the stream, as the helper closes the
 * connection. The permitted-next-message table is not a decoder and is not
 * modelled: every frame is decoded by its type.
 *
 * Properties checked beyond "no crash, leak or undefined behaviour": a decoded
 * STR is NUL-free valid UTF-8 within its limit, a SECRET is NUL-free within its
 * limit, and a frame that decodes re-encodes to exactly its payload bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "fio-codec.h"
#include "fio-frame.h"
#include "fio-proto.h"
#include "fio-wipe.h"
#include "flow_auth.h"
#include "fuzz.h"
/* The wire fields of struct ctl_req (helper/flow_ctl.c). */
struct ctl_req {
	uint32_t cmd, flags;
	char *user, *arg, *secret;
	size_t secret_len;
};

/* As ctl_free(). */
static void
ctl_req_free(struct ctl_req *r)
{
	if (r == NULL)
		return;
	free(r->user);
	free(r->arg);
	if (r->secret != NULL)
		fio_freezero(r->secret, r->secret_len + 1);
	free(r);
}

static void
check_str(const char *s, size_t max, int utf8)
{
	size_t n;

	fuzz_require(s != NULL, "a decoded field is not NULL");
	n = strlen(s);
	fuzz_require(n <= max, "a decoded field is within its limit");
	fuzz_require(!utf8 || fio_utf8_valid(s, n), "a decoded STR is valid UTF-8");
}

static void
check_secret(const char *s, size_t len, size_t max)
{
	fuzz_require(s != NULL, "a decoded secret is not NULL");
	fuzz_require(len <= max, "a decoded secret is within its limit");
	fuzz_require(strlen(s) == len, "a decoded secret has no NUL and its length");
}

/* The decoded fields, encoded again, must be the payload byte for byte. */
static void
check_same(struct fio_buf *enc, int r, const struct fio_buf *in)
{
	fuzz_require(r == 0, "decoded fields encode again");
	fuzz_require(enc->len == in->len &&
	                     (in->len == 0 || memcmp(enc->data, in->data, in->len) == 0),
	             "a decoded frame re-encodes to its own bytes");
	fio_buf_free(enc);
}

/* conn.c handle_hello */
static int
decode_hello(struct fio_buf *in)
{
	struct fio_buf enc;
	uint32_t version, kind;
	int r;

	if (fio_get_u32(in, &version) != 0 || fio_get_u32(in, &kind) != 0 ||
	    fio_buf_done(in) != 0 || (kind != FIO_CLIENT_PAM && kind != FIO_CLIENT_CTL))
		return -1;
	fio_buf_init(&enc, FIO_FRAME_MAX);
	r = fio_put_u32(&enc, version);
	if (r == 0)
		r = fio_put_u32(&enc, kind);
	check_same(&enc, r, in);
	/* A version mismatch: the helper answers HELLO and closes. */
	return version == FIO_PROTO_VERSION ? 0 : -1;
}

static int
put_items(struct fio_buf *enc, const struct fio_auth_req *r)
{
	int e;

	if ((e = fio_put_str(enc, r->service, FIO_NAME_MAX)) != 0 ||
	    (e = fio_put_str(enc, r->user, FIO_NAME_MAX)) != 0 ||
	    (e = fio_put_str(enc, r->rhost, FIO_HOST_MAX)) != 0 ||
	    (e = fio_put_str(enc, r->ruser, FIO_NAME_MAX)) != 0 ||
	    (e = fio_put_str(enc, r->tty, FIO_TTY_MAX)) != 0 ||
	    (e = fio_put_u32(enc, r->flags)) != 0)
		return e;
	return 0;
}

static void
check_items(const struct fio_auth_req *r)
{
	check_str(r->service, FIO_NAME_MAX, 1);
	check_str(r->user, FIO_NAME_MAX, 1);
	check_str(r->rhost, FIO_HOST_MAX, 1);
	check_str(r->ruser, FIO_NAME_MAX, 1);
	check_str(r->tty, FIO_TTY_MAX, 1);
	fuzz_require((r->flags & ~FIO_AUTH_F_KNOWN) == 0, "AUTH/ACCT flags are known");
}

/* flow_auth.c flow_auth_start (is_auth) and flow_acct_start (!is_auth). */
static int
decode_auth(struct fio_buf *in, int is_auth)
{
	struct fio_auth_req *r;
	struct fio_buf enc;
	int e;

	if (fio_auth_req_decode(in, is_auth, &r) != 0)
		return -1;
	check_items(r);
	fio_buf_init(&enc, FIO_FRAME_MAX);
	e = put_items(&enc, r);
	if (is_auth && r->authtok != NULL)
		check_secret(r->authtok, r->authtok_len, FIO_SECRET_MAX);
	fuzz_require(r->authtok != NULL || r->authtok_len == 0, "an empty authtok is NULL");
	if (is_auth && e == 0)
		e = fio_put_strn(&enc, r->authtok != NULL ? r->authtok : "", r->authtok_len,
		                 FIO_SECRET_MAX);
	check_same(&enc, e, in);
	fio_auth_req_free(r);
	return 0;
}

/* flow_passwd.c flow_passwd_start. */
static int
decode_chauthtok(struct fio_buf *in)
{
	struct fio_auth_req *r;
	struct fio_buf enc;
	char *newtok = NULL;
	size_t newlen = 0;
	uint32_t phase;
	int e;

	if (fio_chauthtok_req_decode(in, &r, &newtok, &newlen) != 0)
		return -1;
	phase = r->flags & (FIO_CHTOK_F_PRELIM | FIO_CHTOK_F_UPDATE);
	fuzz_require(phase == FIO_CHTOK_F_PRELIM || phase == FIO_CHTOK_F_UPDATE,
	             "CHAUTHTOK has exactly one phase");
	fuzz_require((r->flags & ~FIO_CHTOK_F_KNOWN) == 0, "CHAUTHTOK flags are known");
	fuzz_require(((r->flags & FIO_CHTOK_F_NEW_AUTHTOK) != 0) == (newlen > 0),
	             "a new password comes with use_authtok only");
	fio_buf_init(&enc, FIO_FRAME_MAX);
	e = put_items(&enc, r);
	if (r->authtok != NULL)
		check_secret(r->authtok, r->authtok_len, FIO_SECRET_MAX);
	if (newtok != NULL)
		check_secret(newtok, newlen, FIO_SECRET_MAX);
	if (e == 0)
		e = fio_put_strn(&enc, r->authtok != NULL ? r->authtok : "", r->authtok_len,
		                 FIO_SECRET_MAX);
	if (e == 0)
		e = fio_put_strn(&enc, newtok != NULL ? newtok : "", newlen, FIO_SECRET_MAX);
	check_same(&enc, e, in);
	fio_freezero(newtok, newlen + 1);
	fio_auth_req_free(r);
	return 0;
}

/* conn.c handle_answer (the prompt id is not known here, so any id passes). */
static int
decode_answer(struct fio_buf *in)
{
	struct fio_buf enc;
	char *answer = NULL;
	size_t len = 0;
	uint32_t id;
	int e;

	if (fio_get_u32(in, &id) != 0 || fio_get_secret(in, &answer, &len, FIO_SECRET_MAX) != 0 ||
	    fio_buf_done(in) != 0) {
		fio_freezero(answer, len + 1);
		return -1;
	}
	check_secret(answer, len, FIO_SECRET_MAX);
	fio_buf_init(&enc, FIO_FRAME_MAX);
	e = fio_put_u32(&enc, id);
	if (e == 0)
		e = fio_put_strn(&enc, answer, len, FIO_SECRET_MAX);
	check_same(&enc, e, in);
	fio_freezero(answer, len + 1);
	return 0;
}

/* flow_ctl.c ctl_decode */
static int
ctl_decode(struct fio_buf *p, struct ctl_req *r)
{
	int rc;

	if ((rc = fio_get_u32(p, &r->cmd)) != 0 || (rc = fio_get_u32(p, &r->flags)) != 0 ||
	    (rc = fio_get_str(p, &r->user, NULL, FIO_NAME_MAX)) != 0 ||
	    (rc = fio_get_str(p, &r->arg, NULL, FIO_ARG_MAX)) != 0 ||
	    (rc = fio_get_secret(p, &r->secret, &r->secret_len, FIO_SECRET_MAX)) != 0 ||
	    (rc = fio_buf_done(p)) != 0)
		return rc;
	if (r->cmd < 1 || r->cmd > FIO_CTL_MAX || (r->flags & ~FIO_CTL_F_KNOWN) != 0)
		return -FIO_ERR_FORMAT;
	return 0;
}

/* flow_ctl.c flow_ctl_start, up to ctl_dispatch */
static int
decode_ctl(struct fio_buf *in)
{
	struct ctl_req *r = calloc(1, sizeof(*r));
	struct fio_buf enc;
	int rc, e;

	if (r == NULL)
		return -1;
	rc = ctl_decode(in, r);
	if (rc != 0) {
		fuzz_require(rc < 0 && fio_strerror(rc) != NULL, "a decode error has a message");
		ctl_req_free(r);
		return -1;
	}
	check_str(r->user, FIO_NAME_MAX, 1);
	check_str(r->arg, FIO_ARG_MAX, 1);
	check_secret(r->secret, r->secret_len, FIO_SECRET_MAX);
	fio_buf_init(&enc, FIO_FRAME_MAX);
	if ((e = fio_put_u32(&enc, r->cmd)) == 0 && (e = fio_put_u32(&enc, r->flags)) == 0 &&
	    (e = fio_put_str(&enc, r->user, FIO_NAME_MAX)) == 0 &&
	    (e = fio_put_str(&enc, r->arg, FIO_ARG_MAX)) == 0)
		e = fio_put_strn(&enc, r->secret, r->secret_len, FIO_SECRET_MAX);
	check_same(&enc, e, in);
	ctl_req_free(r);
	return 0;
}

static int
decode_frame(uint16_t type, struct fio_buf *in)
{
	switch (type) {
	case FIO_MSG_HELLO:
		return decode_hello(in);
	case FIO_MSG_AUTH:
		return decode_auth(in, 1);
	case FIO_MSG_ACCT:
		return decode_auth(in, 0);
	case FIO_MSG_CHAUTHTOK:
		return decode_chauthtok(in);
	case FIO_MSG_ANSWER:
		return decode_answer(in);
	case FIO_MSG_CTL:
		return decode_ctl(in);
	default:
		return -1; /* the helper closes: unexpected frame */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fio_buf in;
	size_t off = 0;

	/* conn.c: c->in is a buffer of at most FIO_FRAME_MAX bytes */
	fio_buf_init(&in, FIO_FRAME_MAX);
	while (size - off >= 8) {
		uint16_t type = 0;
		uint32_t plen = 0;

		if (fio_frame_parse_header(data + off, &type, &plen) != 0)
			break; /* "bad frame header" */
		fuzz_require(plen <= FIO_FRAME_MAX - FIO_FRAME_HDR,
		             "payload within the frame limit");
		off += 8;
		if (size - off < plen)
			break; /* the helper waits for the rest until the frame deadline */
		fio_buf_reset(&in);
		if (fio_buf_reserve(&in, plen) != 0)
			break;
		fuzz_require(in.cap >= plen, "the buffer holds the payload");
		if (plen > 0)
			memcpy(in.data + in.len, data + off, plen);
		in.len += plen;
		off += plen;
		if (decode_frame(type, &in) != 0)
			break;
	}
	fio_buf_free(&in);
	return 0;
}
