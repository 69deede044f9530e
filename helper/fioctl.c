/*
 * fioctl.c - the command-line tool: global options, the subcommand table, and
 * reading answers from the terminal (echo off for hidden prompts, restored
 * even when interrupted) or from standard input.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "fio-wipe.h"
#include "fioctl_cmds.h"

static const struct fioctl_cmd fioctl_cmds[] = {
        {"status", NULL, "", fioctl_status},
        {"user", "add", "NAME [--email ADDR] [--password-stdin | --invite [--send]] [--sso]",
         fioctl_user_add},
        {"user", "del", "NAME", fioctl_user_del},
        {"user", "list", "", fioctl_user_list},
        {"user", "show", "[NAME]", fioctl_user_show},
        {"user", "sso", "NAME on|off", fioctl_user_sso},
        {"user", "suspend", "NAME [--reason TEXT]", fioctl_user_suspend},
        {"user", "resume", "NAME", fioctl_user_resume},
        {"passwd", NULL, "[NAME] [--stdin | --reset [--send] | --expire]", fioctl_passwd},
        {"enroll", NULL, "[NAME] [--secret BASE32|-] [--label LABEL]", fioctl_enroll},
        {"unenroll", NULL, "[NAME] [--label LABEL]", fioctl_unenroll},
        {"recovery", NULL, "[NAME] --regenerate", fioctl_recovery},
        {"lock", "show", "[NAME]", fioctl_lock_show},
        {"lock", "clear", "NAME", fioctl_lock_clear},
        {"sessions", NULL, "[NAME]", fioctl_sessions},
        {"activity", NULL, "[NAME] [--since TIME] [--json]", fioctl_activity},
        {"enforce", NULL, "[--dry-run] [--wait SECONDS]", fioctl_enforce},
        {"pass", "grant", "NAME [--hours N]", fioctl_pass_grant},
        {"pass", "revoke", "NAME", fioctl_pass_revoke},
        {"policy", "status", "[NAME | --group GROUP]", fioctl_policy_status},
};
#define NCMDS (sizeof(fioctl_cmds) / sizeof(fioctl_cmds[0]))

static volatile sig_atomic_t fioctl_caught;

/* ---- input ---------------------------------------------------------------- */

int
fioctl_read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	int rc = FIOCTL_IN_OK, any = 0;
	char ch;

	for (;;) {
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR && !fioctl_caught)
			continue;
		if (r < 0) {
			rc = FIOCTL_IN_BAD;
			break;
		}
		if (r == 0) {
			if (!any)
				rc = FIOCTL_IN_EOF;
			break;
		}
		any = 1;
		if (ch == '\n')
			break;
		if (ch == '\0' && rc == FIOCTL_IN_OK)
			rc = FIOCTL_IN_NUL;
		if (n + 1 >= size && rc == FIOCTL_IN_OK)
			rc = FIOCTL_IN_TOOLONG;
		if (rc == FIOCTL_IN_OK)
			buf[n++] = ch;
	}
	fio_wipe(&ch, sizeof(ch));
	if (rc == FIOCTL_IN_OK && n > 0 && buf[n - 1] == '\r')
		n--;
	if (rc != FIOCTL_IN_OK) {
		fio_wipe(buf, size);
		return rc;
	}
	buf[n] = '\0';
	return FIOCTL_IN_OK;
}

const char *
fioctl_in_error(int rc)
{
	switch (rc) {
	case FIOCTL_IN_EOF:
		return "no input (end of file)";
	case FIOCTL_IN_TOOLONG:
		return "input too long (more than 512 bytes)";
	case FIOCTL_IN_NUL:
		return "the input holds a NUL byte";
	default:
		return "cannot read the input";
	}
}

static void
on_signal(int sig)
{
	fioctl_caught = sig;
}

static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NSIGS (sizeof(tty_signals) / sizeof(tty_signals[0]))

/* Turns echo off, then prompts and reads; the terminal is restored before a
 * caught signal is delivered again with its default action. */
static int
ask_hidden(int fd, const char *prompt, char *buf, size_t size)
{
	size_t plen = strlen(prompt);
	struct sigaction sa, old_sa[NSIGS];
	struct termios old, t;
	int rc;

	if (tcgetattr(fd, &old) != 0)
		return FIOCTL_IN_BAD;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	fioctl_caught = 0;
	for (size_t i = 0; i < NSIGS; i++)
		sigaction(tty_signals[i], &sa, &old_sa[i]);
	t = old;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0 || write(fd, prompt, plen) != (ssize_t)plen)
		rc = FIOCTL_IN_BAD;
	else
		rc = fioctl_read_line(fd, buf, size);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) != 1)
		(void)0; /* only cosmetic: the newline the user typed was not echoed */
	for (size_t i = 0; i < NSIGS; i++)
		sigaction(tty_signals[i], &old_sa[i], NULL);
	if (fioctl_caught)
		raise(fioctl_caught);
	return rc;
}

