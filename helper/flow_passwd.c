/*
 * flow_passwd.c - pam_sm_chauthtok's conversation, and reset / invitation
 * codes.
 *
 * PRELIM: the current password (or an outstanding reset or invitation code)
 * unless a root application changes someone's password (FIO_CHTOK_F_ROOT,
 * believed from uid 0 only, like pam_unix). UPDATE: the current password
 * again (from PAM_OLDAUTHTOK: the module is stateless between the phases),
 * then the new one twice, with the quality rules (quality.h), at most
 * PW_TRIES tries. The change is one conditional UPDATE that also consumes the
 * code: it succeeds only if the hashes verified are still the account's.
 *
 * A wrong current password counts as a failed attempt (auth_lock.h), so that
 * passwd is no faster an oracle than a login. Only the account's owner (by
 * uid) and root get here; anyone else is refused without a look at the store.
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
#include "flow_passwd.h"
#include "log.h"
#include "password.h"
#include "policy.h"
#include "quality.h"
#include "recovery.h"
#include "server.h"
#include "store.h"

#define PW_TRIES 3
#define PROMPT_CURRENT "Current password: "
#define PROMPT_NEW "New password: "
#define PROMPT_RETYPE "Retype new password: "
#define MSG_WRONG "The current password is wrong."
#define MSG_MISMATCH "Sorry, passwords do not match."
#define MSG_NOT_CHANGED "The password was not changed."
#define MSG_CHANGED "Your password has been changed."
#define MSG_UNAVAILABLE "The authentication service is unavailable."
#define MSG_REFUSED "You may not change this password."
#define MSG_USE_RESET "Type the reset code you were given as the current password."
#define MSG_USE_INVITE "Type your invitation code as the current password."

struct pw_flow {
	struct fio_auth_req *req; /* authtok: PAM_OLDAUTHTOK, or NULL */
	char *newtok;             /* use_authtok: the new password, owned, wiped */
	size_t newtok_len;
	struct fio_user user;
	int have_user;
	int check_old; /* the current password is verified */
	struct auth_lock lock;
	int lock_started;
	char *old; /* candidate current password, owned, wiped */
	size_t oldlen;
	int prompted_old; /* it came from our own PRELIM prompt */
	char canon[FIO_RESET_CHARS + 1];
	const char *hash;  /* what the worker verifies against (not owned) */
	int via_code;      /* the current password was the reset/invitation code */
	int vresult;       /* worker: fio_password_verify() */
	char *new1, *new2; /* owned, wiped */
	size_t new1len, new2len;
	unsigned tries;
	struct fio_quality rules;
	unsigned cost;
	int qresult;                    /* worker: fio_quality_check() */
	int same_as_old;                /* worker: the new password verifies against pwhash */
	char qmsg[FIO_QUALITY_MSG_MAX]; /* never holds a password */
	char *newhash;
	int hash_rc;
	const char *reason;
};

static void ask_new(struct fio_conn *c, struct pw_flow *f);

static void
flow_free(struct pw_flow *f)
{
	fio_auth_req_free(f->req);
	if (f->have_user)
		fio_user_clear(&f->user);
	fio_freezero(f->newtok, f->newtok_len + 1);
	fio_freezero(f->old, f->oldlen + 1);
	fio_freezero(f->new1, f->new1len + 1);
	fio_freezero(f->new2, f->new2len + 1);
	fio_freezero_str(f->newhash);
	FIO_WIPE_ARRAY(f->canon);
	free(f);
}

/* The one way out: lock counters (durable before the verdict), the verdict,
 * then the audit event. authtok_len: bytes of the FIO_PROMPT_F_AUTHTOK answer
 * the module should keep (PAM_OLDAUTHTOK / PAM_AUTHTOK). */
