/*
 * test_crypto.c - key file checks, AES-256-GCM sealing, randomness, base32.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "fio-wipe.h"

struct keydir {
	char dir[64];
	char path[128];
};

static int
keydir_setup(void **state)
{
	struct keydir *kd = calloc(1, sizeof(*kd));

	if (kd == NULL)
		return -1;
	strcpy(kd->dir, "/tmp/fio-test-crypto-XXXXXX");
	if (mkdtemp(kd->dir) == NULL) {
		free(kd);
		return -1;
	}
	snprintf(kd->path, sizeof(kd->path), "%s/secret.key", kd->dir);
	*state = kd;
	return 0;
}

static int
keydir_teardown(void **state)
{
	struct keydir *kd = *state;
	char other[160];

	(void)unlink(kd->path);
	snprintf(other, sizeof(other), "%s/target", kd->dir);
	(void)unlink(other);
	(void)rmdir(kd->dir);
	free(kd);
	return 0;
}

static void
write_file(const char *path, size_t len, mode_t mode)
{
	unsigned char buf[64];
	int fd;

	memset(buf, 0x5a, sizeof(buf));
	assert_true(len <= sizeof(buf));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
key_created_0600_when_missing(void **state)
{
	struct keydir *kd = *state;
	struct fio_key k1, k2;
	struct stat st;
	char err[256];

	assert_int_equal(fio_key_load(kd->path, 0, &k1, err, sizeof(err)), -1);
	assert_int_equal(fio_key_load(kd->path, 1, &k1, err, sizeof(err)), 0);
	assert_int_equal(stat(kd->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, FIO_KEY_LEN);
	/* Not recreated over an existing file: the same key comes back. */
	assert_int_equal(fio_key_load(kd->path, 1, &k2, err, sizeof(err)), 0);
	assert_memory_equal(k1.k, k2.k, FIO_KEY_LEN);
	fio_key_wipe(&k1);
	fio_key_wipe(&k2);
}

static void
key_existing_loaded(void **state)
{
	struct keydir *kd = *state;
	unsigned char want[FIO_KEY_LEN];
	struct fio_key k;
	char err[256];

	write_file(kd->path, FIO_KEY_LEN, 0600);
	memset(want, 0x5a, sizeof(want));
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), 0);
	assert_memory_equal(k.k, want, FIO_KEY_LEN);
	write_file(kd->path, FIO_KEY_LEN, 0400);
	assert_int_equal(fio_key_load(kd->path, 0, &k, err, sizeof(err)), 0);
	fio_key_wipe(&k);
}

static void
key_bad_mode_refused(void **state)
{
	struct keydir *kd = *state;
	struct fio_key k;
	char err[256] = "";

	write_file(kd->path, FIO_KEY_LEN, 0644);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode"));
	write_file(kd->path, FIO_KEY_LEN, 0640);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
	write_file(kd->path, FIO_KEY_LEN, 0601);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
}

static void
key_wrong_size_refused(void **state)
{
	struct keydir *kd = *state;
	struct fio_key k;
	char err[256];

	write_file(kd->path, FIO_KEY_LEN - 1, 0600);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
	write_file(kd->path, FIO_KEY_LEN + 1, 0600);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
	write_file(kd->path, 0, 0600);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
}

static void
key_symlink_refused(void **state)
{
	struct keydir *kd = *state;
	struct fio_key k;
	char target[160], err[256] = "";

	snprintf(target, sizeof(target), "%s/target", kd->dir);
	write_file(target, FIO_KEY_LEN, 0600);
	assert_int_equal(symlink(target, kd->path), 0);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	/* A dangling link is not followed to create a file either. */
	assert_int_equal(unlink(target), 0);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
	assert_int_equal(access(target, F_OK), -1);
}

static void
key_not_regular_refused(void **state)
{
	struct keydir *kd = *state;
	struct fio_key k;
	char err[256];

	assert_int_equal(mkfifo(kd->path, 0600), 0);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
	assert_int_equal(unlink(kd->path), 0);
	assert_int_equal(fio_key_load(kd->dir, 0, &k, err, sizeof(err)), -1);
}

