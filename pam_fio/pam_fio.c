/*
 * pam_fio.c - the PAM entry points of pam_fio.so.
 *
 * Each entry point is: options -> PAM items -> relay (the helper decides) ->
 * verdict (mapped, never passed through). No state outlives a call.
 */
#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "fio-codec.h"
#include "fio-proto.h"
#include "options.h"
#include "relay.h"
#include "verdict.h"

#define FIO_UNUSED __attribute__((unused))
#define FIO_DATA_AUTHED "pam_fio_authenticated" /* pam_set_data: auth succeeded */

/* Non-empty, within FIO_NAME_MAX, UTF-8, no space or control character. */
static int
user_ok(const char *user)
{
	size_t n = strlen(user), i;

	if (n == 0 || n > FIO_NAME_MAX || !fio_utf8_valid(user, n))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)user[i];

		if (ch <= 0x20 || ch == 0x7f)
			return 0;
	}
	return 1;
}

/* A string item: NULL becomes ""; over max or not UTF-8 is refused (never
 * truncated). */
static int
str_item(pam_handle_t *pamh, int type, const char *name, size_t max, const char **out)
{
	const void *item = NULL;
	const char *s;

	if (pam_get_item(pamh, type, &item) != PAM_SUCCESS)
		item = NULL;
	s = item != NULL ? item : "";
	if (strlen(s) > max || !fio_utf8_valid(s, strlen(s))) {
		pam_syslog(pamh, LOG_ERR, "%s is over %zu bytes or not UTF-8; refused", name, max);
		return PAM_AUTH_ERR;
	}
	*out = s;
	return PAM_SUCCESS;
}

/* PAM_AUTHTOK for use_first_pass / try_first_pass. */
static int
get_authtok(pam_handle_t *pamh, const struct fio_options *o, struct fio_request *q)
{
	const void *item = NULL;
	const char *tok;

	if ((q->flags & (FIO_AUTH_F_USE_AUTHTOK | FIO_AUTH_F_TRY_AUTHTOK)) == 0)
		return PAM_SUCCESS;
	if (pam_get_item(pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS)
		item = NULL;
	tok = item;
	if (tok == NULL || tok[0] == '\0') {
		if ((q->flags & FIO_AUTH_F_USE_AUTHTOK) != 0) {
			pam_syslog(pamh, LOG_NOTICE,
			           "use_first_pass: no password from an earlier module");
			return PAM_AUTH_ERR;
		}
		q->flags &= ~FIO_AUTH_F_TRY_AUTHTOK;
		if (o->debug)
			pam_syslog(pamh, LOG_DEBUG,
			           "try_first_pass: no PAM_AUTHTOK, the helper asks");
		return PAM_SUCCESS;
	}
	if (strlen(tok) > FIO_SECRET_MAX) {
		pam_syslog(pamh, LOG_NOTICE, "PAM_AUTHTOK over %u bytes refused", FIO_SECRET_MAX);
		return PAM_AUTH_ERR;
	}
	q->authtok = tok;
	return PAM_SUCCESS;
}

static int
get_items(pam_handle_t *pamh, const struct fio_options *o, uint16_t type, struct fio_request *q)
{
	const char *user = NULL;
	int rc;

	memset(q, 0, sizeof(*q));
	q->type = type;
	q->flags = o->flags;
	rc = pam_get_user(pamh, &user, NULL);
	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS)
		return rc;
	if (user == NULL || !user_ok(user)) {
		pam_syslog(pamh, LOG_NOTICE, "empty, over-long or malformed user name refused");
		return type == FIO_MSG_ACCT ? PAM_USER_UNKNOWN : PAM_AUTH_ERR;
	}
	q->user = user;
	if ((rc = str_item(pamh, PAM_SERVICE, "PAM_SERVICE", FIO_NAME_MAX, &q->service)) !=
	            PAM_SUCCESS ||
	    (rc = str_item(pamh, PAM_RHOST, "PAM_RHOST", FIO_HOST_MAX, &q->rhost)) != PAM_SUCCESS ||
	    (rc = str_item(pamh, PAM_RUSER, "PAM_RUSER", FIO_NAME_MAX, &q->ruser)) != PAM_SUCCESS ||
	    (rc = str_item(pamh, PAM_TTY, "PAM_TTY", FIO_TTY_MAX, &q->tty)) != PAM_SUCCESS)
		return rc;
	if (type == FIO_MSG_AUTH)
		return get_authtok(pamh, o, q);
	if (type == FIO_MSG_ACCT) {
		const void *data = NULL;

		if (pam_get_data(pamh, FIO_DATA_AUTHED, &data) == PAM_SUCCESS && data != NULL)
			q->flags |= FIO_AUTH_F_AFTER_AUTH;
	}
	if (type != FIO_MSG_CHAUTHTOK)
		q->flags &= ~(FIO_AUTH_F_USE_AUTHTOK | FIO_AUTH_F_TRY_AUTHTOK);
	return PAM_SUCCESS;
}

