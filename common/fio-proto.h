/*
 * fio-proto.h - the pam_fio wire protocol (pam_fio.so, fioctl  <->  fio-helperd).
 *
 * This header is the specification. The module, the helper and fioctl encode and
 * decode every message with the codec in fio-codec.h and the framing in
 * fio-frame.h; nothing else touches the bytes.
 *
 * Transport: AF_UNIX stream socket. One connection carries one conversation (one
 * pam_sm_* call or one fioctl command) and is closed afterwards.
 *
 * Frame (all integers big-endian):
 *     u32  length      bytes that follow: 4 (type + reserved) + payload,
 *                      FIO_FRAME_MIN..FIO_FRAME_MAX
 *     u16  type        FIO_MSG_*
 *     u16  reserved    must be 0 (non-zero: malformed)
 *     ...  payload     the fields of that type, in the order documented below
 *
 * Field encodings:
 *     U32 / U64        big-endian
 *     STR              u32 length || bytes; valid UTF-8, no NUL, <= the field's limit
 *     SECRET           as STR (but may hold any non-NUL bytes up to FIO_SECRET_MAX);
 *                      decoded into memory that is wiped when freed; never logged
 *
 * A malformed frame, an unknown type, a type out of order, an over-limit field or
 * a trailing byte closes the connection. No error frame is sent for those.
 *
 * Conversation:
 *     client                                   helper
 *     HELLO(version, kind)             -->
 *                                      <--     HELLO(version, 0)
 *     one request: AUTH | ACCT | CTL   -->
 *                                      <--     any number of INFO / RECORD,
 *                                              then either PROMPT (client answers
 *                                              with ANSWER carrying the same id and
 *                                              the helper continues) or VERDICT
 *                                              (the helper closes after it).
 *
 * If the versions differ the helper still answers HELLO with its own version and
 * then closes; the client reports "protocol version mismatch" naming both.
 *
 * INFO messages that precede a PROMPT are handed to pam_conv() in the same call as
 * that prompt (OpenSSH before 10.3 holds keyboard-interactive info text until the
 * next prompt). INFO messages that precede a VERDICT are shown in one call before
 * the verdict is returned.
 */
#ifndef FIO_PROTO_H
#define FIO_PROTO_H

#include <stdint.h>

#define FIO_PROTO_VERSION 1u

/* Frame sizes: the length word counts the type/reserved header and the payload. */
#define FIO_FRAME_HDR 4u
#define FIO_FRAME_MIN FIO_FRAME_HDR
#define FIO_FRAME_MAX 16384u

/* Per-field limits (bytes, without any terminator). */
#define FIO_NAME_MAX 256u   /* user, service, group */
#define FIO_HOST_MAX 256u   /* PAM_RHOST */
#define FIO_TTY_MAX 64u     /* PAM_TTY */
#define FIO_EMAIL_MAX 254u  /* RFC 5321 path limit */
#define FIO_SECRET_MAX 512u /* = PAM_MAX_RESP_SIZE: passwords, codes, answers */
#define FIO_PROMPT_MAX 512u /* = PAM_MAX_MSG_SIZE */
#define FIO_TEXT_MAX 8192u  /* INFO text, e.g. the enrolment QR code */
#define FIO_ARG_MAX 1024u   /* CTL argument */
#define FIO_KEY_MAX 64u     /* RECORD key */
#define FIO_VALUE_MAX 1024u /* RECORD value */
#define FIO_RECORD_FIELDS_MAX 32u
#define FIO_MAX_PROMPTS 32u /* prompts per conversation */
#define FIO_MAX_PENDING 31u /* INFO messages queued before one PROMPT (+1 = PAM_MAX_NUM_MSG) */
#define FIO_MAX_RECORDS 100000u

