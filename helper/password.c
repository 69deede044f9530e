/*
 * password.c - password hashes with libxcrypt. New hashes are yescrypt at the
 * configured cost; any hash crypt_rn knows verifies (imported from shadow).
 * struct crypt_data is ~32 KiB and holds the password's derived state: it lives
 * on the heap and is wiped before it is freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>

#include "crypto.h"
#include "fio-proto.h"
#include "fio-wipe.h"
#include "password.h"

#define YESCRYPT_PREFIX "$y$"
#define COST_MIN 1u /* libxcrypt's yescrypt range; 0 would mean "default" */
#define COST_MAX 11u
#define DUMMY_BYTES 32u
/* libxcrypt copies the phrase into a CRYPT_MAX_PASSPHRASE_SIZE buffer with its
 * NUL, so 511 bytes is the longest it hashes; a 512-byte answer (allowed by
 * FIO_SECRET_MAX) is refused here rather than failing inside crypt_rn. */
#define PW_MAX                                                                                     \
	(FIO_SECRET_MAX < CRYPT_MAX_PASSPHRASE_SIZE ? FIO_SECRET_MAX                               \
	                                            : CRYPT_MAX_PASSPHRASE_SIZE - 1)

static int
pw_ok(const char *pw)
{
	size_t len = strnlen(pw, PW_MAX + 1);

	return len > 0 && len <= PW_MAX;
}

/* Writes the yescrypt setting for cost (with a fresh salt) into buf. 0 or -1. */
static int
gensalt(unsigned cost, char buf[CRYPT_GENSALT_OUTPUT_SIZE])
{
	if (cost < COST_MIN || cost > COST_MAX)
		return -1;
	/* NULL random bytes: libxcrypt reads them from the kernel itself. */
	if (crypt_gensalt_rn(YESCRYPT_PREFIX, cost, NULL, 0, buf, CRYPT_GENSALT_OUTPUT_SIZE) ==
	    NULL)
		return -1;
	return buf[0] == '*' ? -1 : 0;
}

/* Length of "$id$params$" at the start of a crypt string, 0 if there is none. */
static size_t
setting_prefix_len(const char *s)
{
	const char *p = s;
	int dollars = 0;

	for (; *p != '\0' && p - s < (long)FIO_HASH_MAX; p++) {
		if (*p == '$' && ++dollars == 3)
			return (size_t)(p - s) + 1;
	}
	return 0;
}

static struct crypt_data *
crypt_data_new(void)
{
	return calloc(1, sizeof(struct crypt_data));
}

static void
crypt_data_free(struct crypt_data *cd)
{
	fio_freezero(cd, sizeof(*cd));
}

int
fio_password_hash(const char *pw, unsigned cost, char **out)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = NULL;
	const char *h;
	char *copy;
	int rc = -1;

	if (pw == NULL || out == NULL || !pw_ok(pw))
		return -1;
	if (gensalt(cost, setting) != 0)
		goto out;
	cd = crypt_data_new();
	if (cd == NULL)
		goto out;
	h = crypt_rn(pw, setting, cd, sizeof(*cd));
	if (h == NULL || h[0] == '*' || strnlen(h, FIO_HASH_MAX) >= FIO_HASH_MAX)
		goto out;
	copy = strdup(h);
	if (copy == NULL)
		goto out;
	*out = copy;
	rc = 0;
out:
	crypt_data_free(cd);
	FIO_WIPE_ARRAY(setting);
	return rc;
}

/* A hash that can never verify: empty, locked ("!..."), disabled ("*..."), too long. */
static int
hash_usable(const char *hash)
{
	size_t len = strnlen(hash, FIO_HASH_MAX);

	return len > 0 && len < FIO_HASH_MAX && hash[0] != '!' && hash[0] != '*';
}

int
fio_password_verify(const char *pw, const char *hash)
{
	struct crypt_data *cd = NULL;
	const char *h;
	size_t len;
	int rc = -1;

	if (pw == NULL || hash == NULL)
		return -1;
	if (!pw_ok(pw) || !hash_usable(hash))
		return 0;
	cd = crypt_data_new();
	if (cd == NULL)
		goto out;
	errno = 0;
	h = crypt_rn(pw, hash, cd, sizeof(*cd));
	if (h == NULL || h[0] == '*') {
		/* EINVAL: a setting libxcrypt does not support; it can never match. */
		rc = errno == EINVAL ? 0 : -1;
		goto out;
	}
	len = strlen(hash);
	rc = strnlen(h, len + 1) == len && fio_ct_equal(h, hash, len);
out:
	crypt_data_free(cd);
	return rc;
}

int
fio_password_needs_rehash(const char *hash, unsigned cost)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	size_t want, have;
	int rc = 1;

	if (hash == NULL || gensalt(cost, setting) != 0)
		return 1;
	want = setting_prefix_len(setting);
	have = setting_prefix_len(hash);
	/* Same "$y$<params>$": same algorithm, same cost family and parameters. */
	if (want > 0 && have == want && memcmp(setting, hash, want) == 0 && hash_usable(hash) &&
	    hash[want] != '\0')
		rc = 0;
	FIO_WIPE_ARRAY(setting);
	return rc;
}

int
fio_password_dummy(unsigned cost, char **out)
{
	unsigned char raw[DUMMY_BYTES];
	char pw[(DUMMY_BYTES * 8 + 4) / 5 + 1];
	int rc = -1;

	if (out == NULL)
		return -1;
	if (fio_random(raw, sizeof(raw)) != 0)
		goto out;
	if (fio_base32_encode(raw, sizeof(raw), pw, sizeof(pw)) == 0)
		goto out;
	rc = fio_password_hash(pw, cost, out);
out:
	FIO_WIPE_ARRAY(raw);
	FIO_WIPE_ARRAY(pw);
	return rc;
}
