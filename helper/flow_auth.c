/*
 * flow_auth.c - the login conversation: password, then the second factor, then
 * one verdict. Unknown users, refused callers and wrong passwords walk exactly
 * the same path as a known, enrolled user with the right password: the same
 * prompts, a dummy hash of the same cost, and the same message at the end.
 *
 * Lockout (auth_lock.h): the attempt is counted before the first prompt. A
 * locked attempt walks the same path too, but checks the password against the
 * dummy hash, verifies and consumes nothing, and ends with the lock message.
 * At the second-factor hard cap a TOTP code with the right password is refused
 * unchecked; a recovery code still works and lifts the cap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "auth_lock.h"
#include "authz.h"
#include "conn.h"
#include "crypto.h"
#include "fio-proto.h"
#include "fio-wipe.h"
#include "flow_auth.h"
#include "flow_enroll.h"
#include "flow_passwd.h"
#include "flow_policy.h"
#include "log.h"
#include "password.h"
#include "policy.h"
#include "recovery.h"
#include "server.h"
#include "store.h"
#include "totp.h"

#define MSG_FAILED "Authentication failed."
#define MSG_UNAVAILABLE "The authentication service is unavailable."
#define PROMPT_PASSWORD "Password: "
#define PROMPT_SINGLE "Password and verification code: "
#define PROMPT_CODE "Verification code: "

struct auth_flow {
	struct fio_auth_req *req;
	flow_auth_done_fn done;
	void *done_arg;
	struct fio_user user;
	int have_user;   /* user was filled from the store */
	int known;       /* in the store, and the caller may ask about it */
	int enrolled;    /* known, with an authenticator */
	int ask_code;    /* a code prompt follows the password */
	int prompted_pw; /* the password came from our own prompt */
	char *password;  /* candidate password, owned, wiped */
	size_t pwlen;
	char *code; /* candidate code, owned, wiped */
	size_t codelen;
	uint32_t authtok_len;
	const char *hash; /* what the worker checks against (not owned) */
	int pw_result;    /* worker: fio_password_verify() */
	int pw_ok;
	struct fio_recovery_rec rec;
	int rec_found;
	char canon[FIO_RECOVERY_CHARS + 1];
	int rec_result; /* worker: fio_recovery_check() */
	int used_recovery;
	char reset_canon[FIO_RESET_CHARS + 1];
	int via_reset;      /* the password answer was the account's reset/invitation code */
	const char *reason; /* for the audit line; never a secret */
	struct auth_lock lock;
	struct fio_peval pol; /* the 2FA policy's view of the account (policy.h) */
	int remembered;       /* the source is remembered: no code asked */
};

static void step_code(struct fio_conn *c, struct auth_flow *f);
static void succeed(struct fio_conn *c, struct auth_flow *f);

static void
flow_free(struct auth_flow *f)
{
	fio_auth_req_free(f->req);
	if (f->have_user)
		fio_user_clear(&f->user);
	fio_freezero(f->password, f->pwlen + 1);
	fio_freezero(f->code, f->codelen + 1);
	fio_wipe(f->canon, sizeof(f->canon));
	fio_wipe(f->reset_canon, sizeof(f->reset_canon));
	fio_wipe(&f->rec, sizeof(f->rec));
	free(f);
}

/* The one way out of the flow: message, the last-login line, lock counters
 * (durable before the verdict), verdict, then the audit event. */
