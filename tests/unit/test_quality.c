/*
 * test_quality.c - the password rules: the bytes (empty, NUL, UTF-8, control
 * characters, 511 bytes), the length in characters, the user name and e-mail
 * address, libpwquality's dictionary and old-password checks, the settings
 * (min_length, dictionary off), the start-up self-test, and that no reason
 * ever repeats the password. Needs cracklib-runtime's dictionary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "password.h"
#include "quality.h"

static const struct fio_quality defaults = {12, 256, 1};
static const struct fio_quality no_dict = {12, 256, 0};
static const struct fio_quality short8 = {8, 256, 1};

/* Checks pw[0..len) and returns the result; any reason is one sentence ending in
 * '.' that does not contain the password. */
static int
check_n(const struct fio_quality *q, const char *pw, size_t len, const char *user,
        const char *email, const char *old, char msg[FIO_QUALITY_MSG_MAX])
{
	int r;

	memset(msg, 'X', FIO_QUALITY_MSG_MAX);
	r = fio_quality_check(q, pw, len, user, email, old, msg, FIO_QUALITY_MSG_MAX);
	assert_non_null(memchr(msg, '\0', FIO_QUALITY_MSG_MAX));
	if (r == 1) {
		assert_string_equal(msg, "");
		return r;
	}
	assert_true(strlen(msg) > 1);
	assert_int_equal(msg[strlen(msg) - 1], '.');
	assert_true(len == 0 || memmem(msg, strlen(msg), pw, len) == NULL);
	if (len > 0 && memchr(pw, '\0', len) == NULL)
		assert_null(strstr(msg, pw));
	return r;
}

static int
check(const struct fio_quality *q, const char *pw, const char *user, const char *email,
      const char *old, char msg[FIO_QUALITY_MSG_MAX])
{
	return check_n(q, pw, strlen(pw), user, email, old, msg);
}

/* pw is refused with exactly reason. */
static void
refused(const struct fio_quality *q, const char *pw, size_t len, const char *reason)
{
	char msg[FIO_QUALITY_MSG_MAX];

	assert_int_equal(check_n(q, pw, len, "alice", NULL, NULL, msg), 0);
	assert_string_equal(msg, reason);
}

static void
accepted(const struct fio_quality *q, const char *pw)
{
	char msg[FIO_QUALITY_MSG_MAX];

	assert_int_equal(check(q, pw, "alice", "alice@example.org", NULL, msg), 1);
}

static void
empty_and_short(void **state)
{
	(void)state;
	refused(&defaults, "", 0, "The password is empty.");
	refused(&defaults, "x", 1, "The password is shorter than 12 characters.");
	refused(&defaults, "tr0ub4dor&3", 11, "The password is shorter than 12 characters.");
}

static void
twelve_accepted(void **state)
{
	(void)state;
	accepted(&defaults, "vq8-Lmt3#rkz");
	accepted(&defaults, "tr0ub4dor&3x");
	accepted(&defaults, "correct horse battery");
	accepted(&defaults, "plum-otter-42");
}

static void
length_in_characters(void **state)
{
	char pw[64];
	size_t i;

	(void)state;
	/* 12 x U+00E9: 12 characters, 24 bytes. (cracklib finds too few different
	 * bytes in it, so the dictionary is off here.) */
	for (i = 0; i < 12; i++)
		memcpy(pw + 2 * i, "\xc3\xa9", 2);
	pw[24] = '\0';
	accepted(&no_dict, pw);
	pw[22] = '\0';
	refused(&no_dict, pw, 22, "The password is shorter than 12 characters.");
	/* 11 x U+65E5: 33 bytes, 11 characters. */
	for (i = 0; i < 11; i++)
		memcpy(pw + 3 * i, "\xe6\x97\xa5", 3);
	pw[33] = '\0';
	refused(&defaults, pw, 33, "The password is shorter than 12 characters.");
	memcpy(pw + 33, "\xe6\x97\xa5", 4);
	accepted(&no_dict, pw);
	/* Twelve different accented letters, with the dictionary. */
	accepted(&defaults, "\xc3\xa9\xc3\xa0\xc3\xbc\xc3\xb6\xc3\xa7\xc3\xb1\xc3\xb8\xc3\xa5"
	                    "\xc3\x9f\xc3\xa6\xc3\xae\xc3\xb4");
}

