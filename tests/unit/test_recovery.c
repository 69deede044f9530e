/*
 * test_recovery.c - recovery code sets: shape, one code per record, typed
 * variants, and refusal of anything that is not exactly a code.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fio-wipe.h"
#include "recovery.h"

#define TEST_ITERATIONS 1000u

struct set {
	char shown[FIO_RECOVERY_COUNT][FIO_RECOVERY_SHOWN_LEN + 1];
	struct fio_recovery_rec recs[FIO_RECOVERY_COUNT];
};

static int
set_setup(void **state)
{
	struct set *s = calloc(1, sizeof(*s));

	if (s == NULL || fio_recovery_generate(TEST_ITERATIONS, s->shown, s->recs) != 0) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int
set_teardown(void **state)
{
	fio_freezero(*state, sizeof(struct set));
	return 0;
}

/* canon + check of typed against rec: 1, 0, or -2 if typed is not a code. */
static int
try_code(const char *typed, const struct fio_recovery_rec *rec)
{
	char canon[FIO_RECOVERY_CHARS + 1];
	uint32_t idx = 99;
	int r;

	if (fio_recovery_canon(typed, canon, sizeof(canon), &idx) != 0)
		return -2;
	assert_int_equal(idx, rec->idx);
	r = fio_recovery_check(canon, rec);
	FIO_WIPE_ARRAY(canon);
	return r;
}

static void
set_shape(void **state)
{
	struct set *s = *state;
	size_t i, j;

	for (i = 0; i < FIO_RECOVERY_COUNT; i++) {
		const char *c = s->shown[i];

		assert_int_equal(strlen(c), FIO_RECOVERY_SHOWN_LEN);
		assert_int_equal(c[0], (char)('0' + i));
		for (j = 0; j < FIO_RECOVERY_SHOWN_LEN; j++) {
			if (j % 5 == 4)
				assert_int_equal(c[j], '-');
			else
				assert_non_null(strchr(FIO_RECOVERY_ALPHABET, c[j]));
		}
		assert_int_equal(s->recs[i].idx, i);
		assert_int_equal(s->recs[i].iterations, TEST_ITERATIONS);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(s->shown[i], s->shown[j]);
			assert_memory_not_equal(s->recs[i].salt, s->recs[j].salt,
			                        FIO_RECOVERY_SALT_LEN);
			assert_string_not_equal(s->shown[i] + 1, s->shown[j] + 1);
		}
	}
}

static void
each_code_checks_only_its_record(void **state)
{
	struct set *s = *state;
	char canon[FIO_RECOVERY_CHARS + 1];
	size_t i, j;
	uint32_t idx;

	for (i = 0; i < FIO_RECOVERY_COUNT; i++) {
		assert_int_equal(try_code(s->shown[i], &s->recs[i]), 1);
		assert_int_equal(fio_recovery_canon(s->shown[i], canon, sizeof(canon), &idx), 0);
		for (j = 0; j < FIO_RECOVERY_COUNT; j++) {
			if (j != i)
				assert_int_equal(fio_recovery_check(canon, &s->recs[j]), 0);
		}
	}
}

/* Copies src without its dashes, applying f to each character. */
static void
respell(const char *src, char *dst, int (*f)(int), const char *sep)
{
	size_t o = 0;

	for (; *src != '\0'; src++) {
		if (*src == '-') {
			strcpy(dst + o, sep);
			o += strlen(sep);
			continue;
		}
		dst[o++] = (char)f((unsigned char)*src);
	}
	dst[o] = '\0';
}

static int
same(int c)
{
	return c;
}

static void
typed_variants_accepted(void **state)
{
	struct set *s = *state;
	char typed[64];
	size_t i;

	for (i = 0; i < FIO_RECOVERY_COUNT; i++) {
		respell(s->shown[i], typed, tolower, "-");
		assert_int_equal(try_code(typed, &s->recs[i]), 1);
		respell(s->shown[i], typed, same, "");
		assert_int_equal(try_code(typed, &s->recs[i]), 1);
		respell(s->shown[i], typed, tolower, " ");
		assert_int_equal(try_code(typed, &s->recs[i]), 1);
		respell(s->shown[i], typed, same, " - ");
		assert_int_equal(try_code(typed, &s->recs[i]), 1);
	}
}

static void
lookalikes_accepted(void **state)
{
	struct set *s = *state;
	char typed[64];

	/* Code 0 starts with '0', code 1 with '1'. */
	strcpy(typed, s->shown[0]);
	typed[0] = 'O';
	assert_int_equal(try_code(typed, &s->recs[0]), 1);
	typed[0] = 'o';
	assert_int_equal(try_code(typed, &s->recs[0]), 1);
	strcpy(typed, s->shown[1]);
	typed[0] = 'I';
	assert_int_equal(try_code(typed, &s->recs[1]), 1);
	typed[0] = 'i';
	assert_int_equal(try_code(typed, &s->recs[1]), 1);
	typed[0] = 'L';
	assert_int_equal(try_code(typed, &s->recs[1]), 1);
	typed[0] = 'l';
	assert_int_equal(try_code(typed, &s->recs[1]), 1);
}