static void
finish(struct fio_conn *c, struct auth_flow *f, uint32_t result)
{
	struct fio_auth_req *r = f->req;
	struct fio_server *s = conn_server(c);
	uid_t uid = conn_uid(c);
	char text[160];

	if (f->lock.locked && result != FIO_RESULT_UNAVAILABLE) {
		result = FIO_RESULT_LOCKED; /* (OK cannot happen: a safety net) */
		f->reason = "locked: nothing verified";
	}
	if (result == FIO_RESULT_LOCKED) {
		auth_lock_message(&f->lock, text, sizeof(text));
		conn_info(c, FIO_INFO_ERROR, "%s", text);
	} else if (result == FIO_RESULT_OK && f->used_recovery) {
		unsigned left = f->user.recovery_left > 0 ? f->user.recovery_left - 1 : 0;

		conn_info(c, FIO_INFO_TEXT,
		          "Recovery code accepted. %u recovery code%s left. Make new ones with: "
		          "fioctl recovery --regenerate",
		          left, left == 1 ? "" : "s");
	} else if (result == FIO_RESULT_DENIED) {
		conn_info(c, FIO_INFO_ERROR, MSG_FAILED);
	} else if (result == FIO_RESULT_SUSPENDED) {
		conn_info(c, FIO_INFO_ERROR, FIO_MSG_SUSPENDED);
	} else if (result == FIO_RESULT_UNAVAILABLE) {
		conn_info(c, FIO_INFO_ERROR, MSG_UNAVAILABLE);
	}
	/* the previous login, before this one is recorded */
	if (result == FIO_RESULT_OK && !(r->flags & FLOW_AUTH_F_CHECK_ONLY) &&
	    fio_lastlog_line(s, r->user, text, sizeof(text)))
		conn_info(c, FIO_INFO_TEXT, "%s", text);
	/* code_failed: the password was right and the code was not; a success with
	 * a code prompt verified a TOTP or recovery code */
	auth_lock_end(conn_server(c), &f->lock, conn_uid(c), r, result,
	              result == FIO_RESULT_DENIED && f->pw_ok && f->ask_code,
	              result == FIO_RESULT_OK && f->ask_code);
	f->done(c, result, result == FIO_RESULT_OK ? f->authtok_len : 0, f->done_arg);
	/* after the verdict: the activity log never delays it */
	fio_event(s, "auth", r->user, (long)uid, r->service, r->rhost, r->tty,
	          fio_event_result(result),
	          result == FIO_RESULT_OK ? (f->used_recovery ? "recovery code"
	                                     : f->via_reset   ? "reset code"
	                                                      : "ok")
	                                  : (f->reason != NULL ? f->reason : "failed"));
	flow_free(f);
}

static void
abandon(struct auth_flow *f)
{
	f->done(NULL, FIO_RESULT_DENIED, 0, f->done_arg);
	flow_free(f);
}

/* ---- password ---------------------------------------------------------- */

/* The same authenticators (ids and sealed secrets) in the same order. */
static int
same_totps(const struct fio_user *a, const struct fio_user *b)
{
	int same = a->ntotp == b->ntotp;

	for (size_t i = 0; same && i < a->ntotp; i++) {
		const struct fio_totp *x = &a->totps[i], *y = &b->totps[i];

		same = x->id == y->id && x->blob_len == y->blob_len &&
		       fio_ct_equal(x->blob, y->blob, x->blob_len);
	}
	return same;
}

/* Reads the account again after a wait (a prompt, a hash): a password or
 * authenticator changed (any of them), or an account deleted, meanwhile makes
 * the login fail rather than succeed on what was true before. 0, or -1 after
 * finish(). */
static int
refresh_user(struct fio_conn *c, struct auth_flow *f)
{
	struct fio_user now;
	int r, same;

	if (!f->known)
		return 0;
	r = fio_store_user_get(conn_server(c)->store, f->user.name, &now);
	if (r == FIO_STORE_ERR) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return -1;
	}
	if (r == FIO_STORE_NOTFOUND) {
		f->known = f->enrolled = 0;
		f->pw_ok = 0;
		f->reason = "account deleted during the login";
		return 0;
	}
	same = now.id == f->user.id && fio_ct_streq(now.pwhash, f->user.pwhash) &&
	       fio_ct_streq(now.reset_hash, f->user.reset_hash) && same_totps(&now, &f->user);
	fio_user_clear(&f->user);
	f->user = now;
	if (!same) {
		f->pw_ok = 0;
		f->reason = "account changed during the login";
	}
	return 0;
}

static void
verify_work(void *p)
{
	struct auth_flow *f = p;

	f->pw_result = fio_password_verify(f->via_reset          ? f->reset_canon
	                                   : f->password != NULL ? f->password
	                                                         : "",
	                                   f->hash);
}

static void prompt_password(struct fio_conn *c, struct auth_flow *f);

