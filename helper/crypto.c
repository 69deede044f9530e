/*
 * crypto.c - the key file, AES-256-GCM sealing of secrets at rest, the CSPRNG,
 * constant-time compare and RFC 4648 base32. OpenSSL libcrypto.
 *
 * Sealed layout: version (1) | nonce (12) | ciphertext (ptlen) | tag (16).
 * The additional authenticated data is the version byte followed by the
 * caller's aad string, so neither can be changed without breaking the tag.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "fio-wipe.h"

#define SEAL_VERSION 1u
#define NONCE_LEN 12u
#define TAG_LEN 16u
#define SEAL_MAX ((size_t)INT_MAX - FIO_SEAL_OVERHEAD)

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- key file ------------------------------------------------------------ */

static int
read_all(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int
write_all(int fd, const unsigned char *buf, size_t n)
{
	size_t put = 0;

	while (put < n) {
		ssize_t r = write(fd, buf + put, n - put);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		put += (size_t)r;
	}
	return 0;
}

/* Makes the directory entry of a new file durable (best effort). */
static void
sync_parent_dir(const char *path)
{
	char *dir = strdup(path);
	char *slash;
	int fd;

	if (dir == NULL)
		return;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	fd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		(void)close(fd);
	}
	free(dir);
}

/* Creates the key file with O_EXCL. 0 created, 1 it already existed, -1 error. */
static int
key_create(const char *path, char *err, size_t errlen)
{
	unsigned char k[FIO_KEY_LEN];
	int fd, rc = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 1;
		set_err(err, errlen, "key file %s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	if (fio_random(k, sizeof(k)) != 0) {
		set_err(err, errlen, "key file %s: random generator failed", path);
		goto out;
	}
	if (write_all(fd, k, sizeof(k)) != 0 || fsync(fd) != 0) {
		set_err(err, errlen, "key file %s: cannot write: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	FIO_WIPE_ARRAY(k);
	if (close(fd) != 0 && rc == 0) {
		set_err(err, errlen, "key file %s: cannot write: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		(void)unlink(path);
	else
		sync_parent_dir(path);
	return rc;
}

static int
key_check_stat(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		set_err(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "key file %s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		set_err(err, errlen, "key file %s: not owned by uid %lu", path,
		        (unsigned long)geteuid());
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		set_err(err, errlen, "key file %s: mode %04o, must be 0600 or stricter", path,
		        (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_size != (off_t)FIO_KEY_LEN) {
		set_err(err, errlen, "key file %s: size %lld, must be %u bytes", path,
		        (long long)st.st_size, FIO_KEY_LEN);
		return -1;
	}
	return 0;
}

int
fio_key_load(const char *path, int create, struct fio_key *key, char *err, size_t errlen)
{
	unsigned char k[FIO_KEY_LEN];
	int fd = -1, rc = -1;

	if (path == NULL || key == NULL) {
		set_err(err, errlen, "key file: no path");
		return -1;
	}
	/* O_NONBLOCK: a FIFO planted at the path must not block the open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (key_create(path, err, errlen) < 0)
			goto out;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	}
	if (fd < 0) {
		set_err(err, errlen, "key file %s: %s", path,
		        errno == ELOOP ? "is a symbolic link" : strerror(errno));
		goto out;
	}
	if (key_check_stat(fd, path, err, errlen) != 0)
		goto out;
	if (read_all(fd, k, sizeof(k)) != 0) {
		set_err(err, errlen, "key file %s: short read", path);
		goto out;
	}
	memcpy(key->k, k, sizeof(k));
	rc = 0;
out:
	FIO_WIPE_ARRAY(k);
	if (fd >= 0)
		(void)close(fd);
	return rc;
}

void
fio_key_wipe(struct fio_key *key)
{
	if (key != NULL)
		fio_wipe(key->k, sizeof(key->k));
}

/* ---- AES-256-GCM ----------------------------------------------------------- */

/* Starts a GCM context and feeds the version byte and aad. */
static EVP_CIPHER_CTX *
gcm_start(int enc, const struct fio_key *key, const unsigned char *nonce, const char *aad)
{
	static const unsigned char ver = SEAL_VERSION;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t aadlen = strlen(aad);
	int len;

	if (ctx == NULL)
		return NULL;
	if (aadlen > INT_MAX ||
	    EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key->k, nonce, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &len, &ver, 1) != 1 ||
	    (aadlen > 0 &&
	     EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)aadlen) != 1)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
fio_seal(const struct fio_key *key, const char *aad, const unsigned char *pt, size_t ptlen,
         unsigned char **out, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *buf = NULL, *nonce, *ct;
	size_t len;
	int n, rc = -1;

	if (key == NULL || aad == NULL || (pt == NULL && ptlen > 0) || out == NULL ||
	    outlen == NULL || ptlen > SEAL_MAX)
		return -1;
	len = FIO_SEAL_OVERHEAD + ptlen;
	buf = malloc(len);
	if (buf == NULL)
		goto out;
	buf[0] = SEAL_VERSION;
	nonce = buf + 1;
	ct = nonce + NONCE_LEN;
	if (fio_random(nonce, NONCE_LEN) != 0)
		goto out;
	ctx = gcm_start(1, key, nonce, aad);
	if (ctx == NULL)
		goto out;
	if (ptlen > 0 && (EVP_EncryptUpdate(ctx, ct, &n, pt, (int)ptlen) != 1 || n != (int)ptlen))
		goto out;
	if (EVP_EncryptFinal_ex(ctx, ct + ptlen, &n) != 1 || n != 0)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int)TAG_LEN, ct + ptlen) != 1)
		goto out;
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	fio_freezero(buf, len);
	return rc;
}

int
fio_open(const struct fio_key *key, const char *aad, const unsigned char *in, size_t inlen,
         unsigned char **pt, size_t *ptlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *buf = NULL, tag[TAG_LEN];
	size_t len = 0;
	int n, rc = -1;

	if (key == NULL || aad == NULL || in == NULL || pt == NULL || ptlen == NULL ||
	    inlen < FIO_SEAL_OVERHEAD || inlen > (size_t)INT_MAX || in[0] != SEAL_VERSION)
		return -1;
	len = inlen - FIO_SEAL_OVERHEAD;
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		goto out;
	memcpy(tag, in + inlen - TAG_LEN, TAG_LEN);
	ctx = gcm_start(0, key, in + 1, aad);
	if (ctx == NULL)
		goto out;
	if (len > 0 &&
	    (EVP_DecryptUpdate(ctx, buf, &n, in + 1 + NONCE_LEN, (int)len) != 1 || n != (int)len))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)TAG_LEN, tag) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, buf + len, &n) != 1)
		goto out;
	*pt = buf;
	*ptlen = len;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	fio_freezero(buf, len > 0 ? len : 1);
	return rc;
}