static void
finish(struct fio_conn *c, struct pw_flow *f, uint32_t result, uint32_t authtok_len)
{
	struct fio_auth_req *r = f->req;
	struct fio_server *s = conn_server(c);
	const char *phase = (r->flags & FIO_CHTOK_F_PRELIM) ? "prelim" : "update";
	char text[160];

	if (result == FIO_RESULT_LOCKED) {
		auth_lock_message(&f->lock, text, sizeof(text));
		conn_info(c, FIO_INFO_ERROR, "%s", text);
	} else if (result == FIO_RESULT_UNAVAILABLE) {
		conn_info(c, FIO_INFO_ERROR, MSG_UNAVAILABLE);
	}
	if (f->lock_started)
		auth_lock_end(s, &f->lock, conn_uid(c), r, result, 0, 0);
	conn_verdict(c, result, result == FIO_RESULT_OK ? authtok_len : 0);
	/* the PRELIM phase of an ordinary change is not an event of its own */
	if (result != FIO_RESULT_OK || (r->flags & FIO_CHTOK_F_UPDATE))
		fio_event(s, "password_change", r->user, (long)conn_uid(c), r->service, r->rhost,
		          r->tty, fio_event_result(result), f->reason != NULL ? f->reason : phase);
	flow_free(f);
}

/* ---- the current password ---------------------------------------------------- */

/* Reads the account again after a wait: a password or code changed meanwhile
 * (or the account went) fails the change. 0, or -1 after finish(). */
static int
refresh_user(struct fio_conn *c, struct pw_flow *f)
{
	struct fio_user now;
	int r, same;

	r = fio_store_user_get(conn_server(c)->store, f->user.name, &now);
	if (r == FIO_STORE_ERR) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		return -1;
	}
	if (r == FIO_STORE_NOTFOUND) {
		f->reason = "account deleted during the change";
		conn_info(c, FIO_INFO_ERROR, MSG_NOT_CHANGED);
		finish(c, f, FIO_RESULT_DENIED, 0);
		return -1;
	}
	same = now.id == f->user.id && fio_ct_streq(now.pwhash, f->user.pwhash) &&
	       fio_ct_streq(now.reset_hash, f->user.reset_hash);
	fio_user_clear(&now);
	if (!same) {
		f->reason = "password changed during the change";
		conn_info(c, FIO_INFO_ERROR, MSG_NOT_CHANGED);
		finish(c, f, FIO_RESULT_DENIED, 0);
		return -1;
	}
	return 0;
}

static void
verify_work(void *p)
{
	struct pw_flow *f = p;

	f->vresult = fio_password_verify(f->via_code ? f->canon : f->old, f->hash);
}

static void
verify_done(struct fio_conn *c, void *p)
{
	struct pw_flow *f = p;
	int ok;

	if (c == NULL) {
		flow_free(f);
		return;
	}
	if (f->vresult < 0)
		log_err("password verification failed internally");
	ok = f->vresult == 1 && f->hash != conn_server(c)->dummy_hash;
	if (refresh_user(c, f) != 0)
		return;
	if (!ok) {
		f->reason = f->via_code ? "wrong reset code" : "wrong current password";
		conn_info(c, FIO_INFO_ERROR, MSG_WRONG);
		finish(c, f, FIO_RESULT_DENIED, 0);
		return;
	}
	if (f->req->flags & FIO_CHTOK_F_PRELIM) {
		finish(c, f, FIO_RESULT_OK, f->prompted_old ? (uint32_t)f->oldlen : 0);
		return;
	}
	ask_new(c, f);
}

static void
start_verify(struct fio_conn *c, struct pw_flow *f)
{
	struct fio_server *s = conn_server(c);
	const char *pw = f->user.pwhash;

	f->via_code = fio_reset_outstanding(&f->user, (int64_t)time(NULL)) &&
	              fio_reset_canon(f->old, f->oldlen, f->canon) == 0;
	if (f->via_code)
		f->hash = f->user.reset_hash;
	else if (pw[0] != '\0' && pw[0] != '!' && pw[0] != '*')
		f->hash = pw;
	else
		f->hash = s->dummy_hash; /* no password: the same cost, and a refusal */
	if (conn_work(c, verify_work, verify_done, f) != 0) {
		f->reason = "busy";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
	}
}

static void
on_old(struct fio_conn *c, const char *answer, size_t len, void *arg)
{
	struct pw_flow *f = arg;

	if (c == NULL) {
		flow_free(f);
		return;
	}
	f->old = strndup(answer, len);
	if (f->old == NULL) {
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		return;
	}
	f->oldlen = len;
	f->prompted_old = 1;
	start_verify(c, f);
}

