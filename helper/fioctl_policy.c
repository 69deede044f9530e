/*
 * fioctl_policy.c - the mandatory-2FA subcommands that are one request each:
 * sessions, policy status (both printed as a table, or as JSON records),
 * pass grant / revoke, user sso and user suspend / resume. enforce is in
 * fioctl_enforce.c.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fio-client.h"
#include "fio-proto.h"
#include "fioctl_cmds.h"

#define PASS_HOURS_MAX 720u /* 30 days, the most pass.max allows */
#define TABLE_COLS_MAX 8u

/* Options of this file's subcommands. */
#define OPT_HOURS 1
#define OPT_GROUP 2
#define OPT_REASON 4

struct pargs {
	const char *hours;
	const char *group;
	const char *reason;
	char **words; /* positional arguments after the command words */
	int nwords;
};

/* Records collected as rows of a table; a missing or empty value is "-". */
struct table {
	const char *const *keys;  /* the record key of each column */
	const char *const *heads; /* the header of each column */
	size_t ncols;
	char **cells; /* nrows x ncols */
	size_t nrows, cap;
	int nomem;
};

const char *
fioctl_field(const struct fio_client_msg *m, const char *key)
{
	for (uint32_t i = 0; i < m->nfields; i++) {
		if (strcmp(m->keys[i], key) == 0)
			return m->values[i];
	}
	return NULL;
}

/* ---- tables ------------------------------------------------------------------ */

static void
table_add(void *ctx, const struct fio_client_msg *m)
{
	struct table *t = ctx;
	char **row;

	if (t->nomem)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap > 0 ? t->cap * 2 : 16;
		char **cells = cap <= FIO_MAX_RECORDS
		                       ? reallocarray(t->cells, cap * t->ncols, sizeof(*cells))
		                       : NULL;

		if (cells == NULL) {
			t->nomem = 1;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++) {
		const char *v = fioctl_field(m, t->keys[c]);

		row[c] = strdup(v != NULL && v[0] != '\0' ? v : "-");
		if (row[c] == NULL) {
			while (c-- > 0)
				free(row[c]);
			t->nomem = 1;
			return;
		}
	}
	t->nrows++;
}

/* Characters, not bytes, so that UTF-8 names keep the columns aligned. */
static size_t
text_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0u) != 0x80u;
	return n;
}

static void
table_row(const struct table *t, const char *const *cells, const size_t *width)
{
	for (size_t c = 0; c < t->ncols; c++) {
		fioctl_put_text(stdout, cells[c]);
		if (c + 1 == t->ncols)
			break;
		for (size_t w = text_width(cells[c]); w < width[c] + 2; w++)
			fputc(' ', stdout);
	}
	fputc('\n', stdout);
}

