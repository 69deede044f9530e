/*
 * auth_lock.c - the lockout side of one login: counters in, counters out, the
 * message. See auth_lock.h for which counters apply.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activity.h"
#include "auth_lock.h"
#include "authz.h"
#include "log.h"
#include "policy.h"
#include "server.h"

#define MSG_LOCKED "Too many failed attempts. Try again in %u minute%s."
#define MSG_CAPPED                                                                                 \
	"Too many failed codes. Use a recovery code, or ask an administrator to clear the lock."

static struct fio_lock_params
user_params(const struct fio_config *cfg)
{
	struct fio_lock_params p = {cfg->lock_max_failures, cfg->lock_interval,
	                            cfg->lock_unlock_after};

	return p;
}

static struct fio_lock_params
source_params(const struct fio_config *cfg)
{
	struct fio_lock_params p = {cfg->lock_per_source_max, cfg->lock_interval,
	                            cfg->lock_unlock_after};

	return p;
}

/* The source key (auth_lock.h), or "" if none applies. */
static void
source_key(char *out, size_t size, uid_t caller, const struct fio_auth_req *r)
{
	if (caller != 0)
		snprintf(out, size, "uid:%lu", (unsigned long)caller);
	else if (r->rhost != NULL && r->rhost[0] != '\0')
		snprintf(out, size, "rhost:%s", r->rhost);
	else if (r->ruser != NULL && r->ruser[0] != '\0')
		snprintf(out, size, "ruser:%s", r->ruser);
	else
		out[0] = '\0';
}

static void
audit_lock(struct fio_server *s, uid_t caller, const struct fio_auth_req *r, const char *what)
{
	fio_event(s, "lock", r->user, (long)caller, r->service, r->rhost, r->tty, "locked", what);
}

/* The source's counter; 0 or -1. */
static int
start_source(struct fio_server *s, struct auth_lock *al, uid_t caller, const struct fio_auth_req *r,
             int64_t now)
{
	struct fio_lock_params p = source_params(&s->cfg);
	struct fio_lock l;
	char why[AUTH_LOCK_KEY_MAX + 32];
	int rc, engaged = 0;

	source_key(al->src_key, sizeof(al->src_key), caller, r);
	if (al->src_key[0] == '\0')
		return 0;
	rc = fio_lockout_begin(s->lock_sources, al->src_key, now, &p, &l, &engaged);
	if (rc < 0)
		return -1;
	if (engaged) {
		snprintf(why, sizeof(why), "per-source limit: %s", al->src_key);
		audit_lock(s, caller, r, why);
	}
	if (rc == FIO_LOCK_LOCKED) {
		al->locked = 1;
		al->until = l.locked_until;
	} else {
		al->src_counted = 1;
	}
	return 0;
}

int
auth_lock_start(struct fio_server *s, struct auth_lock *al, uid_t caller,
                const struct fio_auth_req *r, const struct fio_user *u)
{
	struct fio_lock_params p = user_params(&s->cfg);
	struct fio_lock l;
	int64_t now = (int64_t)time(NULL);
	int rc = FIO_STORE_OK, engaged = 0;

	memset(al, 0, sizeof(*al));
	snprintf(al->name_key, sizeof(al->name_key), "name:%s", r->user);
	if (start_source(s, al, caller, r, now) != 0)
		return -1;
	if (al->locked)
		return 0; /* the source is locked: nothing counts against the account */
	if (s->cfg.lock_exempt_root && authz_name_valid(r->user) && authz_is_self(0, r->user))
		return 0;
	if (u != NULL) {
		rc = fio_store_lock_begin(s->store, u->id, now, &p, &l, &engaged);
		if (rc == FIO_STORE_ERR)
			return -1;
		if (rc == FIO_STORE_OK || rc == FIO_STORE_LOCKED) {
			al->user_id = u->id;
			snprintf(al->email, sizeof(al->email), "%s",
			         u->email != NULL ? u->email : "");
			al->capped = l.consecutive >= s->cfg.lock_max_consecutive;
		}
	}
	if (al->user_id == 0) {
		/* not in the store (or gone since the lookup): the name, in memory */
		rc = fio_lockout_begin(s->lock_names, al->name_key, now, &p, &l, &engaged);
		if (rc < 0)
			return -1;
		rc = rc == FIO_LOCK_LOCKED ? FIO_STORE_LOCKED : FIO_STORE_OK;
		/* the durable write an account's attempt costs (timing) */
		if ((rc == FIO_STORE_OK || engaged) && fio_store_lock_pad(s->store) != FIO_STORE_OK)
			return -1;
	}
	if (engaged)
		audit_lock(s, caller, r,
		           "failed attempts: the limit was reached by attempts still running or "
		           "never ended");
	if (rc == FIO_STORE_LOCKED) {
		al->locked = 1;
		al->until = l.locked_until;
	} else {
		al->user_counted = 1;
	}
	return 0;
}

