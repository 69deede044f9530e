/*
 * test_password.c - yescrypt hashing, verification of new and imported hashes,
 * the refusals before hashing, rehash detection and the dummy hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fio-proto.h"
#include "fio-wipe.h"
#include "password.h"

#define COST 3u /* fast enough for tests; production default is 5 */

/* `openssl passwd -6 -salt 8JtZ3NpD secret-pw` and friends. */
#define SHA512_HASH                                                                                \
	"$6$8JtZ3NpD$G6Aj7rymyHlw4gKiHC1gx7dODlxgBhMN/06QtL3bQ6dDjjyVy4osexLbudBnGTnNPYa9dAdytV7n" \
	"8KnMMYCST0"
#define SHA256_HASH "$5$abc$RAjmCrsVvk/MjfzeRQbaaD6n7JSBDmBSfYOoFkPZ.9/"
#define BCRYPT_HASH "$2b$04$abcdefghijklmnopqrstuupq3UgSFm/Sf2R51R2/ze3/qhiAEzuKO"

/* Length of "$id$params$". */
static size_t
prefix_len(const char *h)
{
	const char *p = h;
	int n = 0;

	for (; *p != '\0'; p++) {
		if (*p == '$' && ++n == 3)
			return (size_t)(p - h) + 1;
	}
	return 0;
}

