/*
 * totp.c - RFC 6238 TOTP over liboath's RFC 4226 HOTP. liboath computes the
 * codes; we compare them ourselves, because oath_totp_validate* stops at the
 * first match with strcmp: every step of the window is computed and compared
 * in constant time, and the latest matching step above min_step wins.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>

#include "crypto.h"
#include "fio-wipe.h"
#include "totp.h"

#define DIGITS_MIN 6u /* what liboath supports */
#define DIGITS_MAX 8u
#define WINDOW_MAX 10u /* steps each side; more would make guessing cheap */
#define URI_PART_MAX 1024u

static int
digits_ok(unsigned digits)
{
	return digits >= DIGITS_MIN && digits <= DIGITS_MAX;
}

int
fio_totp_global_init(void)
{
	return oath_init() == OATH_OK ? 0 : -1;
}

void
fio_totp_global_done(void)
{
	(void)oath_done();
}

int64_t
fio_totp_step(time_t now, unsigned period)
{
	if (period == 0 || now < 0)
		return -1;
	return (int64_t)now / (int64_t)period;
}

int
fio_totp_code(const unsigned char *secret, size_t secretlen, int64_t step, unsigned digits,
              char *out, size_t outsz)
{
	char otp[DIGITS_MAX + 1];
	int rc = -1;

	if (secret == NULL || secretlen == 0 || secretlen > FIO_TOTP_SECRET_MAX || step < 0 ||
	    !digits_ok(digits) || out == NULL || outsz < digits + 1)
		return -1;
	/* OATH_HOTP_DYNAMIC_TRUNCATION: the RFC 4226 truncation (liboath's own choice). */
	if (oath_hotp_generate((const char *)secret, secretlen, (uint64_t)step, digits, false,
	                       OATH_HOTP_DYNAMIC_TRUNCATION, otp) != OATH_OK)
		goto out;
	if (strnlen(otp, sizeof(otp)) != digits)
		goto out;
	memcpy(out, otp, digits + 1);
	rc = 0;
out:
	FIO_WIPE_ARRAY(otp);
	return rc;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
fio_totp_canon(const char *typed, unsigned digits, char *out, size_t outsz)
{
	char buf[DIGITS_MAX + 1];
	size_t len, i, o = 0, sep;
	int rc = -1;

	if (typed == NULL || !digits_ok(digits) || out == NULL || outsz < digits + 1)
		return -1;
	len = strnlen(typed, digits + 2); /* never scans past what could be valid */
	if (len != digits && len != digits + 1)
		return -1;
	sep = len == digits + 1 ? digits / 2 : (size_t)-1;
	for (i = 0; i < len; i++) {
		if (i == sep) {
			if (typed[i] != ' ')
				goto out;
			continue;
		}
		if (!is_digit(typed[i]))
			goto out;
		buf[o++] = typed[i];
	}
	buf[o] = '\0';
	memcpy(out, buf, digits + 1);
	rc = 0;
out:
	FIO_WIPE_ARRAY(buf);
	return rc;
}

/* a if pick is 1, b if pick is 0, without a branch on pick. */
static int64_t
ct_select(int64_t a, int64_t b, int pick)
{
	uint64_t mask = (uint64_t)0 - (uint64_t)(pick & 1);

	return (int64_t)(((uint64_t)a & mask) | ((uint64_t)b & ~mask));
}

int
fio_totp_verify(const unsigned char *secret, size_t secretlen, const char *code, unsigned digits,
                int64_t step, unsigned window, int64_t min_step, int64_t *matched_step)
{
	char want[DIGITS_MAX + 1];
	int64_t s, best = -1;
	int found = 0, rc = -1;

	if (secret == NULL || code == NULL || matched_step == NULL || !digits_ok(digits) ||
	    window > WINDOW_MAX || step < 0 || step > INT64_MAX - WINDOW_MAX)
		return -1;
	if (strnlen(code, digits + 1) != digits)
		return 0;
	for (s = step - (int64_t)window; s <= step + (int64_t)window; s++) {
		int ok;

		if (s < 0)
			continue;
		if (fio_totp_code(secret, secretlen, s, digits, want, sizeof(want)) != 0)
			goto out;
		/* No early exit: every step is computed and compared. */
		ok = fio_ct_equal(want, code, digits) & (s > min_step);
		best = ct_select(s, best, ok);
		found |= ok;
	}
	if (found)
		*matched_step = best;
	rc = found;
out:
	FIO_WIPE_ARRAY(want);
	return rc;
}

/* ---- enrolment text ------------------------------------------------------------ */

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 percent-encoding of everything but the unreserved characters. */
static char *
pct_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strnlen(s, URI_PART_MAX + 1), i, o = 0;
	char *out;

	if (len > URI_PART_MAX)
		return NULL;
	out = malloc(len * 3 + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

static int
is_base32_upper(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '2' && *s <= '7')))
			return 0;
	}
	return 1;
}

char *
fio_totp_uri(const char *issuer, const char *user, const char *base32, unsigned digits,
             unsigned period)
{
	char *iss = NULL, *usr = NULL, *uri = NULL;
	size_t len;
	int n;

	if (issuer == NULL || user == NULL || base32 == NULL || !digits_ok(digits) || period == 0 ||
	    strnlen(base32, URI_PART_MAX + 1) > URI_PART_MAX || !is_base32_upper(base32))
		return NULL;
	iss = pct_encode(issuer);
	usr = pct_encode(user);
	if (iss == NULL || usr == NULL)
		goto out;
	len = 2 * strlen(iss) + strlen(usr) + strlen(base32) + 128;
	uri = malloc(len);
	if (uri == NULL)
		goto out;
	n = snprintf(uri, len,
	             "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%u&period=%u",
	             iss, usr, base32, iss, digits, period);
	if (n < 0 || (size_t)n >= len) {
		fio_freezero(uri, len);
		uri = NULL;
	}
out:
	free(iss);
	free(usr);
	return uri;
}

char *
fio_totp_grouped(const char *base32)
{
	size_t len, i, o = 0;
	char *out;

	if (base32 == NULL)
		return NULL;
	len = strnlen(base32, URI_PART_MAX + 1);
	if (len > URI_PART_MAX)
		return NULL;
	out = malloc(len + len / 4 + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = base32[i];
	}
	out[o] = '\0';
	return out;
}