int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct fio_options o;
	struct fio_request req;
	uint32_t result = FIO_RESULT_DENIED;
	int rc;

	if ((rc = fio_options_parse(pamh, argc, argv, &o)) != PAM_SUCCESS)
		goto out;
	if ((rc = get_items(pamh, &o, FIO_MSG_AUTH, &req)) != PAM_SUCCESS)
		goto out;
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "auth: user %s, service %s, rhost \"%s\", flags %#x",
		           req.user, req.service, req.rhost, req.flags);
	if ((rc = fio_relay_run(pamh, flags, &o, &req, &result)) != PAM_SUCCESS)
		goto out;
	rc = fio_verdict_auth(result);
	if (rc == PAM_SUCCESS &&
	    pam_set_data(pamh, FIO_DATA_AUTHED, (void *)1, NULL) != PAM_SUCCESS)
		pam_syslog(pamh, LOG_WARNING, "pam_set_data failed; policy notices may repeat");
out:
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "auth: %s", pam_strerror(pamh, rc));
	return rc;
}

int
pam_sm_setcred(pam_handle_t *pamh FIO_UNUSED, int flags FIO_UNUSED, int argc FIO_UNUSED,
               const char **argv FIO_UNUSED)
{
	return PAM_SUCCESS;
}

int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct fio_options o;
	struct fio_request req;
	uint32_t result = FIO_RESULT_DENIED;
	int rc;

	if ((rc = fio_options_parse(pamh, argc, argv, &o)) != PAM_SUCCESS)
		goto out;
	if ((rc = get_items(pamh, &o, FIO_MSG_ACCT, &req)) != PAM_SUCCESS)
		goto out;
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "account: user %s, service %s, rhost \"%s\"", req.user,
		           req.service, req.rhost);
	if ((rc = fio_relay_run(pamh, flags, &o, &req, &result)) != PAM_SUCCESS)
		goto out;
	rc = fio_verdict_acct(result);
out:
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "account: %s", pam_strerror(pamh, rc));
	return rc;
}

/* The session registry: the helper records this process as the session's
 * leader (from SO_PEERCRED), so that `fioctl enforce` can end it. */
static int
session(pam_handle_t *pamh, int flags, int argc, const char **argv, uint32_t op)
{
	const char *what = op == FIO_SESSION_OPEN ? "open_session" : "close_session";
	struct fio_options o;
	struct fio_request req;
	uint32_t result = FIO_RESULT_DENIED;
	int rc;

	if ((rc = fio_options_parse(pamh, argc, argv, &o)) != PAM_SUCCESS)
		goto out;
	if (get_items(pamh, &o, FIO_MSG_SESSION, &req) != PAM_SUCCESS) {
		rc = PAM_SESSION_ERR;
		goto out;
	}
	req.op = op;
	if ((rc = fio_relay_run(pamh, flags, &o, &req, &result)) != PAM_SUCCESS) {
		rc = PAM_SESSION_ERR;
		goto out;
	}
	rc = fio_verdict_session(result);
out:
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "%s: %s", what, pam_strerror(pamh, rc));
	return rc;
}