static void
table_print(const struct table *t)
{
	size_t width[TABLE_COLS_MAX];

	for (size_t c = 0; c < t->ncols; c++) {
		width[c] = text_width(t->heads[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = text_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	table_row(t, t->heads, width);
	for (size_t r = 0; r < t->nrows; r++)
		table_row(t, (const char *const *)t->cells + r * t->ncols, width);
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* Runs q; prints its records as a table (prose) or as JSON. */
static int
run_table(const struct fioctl_opts *o, struct fioctl_req *q, struct table *t)
{
	int rc;

	if (o->json)
		return fioctl_request(o, q);
	q->on_record = table_add;
	q->ctx = t;
	rc = fioctl_request(o, q);
	if (rc == FIOCTL_EXIT_OK && t->nomem) {
		fprintf(stderr, "fioctl: out of memory for the helper's records\n");
		rc = FIOCTL_EXIT_FAIL;
	} else if (rc == FIOCTL_EXIT_OK && t->nrows > 0) {
		table_print(t); /* none: the helper said so, or there is nothing to show */
	}
	table_free(t);
	return rc;
}

/* ---- arguments ---------------------------------------------------------------- */

/* Options allowed (OPT_* bits) and between min and max words. 0, or -1 for a
 * usage error. */
static int
parse(int argc, char **argv, unsigned allowed, int min, int max, struct pargs *a)
{
	static const struct option longopts[] = {
	        {"hours", required_argument, NULL, OPT_HOURS},
	        {"group", required_argument, NULL, OPT_GROUP},
	        {"reason", required_argument, NULL, OPT_REASON},
	        {NULL, 0, NULL, 0},
	};
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 0; /* GNU: start afresh at argv[1] */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch <= 0 || ((unsigned)ch & allowed) == 0)
			return -1;
		if (ch == OPT_HOURS)
			a->hours = optarg;
		else if (ch == OPT_GROUP)
			a->group = optarg;
		else
			a->reason = optarg;
	}
	a->words = argv + optind;
	a->nwords = argc - optind;
	return a->nwords >= min && a->nwords <= max ? 0 : -1;
}

/* 0, or an exit status after a message. */
static int
check_name(const char *name, const char *what)
{
	if (strlen(name) <= FIO_NAME_MAX)
		return 0;
	fprintf(stderr, "fioctl: %s name too long\n", what);
	return FIOCTL_EXIT_USAGE;
}

/* ---- the subcommands ------------------------------------------------------------ */

int
fioctl_sessions(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	static const char *const keys[] = {"id",    "user", "service", "tty",
	                                   "rhost", "pid",  "started"};
	static const char *const heads[] = {"ID",    "USER", "SERVICE", "TTY",
	                                    "RHOST", "PID",  "STARTED"};
	struct table t = {.keys = keys, .heads = heads, .ncols = sizeof(keys) / sizeof(keys[0])};
	struct fioctl_req q = {.cmd = FIO_CTL_SESSIONS, .user = "", .list = 1};
	struct pargs a;
	int rc;

	if (parse(argc, argv, 0, 0, 1, &a) != 0)
		return fioctl_usage(cmd);
	/* without NAME: everyone's sessions for an admin, else the caller's own */
	if (a.nwords == 1 && (rc = check_name(a.words[0], "user")) != 0)
		return rc;
	if (a.nwords == 1)
		q.user = a.words[0];
	return run_table(o, &q, &t);
}

int
fioctl_policy_status(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                     char **argv)
{
	static const char *const keys[] = {"user", "state", "deadline", "pass_until", "policy"};
	static const char *const heads[] = {"USER", "STATE", "DEADLINE", "PASS_UNTIL", "POLICY"};
	struct table t = {.keys = keys, .heads = heads, .ncols = sizeof(keys) / sizeof(keys[0])};
	struct fioctl_req q = {.cmd = FIO_CTL_POLICY_STATUS, .user = "", .arg = ""};
	struct pargs a;
	int rc;

	if (parse(argc, argv, OPT_GROUP, 0, 1, &a) != 0 || (a.nwords == 1 && a.group != NULL))
		return fioctl_usage(cmd);
	if (a.nwords == 1 && (rc = check_name(a.words[0], "user")) != 0)
		return rc;
	if (a.group != NULL && (rc = check_name(a.group, "group")) != 0)
		return rc;
	if (a.nwords == 1)
		q.user = a.words[0];
	else
		q.arg = a.group;
	/* --json: one object for NAME, else an array (as lock show) */
	q.list = a.nwords == 0;
	return run_table(o, &q, &t);
}

/* "pass for NAME until TIME" */
static void
print_pass(void *ctx, const struct fio_client_msg *m)
{
	const char *user = fioctl_field(m, "user");
	const char *until = fioctl_field(m, "until");

	if (until == NULL)
		return;
	fputs("pass for ", stdout);
	fioctl_put_text(stdout, user != NULL ? user : (const char *)ctx);
	fputs(" until ", stdout);
	fioctl_put_text(stdout, until);
	fputc('\n', stdout);
}

/* 1..PASS_HOURS_MAX as decimal digits only; 0 if not. */
static unsigned
parse_hours(const char *s)
{
	unsigned v = 0;

	if (s[0] == '\0' || strlen(s) > 3)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v <= PASS_HOURS_MAX ? v : 0;
}

int
fioctl_pass_grant(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct fioctl_req q = {.cmd = FIO_CTL_PASS_GRANT, .arg = ""};
	char hours[16];
	struct pargs a;
	int rc;

	if (parse(argc, argv, OPT_HOURS, 1, 1, &a) != 0)
		return fioctl_usage(cmd);
	if ((rc = check_name(a.words[0], "user")) != 0)
		return rc;
	q.user = a.words[0];
	if (a.hours != NULL) {
		unsigned h = parse_hours(a.hours);

		if (h == 0) {
			fprintf(stderr, "fioctl: --hours must be a whole number from 1 to %u\n",
			        PASS_HOURS_MAX);
			return FIOCTL_EXIT_USAGE;
		}
		snprintf(hours, sizeof(hours), "%u", h);
		q.arg = hours; /* else "": the helper's pass.default */
	}
	if (!o->json) {
		q.on_record = print_pass;
		q.ctx = a.words[0];
	}
	return fioctl_request(o, &q);
}

/* The commands that take exactly one account name and nothing else. */
static int
one_user(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv,
         uint32_t ctl)
{
	struct fioctl_req q = {.cmd = ctl};
	struct pargs a;
	int rc;

	if (parse(argc, argv, 0, 1, 1, &a) != 0)
		return fioctl_usage(cmd);
	if ((rc = check_name(a.words[0], "user")) != 0)
		return rc;
	q.user = a.words[0];
	return fioctl_request(o, &q);
}

int
fioctl_pass_revoke(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	return one_user(o, cmd, argc, argv, FIO_CTL_PASS_REVOKE);
}

int
fioctl_user_sso(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	struct fioctl_req q = {.cmd = FIO_CTL_USER_SSO};
	struct pargs a;
	int rc;

	if (parse(argc, argv, 0, 2, 2, &a) != 0 ||
	    (strcmp(a.words[1], "on") != 0 && strcmp(a.words[1], "off") != 0))
		return fioctl_usage(cmd);
	if ((rc = check_name(a.words[0], "user")) != 0)
		return rc;
	q.user = a.words[0];
	q.arg = a.words[1];
	return fioctl_request(o, &q);
}

/* At most FIO_SUSPEND_REASON_MAX bytes, no control characters (the helper
 * checks the same). */
static int
reason_valid(const char *s)
{
	if (strlen(s) > FIO_SUSPEND_REASON_MAX)
		return 0;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	}
	return 1;
}

int
fioctl_user_suspend(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc,
                    char **argv)
{
	struct fioctl_req q = {.cmd = FIO_CTL_USER_SUSPEND, .arg = ""};
	struct pargs a;
	int rc;

	if (parse(argc, argv, OPT_REASON, 1, 1, &a) != 0)
		return fioctl_usage(cmd);
	if ((rc = check_name(a.words[0], "user")) != 0)
		return rc;
	if (a.reason != NULL && !reason_valid(a.reason)) {
		fprintf(stderr,
		        "fioctl: --reason must be at most %u bytes, without control "
		        "characters\n",
		        FIO_SUSPEND_REASON_MAX);
		return FIOCTL_EXIT_USAGE;
	}
	q.user = a.words[0];
	if (a.reason != NULL)
		q.arg = a.reason;
	return fioctl_request(o, &q);
}

int
fioctl_user_resume(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	return one_user(o, cmd, argc, argv, FIO_CTL_USER_RESUME);
}
