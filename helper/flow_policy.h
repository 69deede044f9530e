/*
 * flow_policy.h - the mandatory-2FA steps of a login and of an account check
 * (policy.h has the rules): after a successful password (and code) check the
 * notices, the offer to enrol and the enrolment itself; and pam_acct_mgmt's
 * verdict for accounts that must enrol first.
 */
#ifndef FIO_FLOW_POLICY_H
#define FIO_FLOW_POLICY_H

#include <stdint.h>

#include "fio-codec.h"

struct fio_conn;
struct fio_user;
struct fio_peval;
struct fio_auth_req;

/* done(c, FIO_RESULT_OK | _DENIED | _UNAVAILABLE, arg), or done(NULL, ...) if
 * the connection went away. */
typedef void (*flow_policy_done_fn)(struct fio_conn *c, uint32_t result, void *arg);

/* After the checks passed for u in state pol:
 *     grace          notice with the time left; with enroll_at_login the offer
 *                    (FIO_MSG_OFFER): "y" enrols now; OK either way
 *     overdue,
 *     pass_expired   enrol now (OK only once enrolled); without enroll_at_login
 *                    DENIED with FIO_MSG_OVERDUE_ADMIN
 *     pass           notice with the time left; OK
 *     other          OK
 * u and req are read during the call only. */
void flow_policy_login(struct fio_conn *c, const struct fio_user *u, const struct fio_peval *pol,
                       const struct fio_auth_req *req, flow_policy_done_fn done, void *arg);

/* FIO_MSG_ACCT: OK, IGNORE (not ours / SSO), NEEDS_2FA (overdue: with
 * FIO_MSG_ACCT_OVERDUE), UNAVAILABLE. Grace and pass notices unless the
 * request says FIO_AUTH_F_AFTER_AUTH. -1 on a decode error. */
int flow_acct_start(struct fio_conn *c, struct fio_buf *payload);

#endif /* FIO_FLOW_POLICY_H */