int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return session(pamh, flags, argc, argv, FIO_SESSION_OPEN);
}

int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return session(pamh, flags, argc, argv, FIO_SESSION_CLOSE);
}

/* PAM_OLDAUTHTOK (use_first_pass / try_first_pass, or the PRELIM phase's
 * answer) and, with use_authtok, PAM_AUTHTOK as the new password. */
static int
get_chauthtok_items(pam_handle_t *pamh, const struct fio_options *o, int flags,
                    struct fio_request *q)
{
	const void *item = NULL;

	/* factor=, single_prompt: options of the auth lines, meaningless here */
	q->flags &= FIO_AUTH_F_USE_AUTHTOK | FIO_AUTH_F_TRY_AUTHTOK;
	q->flags |= (flags & PAM_PRELIM_CHECK) ? FIO_CHTOK_F_PRELIM : FIO_CHTOK_F_UPDATE;
	if (flags & PAM_CHANGE_EXPIRED_AUTHTOK)
		q->flags |= FIO_CHTOK_F_EXPIRED_ONLY;
	else if (getuid() == 0)
		q->flags |= FIO_CHTOK_F_ROOT; /* believed from uid 0 callers only */
	if ((o->flags & (FIO_AUTH_F_USE_AUTHTOK | FIO_AUTH_F_TRY_AUTHTOK)) ||
	    (q->flags & FIO_CHTOK_F_UPDATE)) {
		if (pam_get_item(pamh, PAM_OLDAUTHTOK, &item) == PAM_SUCCESS && item != NULL &&
		    ((const char *)item)[0] != '\0')
			q->authtok = item;
	}
	if (o->use_authtok && (q->flags & FIO_CHTOK_F_UPDATE)) {
		item = NULL;
		if (pam_get_item(pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS || item == NULL ||
		    ((const char *)item)[0] == '\0') {
			pam_syslog(pamh, LOG_NOTICE,
			           "use_authtok: no new password from an earlier module");
			return PAM_AUTHTOK_ERR;
		}
		q->newtok = item;
		q->flags |= FIO_CHTOK_F_NEW_AUTHTOK;
	}
	if ((q->authtok != NULL && strlen(q->authtok) > FIO_SECRET_MAX) ||
	    (q->newtok != NULL && strlen(q->newtok) > FIO_SECRET_MAX)) {
		pam_syslog(pamh, LOG_NOTICE, "password over %u bytes refused", FIO_SECRET_MAX);
		return PAM_AUTHTOK_ERR;
	}
	return PAM_SUCCESS;
}

/* Password change (passwd, or login's forced change): the helper asks the
 * current password in the PRELIM phase and the new one in the UPDATE phase. */
int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct fio_options o;
	struct fio_request req;
	uint32_t result = FIO_RESULT_DENIED;
	int rc;

	if ((rc = fio_options_parse(pamh, argc, argv, &o)) != PAM_SUCCESS)
		goto out;
	if ((rc = get_items(pamh, &o, FIO_MSG_CHAUTHTOK, &req)) != PAM_SUCCESS) {
		if (rc == PAM_AUTH_ERR)
			rc = PAM_AUTHTOK_ERR;
		goto out;
	}
	if ((rc = get_chauthtok_items(pamh, &o, flags, &req)) != PAM_SUCCESS)
		goto out;
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "chauthtok (%s): user %s, service %s, flags %#x",
		           (flags & PAM_PRELIM_CHECK) ? "prelim" : "update", req.user, req.service,
		           req.flags);
	if ((rc = fio_relay_run(pamh, flags, &o, &req, &result)) != PAM_SUCCESS) {
		if (rc == PAM_AUTH_ERR)
			rc = PAM_AUTHTOK_ERR;
		goto out;
	}
	rc = fio_verdict_chauthtok(result, (flags & PAM_PRELIM_CHECK) != 0);
out:
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "chauthtok: %s", pam_strerror(pamh, rc));
	return rc;
}
