/*
 * flow_policy.c - the mandatory-2FA steps of a login (after the checks) and
 * the account check (flow_policy.h; the rules are in policy.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fio-proto.h"

#include "activity.h"
#include "authz.h"
#include "conn.h"
#include "fio-config.h"
#include "flow_auth.h"
#include "flow_enroll.h"
#include "flow_policy.h"
#include "log.h"
#include "policy.h"
#include "server.h"
#include "store.h"

#define MSG_UNAVAILABLE "The authentication service is unavailable."

struct login_step {
	flow_policy_done_fn done;
	void *arg;
	struct fio_user user; /* name, email and id only */
	char *service, *rhost;
	enum fio_pstate state;
};

static void
step_free(struct login_step *st)
{
	free(st->user.name);
	free(st->user.email);
	free(st->service);
	free(st->rhost);
	free(st);
}

static void
step_end(struct fio_conn *c, struct login_step *st, uint32_t result)
{
	flow_policy_done_fn done = st->done;
	void *arg = st->arg;

	step_free(st);
	done(c, result, arg);
}

/* Grace and pass notices: the time left and until when. */
static void
notice(struct fio_conn *c, const struct fio_peval *pol)
{
	char left[64], until[64];
	int64_t now = (int64_t)time(NULL);
	int64_t end = pol->state == FIO_PS_PASS ? pol->pass_until : pol->deadline;

	fio_policy_duration(end - now, left, sizeof(left));
	fio_policy_time(end, until, sizeof(until));
	if (pol->state == FIO_PS_PASS)
		conn_info(c, FIO_INFO_TEXT, FIO_MSG_PASS, until, left);
	else
		conn_info(c, FIO_INFO_TEXT, FIO_MSG_GRACE, left, until);
}

static void
enrolled(struct fio_conn *c, uint32_t result, void *arg)
{
	struct login_step *st = arg;

	if (c == NULL) {
		step_end(NULL, st, FIO_RESULT_CONV);
		return;
	}
	if (result == FIO_RESULT_OK) {
		step_end(c, st, FIO_RESULT_OK);
		return;
	}
	if (st->state == FIO_PS_GRACE) {
		/* still within the window: the login goes on without it */
		conn_info(c, FIO_INFO_TEXT, "Two-factor authentication was not set up. %s",
		          FIO_MSG_LATER);
		step_end(c, st, FIO_RESULT_OK);
		return;
	}
	step_end(c, st,
	         result == FIO_RESULT_UNAVAILABLE ? FIO_RESULT_UNAVAILABLE : FIO_RESULT_DENIED);
}

static void
enrol(struct fio_conn *c, struct login_step *st)
{
	struct flow_enroll_opts o = {.flags = FLOW_ENROLL_F_CONFIRM_SAVED,
	                             .service = st->service,
	                             .rhost = st->rhost,
	                             .import_b32 = NULL};

	flow_enroll_start(c, &st->user, &o, enrolled, st);
}

/* "y" or "yes" in any case, with blanks around. */
static int
said_yes(const char *answer, size_t len)
{
	size_t b = 0, e = len;

	while (b < e && isspace((unsigned char)answer[b]))
		b++;
	while (e > b && isspace((unsigned char)answer[e - 1]))
		e--;
	return (e - b == 1 && tolower((unsigned char)answer[b]) == 'y') ||
	       (e - b == 3 && strncasecmp(answer + b, "yes", 3) == 0);
}

static void
offer_answer(struct fio_conn *c, const char *answer, size_t len, void *arg)
{
	struct login_step *st = arg;

	if (c == NULL) {
		step_end(NULL, st, FIO_RESULT_CONV);
		return;
	}
	if (said_yes(answer, len)) {
		enrol(c, st);
		return;
	}
	conn_info(c, FIO_INFO_TEXT, FIO_MSG_LATER);
	step_end(c, st, FIO_RESULT_OK);
}

static struct login_step *
step_new(const struct fio_user *u, const struct fio_peval *pol, const struct fio_auth_req *req,
         flow_policy_done_fn done, void *arg)
{
	struct login_step *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->done = done;
	st->arg = arg;
	st->state = pol->state;
	st->user.id = u->id;
	st->user.name = strdup(u->name);
	st->user.email = strdup(u->email != NULL ? u->email : "");
	st->service = strdup(req->service != NULL ? req->service : "");
	st->rhost = strdup(req->rhost != NULL ? req->rhost : "");
	if (st->user.name == NULL || st->user.email == NULL || st->service == NULL ||
	    st->rhost == NULL) {
		step_free(st);
		return NULL;
	}
	return st;
}