/* The account has just reached the second-factor hard cap: the activity log
 * and a notice to its owner (what happened and the two ways out; no code). */
static void
capped(struct fio_server *s, const struct auth_lock *al, uid_t caller, const struct fio_auth_req *r,
       unsigned consecutive)
{
	char host[HOST_NAME_MAX + 1], subject[HOST_NAME_MAX + 64];

	audit_lock(s, caller, r, "second-factor hard cap");
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "this host");
	host[sizeof(host) - 1] = '\0';
	snprintf(subject, sizeof(subject), "pam_fio: codes blocked on %s", host);
	fio_policy_notify(s, r->user, al->email, "second_factor_capped", subject,
	                  "There were %u wrong verification codes in a row for the account %s "
	                  "on %s, each after the right password.\n\n"
	                  "Verification codes are now refused for this account until a recovery "
	                  "code is used at a login, or an administrator runs:\n"
	                  "    fioctl lock clear %s\n\n"
	                  "If these attempts were not yours, someone knows your password: change "
	                  "it as soon as you can.",
	                  consecutive, r->user, host, r->user);
}

/* One failure on the account or name counter. */
static void
fail_user(struct fio_server *s, struct auth_lock *al, uid_t caller, const struct fio_auth_req *r,
          int64_t now, int code_failed)
{
	struct fio_lock_params p = user_params(&s->cfg);
	struct fio_lock l;
	char why[96];
	int rc;

	if (al->user_id != 0) {
		rc = fio_store_lock_fail(s->store, al->user_id, now, &p, code_failed, &l);
		if (rc == FIO_STORE_ERR)
			log_err("cannot count a failed attempt in the store");
		if (rc != FIO_STORE_OK && rc != FIO_STORE_LOCKED)
			return;
	} else {
		rc = fio_lockout_fail(s->lock_names, al->name_key, now, &p, 0, &l);
		if (rc < 0)
			return;
		rc = rc == 1 ? FIO_STORE_LOCKED : FIO_STORE_OK;
		if (fio_store_lock_pad(s->store) != FIO_STORE_OK)
			log_err("cannot write to the store");
	}
	if (rc == FIO_STORE_LOCKED) {
		snprintf(why, sizeof(why), "%u failed attempts within %u s; locked for %u s",
		         l.failures, p.interval, p.unlock_after);
		audit_lock(s, caller, r, why);
	}
	/* == : only the failure that reaches the cap (at the cap codes are not
	 * checked, so nothing counts beyond it) */
	if (code_failed && al->user_id != 0 && l.consecutive == s->cfg.lock_max_consecutive)
		capped(s, al, caller, r, l.consecutive);
}

void
auth_lock_end(struct fio_server *s, struct auth_lock *al, uid_t caller,
              const struct fio_auth_req *r, uint32_t result, int code_failed, int second_factor_ok)
{
	struct fio_lock_params p = source_params(&s->cfg);
	int64_t now = (int64_t)time(NULL);
	char why[AUTH_LOCK_KEY_MAX + 32];

	if (result == FIO_RESULT_OK) {
		if (al->user_id != 0 &&
		    fio_store_lock_success(s->store, al->user_id, second_factor_ok) != FIO_STORE_OK)
			log_err("cannot reset the failed attempts in the store");
		if (al->src_counted)
			fio_lockout_uncount(s->lock_sources, al->src_key);
	} else if (result == FIO_RESULT_DENIED || result == FIO_RESULT_LOCKED) {
		if (al->user_counted)
			fail_user(s, al, caller, r, now, code_failed);
		if (al->src_counted &&
		    fio_lockout_fail(s->lock_sources, al->src_key, now, &p, 0, NULL) == 1) {
			snprintf(why, sizeof(why), "per-source limit: %s", al->src_key);
			audit_lock(s, caller, r, why);
		}
	}
	al->user_counted = al->src_counted = 0;
}

void
auth_lock_message(const struct auth_lock *al, char *buf, size_t size)
{
	unsigned n;

	if (al->locked) {
		n = fio_lock_minutes_left(al->until, (int64_t)time(NULL));
		snprintf(buf, size, MSG_LOCKED, n, n == 1 ? "" : "s");
	} else {
		snprintf(buf, size, "%s", MSG_CAPPED);
	}
}
