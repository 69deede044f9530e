/*
 * policy.c - mandatory 2FA: the state of an account, the windows the store
 * keeps, and the notices that go with them (policy.h has the rules).
 *
 * Membership comes from NSS every time it is needed (no cache: a user removed
 * from a group is no longer covered at their next login). Windows are
 * written once and never moved later, except to "now" when a pass ends.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fio-frame.h"

#include "activity.h"
#include "authz.h"
#include "fio-config.h"
#include "fio-wipe.h"
#include "log.h"
#include "notify.h"
#include "policy.h"
#include "server.h"
#include "store.h"

#define SWEEP_BATCH_MAX 100000 /* rows looked at per sweep */

const char *
fio_pstate_name(enum fio_pstate st)
{
	switch (st) {
	case FIO_PS_NONE:
		return "none";
	case FIO_PS_SSO:
		return "sso";
	case FIO_PS_ENROLLED:
		return "enrolled";
	case FIO_PS_GRACE:
		return "grace";
	case FIO_PS_OVERDUE:
		return "overdue";
	case FIO_PS_PASS:
		return "pass";
	case FIO_PS_PASS_EXPIRED:
		return "pass_expired";
	}
	return "none";
}

void
fio_policy_duration(int64_t seconds, char *out, size_t outsz)
{
	static const struct {
		int64_t len;
		const char *name;
	} units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}};
	size_t o = 0;
	int parts = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (seconds < 60) {
		snprintf(out, outsz, "less than a minute");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && parts < 2; i++) {
		int64_t n = seconds / units[i].len;
		int w;

		if (n == 0) {
			if (parts > 0)
				break; /* "2 days 5 minutes" would mislead: stop at a gap */
			continue;
		}
		seconds -= n * units[i].len;
		w = snprintf(out + o, outsz - o, "%s%lld %s%s", parts > 0 ? " " : "", (long long)n,
		             units[i].name, n == 1 ? "" : "s");
		if (w < 0 || (size_t)w >= outsz - o)
			return;
		o += (size_t)w;
		parts++;
	}
}

void
fio_policy_time(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (outsz == 0)
		return;
	if (t <= 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, outsz, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, outsz, "-");
}

