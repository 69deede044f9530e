/*
 * flow_ctl.c - fioctl commands (FIO_MSG_CTL).
 *
 * decode -> usage checks -> authorisation from the peer's uid only -> the
 * account must exist -> (self-service that changes things: the login
 * conversation first) -> act -> audit -> VERDICT. Asking about another
 * user's account and asking about an account that does not exist end the
 * same way: "permission denied or no such user", FIO_RESULT_PERM.
 * Password hashing runs on a worker; the store is touched on this thread only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "fio-codec.h"
#include "fio-proto.h"
#include "fio-wipe.h"

#include "activity.h"
#include "authz.h"
#include "conn.h"
#include "flow_auth.h"
#include "flow_ctl.h"
#include "flow_ctl_impl.h"
#include "flow_enroll.h"
#include "log.h"
#include "password.h"
#include "policy.h"
#include "server.h"
#include "store.h"

#define CTL_SERVICE "fioctl"
#define MSG_PERM "permission denied or no such user"
#define MSG_LABEL "invalid label: 1 to 32 letters, digits, '.', '_' or '-'"

static const struct ctl_cmd *ctl_cmd_of(uint32_t cmd);

void
ctl_free(struct ctl_req *r)
{
	if (r == NULL)
		return;
	free(r->user);
	free(r->arg);
	if (r->secret != NULL)
		fio_freezero(r->secret, r->secret_len + 1);
	fio_freezero_str(r->hash);
	free(r->email);
	fio_wipe(r, sizeof(*r)); /* the quality message, a code */
	free(r);
}

/* Output failures close the connection (conn.h); the verdict is then dropped. */
void
ctl_say(struct fio_conn *c, uint32_t kind, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (conn_info(c, kind, "%s", text) != 0)
		log_debug("cannot send a message; the connection is closing");
}

/* A command that only reads. */
static int
ctl_is_read(uint32_t cmd)
{
	return cmd == FIO_CTL_STATUS || cmd == FIO_CTL_USER_SHOW || cmd == FIO_CTL_USER_LIST ||
	       cmd == FIO_CTL_LOCK_SHOW || cmd == FIO_CTL_SESSIONS || cmd == FIO_CTL_ENFORCE_LIST ||
	       cmd == FIO_CTL_POLICY_STATUS || cmd == FIO_CTL_ACTIVITY;
}

/* The one way out: audit (not for a successful status; a successful read is
 * not an activity event), verdict, free. */
void
ctl_end(struct fio_conn *c, struct ctl_req *r, uint32_t result, const char *reason)
{
	const char *event = ctl_cmd_of(r->cmd)->event;

	if (result == FIO_RESULT_OK && ctl_is_read(r->cmd)) {
		if (r->cmd != FIO_CTL_STATUS)
			fio_audit(event, r->user, (long)r->uid, CTL_SERVICE, "",
			          flow_result_name(result), reason);
	} else {
		fio_event(conn_server(c), event, r->user, (long)r->uid, CTL_SERVICE, "", "",
		          flow_result_name(result), reason);
	}
	conn_verdict(c, result, 0);
	ctl_free(r);
}

void
ctl_refuse(struct fio_conn *c, struct ctl_req *r, const char *reason)
{
	ctl_say(c, FIO_INFO_ERROR, MSG_PERM);
	ctl_end(c, r, FIO_RESULT_PERM, reason);
}

void
ctl_unavailable(struct fio_conn *c, struct ctl_req *r, const char *reason)
{
	log_err("%s: %s", ctl_cmd_of(r->cmd)->event, reason);
	ctl_end(c, r, FIO_RESULT_UNAVAILABLE, reason);
}

/* Fetches r->user into *u; on failure ends the request and returns -1. */
int
ctl_get_user(struct fio_conn *c, struct ctl_req *r, struct fio_user *u)
{
	int rc = fio_store_user_get(conn_server(c)->store, r->user, u);

	if (rc == FIO_STORE_OK)
		return 0;
	if (rc == FIO_STORE_NOTFOUND)
		ctl_refuse(c, r, "no such user");
	else
		ctl_unavailable(c, r, "store error");
	return -1;
}