static void
verify_done(struct fio_conn *c, void *p)
{
	struct auth_flow *f = p;

	if (c == NULL) {
		abandon(f);
		return;
	}
	if (f->pw_result < 0)
		log_err("password verification failed internally");
	f->pw_ok = f->known && f->hash != conn_server(c)->dummy_hash && f->pw_result == 1;
	if (f->via_reset)
		f->authtok_len = 0; /* a reset code is no PAM_AUTHTOK for the next modules */
	if (!f->pw_ok && f->reason == NULL)
		f->reason = f->known ? "wrong password"
		                     : "unknown user or refused caller"; /* try_first_pass with a
		                                                          * stacked password goes on
		                                                          * to the code whether the
		                                                          * password was right or
		                                                          * not: a second password
		                                                          * prompt would tell. */
	if (refresh_user(c, f) != 0)
		return;
	step_code(c, f);
}

static void
start_verify(struct fio_conn *c, struct auth_flow *f)
{
	/* An answer shaped like a reset code, while the account has one, is
	 * checked against it instead of the password: one hash either way.
	 * Unknown users, locked attempts and accounts without a password cost one
	 * dummy hash too. */
	f->via_reset = f->known && !f->lock.locked && f->password != NULL &&
	               fio_reset_outstanding(&f->user, (int64_t)time(NULL)) &&
	               fio_reset_canon(f->password, f->pwlen, f->reset_canon) == 0;
	if (f->via_reset)
		f->hash = f->user.reset_hash;
	else if (f->known && !f->lock.locked && f->user.pwhash != NULL &&
	         f->user.pwhash[0] != '\0' && f->user.pwhash[0] != '!' && f->user.pwhash[0] != '*')
		f->hash = f->user.pwhash;
	else
		f->hash = conn_server(c)->dummy_hash;
	if (conn_work(c, verify_work, verify_done, f) != 0) {
		f->reason = "busy";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
	}
}

/* single_prompt: the code is the tail of the answer, told by its length. */
static void
split_single(struct auth_flow *f)
{
	unsigned digits = f->enrolled ? f->user.totp_digits : 6;
	size_t n = f->pwlen, tail = 0;

	if (!f->ask_code)
		return;
	if (n > digits) {
		tail = digits;
		for (size_t i = n - digits; i < n; i++) {
			if (f->password[i] < '0' || f->password[i] > '9')
				tail = 0;
		}
	}
	if (tail == 0 && n > FIO_RECOVERY_SHOWN_LEN &&
	    f->password[n - FIO_RECOVERY_SHOWN_LEN + 4] == '-')
		tail = FIO_RECOVERY_SHOWN_LEN;
	if (tail == 0)
		return; /* no code: the second factor fails */
	f->code = strndup(f->password + n - tail, tail);
	f->codelen = f->code != NULL ? tail : 0;
	fio_wipe(f->password + n - tail, tail);
	f->pwlen = n - tail;
}

static void
on_password(struct fio_conn *c, const char *answer, size_t len, void *arg)
{
	struct auth_flow *f = arg;

	if (c == NULL) {
		abandon(f);
		return;
	}
	fio_freezero(f->password, f->pwlen + 1);
	f->password = strndup(answer, len);
	f->pwlen = f->password != NULL ? len : 0;
	if (f->password == NULL) {
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return;
	}
	f->prompted_pw = 1;
	if (f->req->flags & FIO_AUTH_F_SINGLE_PROMPT)
		split_single(f);
	f->authtok_len = (uint32_t)f->pwlen;
	start_verify(c, f);
}

static void
prompt_password(struct fio_conn *c, struct auth_flow *f)
{
	const char *text =
	        (f->req->flags & FIO_AUTH_F_SINGLE_PROMPT) ? PROMPT_SINGLE : PROMPT_PASSWORD;

	if (conn_prompt(c, FIO_PROMPT_ECHO_OFF, FIO_PROMPT_F_AUTHTOK, text, on_password, f) != 0)
		finish(c, f, FIO_RESULT_UNAVAILABLE);
}

static void
step_password(struct fio_conn *c, struct auth_flow *f)
{
	struct fio_auth_req *r = f->req;

	if (r->flags & FIO_AUTH_F_FACTOR_SECOND) {
		/* An earlier module checked the password (honoured from uid 0 only). */
		f->pw_ok = f->known && !f->lock.locked;
		step_code(c, f);
		return;
	}
	if ((r->flags & (FIO_AUTH_F_USE_AUTHTOK | FIO_AUTH_F_TRY_AUTHTOK)) && r->authtok != NULL &&
	    r->authtok_len > 0) {
		f->password = r->authtok;
		f->pwlen = r->authtok_len;
		r->authtok = NULL;
		r->authtok_len = 0;
		if (r->flags & FIO_AUTH_F_SINGLE_PROMPT) {
			split_single(f); /* sshd's password method: password and code */
			f->prompted_pw = 1;
		}
		start_verify(c, f);
		return;
	}
	if (r->flags & FIO_AUTH_F_USE_AUTHTOK) {
		/* use_first_pass without a password: deny, but keep the usual shape. */
		f->reason = "use_first_pass without PAM_AUTHTOK";
		start_verify(c, f);
		return;
	}
	prompt_password(c, f);
}

