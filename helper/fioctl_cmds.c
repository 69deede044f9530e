/*
 * fioctl_cmds.c - fioctl's subcommands: arguments -> one CTL request -> relay
 * of the helper's INFO / RECORD / PROMPT messages -> exit status from the
 * VERDICT. Secrets (passwords, imported keys, answers) live in fixed buffers
 * that are wiped as soon as they are sent.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fio-client.h"
#include "fio-codec.h"
#include "fio-proto.h"
#include "fio-wipe.h"
#include "fioctl_cmds.h"

enum rec_mode {
	REC_IGNORE, /* text mode: an INFO already says it */
	REC_FIELDS, /* text mode: "key: value" lines, a blank line between records */
	REC_NAMES,  /* text mode: the "name" field only */
};

struct req {
	uint32_t cmd;
	uint32_t flags; /* FIO_CTL_F_* besides FIO_CTL_F_JSON */
	const char *user;
	const char *arg;
	enum rec_mode text_records;
	int json_array; /* --json: the records form one array */
	fioctl_record_fn on_record;
	void *ctx;
	char self[FIO_NAME_MAX + 1];
	char secret[FIOCTL_LINE_SIZE];
};

struct relay {
	const struct fioctl_opts *o;
	const struct req *q;
	int saw_error;
	unsigned nrecords;
};

/* Command-line arguments of one subcommand. */
#define ARG_EMAIL 0x01u
#define ARG_PWSTDIN 0x02u
#define ARG_STDIN 0x04u
#define ARG_SECRET 0x08u
#define ARG_REGEN 0x10u
#define ARG_NAME 0x20u     /* NAME may be given; default: the caller's own */
#define ARG_NAME_REQ 0x40u /* NAME must be given */
#define ARG_SSO 0x80u
#define ARG_LABEL 0x100u  /* --label: which authenticator (ENROLL, UNENROLL arg) */
#define ARG_RESET 0x200u  /* passwd --reset */
#define ARG_EXPIRE 0x400u /* passwd --expire */
#define ARG_INVITE 0x800u /* user add --invite */
#define ARG_SEND 0x1000u  /* --send (with --reset or --invite) */

struct args {
	const char *name;
	const char *email;
	char *secret;
	int from_stdin;
	int regenerate;
	int sso;
	const char *label;
	uint32_t ctl_flags; /* FIO_CTL_F_RESET / _EXPIRE / _INVITE / _SEND */
};

/* ---- output --------------------------------------------------------------- */

void
fioctl_put_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc('?', f);
			p++;
		} else if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
			fputc('?', f);
		} else {
			fputc(*p, f);
		}
	}
}

static void
put_line(FILE *f, const char *prefix, const char *s)
{
	size_t n = strlen(s);

	fputs(prefix, f);
	fioctl_put_text(f, s);
	if (n == 0 || s[n - 1] != '\n')
		fputc('\n', f);
}

static void
put_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void
put_json_record(const struct fio_client_msg *m)
{
	fputc('{', stdout);
	for (uint32_t i = 0; i < m->nfields; i++) {
		if (i > 0)
			fputs(", ", stdout);
		put_json_string(stdout, m->keys[i]);
		fputs(": ", stdout);
		put_json_string(stdout, m->values[i]);
	}
	fputc('}', stdout);
}

static const char *
result_message(uint32_t result)
{
	switch (result) {
	case FIO_RESULT_DENIED:
		return "authentication failed";
	case FIO_RESULT_LOCKED:
		return "the account is locked; try again later";
	case FIO_RESULT_NEW_AUTHTOK:
		return "a password change is required";
	case FIO_RESULT_SUSPENDED:
		return "the account is suspended";
	case FIO_RESULT_UNAVAILABLE:
		return "the helper is unavailable";
	case FIO_RESULT_IGNORE:
		return "nothing to do for this user";
	case FIO_RESULT_USAGE:
		return "invalid request";
	case FIO_RESULT_PERM:
		return "permission denied or no such user";
	case FIO_RESULT_EXISTS:
		return "user already exists";
	case FIO_RESULT_CONV:
		return "cancelled";
	default:
		return "the request failed";
	}
}

/* ---- the relay -------------------------------------------------------------- */

static void
relay_info(struct relay *r, const struct fio_client_msg *m)
{
	if (m->kind == FIO_INFO_ERROR) {
		r->saw_error = 1;
		fflush(stdout);
		put_line(stderr, "fioctl: ", m->text);
		return;
	}
	/* With --json, stdout carries JSON only. */
	put_line(r->o->json ? stderr : stdout, "", m->text);
}

