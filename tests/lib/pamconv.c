/*
 * pamconv.c - a scripted PAM application for the integration tests.
 *
 *     pamconv [-a | -l] [-A] [-e NAME]... [-b FILE] [-f FILE] [-r RHOST] [-t TTY]
 *             [-s SECONDS | -S SECONDS] SERVICE USER [ANSWER...]
 *     pamconv -c 0|expired [-e NAME]... [-b FILE] [-f FILE] [-r RHOST] [-t TTY]
 *             SERVICE USER [ANSWER...]
 *
 * Runs pam_authenticate() (and pam_acct_mgmt() with -a; only pam_acct_mgmt()
 * with -A) for USER under SERVICE.
 *
 * -l: a login like login(1) or sshd: pam_authenticate(), then pam_acct_mgmt();
 * if that returns PAM_NEW_AUTHTOK_REQD, pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)
 * (CHTOK line) and, if the change succeeded, pam_acct_mgmt() again (ACCT_AGAIN
 * line). The login succeeds (exit 0, and -s opens its session) if the
 * authentication succeeded and either the first pam_acct_mgmt() did or the
 * change and the second one did.
 *
 * -c FLAGS: only pam_chauthtok() (like passwd(1)), with the flags 0 or
 * PAM_CHANGE_EXPIRED_AUTHTOK ("expired"); not with -a, -A, -l, -s or -S. Run as
 * root this is root changing USER's password; run with another real uid (see
 * login_as in harness.sh), a user changing their own.
 *
 * The conversation answers every prompt with
 * the next ANSWER (from argv, then from FILE given with -f, one per line);
 * when none are left it returns PAM_CONV_ERR. Every pam_conv call and every
 * message is printed on stdout, one line each, control characters escaped:
 *
 *     CONV <call number> <number of messages>
 *     PROMPT_ECHO_OFF <text>   PROMPT_ECHO_ON <text>   ERROR <text>   INFO <text>
 *     NOANSWER                 (a prompt arrived with no answer left)
 *     DYNAMIC <kind>           (a dynamic answer, below, was given; never the code)
 *     NOSECRET                 (a TOTP answer was asked for, but no secret was seen)
 *     RECOVERY_SEEN <n>        (after a message holding n recovery codes)
 *     AUTH <PAM_CODE> (<pam_strerror text>)
 *     ACCT <PAM_CODE> (<pam_strerror text>)
 *     CHTOK <PAM_CODE> (<pam_strerror text>)        (-c, -l)
 *     ACCT_AGAIN <PAM_CODE> (<pam_strerror text>)   (-l, after a change)
 *     SESSION_OPEN <PAM_CODE>  SESSION_CLOSE <PAM_CODE>   (-s, -S)
 *     ENV <NAME>=<value> | ENV <NAME> unset     (-e: pam_getenv after the calls;
 *                                                with pam_wrapper's pam_get_items
 *                                                module in the stack this shows
 *                                                PAM items such as PAM_AUTHTOK)
 *
 * -b FILE: before giving the last answer, create FILE.ready.<pid> and wait (up
 * to 30 s) until FILE exists, so that a test can release several concurrent
 * logins at the same instant.
 *
 * -r RHOST, -t TTY: set PAM_RHOST / PAM_TTY before the calls.
 *
 * -s SECONDS: once pam_authenticate (and pam_acct_mgmt with -a) succeeded,
 * pam_open_session(), then sleep SECONDS, then pam_close_session() (only if the
 * open succeeded). -S SECONDS: the same without pam_authenticate (a publickey
 * ssh login; pam_acct_mgmt still runs with -a). SIGHUP and SIGTERM keep their
 * default action (the process ends, the session is not closed); SIGUSR1 ends
 * the sleep early (or skips it, if it came before) and the session is closed
 * normally.
 *
 * Dynamic answers: an ANSWER of the form
 *     @TOTP      the TOTP code for the secret seen last in this conversation
 *     @TOTP+N    the code N time steps later (@TOTP-N: earlier)
 *     @WRONG     a code that is none of that secret's codes for the steps -2..+2
 *     @FILE:PATH the first line of the file PATH (without its newline), read
 *                when the prompt arrives (e.g. a reset code a test took from
 *                a notice); unreadable: the answer is empty and
 *                DYNAMIC_ERROR is printed. The line itself is never printed.
 * The secret is the base32 "secret=" parameter of the last message holding an
 * otpauth:// URI (its digits= and period= are used too) or the "Secret key:"
 * line of a message (groups joined). Codes come from $OATHTOOL (default
 * "oathtool") at the time $PAMCONV_TOTP_TIME ("@EPOCH" or "YYYY-MM-DD HH:MM:SS",
 * always UTC, an optional " UTC" suffix allowed) or now. With no secret seen the
 * answer is empty and NOSECRET is printed.
 *
 * Exit status: 0 if every PAM call returned PAM_SUCCESS, 1 if not, 2 on usage
 * or setup errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strptime, timegm */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAX_ANSWERS 64