static void
check_current(struct fio_conn *c, struct pw_flow *f)
{
	struct fio_auth_req *r = f->req;
	/* in the PRELIM phase the answer becomes PAM_OLDAUTHTOK */
	uint32_t pflags = (r->flags & FIO_CHTOK_F_PRELIM) ? FIO_PROMPT_F_AUTHTOK : 0;

	if (r->authtok != NULL) { /* PAM_OLDAUTHTOK: the PRELIM answer, or stacked */
		f->old = r->authtok;
		f->oldlen = r->authtok_len;
		r->authtok = NULL;
		r->authtok_len = 0;
		start_verify(c, f);
		return;
	}
	if (r->flags & FIO_AUTH_F_USE_AUTHTOK) {
		f->reason = "use_first_pass without PAM_OLDAUTHTOK";
		conn_info(c, FIO_INFO_ERROR, MSG_WRONG);
		finish(c, f, FIO_RESULT_DENIED, 0);
		return;
	}
	if (fio_reset_outstanding(&f->user, (int64_t)time(NULL)))
		conn_info(c, FIO_INFO_TEXT, "%s",
		          f->user.reset_invite ? MSG_USE_INVITE : MSG_USE_RESET);
	if (conn_prompt(c, FIO_PROMPT_ECHO_OFF, pflags, PROMPT_CURRENT, on_old, f) != 0)
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
}

/* ---- the new password -------------------------------------------------------- */

static void
notify_changed(struct fio_conn *c, const struct pw_flow *f)
{
	const struct fio_auth_req *r = f->req;
	char when[64];

	fio_policy_time((int64_t)time(NULL), when, sizeof(when));
	fio_policy_notify(conn_server(c), f->user.name, f->user.email, "password_changed",
	                  "Your password was changed",
	                  "The password of the account %s was changed at %s (service %s%s%s).\n"
	                  "If this was not you, contact your administrator at once.",
	                  f->user.name, when, r->service, r->rhost[0] != '\0' ? ", from " : "",
	                  r->rhost);
}

static void
hash_work(void *p)
{
	struct pw_flow *f = p;

	f->hash_rc = fio_password_hash(f->new1, f->cost, &f->newhash);
}

static void
hash_done(struct fio_conn *c, void *p)
{
	struct pw_flow *f = p;
	struct fio_server *s;
	int r;

	if (c == NULL) {
		flow_free(f);
		return;
	}
	s = conn_server(c);
	if (f->hash_rc != 0 || f->newhash == NULL) {
		f->reason = "hashing failed";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		return;
	}
	r = fio_store_password_change(s->store, f->user.id, f->user.pwhash, f->user.reset_hash,
	                              f->newhash);
	if (r == FIO_STORE_ERR) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		return;
	}
	if (r == FIO_STORE_NOTFOUND) {
		f->reason = "password or code changed during the change";
		conn_info(c, FIO_INFO_ERROR, MSG_NOT_CHANGED);
		finish(c, f, FIO_RESULT_DENIED, 0);
		return;
	}
	if (f->via_code)
		f->reason = f->user.reset_invite ? "invitation code used" : "reset code used";
	else
		f->reason = "ok";
	conn_info(c, FIO_INFO_TEXT, MSG_CHANGED);
	notify_changed(c, f);
	/* PAM_AUTHTOK = the new password, for the modules after pam_fio */
	finish(c, f, FIO_RESULT_OK, (f->req->flags & FIO_CHTOK_F_NEW_AUTHTOK) ? 0 : f->new1len);
}

static void
retry_or_fail(struct fio_conn *c, struct pw_flow *f, const char *why)
{
	fio_freezero(f->new1, f->new1len + 1);
	fio_freezero(f->new2, f->new2len + 1);
	f->new1 = f->new2 = NULL;
	f->new1len = f->new2len = 0;
	if (++f->tries < PW_TRIES && !(f->req->flags & FIO_CHTOK_F_NEW_AUTHTOK)) {
		ask_new(c, f);
		return;
	}
	f->reason = why;
	conn_info(c, FIO_INFO_ERROR, MSG_NOT_CHANGED);
	finish(c, f, FIO_RESULT_DENIED, 0);
}

