#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int log_to_stderr;
static int log_debug_on;

void
fio_log_init(const char *ident, int to_stderr, int debug)
{
	log_to_stderr = to_stderr;
	log_debug_on = debug;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
fio_log(int prio, const char *func, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (prio == LOG_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	syslog(prio, "%s: %s", func, msg);
	if (log_to_stderr)
		fprintf(stderr, "fio-helperd: %s: %s\n", func, msg);
}

void
log_ratelimited(int64_t *last, int prio, const char *fmt, ...)
{
	struct timespec ts;
	int64_t now;
	char msg[1024];
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (*last != 0 && now - *last < 10000)
		return;
	*last = now;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	syslog(prio, "%s (further such messages suppressed for 10 s)", msg);
	if (log_to_stderr)
		fprintf(stderr, "fio-helperd: %s (further such messages suppressed for 10 s)\n",
		        msg);
}

const char *
fio_log_escape(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (outsz == 0)
		return out;
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		int plain = ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '"';

		if (o + (plain ? 1 : 4) >= outsz)
			break;
		if (plain) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 0xf];
		}
	}
	out[o] = '\0';
	return out;
}

void
fio_audit(const char *event, const char *user, long caller_uid, const char *service,
          const char *rhost, const char *result, const char *reason)
{
	char u[160], sv[96], rh[160], rs[160];

	fio_log_escape(user, u, sizeof(u));
	fio_log_escape(service, sv, sizeof(sv));
	fio_log_escape(rhost, rh, sizeof(rh));
	fio_log_escape(reason, rs, sizeof(rs));
	syslog(LOG_AUTHPRIV | LOG_NOTICE,
	       "fio-audit: event=%s user=\"%s\" caller_uid=%ld service=\"%s\" rhost=\"%s\" "
	       "result=%s reason=\"%s\"",
	       event, u, caller_uid, sv, rh, result, rs);
	if (log_to_stderr)
		fprintf(stderr,
		        "fio-audit: event=%s user=\"%s\" caller_uid=%ld service=\"%s\" "
		        "rhost=\"%s\" result=%s reason=\"%s\"\n",
		        event, u, caller_uid, sv, rh, result, rs);
}