void
flow_policy_login(struct fio_conn *c, const struct fio_user *u, const struct fio_peval *pol,
                  const struct fio_auth_req *req, flow_policy_done_fn done, void *arg)
{
	const struct fio_config *cfg = &conn_server(c)->cfg;
	struct login_step *st;

	switch (pol->state) {
	case FIO_PS_PASS:
		notice(c, pol);
		done(c, FIO_RESULT_OK, arg);
		return;
	case FIO_PS_GRACE:
	case FIO_PS_OVERDUE:
	case FIO_PS_PASS_EXPIRED:
		break;
	default:
		done(c, FIO_RESULT_OK, arg);
		return;
	}
	if (pol->state == FIO_PS_GRACE) {
		notice(c, pol);
		/* a client that answers one prompt only could not answer the offer */
		if (!cfg->enroll_at_login || (req->flags & FIO_AUTH_F_SINGLE_PROMPT)) {
			conn_info(c, FIO_INFO_TEXT, FIO_MSG_LATER);
			done(c, FIO_RESULT_OK, arg);
			return;
		}
	} else {
		if (pol->state == FIO_PS_PASS_EXPIRED)
			conn_info(c, FIO_INFO_TEXT, FIO_MSG_PASS_EXPIRED);
		if (!cfg->enroll_at_login) {
			conn_info(c, FIO_INFO_ERROR, FIO_MSG_OVERDUE_ADMIN);
			done(c, FIO_RESULT_DENIED, arg);
			return;
		}
		conn_info(c, FIO_INFO_TEXT, FIO_MSG_OVERDUE);
	}
	st = step_new(u, pol, req, done, arg);
	if (st == NULL) {
		log_err("out of memory");
		done(c, FIO_RESULT_UNAVAILABLE, arg);
		return;
	}
	if (pol->state != FIO_PS_GRACE) {
		enrol(c, st);
		return;
	}
	/* After conn_prompt() st belongs to offer_answer(). */
	if (conn_prompt(c, FIO_PROMPT_ECHO_ON, 0, FIO_MSG_OFFER, offer_answer, st) != 0)
		step_end(c, st, FIO_RESULT_UNAVAILABLE);
}

/* ---- pam_acct_mgmt ------------------------------------------------------------ */

static uint32_t
acct_verdict(struct fio_conn *c, const struct fio_auth_req *r)
{
	struct fio_server *s = conn_server(c);
	struct fio_user u;
	struct fio_peval pol;
	int st, have, must_change;

	if (!authz_name_valid(r->user) ||
	    (conn_uid(c) != 0 && !authz_is_self(conn_uid(c), r->user)))
		return FIO_RESULT_IGNORE;
	st = fio_store_user_get(s->store, r->user, &u);
	if (st == FIO_STORE_ERR)
		return FIO_RESULT_UNAVAILABLE;
	have = st == FIO_STORE_OK;
	if (!have && !(authz_nss_known(r->user) && fio_policy_covers(s, r->user)))
		return FIO_RESULT_IGNORE;
	if (have && u.suspended) { /* before the policy: SSO accounts too */
		fio_user_clear(&u);
		conn_info(c, FIO_INFO_ERROR, "%s", FIO_MSG_SUSPENDED);
		fio_event(s, "account", r->user, (long)conn_uid(c), r->service, r->rhost, r->tty,
		          "refused", "account suspended");
		return FIO_RESULT_SUSPENDED;
	}
	must_change = have && u.must_change;
	st = fio_policy_eval(s, have ? &u : NULL, r->user, r->service, (int64_t)time(NULL), 0,
	                     &pol);
	if (have)
		fio_user_clear(&u);
	if (st != 0)
		return FIO_RESULT_UNAVAILABLE;
	switch (pol.state) {
	case FIO_PS_SSO:
		return FIO_RESULT_IGNORE;
	case FIO_PS_OVERDUE:
	case FIO_PS_PASS_EXPIRED:
		conn_info(c, FIO_INFO_ERROR, "%s",
		          s->cfg.enroll_at_login ? FIO_MSG_ACCT_OVERDUE : FIO_MSG_OVERDUE_ADMIN);
		fio_event(s, "account", r->user, (long)conn_uid(c), r->service, r->rhost, r->tty,
		          "refused", "2FA required and not set up");
		return FIO_RESULT_NEEDS_2FA;
	case FIO_PS_GRACE:
	case FIO_PS_PASS:
		if (!(r->flags & FIO_AUTH_F_AFTER_AUTH))
			notice(c, &pol);
		break;
	default:
		if (!have)
			return FIO_RESULT_IGNORE;
		break;
	}
	/* after the policy: login(1) and sshd do not ask acct_mgmt again after
	 * the change, so a change must never stand in for a refusal */
	if (must_change) {
		conn_info(c, FIO_INFO_ERROR, "%s", FIO_MSG_MUST_CHANGE);
		fio_event(s, "account", r->user, (long)conn_uid(c), r->service, r->rhost, r->tty,
		          "new_authtok", "password change due");
		return FIO_RESULT_NEW_AUTHTOK;
	}
	return FIO_RESULT_OK;
}

int
flow_acct_start(struct fio_conn *c, struct fio_buf *in)
{
	struct fio_auth_req *r;
	uint32_t result;

	if (fio_auth_req_decode(in, 0, &r) != 0)
		return -1;
	result = acct_verdict(c, r);
	if (result == FIO_RESULT_UNAVAILABLE)
		conn_info(c, FIO_INFO_ERROR, MSG_UNAVAILABLE);
	fio_auth_req_free(r);
	conn_verdict(c, result, 0);
	return 0;
}