/* Deadlines (milliseconds, CLOCK_MONOTONIC, absolute per step). */
#define FIO_FRAME_DEADLINE_MS 2000    /* a started frame must complete within this */
#define FIO_HELLO_DEADLINE_MS 5000    /* helper: first frame after accept */
#define FIO_ANSWER_DEADLINE_MS 120000 /* helper: a human's answer to one PROMPT */
#define FIO_REPLY_DEADLINE_MS 30000   /* client: the helper's next frame */
#define FIO_CONNECT_DEADLINE_MS 5000  /* client: connect + HELLO */

enum fio_msg {
	/* client -> helper */
	FIO_MSG_HELLO = 1,     /* U32 version, U32 client kind (FIO_CLIENT_*) */
	FIO_MSG_AUTH = 2,      /* STR service, STR user, STR rhost, STR ruser, STR tty,
	                          U32 flags (FIO_AUTH_F_*), SECRET authtok (PAM_AUTHTOK of the
	                          stack; empty unless FIO_AUTH_F_USE_AUTHTOK/TRY_AUTHTOK) */
	FIO_MSG_ACCT = 3,      /* STR service, STR user, STR rhost, STR ruser, STR tty,
	                          U32 flags (FIO_AUTH_F_*) */
	FIO_MSG_ANSWER = 4,    /* U32 prompt id, SECRET answer */
	FIO_MSG_CTL = 5,       /* U32 command (FIO_CTL_*), U32 flags (FIO_CTL_F_*), STR user,
	                          STR arg, SECRET secret (may be empty) */
	FIO_MSG_SESSION = 6,   /* U32 op (FIO_SESSION_OPEN/_CLOSE), STR service, STR user,
	                          STR rhost, STR tty. The session leader is the caller's
	                          process (SO_PEERCRED pid); uid 0 may register any user,
	                          others only their own account. VERDICT: OK, IGNORE (not
	                          an account of the store, or not the caller's), DENIED
	                          (too many sessions, or the caller's process is gone),
	                          UNAVAILABLE. */
	FIO_MSG_CHAUTHTOK = 7, /* pam_sm_chauthtok: STR service, STR user, STR rhost,
	                        STR ruser, STR tty, U32 flags (FIO_AUTH_F_* and
	                        FIO_CHTOK_F_*; exactly one of PRELIM and UPDATE),
	                        SECRET oldauthtok (PAM_OLDAUTHTOK; may be empty),
	                        SECRET newauthtok (PAM_AUTHTOK with use_authtok;
	                        may be empty). PRELIM: checks the current password
	                        (or an outstanding reset/invitation code) unless
	                        FIO_CHTOK_F_ROOT; its FIO_PROMPT_F_AUTHTOK answer
	                        becomes PAM_OLDAUTHTOK on OK. UPDATE: checks the
	                        current password again, asks the new one twice,
	                        applies the quality rules and stores it; its
	                        FIO_PROMPT_F_AUTHTOK answer becomes PAM_AUTHTOK on
	                        OK. VERDICT: OK, IGNORE (not a password of the
	                        store: left to other modules), DENIED (wrong
	                        current password, refused new one, or a caller
	                        asking about another account), LOCKED, SUSPENDED,
	                        UNAVAILABLE, CONV. */

	/* helper -> client */
	FIO_MSG_PROMPT = 64,  /* U32 prompt id, U32 style (FIO_PROMPT_*), U32 flags
	                         (FIO_PROMPT_F_*), STR text (<= FIO_PROMPT_MAX) */
	FIO_MSG_INFO = 65,    /* U32 kind (FIO_INFO_*), STR text (<= FIO_TEXT_MAX) */
	FIO_MSG_RECORD = 66,  /* U32 n (<= FIO_RECORD_FIELDS_MAX), n x (STR key, STR value) */
	FIO_MSG_VERDICT = 67, /* U32 result (FIO_RESULT_*), U32 authtok_len: how many
	                         leading bytes of the answer to the FIO_PROMPT_F_AUTHTOK prompt
	                         are the password (0: none; the module sets PAM_AUTHTOK to
	                         them on FIO_RESULT_OK only) */
};