void
fio_policy_notify(struct fio_server *s, const char *user, const char *email, const char *event,
                  const char *subject, const char *fmt, ...)
{
	char message[FIO_NOTIFY_MESSAGE_MAX];
	struct fio_notice n;
	va_list ap;

	if (s->cfg.notify_argv == NULL || s->notifier == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	n.event = event;
	n.user = user;
	n.email = email != NULL ? email : "";
	n.subject = subject;
	n.message = message;
	if (fio_notify(s->notifier, s->cfg.notify_argv, s->cfg.notify_timeout, &n, fio_now_ms()) !=
	    0)
		log_ratelimited(&s->last_notify_log, LOG_WARNING,
		                "the notify command could not be started for event %s", event);
	FIO_WIPE_ARRAY(message); /* a reset or invitation code travels this way */
}

int
fio_policy_is_sso(const struct fio_server *s, const struct fio_user *u, const char *name)
{
	if (u != NULL && u->sso)
		return 1;
	return s->cfg.sso_group != NULL && s->cfg.sso_group[0] != '\0' &&
	       authz_in_group(name, s->cfg.sso_group);
}

static int
entry_covers(const struct fio_policy *p, const char *name)
{
	if (!p->require_2fa)
		return 0;
	return p->all || authz_in_group(name, p->group);
}

int
fio_policy_covers(const struct fio_server *s, const char *name)
{
	for (size_t i = 0; i < s->cfg.npolicies; i++) {
		if (entry_covers(&s->cfg.policies[i], name))
			return 1;
	}
	return 0;
}

static int
entry_excepts(const struct fio_policy *p, const char *service)
{
	for (size_t i = 0; i < p->nexcept; i++) {
		if (service != NULL && strcmp(p->except[i], service) == 0)
			return 1;
	}
	return 0;
}

/* The window of u under p, made now if the account has none: a first-seen
 * entry gives everyone covered the full grace, an NSS-only account the
 * window of the entry's first members, anyone else (created or added to the
 * group later) a window that is already over. */
static int
entry_deadline(struct fio_server *s, const struct fio_user *u, const struct fio_policy *p,
               int64_t now, unsigned flags, int64_t *deadline)
{
	struct fio_policy_row row;
	int64_t first = now, d;
	int created = 0, rc;

	rc = u != NULL ? fio_store_policy_get(s->store, u->id, p->key, &row) : FIO_STORE_NOTFOUND;
	if (rc == FIO_STORE_OK) {
		*deadline = row.deadline;
		return 0;
	}
	if (rc != FIO_STORE_NOTFOUND)
		return -1;
	if (fio_store_policy_seen(s->store, p->key, now, &first, &created) != FIO_STORE_OK)
		return -1;
	if (created || u == NULL || (flags & FIO_PEVAL_F_NSS_ROW))
		d = first + (int64_t)p->grace;
	else
		d = now; /* a new member */
	if (u != NULL) {
		rc = fio_store_policy_add(s->store, u->id, p->key, now, d);
		if (rc == FIO_STORE_EXISTS &&
		    fio_store_policy_get(s->store, u->id, p->key, &row) == FIO_STORE_OK)
			d = row.deadline;
		else if (rc != FIO_STORE_OK && rc != FIO_STORE_NOTFOUND)
			return -1;
	}
	*deadline = d;
	return 0;
}

static void
pass_ended(struct fio_server *s, const struct fio_user *u, const char *why)
{
	fio_event(s, "pass_expired", u->name, -1, "", "", "", "ok", why);
	fio_policy_notify(s, u->name, u->email, "pass_expired", "Your temporary pass has ended",
	                  "The temporary pass for the account %s has ended. Its old authenticator "
	                  "and recovery codes no longer work; your sessions will be ended.\n"
	                  "Set up two-factor authentication again at your next login.",
	                  u->name);
}

int
fio_policy_eval(struct fio_server *s, const struct fio_user *u, const char *name,
                const char *service, int64_t now, unsigned flags, struct fio_peval *out)
{
	int enrolled = u != NULL && u->totp_blob != NULL, exempt = 1;

	memset(out, 0, sizeof(*out));
	out->methods = FIO_METHOD_APP;
	out->deadline = INT64_MAX;
	if (fio_policy_is_sso(s, u, name)) {
		out->state = FIO_PS_SSO;
		return 0;
	}
	if (u != NULL && u->pass_until > now) {
		out->state = FIO_PS_PASS;
		out->pass_until = u->pass_until;
		return 0;
	}
	if (u != NULL && u->pass_until != 0) {
		if (fio_store_pass_end(s->store, u->id, now) != FIO_STORE_OK)
			return -1;
		pass_ended(s, u, "pass ended; factor discarded");
		out->state = FIO_PS_PASS_EXPIRED;
		out->required = 1;
		out->deadline = now;
		return 0;
	}
	for (size_t i = 0; i < s->cfg.npolicies; i++) {
		const struct fio_policy *p = &s->cfg.policies[i];
		int64_t d;

		if (!entry_covers(p, name))
			continue;
		out->required = 1;
		out->methods &= p->methods;
		if (!entry_excepts(p, service))
			exempt = 0;
		if (entry_deadline(s, u, p, now, flags, &d) != 0)
			return -1;
		if (d < out->deadline) {
			out->deadline = d;
			out->policy_key = p->key;
		}
	}
	if (u != NULL && u->must_enroll) {
		out->required = 1;
		exempt = 0;
		out->deadline = now;
	}
	out->service_exempt = out->required && exempt;
	if (enrolled)
		out->state = FIO_PS_ENROLLED;
	else if (!out->required || out->service_exempt)
		out->state = FIO_PS_NONE;
	else
		out->state = out->deadline > now ? FIO_PS_GRACE : FIO_PS_OVERDUE;
	if (out->deadline == INT64_MAX)
		out->deadline = 0;
	return 0;
}

/* ---- first sight of an entry ------------------------------------------------ */

struct name_list {
	char **names;
	int64_t *ids;
	size_t n, cap;
};

static int
collect_user(const struct fio_user *u, void *ctx)
{
	struct name_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **names = realloc(l->names, cap * sizeof(*names));
		int64_t *ids;

		if (names == NULL)
			return -1;
		l->names = names;
		ids = realloc(l->ids, cap * sizeof(*ids));
		if (ids == NULL)
			return -1;
		l->ids = ids;
		l->cap = cap;
	}
	if ((l->names[l->n] = strdup(u->name)) == NULL)
		return -1;
	l->ids[l->n++] = u->id;
	return 0;
}