static void
hash_and_verify(void **state)
{
	char *h = NULL, *h2 = NULL;

	(void)state;
	assert_int_equal(fio_password_hash("correct horse", COST, &h), 0);
	assert_non_null(h);
	assert_int_equal(strncmp(h, "$y$j7T$", 7), 0);
	assert_int_equal(fio_password_verify("correct horse", h), 1);
	assert_int_equal(fio_password_verify("correct horsE", h), 0);
	assert_int_equal(fio_password_verify("correct hors", h), 0);
	assert_int_equal(fio_password_verify("correct horse ", h), 0);
	/* A fresh salt each time. */
	assert_int_equal(fio_password_hash("correct horse", COST, &h2), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(fio_password_verify("correct horse", h2), 1);
	fio_freezero_str(h);
	fio_freezero_str(h2);
}

static void
hash_at_cost_5(void **state)
{
	char *h = NULL;

	(void)state;
	assert_int_equal(fio_password_hash("pa55word", 5, &h), 0);
	assert_int_equal(strncmp(h, "$y$j9T$", 7), 0);
	assert_int_equal(fio_password_verify("pa55word", h), 1);
	assert_int_equal(fio_password_verify("pa55worD", h), 0);
	assert_int_equal(fio_password_needs_rehash(h, 5), 0);
	assert_int_equal(fio_password_needs_rehash(h, 3), 1);
	assert_int_equal(fio_password_needs_rehash(h, 6), 1);
	fio_freezero_str(h);
}

static void
length_limits(void **state)
{
	char pw[FIO_SECRET_MAX + 2], *h = NULL, *out = NULL;

	(void)state;
	memset(pw, 'p', sizeof(pw) - 1);
	/* 511 bytes: the longest phrase libxcrypt takes (its buffer holds the NUL). */
	pw[FIO_SECRET_MAX - 1] = '\0';
	assert_int_equal(fio_password_hash(pw, COST, &h), 0);
	assert_int_equal(fio_password_verify(pw, h), 1);
	/* 512 bytes (FIO_SECRET_MAX): refused, not an error. */
	pw[FIO_SECRET_MAX - 1] = 'p';
	pw[FIO_SECRET_MAX] = '\0';
	assert_int_equal(fio_password_hash(pw, COST, &out), -1);
	assert_null(out);
	assert_int_equal(fio_password_verify(pw, h), 0);
	/* 513 bytes: over the protocol limit. */
	pw[FIO_SECRET_MAX] = 'p';
	pw[FIO_SECRET_MAX + 1] = '\0';
	assert_int_equal(fio_password_hash(pw, COST, &out), -1);
	assert_null(out);
	assert_int_equal(fio_password_verify(pw, h), 0);
	fio_freezero_str(h);
}

static void
empty_refused(void **state)
{
	char *h = NULL, *out = NULL;

	(void)state;
	assert_int_equal(fio_password_hash("", COST, &out), -1);
	assert_null(out);
	assert_int_equal(fio_password_hash("x", COST, &h), 0);
	assert_int_equal(fio_password_verify("", h), 0);
	assert_int_equal(fio_password_verify("x", ""), 0);
	assert_int_equal(fio_password_verify(NULL, h), -1);
	assert_int_equal(fio_password_verify("x", NULL), -1);
	fio_freezero_str(h);
}

static void
locked_hashes_never_verify(void **state)
{
	char *h = NULL, locked[FIO_HASH_MAX];

	(void)state;
	assert_int_equal(fio_password_verify("x", "!"), 0);
	assert_int_equal(fio_password_verify("x", "*"), 0);
	assert_int_equal(fio_password_verify("x", "!!"), 0);
	assert_int_equal(fio_password_verify("x", "*LK*"), 0);
	assert_int_equal(fio_password_verify("secret-pw", "!" SHA512_HASH), 0);
	assert_int_equal(fio_password_verify("secret-pw", "*" SHA512_HASH), 0);
	/* A real yescrypt hash, locked with '!' the way passwd -l does. */
	assert_int_equal(fio_password_hash("x", COST, &h), 0);
	locked[0] = '!';
	strcpy(locked + 1, h);
	assert_int_equal(fio_password_verify("x", locked), 0);
	fio_freezero_str(h);
}

static void
bad_hashes_do_not_verify(void **state)
{
	char *h = NULL, *cut;

	(void)state;
	assert_int_equal(fio_password_hash("x", COST, &h), 0);
	cut = strdup(h);
	assert_non_null(cut);
	cut[strlen(cut) - 1] = '\0';
	assert_int_equal(fio_password_verify("x", cut), 0);
	assert_int_equal(fio_password_verify("x", "$unknown$abc$def"), 0);
	assert_int_equal(fio_password_verify("x", "$y$"), 0);
	free(cut);
	fio_freezero_str(h);
}

static void
imported_hashes(void **state)
{
	(void)state;
	assert_int_equal(fio_password_verify("secret-pw", SHA512_HASH), 1);
	assert_int_equal(fio_password_verify("secret-pW", SHA512_HASH), 0);
	assert_int_equal(fio_password_needs_rehash(SHA512_HASH, COST), 1);
	assert_int_equal(fio_password_needs_rehash(SHA512_HASH, 5), 1);
	assert_int_equal(fio_password_verify("secret-pw", SHA256_HASH), 1);
	assert_int_equal(fio_password_needs_rehash(SHA256_HASH, 5), 1);
	assert_int_equal(fio_password_verify("secret-pw", BCRYPT_HASH), 1);
	assert_int_equal(fio_password_verify("secret-px", BCRYPT_HASH), 0);
	assert_int_equal(fio_password_needs_rehash(BCRYPT_HASH, 5), 1);
}

static void
needs_rehash_cases(void **state)
{
	char *h = NULL;

	(void)state;
	assert_int_equal(fio_password_hash("x", COST, &h), 0);
	assert_int_equal(fio_password_needs_rehash(h, COST), 0);
	assert_int_equal(fio_password_needs_rehash(h, COST + 1), 1);
	assert_int_equal(fio_password_needs_rehash(h, 0), 1);
	assert_int_equal(fio_password_needs_rehash(NULL, COST), 1);
	assert_int_equal(fio_password_needs_rehash("", COST), 1);
	assert_int_equal(fio_password_needs_rehash("$y$j7T$", COST), 1);
	assert_int_equal(fio_password_needs_rehash("!$y$j7T$abc$def", COST), 1);
	assert_int_equal(fio_password_needs_rehash("$y$j7T1$abc$def", COST), 1);
	fio_freezero_str(h);
}

static void
dummy_looks_real(void **state)
{
	char *real = NULL, *d1 = NULL, *d2 = NULL;
	size_t n;

	(void)state;
	assert_int_equal(fio_password_hash("x", COST, &real), 0);
	assert_int_equal(fio_password_dummy(COST, &d1), 0);
	assert_int_equal(fio_password_dummy(COST, &d2), 0);
	n = prefix_len(real);
	assert_true(n > 0);
	assert_int_equal(prefix_len(d1), n);
	assert_memory_equal(d1, real, n);
	assert_int_equal(strlen(d1), strlen(real));
	assert_string_not_equal(d1, d2);
	assert_int_equal(fio_password_needs_rehash(d1, COST), 0);
	assert_int_equal(fio_password_verify("x", d1), 0);
	assert_int_equal(fio_password_verify("", d1), 0);
	fio_freezero_str(real);
	fio_freezero_str(d1);
	fio_freezero_str(d2);
	/* At the production cost too. */
	assert_int_equal(fio_password_dummy(5, &d1), 0);
	assert_int_equal(strncmp(d1, "$y$j9T$", 7), 0);
	fio_freezero_str(d1);
}

static void
bad_cost_refused(void **state)
{
	char *h = NULL;

	(void)state;
	assert_int_equal(fio_password_hash("x", 0, &h), -1);
	assert_int_equal(fio_password_hash("x", 12, &h), -1);
	assert_int_equal(fio_password_dummy(12, &h), -1);
	assert_null(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(hash_and_verify),
	        cmocka_unit_test(hash_at_cost_5),
	        cmocka_unit_test(length_limits),
	        cmocka_unit_test(empty_refused),
	        cmocka_unit_test(locked_hashes_never_verify),
	        cmocka_unit_test(bad_hashes_do_not_verify),
	        cmocka_unit_test(imported_hashes),
	        cmocka_unit_test(needs_rehash_cases),
	        cmocka_unit_test(dummy_looks_real),
	        cmocka_unit_test(bad_cost_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