#define MAX_ENV 8
#define SECRET_MAX 256
#define CODE_MAX 16

extern char **environ;

static char *answers[MAX_ANSWERS];
static int n_answers;
static int next_answer;
static int conv_calls;
static const char *barrier;

/* the TOTP parameters of the last secret seen in the conversation */
static char totp_secret[SECRET_MAX];
static unsigned totp_digits = 6;
static unsigned totp_period = 30;

static volatile sig_atomic_t wake_up;

static const char *
code_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS:
		return "PAM_SUCCESS";
	case PAM_OPEN_ERR:
		return "PAM_OPEN_ERR";
	case PAM_SYMBOL_ERR:
		return "PAM_SYMBOL_ERR";
	case PAM_SERVICE_ERR:
		return "PAM_SERVICE_ERR";
	case PAM_SYSTEM_ERR:
		return "PAM_SYSTEM_ERR";
	case PAM_BUF_ERR:
		return "PAM_BUF_ERR";
	case PAM_PERM_DENIED:
		return "PAM_PERM_DENIED";
	case PAM_AUTH_ERR:
		return "PAM_AUTH_ERR";
	case PAM_CRED_INSUFFICIENT:
		return "PAM_CRED_INSUFFICIENT";
	case PAM_AUTHINFO_UNAVAIL:
		return "PAM_AUTHINFO_UNAVAIL";
	case PAM_USER_UNKNOWN:
		return "PAM_USER_UNKNOWN";
	case PAM_MAXTRIES:
		return "PAM_MAXTRIES";
	case PAM_NEW_AUTHTOK_REQD:
		return "PAM_NEW_AUTHTOK_REQD";
	case PAM_ACCT_EXPIRED:
		return "PAM_ACCT_EXPIRED";
	case PAM_SESSION_ERR:
		return "PAM_SESSION_ERR";
	case PAM_CRED_UNAVAIL:
		return "PAM_CRED_UNAVAIL";
	case PAM_CRED_EXPIRED:
		return "PAM_CRED_EXPIRED";
	case PAM_CRED_ERR:
		return "PAM_CRED_ERR";
	case PAM_CONV_ERR:
		return "PAM_CONV_ERR";
	case PAM_AUTHTOK_ERR:
		return "PAM_AUTHTOK_ERR";
	case PAM_AUTHTOK_RECOVERY_ERR:
		return "PAM_AUTHTOK_RECOVERY_ERR";
	case PAM_AUTHTOK_LOCK_BUSY:
		return "PAM_AUTHTOK_LOCK_BUSY";
	case PAM_AUTHTOK_DISABLE_AGING:
		return "PAM_AUTHTOK_DISABLE_AGING";
	case PAM_TRY_AGAIN:
		return "PAM_TRY_AGAIN";
	case PAM_IGNORE:
		return "PAM_IGNORE";
	case PAM_ABORT:
		return "PAM_ABORT";
	case PAM_AUTHTOK_EXPIRED:
		return "PAM_AUTHTOK_EXPIRED";
	case PAM_MODULE_UNKNOWN:
		return "PAM_MODULE_UNKNOWN";
	case PAM_BAD_ITEM:
		return "PAM_BAD_ITEM";
	default:
		return "PAM_UNKNOWN_CODE";
	}
}

