/*
 * options.h - the module arguments of pam_fio.so (see pam_fio(8)).
 */
#ifndef PAM_FIO_OPTIONS_H
#define PAM_FIO_OPTIONS_H

#include <stdint.h>
#include <sys/types.h>

#include <security/pam_modules.h>

struct fio_options {
	const char *socket;      /* absolute path; points into argv or a literal */
	const char *helper_user; /* the helper's account name */
	uid_t helper_uid;        /* its uid, or (uid_t)-1: accept a root-owned server only */
	uint32_t flags;          /* FIO_AUTH_F_* asked for by the options */
	int timeout_ms;          /* deadline for each helper reply */
	int use_authtok;         /* chauthtok: the new password is PAM_AUTHTOK */
	int debug;
};

/* Fills o with the defaults, then applies argv. Each unknown option or bad
 * value is logged; any of them makes the result PAM_SERVICE_ERR. On success
 * the helper user is resolved (a missing account leaves helper_uid = -1). */
int fio_options_parse(pam_handle_t *pamh, int argc, const char **argv, struct fio_options *o);

#endif /* PAM_FIO_OPTIONS_H */
