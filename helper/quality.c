/*
 * quality.c - the password rules (quality.h). Our own checks come first: the
 * bytes (NUL, UTF-8, control characters, FIO_PASSWORD_MAX), the length in
 * characters, the user name and the e-mail address. Then libpwquality, with
 * its length, credit, class and repeat rules turned off (NIST 800-63B: no
 * composition rules; our length rule is the one) and its cracklib dictionary
 * on or off. /etc/security/pwquality.conf is still read for dictpath, difok,
 * badwords and gecoscheck.
 *
 * libpwquality's settings are made and freed per call. cracklib's
 * FascistCheck keeps static state (one open dictionary, getpwuid), so
 * pwquality_check runs under one process-wide mutex: the only global here.
 */
#include <libintl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pwquality.h>

#include "fio-codec.h"
#include "fio-wipe.h"
#include "password.h"
#include "quality.h"

#define WORD_MIN 3u /* shorter user names and local parts are not looked for */
#define CRACKLIB_DOMAIN "cracklib"
#define CRACKLIB_LOAD_ERROR "error loading dictionary" /* FascistCheck's reason */
#define CRACKLIB_DEFAULT_DICT "/var/cache/cracklib/cracklib_dict"
#define DICT_PATH_MAX 4096u
#define PROBE_STRONG "Zq7#vL9!mW2@xR4$" /* passes any working dictionary */
#define PROBE_COMMON "password123"      /* refused by any working dictionary */
#define INSTALL_HINT "install cracklib-runtime, or set password.dictionary = false"
#define REBUILD_HINT "run update-cracklib, or set password.dictionary = false"
#define UNCHECKED "The password could not be checked"

/* What one pwquality_check result means for us. */
enum pwq_verdict {
	PWQ_ACCEPT, /* a score */
	PWQ_REFUSE, /* a reason for the user */
	PWQ_IGNORE, /* a length/composition rule: ours decide */
	PWQ_BROKEN, /* out of memory, no dictionary, ...: not the password's fault */
};

static pthread_mutex_t cracklib_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Number of characters in s[0..n): bytes that are not UTF-8 continuation bytes. */
static size_t
utf8_chars(const char *s, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			count++;
	}
	return count;
}

/* 1 if valid UTF-8 s[0..n) holds a C0 control, DEL or a C1 control (U+0080..U+009F,
 * encoded 0xc2 0x80..0x9f). */
