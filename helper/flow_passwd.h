/*
 * flow_passwd.h - pam_sm_chauthtok's conversation (FIO_MSG_CHAUTHTOK): the
 * current password (or an outstanding reset / invitation code) in the
 * PRELIM phase, the new password twice with the quality rules in the UPDATE
 * phase; and the reset and invitation codes themselves.
 */
#ifndef FIO_FLOW_PASSWD_H
#define FIO_FLOW_PASSWD_H

#include <stddef.h>
#include <stdint.h>

#include "fio-codec.h"
#include "fio-proto.h"

struct fio_conn;
struct fio_user;

/* Handler for a CHAUTHTOK request (payload positioned after the type). -1 on
 * a decode error (the connection is closed). */
int flow_passwd_start(struct fio_conn *c, struct fio_buf *payload);

/* A new reset/invitation code: shown gets "XXXXX-XXXXX-XXXXX-XXXXX"
 * (NUL-terminated), canon its canonical form (FIO_RESET_CHARS + NUL), which
 * is what gets hashed. 0 or -1. The caller wipes both. */
#define FIO_RESET_SHOWN_LEN (FIO_RESET_CHARS + 3u)
int fio_reset_generate(char shown[FIO_RESET_SHOWN_LEN + 1], char canon[FIO_RESET_CHARS + 1]);
/* Canonicalises a typed code like fio_recovery_canon (dashes and spaces
 * dropped, upper-cased, Crockford look-alikes mapped): 0 if it has the shape
 * of a reset code (exactly FIO_RESET_CHARS alphabet characters), else -1. */
int fio_reset_canon(const char *typed, size_t len, char canon[FIO_RESET_CHARS + 1]);
/* 1 if the account has a reset/invitation code valid at now. */
int fio_reset_outstanding(const struct fio_user *u, int64_t now);

#endif /* FIO_FLOW_PASSWD_H */