static void
on_retype(struct fio_conn *c, const char *answer, size_t len, void *arg)
{
	struct pw_flow *f = arg;

	if (c == NULL) {
		flow_free(f);
		return;
	}
	if (len != f->new1len || !fio_ct_equal(answer, f->new1, len)) {
		conn_info(c, FIO_INFO_ERROR, MSG_MISMATCH);
		retry_or_fail(c, f, "the new passwords did not match");
		return;
	}
	if (conn_work(c, hash_work, hash_done, f) != 0) {
		f->reason = "busy";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
	}
}

static void
quality_work(void *p)
{
	struct pw_flow *f = p;
	const char *pw = f->user.pwhash;

	f->qresult = fio_quality_check(&f->rules, f->new1, f->new1len, f->user.name, f->user.email,
	                               f->via_code ? NULL : f->old, f->qmsg, sizeof(f->qmsg));
	f->same_as_old = 0;
	if (f->qresult == 1 && pw[0] != '\0' && pw[0] != '!' && pw[0] != '*')
		f->same_as_old = fio_password_verify(f->new1, pw) == 1;
}

static void
quality_done(struct fio_conn *c, void *p)
{
	struct pw_flow *f = p;

	if (c == NULL) {
		flow_free(f);
		return;
	}
	if (f->qresult < 0) {
		log_err("password quality check failed: %s", f->qmsg);
		f->reason = "quality check failed";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		return;
	}
	if (f->qresult == 0 || f->same_as_old) {
		conn_info(c, FIO_INFO_ERROR, "BAD PASSWORD: %s",
		          f->same_as_old ? "The password is the same as the old one." : f->qmsg);
		retry_or_fail(c, f, "new password refused by the quality rules");
		return;
	}
	if (f->req->flags & FIO_CHTOK_F_NEW_AUTHTOK) {
		if (conn_work(c, hash_work, hash_done, f) != 0) {
			f->reason = "busy";
			finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		}
		return;
	}
	if (conn_prompt(c, FIO_PROMPT_ECHO_OFF, 0, PROMPT_RETYPE, on_retype, f) != 0)
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
}

static void
check_quality(struct fio_conn *c, struct pw_flow *f)
{
	if (conn_work(c, quality_work, quality_done, f) != 0) {
		f->reason = "busy";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
	}
}

static void
on_new(struct fio_conn *c, const char *answer, size_t len, void *arg)
{
	struct pw_flow *f = arg;

	if (c == NULL) {
		flow_free(f);
		return;
	}
	/* a NUL cannot arrive (SECRET fields refuse it); len is the whole answer */
	f->new1 = strndup(answer, len);
	if (f->new1 == NULL) {
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		return;
	}
	f->new1len = len;
	check_quality(c, f);
}

static void
ask_new(struct fio_conn *c, struct pw_flow *f)
{
	if (f->req->flags & FIO_CHTOK_F_NEW_AUTHTOK) {
		f->new1 = f->newtok;
		f->new1len = f->newtok_len;
		f->newtok = NULL;
		f->newtok_len = 0;
		check_quality(c, f);
		return;
	}
	if (conn_prompt(c, FIO_PROMPT_ECHO_OFF, FIO_PROMPT_F_AUTHTOK, PROMPT_NEW, on_new, f) != 0)
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
}

/* ---- the request ------------------------------------------------------------- */

