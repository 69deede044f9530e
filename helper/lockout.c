/*
 * lockout.c - the failed-attempt state machine (struct fio_lock) and the
 * bounded in-memory tables for unknown names and for sources. See lockout.h.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto.h"
#include "fio-wipe.h"
#include "lockout.h"

/* ---- the state machine ------------------------------------------------------ */

int
fio_lock_begin(struct fio_lock *l, int64_t now, const struct fio_lock_params *p, int *engaged)
{
	if (engaged != NULL)
		*engaged = 0;
	if (l->locked_until > now)
		return FIO_LOCK_LOCKED;
	/* A window that has run out, or a lock that has: count afresh. A clock
	 * that went back (window_start > now) keeps the window. */
	if (l->locked_until != 0 || l->failures == 0 ||
	    now - l->window_start >= (int64_t)p->interval) {
		l->failures = 0;
		l->window_start = now;
		l->locked_until = 0;
	}
	if (l->failures >= p->max_failures) {
		/* an earlier attempt reached the threshold and never ended */
		l->locked_until = now + (int64_t)p->unlock_after;
		if (engaged != NULL)
			*engaged = 1;
		return FIO_LOCK_LOCKED;
	}
	l->failures++;
	return FIO_LOCK_OK;
}

int
fio_lock_fail(struct fio_lock *l, int64_t now, const struct fio_lock_params *p, int second_factor)
{
	int engaged = 0;

	if (l->failures == 0) {
		/* the count was cleared while the attempt ran (fioctl lock clear) */
		l->failures = 1;
		l->window_start = now;
		l->locked_until = 0;
	}
	if (l->failures >= p->max_failures && l->locked_until <= now) {
		l->locked_until = now + (int64_t)p->unlock_after;
		engaged = 1;
	}
	if (second_factor && l->consecutive < UINT32_MAX)
		l->consecutive++;
	return engaged;
}

void
fio_lock_success(struct fio_lock *l, int full_second_factor)
{
	l->failures = 0;
	l->window_start = 0;
	l->locked_until = 0;
	if (full_second_factor)
		l->consecutive = 0;
}

void
fio_lock_uncount(struct fio_lock *l)
{
	if (l->failures > 0)
		l->failures--;
}

uint32_t
fio_lock_failures_at(const struct fio_lock *l, int64_t now, unsigned interval)
{
	if (l->locked_until > now)
		return l->failures;
	if (l->locked_until != 0 || now - l->window_start >= (int64_t)interval)
		return 0;
	return l->failures;
}

int
fio_lock_idle(const struct fio_lock *l, int64_t now, unsigned interval)
{
	return fio_lock_failures_at(l, now, interval) == 0 && l->locked_until <= now &&
	       l->consecutive == 0;
}

unsigned
fio_lock_minutes_left(int64_t until, int64_t now)
{
	int64_t left = until - now;

	if (left <= 60)
		return 1;
	if (left > (int64_t)UINT_MAX * 60 - 59)
		return UINT_MAX;
	return (unsigned)((left + 59) / 60);
}

/* ---- in-memory tables --------------------------------------------------------- */

#define ID_LEN 16u

struct lk_entry {
	unsigned char id[ID_LEN]; /* truncated HMAC of the key */
	unsigned char used;
	struct fio_lock l;
};

struct fio_lockout {
	unsigned mask; /* slots - 1 */
	unsigned used;
	unsigned char key[32];
	struct lk_entry e[];
};