/* Continuation for flow_enroll.c: it audited; send the verdict. */
static void
ctl_flow_done(struct fio_conn *c, uint32_t result, void *arg)
{
	conn_verdict(c, result, 0);
	ctl_free(arg);
}

/* ---- after a password or code was hashed (flow_ctl_passwd.c) ---------------- */

static void ctl_add_store(struct fio_conn *c, struct ctl_req *r, const char *hash);
static void ctl_passwd_store(struct fio_conn *c, struct ctl_req *r);

void
ctl_hashed(struct fio_conn *c, struct ctl_req *r)
{
	if (r->cmd == FIO_CTL_USER_ADD)
		ctl_add_store(c, r, r->hash);
	else
		ctl_passwd_store(c, r);
}

/* ---- the commands ----------------------------------------------------------- */

static void
ctl_status(struct fio_conn *c, struct ctl_req *r)
{
	static const char *const keys[] = {"version", "store"};
	const char *backend = conn_server(c)->cfg.store_backend;
	char version[16];
	const char *values[] = {version, backend};

	snprintf(version, sizeof(version), "%u", FIO_PROTO_VERSION);
	ctl_say(c, FIO_INFO_TEXT, "fio-helperd: ok (protocol %u, store %s)", FIO_PROTO_VERSION,
	        backend);
	if (conn_record(c, 2, keys, values) != 0)
		log_debug("cannot send the status record");
	ctl_end(c, r, FIO_RESULT_OK, "");
}

static void
ctl_add_store(struct fio_conn *c, struct ctl_req *r, const char *hash)
{
	int rc = fio_store_user_add_sso(conn_server(c)->store, r->user, r->arg, hash, time(NULL),
	                                (r->flags & FIO_CTL_F_SSO) != 0);

	if (rc == FIO_STORE_EXISTS) {
		ctl_end(c, r, FIO_RESULT_EXISTS, "user exists");
		return;
	}
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	if (hash[0] != '\0')
		ctl_say(c, FIO_INFO_TEXT, "User %s added.", r->user);
	else
		ctl_say(c, FIO_INFO_TEXT,
		        "User %s added without a password (set one with \"fioctl passwd %s\").",
		        r->user, r->user);
	ctl_end(c, r, FIO_RESULT_OK, hash[0] != '\0' ? "with password" : "without password");
}

static void
ctl_user_add(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_user u = {0};
	int rc = fio_store_user_get(conn_server(c)->store, r->user, &u);

	fio_user_clear(&u);
	if (rc == FIO_STORE_OK) {
		ctl_end(c, r, FIO_RESULT_EXISTS, "user exists");
		return;
	}
	if (rc != FIO_STORE_NOTFOUND) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	if (r->flags & FIO_CTL_F_INVITE)
		ctl_user_invite(c, r);
	else if (r->secret_len == 0)
		ctl_add_store(c, r, "");
	else
		ctl_hash_start(c, r);
}

static void
ctl_user_del(struct fio_conn *c, struct ctl_req *r)
{
	int rc = fio_store_user_del(conn_server(c)->store, r->user);

	if (rc == FIO_STORE_NOTFOUND) {
		ctl_refuse(c, r, "no such user");
		return;
	}
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	ctl_say(c, FIO_INFO_TEXT, "User %s deleted.", r->user);
	ctl_end(c, r, FIO_RESULT_OK, "");
}

