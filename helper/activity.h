/*
 * activity.h - the activity log: every login attempt, lock, enrolment,
 * session, pass, suspension and administrative action is one audit line
 * (log.h fio_audit, unchanged) and one row in the store (store.h events),
 * kept activity.retention and shown by `fioctl activity` and the last-login
 * line of a successful login.
 *
 * Events are kept by name, so attempts on names that are not accounts are
 * kept too. The reason is always a fixed text from the code: never a
 * password, code or secret. A store failure is logged (rate-limited) and
 * never changes or delays a verdict.
 */
#ifndef FIO_ACTIVITY_H
#define FIO_ACTIVITY_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>

struct fio_conn;
struct fio_server;

/* The result word of a login or password change event for a verdict:
 * "success", "failure", "locked", "suspended", "unavailable", "ignore",
 * "other". The last-login line counts "failure" and "locked". */
const char *fio_event_result(uint32_t result);

/* The last-login line (INFO before the verdict of a successful login):
 * "Last login: TIME[ from RHOST] via SERVICE; FAILURES" where FAILURES is one
 * of the three below; with no earlier success but failures,
 * "No previous login; N failed attempts." (or "1 failed attempt."). */
#define FIO_LASTLOG_FMT "Last login: %s%s%s via %s; %s"
#define FIO_LASTLOG_TIME_FMT "%Y-%m-%d %H:%M UTC"
#define FIO_LASTLOG_FROM " from "
#define FIO_LASTLOG_NONE_SINCE "no failed attempts since."
#define FIO_LASTLOG_ONE_SINCE "1 failed attempt since."
#define FIO_LASTLOG_N_SINCE "%" PRId64 " failed attempts since."
#define FIO_LASTLOG_FIRST_ONE "No previous login; 1 failed attempt."
#define FIO_LASTLOG_FIRST_N "No previous login; %" PRId64 " failed attempts."

/* fioctl activity: at most this many events (the newest) per reply. */
#define FIO_ACTIVITY_MAX 10000u

/* Records one event: fio_audit() (syslog), then a row in the store. Any
 * argument but event may be NULL (""). */
void fio_event(struct fio_server *s, const char *event, const char *user, long caller_uid,
               const char *service, const char *rhost, const char *tty, const char *result,
               const char *reason);

/* The result word of a login or password change event for a verdict:
 * "success", "failure", "locked", "suspended", "unavailable", "ignore",
 * "other". The last-login line counts "failure" and "locked". */
const char *fio_event_result(uint32_t result);

/* The last-login line for user's login that is about to be recorded as a
 * success, into out: 1 if there is one, 0 if there is nothing to say (no
 * events) or the store failed (logged). */
int fio_lastlog_line(struct fio_server *s, const char *user, char *out, size_t outsz);

/* Deletes the events older than activity.retention before now: one indexed
 * DELETE, run by every policy sweep (policy.h), whatever the policies. */
void fio_activity_prune(struct fio_server *s, int64_t now);

#endif /* FIO_ACTIVITY_H */