/* ---- second factor ------------------------------------------------------ */

/* Verifies the code against authenticator t (its own digits, period and last
 * step): 1 and *matched, 0 if no match, -1 if its secret cannot be opened. */
static int
verify_one(struct fio_server *s, const struct auth_flow *f, const struct fio_totp *t, time_t now,
           int64_t *matched)
{
	unsigned char *secret = NULL;
	size_t slen = 0;
	char aad[FIO_NAME_MAX + 8];
	char code[16];
	int r = 0;

	snprintf(aad, sizeof(aad), "totp:%s", f->user.name);
	if (fio_open(&s->key, aad, t->blob, t->blob_len, &secret, &slen) != 0)
		return -1;
	if (fio_totp_canon(f->code, t->digits, code, sizeof(code)) == 0)
		r = fio_totp_verify(secret, slen, code, t->digits, fio_totp_step(now, t->period),
		                    s->cfg.totp_window, t->last_step, matched) == 1;
	fio_freezero(secret, slen);
	FIO_WIPE_ARRAY(code);
	return r;
}

/* The code is checked against every authenticator of the account, each with
 * its own last step (replay), without stopping at a match; the first match
 * advances its authenticator. One secret that cannot be opened fails closed. */
static void
check_totp(struct fio_conn *c, struct auth_flow *f)
{
	struct fio_server *s = conn_server(c);
	const struct fio_totp *hit = NULL;
	time_t now = time(NULL);
	int64_t step, hit_step = -1;
	int r, broken = 0;

	if (f->lock.locked) {
		finish(c, f, FIO_RESULT_LOCKED);
		return;
	}
	if (f->lock.capped && f->pw_ok) {
		f->reason = "second-factor hard cap: code not checked";
		finish(c, f, FIO_RESULT_LOCKED);
		return;
	}
	if (!f->enrolled) {
		f->reason = "unknown user or refused caller";
		finish(c, f, FIO_RESULT_DENIED);
		return;
	}
	for (size_t i = 0; i < f->user.ntotp; i++) {
		step = -1;
		r = verify_one(s, f, &f->user.totps[i], now, &step);
		if (r < 0)
			broken = 1;
		else if (r == 1 && hit == NULL) {
			hit = &f->user.totps[i];
			hit_step = step;
		}
	}
	if (broken) {
		log_err("cannot decrypt an authenticator secret of this user (wrong key file or "
		        "damaged store row)");
		f->reason = "secret undecryptable";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return;
	}
	if (hit == NULL || !f->pw_ok) {
		if (f->reason == NULL)
			f->reason = hit != NULL ? "wrong password" : "wrong or reused code";
		finish(c, f, FIO_RESULT_DENIED);
		return;
	}
	r = fio_store_totp_advance(s->store, hit->id, hit_step);
	if (r == FIO_STORE_OK) {
		succeed(c, f);
	} else if (r == FIO_STORE_NOTFOUND) {
		f->reason = "code replayed";
		finish(c, f, FIO_RESULT_DENIED);
	} else {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
	}
}

static void
kdf_work(void *p)
{
	struct auth_flow *f = p;

	f->rec_result = fio_recovery_check(f->canon, &f->rec);
}

/* The codes may have been regenerated while the KDF ran: consume only the
 * record that was checked. 0 to go on, -1 after finish(). */
static int
recovery_still_same(struct fio_conn *c, struct auth_flow *f)
{
	struct fio_recovery_rec now;
	int r = fio_store_recovery_get(conn_server(c)->store, f->user.id, f->rec.idx, &now);

	if (r == FIO_STORE_ERR) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return -1;
	}
	if (r != FIO_STORE_OK || !fio_ct_equal(now.salt, f->rec.salt, sizeof(now.salt)) ||
	    !fio_ct_equal(now.hash, f->rec.hash, sizeof(now.hash))) {
		fio_wipe(&now, sizeof(now));
		f->reason = "recovery code already used or replaced";
		finish(c, f, FIO_RESULT_DENIED);
		return -1;
	}
	fio_wipe(&now, sizeof(now));
	return 0;
}

