/*
 * flow_ctl_passwd.c - fioctl's password commands: `passwd NAME` (a new
 * password, after the quality rules), `passwd NAME --reset [--send]` (a
 * single-use reset code), `passwd NAME --expire`, and `user add NAME --invite
 * [--send]` (an account with an invitation code instead of a password).
 *
 * Codes are hashed like passwords (yescrypt, on a worker) from their
 * canonical form; the code itself is shown once to the administrator, or
 * only sent to the account's e-mail through the notify command (--send), and
 * wiped. A new code replaces the old one and makes a change due at the next
 * login (acct_mgmt: PAM_NEW_AUTHTOK_REQD); the change consumes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fio-proto.h"
#include "fio-wipe.h"

#include "conn.h"
#include "flow_ctl_impl.h"
#include "flow_passwd.h"
#include "log.h"
#include "password.h"
#include "policy.h"
#include "quality.h"
#include "server.h"
#include "store.h"

#define CODE_FLAGS (FIO_CTL_F_RESET | FIO_CTL_F_INVITE)

const char *
ctl_passwd_usage(const struct ctl_req *r)
{
	uint32_t f = r->flags;

	if (r->cmd != FIO_CTL_PASSWD && (f & (FIO_CTL_F_RESET | FIO_CTL_F_EXPIRE)) != 0)
		return "--reset and --expire belong to passwd";
	if (r->cmd != FIO_CTL_USER_ADD && (f & FIO_CTL_F_INVITE) != 0)
		return "--invite belongs to user add";
	if ((f & FIO_CTL_F_SEND) != 0 && (f & CODE_FLAGS) == 0)
		return "--send goes with --reset or --invite";
	if ((f & FIO_CTL_F_RESET) != 0 && (f & FIO_CTL_F_EXPIRE) != 0)
		return "--reset already makes a change due; --expire is not needed";
	if ((f & (CODE_FLAGS | FIO_CTL_F_EXPIRE)) != 0 && r->secret_len != 0)
		return "a password cannot be given with --reset, --expire or --invite";
	if ((f & FIO_CTL_F_INVITE) != 0 && (f & FIO_CTL_F_SSO) != 0)
		return "single sign-on accounts have no password to invite to";
	if (r->cmd == FIO_CTL_PASSWD && (f & (FIO_CTL_F_RESET | FIO_CTL_F_EXPIRE)) == 0 &&
	    r->secret_len == 0)
		return "password must not be empty";
	if ((r->cmd == FIO_CTL_PASSWD || r->cmd == FIO_CTL_USER_ADD) &&
	    r->secret_len > FIO_PASSWORD_MAX)
		return "password too long (at most 511 bytes)";
	return NULL;
}

/* ---- hashing on a worker ------------------------------------------------------ */

static void
hash_work(void *arg)
{
	struct ctl_req *r = arg;

	if (r->flags & CODE_FLAGS) {
		r->qresult = 1;
		r->hash_rc = fio_password_hash(r->code_canon, r->hash_cost, &r->hash);
		fio_wipe(r->code_canon, sizeof(r->code_canon));
		return;
	}
	r->qresult = fio_quality_check(&r->rules, r->secret, r->secret_len, r->user,
	                               r->email != NULL             ? r->email
	                               : r->cmd == FIO_CTL_USER_ADD ? r->arg
	                                                            : "",
	                               NULL, r->qmsg, sizeof(r->qmsg));
	if (r->qresult == 1)
		r->hash_rc = fio_password_hash(r->secret, r->hash_cost, &r->hash);
	fio_freezero(r->secret, r->secret_len + 1);
	r->secret = NULL;
	r->secret_len = 0;
}

static void code_hashed(struct fio_conn *c, struct ctl_req *r);

static void
hash_done(struct fio_conn *c, void *arg)
{
	struct ctl_req *r = arg;

	if (c == NULL) {
		ctl_free(r);
		return;
	}
	if (r->qresult < 0) {
		log_err("password quality check failed: %s", r->qmsg);
		ctl_end(c, r, FIO_RESULT_UNAVAILABLE, "quality check failed");
		return;
	}
	if (r->qresult == 0) {
		ctl_say(c, FIO_INFO_ERROR, "BAD PASSWORD: %s", r->qmsg);
		ctl_end(c, r, FIO_RESULT_USAGE, "password refused by the quality rules");
		return;
	}
	if (r->hash_rc != 0 || r->hash == NULL) {
		ctl_unavailable(c, r, "cannot hash the password");
		return;
	}
	if (r->flags & CODE_FLAGS)
		code_hashed(c, r);
	else
		ctl_hashed(c, r);
}

void
ctl_hash_start(struct fio_conn *c, struct ctl_req *r)
{
	if (conn_work(c, hash_work, hash_done, r) != 0)
		ctl_unavailable(c, r, "worker queue full");
}

/* ---- codes -------------------------------------------------------------------- */