static void
print_escaped(const char *tag, const char *text)
{
	const unsigned char *p;

	fputs(tag, stdout);
	fputc(' ', stdout);
	if (text == NULL) {
		fputs("(null)\n", stdout);
		return;
	}
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			fputc(*p, stdout);
	}
	fputc('\n', stdout);
}

static void
wait_barrier(void)
{
	char ready[4096];
	int fd, i;
	struct timespec ts = {0, 1000000};

	if (snprintf(ready, sizeof(ready), "%s.ready.%ld", barrier, (long)getpid()) >=
	    (int)sizeof(ready))
		return;
	fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 30000; i++) {
		if (access(barrier, F_OK) == 0)
			return;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "pamconv: barrier %s never released\n", barrier);
}

/* ------------------------------------------------------------ dynamic answers */

static int
is_b32(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

static int
upper(int c)
{
	return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

/* uri_param: the value of NAME in the query of the URI [uri, end), or NULL;
 * *len is its length. */
static const char *
uri_param(const char *uri, const char *end, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *p, *v;

	for (p = uri; p < end; p++) {
		if (*p != '?' && *p != '&')
			continue;
		if ((size_t)(end - p - 1) <= nl || strncmp(p + 1, name, nl) != 0 ||
		    p[1 + nl] != '=')
			continue;
		v = p + 2 + nl;
		for (*len = 0; v + *len < end && v[*len] != '&'; (*len)++)
			;
		return v;
	}
	return NULL;
}

static unsigned
uri_number(const char *uri, const char *end, const char *name, unsigned dflt)
{
	size_t len, i;
	const char *v = uri_param(uri, end, name, &len);
	unsigned n = 0;

	if (v == NULL || len == 0 || len > 4)
		return dflt;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return dflt;
		n = n * 10 + (unsigned)(v[i] - '0');
	}
	return n == 0 ? dflt : n;
}

/* scan_secret: remembers the TOTP secret shown in text, if any. */
static void
scan_secret(const char *text)
{
	char buf[SECRET_MAX];
	size_t n = 0, len, i;
	const char *p, *end, *v;

	p = strstr(text, "otpauth://");
	if (p != NULL) {
		for (end = p; *end != '\0' && *end != ' ' && *end != '\n' && *end != '\t'; end++)
			;
		v = uri_param(p, end, "secret", &len);
		for (i = 0; v != NULL && i < len && n + 1 < sizeof(buf) && is_b32(v[i]); i++)
			buf[n++] = (char)upper(v[i]);
		if (n > 0) {
			buf[n] = '\0';
			memcpy(totp_secret, buf, n + 1);
			totp_digits = uri_number(p, end, "digits", 6);
			totp_period = uri_number(p, end, "period", 30);
			return;
		}
	}
	p = strstr(text, "Secret key:");
	if (p == NULL)
		return;
	for (p += strlen("Secret key:"); *p != '\0' && *p != '\n' && n + 1 < sizeof(buf); p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (!is_b32(*p))
			break;
		buf[n++] = (char)upper(*p);
	}
	if (n > 0) {
		buf[n] = '\0';
		memcpy(totp_secret, buf, n + 1);
	}
}

static int
is_crockford(int c)
{
	return c != '\0' && strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", c) != NULL;
}

static int
is_word(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '-';
}

/* count_recovery: how many XXXX-XXXX-XXXX-XXXX words text holds. */
static int
count_recovery(const char *text)
{
	size_t len = strlen(text), i, j;
	int n = 0, good;

	for (i = 0; i + 19 <= len; i++) {
		if (i > 0 && is_word((unsigned char)text[i - 1]))
			continue;
		good = 1;
		for (j = 0; j < 19 && good; j++)
			good = (j % 5 == 4) ? text[i + j] == '-' : is_crockford(text[i + j]);
		if (!good || is_word((unsigned char)text[i + 19]))
			continue;
		n++;
		i += 18;
	}
	return n;
}

/* base_time: $PAMCONV_TOTP_TIME ("@EPOCH" or "YYYY-MM-DD HH:MM:SS[ UTC]") or now. */
static int
base_time(long long *out)
{
	const char *v = getenv("PAMCONV_TOTP_TIME");
	struct tm tm;
	char *end;

	if (v == NULL || *v == '\0') {
		*out = (long long)time(NULL);
		return 0;
	}
	if (v[0] == '@') {
		errno = 0;
		*out = strtoll(v + 1, &end, 10);
		return (errno != 0 || end == v + 1 || *end != '\0') ? -1 : 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL || (*end != '\0' && strcmp(end, " UTC") != 0))
		return -1;
	*out = (long long)timegm(&tm);
	return 0;
}

/* child_env: environ without LD_PRELOAD (no sanitizer or pam_wrapper in oathtool). */
static char **
child_env(void)
{
	size_t n = 0, i, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
			env[k++] = environ[i];
	}
	return env;
}

