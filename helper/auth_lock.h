/*
 * auth_lock.h - the lockout side of one login (flow_auth.c): which counters
 * apply, whether the attempt may verify anything, what is counted at the end,
 * and the message for a locked attempt. The rules are in lockout.h; the
 * account's counter is in the store, the others in memory (struct fio_server).
 *
 * Counters that apply to a login:
 *   the account   the store row of a known user the caller may ask about;
 *   the name      in memory, for every other name (unknown, or refused
 *                 caller), with the same limits, so that it locks the same way;
 *   the source    in memory: "rhost:" PAM_RHOST when the caller is uid 0 and
 *                 sets it, else "ruser:" PAM_RUSER when the caller is uid 0 and
 *                 sets that (su, sudo), else nothing for uid 0 (a local login
 *                 with no source: a shared bucket would let one local user lock
 *                 every console login); for any other caller "uid:" its uid (a
 *                 non-root caller's claims are never trusted).
 * A locked source counts nothing against the account (the per-source limit
 * engages first, so a spray cannot lock its victims out). A name counted in
 * memory still costs the durable store write an account's attempt costs
 * (fio_store_lock_pad), so that the time taken does not tell them apart.
 */
#ifndef FIO_AUTH_LOCK_H
#define FIO_AUTH_LOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fio-proto.h"
#include "flow_auth.h"
#include "store.h"

struct fio_server;

#define AUTH_LOCK_KEY_MAX (FIO_HOST_MAX + 8)

struct auth_lock {
	int locked;       /* a lock is running (account, name or source): verify nothing */
	int capped;       /* the account's second-factor failures are at the hard cap */
	int64_t until;    /* when the running lock ends */
	int user_counted; /* the attempt was counted against the account or the name */
	int src_counted;  /* ... and against the source */
	int64_t user_id;  /* the store account counted, or 0: the name in memory */
	char email[FIO_EMAIL_MAX + 1]; /* the account's address for the hard-cap notice */
	char name_key[FIO_NAME_MAX + 8];
	char src_key[AUTH_LOCK_KEY_MAX]; /* "" if no source counter applies */
};

/* At the start of a login, before any prompt: counts the attempt (lockout.h).
 * u is the store account when the name is known and the caller may ask about
 * it, else NULL. The account whose NSS uid is 0 is not counted at all when
 * lockout.exempt_root is set (its sources still are). 0, or -1 if the state
 * cannot be read or written (the caller fails closed). */
int auth_lock_start(struct fio_server *s, struct auth_lock *al, uid_t caller,
                    const struct fio_auth_req *r, const struct fio_user *u);

/* At the end, with the verdict about to be sent. DENIED and LOCKED count as
 * failures where the attempt was counted (a running lock counted nothing);
 * OK resets the account (second_factor_ok: a code was verified, which also
 * resets the hard cap) and takes back the source's count; anything else
 * (unavailable, cancelled) leaves the attempt counted. code_failed: the
 * password was right and the code wrong. Engaged locks are audited ("lock");
 * the failure that brings an account to the second-factor hard cap is also
 * notified to its owner (notify.h event "second_factor_capped", never a code),
 * once: attempts at the cap count no further code failures. */
void auth_lock_end(struct fio_server *s, struct auth_lock *al, uid_t caller,
                   const struct fio_auth_req *r, uint32_t result, int code_failed,
                   int second_factor_ok);

/* The message shown with FIO_RESULT_LOCKED (the same for every name). */
void auth_lock_message(const struct auth_lock *al, char *buf, size_t size);

#endif /* FIO_AUTH_LOCK_H */
