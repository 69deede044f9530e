/*
 * relay.h - one conversation with fio-helperd on behalf of a pam_sm_* call:
 * connect, send the request, relay PROMPT/INFO through pam_conv(), collect
 * the VERDICT.
 */
#ifndef PAM_FIO_RELAY_H
#define PAM_FIO_RELAY_H

#include <stdint.h>

#include <security/pam_modules.h>

#include "options.h"

/* The request's fields (fio-proto.h: FIO_MSG_AUTH / FIO_MSG_ACCT). The strings
 * are owned by PAM, never NULL, already checked against their limits. */
struct fio_request {
	uint16_t type; /* FIO_MSG_AUTH, _ACCT, _SESSION or _CHAUTHTOK */
	uint32_t op;   /* FIO_MSG_SESSION: FIO_SESSION_OPEN or _CLOSE */
	const char *service, *user, *rhost, *ruser, *tty;
	uint32_t flags;      /* FIO_AUTH_F_* */
	const char *authtok; /* AUTH with USE/TRY_AUTHTOK: the stack's PAM_AUTHTOK;
	                        CHAUTHTOK: PAM_OLDAUTHTOK (or NULL) */
	const char *newtok;  /* CHAUTHTOK with use_authtok: PAM_AUTHTOK; else NULL */
};

/* Runs the conversation. PAM_SUCCESS: *result is the helper's FIO_RESULT_*
 * (and, for AUTH with FIO_RESULT_OK, PAM_AUTHTOK is set if the helper said
 * which bytes are the password; for CHAUTHTOK, PAM_OLDAUTHTOK in the PRELIM
 * phase and PAM_AUTHTOK in the UPDATE phase). Otherwise a PAM code to return as is:
 * PAM_AUTHINFO_UNAVAIL (transport or protocol failure, already logged and
 * told to the user), PAM_CONV_ERR (the user or the application ended the
 * conversation), PAM_AUTH_ERR (an answer over FIO_SECRET_MAX), or the error of
 * an allocation or pam_set_item(). */
int fio_relay_run(pam_handle_t *pamh, int pam_flags, const struct fio_options *o,
                  const struct fio_request *req, uint32_t *result);

#endif /* PAM_FIO_RELAY_H */
