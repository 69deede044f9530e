/*
 * flow_ctl_policy.c - the fioctl commands of the mandatory-2FA policy and
 * account protection: sessions, the enforce list and its results, temporary
 * passes, the policy status, the SSO flag and suspension (fio-proto.h
 * FIO_CTL_SESSIONS .. FIO_CTL_USER_RESUME).
 * Authorisation and usage checks happened in flow_ctl.c before these run.
 */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fio-proto.h"

#include "activity.h"
#include "authz.h"
#include "conn.h"
#include "flow_ctl_impl.h"
#include "log.h"
#include "policy.h"
#include "server.h"
#include "store.h"

#define HOURS_MAX 720u

static void
iso_time(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outsz, "-");
}

static void
end_listing(struct fio_conn *c, struct ctl_req *r, int rc, int failed)
{
	if (failed)
		ctl_end(c, r, FIO_RESULT_UNAVAILABLE, "cannot send the records");
	else if (rc < 0)
		ctl_unavailable(c, r, "store error");
	else
		ctl_end(c, r, FIO_RESULT_OK, "");
}

/* ---- sessions ------------------------------------------------------------------ */

struct list_ctx {
	struct fio_conn *c;
	struct fio_server *s;
	unsigned n;
	int failed;
	int64_t now;
	const char *group; /* policy status: only members */
};

static int
session_record(const struct fio_session *ss, void *p)
{
	static const char *const keys[] = {"id",    "user", "service", "tty",
	                                   "rhost", "pid",  "started"};
	struct list_ctx *x = p;
	char id[24], pid[24], started[32];
	const char *values[] = {id, ss->user, ss->service, ss->tty, ss->rhost, pid, started};

	if (x->n >= FIO_MAX_RECORDS) {
		x->failed = 1;
		return 1;
	}
	snprintf(id, sizeof(id), "%" PRId64, ss->id);
	snprintf(pid, sizeof(pid), "%" PRId64, ss->pid);
	iso_time(ss->started, started, sizeof(started));
	if (conn_record(x->c, 7, keys, values) != 0) {
		x->failed = 1;
		return 1;
	}
	x->n++;
	return 0;
}

void
ctl_sessions(struct fio_conn *c, struct ctl_req *r)
{
	struct list_ctx x = {.c = c, .s = conn_server(c)};
	struct fio_user u = {0};
	int64_t uid = -1;
	int rc;

	if (r->user[0] == '\0' && !r->admin) {
		/* the caller's own sessions */
		struct passwd pw, *res = NULL;
		char buf[16384], *own = NULL;

		if (getpwuid_r(r->uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
		    authz_name_valid(pw.pw_name))
			own = strdup(pw.pw_name);
		if (own == NULL) {
			ctl_refuse(c, r, "caller has no account name");
			return;
		}
		free(r->user);
		r->user = own;
	}
	if (r->user[0] != '\0') {
		if (ctl_get_user(c, r, &u) != 0)
			return;
		uid = u.id;
		fio_user_clear(&u);
	}
	rc = fio_store_session_list(x.s->store, uid, session_record, &x);
	if (rc >= 0 && !x.failed && x.n == 0 && (r->flags & FIO_CTL_F_JSON) == 0)
		ctl_say(c, FIO_INFO_TEXT, "No open sessions are registered.");
	end_listing(c, r, rc < 0 ? -1 : 0, x.failed);
}

/* ---- enforce ----------------------------------------------------------------------- */

struct enforce_row {
	int64_t id, pid;
	uint64_t pid_start;
	char *user, *service;
};

struct enforce_list {
	struct enforce_row *rows;
	size_t n, cap;
};

static int
collect_session(const struct fio_session *ss, void *p)
{
	struct enforce_list *l = p;
	struct enforce_row *row;

	if (l->n >= FIO_MAX_RECORDS)
		return 1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct enforce_row *rows = realloc(l->rows, cap * sizeof(*rows));

		if (rows == NULL)
			return -1;
		l->rows = rows;
		l->cap = cap;
	}
	row = &l->rows[l->n];
	row->id = ss->id;
	row->pid = ss->pid;
	row->pid_start = ss->pid_start;
	row->user = strdup(ss->user);
	row->service = strdup(ss->service);
	if (row->user == NULL || row->service == NULL) {
		free(row->user);
		free(row->service);
		return -1;
	}
	l->n++;
	return 0;
}