static void
relay_record(struct relay *r, const struct fio_client_msg *m)
{
	if (r->q->on_record != NULL) {
		r->q->on_record(r->q->ctx, m);
	} else if (r->o->json) {
		if (r->q->json_array)
			fputs(r->nrecords == 0 ? "[\n  " : ",\n  ", stdout);
		put_json_record(m);
		if (!r->q->json_array)
			fputc('\n', stdout);
	} else if (r->q->text_records == REC_FIELDS) {
		if (r->nrecords > 0)
			fputc('\n', stdout);
		for (uint32_t i = 0; i < m->nfields; i++) {
			fioctl_put_text(stdout, m->keys[i]);
			fputs(": ", stdout);
			put_line(stdout, "", m->values[i]);
		}
	} else if (r->q->text_records == REC_NAMES) {
		for (uint32_t i = 0; i < m->nfields; i++) {
			if (strcmp(m->keys[i], "name") == 0)
				put_line(stdout, "", m->values[i]);
		}
	}
	r->nrecords++;
}

/* -1 to go on, or an exit status. */
static int
relay_prompt(struct fio_client *cl, const struct fio_client_msg *m)
{
	char answer[FIOCTL_LINE_SIZE];
	int rc;

	rc = fioctl_ask(m->text, m->style == FIO_PROMPT_ECHO_ON, answer, sizeof(answer));
	if (rc != FIOCTL_IN_OK) {
		fprintf(stderr, "fioctl: cannot read the answer: %s\n", fioctl_in_error(rc));
		return FIOCTL_EXIT_FAIL;
	}
	rc = fio_client_answer(cl, m->id, answer);
	FIO_WIPE_ARRAY(answer);
	if (rc != 0) {
		fprintf(stderr, "fioctl: cannot send the answer to fio-helperd: %s\n",
		        fio_strerror(rc));
		return FIOCTL_EXIT_UNREACHABLE;
	}
	return -1;
}

static int
relay_verdict(struct relay *r, const struct fio_client_msg *m)
{
	if (r->o->json && r->q->json_array) {
		if (r->nrecords > 0)
			fputs("\n]\n", stdout);
		else if (m->result == FIO_RESULT_OK)
			fputs("[]\n", stdout);
	}
	if (m->result == FIO_RESULT_OK)
		return FIOCTL_EXIT_OK;
	if (!r->saw_error) {
		fflush(stdout);
		fprintf(stderr, "fioctl: %s\n", result_message(m->result));
	}
	return FIOCTL_EXIT_FAIL;
}

static int
relay(struct fio_client *cl, const struct fioctl_opts *o, const struct req *q)
{
	struct relay r = {.o = o, .q = q, .saw_error = 0, .nrecords = 0};
	int status = -1;

	while (status < 0) {
		struct fio_client_msg m;
		int rc = fio_client_next(cl, &m, 0);

		if (rc != 0) {
			fflush(stdout);
			fprintf(stderr, "fioctl: lost the connection to fio-helperd: %s\n",
			        fio_strerror(rc));
			return FIOCTL_EXIT_UNREACHABLE;
		}
		if (m.type == FIO_MSG_INFO)
			relay_info(&r, &m);
		else if (m.type == FIO_MSG_RECORD)
			relay_record(&r, &m);
		else if (m.type == FIO_MSG_PROMPT)
			status = relay_prompt(cl, &m);
		else
			status = relay_verdict(&r, &m);
		fio_client_msg_clear(&m);
	}
	return status;
}

static int
send_request(struct fio_client *cl, const struct fioctl_opts *o, const struct req *q)
{
	int rc;

	fio_buf_reset(&cl->out);
	if ((rc = fio_put_u32(&cl->out, q->cmd)) != 0 ||
	    (rc = fio_put_u32(&cl->out, q->flags | (o->json ? FIO_CTL_F_JSON : 0))) != 0 ||
	    (rc = fio_put_str(&cl->out, q->user, FIO_NAME_MAX)) != 0 ||
	    (rc = fio_put_str(&cl->out, q->arg, FIO_ARG_MAX)) != 0 ||
	    (rc = fio_put_str(&cl->out, q->secret, FIO_SECRET_MAX)) != 0) {
		fio_buf_reset(&cl->out);
		return rc;
	}
	return fio_client_send(cl, FIO_MSG_CTL);
}