enum fio_client_kind {
	FIO_CLIENT_PAM = 1,
	FIO_CLIENT_CTL = 2,
};

/* AUTH / ACCT flags. From callers other than uid 0 the helper ignores
 * FIO_AUTH_F_FACTOR_SECOND: a claim can never lower what is required. */
#define FIO_AUTH_F_FACTOR_SECOND 0x1u /* password checked by an earlier module */
#define FIO_AUTH_F_USE_AUTHTOK 0x2u   /* use_first_pass: the authtok, never prompt */
#define FIO_AUTH_F_TRY_AUTHTOK 0x4u   /* try_first_pass: the authtok, prompt if wrong */
#define FIO_AUTH_F_SINGLE_PROMPT 0x8u /* password and code typed as one answer */
#define FIO_AUTH_F_AFTER_AUTH                                                                      \
	0x10u /* ACCT: pam_fio's auth succeeded in this PAM                                        \
	         transaction and already showed the policy                                         \
	         notices (grace, pass); do not repeat them */
#define FIO_AUTH_F_NULLOK                                                                          \
	0x20u /* with FACTOR_SECOND: an account that is not in the store                           \
	         (NSS only) and that no policy covers is left to the other                         \
	         modules (IGNORE) instead of being asked for a code, like                          \
	         pam_google_authenticator's nullok; honoured from uid 0 only */
#define FIO_AUTH_F_KNOWN 0x3fu

/* CHAUTHTOK flags (with FIO_AUTH_F_USE_AUTHTOK / _TRY_AUTHTOK applying to the
 * old password). FIO_CHTOK_F_ROOT is believed from uid 0 callers only. */
#define FIO_CHTOK_F_PRELIM 0x100u /* PAM_PRELIM_CHECK */
#define FIO_CHTOK_F_UPDATE 0x200u /* PAM_UPDATE_AUTHTOK */
#define FIO_CHTOK_F_ROOT                                                                           \
	0x400u /* the application's real uid is 0 and this is                                      \
	          not an expired-password change: no current                                       \
	          password is asked (like pam_unix) */
#define FIO_CHTOK_F_EXPIRED_ONLY                                                                   \
	0x800u /* PAM_CHANGE_EXPIRED_AUTHTOK: change only if                                       \
	          a change is due (else OK, nothing asked) */
#define FIO_CHTOK_F_NEW_AUTHTOK                                                                    \
	0x1000u /* use_authtok: newauthtok is the new password                                     \
	           (checked once, not asked) */
#define FIO_CHTOK_F_KNOWN (FIO_AUTH_F_USE_AUTHTOK | FIO_AUTH_F_TRY_AUTHTOK | 0x1f00u)

enum fio_session_op {
	FIO_SESSION_OPEN = 1,
	FIO_SESSION_CLOSE = 2,
};

enum fio_prompt_style {
	FIO_PROMPT_ECHO_OFF = 1,
	FIO_PROMPT_ECHO_ON = 2,
};
#define FIO_PROMPT_F_AUTHTOK 0x1u /* the answer is (or starts with) the password */
#define FIO_PROMPT_F_KNOWN 0x1u

enum fio_info_kind {
	FIO_INFO_TEXT = 1,  /* PAM_TEXT_INFO, fioctl: stdout */
	FIO_INFO_ERROR = 2, /* PAM_ERROR_MSG, fioctl: stderr */
};

