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

#include "auth_lock.h"
#include "authz.h"
#include "conn.h"
#include "crypto.h"
#include "fio-proto.h"
#include "fio-wipe.h"
#include "flow_auth.h"
#include "log.h"
#include "password.h"
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
	const char *reason; /* for the audit line; never a secret */
	struct auth_lock lock;
};

static void step_code(struct fio_conn *c, struct auth_flow *f);

static void
flow_free(struct auth_flow *f)
{
	fio_auth_req_free(f->req);
	if (f->have_user)
		fio_user_clear(&f->user);
	fio_freezero(f->password, f->pwlen + 1);
	fio_freezero(f->code, f->codelen + 1);
	fio_wipe(f->canon, sizeof(f->canon));
	fio_wipe(&f->rec, sizeof(f->rec));
	free(f);
}

static const char *
result_name(uint32_t result)
{
	switch (result) {
	case FIO_RESULT_OK:
		return "success";
	case FIO_RESULT_DENIED:
		return "failure";
	case FIO_RESULT_LOCKED:
		return "locked";
	case FIO_RESULT_UNAVAILABLE:
		return "unavailable";
	default:
		return "other";
	}
}

/* The one way out of the flow: message, audit, lock counters (durable before
 * the verdict), verdict. */
static void
finish(struct fio_conn *c, struct auth_flow *f, uint32_t result)
{
	struct fio_auth_req *r = f->req;
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

		conn_info(c, FIO_INFO_TEXT, "Recovery code accepted. %u recovery code%s left.",
		          left, left == 1 ? "" : "s");
	} else if (result == FIO_RESULT_DENIED) {
		conn_info(c, FIO_INFO_ERROR, MSG_FAILED);
	} else if (result == FIO_RESULT_UNAVAILABLE) {
		conn_info(c, FIO_INFO_ERROR, MSG_UNAVAILABLE);
	}
	fio_audit("auth", r->user, (long)conn_uid(c), r->service, r->rhost, result_name(result),
	          result == FIO_RESULT_OK ? (f->used_recovery ? "recovery code" : "ok")
	                                  : (f->reason != NULL ? f->reason : "failed"));
	/* code_failed: the password was right and the code was not; a success with
	 * a code prompt verified a TOTP or recovery code */
	auth_lock_end(conn_server(c), &f->lock, conn_uid(c), r, result,
	              result == FIO_RESULT_DENIED && f->pw_ok && f->ask_code,
	              result == FIO_RESULT_OK && f->ask_code);
	f->done(c, result, result == FIO_RESULT_OK ? f->authtok_len : 0, f->done_arg);
	flow_free(f);
}

static void
abandon(struct auth_flow *f)
{
	f->done(NULL, FIO_RESULT_DENIED, 0, f->done_arg);
	flow_free(f);
}

/* ---- password ---------------------------------------------------------- */

/* Equal strings, compared in constant time once the lengths agree. */
static int
same_str(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && fio_ct_equal(a, b, n);
}

/* Reads the account again after a wait (a prompt, a hash): a password or
 * authenticator changed, or an account deleted, meanwhile makes the login fail
 * rather than succeed on what was true before. 0, or -1 after finish(). */
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
	same = now.id == f->user.id && same_str(now.pwhash, f->user.pwhash) &&
	       (now.totp_blob != NULL) == (f->user.totp_blob != NULL) &&
	       (now.totp_blob == NULL ||
	        (now.totp_blob_len == f->user.totp_blob_len &&
	         fio_ct_equal(now.totp_blob, f->user.totp_blob, now.totp_blob_len)));
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

	f->pw_result = fio_password_verify(f->password != NULL ? f->password : "", f->hash);
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
	/* Unknown users, locked attempts and accounts without a password cost one
	 * dummy hash too. */
	if (f->known && !f->lock.locked && f->user.pwhash != NULL && f->user.pwhash[0] != '\0' &&
	    f->user.pwhash[0] != '!' && f->user.pwhash[0] != '*')
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