struct fio_lockout *
fio_lockout_new(unsigned slots)
{
	struct fio_lockout *t;
	unsigned n = FIO_LOCKOUT_PROBE;

	while (n < slots && n < (1u << 24))
		n <<= 1;
	t = calloc(1, sizeof(*t) + (size_t)n * sizeof(t->e[0]));
	if (t == NULL)
		return NULL;
	t->mask = n - 1;
	if (fio_random(t->key, sizeof(t->key)) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void
fio_lockout_free(struct fio_lockout *t)
{
	if (t == NULL)
		return;
	fio_wipe(t->key, sizeof(t->key));
	free(t);
}

static int
key_id(const struct fio_lockout *t, const char *key, unsigned char id[ID_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (HMAC(EVP_sha256(), t->key, (int)sizeof(t->key), (const unsigned char *)key, strlen(key),
	         md, &mdlen) == NULL ||
	    mdlen < ID_LEN)
		return -1;
	memcpy(id, md, ID_LEN);
	return 0;
}

static unsigned
first_slot(const struct fio_lockout *t, const unsigned char id[ID_LEN])
{
	return ((unsigned)id[0] | (unsigned)id[1] << 8 | (unsigned)id[2] << 16 |
	        (unsigned)id[3] << 24) &
	       t->mask;
}

/* The entry for id, or NULL. */
static struct lk_entry *
find(struct fio_lockout *t, const unsigned char id[ID_LEN])
{
	unsigned i, s = first_slot(t, id);

	for (i = 0; i < FIO_LOCKOUT_PROBE; i++) {
		struct lk_entry *e = &t->e[(s + i) & t->mask];

		if (e->used && memcmp(e->id, id, ID_LEN) == 0)
			return e;
	}
	return NULL;
}

/* A slot for a new id: an empty one, else an idle one, else the one whose
 * window started first (a lock may be lost only when the table overflows). */
static struct lk_entry *
make(struct fio_lockout *t, const unsigned char id[ID_LEN], int64_t now, unsigned interval)
{
	struct lk_entry *victim = NULL;
	unsigned i, s = first_slot(t, id);

	for (i = 0; i < FIO_LOCKOUT_PROBE; i++) {
		struct lk_entry *e = &t->e[(s + i) & t->mask];

		if (!e->used) {
			victim = e;
			break;
		}
		if (fio_lock_idle(&e->l, now, interval)) {
			victim = e;
			break;
		}
		if (victim == NULL || e->l.window_start < victim->l.window_start)
			victim = e;
	}
	if (!victim->used)
		t->used++;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->id, id, ID_LEN);
	victim->used = 1;
	return victim;
}

static struct lk_entry *
get(struct fio_lockout *t, const char *key, int create, int64_t now, unsigned interval)
{
	unsigned char id[ID_LEN];
	struct lk_entry *e;

	if (t == NULL || key == NULL || key_id(t, key, id) != 0)
		return NULL;
	e = find(t, id);
	if (e == NULL && create)
		e = make(t, id, now, interval);
	return e;
}

int
fio_lockout_begin(struct fio_lockout *t, const char *key, int64_t now,
                  const struct fio_lock_params *p, struct fio_lock *out, int *engaged)
{
	struct lk_entry *e = get(t, key, 1, now, p->interval);
	int r;

	if (e == NULL)
		return -1;
	r = fio_lock_begin(&e->l, now, p, engaged);
	if (out != NULL)
		*out = e->l;
	return r;
}

int
fio_lockout_fail(struct fio_lockout *t, const char *key, int64_t now,
                 const struct fio_lock_params *p, int second_factor, struct fio_lock *out)
{
	struct lk_entry *e = get(t, key, 1, now, p->interval);
	int r;

	if (e == NULL)
		return -1;
	r = fio_lock_fail(&e->l, now, p, second_factor);
	if (out != NULL)
		*out = e->l;
	return r;
}

void
fio_lockout_success(struct fio_lockout *t, const char *key, int full_second_factor)
{
	struct lk_entry *e = get(t, key, 0, 0, 0);

	if (e != NULL)
		fio_lock_success(&e->l, full_second_factor);
}

void
fio_lockout_uncount(struct fio_lockout *t, const char *key)
{
	struct lk_entry *e = get(t, key, 0, 0, 0);

	if (e != NULL)
		fio_lock_uncount(&e->l);
}

void
fio_lockout_clear(struct fio_lockout *t, const char *key)
{
	struct lk_entry *e = get(t, key, 0, 0, 0);

	if (e != NULL) {
		memset(e, 0, sizeof(*e));
		t->used--;
	}
}

unsigned
fio_lockout_count(const struct fio_lockout *t)
{
	return t != NULL ? t->used : 0;
}
