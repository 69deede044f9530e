/*
 * verdict.c - FIO_RESULT_* to PAM codes; every default denies.
 */
#include <security/pam_modules.h>

#include "fio-proto.h"
#include "verdict.h"

int
fio_verdict_auth(uint32_t result)
{
	switch (result) {
	case FIO_RESULT_OK:
		return PAM_SUCCESS;
	case FIO_RESULT_DENIED:
	case FIO_RESULT_LOCKED:
	case FIO_RESULT_NEW_AUTHTOK: /* reported by acct_mgmt, not by auth */
	case FIO_RESULT_SUSPENDED:
	case FIO_RESULT_NEEDS_2FA:
		return PAM_AUTH_ERR;
	case FIO_RESULT_UNAVAILABLE:
		return PAM_AUTHINFO_UNAVAIL;
	case FIO_RESULT_IGNORE:
		return PAM_IGNORE;
	case FIO_RESULT_CONV:
		return PAM_CONV_ERR;
	default:
		return PAM_AUTH_ERR;
	}
}

int
fio_verdict_acct(uint32_t result)
{
	switch (result) {
	case FIO_RESULT_OK:
		return PAM_SUCCESS;
	case FIO_RESULT_DENIED:
		return PAM_AUTH_ERR;
	case FIO_RESULT_LOCKED:
	case FIO_RESULT_NEEDS_2FA:
		return PAM_PERM_DENIED;
	case FIO_RESULT_NEW_AUTHTOK:
		return PAM_NEW_AUTHTOK_REQD;
	case FIO_RESULT_SUSPENDED:
		return PAM_ACCT_EXPIRED;
	case FIO_RESULT_UNAVAILABLE:
		return PAM_AUTHINFO_UNAVAIL;
	case FIO_RESULT_IGNORE:
		return PAM_IGNORE;
	case FIO_RESULT_CONV:
		return PAM_CONV_ERR;
	default:
		return PAM_AUTH_ERR;
	}
}

int
fio_verdict_session(uint32_t result)
{
	switch (result) {
	case FIO_RESULT_OK:
		return PAM_SUCCESS;
	case FIO_RESULT_IGNORE:
		return PAM_IGNORE;
	case FIO_RESULT_CONV:
		return PAM_CONV_ERR;
	default:
		return PAM_SESSION_ERR;
	}
}

/* pam_chauthtok: a refusal in the PRELIM phase is PAM_TRY_AGAIN as Linux-PAM
 * documents for that phase; in the UPDATE phase PAM_AUTHTOK_ERR. */
int
fio_verdict_chauthtok(uint32_t result, int prelim)
{
	switch (result) {
	case FIO_RESULT_OK:
		return PAM_SUCCESS;
	case FIO_RESULT_IGNORE:
		return PAM_IGNORE;
	case FIO_RESULT_LOCKED:
	case FIO_RESULT_SUSPENDED:
		return PAM_PERM_DENIED;
	case FIO_RESULT_UNAVAILABLE:
		return prelim ? PAM_TRY_AGAIN : PAM_AUTHTOK_LOCK_BUSY;
	case FIO_RESULT_CONV:
		return PAM_CONV_ERR;
	default:
		return PAM_AUTHTOK_ERR;
	}
}
