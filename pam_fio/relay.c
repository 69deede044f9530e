/*
 * relay.c - one conversation with fio-helperd for one pam_sm_* call.
 *
 * The helper decides what to ask and what to say; this file only relays it.
 * INFO messages are queued and handed to pam_conv() in the same call as the
 * next prompt (OpenSSH before 10.3 shows keyboard-interactive info text only
 * together with a prompt), or in one call before the verdict. Helper text is
 * cleaned of terminal control characters first. Answers are wiped as soon as
 * they are sent; only the answer to the FIO_PROMPT_F_AUTHTOK prompt is kept,
 * to set PAM_AUTHTOK on success.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "fio-client.h"
#include "fio-proto.h"
#include "fio-wipe.h"
#include "relay.h"

#define FIO_UNAVAILABLE_MSG "pam_fio: the authentication service is unavailable."
#define FIO_FAILED_MSG "Authentication failed."

struct relay {
	pam_handle_t *pamh;
	const struct fio_options *o;
	const struct fio_request *req;
	int silent; /* PAM_SILENT: no info text outside of a prompt */
	struct fio_client c;
	int open;
	struct pam_message pending[FIO_MAX_PENDING]; /* queued INFO messages */
	char *texts[FIO_MAX_PENDING];                /* their cleaned text, owned */
	unsigned int npending;
	unsigned int nprompts;
	char *authtok; /* answer to the FIO_PROMPT_F_AUTHTOK prompt (AUTH only) */
};

/* Logs one line, tells the user once, and fails closed. */
static int __attribute__((format(printf, 2, 3))) unavailable(struct relay *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(r->pamh, LOG_ERR, fmt, ap);
	va_end(ap);
	(void)pam_error(r->pamh, FIO_UNAVAILABLE_MSG);
	return PAM_AUTHINFO_UNAVAIL;
}

static const char *
describe(int e, int err, char *buf, size_t len)
{
	if (e == -FIO_ERR_IO && err != 0)
		return strerror_r(err, buf, len);
	return fio_strerror(e);
}

static int
open_failed(struct relay *r, int e, int err, const char *why)
{
	char ebuf[128];

	if (e == -FIO_ERR_VERSION)
		return unavailable(
		        r, "protocol version mismatch: module %u, helper %u (fio-helperd at %s)",
		        FIO_PROTO_VERSION, r->c.helper_version, r->o->socket);
	if (e == -FIO_ERR_PEER && r->o->helper_uid == (uid_t)-1)
		return unavailable(r,
		                   "fio-helperd at %s is owned by uid %u, expected 0 (no user %s)",
		                   r->o->socket, r->c.peer_uid, r->o->helper_user);
	if (e == -FIO_ERR_PEER)
		return unavailable(r, "fio-helperd at %s is owned by uid %u, expected 0 or %u",
		                   r->o->socket, r->c.peer_uid, (unsigned int)r->o->helper_uid);
	return unavailable(r, "cannot reach fio-helperd at %s: %s (%s)", r->o->socket,
	                   describe(e, err, ebuf, sizeof(ebuf)), why != NULL ? why : "?");
}

static int
transport_failed(struct relay *r, int e, int err, const char *step)
{
	char ebuf[128];

	return unavailable(r, "fio-helperd at %s: %s: %s", r->o->socket, step,
	                   describe(e, err, ebuf, sizeof(ebuf)));
}

static int
protocol_error(struct relay *r, const char *what)
{
	return unavailable(r, "fio-helperd at %s: protocol error: %s", r->o->socket, what);
}

/* A copy of helper text safe to print on a terminal: C0 controls other than
 * '\n' and '\t', DEL and C1 controls (U+0080..U+009F, which some terminals
 * read as ESC sequences) become '?'. The text is valid UTF-8 (the codec
 * checked), so a C1 control is always the pair 0xC2 0x80..0x9F. */