/* What the account says before anything is asked: -1 if the flow ended. */
static int
account_gate(struct fio_conn *c, struct pw_flow *f)
{
	struct fio_server *s = conn_server(c);
	struct fio_auth_req *r = f->req;
	int64_t now = (int64_t)time(NULL);
	int st;

	if (!authz_name_valid(r->user) ||
	    (conn_uid(c) != 0 && !authz_is_self(conn_uid(c), r->user))) {
		f->reason = "caller may not change this password";
		conn_info(c, FIO_INFO_ERROR, MSG_REFUSED);
		finish(c, f, FIO_RESULT_DENIED, 0);
		return -1;
	}
	st = fio_store_user_get(s->store, r->user, &f->user);
	if (st == FIO_STORE_ERR) {
		f->reason = "store error";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		return -1;
	}
	f->have_user = st == FIO_STORE_OK;
	/* not a password of ours: pam_unix (or whatever follows) changes it */
	if (!f->have_user || f->user.sso ||
	    (f->user.pwhash[0] == '\0' && !fio_reset_outstanding(&f->user, now))) {
		conn_verdict(c, FIO_RESULT_IGNORE, 0);
		flow_free(f);
		return -1;
	}
	if (f->user.suspended) {
		f->reason = "account suspended";
		conn_info(c, FIO_INFO_ERROR, "%s", FIO_MSG_SUSPENDED);
		finish(c, f, FIO_RESULT_SUSPENDED, 0);
		return -1;
	}
	if ((r->flags & FIO_CHTOK_F_EXPIRED_ONLY) && !f->user.must_change) {
		/* login's forced change, and ours is not due: nothing to do */
		conn_verdict(c, FIO_RESULT_OK, 0);
		flow_free(f);
		return -1;
	}
	return 0;
}

int
flow_passwd_start(struct fio_conn *c, struct fio_buf *in)
{
	struct fio_server *s = conn_server(c);
	struct pw_flow *f;
	struct fio_auth_req *r;
	char *newtok;
	size_t newlen;

	if (fio_chauthtok_req_decode(in, &r, &newtok, &newlen) != 0)
		return -1;
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		fio_auth_req_free(r);
		fio_freezero(newtok, newlen + 1);
		conn_verdict(c, FIO_RESULT_UNAVAILABLE, 0);
		return 0;
	}
	f->req = r;
	f->newtok = newtok;
	f->newtok_len = newlen;
	f->rules = (struct fio_quality){s->cfg.pw_min_length, s->cfg.pw_max_length,
	                                s->cfg.pw_dictionary};
	f->cost = s->cfg.hash_cost;
	if (conn_uid(c) != 0)
		r->flags &= ~FIO_CHTOK_F_ROOT; /* a claim never lowers what is asked */
	if (account_gate(c, f) != 0)
		return 0;
	f->check_old = !(r->flags & FIO_CHTOK_F_ROOT);
	if (!f->check_old) {
		if (r->flags & FIO_CHTOK_F_PRELIM)
			finish(c, f, FIO_RESULT_OK, 0);
		else
			ask_new(c, f);
		return 0;
	}
	if (auth_lock_start(s, &f->lock, conn_uid(c), r, &f->user) != 0) {
		f->reason = "lockout state unavailable";
		finish(c, f, FIO_RESULT_UNAVAILABLE, 0);
		return 0;
	}
	f->lock_started = 1;
	if (f->lock.locked) {
		f->reason = "locked: nothing verified";
		finish(c, f, FIO_RESULT_LOCKED, 0);
		return 0;
	}
	check_current(c, f);
	return 0;
}

/* ---- reset and invitation codes ----------------------------------------------- */

int
fio_reset_generate(char shown[FIO_RESET_SHOWN_LEN + 1], char canon[FIO_RESET_CHARS + 1])
{
	unsigned char rnd[FIO_RESET_CHARS];
	size_t i, o = 0;

	if (fio_random(rnd, sizeof(rnd)) != 0)
		return -1;
	for (i = 0; i < FIO_RESET_CHARS; i++) {
		/* 32 symbols: the low 5 bits of a uniform byte are uniform */
		canon[i] = FIO_RECOVERY_ALPHABET[rnd[i] & 0x1f];
		if (i > 0 && i % 5 == 0)
			shown[o++] = '-';
		shown[o++] = canon[i];
	}
	canon[FIO_RESET_CHARS] = '\0';
	shown[o] = '\0';
	FIO_WIPE_ARRAY(rnd);
	return 0;
}

int
fio_reset_canon(const char *typed, size_t len, char canon[FIO_RESET_CHARS + 1])
{
	return fio_crockford_canon_n(typed, len, canon, FIO_RESET_CHARS);
}

int
fio_reset_outstanding(const struct fio_user *u, int64_t now)
{
	return u->reset_hash != NULL && u->reset_hash[0] == '$' && now < u->reset_until;
}