int
fioctl_ask(const char *prompt, int echo, char *buf, size_t size)
{
	size_t plen = strlen(prompt);
	int fd, rc;

	fflush(stdout);
	if (!isatty(STDIN_FILENO)) {
		if (isatty(STDERR_FILENO))
			fputs(prompt, stderr);
		return fioctl_read_line(STDIN_FILENO, buf, size);
	}
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return FIOCTL_IN_BAD;
	if (!echo)
		rc = ask_hidden(fd, prompt, buf, size);
	else if (write(fd, prompt, plen) != (ssize_t)plen)
		rc = FIOCTL_IN_BAD;
	else
		rc = fioctl_read_line(fd, buf, size);
	close(fd);
	return rc;
}

/* ---- commands and options ---------------------------------------------------- */

int
fioctl_usage(const struct fioctl_cmd *cmd)
{
	fprintf(stderr, "fioctl: usage: fioctl %s%s%s%s%s\n", cmd->word1, cmd->word2 ? " " : "",
	        cmd->word2 ? cmd->word2 : "", cmd->args[0] ? " " : "", cmd->args);
	return FIOCTL_EXIT_USAGE;
}

static void
help(void)
{
	printf("Usage: fioctl [--socket PATH] [--json] COMMAND [ARGS]\n\n"
	       "Manage pam_fio accounts through fio-helperd.\n\nCommands:\n");
	for (size_t i = 0; i < NCMDS; i++) {
		const struct fioctl_cmd *c = &fioctl_cmds[i];

		printf("  %s%s%s%s%s\n", c->word1, c->word2 ? " " : "", c->word2 ? c->word2 : "",
		       c->args[0] ? " " : "", c->args);
	}
	printf("\nOptions:\n"
	       "  --socket PATH  the helper's socket (default $FIO_SOCKET or %s)\n"
	       "  --json         print records as JSON\n"
	       "  --help         show this help\n"
	       "  --version      show the version\n",
	       FIO_DEFAULT_SOCKET);
}

/* The helper user's uid ($FIO_HELPER_USER or FIO_DEFAULT_USER); -1: root only. */
static uid_t
helper_uid(void)
{
	const char *name = getenv("FIO_HELPER_USER");
	struct passwd *pw;

	if (name == NULL || name[0] == '\0')
		name = FIO_DEFAULT_USER;
	pw = getpwnam(name);
	return pw != NULL ? pw->pw_uid : (uid_t)-1;
}

/* The command at argv[*idx] (*idx moved to its last word), or NULL after a
 * usage message. */
static const struct fioctl_cmd *
find_cmd(int argc, char **argv, int *idx)
{
	const struct fioctl_cmd *word1 = NULL;

	for (size_t i = 0; i < NCMDS; i++) {
		const struct fioctl_cmd *c = &fioctl_cmds[i];

		if (strcmp(argv[*idx], c->word1) != 0)
			continue;
		word1 = c;
		if (c->word2 == NULL)
			return c;
		if (*idx + 1 < argc && strcmp(argv[*idx + 1], c->word2) == 0) {
			(*idx)++;
			return c;
		}
	}
	if (word1 != NULL) {
		fprintf(stderr, "fioctl: usage: fioctl %s ", word1->word1);
		for (size_t i = 0, n = 0; i < NCMDS; i++) {
			if (strcmp(fioctl_cmds[i].word1, word1->word1) == 0)
				fprintf(stderr, "%s%s", n++ > 0 ? "|" : "", fioctl_cmds[i].word2);
		}
		fprintf(stderr, " ...\n");
	} else
		fprintf(stderr, "fioctl: unknown command \"%s\" (see fioctl --help)\n", argv[*idx]);
	return NULL;
}

static int
parse_global(int argc, char **argv, struct fioctl_opts *o)
{
	static const struct option longopts[] = {
	        {"socket", required_argument, NULL, 's'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	const char *env = getenv("FIO_SOCKET");
	int ch;

	o->socket = env != NULL && env[0] != '\0' ? env : FIO_DEFAULT_SOCKET;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			help();
			return FIOCTL_EXIT_OK;
		case 'V':
			printf("fioctl (pam_fio) %s\n", PACKAGE_VERSION);
			return FIOCTL_EXIT_OK;
		default:
			fprintf(stderr, "fioctl: usage: fioctl [--socket PATH] [--json] COMMAND "
			                "[ARGS] (see fioctl --help)\n");
			return FIOCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "fioctl: missing command (see fioctl --help)\n");
		return FIOCTL_EXIT_USAGE;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct fioctl_opts o = {.socket = NULL, .helper_uid = (uid_t)-1, .json = 0};
	const struct fioctl_cmd *cmd;
	int rc, idx;

	rc = parse_global(argc, argv, &o);
	if (rc >= 0)
		return fflush(stdout) == 0 ? rc : FIOCTL_EXIT_FAIL;
	idx = optind;
	cmd = find_cmd(argc, argv, &idx);
	if (cmd == NULL)
		return FIOCTL_EXIT_USAGE;
	o.helper_uid = helper_uid();
	rc = cmd->run(&o, cmd, argc - idx, argv + idx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "fioctl: cannot write the output: %s\n", strerror(errno));
		return FIOCTL_EXIT_FAIL;
	}
	return rc;
}