static void
kdf_done(struct fio_conn *c, void *p)
{
	struct auth_flow *f = p;
	int r;

	if (c == NULL) {
		abandon(f);
		return;
	}
	if (!f->rec_found || f->rec_result != 1 || !f->pw_ok) {
		if (f->reason == NULL)
			f->reason = "wrong or used recovery code";
		finish(c, f, FIO_RESULT_DENIED);
		return;
	}
	if (recovery_still_same(c, f) != 0)
		return;
	r = fio_store_recovery_consume(conn_server(c)->store, f->user.id, f->rec.idx,
	                               (int64_t)time(NULL));
	if (r == FIO_STORE_OK) {
		f->used_recovery = 1;
		succeed(c, f);
	} else if (r == FIO_STORE_NOTFOUND) {
		f->reason = "recovery code already used";
		finish(c, f, FIO_RESULT_DENIED);
	} else {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
	}
}

static void
check_recovery(struct fio_conn *c, struct auth_flow *f, uint32_t idx)
{
	struct fio_server *s = conn_server(c);
	int r = FIO_STORE_NOTFOUND;

	if (f->enrolled && !f->lock.locked)
		r = fio_store_recovery_get(s->store, f->user.id, idx, &f->rec);
	if (r == FIO_STORE_ERR) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return;
	}
	f->rec_found = r == FIO_STORE_OK;
	if (!f->rec_found) {
		/* Same cost as a real check, so that timing tells nothing. */
		memset(&f->rec, 0, sizeof(f->rec));
		f->rec.idx = idx;
		f->rec.iterations = s->cfg.recovery_iterations;
		if (fio_random(f->rec.salt, sizeof(f->rec.salt)) != 0) {
			finish(c, f, FIO_RESULT_UNAVAILABLE);
			return;
		}
	}
	if (conn_work(c, kdf_work, kdf_done, f) != 0) {
		f->reason = "busy";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
	}
}

/* 1 if the code has the shape of a TOTP code of one of the account's
 * authenticators (6 digits if none). */
static int
looks_like_totp(const struct auth_flow *f)
{
	char totp[16];
	int yes = 0;

	if (!f->enrolled)
		yes = fio_totp_canon(f->code, 6, totp, sizeof(totp)) == 0;
	for (size_t i = 0; f->enrolled && i < f->user.ntotp; i++) {
		if (fio_totp_canon(f->code, f->user.totps[i].digits, totp, sizeof(totp)) == 0)
			yes = 1;
	}
	FIO_WIPE_ARRAY(totp);
	return yes;
}

static void
check_code(struct fio_conn *c, struct auth_flow *f)
{
	uint32_t idx;

	if (f->code != NULL && looks_like_totp(f)) {
		check_totp(c, f);
		return;
	}
	if (f->code != NULL && fio_recovery_canon(f->code, f->canon, sizeof(f->canon), &idx) == 0) {
		check_recovery(c, f, idx);
		return;
	}
	if (f->reason == NULL)
		f->reason = "malformed code";
	finish(c, f, FIO_RESULT_DENIED);
}

static void
on_code(struct fio_conn *c, const char *answer, size_t len, void *arg)
{
	struct auth_flow *f = arg;

	if (c == NULL) {
		abandon(f);
		return;
	}
	fio_freezero(f->code, f->codelen + 1);
	f->code = strndup(answer, len);
	f->codelen = f->code != NULL ? len : 0;
	if (refresh_user(c, f) != 0)
		return;
	check_code(c, f);
}

static void
step_code(struct fio_conn *c, struct auth_flow *f)
{
	if (!f->ask_code) {
		if (f->pw_ok)
			succeed(c, f);
		else
			finish(c, f, FIO_RESULT_DENIED);
		return;
	}
	if ((f->req->flags & FIO_AUTH_F_SINGLE_PROMPT) && f->prompted_pw) {
		check_code(c, f);
		return;
	}
	if (conn_prompt(c, FIO_PROMPT_ECHO_OFF, 0, PROMPT_CODE, on_code, f) != 0)
		finish(c, f, FIO_RESULT_UNAVAILABLE);
}