static void
name_list_free(struct name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->ids);
}

int
fio_policy_snapshot(struct fio_server *s, int64_t now)
{
	struct name_list all = {0};
	int rc = 0;

	for (size_t i = 0; i < s->cfg.npolicies && rc == 0; i++) {
		const struct fio_policy *p = &s->cfg.policies[i];
		int64_t first;
		int created = 0;

		if (!p->require_2fa)
			continue;
		if (fio_store_policy_seen(s->store, p->key, now, &first, &created) !=
		    FIO_STORE_OK) {
			rc = -1;
			break;
		}
		if (!created)
			continue;
		log_info("policy %s is in force from now on; its members have %u s to enrol",
		         p->key, p->grace);
		if (all.names == NULL && fio_store_user_list(s->store, collect_user, &all) != 0) {
			rc = -1;
			break;
		}
		for (size_t k = 0; k < all.n; k++) {
			if (!entry_covers(p, all.names[k]))
				continue;
			if (fio_store_policy_add(s->store, all.ids[k], p->key, now,
			                         now + (int64_t)p->grace) == FIO_STORE_ERR)
				rc = -1;
		}
	}
	name_list_free(&all);
	if (rc != 0)
		log_err("cannot record where the 2FA policy applies (store error)");
	return rc;
}

/* ---- notices ------------------------------------------------------------------ */

struct due_row {
	char *name;
	char *key;
	struct fio_policy_row row;
};

struct due_list {
	struct due_row *rows;
	size_t n, cap;
	int64_t now;
	unsigned warn;
};

/* Bits of the notices that are due for a row at now. */
static unsigned
row_due(const struct fio_policy_row *r, int64_t now, unsigned warn)
{
	unsigned due = 0;

	if (r->deadline > now) {
		if (!(r->notified & FIO_NOTIFIED_OPENED))
			due |= FIO_NOTIFIED_OPENED;
		if (warn > 0 && r->deadline - now <= (int64_t)warn &&
		    !(r->notified & FIO_NOTIFIED_WARN))
			due |= FIO_NOTIFIED_WARN;
	} else if (!(r->notified & FIO_NOTIFIED_OVERDUE)) {
		due |= FIO_NOTIFIED_OVERDUE;
	}
	return due;
}

static int
collect_due(const char *name, const char *key, const struct fio_policy_row *row, void *ctx)
{
	struct due_list *l = ctx;

	if (row_due(row, l->now, l->warn) == 0)
		return 0;
	if (l->n >= SWEEP_BATCH_MAX)
		return 1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct due_row *rows = realloc(l->rows, cap * sizeof(*rows));

		if (rows == NULL)
			return -1;
		l->rows = rows;
		l->cap = cap;
	}
	l->rows[l->n].name = strdup(name);
	l->rows[l->n].key = strdup(key);
	l->rows[l->n].row = *row;
	if (l->rows[l->n].name == NULL || l->rows[l->n].key == NULL) {
		free(l->rows[l->n].name);
		free(l->rows[l->n].key);
		return -1;
	}
	l->n++;
	return 0;
}

static const struct fio_policy *
entry_by_key(const struct fio_server *s, const char *key)
{
	for (size_t i = 0; i < s->cfg.npolicies; i++) {
		if (strcmp(s->cfg.policies[i].key, key) == 0)
			return &s->cfg.policies[i];
	}
	return NULL;
}

