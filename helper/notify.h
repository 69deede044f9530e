/*
 * notify.h - the notify command (config notify.command): how the helper tells a
 * user, out of band, that something happened to their account (a grace window
 * opened, time is running out, sessions were ended, a pass was granted or
 * expired, a factor was enrolled or removed).
 *
 * The command is run without a shell (posix_spawn of the configured argv),
 * in its own session, with the helper's uid, stdout and stderr on /dev/null,
 * every other descriptor closed, and this environment only:
 *     PATH=/usr/sbin:/usr/bin:/sbin:/bin
 *     FIO_EVENT    the event name (e.g. "grace_opened")
 *     FIO_USER     the account name
 *     FIO_EMAIL    the account's e-mail address ("" if none)
 *     FIO_SUBJECT  one line
 *     FIO_MESSAGE  the rendered message (several lines)
 *     FIO_HOST     this machine's host name
 * Its standard input is an RFC 5322 message, so that "sendmail -t" works:
 *     To: EMAIL            (the line is left out when there is no address)
 *     Subject: SUBJECT
 *     Auto-Submitted: auto-generated
 *     Content-Type: text/plain; charset=UTF-8
 *
 *     MESSAGE
 * The helper never waits for it: a command still running after its timeout is
 * killed (SIGTERM, then SIGKILL a second later), failures are logged (rate
 * limited, without the message), and at most FIO_NOTIFY_RUNNING_MAX run at once
 * (beyond that a notice is dropped and logged). Nothing here blocks a login.
 * Never put a secret, code or password in a notice.
 */
#ifndef FIO_NOTIFY_H
#define FIO_NOTIFY_H

#include <stdint.h>

#define FIO_NOTIFY_RUNNING_MAX 16
#define FIO_NOTIFY_SUBJECT_MAX 200 /* bytes; longer is cut at a UTF-8 boundary */
#define FIO_NOTIFY_MESSAGE_MAX 4096

struct fio_notifier;

struct fio_notice {
	const char *event; /* [a-z_]+ */
	const char *user;
	const char *email;   /* may be "" or NULL */
	const char *subject; /* one line: CR/LF and control characters become spaces */
	const char *message; /* control characters other than '\n' and '\t' are dropped */
};

struct fio_notifier *fio_notifier_new(void);
/* Kills (SIGTERM, then SIGKILL after at most a second) and reaps every child. */
void fio_notifier_free(struct fio_notifier *n);

/* Runs argv (argv[0] an absolute path; NULL-terminated) for notice n, killed
 * after timeout_s seconds. now_ms is CLOCK_MONOTONIC milliseconds. 0 if the
 * command was started, -1 if not (logged). argv == NULL: nothing to do, 0. */
int fio_notify(struct fio_notifier *nt, char *const *argv, unsigned timeout_s,
               const struct fio_notice *n, int64_t now_ms);

/* Reaps children that exited (logging a non-zero status or a signal) and kills
 * the ones past their deadline. Call from the event loop at least once a
 * second while fio_notifier_running() > 0. */
void fio_notifier_tick(struct fio_notifier *nt, int64_t now_ms);
/* Children not yet reaped. */
unsigned fio_notifier_running(const struct fio_notifier *nt);

#endif /* FIO_NOTIFY_H */