enum fio_result {
	FIO_RESULT_OK = 0,
	FIO_RESULT_DENIED = 1,      /* generic "Authentication failed" */
	FIO_RESULT_LOCKED = 2,      /* too many failures; wait */
	FIO_RESULT_NEW_AUTHTOK = 3, /* password change required */
	FIO_RESULT_SUSPENDED = 4,   /* account suspended by an administrator (only
	                               after the right credentials, or from ACCT) */
	FIO_RESULT_UNAVAILABLE = 5, /* helper-side store, key or config failure */
	FIO_RESULT_IGNORE = 6,      /* pam_fio has nothing to say for this user */
	FIO_RESULT_USAGE = 7,       /* CTL: bad arguments (message in INFO) */
	FIO_RESULT_PERM = 8,        /* CTL: not allowed, or no such user (not told apart) */
	FIO_RESULT_EXISTS = 9,      /* CTL: the user already exists */
	FIO_RESULT_CONV = 10,       /* the conversation was cancelled by the user */
	FIO_RESULT_NEEDS_2FA = 11,  /* ACCT: 2FA is required and not set up (overdue) */
	FIO_RESULT_MAX = 11,
};

/* fioctl commands (FIO_MSG_CTL). "admin" = uid 0 or a member of admin_group;
 * "self" = the caller's uid is the uid NSS maps the user to. A self-service
 * command first runs the login conversation (password, then the second factor
 * if enrolled) before it acts. Refusals of other users look exactly like
 * "no such user" (FIO_RESULT_PERM). */
