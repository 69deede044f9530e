/*
 * test_totp.c - RFC 4226 / RFC 6238 vectors, the verification window, replay
 * refusal, code canonicalisation and the enrolment strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "fio-wipe.h"
#include "totp.h"

#define RFC_SECRET ((const unsigned char *)"12345678901234567890")
#define RFC_SECRET_LEN 20u

static int
group_setup(void **state)
{
	(void)state;
	return fio_totp_global_init();
}

static int
group_teardown(void **state)
{
	(void)state;
	fio_totp_global_done();
	return 0;
}

static void
hotp_rfc4226_vectors(void **state)
{
	static const char *want[] = {"755224", "287082", "359152", "969429", "338314",
	                             "254676", "287922", "162583", "399871", "520489"};
	char code[16];
	int64_t c;

	(void)state;
	for (c = 0; c < 10; c++) {
		assert_int_equal(
		        fio_totp_code(RFC_SECRET, RFC_SECRET_LEN, c, 6, code, sizeof(code)), 0);
		assert_string_equal(code, want[c]);
	}
}

static void
totp_rfc6238_sha1_vectors(void **state)
{
	static const struct {
		time_t t;
		const char *code;
	} v[] = {
	        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
	        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	};
	char code[16];
	size_t i;

	(void)state;
	assert_true(sizeof(time_t) >= 8);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t step = fio_totp_step(v[i].t, 30);

		assert_int_equal(step, (int64_t)v[i].t / 30);
		assert_int_equal(
		        fio_totp_code(RFC_SECRET, RFC_SECRET_LEN, step, 8, code, sizeof(code)), 0);
		assert_string_equal(code, v[i].code);
	}
	/* Past 2038 with 32-bit arithmetic this step would have wrapped. */
	assert_int_equal(fio_totp_step((time_t)20000000000, 30), 666666666);
}

/* Values from `oathtool --totp -b JBSWY3DPEHPK3PXP --now=@T`. */
static void
totp_matches_oathtool(void **state)
{
	static const struct {
		time_t t;
		const char *code;
	} v[] = {{1700000000, "324550"}, {4102444800, "573258"}, {1111111109, "071271"}};
	unsigned char secret[16];
	char code[16];
	size_t i;
	int n;

	(void)state;
	n = fio_base32_decode("JBSWY3DPEHPK3PXP", secret, sizeof(secret));
	assert_int_equal(n, 10);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(fio_totp_code(secret, (size_t)n, fio_totp_step(v[i].t, 30), 6,
		                               code, sizeof(code)),
		                 0);
		assert_string_equal(code, v[i].code);
	}
}

static void
code_bad_args(void **state)
{
	char code[16];

	(void)state;
	assert_int_equal(fio_totp_code(RFC_SECRET, RFC_SECRET_LEN, 1, 5, code, sizeof(code)), -1);
	assert_int_equal(fio_totp_code(RFC_SECRET, RFC_SECRET_LEN, 1, 9, code, sizeof(code)), -1);
	assert_int_equal(fio_totp_code(RFC_SECRET, RFC_SECRET_LEN, 1, 6, code, 6), -1);
	assert_int_equal(fio_totp_code(RFC_SECRET, 0, 1, 6, code, sizeof(code)), -1);
	assert_int_equal(fio_totp_code(RFC_SECRET, RFC_SECRET_LEN, -1, 6, code, sizeof(code)), -1);
	assert_int_equal(fio_totp_step(100, 0), -1);
}

/* The code for step s of the RFC secret. */
static void
code_at(int64_t s, char code[16])
{
	assert_int_equal(fio_totp_code(RFC_SECRET, RFC_SECRET_LEN, s, 6, code, 16), 0);
}

static void
verify_window_edges(void **state)
{
	const int64_t now = 56666666;
	int64_t off, matched;
	char code[16];

	(void)state;
	for (off = -2; off <= 2; off++) {
		int want = off >= -1 && off <= 1;

		code_at(now + off, code);
		matched = -7;
		assert_int_equal(
		        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 6, now, 1, -1, &matched),
		        want);
		assert_int_equal(matched, want ? now + off : -7);
	}
	/* Window 0: only the current step. */
	code_at(now - 1, code);
	assert_int_equal(fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 6, now, 0, -1, &matched),
	                 0);
	code_at(now, code);
	assert_int_equal(fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 6, now, 0, -1, &matched),
	                 1);
	/* Near the epoch the window simply has fewer steps. */
	code_at(0, code);
	assert_int_equal(fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 6, 0, 1, -1, &matched),
	                 1);
	assert_int_equal(matched, 0);
}

static void
verify_replay_refused(void **state)
{
	const int64_t now = 56666666;
	int64_t matched = -7;
	char code[16];

	(void)state;
	code_at(now, code);
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 6, now, 1, now - 1, &matched), 1);
	assert_int_equal(matched, now);
	/* The same code again: its step is now the last accepted one. */
	matched = -7;
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 6, now, 1, now, &matched), 0);
	assert_int_equal(matched, -7);
	/* An older code still inside the window is refused after a newer one. */
	code_at(now - 1, code);
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 6, now, 1, now, &matched), 0);
	/* A later step is still accepted. */
	code_at(now + 1, code);
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 6, now, 1, now, &matched), 1);
	assert_int_equal(matched, now + 1);
}

