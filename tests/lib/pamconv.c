/*
 * pamconv.c - a scripted PAM application for the integration tests.
 *
 *     pamconv [-a] [-A] [-e NAME]... [-b FILE] [-f FILE] SERVICE USER [ANSWER...]
 *
 * Runs pam_authenticate() (and pam_acct_mgmt() with -a; only pam_acct_mgmt()
 * with -A) for USER under SERVICE. The conversation answers every prompt with
 * the next ANSWER (from argv, then from FILE given with -f, one per line);
 * when none are left it returns PAM_CONV_ERR. Every pam_conv call and every
 * message is printed on stdout, one line each, control characters escaped:
 *
 *     CONV <call number> <number of messages>
 *     PROMPT_ECHO_OFF <text>   PROMPT_ECHO_ON <text>   ERROR <text>   INFO <text>
 *     NOANSWER                 (a prompt arrived with no answer left)
 *     AUTH <PAM_CODE> (<pam_strerror text>)
 *     ACCT <PAM_CODE> (<pam_strerror text>)
 *     ENV <NAME>=<value> | ENV <NAME> unset     (-e: pam_getenv after the calls;
 *                                                with pam_wrapper's pam_get_items
 *                                                module in the stack this shows
 *                                                PAM items such as PAM_AUTHTOK)
 *
 * -b FILE: before giving the last answer, create FILE.ready.<pid> and wait (up
 * to 30 s) until FILE exists, so that a test can release several concurrent
 * logins at the same instant.
 *
 * Exit status: 0 if every PAM call returned PAM_SUCCESS, 1 if not, 2 on usage
 * or setup errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAX_ANSWERS 64
#define MAX_ENV 8

static char *answers[MAX_ANSWERS];
static int n_answers;
static int next_answer;
static int conv_calls;
static const char *barrier;

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

static int
conv(int num_msg, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r;
	int i;

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
				free(r);
				return PAM_CONV_ERR;
			}
			if (barrier != NULL && next_answer == n_answers - 1) {
				fflush(stdout);
				wait_barrier();
			}
			r[i].resp = strdup(answers[next_answer++]);
			if (r[i].resp == NULL) {
				free(r);
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

int
main(int argc, char **argv)
{
	struct pam_conv pc = {conv, NULL};
	pam_handle_t *pamh = NULL;
	const char *envs[MAX_ENV];
	const char *file = NULL;
	int n_envs = 0, do_acct = 0, only_acct = 0, opt, rc, failed = 0, i;

	while ((opt = getopt(argc, argv, "+aAe:b:f:")) != -1) {
		switch (opt) {
		case 'a':
			do_acct = 1;
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
		default:
			fprintf(stderr, "usage: pamconv [-a] [-A] [-e NAME] [-b FILE] [-f FILE] "
			                "SERVICE USER [ANSWER...]\n");
			return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "pamconv: SERVICE and USER are required\n");
		return 2;
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
	if (!only_acct) {
		rc = pam_authenticate(pamh, 0);
		printf("AUTH %s (%s)\n", code_name(rc), pam_strerror(pamh, rc));
		if (rc != PAM_SUCCESS)
			failed = 1;
	}
	if (only_acct || (do_acct && !failed)) {
		rc = pam_acct_mgmt(pamh, 0);
		printf("ACCT %s (%s)\n", code_name(rc), pam_strerror(pamh, rc));
		if (rc != PAM_SUCCESS)
			failed = 1;
	}
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