static void
key_wrong_owner_refused(void **state)
{
	struct keydir *kd = *state;
	struct fio_key k;
	char err[256] = "";

	if (geteuid() != 0)
		skip();
	write_file(kd->path, FIO_KEY_LEN, 0600);
	assert_int_equal(chown(kd->path, 1, (gid_t)-1), 0);
	assert_int_equal(fio_key_load(kd->path, 1, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "owned"));
}

/* ---- seal / open ---------------------------------------------------------------- */

static void
test_key(struct fio_key *k)
{
	size_t i;

	for (i = 0; i < FIO_KEY_LEN; i++)
		k->k[i] = (unsigned char)(i * 7 + 1);
}

static void
seal_round_trip(void **state)
{
	static const unsigned char msg[] = "twenty bytes secret!";
	struct fio_key k;
	unsigned char *sealed = NULL, *pt = NULL;
	size_t sealedlen = 0, ptlen = 0;

	(void)state;
	test_key(&k);
	assert_int_equal(fio_seal(&k, "totp:alice", msg, 20, &sealed, &sealedlen), 0);
	assert_int_equal(sealedlen, 20 + FIO_SEAL_OVERHEAD);
	assert_int_equal(sealed[0], 1);
	assert_memory_not_equal(sealed + 13, msg, 20);
	assert_int_equal(fio_open(&k, "totp:alice", sealed, sealedlen, &pt, &ptlen), 0);
	assert_int_equal(ptlen, 20);
	assert_memory_equal(pt, msg, 20);
	fio_freezero(pt, ptlen);
	free(sealed);
}

static void
seal_nonce_fresh(void **state)
{
	static const unsigned char msg[] = "same";
	struct fio_key k;
	unsigned char *a = NULL, *b = NULL;
	size_t alen, blen;

	(void)state;
	test_key(&k);
	assert_int_equal(fio_seal(&k, "x", msg, 4, &a, &alen), 0);
	assert_int_equal(fio_seal(&k, "x", msg, 4, &b, &blen), 0);
	assert_memory_not_equal(a + 1, b + 1, 12);
	free(a);
	free(b);
}

static void
seal_empty_plaintext(void **state)
{
	struct fio_key k;
	unsigned char *sealed = NULL, *pt = NULL;
	size_t sealedlen = 0, ptlen = 99;

	(void)state;
	test_key(&k);
	assert_int_equal(fio_seal(&k, "", NULL, 0, &sealed, &sealedlen), 0);
	assert_int_equal(sealedlen, FIO_SEAL_OVERHEAD);
	assert_int_equal(fio_open(&k, "", sealed, sealedlen, &pt, &ptlen), 0);
	assert_int_equal(ptlen, 0);
	fio_freezero(pt, 1);
	assert_int_equal(fio_open(&k, "a", sealed, sealedlen, &pt, &ptlen), -1);
	free(sealed);
}

/* Flips one bit at pos and expects fio_open to refuse. */
static void
expect_tamper_refused(const struct fio_key *k, const unsigned char *sealed, size_t len, size_t pos)
{
	unsigned char *copy = malloc(len), *pt = NULL;
	size_t ptlen = 0;

	assert_non_null(copy);
	memcpy(copy, sealed, len);
	copy[pos] ^= 0x01;
	assert_int_equal(fio_open(k, "totp:alice", copy, len, &pt, &ptlen), -1);
	assert_null(pt);
	free(copy);
}