/* Steps 57766335 and 57766336 of the RFC secret share the code 251166. */
static void
verify_latest_step_wins(void **state)
{
	const int64_t s = 57766335;
	int64_t matched = -7;
	char code[16];

	(void)state;
	code_at(s, code);
	assert_string_equal(code, "251166");
	code_at(s + 1, code);
	assert_string_equal(code, "251166");
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "251166", 6, s, 1, -1, &matched), 1);
	assert_int_equal(matched, s + 1);
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "251166", 6, s, 1, s, &matched), 1);
	assert_int_equal(matched, s + 1);
	matched = -7;
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "251166", 6, s, 1, s + 1, &matched), 0);
	assert_int_equal(matched, -7);
}

static void
verify_bad_code(void **state)
{
	int64_t matched = -7;

	(void)state;
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "12345", 6, 1000, 1, -1, &matched), 0);
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "1234567", 6, 1000, 1, -1, &matched),
	        0);
	assert_int_equal(fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "", 6, 1000, 1, -1, &matched),
	                 0);
	assert_int_equal(matched, -7);
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "123456", 6, 1000, 11, -1, &matched),
	        -1);
	assert_int_equal(
	        fio_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "123456", 4, 1000, 1, -1, &matched),
	        -1);
}

static void
canon_good(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(fio_totp_canon("123456", 6, out, sizeof(out)), 0);
	assert_string_equal(out, "123456");
	assert_int_equal(fio_totp_canon("123 456", 6, out, sizeof(out)), 0);
	assert_string_equal(out, "123456");
	assert_int_equal(fio_totp_canon("123-456", 6, out, sizeof(out)), -1); /* T5: space only */
	assert_int_equal(fio_totp_canon("000000", 6, out, sizeof(out)), 0);
	assert_string_equal(out, "000000");
	assert_int_equal(fio_totp_canon("1234 5678", 8, out, sizeof(out)), 0);
	assert_string_equal(out, "12345678");
}

static void
canon_bad(void **state)
{
	static const char *bad[] = {
	        "12345",
	        "1234567",
	        "+12345",
	        " 123456",
	        "123456\n",
	        "12 3456",
	        "1234 56",
	        "123456 ",
	        "-123456",
	        "123  456",
	        "123 -456",
	        "12a456",
	        "123.456",
	        "123\t456",
	        "",
	        "+123456",
	        "-12345",
	        "123_456",
	        "12345\xd9",
	        "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96",
	        "\xd9\xa1\xd9\xa2\xd9\xa3",
	        "123456789",
	};
	char out[16];
	char *big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fio_totp_canon(bad[i], 6, out, sizeof(out)), -1);
	/* A 1 MB answer made of digits. */
	big = malloc(1024 * 1024 + 1);
	assert_non_null(big);
	memset(big, '1', 1024 * 1024);
	big[1024 * 1024] = '\0';
	assert_int_equal(fio_totp_canon(big, 6, out, sizeof(out)), -1);
	free(big);
	/* Output buffer too small, bad digit count. */
	assert_int_equal(fio_totp_canon("123456", 6, out, 6), -1);
	assert_int_equal(fio_totp_canon("12345", 5, out, sizeof(out)), -1);
}

static void
uri_encoded(void **state)
{
	char *uri;

	(void)state;
	uri = fio_totp_uri("pam fio", "alice@example.com", "JBSWY3DPEHPK3PXP", 6, 30);
	assert_non_null(uri);
	assert_string_equal(uri, "otpauth://totp/pam%20fio:alice%40example.com"
	                         "?secret=JBSWY3DPEHPK3PXP&issuer=pam%20fio&algorithm=SHA1"
	                         "&digits=6&period=30");
	fio_freezero_str(uri);
	uri = fio_totp_uri("a&b=c:d/é", "x?y#z%", "MZXW6", 8, 60);
	assert_non_null(uri);
	assert_string_equal(uri, "otpauth://totp/a%26b%3Dc%3Ad%2F%C3%A9:x%3Fy%23z%25"
	                         "?secret=MZXW6&issuer=a%26b%3Dc%3Ad%2F%C3%A9&algorithm=SHA1"
	                         "&digits=8&period=60");
	fio_freezero_str(uri);
	assert_null(fio_totp_uri("i", "u", "not base32!", 6, 30));
	assert_null(fio_totp_uri("i", "u", "", 6, 30));
	assert_null(fio_totp_uri("i", "u", "MZXW6", 6, 0));
}

static void
grouped_base32(void **state)
{
	char *g;

	(void)state;
	g = fio_totp_grouped("JBSWY3DPEHPK3PXP");
	assert_string_equal(g, "JBSW Y3DP EHPK 3PXP");
	fio_freezero_str(g);
	g = fio_totp_grouped("ABCDE");
	assert_string_equal(g, "ABCD E");
	fio_freezero_str(g);
	g = fio_totp_grouped("");
	assert_string_equal(g, "");
	fio_freezero_str(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(hotp_rfc4226_vectors),
	        cmocka_unit_test(totp_rfc6238_sha1_vectors),
	        cmocka_unit_test(totp_matches_oathtool),
	        cmocka_unit_test(code_bad_args),
	        cmocka_unit_test(verify_window_edges),
	        cmocka_unit_test(verify_replay_refused),
	        cmocka_unit_test(verify_latest_step_wins),
	        cmocka_unit_test(verify_bad_code),
	        cmocka_unit_test(canon_good),
	        cmocka_unit_test(canon_bad),
	        cmocka_unit_test(uri_encoded),
	        cmocka_unit_test(grouped_base32),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