/* Connects, sends q, relays the conversation; wipes q->secret. */
static int
run_request(const struct fioctl_opts *o, struct req *q)
{
	struct fio_client cl;
	const char *why = NULL;
	int rc;

	memset(&cl, 0, sizeof(cl));
	if (fio_client_open(&cl, o->socket, o->helper_uid, FIO_CLIENT_CTL, &why) != 0) {
		FIO_WIPE_ARRAY(q->secret);
		fprintf(stderr, "fioctl: cannot reach fio-helperd at %s: %s\n", o->socket,
		        why != NULL ? why : "unknown error");
		return FIOCTL_EXIT_UNREACHABLE;
	}
	rc = send_request(&cl, o, q);
	FIO_WIPE_ARRAY(q->secret);
	if (rc != 0) {
		fprintf(stderr, "fioctl: cannot send the request to fio-helperd: %s\n",
		        fio_strerror(rc));
		rc = FIOCTL_EXIT_UNREACHABLE;
	} else {
		rc = relay(&cl, o, q);
	}
	fio_client_close(&cl);
	return rc;
}

int
fioctl_request(const struct fioctl_opts *o, const struct fioctl_req *r)
{
	struct req q = {.cmd = r->cmd, .flags = r->flags, .user = r->user, .arg = r->arg};

	q.json_array = r->list && r->on_record == NULL;
	q.on_record = r->on_record;
	q.ctx = r->ctx;
	return run_request(o, &q);
}

/* ---- arguments ---------------------------------------------------------------- */

/* 0, or -1 for a usage error. */
static int
parse_args(int argc, char **argv, unsigned allowed, struct args *a)
{
	static const struct option longopts[] = {
	        {"email", required_argument, NULL, ARG_EMAIL},
	        {"password-stdin", no_argument, NULL, ARG_PWSTDIN},
	        {"stdin", no_argument, NULL, ARG_STDIN},
	        {"secret", required_argument, NULL, ARG_SECRET},
	        {"regenerate", no_argument, NULL, ARG_REGEN},
	        {"sso", no_argument, NULL, ARG_SSO},
	        {"label", required_argument, NULL, ARG_LABEL},
	        {"reset", no_argument, NULL, ARG_RESET},
	        {"expire", no_argument, NULL, ARG_EXPIRE},
	        {"invite", no_argument, NULL, ARG_INVITE},
	        {"send", no_argument, NULL, ARG_SEND},
	        {NULL, 0, NULL, 0},
	};
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 0; /* GNU: start afresh at argv[1] */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch <= 0 || ((unsigned)ch & allowed) == 0)
			return -1;
		if (ch == ARG_EMAIL)
			a->email = optarg;
		else if (ch == ARG_SECRET)
			a->secret = optarg;
		else if (ch == ARG_REGEN)
			a->regenerate = 1;
		else if (ch == ARG_SSO)
			a->sso = 1;
		else if (ch == ARG_LABEL)
			a->label = optarg; /* the helper checks it */
		else if (ch == ARG_RESET)
			a->ctl_flags |= FIO_CTL_F_RESET;
		else if (ch == ARG_EXPIRE)
			a->ctl_flags |= FIO_CTL_F_EXPIRE;
		else if (ch == ARG_INVITE)
			a->ctl_flags |= FIO_CTL_F_INVITE;
		else if (ch == ARG_SEND)
			a->ctl_flags |= FIO_CTL_F_SEND;
		else
			a->from_stdin = 1;
	}
	if (argc - optind > 1)
		return -1;
	if (argc - optind == 1 && (allowed & (ARG_NAME | ARG_NAME_REQ)) == 0)
		return -1;
	if (argc - optind == 0 && (allowed & ARG_NAME_REQ) != 0)
		return -1;
	a->name = argc - optind == 1 ? argv[optind] : NULL;
	return 0;
}

/* Sets q->user from a->name or, if none, the caller's own account name.
 * 0 or an exit status. */
static int
set_user(struct req *q, const struct args *a)
{
	const struct passwd *pw;

	if (a->name != NULL) {
		if (strlen(a->name) > FIO_NAME_MAX) {
			fprintf(stderr, "fioctl: user name too long\n");
			return FIOCTL_EXIT_USAGE;
		}
		q->user = a->name;
		return 0;
	}
	pw = getpwuid(getuid());
	if (pw == NULL || strlen(pw->pw_name) > FIO_NAME_MAX) {
		fprintf(stderr, "fioctl: cannot tell your user name; give NAME\n");
		return FIOCTL_EXIT_USAGE;
	}
	snprintf(q->self, sizeof(q->self), "%s", pw->pw_name);
	q->user = q->self;
	return 0;
}

