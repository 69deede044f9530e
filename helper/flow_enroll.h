/*
 * flow_enroll.h - the enrolment conversation (authenticator app) and the
 * recovery-code set, shared by fioctl (flow_ctl.c) and, later, by an
 * enrolment inside the login conversation.
 *
 * Each flow ends by calling done() exactly once: done(c, result, arg) with
 * FIO_RESULT_OK, _DENIED (three wrong codes), _USAGE (bad import secret,
 * invalid label, or the account has FIO_TOTP_PER_USER_MAX other
 * authenticators already), _PERM (the user vanished meanwhile) or _UNAVAILABLE; or done(NULL, ...,
 * arg) if the connection went away (nothing is stored then). The flow sends
 * its own INFO/RECORD/PROMPT messages and writes its own audit line, but never
 * the VERDICT: that is the caller's.
 */
#ifndef FIO_FLOW_ENROLL_H
#define FIO_FLOW_ENROLL_H

#include <stdint.h>

struct fio_conn;
struct fio_user;

typedef void (*flow_enroll_done_fn)(struct fio_conn *c, uint32_t result, void *arg);

#define FLOW_ENROLL_F_RECORDS 0x1u /* also send RECORDs (fioctl --json) */
#define FLOW_ENROLL_F_CONFIRM_SAVED                                                                \
	0x2u /* new recovery codes: ask FLOW_ENROLL_SAVED_PROMPT after showing them and store \
	        nothing until it is answered (the login's enrolment; the codes then travel   \
	        with a prompt, which every PAM client shows) */
#define FLOW_ENROLL_SAVED_PROMPT "Press Enter once you have saved the recovery codes: "

struct flow_enroll_opts {
	uint32_t flags;         /* FLOW_ENROLL_F_* */
	const char *service;    /* for the audit line and the notice */
	const char *rhost;      /* the same (may be NULL) */
	const char *import_b32; /* non-NULL: import this base32 secret without a
	                           prompt (admin only; read during the call only) */
	const char *label;      /* the authenticator (store.h); NULL or "": "default".
	                           An existing label is replaced, the others kept */
};

/* Interactive enrolment of u (copied; u may be freed after the call) under
 * the label "default": shows the secret (grouped base32), the otpauth:// URI
 * and a QR code, asks for one code (three tries), then stores the secret and,
 * if the account would have no other authenticator or has no unused recovery
 * code left, ten new recovery codes, shown once (else "Your recovery codes
 * are unchanged."). */
void flow_enroll_run(struct fio_conn *c, const struct fio_user *u, flow_enroll_done_fn done,
                     void *arg);
/* The same with options (records, audit service, import, label). */
void flow_enroll_start(struct fio_conn *c, const struct fio_user *u,
                       const struct flow_enroll_opts *o, flow_enroll_done_fn done, void *arg);
/* Replaces u's recovery codes with a new set and shows it once. */
void flow_recovery_regen_run(struct fio_conn *c, const struct fio_user *u,
                             const struct flow_enroll_opts *o, flow_enroll_done_fn done, void *arg);

/* Short lower-case name of a FIO_RESULT_* for audit lines ("ok", "perm", ...). */
const char *flow_result_name(uint32_t result);

#endif /* FIO_FLOW_ENROLL_H */