static void
invalid_utf8(void **state)
{
	static const char *const bad[] = {
	        "correct horse\xff battery",     /* never in UTF-8 */
	        "correct horse\xc0\xaf battery", /* overlong '/' */
	        "correct horse battery\xe6\x97", /* truncated at the end */
	        "correct horse\xe6\x97 battery", /* truncated in the middle */
	        "correct horse\xed\xa0\x80 bat", /* a surrogate */
	        "correct horse\xf4\x90\x80\x80", /* above U+10FFFF */
	        "correct horse\x80 battery",     /* a lone continuation byte */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(&defaults, bad[i], strlen(bad[i]), "The password is not valid UTF-8.");
}

static void
nul_and_control(void **state)
{
	static const char nul[] = "correct horse\0battery";
	static const char *const ctl[] = {
	        "correct horse\tbattery",        "correct horse battery\n",
	        "\x1b[31mcorrect horse",         "correct horse\x7f battery",
	        "correct horse\xc2\x85 battery", /* U+0085 NEL */
	};
	size_t i;

	(void)state;
	refused(&defaults, nul, sizeof(nul) - 1, "The password contains a control character.");
	refused(&defaults, "\0\0\0\0\0\0\0\0\0\0\0\0", 12,
	        "The password contains a control character.");
	for (i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++)
		refused(&defaults, ctl[i], strlen(ctl[i]),
		        "The password contains a control character.");
	/* U+00A0 (no-break space, 0xc2 0xa0) is not a control character. */
	accepted(&defaults, "correct\xc2\xa0horse battery");
}

/* n bytes of a pattern that cracklib and libpwquality have nothing against. */
static void
fill(char *pw, size_t n)
{
	static const char pat[] = "plum-otter-42 vq8-Lmt3#rkz ";
	size_t i;

	for (i = 0; i < n; i++)
		pw[i] = pat[i % (sizeof(pat) - 1)];
	pw[n] = '\0';
}

static void
too_long(void **state)
{
	const struct fio_quality wide = {12, FIO_PASSWORD_MAX, 1};
	char pw[FIO_PASSWORD_MAX + 8];
	size_t i;

	(void)state;
	fill(pw, 256);
	accepted(&defaults, pw);
	fill(pw, 257);
	refused(&defaults, pw, 257, "The password is longer than 256 characters.");
	fill(pw, FIO_PASSWORD_MAX);
	accepted(&wide, pw);
	fill(pw, FIO_PASSWORD_MAX + 1);
	refused(&wide, pw, FIO_PASSWORD_MAX + 1, "The password is longer than 511 bytes.");
	/* 255 x U+00E9 and one 'x': 256 characters in 511 bytes. */
	for (i = 0; i < 255; i++)
		memcpy(pw + 2 * i, "\xc3\xa9", 2);
	memcpy(pw + 510, "x", 2);
	accepted(&no_dict, pw);
	/* One more: 257 characters, 513 bytes: the bytes are counted first. */
	memcpy(pw + 510, "\xc3\xa9x", 4);
	refused(&no_dict, pw, 513, "The password is longer than 511 bytes.");
}

static void
dictionary_words(void **state)
{
	/* 12 characters or more that cracklib-small refuses (cracklib-runtime's
	 * default dictionary). It does not refuse password1234, qwertyuiop12 or
	 * iloveyou1234. */
	static const char *const words[] = {
	        "basketball12", "sweetheart12", "information1", "relationship", "administrator",
	};
	char msg[FIO_QUALITY_MSG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		assert_int_equal(check(&defaults, words[i], "alice", NULL, NULL, msg), 0);
		assert_non_null(strstr(msg, "dictionary"));
		/* Off: the same words pass. */
		assert_int_equal(check(&no_dict, words[i], "alice", NULL, NULL, msg), 1);
	}
	/* 11 characters: refused by length first, by the dictionary at min_length 8. */
	refused(&defaults, "password123", 11, "The password is shorter than 12 characters.");
	assert_int_equal(check(&short8, "password123", "alice", NULL, NULL, msg), 0);
	assert_non_null(strstr(msg, "dictionary"));
}

static void
min_length_8(void **state)
{
	(void)state;
	accepted(&short8, "kq7-vx9w");
	refused(&short8, "kq7-vx9", 7, "The password is shorter than 8 characters.");
}

static void
user_name(void **state)
{
	static const char *const pws[] = {
	        "alice-rocks-2026!", "ECILA-rocks-2026!", "rocks-ALICE-2026",
	        "xxAlIcExxxxx",      "2026 ecila rocks",  "alicealicealice",
	};
	char msg[FIO_QUALITY_MSG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
		assert_int_equal(check(&defaults, pws[i], "alice", NULL, NULL, msg), 0);
		assert_string_equal(msg, "The password contains the user name.");
		/* Not another user's. */
		assert_int_equal(check(&no_dict, pws[i], "bob", NULL, NULL, msg), 1);
	}
	/* Three characters are looked for, two are not. */
	assert_int_equal(check(&defaults, "my-bob-is-great", "bob", NULL, NULL, msg), 0);
	assert_string_equal(msg, "The password contains the user name.");
	assert_int_equal(check(&defaults, "my-al-is-great", "al", NULL, NULL, msg), 1);
	/* A non-ASCII user name, reversed character by character. */
	assert_int_equal(check(&defaults, "x-\xc3\xa9lo\xc3\xafse-9-qk", "\xc3\xa9lo\xc3\xafse",
	                       NULL, NULL, msg),
	                 0);
	assert_int_equal(check(&defaults, "x-es\xc3\xafol\xc3\xa9-9-qk", "\xc3\xa9lo\xc3\xafse",
	                       NULL, NULL, msg),
	                 0);
	assert_string_equal(msg, "The password contains the user name.");
	/* No user name at all. */
	assert_int_equal(check(&defaults, "plum-otter-42", NULL, NULL, NULL, msg), 1);
	assert_int_equal(check(&defaults, "plum-otter-42", "", "", NULL, msg), 1);
}

static void
email_address(void **state)
{
	static const char *const pws[] = {
	        "bob.smith@example.org!",   /* the address */
	        "xx-BOB.SMITH@EXAMPLE.ORG", /* in another case */
	        "my-bob.smith-key9",        /* the local part */
	        "htims.bob-9-qk-x",         /* the local part reversed */
	        "gro.elpmaxe@htims.bob",    /* the address reversed */
	};
	char msg[FIO_QUALITY_MSG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
		assert_int_equal(
		        check(&defaults, pws[i], "alice", "bob.smith@example.org", NULL, msg), 0);
		assert_string_equal(msg, "The password contains the e-mail address.");
	}
	/* A two-character local part is not looked for; the domain alone is fine. */
	assert_int_equal(check(&defaults, "jo-plum-otter-42", "alice", "jo@example.org", NULL, msg),
	                 1);
	assert_int_equal(
	        check(&defaults, "example.org-plum-42", "alice", "bob@example.org", NULL, msg), 1);
}

static void
old_password(void **state)
{
	char msg[FIO_QUALITY_MSG_MAX];

	(void)state;
	assert_int_equal(check(&defaults, "correct horse battery", "alice", NULL,
	                       "correct horse battery", msg),
	                 0);
	assert_string_equal(msg, "The password is the same as the old one.");
	assert_int_equal(check(&defaults, "CORRECT HORSE BATTERY", "alice", NULL,
	                       "correct horse battery", msg),
	                 0);
	assert_non_null(strstr(msg, "case"));
	assert_int_equal(
	        check(&defaults, "plum-otter-42", "alice", NULL, "correct horse battery", msg), 1);
	assert_int_equal(check(&defaults, "plum-otter-42", "alice", NULL, "", msg), 1);
}

static void
palindrome_refused(void **state)
{
	char msg[FIO_QUALITY_MSG_MAX];

	(void)state;
	assert_int_equal(check(&no_dict, "zq7-vxxv-7qz", "alice", NULL, NULL, msg), 0);
	assert_string_equal(msg, "The password is a palindrome.");
}

static void
small_or_no_message_buffer(void **state)
{
	char msg[8];

	(void)state;
	assert_int_equal(
	        fio_quality_check(&defaults, "x", 1, "alice", NULL, NULL, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "The pas");
	assert_int_equal(fio_quality_check(&defaults, "x", 1, "alice", NULL, NULL, NULL, 0), 0);
	assert_int_equal(
	        fio_quality_check(&defaults, "basketball12", 12, "alice", NULL, NULL, NULL, 0), 0);
	assert_int_equal(fio_quality_check(NULL, "x", 1, "alice", NULL, NULL, msg, sizeof(msg)),
	                 -1);
}

static void
selftest(void **state)
{
	const struct fio_quality bad = {20, 12, 1};
	char err[256];

	(void)state;
	assert_int_equal(fio_quality_selftest(&defaults, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(fio_quality_selftest(&no_dict, err, sizeof(err)), 0);
	assert_int_equal(fio_quality_selftest(&short8, err, sizeof(err)), 0);
	assert_int_equal(fio_quality_selftest(&bad, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "min_length"));
}

static void *
checker(void *arg)
{
	char msg[FIO_QUALITY_MSG_MAX];
	int i, *bad = arg;

	for (i = 0; i < 25; i++) {
		if (fio_quality_check(&defaults, "basketball12", 12, "alice", NULL, NULL, msg,
		                      sizeof(msg)) != 0 ||
		    strstr(msg, "dictionary") == NULL)
			(*bad)++;
		if (fio_quality_check(&defaults, "plum-otter-42", 13, "alice", NULL, NULL, msg,
		                      sizeof(msg)) != 1)
			(*bad)++;
	}
	return NULL;
}

/* Worker threads check at the same time; cracklib is serialised inside. */
static void
threads(void **state)
{
	pthread_t t[4];
	int bad[4] = {0, 0, 0, 0};
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, checker, &bad[i]), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(bad[i], 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(empty_and_short),
	        cmocka_unit_test(twelve_accepted),
	        cmocka_unit_test(length_in_characters),
	        cmocka_unit_test(invalid_utf8),
	        cmocka_unit_test(nul_and_control),
	        cmocka_unit_test(too_long),
	        cmocka_unit_test(dictionary_words),
	        cmocka_unit_test(min_length_8),
	        cmocka_unit_test(user_name),
	        cmocka_unit_test(email_address),
	        cmocka_unit_test(old_password),
	        cmocka_unit_test(palindrome_refused),
	        cmocka_unit_test(small_or_no_message_buffer),
	        cmocka_unit_test(selftest),
	        cmocka_unit_test(threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
