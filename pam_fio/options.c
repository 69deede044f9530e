/*
 * options.c - parsing the module arguments and resolving the helper's account.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "fio-proto.h"
#include "options.h"

#ifndef FIO_DEFAULT_SOCKET
#define FIO_DEFAULT_SOCKET "/run/fio/helper.sock"
#endif
#ifndef FIO_DEFAULT_USER
#define FIO_DEFAULT_USER "_fio"
#endif

#define FIO_TIMEOUT_MIN 1
#define FIO_TIMEOUT_MAX 600
#define FIO_PWBUF_MAX (1024 * 1024)

/* "1".."600" only: digits, no sign, no spaces, no trailing text. */
static int
parse_timeout(const char *s, int *ms)
{
	long v = 0;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 3)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < FIO_TIMEOUT_MIN || v > FIO_TIMEOUT_MAX)
		return -1;
	*ms = (int)v * 1000;
	return 0;
}

#define FIO_SUN_PATH_MAX sizeof(((struct sockaddr_un *)NULL)->sun_path)

static int
valid_socket_path(const char *s)
{
	return s[0] == '/' && strlen(s) < FIO_SUN_PATH_MAX;
}

/* Applies one argument; 0 if it was understood, -1 (logged) if not. */
static int
parse_one(pam_handle_t *pamh, const char *arg, struct fio_options *o)
{
	if (strncmp(arg, "socket=", 7) == 0) {
		if (!valid_socket_path(arg + 7)) {
			pam_syslog(pamh, LOG_ERR,
			           "socket= needs an absolute path under %zu bytes: %s",
			           FIO_SUN_PATH_MAX, arg);
			return -1;
		}
		o->socket = arg + 7;
	} else if (strncmp(arg, "helper_user=", 12) == 0) {
		if (arg[12] == '\0' || strlen(arg + 12) > FIO_NAME_MAX) {
			pam_syslog(pamh, LOG_ERR, "helper_user= needs a user name: %s", arg);
			return -1;
		}
		o->helper_user = arg + 12;
	} else if (strcmp(arg, "use_first_pass") == 0) {
		o->flags |= FIO_AUTH_F_USE_AUTHTOK;
	} else if (strcmp(arg, "try_first_pass") == 0) {
		o->flags |= FIO_AUTH_F_TRY_AUTHTOK;
	} else if (strncmp(arg, "factor=", 7) == 0) {
		if (strcmp(arg + 7, "second") != 0) {
			pam_syslog(pamh, LOG_ERR, "factor= accepts only \"second\": %s", arg);
			return -1;
		}
		o->flags |= FIO_AUTH_F_FACTOR_SECOND;
	} else if (strcmp(arg, "nullok") == 0) {
		o->flags |= FIO_AUTH_F_NULLOK;
	} else if (strcmp(arg, "use_authtok") == 0) {
		o->use_authtok = 1;
	} else if (strcmp(arg, "single_prompt") == 0) {
		o->flags |= FIO_AUTH_F_SINGLE_PROMPT;
	} else if (strncmp(arg, "timeout=", 8) == 0) {
		if (parse_timeout(arg + 8, &o->timeout_ms) != 0) {
			pam_syslog(pamh, LOG_ERR, "timeout= needs whole seconds from %d to %d: %s",
			           FIO_TIMEOUT_MIN, FIO_TIMEOUT_MAX, arg);
			return -1;
		}
	} else if (strcmp(arg, "debug") == 0) {
		o->debug = 1;
	} else {
		pam_syslog(pamh, LOG_ERR, "unknown option: %s", arg);
		return -1;
	}
	return 0;
}

/* The helper account's uid, or (uid_t)-1 if it does not exist or cannot be
 * looked up: then only a root-owned server is accepted (fail closed). */
static uid_t
resolve_helper_uid(pam_handle_t *pamh, const struct fio_options *o)
{
	struct passwd pw, *res = NULL;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 16384;
	uid_t uid = (uid_t)-1;
	char *buf = NULL;
	char ebuf[128];
	int r;

	for (;;) {
		char *nbuf = realloc(buf, size);

		if (nbuf == NULL) {
			r = ENOMEM;
			break;
		}
		buf = nbuf;
		r = getpwnam_r(o->helper_user, &pw, buf, size, &res);
		if (r != ERANGE || size >= FIO_PWBUF_MAX)
			break;
		size *= 2;
	}
	if (r == 0 && res != NULL)
		uid = res->pw_uid;
	else if (r != 0)
		pam_syslog(pamh, LOG_WARNING,
		           "cannot look up helper user %s (%s); accepting a root-owned helper only",
		           o->helper_user, strerror_r(r, ebuf, sizeof(ebuf)));
	else if (o->debug)
		pam_syslog(pamh, LOG_DEBUG, "helper user %s does not exist; accepting root only",
		           o->helper_user);
	free(buf);
	return uid;
}

int
fio_options_parse(pam_handle_t *pamh, int argc, const char **argv, struct fio_options *o)
{
	int bad = 0;
	int i;

	memset(o, 0, sizeof(*o));
	o->socket = FIO_DEFAULT_SOCKET;
	o->helper_user = FIO_DEFAULT_USER;
	o->helper_uid = (uid_t)-1;
	o->timeout_ms = FIO_REPLY_DEADLINE_MS;
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL || parse_one(pamh, argv[i], o) != 0)
			bad = 1;
	}
	if (bad)
		return PAM_SERVICE_ERR;
	/* use_first_pass is the stricter of the two; pam_unix lets it win too. */
	if ((o->flags & FIO_AUTH_F_USE_AUTHTOK) != 0)
		o->flags &= ~FIO_AUTH_F_TRY_AUTHTOK;
	o->helper_uid = resolve_helper_uid(pamh, o);
	if (o->debug)
		pam_syslog(pamh, LOG_DEBUG,
		           "options: socket=%s helper_user=%s flags=%#x timeout=%ds", o->socket,
		           o->helper_user, o->flags, o->timeout_ms / 1000);
	return PAM_SUCCESS;
}
