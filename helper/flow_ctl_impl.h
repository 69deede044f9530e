/*
 * flow_ctl_impl.h - the fioctl request and the helpers every command uses;
 * shared by flow_ctl.c (decoding, authorising, the account commands) and
 * flow_ctl_policy.c (sessions, enforce, passes, policy status, SSO flag,
 * suspension) and activity.c (the activity log).
 */
#ifndef FIO_FLOW_CTL_IMPL_H
#define FIO_FLOW_CTL_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "flow_passwd.h"
#include "quality.h"

struct fio_conn;
struct fio_user;

struct ctl_req {
	uint32_t cmd;
	uint32_t flags;
	char *user;
	char *arg;
	char *secret; /* wiped as soon as it has been hashed or used */
	size_t secret_len;
	uid_t uid;
	int admin;
	unsigned hash_cost;
	char *hash;
	int hash_rc;
	/* the quality rules for a new password (flow_ctl_passwd.c) */
	struct fio_quality rules;
	char *email; /* the account's e-mail, for the rules and --send */
	int qresult; /* fio_quality_check(); 1 if no password is set */
	char qmsg[FIO_QUALITY_MSG_MAX];
	/* reset / invitation codes */
	char code_shown[FIO_RESET_SHOWN_LEN + 1];
	char code_canon[FIO_RESET_CHARS + 1];
	int64_t code_until;
};

typedef void (*ctl_act_fn)(struct fio_conn *c, struct ctl_req *r);

#define USER_NONE 0 /* user must be empty */
#define USER_REQ 1  /* user must be a valid name */
#define USER_OPT 2  /* user may be empty or a valid name */

struct ctl_cmd {
	const char *event; /* audit event */
	int need_user;     /* USER_* */
	int admin_only;    /* else admin or self */
	int reauth;        /* self (not admin) passes the login conversation first */
	int takes_arg;     /* else arg must be empty */
	int takes_secret;  /* else secret must be empty */
	ctl_act_fn act;
};

/* Frees r (secrets wiped). */
void ctl_free(struct ctl_req *r);
/* INFO to the client; output failures close the connection. */
void ctl_say(struct fio_conn *c, uint32_t kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The one way out: audit (not for a successful status), verdict, free. The
 * audit is also an event in the activity log (activity.h), except for a
 * successful read (status, show, list, sessions, policy status, activity). */
void ctl_end(struct fio_conn *c, struct ctl_req *r, uint32_t result, const char *reason);
/* "permission denied or no such user", FIO_RESULT_PERM. */
void ctl_refuse(struct fio_conn *c, struct ctl_req *r, const char *reason);
void ctl_unavailable(struct fio_conn *c, struct ctl_req *r, const char *reason);
/* Fetches r->user into *u; on failure ends the request and returns -1. */
int ctl_get_user(struct fio_conn *c, struct ctl_req *r, struct fio_user *u);

/* flow_ctl_policy.c */
void ctl_sessions(struct fio_conn *c, struct ctl_req *r);
void ctl_enforce_list(struct fio_conn *c, struct ctl_req *r);
void ctl_session_end(struct fio_conn *c, struct ctl_req *r);
void ctl_pass_grant(struct fio_conn *c, struct ctl_req *r);
void ctl_pass_revoke(struct fio_conn *c, struct ctl_req *r);
void ctl_policy_status(struct fio_conn *c, struct ctl_req *r);
void ctl_user_sso(struct fio_conn *c, struct ctl_req *r);
void ctl_user_suspend(struct fio_conn *c, struct ctl_req *r);
void ctl_user_resume(struct fio_conn *c, struct ctl_req *r);

/* flow_ctl_passwd.c: passwd (a password, --reset, --expire), user add's
 * password check and --invite; ctl_hash_start() hashes r->secret (after the
 * quality rules) or the code and calls ctl_hashed(). */
void ctl_passwd(struct fio_conn *c, struct ctl_req *r);
void ctl_user_invite(struct fio_conn *c, struct ctl_req *r);
void ctl_hash_start(struct fio_conn *c, struct ctl_req *r);
/* flow_ctl.c: after the hash: stores it (user add, passwd) */
void ctl_hashed(struct fio_conn *c, struct ctl_req *r);
/* Usage errors of the password flags, or NULL. */
const char *ctl_passwd_usage(const struct ctl_req *r);

/* activity.c */
void ctl_activity(struct fio_conn *c, struct ctl_req *r);

#endif /* FIO_FLOW_CTL_IMPL_H */