/* ---- after the checks: the 2FA policy, remembered sources -------------------- */

/* A full second-factor login from a source spares it the code for a while. */
static void
remember_source(struct fio_conn *c, struct auth_flow *f)
{
	struct fio_server *s = conn_server(c);
	const char *rhost = f->req->rhost != NULL ? f->req->rhost : "";
	int64_t now = (int64_t)time(NULL);

	if (!f->ask_code || s->cfg.remember == 0 || conn_uid(c) != 0 ||
	    (rhost[0] == '\0' && !s->cfg.remember_local))
		return;
	if (fio_store_remember_put(s->store, f->user.id, rhost, now + (int64_t)s->cfg.remember) !=
	    FIO_STORE_OK)
		log_warn("cannot remember the source of a login (store error)");
}

static void
policy_done(struct fio_conn *c, uint32_t result, void *arg)
{
	struct auth_flow *f = arg;

	if (c == NULL) {
		abandon(f);
		return;
	}
	if (result == FIO_RESULT_OK)
		remember_source(c, f);
	else if (f->reason == NULL)
		f->reason = result == FIO_RESULT_DENIED ? "2FA required: not set up at login"
		                                        : "2FA policy step failed";
	finish(c, f, result);
}

/* The password (and the code, if asked) were right: what the policy says
 * next, then the verdict. A suspended account is told so only now (a guesser
 * learns nothing), before any policy step: it is never offered enrolment,
 * and a CHECK_ONLY re-authentication (fioctl self-service) fails too. */
static void
succeed(struct fio_conn *c, struct auth_flow *f)
{
	if (!f->known || f->lock.locked) {
		finish(c, f, FIO_RESULT_DENIED); /* (cannot happen: a safety net) */
		return;
	}
	if (f->user.suspended) {
		f->reason = "account suspended";
		finish(c, f, FIO_RESULT_SUSPENDED);
		return;
	}
	if (f->req->flags & FLOW_AUTH_F_CHECK_ONLY) {
		finish(c, f, FIO_RESULT_OK);
		return;
	}
	flow_policy_login(c, &f->user, &f->pol, f->req, policy_done, f);
}

/* The remembered-source check (config remember): 1 if the code is spared.
 * Only PAM_RHOST from a root caller (sshd, login) is believed: any other
 * caller could name whatever source it likes. */
static int
source_remembered(struct fio_conn *c, const struct auth_flow *f)
{
	struct fio_server *s = conn_server(c);
	const char *rhost = f->req->rhost != NULL ? f->req->rhost : "";

	if (s->cfg.remember == 0 || conn_uid(c) != 0 ||
	    (rhost[0] == '\0' && !s->cfg.remember_local))
		return 0;
	return fio_store_remember_check(s->store, f->user.id, rhost, (int64_t)time(NULL)) ==
	       FIO_STORE_OK;
}

/* An NSS account that a policy covers gets a store row (no password: pam_unix
 * checked it) when a root caller says the password was checked already. */
static int
nss_row(struct fio_server *s, const struct fio_auth_req *req, struct fio_user *u)
{
	int r;

	if (!(req->flags & FIO_AUTH_F_FACTOR_SECOND) || !authz_nss_known(req->user) ||
	    !fio_policy_covers(s, req->user))
		return FIO_STORE_NOTFOUND;
	r = fio_store_user_add(s->store, req->user, "", "", (int64_t)time(NULL));
	if (r != FIO_STORE_OK && r != FIO_STORE_EXISTS)
		return FIO_STORE_ERR;
	fio_event(s, "user_add", req->user, 0, req->service, req->rhost, req->tty, "ok",
	          "NSS account covered by a 2FA policy");
	return fio_store_user_get(s->store, req->user, u);
}

/* ---- entry points --------------------------------------------------------- */

/* The policy's view of the account before the first prompt. SSO accounts are
 * left to the identity provider's module: IGNORE, nothing asked, nothing
 * counted. 0 to go on, -1 if the flow ended. */