static void
ctl_user_show(struct fio_conn *c, struct ctl_req *r)
{
	static const char *const keys[] = {"name",           "email",
	                                   "password",       "totp",
	                                   "authenticators", "recovery_codes_left",
	                                   "created",        "suspended",
	                                   "suspend_reason", "password_change_due",
	                                   "reset_code"};
	struct fio_user u = {0};
	char left[16], created[32] = "", code[96] = "none", until[64];
	char labels[FIO_TOTP_PER_USER_MAX * (FIO_TOTP_LABEL_MAX + 1) + 1] = "";
	size_t o = 0;
	time_t t;
	struct tm tm;

	if (ctl_get_user(c, r, &u) != 0)
		return;
	t = (time_t)u.created;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(left, sizeof(left), "%u", u.recovery_left);
	if (u.reset_hash != NULL && u.reset_hash[0] != '\0') {
		fio_policy_time(u.reset_until, until, sizeof(until));
		snprintf(code, sizeof(code), "%s %s %s", u.reset_invite ? "invitation" : "reset",
		         fio_reset_outstanding(&u, (int64_t)time(NULL)) ? "valid until" : "expired",
		         until);
	}
	for (size_t i = 0; i < u.ntotp; i++) /* fits: at most 5 x 33 bytes */
		o += (size_t)snprintf(labels + o, sizeof(labels) - o, "%s%s", i > 0 ? "," : "",
		                      u.totps[i].label);
	{
		const char *values[] = {u.name,
		                        u.email != NULL ? u.email : "",
		                        u.pwhash != NULL && u.pwhash[0] != '\0' ? "set" : "none",
		                        u.totp_blob != NULL ? "enrolled" : "none",
		                        labels,
		                        left,
		                        created,
		                        u.suspended ? "yes" : "no",
		                        u.suspend_reason != NULL ? u.suspend_reason : "",
		                        u.must_change ? "yes" : "no",
		                        code};

		if (conn_record(c, 11, keys, values) != 0)
			log_debug("cannot send the user record");
	}
	fio_user_clear(&u);
	ctl_end(c, r, FIO_RESULT_OK, "");
}

struct list_ctx {
	struct fio_conn *c;
	unsigned n;
	int failed;
};

static int
ctl_list_one(const struct fio_user *u, void *p)
{
	static const char *const keys[] = {"name", "email", "totp"};
	struct list_ctx *l = p;
	const char *values[] = {u->name, u->email != NULL ? u->email : "",
	                        u->totp_blob != NULL ? "enrolled" : "none"};

	if (l->n >= FIO_MAX_RECORDS || conn_record(l->c, 3, keys, values) != 0) {
		l->failed = 1;
		return 1;
	}
	l->n++;
	return 0;
}

static void
ctl_user_list(struct fio_conn *c, struct ctl_req *r)
{
	struct list_ctx l = {.c = c, .n = 0, .failed = 0};
	int rc = fio_store_user_list(conn_server(c)->store, ctl_list_one, &l);

	if (l.failed) {
		ctl_end(c, r, FIO_RESULT_UNAVAILABLE, "cannot send the list");
		return;
	}
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	ctl_end(c, r, FIO_RESULT_OK, "");
}

static void
ctl_passwd_store(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_user u = {0};
	int rc;

	if (ctl_get_user(c, r, &u) != 0)
		return;
	/* a pending reset code goes, and no change is due any more */
	rc = fio_store_password_change(conn_server(c)->store, u.id, u.pwhash, u.reset_hash,
	                               r->hash);
	fio_user_clear(&u);
	if (rc == FIO_STORE_NOTFOUND) {
		ctl_refuse(c, r, "no such user");
		return;
	}
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	ctl_say(c, FIO_INFO_TEXT, "Password changed for %s.", r->user);
	ctl_end(c, r, FIO_RESULT_OK, "");
}

static void
ctl_enroll(struct fio_conn *c, struct ctl_req *r)
{
	struct flow_enroll_opts o = {
	        .flags = 0, .service = CTL_SERVICE, .import_b32 = NULL, .label = NULL};
	struct fio_user u = {0};

	if (ctl_get_user(c, r, &u) != 0)
		return;
	if ((r->flags & FIO_CTL_F_JSON) != 0)
		o.flags |= FLOW_ENROLL_F_RECORDS;
	if (r->arg[0] != '\0')
		o.label = r->arg;
	if (r->secret_len > 0)
		o.import_b32 = r->secret;
	flow_enroll_start(c, &u, &o, ctl_flow_done, r);
	fio_user_clear(&u);
}

