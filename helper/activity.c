/*
 * activity.c - the activity log (activity.h): recording events, the
 * last-login line, pruning, and the fioctl activity command
 * (FIO_CTL_ACTIVITY).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity.h"
#include "conn.h"
#include "fio-proto.h"
#include "flow_ctl_impl.h"
#include "log.h"
#include "server.h"
#include "store.h"

void
fio_event(struct fio_server *s, const char *event, const char *user, long caller_uid,
          const char *service, const char *rhost, const char *tty, const char *result,
          const char *reason)
{
	struct fio_event_rec ev = {
	        .time = (int64_t)time(NULL),
	        .user = user,
	        .event = event,
	        .service = service,
	        .rhost = rhost,
	        .tty = tty,
	        .result = result,
	        .reason = reason,
	};

	fio_audit(event, user != NULL ? user : "", caller_uid, service != NULL ? service : "",
	          rhost != NULL ? rhost : "", result != NULL ? result : "",
	          reason != NULL ? reason : "");
	if (s == NULL || s->store == NULL)
		return;
	if (fio_store_event_add(s->store, &ev, NULL) != FIO_STORE_OK)
		log_ratelimited(&s->last_event_log, LOG_ERR,
		                "cannot record an event in the activity log");
}

static void
lastlog_failures(int64_t n, char *out, size_t outsz)
{
	if (n == 0)
		snprintf(out, outsz, FIO_LASTLOG_NONE_SINCE);
	else if (n == 1)
		snprintf(out, outsz, FIO_LASTLOG_ONE_SINCE);
	else
		snprintf(out, outsz, FIO_LASTLOG_N_SINCE, n);
}

int
fio_lastlog_line(struct fio_server *s, const char *user, char *out, size_t outsz)
{
	struct fio_event_last last;
	char when[40], fails[48];
	struct tm tm;
	time_t t;
	int64_t n = 0;
	int rc;

	rc = fio_store_event_last_success(s->store, user, INT64_MAX, &last);
	if (rc == FIO_STORE_NOTFOUND)
		last.id = 0;
	if ((rc != FIO_STORE_OK && rc != FIO_STORE_NOTFOUND) ||
	    fio_store_event_failures_since(s->store, user, last.id, &n) != FIO_STORE_OK) {
		log_ratelimited(&s->last_event_log, LOG_ERR, "cannot read the activity log");
		return 0;
	}
	if (rc == FIO_STORE_NOTFOUND) {
		if (n == 0)
			return 0;
		if (n == 1)
			snprintf(out, outsz, FIO_LASTLOG_FIRST_ONE);
		else
			snprintf(out, outsz, FIO_LASTLOG_FIRST_N, n);
		return 1;
	}
	t = (time_t)last.time;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), FIO_LASTLOG_TIME_FMT, &tm) == 0)
		snprintf(when, sizeof(when), "-");
	lastlog_failures(n, fails, sizeof(fails));
	snprintf(out, outsz, FIO_LASTLOG_FMT, when, last.rhost[0] != '\0' ? FIO_LASTLOG_FROM : "",
	         last.rhost, last.service, fails);
	return 1;
}

void
fio_activity_prune(struct fio_server *s, int64_t now)
{
	int64_t n = 0;

	if (s->store == NULL)
		return;
	if (fio_store_event_prune(s->store, now - (int64_t)s->cfg.activity_retention, &n) !=
	    FIO_STORE_OK) {
		log_ratelimited(&s->last_event_log, LOG_ERR, "cannot prune the activity log");
		return;
	}
	if (n > 0)
		log_info("pruned %" PRId64 " old event%s from the activity log", n,
		         n == 1 ? "" : "s");
}

/* ---- fioctl activity ---------------------------------------------------------------- */

struct activity_ctx {
	struct fio_conn *c;
	unsigned n;
	int failed;
};

static int
activity_record(const struct fio_event_rec *ev, void *p)
{
	static const char *const keys[] = {"time", "event",  "service", "rhost",
	                                   "tty",  "result", "reason"};
	struct activity_ctx *x = p;
	char when[32];
	const char *values[] = {when,    ev->event,  ev->service, ev->rhost,
	                        ev->tty, ev->result, ev->reason};
	time_t t = (time_t)ev->time;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "-");
	if (conn_record(x->c, 7, keys, values) != 0) {
		x->failed = 1;
		return 1;
	}
	x->n++;
	return 0;
}

/* arg: "" (everything) or a unix time in decimal; -1 if neither. */
static int
activity_since(const char *arg, int64_t *since)
{
	char *end;
	long long v;

	*since = 0;
	if (arg[0] == '\0')
		return 0;
	if (arg[0] < '0' || arg[0] > '9' || strlen(arg) > 18)
		return -1;
	v = strtoll(arg, &end, 10);
	if (*end != '\0' || v < 0)
		return -1;
	*since = (int64_t)v;
	return 0;
}

/* Authorised in flow_ctl.c (admin: any valid name, account or not; else the
 * caller's own). */
void
ctl_activity(struct fio_conn *c, struct ctl_req *r)
{
	struct activity_ctx x = {.c = c};
	int64_t since;
	int rc;

	if (activity_since(r->arg, &since) != 0) {
		ctl_say(c, FIO_INFO_ERROR, "invalid time: a unix time in seconds");
		ctl_end(c, r, FIO_RESULT_USAGE, "invalid time");
		return;
	}
	rc = fio_store_event_list(conn_server(c)->store, r->user, since, FIO_ACTIVITY_MAX,
	                          activity_record, &x);
	if (x.failed)
		ctl_end(c, r, FIO_RESULT_UNAVAILABLE, "cannot send the records");
	else if (rc < 0)
		ctl_unavailable(c, r, "store error");
	else
		ctl_end(c, r, FIO_RESULT_OK, "");
}

const char *
fio_event_result(uint32_t result)
{
	switch (result) {
	case FIO_RESULT_OK:
		return "success";
	case FIO_RESULT_DENIED:
		return "failure";
	case FIO_RESULT_LOCKED:
		return "locked";
	case FIO_RESULT_SUSPENDED:
		return "suspended";
	case FIO_RESULT_UNAVAILABLE:
		return "unavailable";
	case FIO_RESULT_IGNORE:
		return "ignore";
	default:
		return "other";
	}
}