static int
has_control(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 1;
		if (s[i] == 0xc2 && i + 1 < n && s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/* Steps 1 and 2: the bytes, then the length in characters. 1, or 0 with msg. */
static int
check_form(const struct fio_quality *q, const char *pw, size_t len, char *msg, size_t msglen)
{
	size_t chars;

	if (len == 0) {
		say(msg, msglen, "The password is empty.");
		return 0;
	}
	if (memchr(pw, '\0', len) != NULL) {
		say(msg, msglen, "The password contains a control character.");
		return 0;
	}
	if (!fio_utf8_valid(pw, len)) {
		say(msg, msglen, "The password is not valid UTF-8.");
		return 0;
	}
	if (has_control(pw, len)) {
		say(msg, msglen, "The password contains a control character.");
		return 0;
	}
	if (len > FIO_PASSWORD_MAX) {
		say(msg, msglen, "The password is longer than %u bytes.", FIO_PASSWORD_MAX);
		return 0;
	}
	chars = utf8_chars(pw, len);
	if (chars < q->min_length) {
		say(msg, msglen, "The password is shorter than %u characters.", q->min_length);
		return 0;
	}
	if (chars > q->max_length) {
		say(msg, msglen, "The password is longer than %u characters.", q->max_length);
		return 0;
	}
	return 1;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* 1 if word[0..wlen) occurs in s[0..n), ASCII letters in either case. */
static int
contains_fold(const char *s, size_t n, const char *word, size_t wlen)
{
	size_t i, k;

	if (wlen == 0 || wlen > n)
		return 0;
	for (i = 0; i <= n - wlen; i++) {
		for (k = 0; k < wlen; k++) {
			if (ascii_lower((unsigned char)s[i + k]) !=
			    ascii_lower((unsigned char)word[k]))
				break;
		}
		if (k == wlen)
			return 1;
	}
	return 0;
}

/* Writes s[0..n) to out with its characters (whole UTF-8 sequences) in reverse order. */
static void
reverse_chars(const char *s, size_t n, char *out)
{
	size_t i = 0, k;

	while (i < n) {
		k = 1;
		while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k++;
		memcpy(out + (n - i - k), s + i, k);
		i += k;
	}
}

/* 1 if pw[0..len) contains word[0..wlen) (WORD_MIN characters or more), forwards or
 * backwards, in any case. len <= FIO_PASSWORD_MAX. */
static int
contains_word(const char *pw, size_t len, const char *word, size_t wlen)
{
	char rev[FIO_PASSWORD_MAX];

	if (utf8_chars(word, wlen) < WORD_MIN || wlen > len)
		return 0;
	if (contains_fold(pw, len, word, wlen))
		return 1;
	reverse_chars(word, wlen, rev);
	return contains_fold(pw, len, rev, wlen);
}

/* Step 3: the user name, the e-mail address and its local part. 1, or 0 with msg. */
static int
check_identity(const char *pw, size_t len, const char *user, const char *email, char *msg,
               size_t msglen)
{
	const char *at;

	if (user != NULL && contains_word(pw, len, user, strlen(user))) {
		say(msg, msglen, "The password contains the user name.");
		return 0;
	}
	if (email == NULL || email[0] == '\0')
		return 1;
	at = strrchr(email, '@');
	if (contains_word(pw, len, email, strlen(email)) ||
	    (at != NULL && contains_word(pw, len, email, (size_t)(at - email)))) {
		say(msg, msglen, "The password contains the e-mail address.");
		return 0;
	}
	return 1;
}

/* libpwquality's settings for q: pwquality.conf, then ours on top. NULL on failure. */
static pwquality_settings_t *
settings_new(const struct fio_quality *q)
{
	const struct {
		int id;
		int value;
	} ours[] = {
	        /* 0 is raised to libpwquality's floor (6): we count the length ourselves */
	        {PWQ_SETTING_MIN_LENGTH, 0},       {PWQ_SETTING_DIG_CREDIT, 0},
	        {PWQ_SETTING_UP_CREDIT, 0},        {PWQ_SETTING_LOW_CREDIT, 0},
	        {PWQ_SETTING_OTH_CREDIT, 0},       {PWQ_SETTING_MIN_CLASS, 0},
	        {PWQ_SETTING_MAX_REPEAT, 0},       {PWQ_SETTING_MAX_SEQUENCE, 0},
	        {PWQ_SETTING_MAX_CLASS_REPEAT, 0}, {PWQ_SETTING_DICT_CHECK, q->dictionary ? 1 : 0},
	        {PWQ_SETTING_USER_CHECK, 1},
	};
	char text[PWQ_MAX_ERROR_MESSAGE_LEN];
	pwquality_settings_t *pwq;
	void *aux = NULL;
	size_t i;
	int r;

	if ((pwq = pwquality_default_settings()) == NULL)
		return NULL;
	/* A missing file is fine (libpwquality says so itself); a bad one is not ours
	 * to refuse: what it would change that matters is set again below. strerror
	 * frees the setting name it may return. */
	r = pwquality_read_config(pwq, NULL, &aux);
	if (r != 0)
		(void)pwquality_strerror(text, sizeof(text), r, aux);
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		if (pwquality_set_int_value(pwq, ours[i].id, ours[i].value) != 0) {
			pwquality_free_settings(pwq);
			return NULL;
		}
	}
	return pwq;
}

/* 1 if cracklib's reason aux says that the dictionary could not be opened. */
static int
is_load_error(const void *aux)
{
	if (aux == NULL)
		return 0;
	return strcmp(aux, CRACKLIB_LOAD_ERROR) == 0 ||
	       strcmp(aux, dgettext(CRACKLIB_DOMAIN, CRACKLIB_LOAD_ERROR)) == 0;
}

static enum pwq_verdict
classify(int r, const void *aux)
{
	if (r >= 0)
		return PWQ_ACCEPT;
	switch (r) {
	case PWQ_ERROR_SAME_PASSWORD:
	case PWQ_ERROR_CASE_CHANGES_ONLY:
	case PWQ_ERROR_TOO_SIMILAR:
	case PWQ_ERROR_ROTATED:
	case PWQ_ERROR_PALINDROME:
	case PWQ_ERROR_USER_CHECK:
	case PWQ_ERROR_GECOS_CHECK:
	case PWQ_ERROR_BAD_WORDS:
		return PWQ_REFUSE;
	case PWQ_ERROR_CRACKLIB_CHECK:
		return is_load_error(aux) ? PWQ_BROKEN : PWQ_REFUSE;
	/* Turned off in settings_new; should one slip through, our rules decide. */
	case PWQ_ERROR_MIN_LENGTH:
	case PWQ_ERROR_MIN_DIGITS:
	case PWQ_ERROR_MIN_UPPERS:
	case PWQ_ERROR_MIN_LOWERS:
	case PWQ_ERROR_MIN_OTHERS:
	case PWQ_ERROR_MIN_CLASSES:
	case PWQ_ERROR_MAX_CONSECUTIVE:
	case PWQ_ERROR_MAX_CLASS_REPEAT:
	case PWQ_ERROR_MAX_SEQUENCE:
		return PWQ_IGNORE;
	default:
		return PWQ_BROKEN;
	}
}

/* pwquality_check(pw) under the cracklib lock. On a negative result, its
 * sentence (as libpwquality words it) goes to text. Returns the verdict. */
static enum pwq_verdict
run_check(pwquality_settings_t *pwq, const char *pw, const char *old, const char *user, char *text,
          size_t textlen)
{
	char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
	enum pwq_verdict v;
	void *aux = NULL;
	int r;

	text[0] = '\0';
	if (pthread_mutex_lock(&cracklib_lock) != 0) {
		say(text, textlen, "cannot take the dictionary lock");
		return PWQ_BROKEN;
	}
	r = pwquality_check(pwq, pw, old, user, &aux);
	v = classify(r, aux);
	/* Always, so that any aux it allocated is freed. */
	if (r < 0)
		say(text, textlen, "%s", pwquality_strerror(buf, sizeof(buf), r, aux));
	(void)pthread_mutex_unlock(&cracklib_lock);
	if (v == PWQ_BROKEN && r == PWQ_ERROR_CRACKLIB_CHECK)
		say(text, textlen, "cracklib's dictionary cannot be loaded");
	return v;
}

/* Step 4: libpwquality. 1, 0 or -1, with msg. */
static int
check_pwquality(const struct fio_quality *q, const char *pw, size_t len, const char *user,
                const char *old, char *msg, size_t msglen)
{
	char copy[FIO_PASSWORD_MAX + 1], text[PWQ_MAX_ERROR_MESSAGE_LEN];
	pwquality_settings_t *pwq;
	enum pwq_verdict v;
	size_t n;

	if ((pwq = settings_new(q)) == NULL) {
		say(msg, msglen, UNCHECKED " (libpwquality cannot be set up).");
		return -1;
	}
	memcpy(copy, pw, len);
	copy[len] = '\0';
	v = run_check(pwq, copy, old, user, text, sizeof(text));
	FIO_WIPE_ARRAY(copy);
	pwquality_free_settings(pwq);
	switch (v) {
	case PWQ_ACCEPT:
	case PWQ_IGNORE:
		return 1;
	case PWQ_REFUSE:
		n = strlen(text);
		say(msg, msglen, "%s%s", text, n > 0 && text[n - 1] == '.' ? "" : ".");
		return 0;
	case PWQ_BROKEN:
	default:
		say(msg, msglen, UNCHECKED " (%s).", text);
		return -1;
	}
}

int
fio_quality_check(const struct fio_quality *q, const char *pw, size_t len, const char *user,
                  const char *email, const char *old, char *msg, size_t msglen)
{
	int r;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (q == NULL || (pw == NULL && len > 0)) {
		say(msg, msglen, UNCHECKED " (no password or rules).");
		return -1;
	}
	if ((r = check_form(q, pw, len, msg, msglen)) != 1)
		return r;
	if ((r = check_identity(pw, len, user, email, msg, msglen)) != 1)
		return r;
	return check_pwquality(q, pw, len, user, old, msg, msglen);
}

/* With dictionary on: its files are there, it loads, and it refuses a common
 * password. 0, or -1 with err. */
static int
dictionary_selftest(pwquality_settings_t *pwq, char *err, size_t errlen)
{
	static const char *const exts[] = {".pwd", ".pwi"};
	char file[DICT_PATH_MAX], text[PWQ_MAX_ERROR_MESSAGE_LEN];
	const char *path = NULL;
	size_t i;
	int n;

	if (pwquality_get_str_value(pwq, PWQ_SETTING_DICT_PATH, &path) != 0 || path == NULL)
		path = CRACKLIB_DEFAULT_DICT;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		n = snprintf(file, sizeof(file), "%s%s", path, exts[i]);
		if (n < 0 || (size_t)n >= sizeof(file)) {
			say(err, errlen, "libpwquality's dictionary path is too long");
			return -1;
		}
		if (access(file, R_OK) != 0) {
			say(err, errlen, "libpwquality's dictionary %s is missing (%s)", file,
			    INSTALL_HINT);
			return -1;
		}
	}
	if (run_check(pwq, PROBE_STRONG, NULL, NULL, text, sizeof(text)) != PWQ_ACCEPT) {
		say(err, errlen, "libpwquality's dictionary %s cannot be used: %s (%s)", path, text,
		    REBUILD_HINT);
		return -1;
	}
	if (run_check(pwq, PROBE_COMMON, NULL, NULL, text, sizeof(text)) != PWQ_REFUSE) {
		say(err, errlen, "libpwquality's dictionary %s does not refuse \"%s\" (%s)", path,
		    PROBE_COMMON, REBUILD_HINT);
		return -1;
	}
	return 0;
}

int
fio_quality_selftest(const struct fio_quality *q, char *err, size_t errlen)
{
	pwquality_settings_t *pwq;
	int ret = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (q == NULL || q->min_length == 0 || q->min_length > q->max_length) {
		say(err, errlen, "password.min_length must be between 1 and password.max_length");
		return -1;
	}
	if ((pwq = settings_new(q)) == NULL) {
		say(err, errlen, "libpwquality cannot be set up (out of memory?)");
		return -1;
	}
	if (q->dictionary && dictionary_selftest(pwq, err, errlen) != 0)
		goto out;
	ret = 0;
out:
	pwquality_free_settings(pwq);
	return ret;
}