/* Why the policy says this session must end, or NULL to keep it. *err on a
 * store failure. */
static const char *
end_reason(struct fio_server *s, const struct enforce_row *row, int64_t now, int *err)
{
	struct fio_user u;
	struct fio_peval pol;
	int rc, must;

	rc = fio_store_user_get(s->store, row->user, &u);
	if (rc != FIO_STORE_OK) {
		*err = rc == FIO_STORE_ERR;
		return NULL;
	}
	if (u.suspended) { /* whatever the policy says */
		fio_user_clear(&u);
		return "account suspended";
	}
	must = u.must_enroll;
	rc = fio_policy_eval(s, &u, u.name, row->service, now, 0, &pol);
	fio_user_clear(&u);
	if (rc != 0) {
		*err = 1;
		return NULL;
	}
	if (pol.state == FIO_PS_PASS_EXPIRED)
		return "temporary pass expired";
	if (pol.state == FIO_PS_OVERDUE)
		return must ? "temporary pass ended; 2FA not set up"
		            : "2FA not set up within the grace window";
	return NULL;
}

void
ctl_enforce_list(struct fio_conn *c, struct ctl_req *r)
{
	static const char *const keys[] = {"id", "user", "pid", "pid_start", "action", "reason"};
	struct fio_server *s = conn_server(c);
	struct enforce_list l = {0};
	int64_t now = (int64_t)time(NULL);
	int rc, err = 0, failed = 0;

	if (r->uid != 0) {
		ctl_refuse(c, r, "enforce is for root only");
		return;
	}
	rc = fio_store_session_list(s->store, -1, collect_session, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct enforce_row *row = &l.rows[i];
		const char *why = rc < 0 ? NULL : end_reason(s, row, now, &err);
		char id[24], pid[24], start[24];
		const char *values[] = {id,
		                        row->user,
		                        pid,
		                        start,
		                        why != NULL ? "end" : "keep",
		                        why != NULL ? why : ""};

		snprintf(id, sizeof(id), "%" PRId64, row->id);
		snprintf(pid, sizeof(pid), "%" PRId64, row->pid);
		snprintf(start, sizeof(start), "%" PRIu64, row->pid_start);
		if (!failed && rc >= 0 && conn_record(c, 6, keys, values) != 0)
			failed = 1;
		free(row->user);
		free(row->service);
	}
	free(l.rows);
	end_listing(c, r, rc < 0 || err ? -1 : 0, failed);
}

struct find_ctx {
	int64_t id;
	int found;
	char service[FIO_NAME_MAX + 1];
	char rhost[FIO_HOST_MAX + 1];
};

static int
find_session(const struct fio_session *ss, void *p)
{
	struct find_ctx *x = p;

	if (ss->id != x->id)
		return 0;
	x->found = 1;
	snprintf(x->service, sizeof(x->service), "%s", ss->service);
	snprintf(x->rhost, sizeof(x->rhost), "%s", ss->rhost);
	return 1;
}

/* arg "ID REASON" */
static int
parse_end_arg(const char *arg, int64_t *id, const char **reason)
{
	char *end;
	long long v;

	if (arg[0] < '1' || arg[0] > '9')
		return -1;
	v = strtoll(arg, &end, 10);
	if (v <= 0 || *end != ' ' || end[1] == '\0')
		return -1;
	*id = (int64_t)v;
	*reason = end + 1;
	return 0;
}