enum fio_ctl_cmd {
	FIO_CTL_STATUS = 1,         /* anyone: RECORD {version, backend, users?(admin)} */
	FIO_CTL_USER_ADD = 2,       /* admin: user, arg = e-mail, secret = password (may be
	                               empty; the quality rules apply). FIO_CTL_F_INVITE:
	                               no password, an invitation code valid for
	                               password.invite_ttl instead (RECORD {user, code
	                               (shown once; "-" with FIO_CTL_F_SEND), expires}),
	                               FIO_CTL_F_SEND: sent to the account's e-mail by the
	                               notify command (USAGE without e-mail or command) */
	FIO_CTL_USER_DEL = 3,       /* admin: user */
	FIO_CTL_USER_SHOW = 4,      /* admin or self: RECORD {name, email, password, totp
	                               ("enrolled" or "none"), authenticators (their labels,
	                               comma-separated, in enrolment order; "" if none),
	                               recovery_codes_left, created, suspended ("yes" or
	                               "no"), suspend_reason ("" if none),
	                               password_change_due ("yes" or "no"), reset_code
	                               ("none", or "reset|invitation valid until|expired
	                               TIME")} */
	FIO_CTL_USER_LIST = 5,      /* admin: one RECORD per user */
	FIO_CTL_PASSWD = 6,         /* admin or self: secret = new password (quality rules
	                               apply; the message says which). Admin only:
	                               FIO_CTL_F_RESET: no password; a reset code valid for
	                               password.reset_ttl replaces any earlier one and a
	                               change is due at the next login (RECORD {user, code
	                               ("-" with FIO_CTL_F_SEND), expires});
	                               FIO_CTL_F_EXPIRE: a change is due at the next login */
	FIO_CTL_ENROLL = 7,         /* admin or self: interactive; secret = base32 to import
	                               (admin only); arg = authenticator label, 1..32 bytes
	                               of [A-Za-z0-9._-] ("" = "default"): enrolling an
	                               existing label replaces that authenticator only;
	                               at most 5 per account (USAGE beyond). New recovery
	                               codes only if the account has no other
	                               authenticator or no unused code */
	FIO_CTL_UNENROLL = 8,       /* admin or self: arg = label ("" = all authenticators
	                               and the recovery codes); removing the last one
	                               removes the codes too; an unknown label is USAGE */
	FIO_CTL_RECOVERY_REGEN = 9, /* admin or self: new set of recovery codes */
	FIO_CTL_LOCK_SHOW = 10,     /* admin: user optional; one RECORD {user, failures,
	                               locked_until (ISO 8601 UTC or "-"), consecutive} for
	                               that user, or one per account with failures in the
	                               current window, a lock or second-factor failures */
	FIO_CTL_LOCK_CLEAR = 11,    /* admin: user; clears failures, lock and the
	                               second-factor hard cap */
	FIO_CTL_SESSIONS = 12,      /* admin (user optional) or self: one RECORD per open
	                               session {id, user, service, tty, rhost, pid,
	                               started (ISO 8601 UTC)} */
	FIO_CTL_ENFORCE_LIST = 13,  /* uid 0 only: one RECORD per registered session
	                               {id, user, pid, pid_start, action ("end" or
	                               "keep"), reason} where pid_start is the leader's
	                               start time (/proc/PID/stat field 22, decimal;
	                               "0" if unknown) */
	FIO_CTL_SESSION_END = 14,   /* uid 0 only: user; arg = "ID REASON" where REASON
	                               is "gone" (the leader no longer exists: the row is
	                               dropped quietly) or the reason from ENFORCE_LIST
	                               (the session was ended: audit + notify) */
	FIO_CTL_PASS_GRANT = 15,    /* admin: user, arg = hours ("" = pass.default);
	                               RECORD {user, until (ISO 8601 UTC)} */
	FIO_CTL_PASS_REVOKE = 16,   /* admin: user; ends the pass now (as if it expired) */
	FIO_CTL_POLICY_STATUS = 17, /* admin: user optional, arg = "" or a group name
	                               (only members of that group); one RECORD per
	                               account {user, state, deadline, pass_until,
	                               policy}; state is one of FIO_PSTATE_NAMES */
	FIO_CTL_USER_SSO = 18,      /* admin: user, arg = "on" or "off" */
	FIO_CTL_USER_SUSPEND = 19,  /* admin: user, arg = reason (may be empty; at most
	                               FIO_SUSPEND_REASON_MAX bytes, no control
	                               characters); logins and ACCT then end with
	                               FIO_RESULT_SUSPENDED, ENFORCE_LIST ends the
	                               sessions ("account suspended") and the
	                               remembered sources are forgotten */
	FIO_CTL_USER_RESUME = 20,   /* admin: user; lifts the suspension */
	FIO_CTL_ACTIVITY = 21,      /* admin (any valid name, an account or not) or
	                               self (no re-authentication): user, arg = "" or
	                               "since" as a unix time in decimal; one RECORD
	                               per event {time (ISO 8601 UTC), event, service,
	                               rhost, tty, result, reason}, oldest first; the
	                               newest 10000 if there are more */
	FIO_CTL_MAX = 21,
};
#define FIO_CTL_F_JSON 0x1u    /* the client wants RECORDs rather than prose */
#define FIO_CTL_F_SSO 0x2u     /* USER_ADD: the account is managed by single sign-on */
#define FIO_CTL_F_RESET 0x4u   /* PASSWD: issue a reset code */
#define FIO_CTL_F_SEND 0x8u    /* PASSWD / USER_ADD: deliver the code by notify */
#define FIO_CTL_F_INVITE 0x10u /* USER_ADD: an invitation code, no password */
#define FIO_CTL_F_EXPIRE 0x20u /* PASSWD: a change is due at the next login */
#define FIO_CTL_F_KNOWN 0x3fu
#define FIO_SUSPEND_REASON_MAX 200u /* USER_SUSPEND: bytes of the reason */

/* Policy states as they appear in RECORDs (policy.h has the rules):
 * "none" (no policy requires 2FA), "sso", "enrolled", "grace", "overdue",
 * "pass", "pass_expired". Times in RECORDs are ISO 8601 UTC or "-". */

/* Recovery codes as shown: 4 groups of 4 characters from FIO_RECOVERY_ALPHABET,
 * separated by '-'. The first character is the code's public index in its set. */
#define FIO_RECOVERY_COUNT 10u
#define FIO_RECOVERY_CHARS 16u
#define FIO_RECOVERY_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/* Reset and invitation codes as shown: 4 groups of 5 characters of
 * FIO_RECOVERY_ALPHABET separated by '-' (100 random bits). Typed at the
 * password prompt (or as the current password of a change) in place of the
 * password; they lead to a forced change. */
#define FIO_RESET_CHARS 20u

#endif /* FIO_PROTO_H */