static void
send_due(struct fio_server *s, const struct fio_user *u, const struct due_row *d, unsigned due,
         int64_t now)
{
	char left[64], until[64];

	fio_policy_duration(d->row.deadline - now, left, sizeof(left));
	fio_policy_time(d->row.deadline, until, sizeof(until));
	if (due & FIO_NOTIFIED_OVERDUE) {
		fio_policy_notify(
		        s, u->name, u->email, "overdue",
		        "Two-factor authentication is now required",
		        "The account %s had until %s to set up two-factor authentication "
		        "and has not. Its sessions will be ended for security reasons; the "
		        "next login sets it up before access.",
		        u->name, until);
	} else if (due & FIO_NOTIFIED_WARN) {
		fio_policy_notify(
		        s, u->name, u->email, "grace_warning",
		        "Set up two-factor authentication: time is running out",
		        "The account %s must use two-factor authentication from %s (%s "
		        "left). Set it up at your next login, or now with: fioctl enroll\n"
		        "When the time is up, your sessions will be ended and the next login "
		        "sets it up before access.",
		        u->name, until, left);
	} else if (due & FIO_NOTIFIED_OPENED) {
		fio_policy_notify(
		        s, u->name, u->email, "grace_opened",
		        "Two-factor authentication is now required for your account",
		        "Your administrator requires two-factor authentication for the "
		        "account %s. You have %s (until %s) to set it up: at your next login, "
		        "or now with: fioctl enroll\n"
		        "You will need an authenticator app on your phone.",
		        u->name, left, until);
	}
}

/* Rows whose notices are due: sent unless the account no longer needs them
 * (enrolled, gone, no longer covered); either way the bits are set so that a
 * row is looked at once per notice. */
static void
sweep_windows(struct fio_server *s, int64_t now)
{
	struct due_list l = {.now = now, .warn = s->cfg.notify_warn};

	if (fio_store_policy_list(s->store, collect_due, &l) < 0)
		log_err("cannot read the 2FA windows (store error)");
	for (size_t i = 0; i < l.n; i++) {
		const struct due_row *d = &l.rows[i];
		const struct fio_policy *p = entry_by_key(s, d->key);
		unsigned due = row_due(&d->row, now, l.warn);
		struct fio_user u;

		if (fio_store_user_get(s->store, d->name, &u) != FIO_STORE_OK)
			continue;
		if (u.totp_blob == NULL && u.pass_until == 0 && p != NULL &&
		    !fio_policy_is_sso(s, &u, u.name) && entry_covers(p, u.name))
			send_due(s, &u, d, due, now);
		if (due & FIO_NOTIFIED_WARN)
			due |= FIO_NOTIFIED_OPENED; /* one notice is enough */
		if (fio_store_policy_notified(s->store, u.id, d->key, due) == FIO_STORE_ERR)
			log_err("cannot record a sent notice (store error)");
		fio_user_clear(&u);
	}
	for (size_t i = 0; i < l.n; i++) {
		free(l.rows[i].name);
		free(l.rows[i].key);
	}
	free(l.rows);
}

struct pass_list {
	char **names;
	size_t n, cap;
	int64_t now;
};

static int
collect_expired(const char *name, int64_t until, void *ctx)
{
	struct pass_list *l = ctx;

	if (until > l->now)
		return 0;
	if (l->n >= SWEEP_BATCH_MAX)
		return 1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **names = realloc(l->names, cap * sizeof(*names));

		if (names == NULL)
			return -1;
		l->names = names;
		l->cap = cap;
	}
	if ((l->names[l->n] = strdup(name)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static void
sweep_passes(struct fio_server *s, int64_t now)
{
	struct pass_list l = {.now = now};

	if (fio_store_pass_list(s->store, collect_expired, &l) < 0)
		log_err("cannot read the temporary passes (store error)");
	for (size_t i = 0; i < l.n; i++) {
		struct fio_user u;

		if (fio_store_user_get(s->store, l.names[i], &u) == FIO_STORE_OK) {
			if (u.pass_until != 0 && u.pass_until <= now) {
				if (fio_store_pass_end(s->store, u.id, now) == FIO_STORE_OK)
					pass_ended(s, &u, "pass expired");
				else
					log_err("cannot end an expired pass (store error)");
			}
			fio_user_clear(&u);
		}
		free(l.names[i]);
	}
	free(l.names);
}

void
fio_policy_sweep(struct fio_server *s, int64_t now)
{
	fio_activity_prune(s, now); /* whatever the policies */
	sweep_passes(s, now);
	if (s->cfg.npolicies > 0)
		sweep_windows(s, now);
}
