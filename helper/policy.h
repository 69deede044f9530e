/*
 * policy.h - mandatory 2FA: which accounts must have a second factor, by when,
 * and what a login, an account check or `fioctl enforce` does about it
 * (DESIGN.md "Mandatory 2FA policy").
 *
 * An account is covered by a policy entry (fio-config.h) if the entry says
 * all = true or NSS puts the account in the entry's group (getgrouplist: local,
 * LDAP and SSSD groups alike). The first time the helper finds an entry in
 * force it records that moment (fio_store_policy_seen) and gives every account
 * of the store that is a member then a window of `grace` seconds. An account
 * found to be covered later (created, or added to the group, afterwards) gets
 * a window that is already over: its first login enrols before access. An
 * account that only NSS knows (pam_unix checked the password, factor=second)
 * gets a store row at its first login, with the window the entry's first
 * members got (first_seen + grace). Changing the file later never restarts a
 * window: the store keeps each one.
 *
 * States, in the order they are decided:
 *     sso           the account is marked SSO or is in sso_group: auth answers
 *                   IGNORE (the identity provider's module decides)
 *     pass          a temporary pass is running: password alone, with a notice
 *     pass_expired  the pass has ended: the factor and recovery codes are
 *                   discarded (fio_store_pass_end) and the login enrols now
 *     enrolled      the account has an authenticator (covered or not)
 *     none          no entry requires 2FA of the account (or of this service:
 *                   the entry's except list)
 *     grace         required, not enrolled, the window is still open: the
 *                   login succeeds after the password with a notice of the time
 *                   left and an offer to enrol now
 *     overdue       required, not enrolled, the window is over (or must_enroll):
 *                   the login enrols before access; acct_mgmt refuses
 */
#ifndef FIO_POLICY_H
#define FIO_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct fio_server;
struct fio_user;

enum fio_pstate {
	FIO_PS_NONE = 0,
	FIO_PS_SSO,
	FIO_PS_ENROLLED,
	FIO_PS_GRACE,
	FIO_PS_OVERDUE,
	FIO_PS_PASS,
	FIO_PS_PASS_EXPIRED,
};

struct fio_peval {
	enum fio_pstate state;
	int required;           /* some entry requires 2FA of the account */
	int service_exempt;     /* ...but not for this service (except list) */
	int64_t deadline;       /* grace/overdue: when enrolment is (was) due */
	int64_t pass_until;     /* pass: when it ends */
	unsigned methods;       /* FIO_METHOD_* allowed to enrol (all entries agree) */
	const char *policy_key; /* the entry that decided the deadline, or NULL */
};

/* User-visible texts (the tests look for these). %s are durations as
 * fio_policy_duration() writes them and times as "YYYY-MM-DD HH:MM UTC". */
#define FIO_MSG_GRACE                                                                              \
	"Two-factor authentication is required for your account. You have %s left to set it up "   \
	"(until %s)."
#define FIO_MSG_OFFER "Set up two-factor authentication now? [y/N] "
#define FIO_MSG_LATER "You can set it up later with: fioctl enroll"
#define FIO_MSG_OVERDUE                                                                            \
	"Two-factor authentication is required for your account and is not set up yet. Set it up " \
	"now to continue."
#define FIO_MSG_OVERDUE_ADMIN                                                                      \
	"Two-factor authentication is required for your account and is not set up. Ask your "      \
	"administrator to set it up."
#define FIO_MSG_ACCT_OVERDUE                                                                       \
	"Two-factor authentication is required for your account and is not set up. Log in with "   \
	"your password to set it up, or ask your administrator."
#define FIO_MSG_PASS                                                                               \
	"A temporary pass lets you log in without a verification code until %s (%s left). Set up " \
	"two-factor authentication before it ends: fioctl enroll"
#define FIO_MSG_PASS_EXPIRED                                                                       \
	"Your temporary pass has ended and your old authenticator and recovery codes no longer "   \
	"work."
/* an account suspended by an administrator (fioctl user suspend) */
#define FIO_MSG_SUSPENDED "This account is suspended. Contact your administrator."
#define FIO_MSG_MUST_CHANGE "You must change your password now."

/* Evaluates the account u (NULL: the name is not in the store; nothing is
 * written then) for service at now. May write the account's first window
 * under an entry, and the end of an expired pass (the caller must read u again
 * after FIO_PS_PASS_EXPIRED). flags: FIO_PEVAL_F_NSS_ROW when u's row was just
 * made for an NSS-only account (its window is the entry's first members'
 * one). 0, or -1 on a store failure (the caller fails closed). */
#define FIO_PEVAL_F_NSS_ROW 0x1u
int fio_policy_eval(struct fio_server *s, const struct fio_user *u, const char *name,
                    const char *service, int64_t now, unsigned flags, struct fio_peval *out);

/* 1 if name is in sso_group or marked sso; 0 if not. */
int fio_policy_is_sso(const struct fio_server *s, const struct fio_user *u, const char *name);

/* 1 if some entry that requires 2FA covers name (NSS membership). */
int fio_policy_covers(const struct fio_server *s, const char *name);

/* On start and after a reload: records first_seen for entries not seen before
 * and opens the windows of the store's accounts covered by them (a
 * "grace_opened" notice each). 0 or -1. */
int fio_policy_snapshot(struct fio_server *s, int64_t now);

/* Periodic (once a minute, and after a snapshot): sends the notices that are
 * due (grace_opened not yet sent, grace_warning at notify.warn_before, overdue),
 * ends passes that have expired (pass_expired) and prunes the activity log
 * (activity.retention). */
void fio_policy_sweep(struct fio_server *s, int64_t now);

/* "23 hours 59 minutes", "5 minutes", "2 days 3 hours": at most two units,
 * rounded down, "less than a minute" below 60 s. */
void fio_policy_duration(int64_t seconds, char *out, size_t outsz);
/* "2026-11-23 14:05 UTC" */
void fio_policy_time(int64_t t, char *out, size_t outsz);
/* "none", "sso", ... (fio-proto.h FIO_PSTATE names). */
const char *fio_pstate_name(enum fio_pstate st);

/* Sends a notice through the notify command (notify.h) for account u, with
 * event, subject and a message built from fmt. Never blocks; failures are
 * logged. */
void fio_policy_notify(struct fio_server *s, const char *user, const char *email, const char *event,
                       const char *subject, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

#endif /* FIO_POLICY_H */