/* unenroll NAME --label LABEL: that authenticator only; the recovery codes go
 * with the last one. */
static void
ctl_unenroll_one(struct fio_conn *c, struct ctl_req *r, const struct fio_user *u)
{
	struct fio_server *s = conn_server(c);
	int rc = fio_store_unenroll_one(s->store, u->id, r->arg);
	int last = u->ntotp <= 1;

	if (rc == FIO_STORE_NOTFOUND) {
		ctl_say(c, FIO_INFO_ERROR, "%s has no authenticator \"%s\"", r->user, r->arg);
		ctl_end(c, r, FIO_RESULT_USAGE, "no such authenticator");
		return;
	}
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	if (last)
		ctl_say(c, FIO_INFO_TEXT,
		        "Authenticator \"%s\" removed for %s; it was the last one, so the recovery "
		        "codes were removed too.",
		        r->arg, r->user);
	else
		ctl_say(c, FIO_INFO_TEXT,
		        "Authenticator \"%s\" removed for %s; the other authenticators still work.",
		        r->arg, r->user);
	fio_policy_notify(s, r->user, u->email != NULL ? u->email : "", "unenrolled",
	                  "An authenticator of your account was removed",
	                  "The authenticator \"%s\" of the account %s was removed%s (fioctl, by "
	                  "uid %ld).\n"
	                  "If this was not expected, contact your administrator at once.",
	                  r->arg, r->user, last ? " with the recovery codes" : "", (long)r->uid);
	ctl_end(c, r, FIO_RESULT_OK, last ? "last authenticator" : "");
}

static void
ctl_unenroll(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_user u = {0};
	char email[FIO_EMAIL_MAX + 1];
	int rc = FIO_STORE_OK, had;

	if (ctl_get_user(c, r, &u) != 0)
		return;
	if (r->arg[0] != '\0') {
		ctl_unenroll_one(c, r, &u);
		fio_user_clear(&u);
		return;
	}
	had = u.totp_blob != NULL || u.recovery_left > 0;
	if (had)
		rc = fio_store_unenroll(conn_server(c)->store, u.id);
	snprintf(email, sizeof(email), "%s", u.email != NULL ? u.email : "");
	fio_user_clear(&u);
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	if (had) {
		ctl_say(c, FIO_INFO_TEXT, "Authenticator and recovery codes removed for %s.",
		        r->user);
		fio_policy_notify(conn_server(c), r->user, email, "unenrolled",
		                  "The authenticator of your account was removed",
		                  "The authenticator and recovery codes of the account %s were "
		                  "removed (fioctl, by uid %ld).\n"
		                  "If this was not expected, contact your administrator at once.",
		                  r->user, (long)r->uid);
	} else
		ctl_say(c, FIO_INFO_TEXT, "No authenticator was enrolled for %s.", r->user);
	ctl_end(c, r, FIO_RESULT_OK, had ? "" : "nothing enrolled");
}

static void
ctl_recovery_regen(struct fio_conn *c, struct ctl_req *r)
{
	struct flow_enroll_opts o = {.flags = 0, .service = CTL_SERVICE, .import_b32 = NULL};
	struct fio_user u = {0};

	if (ctl_get_user(c, r, &u) != 0)
		return;
	if (u.totp_blob == NULL) {
		fio_user_clear(&u);
		ctl_say(c, FIO_INFO_ERROR, "no authenticator is enrolled for %s", r->user);
		ctl_end(c, r, FIO_RESULT_USAGE, "nothing enrolled");
		return;
	}
	if ((r->flags & FIO_CTL_F_JSON) != 0)
		o.flags |= FLOW_ENROLL_F_RECORDS;
	flow_recovery_regen_run(c, &u, &o, ctl_flow_done, r);
	fio_user_clear(&u);
}

/* ---- locks ------------------------------------------------------------------ */

