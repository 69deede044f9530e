/*
 * fioctl_activity.c - `fioctl activity [NAME] [--since TIME] [--json]`: the
 * account's activity log (FIO_CTL_ACTIVITY), oldest first, as a table or as
 * JSON records.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fio-client.h"
#include "fio-proto.h"
#include "fioctl_cmds.h"

#define SINCE_MAX_SECONDS (3650LL * 86400) /* a duration back: at most 10 years */
#define SINCE_TEXT_MAX 32

/* "24h", "7d", "1h30m": NUMBER UNIT parts (s, m, h, d, w), at most 10 years.
 * 0 or -1. */
static int
parse_duration(const char *s, long long *out)
{
	long long total = 0;

	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		long long n = 0, unit;

		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			n = n * 10 + (*s - '0');
			if (n > SINCE_MAX_SECONDS)
				return -1;
		}
		switch (*s++) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		case 'w':
			unit = 7 * 86400;
			break;
		default:
			return -1;
		}
		total += n * unit;
		if (total > SINCE_MAX_SECONDS)
			return -1;
	}
	*out = total;
	return 0;
}

/* "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM[:SS]Z". 0 or -1. */
static int
parse_date(const char *s, long long *out)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || end - s != 10)
		return -1;
	if (*end == 'T') {
		const char *p = strptime(end + 1, "%H:%M", &tm);

		if (p == NULL || p - end != 6)
			return -1;
		if (*p == ':') {
			end = strptime(p + 1, "%S", &tm);
			if (end == NULL || end - p != 3)
				return -1;
		} else {
			end = p;
		}
		if (strcmp(end, "Z") != 0)
			return -1;
	} else if (*end != '\0') {
		return -1;
	}
	if (tm.tm_year < 70 || tm.tm_year > 1100)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (long long)t;
	return 0;
}

/* TIME as a unix time in decimal into out. 0 or -1. */
static int
parse_since(const char *s, char *out, size_t outsz)
{
	long long t, back;

	if (strlen(s) > SINCE_TEXT_MAX)
		return -1;
	if (parse_date(s, &t) != 0) {
		if (parse_duration(s, &back) != 0)
			return -1;
		t = (long long)time(NULL) - back;
		if (t < 0)
			t = 0;
	}
	snprintf(out, outsz, "%lld", t);
	return 0;
}

struct activity_out {
	unsigned n;
};

static void
put_cell(const char *v, int width)
{
	int w = 0;

	if (v == NULL || v[0] == '\0')
		v = "-";
	fioctl_put_text(stdout, v);
	for (const char *p = v; *p != '\0'; p++)
		w += ((unsigned char)*p & 0xc0u) != 0x80u;
	if (width > 0) {
		do
			fputc(' ', stdout);
		while (++w < width + 1);
	}
}

static void
activity_row(void *ctx, const struct fio_client_msg *m)
{
	static const char *const keys[] = {"time", "event", "service", "rhost", "result", "reason"};
	static const int widths[] = {20, 14, 10, 16, 11, 0};
	struct activity_out *x = ctx;

	if (x->n++ == 0) {
		static const char *const heads[] = {"TIME",  "EVENT",  "SERVICE",
		                                    "RHOST", "RESULT", "REASON"};

		for (size_t c = 0; c < 6; c++)
			put_cell(heads[c], widths[c]);
		fputc('\n', stdout);
	}
	for (size_t c = 0; c < 6; c++)
		put_cell(fioctl_field(m, keys[c]), widths[c]);
	fputc('\n', stdout);
}

int
fioctl_activity(const struct fioctl_opts *o, const struct fioctl_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"since", required_argument, NULL, 's'},
	        {"json", no_argument, NULL, 'j'},
	        {NULL, 0, NULL, 0},
	};
	struct fioctl_opts opts = *o;
	struct activity_out x = {0};
	struct fioctl_req q = {.cmd = FIO_CTL_ACTIVITY, .arg = "", .list = 1};
	char since[24], self[FIO_NAME_MAX + 1];
	const struct passwd *pw;
	int ch, rc;

	optind = 0; /* GNU: start afresh at argv[1] */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 's') {
			if (parse_since(optarg, since, sizeof(since)) != 0) {
				fprintf(stderr,
				        "fioctl: --since: expected YYYY-MM-DD, "
				        "YYYY-MM-DDTHH:MM[:SS]Z or a duration like 24h or 7d\n");
				return fioctl_usage(cmd);
			}
			q.arg = since;
		} else if (ch == 'j') {
			opts.json = 1;
		} else {
			return fioctl_usage(cmd);
		}
	}
	if (argc - optind > 1)
		return fioctl_usage(cmd);
	if (argc - optind == 1) {
		if (strlen(argv[optind]) > FIO_NAME_MAX) {
			fprintf(stderr, "fioctl: user name too long\n");
			return FIOCTL_EXIT_USAGE;
		}
		q.user = argv[optind];
	} else {
		pw = getpwuid(getuid());
		if (pw == NULL || strlen(pw->pw_name) > FIO_NAME_MAX) {
			fprintf(stderr, "fioctl: cannot tell your user name; give NAME\n");
			return FIOCTL_EXIT_USAGE;
		}
		snprintf(self, sizeof(self), "%s", pw->pw_name);
		q.user = self;
	}
	if (!opts.json) {
		q.on_record = activity_row;
		q.ctx = &x;
	}
	rc = fioctl_request(&opts, &q);
	if (rc == FIOCTL_EXIT_OK && !opts.json && x.n == 0)
		printf("No activity recorded.\n");
	return rc;
}