void
ctl_session_end(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_server *s = conn_server(c);
	struct find_ctx x = {0};
	struct fio_user u = {0};
	const char *reason;
	int rc;

	if (r->uid != 0) {
		ctl_refuse(c, r, "enforce is for root only");
		return;
	}
	if (parse_end_arg(r->arg, &x.id, &reason) != 0) {
		ctl_say(c, FIO_INFO_ERROR, "expected \"ID REASON\"");
		ctl_end(c, r, FIO_RESULT_USAGE, "malformed argument");
		return;
	}
	if (ctl_get_user(c, r, &u) != 0)
		return;
	rc = fio_store_session_list(s->store, u.id, find_session, &x);
	if (rc >= 0 && x.found)
		rc = fio_store_session_del(s->store, x.id);
	if (rc < 0) {
		fio_user_clear(&u);
		ctl_unavailable(c, r, "store error");
		return;
	}
	if (!x.found && strcmp(reason, "gone") != 0) {
		/* the leader closed its session as it ended (SIGHUP): the end is
		 * still the policy's doing */
		snprintf(x.service, sizeof(x.service), "-");
	} else if (!x.found) {
		fio_user_clear(&u);
		ctl_say(c, FIO_INFO_ERROR, "no such session of %s", r->user);
		ctl_end(c, r, FIO_RESULT_USAGE, "no such session");
		return;
	}
	if (strcmp(reason, "gone") == 0) {
		fio_user_clear(&u);
		conn_verdict(c, FIO_RESULT_OK, 0); /* a dead leader: no audit, no notice */
		ctl_free(r);
		return;
	}
	fio_event(s, "session_ended", r->user, (long)r->uid, x.service, x.rhost, "", "ok", reason);
	fio_policy_notify(s, u.name, u.email, "sessions_ended",
	                  "Your session was ended for security reasons",
	                  "A session of the account %s (service %s%s%s) was ended for security "
	                  "reasons: %s.\n%s",
	                  u.name, x.service, x.rhost[0] != '\0' ? ", from " : "", x.rhost, reason,
	                  s->cfg.enroll_at_login
	                          ? "Your next login sets up two-factor authentication before "
	                            "access."
	                          : "Ask your administrator to set up two-factor authentication "
	                            "for you.");
	fio_user_clear(&u);
	ctl_end(c, r, FIO_RESULT_OK, reason);
}

/* ---- temporary passes ---------------------------------------------------------------- */

void
ctl_pass_grant(struct fio_conn *c, struct ctl_req *r)
{
	static const char *const keys[] = {"user", "until"};
	struct fio_server *s = conn_server(c);
	unsigned secs = s->cfg.pass_default;
	struct fio_user u = {0};
	char until[32], shown[64], left[64];
	const char *values[] = {r->user, until};
	int64_t now = (int64_t)time(NULL), end;
	int rc;

	if (r->arg[0] != '\0') {
		char *e;
		unsigned long h = strtoul(r->arg, &e, 10);

		if (r->arg[0] < '0' || r->arg[0] > '9' || *e != '\0' || h < 1 || h > HOURS_MAX ||
		    h * 3600ul > s->cfg.pass_max) {
			ctl_say(c, FIO_INFO_ERROR, "hours must be 1 to %u (pass.max)",
			        s->cfg.pass_max / 3600u < HOURS_MAX ? s->cfg.pass_max / 3600u
			                                            : HOURS_MAX);
			ctl_end(c, r, FIO_RESULT_USAGE, "bad number of hours");
			return;
		}
		secs = (unsigned)h * 3600u;
	}
	if (ctl_get_user(c, r, &u) != 0)
		return;
	end = now + (int64_t)secs;
	rc = fio_store_pass_grant(s->store, u.id, end);
	if (rc != FIO_STORE_OK) {
		fio_user_clear(&u);
		ctl_unavailable(c, r, "store error");
		return;
	}
	iso_time(end, until, sizeof(until));
	fio_policy_time(end, shown, sizeof(shown));
	fio_policy_duration(end - now, left, sizeof(left));
	ctl_say(c, FIO_INFO_TEXT,
	        "Temporary pass for %s until %s (%s): password alone, no verification code. When "
	        "it ends, the account's authenticator and recovery codes are discarded, its "
	        "sessions are ended and the next login sets up 2FA again.",
	        r->user, shown, left);
	if (conn_record(c, 2, keys, values) != 0)
		log_debug("cannot send the pass record");
	fio_policy_notify(s, u.name, u.email, "pass_granted",
	                  "A temporary pass was granted for your account",
	                  "An administrator granted the account %s a temporary pass until %s: "
	                  "you can log in with your password alone.\n"
	                  "When it ends, your old authenticator and recovery codes stop working "
	                  "and your next login sets up two-factor authentication again.",
	                  u.name, shown);
	fio_user_clear(&u);
	ctl_end(c, r, FIO_RESULT_OK, "");
}