static int
policy_start(struct fio_conn *c, struct auth_flow *f, int made)
{
	struct fio_server *s = conn_server(c);
	struct fio_auth_req *r = f->req;

	/* an except list is only believed from root callers, which name their
	 * service truthfully (any other caller could name "sudo") */
	if (fio_policy_eval(s, f->known ? &f->user : NULL, r->user,
	                    conn_uid(c) == 0 ? r->service : NULL, (int64_t)time(NULL),
	                    made ? FIO_PEVAL_F_NSS_ROW : 0, &f->pol) != 0) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return -1;
	}
	if (f->pol.state == FIO_PS_SSO) {
		fio_event(s, "auth", r->user, (long)conn_uid(c), r->service, r->rhost, r->tty,
		          "ignore", "single sign-on account: left to the identity provider");
		f->done(c, FIO_RESULT_IGNORE, 0, f->done_arg);
		flow_free(f);
		return -1;
	}
	if (f->pol.state == FIO_PS_PASS_EXPIRED && f->known) {
		/* the pass ended just now: its factor is gone */
		fio_user_clear(&f->user);
		f->have_user = f->known = 0;
		if (fio_store_user_get(s->store, r->user, &f->user) == FIO_STORE_OK)
			f->have_user = f->known = 1;
	}
	return 0;
}

void
flow_auth_run(struct fio_conn *c, struct fio_auth_req *req, flow_auth_done_fn done, void *arg)
{
	struct fio_server *s = conn_server(c);
	struct auth_flow *f = calloc(1, sizeof(*f));
	int allowed, r = FIO_STORE_NOTFOUND, made = 0;

	if (f == NULL) {
		fio_auth_req_free(req);
		done(c, FIO_RESULT_UNAVAILABLE, 0, arg);
		return;
	}
	f->req = req;
	f->done = done;
	f->done_arg = arg;
	allowed = authz_name_valid(req->user) &&
	          (conn_uid(c) == 0 || authz_is_self(conn_uid(c), req->user));
	if (allowed) {
		r = fio_store_user_get(s->store, req->user, &f->user);
		if (r == FIO_STORE_NOTFOUND) {
			r = nss_row(s, req, &f->user);
			made = r == FIO_STORE_OK;
		}
		f->have_user = r == FIO_STORE_OK;
	} else {
		fio_event(s, "refused", req->user, (long)conn_uid(c), req->service, req->rhost,
		          req->tty, "refused", "caller may not authenticate this user");
	}
	if (r == FIO_STORE_ERR) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return;
	}
	if (allowed && r == FIO_STORE_NOTFOUND && (req->flags & FIO_AUTH_F_FACTOR_SECOND) &&
	    (req->flags & FIO_AUTH_F_NULLOK) && authz_nss_known(req->user)) {
		/* nullok: no second factor here and none required (nss_row made
		 * no row); the password module before us decided */
		fio_event(s, "auth", req->user, (long)conn_uid(c), req->service, req->rhost,
		          req->tty, "ignore", "no second factor (nullok)");
		done(c, FIO_RESULT_IGNORE, 0, arg);
		flow_free(f);
		return;
	}
	f->known = f->have_user;
	if (allowed && policy_start(c, f, made) != 0)
		return;
	f->enrolled = f->known && f->user.totp_blob != NULL;
	if (f->enrolled && f->pol.state != FIO_PS_PASS && !f->pol.service_exempt)
		f->remembered = source_remembered(c, f);
	f->ask_code = !f->known || (f->enrolled && f->pol.state != FIO_PS_PASS &&
	                            !f->pol.service_exempt && !f->remembered);
	if (auth_lock_start(s, &f->lock, conn_uid(c), req, f->known ? &f->user : NULL) != 0) {
		f->reason = "lockout state unavailable";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return;
	}
	step_password(c, f);
}

static void
auth_request_done(struct fio_conn *c, uint32_t result, uint32_t authtok_len, void *arg)
{
	(void)arg;
	if (c != NULL)
		conn_verdict(c, result, authtok_len);
}

int
flow_auth_start(struct fio_conn *c, struct fio_buf *in)
{
	struct fio_auth_req *r;

	if (fio_auth_req_decode(in, 1, &r) != 0)
		return -1;
	if (conn_uid(c) != 0) /* a claim never lowers what is asked */
		r->flags &= ~(FIO_AUTH_F_FACTOR_SECOND | FIO_AUTH_F_NULLOK);
	flow_auth_run(c, r, auth_request_done, NULL);
	return 0;
}