static int
ctl_lock_record(struct fio_conn *c, const char *name, const struct fio_lock *l)
{
	static const char *const keys[] = {"user", "failures", "locked_until", "consecutive"};
	const struct fio_config *cfg = &conn_server(c)->cfg;
	int64_t now = (int64_t)time(NULL);
	char failures[16], until[32] = "-", consecutive[16];
	const char *values[] = {name, failures, until, consecutive};
	time_t t = (time_t)l->locked_until;
	struct tm tm;

	snprintf(failures, sizeof(failures), "%u",
	         fio_lock_failures_at(l, now, cfg->lock_interval));
	snprintf(consecutive, sizeof(consecutive), "%u", l->consecutive);
	if (l->locked_until > now && gmtime_r(&t, &tm) != NULL)
		strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return conn_record(c, 4, keys, values);
}

struct lock_list_ctx {
	struct fio_conn *c;
	unsigned n;
	int failed;
};

static int
ctl_lock_one(const char *name, const struct fio_lock *l, void *p)
{
	struct lock_list_ctx *x = p;

	if (x->n >= FIO_MAX_RECORDS || ctl_lock_record(x->c, name, l) != 0) {
		x->failed = 1;
		return 1;
	}
	x->n++;
	return 0;
}

static void
ctl_lock_show(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_server *s = conn_server(c);
	struct lock_list_ctx x = {.c = c, .n = 0, .failed = 0};
	struct fio_user u = {0};
	struct fio_lock l;
	int rc;

	if (r->user[0] != '\0') {
		if (ctl_get_user(c, r, &u) != 0)
			return;
		rc = fio_store_lock_get(s->store, u.id, &l);
		if (rc == FIO_STORE_OK && ctl_lock_record(c, u.name, &l) != 0)
			x.failed = 1;
		fio_user_clear(&u);
	} else {
		rc = fio_store_lock_list(s->store, (int64_t)time(NULL), s->cfg.lock_interval,
		                         ctl_lock_one, &x);
		if (rc == FIO_STORE_OK && x.n == 0 && (r->flags & FIO_CTL_F_JSON) == 0)
			ctl_say(c, FIO_INFO_TEXT, "No account has failed attempts or a lock.");
	}
	if (x.failed)
		ctl_end(c, r, FIO_RESULT_UNAVAILABLE, "cannot send the records");
	else if (rc != FIO_STORE_OK)
		ctl_unavailable(c, r, "store error");
	else
		ctl_end(c, r, FIO_RESULT_OK, "");
}

static void
ctl_lock_clear(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_user u = {0};
	int rc;

	if (ctl_get_user(c, r, &u) != 0)
		return;
	rc = fio_store_lock_clear(conn_server(c)->store, u.id);
	fio_user_clear(&u);
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	ctl_say(c, FIO_INFO_TEXT, "Failed attempts and locks cleared for %s.", r->user);
	ctl_end(c, r, FIO_RESULT_OK, "");
}