void
ctl_pass_revoke(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_server *s = conn_server(c);
	struct fio_user u = {0};
	int rc;

	if (ctl_get_user(c, r, &u) != 0)
		return;
	if (u.pass_until == 0) {
		fio_user_clear(&u);
		ctl_say(c, FIO_INFO_TEXT, "%s has no temporary pass.", r->user);
		ctl_end(c, r, FIO_RESULT_OK, "no pass");
		return;
	}
	rc = fio_store_pass_end(s->store, u.id, (int64_t)time(NULL));
	if (rc != FIO_STORE_OK) {
		fio_user_clear(&u);
		ctl_unavailable(c, r, "store error");
		return;
	}
	ctl_say(c, FIO_INFO_TEXT,
	        "Temporary pass of %s revoked: the authenticator and recovery codes were "
	        "discarded; the next login sets up 2FA. Run \"fioctl enforce\" to end the "
	        "account's sessions now.",
	        r->user);
	fio_policy_notify(s, u.name, u.email, "pass_expired", "Your temporary pass has ended",
	                  "An administrator ended the temporary pass of the account %s. Its old "
	                  "authenticator and recovery codes no longer work; your sessions will be "
	                  "ended.\nSet up two-factor authentication again at your next login.",
	                  u.name);
	fio_user_clear(&u);
	ctl_end(c, r, FIO_RESULT_OK, "");
}

/* ---- policy status, SSO flag ----------------------------------------------------------- */

static int
status_record(struct fio_conn *c, const struct fio_user *u, const struct fio_peval *pol)
{
	static const char *const keys[] = {"user", "state", "deadline", "pass_until", "policy"};
	char deadline[32] = "-", pass[32] = "-";
	const char *values[] = {u->name, fio_pstate_name(pol->state), deadline, pass,
	                        pol->policy_key != NULL ? pol->policy_key : "-"};

	if (pol->state == FIO_PS_GRACE || pol->state == FIO_PS_OVERDUE)
		iso_time(pol->deadline, deadline, sizeof(deadline));
	if (pol->state == FIO_PS_PASS)
		iso_time(pol->pass_until, pass, sizeof(pass));
	return conn_record(c, 5, keys, values);
}

static int
status_one(const struct fio_user *u, void *p)
{
	struct list_ctx *x = p;
	struct fio_peval pol;

	if (x->group != NULL && !authz_in_group(u->name, x->group))
		return 0;
	if (x->n >= FIO_MAX_RECORDS) {
		x->failed = 1;
		return 1;
	}
	if (fio_policy_eval(x->s, u, u->name, "", x->now, 0, &pol) != 0)
		return -1;
	if (status_record(x->c, u, &pol) != 0) {
		x->failed = 1;
		return 1;
	}
	x->n++;
	return 0;
}

struct names {
	char **v;
	size_t n, cap;
};

static int
collect_name(const struct fio_user *u, void *p)
{
	struct names *l = p;

	if (l->n >= FIO_MAX_RECORDS)
		return 1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = strdup(u->name)) == NULL)
		return -1;
	l->n++;
	return 0;
}

/* fio_policy_eval may write: the names are read first, then each account. */
static int
status_all(struct list_ctx *x)
{
	struct names l = {0};
	int rc = fio_store_user_list(x->s->store, collect_name, &l);

	for (size_t i = 0; i < l.n; i++) {
		struct fio_user u;

		if (rc >= 0 && !x->failed &&
		    (rc = fio_store_user_get(x->s->store, l.v[i], &u)) == FIO_STORE_OK) {
			rc = status_one(&u, x);
			fio_user_clear(&u);
		} else if (rc == FIO_STORE_NOTFOUND) {
			rc = 0; /* deleted meanwhile */
		}
		free(l.v[i]);
	}
	free(l.v);
	return rc;
}

