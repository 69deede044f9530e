/*
 * quality.h - the password rules (DESIGN.md "Accounts and lockout"; NIST
 * 800-63B 5.1.1.2): length first, counted in characters (Unicode code points),
 * between password.min_length and password.max_length (and at most
 * FIO_PASSWORD_MAX bytes); valid UTF-8 without control characters; then
 * libpwquality's checks (its dictionary of common and cracked passwords when
 * password.dictionary is on, palindromes, too similar to the old password,
 * the user name) and our own: not the user name or the e-mail address (or its
 * local part), in any case, forwards or backwards, nor containing them. No
 * composition rules (NIST).
 *
 * Used by the chauthtok flow and by fioctl user add / passwd, on worker
 * threads: a check reads only its arguments (libpwquality's settings are
 * made per call, and its dictionary look-up is serialised inside).
 */
#ifndef FIO_QUALITY_H
#define FIO_QUALITY_H

#include <stddef.h>

#define FIO_QUALITY_MSG_MAX 256u

/* The rules: a plain value, copied into each job. */
struct fio_quality {
	unsigned min_length; /* characters (password.min_length) */
	unsigned max_length; /* characters (password.max_length) */
	int dictionary;      /* password.dictionary */
};

/* Checks once, at start-up and reload, that libpwquality can be set up with
 * these rules (with dictionary on: that its dictionary is installed). 0, or
 * -1 with a one-line reason in err naming what to install or change. */
int fio_quality_selftest(const struct fio_quality *q, char *err, size_t errlen);

/* Checks pw (len bytes, may hold anything: NUL, UTF-8 and control characters
 * are checked first) for user (email may be NULL or ""; old may be NULL when
 * the old password is not known, e.g. an admin setting it).
 * 1 if acceptable; 0 if not, with the reason for the user in msg, one
 * sentence ending in '.', for example "The password is shorter than 12
 * characters.", "The password is based on a dictionary word.", "The password
 * contains the user name."; -1 on an internal error (msg says so). The reason
 * never contains the password. */
int fio_quality_check(const struct fio_quality *q, const char *pw, size_t len, const char *user,
                      const char *email, const char *old, char *msg, size_t msglen);

#endif /* FIO_QUALITY_H */