static void
seal_tamper_refused(void **state)
{
	static const unsigned char msg[] = "0123456789abcdefghij";
	struct fio_key k, other;
	unsigned char *sealed = NULL, *pt = NULL;
	size_t len = 0, ptlen = 0;

	(void)state;
	test_key(&k);
	assert_int_equal(fio_seal(&k, "totp:alice", msg, 20, &sealed, &len), 0);
	expect_tamper_refused(&k, sealed, len, 0);        /* version */
	expect_tamper_refused(&k, sealed, len, 1);        /* nonce */
	expect_tamper_refused(&k, sealed, len, 12);       /* nonce, last byte */
	expect_tamper_refused(&k, sealed, len, 13);       /* ciphertext */
	expect_tamper_refused(&k, sealed, len, len - 17); /* ciphertext, last byte */
	expect_tamper_refused(&k, sealed, len, len - 16); /* tag */
	expect_tamper_refused(&k, sealed, len, len - 1);  /* tag, last byte */
	/* Wrong AAD, wrong key, truncated, extended. */
	assert_int_equal(fio_open(&k, "totp:bob", sealed, len, &pt, &ptlen), -1);
	assert_int_equal(fio_open(&k, "totp:alic", sealed, len, &pt, &ptlen), -1);
	assert_int_equal(fio_open(&k, "", sealed, len, &pt, &ptlen), -1);
	other = k;
	other.k[31] ^= 0x80;
	assert_int_equal(fio_open(&other, "totp:alice", sealed, len, &pt, &ptlen), -1);
	assert_int_equal(fio_open(&k, "totp:alice", sealed, len - 1, &pt, &ptlen), -1);
	assert_int_equal(fio_open(&k, "totp:alice", sealed, FIO_SEAL_OVERHEAD - 1, &pt, &ptlen),
	                 -1);
	assert_null(pt);
	/* A future version byte is refused even before the tag is checked. */
	sealed[0] = 2;
	assert_int_equal(fio_open(&k, "totp:alice", sealed, len, &pt, &ptlen), -1);
	free(sealed);
}

/* ---- randomness, compare ---------------------------------------------------------- */

static void
random_uniform_bounds(void **state)
{
	unsigned counts[3] = {0, 0, 0};
	uint32_t v;
	int i;

	(void)state;
	assert_int_equal(fio_random_uniform(0, &v), -1);
	assert_int_equal(fio_random_uniform(1, &v), 0);
	assert_int_equal(v, 0);
	for (i = 0; i < 3000; i++) {
		assert_int_equal(fio_random_uniform(3, &v), 0);
		assert_true(v < 3);
		counts[v]++;
	}
	for (i = 0; i < 3; i++)
		assert_true(counts[i] > 800 && counts[i] < 1200);
	assert_int_equal(fio_random_uniform(UINT32_MAX, &v), 0);
	assert_true(v < UINT32_MAX);
}

static void
ct_equal_works(void **state)
{
	(void)state;
	assert_int_equal(fio_ct_equal("abcdef", "abcdef", 6), 1);
	assert_int_equal(fio_ct_equal("abcdef", "abcdeg", 6), 0);
	assert_int_equal(fio_ct_equal("xbcdef", "abcdef", 6), 0);
	assert_int_equal(fio_ct_equal("a", "b", 0), 1);
}

/* ---- base32 ------------------------------------------------------------------------ */