static void
check_totp(struct fio_conn *c, struct auth_flow *f, const char *code)
{
	struct fio_server *s = conn_server(c);
	unsigned char *secret = NULL;
	size_t slen = 0;
	char aad[FIO_NAME_MAX + 8];
	int64_t step, matched = -1;
	int r;

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
	snprintf(aad, sizeof(aad), "totp:%s", f->user.name);
	if (fio_open(&s->key, aad, f->user.totp_blob, f->user.totp_blob_len, &secret, &slen) != 0) {
		log_err("cannot decrypt the authenticator secret of this user (wrong key file or "
		        "damaged store row)");
		f->reason = "secret undecryptable";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return;
	}
	step = fio_totp_step(time(NULL), f->user.totp_period);
	r = fio_totp_verify(secret, slen, code, f->user.totp_digits, step, s->cfg.totp_window,
	                    f->user.totp_last_step, &matched);
	fio_freezero(secret, slen);
	if (r != 1 || !f->pw_ok) {
		if (f->reason == NULL)
			f->reason = r == 1 ? "wrong password" : "wrong or reused code";
		finish(c, f, FIO_RESULT_DENIED);
		return;
	}
	r = fio_store_totp_advance(s->store, f->user.id, matched);
	if (r == FIO_STORE_OK) {
		finish(c, f, FIO_RESULT_OK);
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
		finish(c, f, FIO_RESULT_OK);
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

static void
check_code(struct fio_conn *c, struct auth_flow *f)
{
	unsigned digits = f->enrolled ? f->user.totp_digits : 6;
	char totp[16];
	uint32_t idx;

	if (f->code != NULL && fio_totp_canon(f->code, digits, totp, sizeof(totp)) == 0) {
		check_totp(c, f, totp);
		fio_wipe(totp, sizeof(totp));
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
		finish(c, f, f->pw_ok ? FIO_RESULT_OK : FIO_RESULT_DENIED);
		return;
	}
	if ((f->req->flags & FIO_AUTH_F_SINGLE_PROMPT) && f->prompted_pw) {
		check_code(c, f);
		return;
	}
	if (conn_prompt(c, FIO_PROMPT_ECHO_OFF, 0, PROMPT_CODE, on_code, f) != 0)
		finish(c, f, FIO_RESULT_UNAVAILABLE);
}

/* ---- entry points --------------------------------------------------------- */

void
flow_auth_run(struct fio_conn *c, struct fio_auth_req *req, flow_auth_done_fn done, void *arg)
{
	struct fio_server *s = conn_server(c);
	struct auth_flow *f = calloc(1, sizeof(*f));
	int allowed, r = FIO_STORE_NOTFOUND;

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
		f->have_user = r == FIO_STORE_OK;
	} else {
		fio_audit("refused", req->user, (long)conn_uid(c), req->service, req->rhost,
		          "refused", "caller may not authenticate this user");
	}
	if (r == FIO_STORE_ERR) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE);
		return;
	}
	f->known = f->have_user;
	f->enrolled = f->known && f->user.totp_blob != NULL;
	f->ask_code = !f->known || f->enrolled;
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
	if (conn_uid(c) != 0)
		r->flags &= ~FIO_AUTH_F_FACTOR_SECOND; /* a claim never lowers what is asked */
	flow_auth_run(c, r, auth_request_done, NULL);
	return 0;
}

int
flow_acct_start(struct fio_conn *c, struct fio_buf *in)
{
	struct fio_auth_req *r;
	struct fio_server *s = conn_server(c);
	struct fio_user u;
	uint32_t result = FIO_RESULT_IGNORE;
	int st;
	if (fio_auth_req_decode(in, 0, &r) != 0)
		return -1;
	if (authz_name_valid(r->user) &&
	    (conn_uid(c) == 0 || authz_is_self(conn_uid(c), r->user))) {
		st = fio_store_user_get(s->store, r->user, &u);
		if (st == FIO_STORE_OK) {
			result = FIO_RESULT_OK;
			fio_user_clear(&u);
		} else if (st == FIO_STORE_ERR) {
			result = FIO_RESULT_UNAVAILABLE;
			conn_info(c, FIO_INFO_ERROR, MSG_UNAVAILABLE);
		}
	}
	fio_auth_req_free(r);
	conn_verdict(c, result, 0);
	return 0;
}