/* The new password into pw: one line from stdin, or twice on the terminal,
 * or (not required, no terminal) none. 0 or an exit status. */
static int
new_password(int from_stdin, int required, char *pw, size_t size)
{
	char again[FIOCTL_LINE_SIZE];
	int rc;

	if (from_stdin) {
		rc = fioctl_read_line(STDIN_FILENO, pw, size);
		if (rc == FIOCTL_IN_OK && pw[0] == '\0') {
			/* asked for a password and given none: never "no password" */
			fprintf(stderr, "fioctl: password must not be empty\n");
			return FIOCTL_EXIT_USAGE;
		}
		if (rc == FIOCTL_IN_OK)
			return 0;
		fprintf(stderr, "fioctl: cannot read the password: %s\n", fioctl_in_error(rc));
		return FIOCTL_EXIT_FAIL;
	}
	if (!isatty(STDIN_FILENO)) {
		pw[0] = '\0';
		if (!required)
			return 0;
		fprintf(stderr, "fioctl: no terminal to ask for the new password (use --stdin)\n");
		return FIOCTL_EXIT_USAGE;
	}
	rc = fioctl_ask("New password: ", 0, pw, size);
	if (rc == FIOCTL_IN_OK)
		rc = fioctl_ask("Retype new password: ", 0, again, sizeof(again));
	if (rc != FIOCTL_IN_OK) {
		fio_wipe(pw, size);
		fprintf(stderr, "fioctl: cannot read the password: %s\n", fioctl_in_error(rc));
		return FIOCTL_EXIT_FAIL;
	}
	rc = strcmp(pw, again);
	FIO_WIPE_ARRAY(again);
	if (rc != 0) {
		fio_wipe(pw, size);
		fprintf(stderr, "fioctl: the passwords do not match\n");
		return FIOCTL_EXIT_FAIL;
	}
	return 0;
}

/* The common shape: parse, default the name, run. */
static int
simple(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv,
       unsigned allowed, struct req *q)
{
	struct args a;
	int rc;

	if (parse_args(argc, argv, allowed, &a) != 0)
		return fioctl_usage(cmd);
	if ((allowed & (ARG_NAME | ARG_NAME_REQ)) != 0 && (rc = set_user(q, &a)) != 0)
		return rc;
	if (a.label != NULL)
		q->arg = a.label;
	return run_request(o, q);
}

/* ---- the subcommands ------------------------------------------------------------ */

int
fioctl_status(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_STATUS, .text_records = REC_IGNORE};

	return simple(o, cmd, argc, argv, 0, &q);
}

int
fioctl_user_del(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_USER_DEL, .text_records = REC_IGNORE};

	return simple(o, cmd, argc, argv, ARG_NAME_REQ, &q);
}

int
fioctl_user_list(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_USER_LIST, .text_records = REC_NAMES, .json_array = 1};

	return simple(o, cmd, argc, argv, 0, &q);
}

int
fioctl_user_show(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_USER_SHOW, .text_records = REC_FIELDS};

	return simple(o, cmd, argc, argv, ARG_NAME, &q);
}

int
fioctl_unenroll(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_UNENROLL, .text_records = REC_IGNORE};

	return simple(o, cmd, argc, argv, ARG_NAME | ARG_LABEL, &q);
}

