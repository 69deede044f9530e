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

/* chauthtok: OK -> PAM_SUCCESS, IGNORE -> PAM_IGNORE, LOCKED / SUSPENDED ->
 * PAM_PERM_DENIED, UNAVAILABLE -> PAM_TRY_AGAIN (PRELIM) or
 * PAM_AUTHTOK_LOCK_BUSY (UPDATE), CONV -> PAM_CONV_ERR, else PAM_AUTHTOK_ERR. */
int fio_verdict_chauthtok(uint32_t result, int prelim);

#endif /* PAM_FIO_VERDICT_H */