/* Shows the code to the administrator, or sends it to the account. */
static void
code_deliver(struct fio_conn *c, struct ctl_req *r)
{
	static const char *const keys[] = {"user", "code", "expires"};
	const int invite = (r->flags & FIO_CTL_F_INVITE) != 0;
	const int send = (r->flags & FIO_CTL_F_SEND) != 0;
	const char *what = invite ? "Invitation code" : "Reset code";
	char until[64];
	const char *values[] = {r->user, send ? "-" : r->code_shown, until};

	fio_policy_time(r->code_until, until, sizeof(until));
	if (send)
		fio_policy_notify(
		        conn_server(c), r->user, r->email, invite ? "invitation" : "password_reset",
		        invite ? "Your new account" : "Your password reset code",
		        "%s for the account %s: %s\n"
		        "It works once, until %s: type it at the password prompt when "
		        "you log in, and again as the current password when you are asked "
		        "to choose a new one.\n"
		        "If you did not ask for this, contact your administrator.",
		        what, r->user, r->code_shown, until);
	if (r->flags & FIO_CTL_F_JSON) {
		if (conn_record(c, 3, keys, values) != 0)
			log_debug("cannot send the code record");
	} else if (send) {
		ctl_say(c, FIO_INFO_TEXT, "%s for %s sent to %s (valid until %s, once).", what,
		        r->user, r->email, until);
	} else {
		ctl_say(c, FIO_INFO_TEXT, "%s for %s: %s", what, r->user, r->code_shown);
		ctl_say(c, FIO_INFO_TEXT,
		        "It is valid until %s, once; %s types it at the password prompt and must "
		        "then choose a new password.",
		        until, r->user);
	}
	fio_wipe(r->code_shown, sizeof(r->code_shown));
	ctl_end(c, r, FIO_RESULT_OK, send ? "code sent" : "code shown");
}

static void
code_hashed(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_server *s = conn_server(c);
	struct fio_user u = {0};
	int rc;

	if (r->flags & FIO_CTL_F_INVITE) {
		rc = fio_store_user_add_invite(s->store, r->user, r->email, r->hash, r->code_until,
		                               (int64_t)time(NULL));
		if (rc == FIO_STORE_EXISTS) {
			ctl_say(c, FIO_INFO_ERROR, "user %s exists", r->user);
			ctl_end(c, r, FIO_RESULT_EXISTS, "user exists");
			return;
		}
	} else {
		if (ctl_get_user(c, r, &u) != 0)
			return;
		rc = fio_store_reset_set(s->store, u.id, r->hash, r->code_until, 0);
		fio_user_clear(&u);
		if (rc == FIO_STORE_NOTFOUND) {
			ctl_refuse(c, r, "no such user");
			return;
		}
	}
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	code_deliver(c, r);
}

/* A new code: checks that it can be delivered, then hashes it. */
static void
code_start(struct fio_conn *c, struct ctl_req *r, const char *email)
{
	struct fio_server *s = conn_server(c);
	const int invite = (r->flags & FIO_CTL_F_INVITE) != 0;

	if (r->flags & FIO_CTL_F_SEND) {
		const char *why = NULL;

		if (email == NULL || email[0] == '\0')
			why = "the account has no e-mail address to --send to";
		else if (s->cfg.notify_argv == NULL)
			why = "--send needs notify.command in fio.conf";
		if (why != NULL) {
			ctl_say(c, FIO_INFO_ERROR, "%s", why);
			ctl_end(c, r, FIO_RESULT_USAGE, why);
			return;
		}
	}
	if ((r->email = strdup(email != NULL ? email : "")) == NULL ||
	    fio_reset_generate(r->code_shown, r->code_canon) != 0) {
		ctl_unavailable(c, r, "cannot make a code");
		return;
	}
	r->code_until =
	        (int64_t)time(NULL) + (int64_t)(invite ? s->cfg.invite_ttl : s->cfg.reset_ttl);
	ctl_hash_start(c, r);
}

void
ctl_user_invite(struct fio_conn *c, struct ctl_req *r)
{
	code_start(c, r, r->arg);
}

static void
passwd_expire(struct fio_conn *c, struct ctl_req *r, const struct fio_user *u)
{
	int rc = fio_store_set_must_change(conn_server(c)->store, u->id, 1);

	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	ctl_say(c, FIO_INFO_TEXT, "%s must choose a new password at the next login.", r->user);
	ctl_end(c, r, FIO_RESULT_OK, "password change due");
}

void
ctl_passwd(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_user u = {0};

	if (ctl_get_user(c, r, &u) != 0)
		return;
	if ((r->flags & (FIO_CTL_F_RESET | FIO_CTL_F_EXPIRE)) != 0 && u.pwhash[0] == '\0' &&
	    !fio_reset_outstanding(&u, (int64_t)time(NULL))) {
		ctl_say(c, FIO_INFO_ERROR,
		        "%s has no password in pam_fio's store (another module checks it): "
		        "use passwd(1)",
		        r->user);
		ctl_end(c, r, FIO_RESULT_USAGE, "no password in the store");
	} else if (r->flags & FIO_CTL_F_EXPIRE) {
		passwd_expire(c, r, &u);
	} else if (r->flags & FIO_CTL_F_RESET) {
		code_start(c, r, u.email);
	} else if ((r->email = strdup(u.email)) == NULL) {
		ctl_unavailable(c, r, "out of memory");
	} else {
		ctl_hash_start(c, r);
	}
	fio_user_clear(&u);
}
