/*
 * fioctl_cmds.h - fioctl's subcommands (fioctl_cmds.c; sessions, pass, policy,
 * SSO and suspension in fioctl_policy.c; enforce in fioctl_enforce.c; activity
 * in fioctl_activity.c) and its terminal input (fioctl.c). Each subcommand parses its arguments,
 * builds CTL requests, relays the helper's conversation and returns the process exit status.
 */
#ifndef FIOCTL_CMDS_H
#define FIOCTL_CMDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "fio-proto.h"

#define FIOCTL_EXIT_OK 0
#define FIOCTL_EXIT_FAIL 1        /* the helper said no, or input failed */
#define FIOCTL_EXIT_UNREACHABLE 2 /* cannot connect, or the connection broke */
#define FIOCTL_EXIT_USAGE 64      /* EX_USAGE */

#define FIOCTL_LINE_SIZE (FIO_SECRET_MAX + 1) /* one answer or password + NUL */

/* Results of fioctl_read_line() / fioctl_ask(). */
#define FIOCTL_IN_OK 0
#define FIOCTL_IN_EOF (-1)     /* end of input before a line */
#define FIOCTL_IN_TOOLONG (-2) /* longer than FIO_SECRET_MAX bytes (rest discarded) */
#define FIOCTL_IN_BAD (-3)     /* a read error, or interrupted */
#define FIOCTL_IN_NUL (-4)     /* a NUL byte in the line */

struct fioctl_opts {
	const char *socket; /* --socket, $FIO_SOCKET or FIO_DEFAULT_SOCKET */
	uid_t helper_uid;   /* the helper user's uid, (uid_t)-1 if unknown: root only */
	int json;           /* --json */
};

struct fioctl_cmd;
typedef int (*fioctl_run_fn)(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                             char **argv);

struct fioctl_cmd {
	const char *word1; /* "user" */
	const char *word2; /* "add", or NULL for one-word commands */
	const char *args;  /* usage of what follows the words */
	fioctl_run_fn run; /* argv[0] is the last command word */
};

struct fio_client_msg;
typedef void (*fioctl_record_fn)(void *ctx, const struct fio_client_msg *m);

/* One CTL request without a secret, for the subcommands outside fioctl_cmds.c. */
struct fioctl_req {
	uint32_t cmd;               /* FIO_CTL_* */
	uint32_t flags;             /* FIO_CTL_F_* besides FIO_CTL_F_JSON (from --json) */
	const char *user;           /* NULL: empty */
	const char *arg;            /* NULL: empty */
	int list;                   /* --json: the printed records form one array */
	fioctl_record_fn on_record; /* each RECORD; NULL: printed with --json, else ignored */
	void *ctx;                  /* for on_record */
};

/* Connects, sends r, relays the conversation (INFO text to stdout, errors to
 * stderr, RECORDs as r says); returns the exit status. */
int fioctl_request(const struct fioctl_opts *o, const struct fioctl_req *r);

/* Text from the helper with the control characters (but '\n' and '\t') replaced,
 * so that nothing in it can drive the terminal. */
void fioctl_put_text(FILE *f, const char *s);

/* The value of key in a RECORD, or NULL. */
const char *fioctl_field(const struct fio_client_msg *m, const char *key);

/* Prints "fioctl: usage: fioctl WORDS ARGS" on stderr; returns FIOCTL_EXIT_USAGE. */
int fioctl_usage(const struct fioctl_cmd *cmd);

/* One line from fd (newline stripped, a final '\r' too), read byte by byte so
 * nothing after it is consumed. buf has FIOCTL_LINE_SIZE bytes. On failure buf
 * is wiped. */
int fioctl_read_line(int fd, char *buf, size_t size);
/* Asks prompt on /dev/tty if stdin is a terminal (echo off unless echo), else
 * reads one line from stdin. */
int fioctl_ask(const char *prompt, int echo, char *buf, size_t size);
/* A one-line reason for a FIOCTL_IN_* failure. */
const char *fioctl_in_error(int rc);

int fioctl_status(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv);
int fioctl_user_add(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                    char **argv);
int fioctl_user_del(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                    char **argv);
int fioctl_user_list(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                     char **argv);
int fioctl_user_show(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                     char **argv);
int fioctl_passwd(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv);
int fioctl_enroll(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv);
int fioctl_unenroll(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                    char **argv);
int fioctl_recovery(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                    char **argv);
int fioctl_lock_show(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                     char **argv);
int fioctl_lock_clear(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                      char **argv);
/* fioctl_policy.c */
int fioctl_sessions(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                    char **argv);
int fioctl_pass_grant(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                      char **argv);
int fioctl_pass_revoke(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                       char **argv);
int fioctl_policy_status(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                         char **argv);
int fioctl_user_sso(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                    char **argv);
int fioctl_user_suspend(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                        char **argv);
int fioctl_user_resume(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                       char **argv);
/* fioctl_activity.c */
int fioctl_activity(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                    char **argv);
/* fioctl_enforce.c */
int fioctl_enforce(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                   char **argv);

#endif /* FIOCTL_CMDS_H */