int
fioctl_user_add(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_USER_ADD, .text_records = REC_IGNORE};
	struct args a;
	int rc;

	if (parse_args(argc, argv,
	               ARG_NAME_REQ | ARG_EMAIL | ARG_PWSTDIN | ARG_SSO | ARG_INVITE | ARG_SEND,
	               &a) != 0)
		return fioctl_usage(cmd);
	q.flags = (a.sso ? FIO_CTL_F_SSO : 0) | a.ctl_flags;
	if ((rc = set_user(&q, &a)) != 0)
		return rc;
	if (a.email != NULL && strlen(a.email) > FIO_EMAIL_MAX) {
		fprintf(stderr, "fioctl: e-mail address too long\n");
		return FIOCTL_EXIT_USAGE;
	}
	q.arg = a.email;
	if ((a.ctl_flags & FIO_CTL_F_SEND) && !(a.ctl_flags & FIO_CTL_F_INVITE)) {
		fprintf(stderr, "fioctl: --send goes with --invite\n");
		return FIOCTL_EXIT_USAGE;
	}
	if (a.ctl_flags & FIO_CTL_F_INVITE) {
		if (a.from_stdin) {
			fprintf(stderr, "fioctl: --invite adds the account without a password\n");
			return FIOCTL_EXIT_USAGE;
		}
		q.text_records = REC_IGNORE;
		return run_request(o, &q); /* the helper makes the code */
	}
	if ((rc = new_password(a.from_stdin, 0, q.secret, sizeof(q.secret))) != 0)
		return rc;
	return run_request(o, &q);
}

int
fioctl_passwd(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_PASSWD, .text_records = REC_IGNORE};
	struct args a;
	int rc;

	if (parse_args(argc, argv, ARG_NAME | ARG_STDIN | ARG_RESET | ARG_EXPIRE | ARG_SEND, &a) !=
	    0)
		return fioctl_usage(cmd);
	if ((rc = set_user(&q, &a)) != 0)
		return rc;
	q.flags = a.ctl_flags;
	if (a.ctl_flags != 0) { /* --reset, --expire: no password; the helper checks the rest */
		if (a.from_stdin) {
			fprintf(stderr, "fioctl: --reset and --expire take no password\n");
			return FIOCTL_EXIT_USAGE;
		}
		return run_request(o, &q);
	}
	if ((rc = new_password(a.from_stdin, 1, q.secret, sizeof(q.secret))) != 0)
		return rc;
	if (q.secret[0] == '\0') {
		fprintf(stderr, "fioctl: password must not be empty\n");
		return FIOCTL_EXIT_FAIL;
	}
	return run_request(o, &q);
}

/* --secret BASE32 is wiped from argv once copied; "--secret -" reads a line. */
static int
import_secret(char *arg, char *secret, size_t size)
{
	size_t n = strlen(arg);
	int rc;

	if (strcmp(arg, "-") == 0) {
		rc = fioctl_read_line(STDIN_FILENO, secret, size);
		if (rc == FIOCTL_IN_OK)
			return 0;
		fprintf(stderr, "fioctl: cannot read the secret: %s\n", fioctl_in_error(rc));
		return FIOCTL_EXIT_FAIL;
	}
	if (n == 0 || n >= size) {
		fio_wipe(arg, n);
		fprintf(stderr, "fioctl: invalid secret\n");
		return FIOCTL_EXIT_USAGE;
	}
	memcpy(secret, arg, n + 1);
	fio_wipe(arg, n);
	return 0;
}

int
fioctl_enroll(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_ENROLL, .text_records = REC_IGNORE};
	struct args a;
	int rc;

	if (parse_args(argc, argv, ARG_NAME | ARG_SECRET | ARG_LABEL, &a) != 0)
		return fioctl_usage(cmd);
	if ((rc = set_user(&q, &a)) != 0)
		return rc;
	if (a.label != NULL)
		q.arg = a.label;
	if (a.secret != NULL && (rc = import_secret(a.secret, q.secret, sizeof(q.secret))) != 0)
		return rc;
	return run_request(o, &q);
}

int
fioctl_recovery(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_RECOVERY_REGEN, .text_records = REC_IGNORE};
	struct args a;
	int rc;

	if (parse_args(argc, argv, ARG_NAME | ARG_REGEN, &a) != 0 || !a.regenerate)
		return fioctl_usage(cmd);
	if ((rc = set_user(&q, &a)) != 0)
		return rc;
	return run_request(o, &q);
}

int
fioctl_lock_show(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_LOCK_SHOW, .text_records = REC_FIELDS, .user = ""};
	struct args a;
	int rc;

	if (parse_args(argc, argv, ARG_NAME, &a) != 0)
		return fioctl_usage(cmd);
	/* without NAME: every account with failures or a lock, as a list */
	if (a.name != NULL && (rc = set_user(&q, &a)) != 0)
		return rc;
	q.json_array = a.name == NULL;
	return run_request(o, &q);
}

int
fioctl_lock_clear(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct req q = {.cmd = FIO_CTL_LOCK_CLEAR, .text_records = REC_IGNORE};

	return simple(o, cmd, argc, argv, ARG_NAME_REQ, &q);
}