static const struct ctl_cmd ctl_cmds[FIO_CTL_MAX + 1] = {
        [0] = {"ctl", 0, 1, 0, 0, 0, NULL},
        [FIO_CTL_STATUS] = {"status", 0, 0, 0, 0, 0, ctl_status},
        [FIO_CTL_USER_ADD] = {"user_add", 1, 1, 0, 1, 1, ctl_user_add},
        [FIO_CTL_USER_DEL] = {"user_del", 1, 1, 0, 0, 0, ctl_user_del},
        [FIO_CTL_USER_SHOW] = {"user_show", 1, 0, 0, 0, 0, ctl_user_show},
        [FIO_CTL_USER_LIST] = {"user_list", 0, 1, 0, 0, 0, ctl_user_list},
        [FIO_CTL_PASSWD] = {"passwd", 1, 0, 1, 0, 1, ctl_passwd},
        [FIO_CTL_ENROLL] = {"enroll", 1, 0, 1, 1, 1, ctl_enroll},
        [FIO_CTL_UNENROLL] = {"unenroll", 1, 0, 1, 1, 0, ctl_unenroll},
        [FIO_CTL_RECOVERY_REGEN] = {"recovery_regen", 1, 0, 1, 0, 0, ctl_recovery_regen},
        [FIO_CTL_LOCK_SHOW] = {"lock_show", USER_OPT, 1, 0, 0, 0, ctl_lock_show},
        [FIO_CTL_LOCK_CLEAR] = {"unlock", USER_REQ, 1, 0, 0, 0, ctl_lock_clear},
        [FIO_CTL_SESSIONS] = {"sessions", USER_OPT, 0, 0, 0, 0, ctl_sessions},
        [FIO_CTL_ENFORCE_LIST] = {"enforce", USER_NONE, 1, 0, 0, 0, ctl_enforce_list},
        [FIO_CTL_SESSION_END] = {"session_end", USER_REQ, 1, 0, 1, 0, ctl_session_end},
        [FIO_CTL_PASS_GRANT] = {"pass_grant", USER_REQ, 1, 0, 1, 0, ctl_pass_grant},
        [FIO_CTL_PASS_REVOKE] = {"pass_revoke", USER_REQ, 1, 0, 0, 0, ctl_pass_revoke},
        [FIO_CTL_POLICY_STATUS] = {"policy_status", USER_OPT, 1, 0, 1, 0, ctl_policy_status},
        [FIO_CTL_USER_SSO] = {"user_sso", USER_REQ, 1, 0, 1, 0, ctl_user_sso},
        [FIO_CTL_USER_SUSPEND] = {"user_suspend", USER_REQ, 1, 0, 1, 0, ctl_user_suspend},
        [FIO_CTL_USER_RESUME] = {"user_resume", USER_REQ, 1, 0, 0, 0, ctl_user_resume},
        [FIO_CTL_ACTIVITY] = {"activity", USER_REQ, 0, 0, 1, 0, ctl_activity},
};

static const struct ctl_cmd *
ctl_cmd_of(uint32_t cmd)
{
	return &ctl_cmds[cmd <= FIO_CTL_MAX ? cmd : 0];
}

/* ---- decoding, checking, authorising -------------------------------------------- */

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

/* Empty, or one '@' between non-empty parts, printable ASCII, no spaces. */
static int
ctl_email_valid(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');

	if (n == 0)
		return 1;
	if (n > FIO_EMAIL_MAX || at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	for (; *s != '\0'; s++) {
		if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '\\')
			return 0;
	}
	return 1;
}

static const char *
ctl_usage_error(const struct ctl_req *r, const struct ctl_cmd *d)
{
	if ((d->need_user == USER_REQ || (d->need_user == USER_OPT && r->user[0] != '\0')) &&
	    !authz_name_valid(r->user))
		return "invalid user name";
	if (d->need_user == USER_NONE && r->user[0] != '\0')
		return "this command takes no user name";
	if (!d->takes_arg && r->arg[0] != '\0')
		return "unexpected argument";
	if (!d->takes_secret && r->secret_len != 0)
		return "unexpected secret";
	if (r->cmd == FIO_CTL_USER_ADD && !ctl_email_valid(r->arg))
		return "invalid e-mail address";
	/* ENROLL, UNENROLL: arg = authenticator label ("" = default / all) */
	if ((r->cmd == FIO_CTL_ENROLL || r->cmd == FIO_CTL_UNENROLL) && r->arg[0] != '\0' &&
	    !fio_totp_label_valid(r->arg))
		return MSG_LABEL;
	return ctl_passwd_usage(r);
}

static void
ctl_authed(struct fio_conn *c, uint32_t result, uint32_t authtok_len, void *arg)
{
	struct ctl_req *r = arg;

	(void)authtok_len;
	if (c == NULL) {
		ctl_free(r);
		return;
	}
	if (result != FIO_RESULT_OK) {
		ctl_end(c, r, result, "re-authentication failed");
		return;
	}
	ctl_cmd_of(r->cmd)->act(c, r);
}