/* oath_code: the code of totp_secret at time t into out (digits only). 0 or -1. */
static int
oath_code(long long t, char *out, size_t outsz)
{
	const char *tool = getenv("OATHTOOL");
	char digits[32], step[32], now[32], buf[64];
	char *argv[10];
	char **env;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int pfd[2], status, rc;
	size_t n = 0, i;
	ssize_t r;

	if (tool == NULL || *tool == '\0')
		tool = "oathtool";
	snprintf(digits, sizeof(digits), "--digits=%u", totp_digits);
	snprintf(step, sizeof(step), "--time-step-size=%us", totp_period);
	snprintf(now, sizeof(now), "--now=@%lld", t);
	argv[0] = (char *)tool;
	argv[1] = (char *)"--totp";
	argv[2] = (char *)"--base32";
	argv[3] = digits;
	argv[4] = step;
	argv[5] = now;
	argv[6] = (char *)"--";
	argv[7] = totp_secret;
	argv[8] = NULL;
	env = child_env();
	if (env == NULL || pipe(pfd) != 0) {
		free(env);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	posix_spawn_file_actions_addclose(&fa, pfd[1]);
	rc = posix_spawnp(&pid, tool, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		fprintf(stderr, "pamconv: %s: %s\n", tool, strerror(rc));
		return -1;
	}
	while (n + 1 < sizeof(buf) && (r = read(pfd[0], buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n == 0 || n >= outsz) {
		fprintf(stderr, "pamconv: %s failed\n", tool);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
	}
	memcpy(out, buf, n + 1);
	return 0;
}

/* wrong_code: a code of the right length that is none of the codes for the
 * steps -2..+2 around t. */
static int
wrong_code(long long t, char *out, size_t outsz)
{
	char near[5][CODE_MAX];
	int i, tries, clash;
	size_t last;

	for (i = 0; i < 5; i++) {
		if (oath_code(t + (long long)(i - 2) * totp_period, near[i], sizeof(near[i])) != 0)
			return -1;
	}
	if (strlen(near[2]) >= outsz)
		return -1;
	memcpy(out, near[2], strlen(near[2]) + 1);
	last = strlen(out) - 1;
	for (tries = 0; tries < 10; tries++) {
		out[last] = (char)('0' + (out[last] - '0' + 1) % 10);
		clash = 0;
		for (i = 0; i < 5; i++)
			clash |= strcmp(out, near[i]) == 0;
		if (!clash)
			return 0;
	}
	return -1;
}

/* file_answer: the first line of path (malloc'ed; "" if the file cannot be
 * read, with DYNAMIC_ERROR printed; NULL when out of memory). */
static char *
file_answer(const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	puts("DYNAMIC FILE");
	f = fopen(path, "r");
	if (f == NULL) {
		printf("DYNAMIC_ERROR cannot read %s: %s\n", path, strerror(errno));
		return strdup("");
	}
	n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		printf("DYNAMIC_ERROR %s is empty\n", path);
		return strdup("");
	}
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

/* dynamic_answer: 1 if a is a dynamic answer (its value, maybe "", in *out,
 * malloc'ed or NULL when out of memory), 0 if a is a plain answer. */
static int
dynamic_answer(const char *a, char **out)
{
	char code[CODE_MAX] = "", *end;
	long long t;
	long steps = 0;
	int wrong = 0, rc;

	*out = NULL;
	if (strncmp(a, "@FILE:", 6) == 0 && a[6] != '\0') {
		*out = file_answer(a + 6);
		return 1;
	}
	if (strcmp(a, "@WRONG") == 0) {
		wrong = 1;
	} else if (strncmp(a, "@TOTP", 5) != 0) {
		return 0;
	} else if (a[5] != '\0') {
		if (a[5] != '+' && a[5] != '-')
			return 0;
		errno = 0;
		steps = strtol(a + 6, &end, 10);
		if (errno != 0 || end == a + 6 || *end != '\0' || a[6] < '0' || a[6] > '9' ||
		    steps > 100000)
			return 0;
		if (a[5] == '-')
			steps = -steps;
	}
	print_escaped("DYNAMIC", a + 1);
	if (totp_secret[0] == '\0') {
		puts("NOSECRET");
	} else if (base_time(&t) != 0) {
		puts("DYNAMIC_ERROR bad PAMCONV_TOTP_TIME");
	} else {
		t += (long long)steps * totp_period;
		rc = wrong ? wrong_code(t, code, sizeof(code)) : oath_code(t, code, sizeof(code));
		if (rc != 0) {
			code[0] = '\0';
			puts("DYNAMIC_ERROR oathtool failed");
		}
	}
	*out = strdup(code);
	return 1;
}

/* ------------------------------------------------------------ conversation */

static void
free_responses(struct pam_response *r, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
}

static int
conv(int num_msg, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r;
	int i, n_codes;

	(void)data;
	conv_calls++;
	printf("CONV %d %d\n", conv_calls, num_msg);
	if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG) {
		fflush(stdout);
		return PAM_CONV_ERR;
	}
	r = calloc((size_t)num_msg, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < num_msg; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			print_escaped(msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ? "PROMPT_ECHO_OFF"
			                                                       : "PROMPT_ECHO_ON",
			              msg[i]->msg);
			if (next_answer >= n_answers) {
				puts("NOANSWER");
				fflush(stdout);
				free_responses(r, i);
				return PAM_CONV_ERR;
			}
			if (barrier != NULL && next_answer == n_answers - 1) {
				fflush(stdout);
				wait_barrier();
			}
			if (!dynamic_answer(answers[next_answer], &r[i].resp))
				r[i].resp = strdup(answers[next_answer]);
			next_answer++;
			if (r[i].resp == NULL) {
				free_responses(r, i);
				return PAM_BUF_ERR;
			}
			break;
		case PAM_ERROR_MSG:
			print_escaped("ERROR", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			print_escaped("INFO", msg[i]->msg);
			break;
		default:
			printf("OTHER_%d\n", msg[i]->msg_style);
			break;
		}
		if (msg[i]->msg != NULL && msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON) {
			scan_secret(msg[i]->msg);
			n_codes = count_recovery(msg[i]->msg);
			if (n_codes > 0)
				printf("RECOVERY_SEEN %d\n", n_codes);
		}
	}
	fflush(stdout);
	*resp = r;
	return PAM_SUCCESS;
}

static int
read_answer_file(const char *path)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "pamconv: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (n_answers >= MAX_ANSWERS)
			break;
		answers[n_answers] = strdup(line);
		if (answers[n_answers] == NULL)
			break;
		n_answers++;
	}
	free(line);
	fclose(f);
	return 0;
}