void
ctl_policy_status(struct fio_conn *c, struct ctl_req *r)
{
	struct list_ctx x = {.c = c, .s = conn_server(c), .now = (int64_t)time(NULL)};
	struct fio_user u = {0};
	int rc;

	if (r->arg[0] != '\0') {
		if (r->user[0] != '\0' || !authz_name_valid(r->arg)) {
			ctl_say(c, FIO_INFO_ERROR, "give either a user name or a group");
			ctl_end(c, r, FIO_RESULT_USAGE, "bad arguments");
			return;
		}
		x.group = r->arg;
	}
	if (r->user[0] != '\0') {
		if (ctl_get_user(c, r, &u) != 0)
			return;
		rc = status_one(&u, &x);
		fio_user_clear(&u);
	} else {
		rc = status_all(&x);
	}
	if (rc >= 0 && !x.failed && x.n == 0 && (r->flags & FIO_CTL_F_JSON) == 0)
		ctl_say(c, FIO_INFO_TEXT, "No accounts.");
	end_listing(c, r, rc < 0 ? -1 : 0, x.failed);
}

void
ctl_user_sso(struct fio_conn *c, struct ctl_req *r)
{
	struct fio_user u = {0};
	int on = strcmp(r->arg, "on") == 0, rc;

	if (!on && strcmp(r->arg, "off") != 0) {
		ctl_say(c, FIO_INFO_ERROR, "expected \"on\" or \"off\"");
		ctl_end(c, r, FIO_RESULT_USAGE, "bad argument");
		return;
	}
	if (ctl_get_user(c, r, &u) != 0)
		return;
	rc = fio_store_set_sso(conn_server(c)->store, u.id, on);
	fio_user_clear(&u);
	if (rc != FIO_STORE_OK) {
		ctl_unavailable(c, r, "store error");
		return;
	}
	ctl_say(c, FIO_INFO_TEXT,
	        on ? "%s is managed by single sign-on: pam_fio leaves its logins to the identity "
	             "provider's module."
	           : "%s is no longer marked as managed by single sign-on.",
	        r->user);
	ctl_end(c, r, FIO_RESULT_OK, on ? "on" : "off");
}

/* ---- suspension -------------------------------------------------------------------- */

/* A reason is at most FIO_SUSPEND_REASON_MAX bytes without control characters
 * (it is shown on one line, in the audit log and in a notice). */
static int
reason_valid(const char *s)
{
	if (strlen(s) > FIO_SUSPEND_REASON_MAX)
		return 0;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	}
	return 1;
}

/* Suspends (on) or resumes the account: the store, the notice, the answer. */
static void
set_suspended(struct fio_conn *c, struct ctl_req *r, int on)
{
	struct fio_server *s = conn_server(c);
	struct fio_user u = {0};
	const char *reason = on ? r->arg : "";

	if (ctl_get_user(c, r, &u) != 0)
		return;
	if (fio_store_set_suspended(s->store, u.id, on, reason) != FIO_STORE_OK) {
		fio_user_clear(&u);
		ctl_unavailable(c, r, "store error");
		return;
	}
	if (on)
		fio_policy_notify(
		        s, u.name, u.email, "suspended", "Your account was suspended",
		        "An administrator suspended the account %s%s%s. Logins are refused "
		        "and its sessions will be ended.\nContact your administrator.",
		        u.name, reason[0] != '\0' ? ": " : "", reason);
	else
		fio_policy_notify(
		        s, u.name, u.email, "resumed", "Your account is no longer suspended",
		        "An administrator lifted the suspension of the account %s: you can "
		        "log in again.",
		        u.name);
	fio_user_clear(&u);
	ctl_say(c, FIO_INFO_TEXT,
	        on ? "%s is suspended: logins are refused and `fioctl enforce` ends the open "
	             "sessions."
	           : "%s is no longer suspended.",
	        r->user);
	ctl_end(c, r, FIO_RESULT_OK, reason);
}

void
ctl_user_suspend(struct fio_conn *c, struct ctl_req *r)
{
	if (!reason_valid(r->arg)) {
		ctl_say(c, FIO_INFO_ERROR,
		        "the reason must be at most %u bytes, without control characters",
		        FIO_SUSPEND_REASON_MAX);
		ctl_end(c, r, FIO_RESULT_USAGE, "bad reason");
		return;
	}
	set_suspended(c, r, 1);
}

void
ctl_user_resume(struct fio_conn *c, struct ctl_req *r)
{
	set_suspended(c, r, 0);
}