/* Self-service that changes things: the login conversation first. */
static void
ctl_reauth(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_auth_req *a = calloc(1, sizeof(*a));

	if (a == NULL || (a->service = strdup(CTL_SERVICE)) == NULL ||
	    (a->user = strdup(r->user)) == NULL || (a->rhost = strdup("")) == NULL ||
	    (a->ruser = strdup("")) == NULL || (a->tty = strdup("")) == NULL) {
		if (a != NULL)
			fio_auth_req_free(a);
		ctl_unavailable(c, r, "out of memory");
		return;
	}
	a->flags = FLOW_AUTH_F_CHECK_ONLY;
	a->authtok = NULL;
	a->authtok_len = 0;
	flow_auth_run(c, a, ctl_authed, r);
}

/* Commands about one account: admin, or self for the self-service ones. */
static void
ctl_for_user(struct fio_conn *c, struct ctl_req *r, const struct ctl_cmd *d)
{
	struct fio_user u = {0};

	if (!r->admin && (d->admin_only || !authz_is_self(r->uid, r->user))) {
		ctl_refuse(c, r,
		           d->admin_only ? "caller is not an administrator"
		                         : "caller is not the account's owner");
		return;
	}
	/* the activity log is kept by name: any valid name, an account or not */
	if (r->cmd == FIO_CTL_USER_ADD || r->cmd == FIO_CTL_ACTIVITY) {
		d->act(c, r);
		return;
	}
	if (ctl_get_user(c, r, &u) != 0)
		return;
	fio_user_clear(&u);
	if (!r->admin && r->cmd == FIO_CTL_PASSWD &&
	    (r->flags & (FIO_CTL_F_RESET | FIO_CTL_F_EXPIRE)) != 0) {
		ctl_say(c, FIO_INFO_ERROR,
		        "only an administrator may issue a reset code or expire "
		        "a password");
		ctl_end(c, r, FIO_RESULT_PERM, "reset by a non-administrator");
		return;
	}
	if (!r->admin && r->cmd == FIO_CTL_ENROLL && r->secret_len > 0) {
		ctl_say(c, FIO_INFO_ERROR, "only an administrator may import a secret");
		ctl_end(c, r, FIO_RESULT_PERM, "import by a non-administrator");
		return;
	}
	if (!r->admin && d->reauth)
		ctl_reauth(c, r);
	else
		d->act(c, r);
}

static void
ctl_dispatch(struct fio_conn *c, struct ctl_req *r)
{
	const struct ctl_cmd *d = ctl_cmd_of(r->cmd);
	struct fio_server *s = conn_server(c);
	const char *msg = ctl_usage_error(r, d);

	if (msg != NULL) {
		ctl_say(c, FIO_INFO_ERROR, "%s", msg);
		ctl_end(c, r, FIO_RESULT_USAGE, msg);
		return;
	}
	r->admin = authz_is_admin(s, r->uid);
	r->hash_cost = s->cfg.hash_cost;
	r->rules = (struct fio_quality){s->cfg.pw_min_length, s->cfg.pw_max_length,
	                                s->cfg.pw_dictionary};
	if (d->need_user == USER_REQ || (d->need_user == USER_OPT && r->user[0] != '\0')) {
		ctl_for_user(c, r, d);
		return;
	}
	if (d->admin_only && !r->admin) {
		ctl_refuse(c, r, "caller is not an administrator");
		return;
	}
	d->act(c, r);
}

int
flow_ctl_start(struct fio_conn *c, struct fio_buf *payload)
{
	struct ctl_req *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL) {
		log_err("out of memory");
		return -1;
	}
	rc = ctl_decode(payload, r);
	if (rc != 0) {
		log_debug("malformed CTL request from uid %ld: %s", (long)conn_uid(c),
		          fio_strerror(rc));
		ctl_free(r);
		return -1;
	}
	r->uid = conn_uid(c);
	ctl_dispatch(c, r);
	return 0;
}