static void
on_usr1(int sig)
{
	(void)sig;
	wake_up = 1;
}

/* session_sleep: SECONDS, or less if SIGUSR1 arrives. */
static void
session_sleep(long seconds)
{
	struct timespec left = {seconds, 0}, rem;

	while (!wake_up && nanosleep(&left, &rem) != 0 && errno == EINTR)
		left = rem;
}

/* run_session: open, sleep, close. 0 if both succeeded. */
static int
run_session(pam_handle_t *pamh, long seconds, int *last)
{
	int rc;

	rc = pam_open_session(pamh, 0);
	printf("SESSION_OPEN %s\n", code_name(rc));
	fflush(stdout);
	*last = rc;
	if (rc != PAM_SUCCESS)
		return -1;
	session_sleep(seconds);
	rc = pam_close_session(pamh, 0);
	printf("SESSION_CLOSE %s\n", code_name(rc));
	fflush(stdout);
	*last = rc;
	return rc == PAM_SUCCESS ? 0 : -1;
}

static int
parse_seconds(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return (errno != 0 || end == s || *end != '\0' || *out < 0) ? -1 : 0;
}

static void
print_result(pam_handle_t *pamh, const char *tag, int rc)
{
	printf("%s %s (%s)\n", tag, code_name(rc), pam_strerror(pamh, rc));
	fflush(stdout);
}

