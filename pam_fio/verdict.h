/*
 * verdict.h - mapping the helper's FIO_RESULT_* to PAM codes. Never passed
 * through: an unknown result denies.
 */
#ifndef PAM_FIO_VERDICT_H
#define PAM_FIO_VERDICT_H

#include <stdint.h>

/* For pam_sm_authenticate. */
int fio_verdict_auth(uint32_t result);
/* For pam_sm_acct_mgmt. */
int fio_verdict_acct(uint32_t result);
/* open/close_session: OK -> PAM_SUCCESS, IGNORE -> PAM_IGNORE, else
 * PAM_SESSION_ERR. */
int fio_verdict_session(uint32_t result);

#endif /* PAM_FIO_VERDICT_H */
