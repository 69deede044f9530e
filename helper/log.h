/*
 * log.h - the helper's logging: syslog, plus stderr with --foreground.
 * Never pass a password, code, secret, recovery code or phone number.
 * fio_log_escape() makes a caller-supplied string (a user name) safe to log.
 */
#ifndef FIO_LOG_H
#define FIO_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

void fio_log_init(const char *ident, int to_stderr, int debug);
void fio_log(int prio, const char *func, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#define log_err(...) fio_log(LOG_ERR, __func__, __VA_ARGS__)
#define log_warn(...) fio_log(LOG_WARNING, __func__, __VA_ARGS__)
#define log_info(...) fio_log(LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...) fio_log(LOG_DEBUG, __func__, __VA_ARGS__)

/* Logs at most one line every 10 s per *last (a caller's timestamp, ms). */
void log_ratelimited(int64_t *last, int prio, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Copies s into out (size outsz, always NUL-terminated), replacing control
 * characters, '\\', '"', and bytes >= 0x7f with \xNN and cutting at outsz.
 * Returns out. */
const char *fio_log_escape(const char *s, char *out, size_t outsz);

/* One structured audit line (syslog facility authpriv, "fio-audit: event=..."):
 * event, user (escaped), caller uid, service, rhost, result, reason. */
void fio_audit(const char *event, const char *user, long caller_uid, const char *service,
               const char *rhost, const char *result, const char *reason);

#endif /* FIO_LOG_H */