/* parse_chtok_flags: "0" or "expired" into *flags; 0 or -1. */
static int
parse_chtok_flags(const char *s, int *flags)
{
	if (strcmp(s, "0") == 0)
		*flags = 0;
	else if (strcmp(s, "expired") == 0)
		*flags = PAM_CHANGE_EXPIRED_AUTHTOK;
	else
		return -1;
	return 0;
}

/* run_account: pam_acct_mgmt(); with login_like, a change of an expired
 * password when it asks for one, then pam_acct_mgmt() again. The last
 * result in *last; 0 if the account may log in. */
static int
run_account(pam_handle_t *pamh, int login_like, int *last)
{
	int rc;

	rc = pam_acct_mgmt(pamh, 0);
	print_result(pamh, "ACCT", rc);
	*last = rc;
	if (rc == PAM_SUCCESS)
		return 0;
	if (!login_like || rc != PAM_NEW_AUTHTOK_REQD)
		return -1;
	rc = pam_chauthtok(pamh, PAM_CHANGE_EXPIRED_AUTHTOK);
	print_result(pamh, "CHTOK", rc);
	*last = rc;
	if (rc != PAM_SUCCESS)
		return -1;
	rc = pam_acct_mgmt(pamh, 0);
	print_result(pamh, "ACCT_AGAIN", rc);
	*last = rc;
	return rc == PAM_SUCCESS ? 0 : -1;
}

static int
set_item(pam_handle_t *pamh, int item, const char *name, const char *value)
{
	int rc;

	if (value == NULL)
		return 0;
	rc = pam_set_item(pamh, item, value);
	if (rc == PAM_SUCCESS)
		return 0;
	printf("SET_ITEM %s %s\n", name, code_name(rc));
	return -1;
}

