/*
 * lockout.h - counting failed attempts and locking (DESIGN.md "Accounts and
 * lockout").
 *
 * One state machine on struct fio_lock serves every counter: the store keeps
 * one per account (store_sqlite.c), and the in-memory tables here keep one per
 * name that is not in the store and one per source, so that an unknown name
 * locks exactly like a real one.
 *
 * An attempt is counted when it starts (fio_lock_begin), before anything is
 * verified: of N attempts that start together at failures = max - 1, one goes
 * on and the others are refused as locked. A success takes its count back
 * (fio_lock_success); a failure leaves it and engages the lock at the
 * threshold (fio_lock_fail). An attempt that never ends (a crash, a client
 * that hangs up) stays counted, and the next attempt engages the lock.
 */
#ifndef FIO_LOCKOUT_H
#define FIO_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>

#define FIO_LOCK_OK 0
#define FIO_LOCK_LOCKED 1

struct fio_lock {
	uint32_t failures;    /* attempts counted in the current window */
	uint32_t consecutive; /* second-factor failures since the last full success */
	int64_t window_start; /* unix seconds: the window is [window_start, + interval) */
	int64_t locked_until; /* unix seconds; 0 if no lock was engaged since the last reset */
};

struct fio_lock_params {
	unsigned max_failures; /* attempts per window; the lock engages at this many */
	unsigned interval;     /* seconds a window lasts */
	unsigned unlock_after; /* seconds a lock lasts */
};

/* Start of an attempt at now. A lock still running: FIO_LOCK_LOCKED, nothing
 * changed. A lock that has run out, or a window that has: counting starts
 * afresh. Failures already at the threshold (an attempt that never ended):
 * the lock engages now (*engaged = 1) and FIO_LOCK_LOCKED. Otherwise the
 * attempt is counted and FIO_LOCK_OK. engaged may be NULL. */
int fio_lock_begin(struct fio_lock *l, int64_t now, const struct fio_lock_params *p, int *engaged);

/* A failed attempt (already counted by fio_lock_begin). At the threshold the
 * lock engages until now + unlock_after; second_factor (the password was right,
 * the code wrong) also counts one consecutive second-factor failure. Returns 1
 * if this call engaged the lock, else 0. */
int fio_lock_fail(struct fio_lock *l, int64_t now, const struct fio_lock_params *p,
                  int second_factor);

/* A successful login: failures and the lock are cleared; the consecutive
 * second-factor failures only if full_second_factor (a code was verified). */
void fio_lock_success(struct fio_lock *l, int full_second_factor);

/* Takes back the count of one attempt that ended well (per-source counters: a
 * success from a source does not wipe that source's earlier failures). */
void fio_lock_uncount(struct fio_lock *l);

/* The failures that count at now (0 once the window or the lock has run out). */
uint32_t fio_lock_failures_at(const struct fio_lock *l, int64_t now, unsigned interval);

/* 1 if l says nothing any more at now (may be forgotten). */
int fio_lock_idle(const struct fio_lock *l, int64_t now, unsigned interval);

/* Minutes (rounded up, at least 1) until until, seen at now. */
unsigned fio_lock_minutes_left(int64_t until, int64_t now);

/* ---- in-memory tables ---------------------------------------------------- */

/* A fixed-size table of struct fio_lock by key string. Keys are stored only as
 * a keyed hash (HMAC-SHA-256 under a random per-process key, truncated), so
 * memory is bounded and nobody can aim names at one slot. A key goes to one of
 * FIO_LOCKOUT_PROBE slots; when all are taken, an idle entry is replaced, else
 * the one whose window started first. The tables live in struct fio_server and
 * are used from the main thread only; they are lost on restart. */
#define FIO_LOCKOUT_SLOTS 4096u
#define FIO_LOCKOUT_PROBE 8u

struct fio_lockout;

/* slots is rounded up to a power of two (at least FIO_LOCKOUT_PROBE). NULL if
 * out of memory or the RNG fails. */
struct fio_lockout *fio_lockout_new(unsigned slots);
void fio_lockout_free(struct fio_lockout *t);

/* fio_lock_begin / fio_lock_fail on the entry for key (created if missing);
 * out (may be NULL) gets the entry afterwards. -1 if the key cannot be hashed
 * (the caller fails closed). */
int fio_lockout_begin(struct fio_lockout *t, const char *key, int64_t now,
                      const struct fio_lock_params *p, struct fio_lock *out, int *engaged);
int fio_lockout_fail(struct fio_lockout *t, const char *key, int64_t now,
                     const struct fio_lock_params *p, int second_factor, struct fio_lock *out);
/* fio_lock_success / fio_lock_uncount on key's entry, if there is one. */
void fio_lockout_success(struct fio_lockout *t, const char *key, int full_second_factor);
void fio_lockout_uncount(struct fio_lockout *t, const char *key);
/* Forgets key's entry. */
void fio_lockout_clear(struct fio_lockout *t, const char *key);
/* Entries in use (for tests and the log). */
unsigned fio_lockout_count(const struct fio_lockout *t);

#endif /* FIO_LOCKOUT_H */