static char *
clean_text(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i, j = 0;
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f) {
			out[j++] = '?';
			i++;
		} else if ((u[i] < 0x20 && u[i] != '\n' && u[i] != '\t') || u[i] == 0x7f) {
			out[j++] = '?';
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

/* INFO text may be an enrolment secret: wiped like one. */
static void
pending_clear(struct relay *r)
{
	unsigned int i;

	for (i = 0; i < r->npending; i++) {
		fio_freezero_str(r->texts[i]);
		r->texts[i] = NULL;
	}
	r->npending = 0;
}

static void
free_responses(struct pam_response *resp, int n)
{
	int i;

	if (resp == NULL)
		return;
	for (i = 0; i < n; i++)
		fio_freezero_str(resp[i].resp);
	free(resp);
}

/* One pam_conv() call: the queued INFO messages, then the prompt if any.
 * On success with a prompt, *answer is the reply (the caller wipes it). */
static int
converse(struct relay *r, const struct fio_client_msg *prompt, char **answer)
{
	const struct pam_message *msgs[FIO_MAX_PENDING + 1];
	struct pam_message pm;
	struct pam_response *resp = NULL;
	const struct pam_conv *conv;
	const void *item = NULL;
	char *ptext = NULL;
	unsigned int i;
	int n = 0, rc = PAM_SUCCESS;

	for (i = 0; i < r->npending; i++) {
		if (prompt == NULL && r->silent && r->pending[i].msg_style == PAM_TEXT_INFO)
			continue;
		msgs[n++] = &r->pending[i];
	}
	if (prompt != NULL) {
		if ((ptext = clean_text(prompt->text)) == NULL) {
			rc = PAM_BUF_ERR;
			goto out;
		}
		pm.msg_style = prompt->style == FIO_PROMPT_ECHO_ON ? PAM_PROMPT_ECHO_ON
		                                                   : PAM_PROMPT_ECHO_OFF;
		pm.msg = ptext;
		msgs[n++] = &pm;
	}
	if (n == 0)
		goto out;
	if (pam_get_item(r->pamh, PAM_CONV, &item) != PAM_SUCCESS || (conv = item) == NULL ||
	    conv->conv == NULL) {
		rc = PAM_CONV_ERR;
		goto out;
	}
	if (conv->conv(n, msgs, &resp, conv->appdata_ptr) != PAM_SUCCESS) {
		rc = PAM_CONV_ERR;
		goto out;
	}
	if (prompt != NULL) {
		if (resp == NULL || resp[n - 1].resp == NULL) {
			rc = PAM_CONV_ERR;
			goto out;
		}
		*answer = resp[n - 1].resp;
		resp[n - 1].resp = NULL;
	}
out:
	free_responses(resp, n);
	pending_clear(r);
	free(ptext);
	return rc;
}

static int
queue_info(struct relay *r, const struct fio_client_msg *m)
{
	char *text;

	if (r->npending >= FIO_MAX_PENDING)
		return protocol_error(r, "too many INFO messages before a prompt");
	if ((text = clean_text(m->text)) == NULL)
		return PAM_BUF_ERR;
	r->texts[r->npending] = text;
	r->pending[r->npending].msg_style =
	        m->kind == FIO_INFO_ERROR ? PAM_ERROR_MSG : PAM_TEXT_INFO;
	r->pending[r->npending].msg = text;
	r->npending++;
	return PAM_SUCCESS;
}

static int
on_prompt(struct relay *r, const struct fio_client_msg *m)
{
	char *answer = NULL;
	int rc, e, err;

	if (r->nprompts >= FIO_MAX_PROMPTS)
		return protocol_error(r, "too many prompts");
	r->nprompts++;
	if (r->o->debug)
		pam_syslog(r->pamh, LOG_DEBUG, "prompt %u (id %u, echo %s, %u messages before it)",
		           r->nprompts, m->id, m->style == FIO_PROMPT_ECHO_ON ? "on" : "off",
		           r->npending);
	rc = converse(r, m, &answer);
	if (rc != PAM_SUCCESS) {
		if (r->o->debug)
			pam_syslog(r->pamh, LOG_DEBUG, "conversation failed: %s",
			           pam_strerror(r->pamh, rc));
		return rc;
	}
	if (strlen(answer) > FIO_SECRET_MAX) {
		fio_freezero_str(answer);
		pam_syslog(r->pamh, LOG_NOTICE, "answer over %u bytes refused", FIO_SECRET_MAX);
		(void)pam_error(r->pamh, FIO_FAILED_MSG);
		return PAM_AUTH_ERR;
	}
	e = fio_client_answer(&r->c, m->id, answer);
	err = errno;
	if (e == 0 && (m->flags & FIO_PROMPT_F_AUTHTOK) != 0 &&
	    (r->req->type == FIO_MSG_AUTH || r->req->type == FIO_MSG_CHAUTHTOK)) {
		fio_freezero_str(r->authtok);
		r->authtok = answer;
		answer = NULL;
	}
	fio_freezero_str(answer);
	if (e != 0)
		return transport_failed(r, e, err, "sending an answer");
	return PAM_SUCCESS;
}

/* PAM_AUTHTOK = the first len bytes of the password answer (pam_set_item
 * keeps its own copy); PAM_OLDAUTHTOK in chauthtok's PRELIM phase. */
static int
set_authtok(struct relay *r, uint32_t len)
{
	int item = PAM_AUTHTOK;
	char *tok;
	int rc;

	if (r->req->type == FIO_MSG_CHAUTHTOK && (r->req->flags & FIO_CHTOK_F_PRELIM) != 0)
		item = PAM_OLDAUTHTOK;
	if (r->authtok == NULL || len > strlen(r->authtok)) {
		pam_syslog(r->pamh, LOG_WARNING,
		           "fio-helperd at %s: the verdict's password length does not fit the "
		           "password answer; PAM_AUTHTOK not set",
		           r->o->socket);
		return PAM_SUCCESS;
	}
	if ((tok = strndup(r->authtok, len)) == NULL)
		return PAM_BUF_ERR;
	rc = pam_set_item(r->pamh, item, tok);
	fio_freezero(tok, (size_t)len + 1);
	if (r->o->debug && rc == PAM_SUCCESS)
		pam_syslog(r->pamh, LOG_DEBUG, "%s set from the password answer",
		           item == PAM_AUTHTOK ? "PAM_AUTHTOK" : "PAM_OLDAUTHTOK");
	return rc;
}

static int
on_verdict(struct relay *r, const struct fio_client_msg *m, uint32_t *result)
{
	int rc;

	if (r->o->debug)
		pam_syslog(r->pamh, LOG_DEBUG, "verdict %u after %u prompts, %u messages to show",
		           m->result, r->nprompts, r->npending);
	rc = converse(r, NULL, NULL);
	if (rc != PAM_SUCCESS && r->o->debug)
		pam_syslog(r->pamh, LOG_DEBUG, "could not show the final messages: %s",
		           pam_strerror(r->pamh, rc));
	rc = PAM_SUCCESS;
	if (m->result == FIO_RESULT_OK &&
	    (r->req->type == FIO_MSG_AUTH || r->req->type == FIO_MSG_CHAUTHTOK) &&
	    m->authtok_len > 0)
		rc = set_authtok(r, m->authtok_len);
	if (rc == PAM_SUCCESS)
		*result = m->result;
	return rc;
}

static int
send_request(struct relay *r)
{
	const struct fio_request *q = r->req;
	struct fio_buf *b = &r->c.out;
	int e;

	fio_buf_reset(b);
	if (q->type == FIO_MSG_SESSION) {
		if ((e = fio_put_u32(b, q->op)) == 0 &&
		    (e = fio_put_str(b, q->service, FIO_NAME_MAX)) == 0 &&
		    (e = fio_put_str(b, q->user, FIO_NAME_MAX)) == 0 &&
		    (e = fio_put_str(b, q->rhost, FIO_HOST_MAX)) == 0 &&
		    (e = fio_put_str(b, q->tty, FIO_TTY_MAX)) == 0)
			e = fio_client_send(&r->c, q->type);
		goto out;
	}
	if ((e = fio_put_str(b, q->service, FIO_NAME_MAX)) != 0 ||
	    (e = fio_put_str(b, q->user, FIO_NAME_MAX)) != 0 ||
	    (e = fio_put_str(b, q->rhost, FIO_HOST_MAX)) != 0 ||
	    (e = fio_put_str(b, q->ruser, FIO_NAME_MAX)) != 0 ||
	    (e = fio_put_str(b, q->tty, FIO_TTY_MAX)) != 0 || (e = fio_put_u32(b, q->flags)) != 0)
		goto out;
	if ((q->type == FIO_MSG_AUTH || q->type == FIO_MSG_CHAUTHTOK) &&
	    (e = fio_put_str(b, q->authtok != NULL ? q->authtok : "", FIO_SECRET_MAX)) != 0)
		goto out;
	if (q->type == FIO_MSG_CHAUTHTOK &&
	    (e = fio_put_str(b, q->newtok != NULL ? q->newtok : "", FIO_SECRET_MAX)) != 0)
		goto out;
	e = fio_client_send(&r->c, q->type);
out:
	fio_buf_reset(b); /* it held the stack's PAM_AUTHTOK */
	return e;
}

static int
relay_loop(struct relay *r, uint32_t *result)
{
	struct fio_client_msg m;
	int rc = PAM_SUCCESS, done = 0, e, err;

	while (rc == PAM_SUCCESS && !done) {
		e = fio_client_next(&r->c, &m, r->o->timeout_ms);
		err = errno;
		if (e != 0)
			return transport_failed(r, e, err, "reading a reply");
		switch (m.type) {
		case FIO_MSG_INFO:
			rc = queue_info(r, &m);
			break;
		case FIO_MSG_PROMPT:
			rc = on_prompt(r, &m);
			break;
		case FIO_MSG_VERDICT:
			rc = on_verdict(r, &m, result);
			done = 1;
			break;
		default:
			rc = protocol_error(r, "unexpected RECORD message");
			break;
		}
		fio_client_msg_clear(&m);
	}
	return rc;
}

int
fio_relay_run(pam_handle_t *pamh, int pam_flags, const struct fio_options *o,
              const struct fio_request *req, uint32_t *result)
{
	struct relay r;
	const char *why = NULL;
	int rc, e, err;

	memset(&r, 0, sizeof(r));
	r.pamh = pamh;
	r.o = o;
	r.req = req;
	r.silent = (pam_flags & PAM_SILENT) != 0;
	*result = FIO_RESULT_DENIED;
	e = fio_client_open(&r.c, o->socket, o->helper_uid, FIO_CLIENT_PAM, &why);
	err = errno;
	if (e != 0) {
		rc = open_failed(&r, e, err, why);
		goto out;
	}
	r.open = 1;
	if (o->debug)
		pam_syslog(pamh, LOG_DEBUG, "connected to fio-helperd at %s (uid %u, protocol %u)",
		           o->socket, r.c.peer_uid, r.c.helper_version);
	e = send_request(&r);
	err = errno;
	if (e != 0) {
		rc = transport_failed(&r, e, err, "sending the request");
		goto out;
	}
	rc = relay_loop(&r, result);
out:
	pending_clear(&r);
	fio_freezero_str(r.authtok);
	if (r.open)
		fio_client_close(&r.c);
	return rc;
}