int
main(int argc, char **argv)
{
	struct pam_conv pc = {conv, NULL};
	struct sigaction sa;
	pam_handle_t *pamh = NULL;
	const char *envs[MAX_ENV];
	const char *file = NULL, *rhost = NULL, *tty = NULL;
	long session_secs = -1;
	int n_envs = 0, do_acct = 0, only_acct = 0, no_auth = 0, opt, rc, failed = 0, i;
	int login_like = 0, do_chtok = 0, chtok_flags = 0;

	while ((opt = getopt(argc, argv, "+aAlc:e:b:f:r:t:s:S:")) != -1) {
		switch (opt) {
		case 'a':
			do_acct = 1;
			break;
		case 'l':
			do_acct = 1;
			login_like = 1;
			break;
		case 'c':
			if (parse_chtok_flags(optarg, &chtok_flags) != 0) {
				fprintf(stderr, "pamconv: -c wants 0 or expired\n");
				return 2;
			}
			do_chtok = 1;
			break;
		case 'A':
			only_acct = 1;
			break;
		case 'e':
			if (n_envs < MAX_ENV)
				envs[n_envs++] = optarg;
			break;
		case 'b':
			barrier = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'r':
			rhost = optarg;
			break;
		case 't':
			tty = optarg;
			break;
		case 'S':
			no_auth = 1;
			/* fall through */
		case 's':
			if (parse_seconds(optarg, &session_secs) != 0) {
				fprintf(stderr, "pamconv: -%c wants a number of seconds\n", opt);
				return 2;
			}
			break;
		default:
			fprintf(stderr,
			        "usage: pamconv [-a | -l] [-A] [-e NAME] [-b FILE] [-f FILE] "
			        "[-r RHOST] [-t TTY] [-s SECONDS | -S SECONDS] "
			        "SERVICE USER [ANSWER...]\n"
			        "       pamconv -c 0|expired [-e NAME] [-b FILE] [-f FILE] "
			        "[-r RHOST] [-t TTY] SERVICE USER [ANSWER...]\n");
			return 2;
		}
	}
	if (do_chtok && (do_acct || only_acct || session_secs >= 0)) {
		fprintf(stderr, "pamconv: -c goes with none of -a, -A, -l, -s, -S\n");
		return 2;
	}
	if (argc - optind < 2) {
		fprintf(stderr, "pamconv: SERVICE and USER are required\n");
		return 2;
	}
	if (session_secs >= 0) {
		/* from the start, so that an early SIGUSR1 only shortens the sleep;
		 * no SA_RESTART: the signal ends nanosleep */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
	for (i = optind + 2; i < argc && n_answers < MAX_ANSWERS; i++)
		answers[n_answers++] = argv[i];
	if (file != NULL && read_answer_file(file) != 0)
		return 2;

	rc = pam_start(argv[optind], argv[optind + 1], &pc, &pamh);
	if (rc != PAM_SUCCESS) {
		printf("START %s\n", code_name(rc));
		return 2;
	}
	if (set_item(pamh, PAM_RHOST, "PAM_RHOST", rhost) != 0 ||
	    set_item(pamh, PAM_TTY, "PAM_TTY", tty) != 0) {
		fflush(stdout);
		pam_end(pamh, PAM_SYSTEM_ERR);
		return 2;
	}
	if (do_chtok) {
		rc = pam_chauthtok(pamh, chtok_flags);
		print_result(pamh, "CHTOK", rc);
		if (rc != PAM_SUCCESS)
			failed = 1;
	} else if (!only_acct && !no_auth) {
		rc = pam_authenticate(pamh, 0);
		print_result(pamh, "AUTH", rc);
		if (rc != PAM_SUCCESS)
			failed = 1;
	}
	if (only_acct || (do_acct && !failed)) {
		if (run_account(pamh, login_like, &rc) != 0)
			failed = 1;
	}
	if (session_secs >= 0 && !failed && run_session(pamh, session_secs, &rc) != 0)
		failed = 1;
	for (i = 0; i < n_envs; i++) {
		const char *v = pam_getenv(pamh, envs[i]);

		if (v == NULL)
			printf("ENV %s unset\n", envs[i]);
		else
			printf("ENV %s=%s\n", envs[i], v);
	}
	fflush(stdout);
	pam_end(pamh, rc);
	return failed ? 1 : 0;
}