static const struct {
	const char *raw, *b32;
} rfc4648[] = {
        {"", ""},
        {"f", "MY"},
        {"fo", "MZXQ"},
        {"foo", "MZXW6"},
        {"foob", "MZXW6YQ"},
        {"fooba", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI"},
};

static void
base32_rfc4648_vectors(void **state)
{
	unsigned char dec[16];
	char enc[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		n = strlen(rfc4648[i].raw);
		assert_int_equal(fio_base32_encode((const unsigned char *)rfc4648[i].raw, n, enc,
		                                   sizeof(enc)),
		                 strlen(rfc4648[i].b32));
		assert_string_equal(enc, rfc4648[i].b32);
		assert_int_equal(fio_base32_decode(rfc4648[i].b32, dec, sizeof(dec)), (int)n);
		assert_memory_equal(dec, rfc4648[i].raw, n);
	}
}

static void
base32_lenient_input(void **state)
{
	unsigned char dec[16];

	(void)state;
	assert_int_equal(fio_base32_decode("mzxw6ytboi", dec, sizeof(dec)), 6);
	assert_memory_equal(dec, "foobar", 6);
	assert_int_equal(fio_base32_decode("MZXW 6YTB-OI", dec, sizeof(dec)), 6);
	assert_memory_equal(dec, "foobar", 6);
	assert_int_equal(fio_base32_decode("MZXW6YQ=", dec, sizeof(dec)), 4);
	assert_int_equal(fio_base32_decode("MY======", dec, sizeof(dec)), 1);
	assert_int_equal(fio_base32_decode("MZXW6YTBOI======", dec, sizeof(dec)), 6);
}

static void
base32_bad_refused(void **state)
{
	static const char *bad[] = {
	        "MZXW6YT1", "MZXW0", "MZXW8",  "MZ=XW",  "MZXW6YQ=X", "MZXW6YQ==", "MY=",
	        "M",        "MZX",   "MZXW6Y", "MZXW_6", "MZ\tXW",    "MZXW6YQ\n", "M\xc3\xa9",
	};
	unsigned char dec[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fio_base32_decode(bad[i], dec, sizeof(dec)), -1);
	/* Output buffer too small. */
	assert_int_equal(fio_base32_decode("MZXW6YTBOI", dec, 5), -1);
	assert_int_equal(fio_base32_decode("MZXW6YTBOI", dec, 6), 6);
}

static void
base32_encode_small_buffer(void **state)
{
	char enc[10];

	(void)state;
	assert_int_equal(fio_base32_encode((const unsigned char *)"foobar", 6, enc, 10), 0);
	assert_string_equal(enc, "");
}

static void
base32_encode_exact_buffer(void **state)
{
	char enc[11];

	(void)state;
	assert_int_equal(fio_base32_encode((const unsigned char *)"foobar", 6, enc, sizeof(enc)),
	                 10);
	assert_string_equal(enc, "MZXW6YTBOI");
}

static void
base32_random_round_trip(void **state)
{
	unsigned char raw[64], dec[64];
	char enc[(64 * 8 + 4) / 5 + 1];
	size_t n;
	int round;

	(void)state;
	for (round = 0; round < 50; round++) {
		for (n = 0; n <= sizeof(raw); n++) {
			assert_int_equal(fio_random(raw, n), 0);
			assert_int_equal(fio_base32_encode(raw, n, enc, (n * 8 + 4) / 5 + 1),
			                 (n * 8 + 4) / 5);
			assert_int_equal(fio_base32_decode(enc, dec, n), (int)n);
			assert_memory_equal(dec, raw, n);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(key_created_0600_when_missing, keydir_setup,
	                                        keydir_teardown),
	        cmocka_unit_test_setup_teardown(key_existing_loaded, keydir_setup, keydir_teardown),
	        cmocka_unit_test_setup_teardown(key_bad_mode_refused, keydir_setup,
	                                        keydir_teardown),
	        cmocka_unit_test_setup_teardown(key_wrong_size_refused, keydir_setup,
	                                        keydir_teardown),
	        cmocka_unit_test_setup_teardown(key_symlink_refused, keydir_setup, keydir_teardown),
	        cmocka_unit_test_setup_teardown(key_not_regular_refused, keydir_setup,
	                                        keydir_teardown),
	        cmocka_unit_test_setup_teardown(key_wrong_owner_refused, keydir_setup,
	                                        keydir_teardown),
	        cmocka_unit_test(seal_round_trip),
	        cmocka_unit_test(seal_nonce_fresh),
	        cmocka_unit_test(seal_empty_plaintext),
	        cmocka_unit_test(seal_tamper_refused),
	        cmocka_unit_test(random_uniform_bounds),
	        cmocka_unit_test(ct_equal_works),
	        cmocka_unit_test(base32_rfc4648_vectors),
	        cmocka_unit_test(base32_lenient_input),
	        cmocka_unit_test(base32_bad_refused),
	        cmocka_unit_test(base32_encode_small_buffer),
	        cmocka_unit_test(base32_encode_exact_buffer),
	        cmocka_unit_test(base32_random_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
