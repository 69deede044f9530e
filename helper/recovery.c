/*
 * recovery.c - single-use recovery codes: generation from the CSPRNG over the
 * Crockford alphabet, canonicalisation of what the user typed, and the salted
 * PBKDF2-HMAC-SHA256 check (one KDF per attempt: the first character is the
 * code's index in the set, so the caller knows which row to check).
 */
#include <string.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "fio-wipe.h"
#include "recovery.h"

#define ALPHABET_LEN (sizeof(FIO_RECOVERY_ALPHABET) - 1)
#define TYPED_MAX 64u            /* longer input is not a recovery code; not scanned */
#define ITERATIONS_MAX 10000000u /* a corrupt row must not pin a worker for minutes */

_Static_assert(ALPHABET_LEN == 32, "recovery alphabet must have 32 characters");
_Static_assert(FIO_RECOVERY_COUNT <= 10, "the index is one decimal digit");
_Static_assert(FIO_RECOVERY_CHARS == 16, "shown as four groups of four");

static int
kdf(const char *canon, const unsigned char salt[FIO_RECOVERY_SALT_LEN], uint32_t iterations,
    unsigned char out[FIO_RECOVERY_HASH_LEN])
{
	if (iterations == 0 || iterations > ITERATIONS_MAX)
		return -1;
	if (PKCS5_PBKDF2_HMAC(canon, (int)FIO_RECOVERY_CHARS, salt, (int)FIO_RECOVERY_SALT_LEN,
	                      (int)iterations, EVP_sha256(), (int)FIO_RECOVERY_HASH_LEN, out) != 1)
		return -1;
	return 0;
}

/* One code: canon[0] is the index, the rest random; rec gets salt and hash. */
static int
make_one(uint32_t idx, uint32_t iterations, char canon[FIO_RECOVERY_CHARS + 1],
         struct fio_recovery_rec *rec)
{
	uint32_t r;
	size_t i;

	canon[0] = FIO_RECOVERY_ALPHABET[idx];
	for (i = 1; i < FIO_RECOVERY_CHARS; i++) {
		if (fio_random_uniform((uint32_t)ALPHABET_LEN, &r) != 0)
			return -1;
		canon[i] = FIO_RECOVERY_ALPHABET[r];
	}
	canon[FIO_RECOVERY_CHARS] = '\0';
	fio_wipe(&r, sizeof(r));
	rec->idx = idx;
	rec->iterations = iterations;
	if (fio_random(rec->salt, sizeof(rec->salt)) != 0)
		return -1;
	return kdf(canon, rec->salt, iterations, rec->hash);
}

/* "ABCDEFGHJKMNPQRS" -> "ABCD-EFGH-JKMN-PQRS" */
static void
show(const char *canon, char shown[FIO_RECOVERY_SHOWN_LEN + 1])
{
	size_t i, o = 0;

	for (i = 0; i < FIO_RECOVERY_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			shown[o++] = '-';
		shown[o++] = canon[i];
	}
	shown[o] = '\0';
}

int
fio_recovery_generate(uint32_t iterations,
                      char shown[FIO_RECOVERY_COUNT][FIO_RECOVERY_SHOWN_LEN + 1],
                      struct fio_recovery_rec recs[FIO_RECOVERY_COUNT])
{
	char canon[FIO_RECOVERY_CHARS + 1];
	uint32_t i;
	int rc = -1;

	if (shown == NULL || recs == NULL || iterations == 0 || iterations > ITERATIONS_MAX)
		return -1;
	for (i = 0; i < FIO_RECOVERY_COUNT; i++) {
		if (make_one(i, iterations, canon, &recs[i]) != 0)
			goto out;
		show(canon, shown[i]);
	}
	rc = 0;
out:
	FIO_WIPE_ARRAY(canon);
	if (rc != 0) {
		fio_wipe(shown, sizeof(shown[0]) * FIO_RECOVERY_COUNT);
		fio_wipe(recs, sizeof(recs[0]) * FIO_RECOVERY_COUNT);
	}
	return rc;
}

/* The alphabet character c stands for after case folding and the look-alike
 * mapping, or 0 if none. */
char
fio_crockford_canon(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		return '0';
	if (c == 'I' || c == 'L')
		return '1';
	if (c == '\0' || strchr(FIO_RECOVERY_ALPHABET, c) == NULL)
		return 0;
	return c;
}

int
fio_crockford_canon_n(const char *typed, size_t len, char *out, size_t nchars)
{
	char buf[FIO_CROCKFORD_MAX + 1];
	size_t i, o = 0;
	int rc = -1;
	char c;

	if (typed == NULL || out == NULL || nchars == 0 || nchars > FIO_CROCKFORD_MAX ||
	    len > TYPED_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		if (typed[i] == '-' || typed[i] == ' ')
			continue;
		c = fio_crockford_canon(typed[i]);
		if (c == 0 || o >= nchars)
			goto out;
		buf[o++] = c;
	}
	if (o != nchars)
		goto out;
	buf[o] = '\0';
	memcpy(out, buf, o + 1);
	rc = 0;
out:
	FIO_WIPE_ARRAY(buf);
	return rc;
}

int
fio_recovery_canon(const char *typed, char *out, size_t outsz, uint32_t *idx)
{
	char buf[FIO_RECOVERY_CHARS + 1];
	int rc = -1;

	if (typed == NULL || out == NULL || outsz < FIO_RECOVERY_CHARS + 1 || idx == NULL)
		return -1;
	if (fio_crockford_canon_n(typed, strnlen(typed, TYPED_MAX + 1), buf, FIO_RECOVERY_CHARS) !=
	            0 ||
	    buf[0] < '0' || buf[0] > '9' || (uint32_t)(buf[0] - '0') >= FIO_RECOVERY_COUNT)
		goto out;
	memcpy(out, buf, sizeof(buf));
	*idx = (uint32_t)(buf[0] - '0');
	rc = 0;
out:
	FIO_WIPE_ARRAY(buf);
	return rc;
}

int
fio_recovery_check(const char *canon, const struct fio_recovery_rec *rec)
{
	unsigned char h[FIO_RECOVERY_HASH_LEN];
	int rc = -1;

	if (canon == NULL || rec == NULL)
		return -1;
	if (strnlen(canon, FIO_RECOVERY_CHARS + 1) != FIO_RECOVERY_CHARS)
		return 0;
	if (kdf(canon, rec->salt, rec->iterations, h) != 0)
		goto out;
	rc = fio_ct_equal(h, rec->hash, sizeof(h));
out:
	FIO_WIPE_ARRAY(h);
	return rc;
}