static void
prefix_suffix_extra_refused(void **state)
{
	struct set *s = *state;
	char typed[64], canon[FIO_RECOVERY_CHARS + 1];
	uint32_t idx;
	size_t i;

	for (i = 0; i < FIO_RECOVERY_COUNT; i++) {
		strcpy(typed, "2");
		strcat(typed, s->shown[i]);
		assert_int_equal(try_code(typed, &s->recs[i]), -2);
		strcpy(typed, s->shown[i]);
		strcat(typed, "A");
		assert_int_equal(try_code(typed, &s->recs[i]), -2);
		/* One character short. */
		strcpy(typed, s->shown[i]);
		typed[strlen(typed) - 1] = '\0';
		assert_int_equal(try_code(typed, &s->recs[i]), -2);
		/* An extra character in the middle. */
		memcpy(typed, s->shown[i], 5);
		typed[5] = 'Z';
		strcpy(typed + 6, s->shown[i] + 5);
		assert_int_equal(try_code(typed, &s->recs[i]), -2);
		/* The right length, one character changed: a code, not this one. */
		assert_int_equal(fio_recovery_canon(s->shown[i], canon, sizeof(canon), &idx), 0);
		canon[15] = canon[15] == 'Z' ? 'Y' : 'Z';
		assert_int_equal(fio_recovery_check(canon, &s->recs[i]), 0);
		assert_int_equal(fio_recovery_check(s->shown[i], &s->recs[i]), 0);
	}
}

static void
not_codes_refused(void **state)
{
	static const char *bad[] = {
	        "",
	        "0ABC-DEFG-HJKM-NPQU", /* U is not in the alphabet */
	        "0ABC-DEFG-HJKM-NPQ!",
	        "0ABC_DEFG_HJKM_NPQR",
	        "0ABC\tDEFG HJKM NPQR",
	        "AABC-DEFG-HJKM-NPQR",            /* the index must be a digit */
	        "0ABC-DEFG-HJKM-NPQ\xc3\x89",     /* É */
	        "\357\274\220ABC-DEFG-HJKM-NPQR", /* fullwidth zero */
	        "0ABC-DEFG-HJKM-NPQR\n",
	        "123456",
	};
	char canon[FIO_RECOVERY_CHARS + 1], *big;
	uint32_t idx;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fio_recovery_canon(bad[i], canon, sizeof(canon), &idx), -1);
	assert_int_equal(fio_recovery_canon("0ABC-DEFG-HJKM-NPQR", canon, sizeof(canon), &idx), 0);
	assert_string_equal(canon, "0ABCDEFGHJKMNPQR");
	assert_int_equal(idx, 0);
	assert_int_equal(fio_recovery_canon("0ABC-DEFG-HJKM-NPQR", canon, 16, &idx), -1);
	big = malloc(1024 * 1024 + 1);
	assert_non_null(big);
	memset(big, '-', 1024 * 1024);
	memcpy(big, "0ABCDEFGHJKMNPQR", 16);
	big[1024 * 1024] = '\0';
	assert_int_equal(fio_recovery_canon(big, canon, sizeof(canon), &idx), -1);
	free(big);
}

static void
bad_records_are_errors(void **state)
{
	struct set *s = *state;
	struct fio_recovery_rec rec = s->recs[3];
	char canon[FIO_RECOVERY_CHARS + 1];
	uint32_t idx;

	assert_int_equal(fio_recovery_canon(s->shown[3], canon, sizeof(canon), &idx), 0);
	rec.iterations = 0;
	assert_int_equal(fio_recovery_check(canon, &rec), -1);
	rec.iterations = TEST_ITERATIONS + 1;
	assert_int_equal(fio_recovery_check(canon, &rec), 0);
	assert_int_equal(fio_recovery_check(canon, NULL), -1);
	FIO_WIPE_ARRAY(canon);
}

/* PBKDF2-HMAC-SHA256(code, salt 00..0f, 1000) from Python's hashlib: the stored
 * form must not change between versions. */
static void
kdf_known_answer(void **state)
{
	struct fio_recovery_rec rec = {
	        .idx = 0,
	        .iterations = 1000,
	        .hash = {0x90, 0x32, 0xb9, 0x7f, 0xf9, 0xcd, 0xd8, 0x01, 0xd6, 0xaf, 0x8f,
	                 0xe4, 0xe1, 0x00, 0xeb, 0xaf, 0x90, 0x2d, 0xa5, 0x66, 0xfb, 0x33,
	                 0x11, 0x8e, 0x6e, 0x0a, 0x2a, 0xce, 0xb3, 0xa9, 0x39, 0x07},
	};
	size_t i;

	(void)state;
	for (i = 0; i < FIO_RECOVERY_SALT_LEN; i++)
		rec.salt[i] = (unsigned char)i;
	assert_int_equal(try_code("0abc-defg-hjkm-npqr", &rec), 1);
	assert_int_equal(try_code("OABC DEFG HJKM NPQR", &rec), 1);
	assert_int_equal(try_code("0ABC-DEFG-HJKM-NPQS", &rec), 0);
	rec.salt[0] ^= 1;
	assert_int_equal(try_code("0ABC-DEFG-HJKM-NPQR", &rec), 0);
}

static void
generate_refuses_zero_iterations(void **state)
{
	struct set *s = calloc(1, sizeof(*s));

	(void)state;
	assert_non_null(s);
	assert_int_equal(fio_recovery_generate(0, s->shown, s->recs), -1);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(set_shape, set_setup, set_teardown),
	        cmocka_unit_test_setup_teardown(each_code_checks_only_its_record, set_setup,
	                                        set_teardown),
	        cmocka_unit_test_setup_teardown(typed_variants_accepted, set_setup, set_teardown),
	        cmocka_unit_test_setup_teardown(lookalikes_accepted, set_setup, set_teardown),
	        cmocka_unit_test_setup_teardown(prefix_suffix_extra_refused, set_setup,
	                                        set_teardown),
	        cmocka_unit_test(not_codes_refused),
	        cmocka_unit_test_setup_teardown(bad_records_are_errors, set_setup, set_teardown),
	        cmocka_unit_test(kdf_known_answer),
	        cmocka_unit_test(generate_refuses_zero_iterations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