/* ---- randomness and compare ------------------------------------------------ */

int
fio_random(void *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (buf == NULL || n > INT_MAX)
		return -1;
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

int
fio_random_uniform(uint32_t bound, uint32_t *out)
{
	/* 2^32 mod bound: values below it would make the low results likelier. */
	uint32_t min, r;
	int i;

	if (bound == 0 || out == NULL)
		return -1;
	min = (uint32_t)(-bound) % bound;
	/* Each try succeeds with probability > 1/2; 64 failures mean a broken RNG. */
	for (i = 0; i < 64; i++) {
		if (fio_random(&r, sizeof(r)) != 0)
			return -1;
		if (r >= min) {
			*out = r % bound;
			return 0;
		}
	}
	return -1;
}

int
fio_ct_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 1;
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* ---- base32 ---------------------------------------------------------------- */

size_t
fio_base32_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0, need;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (out == NULL || outsz == 0)
		return 0;
	out[0] = '\0';
	if ((in == NULL && n > 0) || n > (SIZE_MAX - 5) / 8)
		return 0;
	need = (n * 8 + 4) / 5 + 1;
	if (outsz < need)
		return 0;
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	fio_wipe(&acc, sizeof(acc));
	return o;
}

/* Value of a base32 character, -1 if it is not one. */
static int
b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Checks what follows the first '=': only padding, and a sane amount of it. */
static int
b32_padding_ok(const char *p, size_t nchars)
{
	size_t pads = 0;

	for (; *p != '\0'; p++) {
		if (*p != '=')
			return 0;
		pads++;
	}
	return pads < 8 && (nchars + pads) % 8 == 0;
}

/*
 * Leftover bits after the last whole byte are dropped without checking that
 * they are zero: secrets typed from other issuers are not always canonical.
 * A character count that leaves a whole useless character (1, 3 or 6 mod 8)
 * cannot come from any encoder and is refused.
 */
int
fio_base32_decode(const char *in, unsigned char *out, size_t outsz)
{
	size_t o = 0, nchars = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	const char *p;
	int v;

	if (in == NULL || out == NULL || outsz > INT_MAX)
		return -1;
	for (p = in; *p != '\0' && *p != '='; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		v = b32_value(*p);
		if (v < 0)
			goto fail;
		nchars++;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				goto fail;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (*p == '=' && !b32_padding_ok(p, nchars))
		goto fail;
	if (nchars % 8 == 1 || nchars % 8 == 3 || nchars % 8 == 6)
		goto fail;
	fio_wipe(&acc, sizeof(acc));
	return (int)o;
fail:
	fio_wipe(&acc, sizeof(acc));
	fio_wipe(out, o);
	return -1;
}

int
fio_ct_streq(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && fio_ct_equal(a, b, n);
}
