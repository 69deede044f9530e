/*
 * config.c - /etc/fio/fio.conf (libconfig) into a validated struct fio_config.
 *
 * The file is read into a temporary struct that starts from the defaults. Every
 * setting is checked against one table (known key, type, bounds, string rules);
 * the first problem becomes "FILE:LINE: KEY: problem" and the caller's struct is
 * left as it was. Only a fully valid file replaces it.
 *
 * libconfig 1.5 (Debian 12) keeps an integer literal without the L suffix in an
 * int and silently drops the high bits ("digits = 4294967302" reads as 6), so once
 * the tree is valid the text is scanned again and a literal that does not fit in
 * 32 bits is refused as out of range.
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fio-config.h"

#ifndef FIO_DEFAULT_SOCKET
#error "FIO_DEFAULT_* come from the generated config.h (see configure.ac)"
#endif

#define CFG_MAX_STRING 4096
#define CFG_MAX_SOCKET 107 /* sizeof(sockaddr_un.sun_path) - 1 */
#define CFG_MAX_ISSUER 64
#define CFG_MAX_TEXT (16u * 1024 * 1024) /* the rescan refuses bigger files */
#define CFG_MAX_INCLUDE 10               /* libconfig's own include depth */
#define CFG_MAX_NAME 64                  /* every known key is shorter */

enum key_kind {
	KEY_GROUP,
	KEY_UINT,
	KEY_PATH,    /* absolute path */
	KEY_NAME,    /* user or group name */
	KEY_BACKEND, /* store.backend */
	KEY_ISSUER,  /* totp.issuer */
	KEY_BOOL,    /* true or false, into an int */
};

struct key_spec {
	const char *name;
	enum key_kind kind;
	size_t off;   /* offsetof(struct fio_config, field); not for groups */
	unsigned min; /* KEY_UINT: bounds; strings: 1 and the longest in bytes */
	unsigned max;
	const struct key_spec *members; /* KEY_GROUP: ends with a NULL name */
};

#define FIELD(f) offsetof(struct fio_config, f)

static const struct key_spec store_keys[] = {
        {"backend", KEY_BACKEND, FIELD(store_backend), 1, CFG_MAX_STRING, NULL},
        {"path", KEY_PATH, FIELD(store_path), 1, CFG_MAX_STRING, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec totp_keys[] = {
        {"digits", KEY_UINT, FIELD(totp_digits), 6, 8, NULL},
        {"period", KEY_UINT, FIELD(totp_period), 15, 300, NULL},
        {"window", KEY_UINT, FIELD(totp_window), 0, 10, NULL},
        {"issuer", KEY_ISSUER, FIELD(totp_issuer), 1, CFG_MAX_ISSUER, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec password_keys[] = {
        {"hash_cost", KEY_UINT, FIELD(hash_cost), 3, 11, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec recovery_keys[] = {
        {"kdf_iterations", KEY_UINT, FIELD(recovery_iterations), 1000, 10000000, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec limits_keys[] = {
        {"max_connections", KEY_UINT, FIELD(max_connections), 16, 65536, NULL},
        {"max_per_uid", KEY_UINT, FIELD(max_per_uid), 1, 65536, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec lockout_keys[] = {
        {"max_failures", KEY_UINT, FIELD(lock_max_failures), 1, 1000, NULL},
        {"interval", KEY_UINT, FIELD(lock_interval), 1, 86400, NULL},
        {"unlock_after", KEY_UINT, FIELD(lock_unlock_after), 1, 604800, NULL},
        {"per_source_max", KEY_UINT, FIELD(lock_per_source_max), 1, 100000, NULL},
        {"max_consecutive", KEY_UINT, FIELD(lock_max_consecutive), 1, 100, NULL},
        {"exempt_root", KEY_BOOL, FIELD(lock_exempt_root), 0, 1, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec root_keys[] = {
        {"socket", KEY_PATH, FIELD(socket_path), 1, CFG_MAX_SOCKET, NULL},
        {"key_file", KEY_PATH, FIELD(key_file), 1, CFG_MAX_STRING, NULL},
        {"admin_group", KEY_NAME, FIELD(admin_group), 1, CFG_MAX_STRING, NULL},
        {"user", KEY_NAME, FIELD(user), 1, CFG_MAX_STRING, NULL},
        {"workers", KEY_UINT, FIELD(workers), 0, 64, NULL},
        {"answer_timeout", KEY_UINT, FIELD(answer_timeout), 5, 3600, NULL},
        {"store", KEY_GROUP, 0, 0, 0, store_keys},
        {"totp", KEY_GROUP, 0, 0, 0, totp_keys},
        {"password", KEY_GROUP, 0, 0, 0, password_keys},
        {"recovery", KEY_GROUP, 0, 0, 0, recovery_keys},
        {"limits", KEY_GROUP, 0, 0, 0, limits_keys},
        {"lockout", KEY_GROUP, 0, 0, 0, lockout_keys},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

struct load_ctx {
	const char *path; /* the file given to fio_config_load */
	char *err;
	size_t errlen;
	struct fio_config *cfg; /* the temporary being filled */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void report(const struct load_ctx *ctx, const char *file, unsigned line, const char *group,
                   const char *name, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(err, errlen, fmt, ap) < 0)
		err[0] = '\0';
	va_end(ap);
}

/* "FILE:LINE: GROUP.NAME: problem" (GROUP may be NULL or empty). */
static void
report(const struct load_ctx *ctx, const char *file, unsigned line, const char *group,
       const char *name, const char *fmt, ...)
{
	va_list ap;
	int n;
	int dotted = group != NULL && group[0] != '\0';

	if (ctx->err == NULL || ctx->errlen == 0)
		return;
	n = snprintf(ctx->err, ctx->errlen, "%s:%u: %s%s%s: ", file != NULL ? file : ctx->path,
	             line, dotted ? group : "", dotted ? "." : "", name);
	if (n < 0) {
		ctx->err[0] = '\0';
		return;
	}
	if ((size_t)n >= ctx->errlen)
		return;
	va_start(ap, fmt);
	if (vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap) < 0)
		ctx->err[n] = '\0';
	va_end(ap);
}

static const struct key_spec *
find_key(const struct key_spec *keys, const char *name)
{
	for (; keys->name != NULL; keys++) {
		if (strcmp(keys->name, name) == 0)
			return keys;
	}
	return NULL;
}

static void *
field(struct fio_config *cfg, size_t off)
{
	return (char *)cfg + off;
}

/* The rule a string breaks, or NULL. Length and emptiness are checked before. */
static const char *
string_problem(const struct key_spec *k, const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "must not contain control characters";
		if (k->kind == KEY_NAME && (*p == ' ' || *p == ':'))
			return "must not contain spaces or ':'";
		if (k->kind == KEY_ISSUER && (*p > 0x7e || *p == ':'))
			return "must be printable ASCII without ':'";
	}
	if (k->kind == KEY_PATH && v[0] != '/')
		return "must be an absolute path";
	if (k->kind == KEY_BACKEND && strcmp(v, "postgresql") == 0)
		return "postgresql is not supported in this build";
	if (k->kind == KEY_BACKEND && strcmp(v, "sqlite") != 0)
		return "must be \"sqlite\"";
	return NULL;
}

static int
check_string(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
             const struct key_spec *k)
{
	const char *file = config_setting_source_file(s);
	unsigned line = config_setting_source_line(s);
	const char *v;
	const char *problem;
	char **slot;
	char *copy;
	size_t len;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		report(ctx, file, line, group, k->name, "must be a string");
		return -1;
	}
	v = config_setting_get_string(s);
	len = v != NULL ? strlen(v) : 0;
	if (len == 0) {
		report(ctx, file, line, group, k->name, "must not be empty");
		return -1;
	}
	if (len > k->max) {
		report(ctx, file, line, group, k->name, "must be at most %u bytes", k->max);
		return -1;
	}
	problem = string_problem(k, v);
	if (problem != NULL) {
		report(ctx, file, line, group, k->name, "%s", problem);
		return -1;
	}
	copy = strdup(v);
	if (copy == NULL) {
		report(ctx, file, line, group, k->name, "out of memory");
		return -1;
	}
	slot = field(ctx->cfg, k->off);
	free(*slot);
	*slot = copy;
	return 0;
}

static int
check_uint(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
           const struct key_spec *k)
{
	const char *file = config_setting_source_file(s);
	unsigned line = config_setting_source_line(s);
	long long v;
	unsigned *slot;
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		report(ctx, file, line, group, k->name, "must be an integer");
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < (long long)k->min || v > (long long)k->max) {
		report(ctx, file, line, group, k->name, "must be between %u and %u", k->min,
		       k->max);
		return -1;
	}
	slot = field(ctx->cfg, k->off);
	*slot = (unsigned)v;
	return 0;
}

static int
check_bool(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
           const struct key_spec *k)
{
	int *slot;

	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		report(ctx, config_setting_source_file(s), config_setting_source_line(s), group,
		       k->name, "must be true or false");
		return -1;
	}
	slot = field(ctx->cfg, k->off);
	*slot = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

/* Checks every member of a libconfig group against keys; group is the dotted
 * prefix for messages (NULL at the top level). */
static int
check_group(const struct load_ctx *ctx, const config_setting_t *g, const char *group,
            const struct key_spec *keys)
{
	const struct key_spec *k;
	config_setting_t *s;
	const char *name;
	int i;
	int n = config_setting_length(g);
	int r;

	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (s == NULL)
			return -1;
		name = config_setting_name(s);
		k = find_key(keys, name != NULL ? name : "");
		if (k == NULL) {
			report(ctx, config_setting_source_file(s), config_setting_source_line(s),
			       group, name != NULL ? name : "(unnamed)", "unknown key");
			return -1;
		}
		if (k->kind == KEY_GROUP && config_setting_type(s) != CONFIG_TYPE_GROUP) {
			report(ctx, config_setting_source_file(s), config_setting_source_line(s),
			       group, k->name, "must be a group: %s = { ... };", k->name);
			return -1;
		}
		if (k->kind == KEY_GROUP)
			r = check_group(ctx, s, k->name, k->members);
		else if (k->kind == KEY_UINT)
			r = check_uint(ctx, s, group, k);
		else if (k->kind == KEY_BOOL)
			r = check_bool(ctx, s, group, k);
		else
			r = check_string(ctx, s, group, k);
		if (r != 0)
			return -1;
	}
	return 0;
}

/* Reads a whole regular file of at most CFG_MAX_TEXT bytes into a NUL-terminated
 * buffer. -1 with errno set on failure. */
static int
read_text(const char *path, char **out)
{
	struct stat st;
	FILE *f = NULL;
	char *buf = NULL;
	size_t len;
	int saved;
	int ret = -1;

	f = fopen(path, "re");
	if (f == NULL)
		goto out;
	if (fstat(fileno(f), &st) != 0)
		goto out;
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || st.st_size > (off_t)CFG_MAX_TEXT) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto out;
	len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		errno = EIO;
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	ret = 0;
out:
	saved = errno;
	if (f != NULL)
		(void)fclose(f);
	free(buf);
	errno = saved;
	return ret;
}

/* 0 if an integer literal without the L suffix fits libconfig 1.5's int. */
static int
int_literal_fits(const char *tok, size_t len)
{
	char buf[CFG_MAX_NAME];
	char *end;
	unsigned long long u;
	long long v;
	int hex;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	hex = strstr(buf, "0x") != NULL || strstr(buf, "0X") != NULL;
	if (buf[len - 1] == 'L' || buf[len - 1] == 'l')
		return 0; /* int64: read with all its bits */
	if (!hex && strpbrk(buf, ".eE") != NULL)
		return 0; /* a float: refused by type already */
	errno = 0;
	if (hex) {
		u = strtoull(buf + (buf[0] == '-' || buf[0] == '+'), &end, 16);
		return errno == 0 && *end == '\0' && u <= INT32_MAX ? 0 : -1;
	}
	v = strtoll(buf, &end, 10);
	return errno == 0 && *end == '\0' && v >= INT32_MIN && v <= INT32_MAX ? 0 : -1;
}

struct scan {
	const struct load_ctx *ctx;
	const char *file;
	unsigned line;
	char name[CFG_MAX_NAME];  /* the last name seen: the key a value belongs to */
	char group[CFG_MAX_NAME]; /* the group being read, "" at the top level */
};

static int scan_file(const struct load_ctx *ctx, const char *file, const char *group,
                     unsigned depth);

static void
copy_token(char *dst, const char *src, size_t len)
{
	if (len >= CFG_MAX_NAME)
		len = CFG_MAX_NAME - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Skips a comment or a string starting at p; returns the first byte after it
 * (for a line comment: its newline, which the caller counts). */
static const char *
skip_text(struct scan *sc, const char *p)
{
	const char *close = "\n";
	size_t open = 1;

	if (p[0] == '"') {
		close = "\"";
	} else if (p[0] == '/') {
		open = 2;
		close = p[1] == '*' ? "*/" : "\n";
	}
	for (p += open; *p != '\0'; p++) {
		if (*p == '\\' && close[0] == '"' && p[1] != '\0')
			p++;
		else if (strncmp(p, close, strlen(close)) == 0)
			return close[0] == '\n' ? p : p + strlen(close);
		if (*p == '\n')
			sc->line++;
	}
	return p;
}

/* @include "file": the name is taken as libconfig takes it (no include_dir). */
static int
scan_include(struct scan *sc, const char **pp, unsigned depth)
{
	const char *p = *pp + strlen("@include");
	char path[CFG_MAX_STRING + 1];
	size_t n = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '"')
		return 0;
	for (; *p != '\0' && *p != '"' && n < CFG_MAX_STRING; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		path[n++] = *p;
	}
	path[n] = '\0';
	*pp = *p == '"' ? p + 1 : p;
	return scan_file(sc->ctx, path, sc->group, depth + 1);
}

/* libconfig 1.5's scanner exit()s when an @include names something it cannot
 * read as a file (a directory, say), which would end the helper on SIGHUP.
 * So before libconfig reads anything, every @include, at every depth, must
 * name a regular file. 0, or -1 with err set. */
static int
includes_ok(const struct load_ctx *ctx, const char *file, unsigned depth)
{
	char line[CFG_MAX_STRING + 64];
	unsigned lineno = 0;
	struct stat st;
	FILE *fp;
	int rc = 0;

	if (depth > CFG_MAX_INCLUDE) {
		set_err(ctx->err, ctx->errlen, "%s: includes nested too deeply", file);
		return -1;
	}
	if (stat(file, &st) != 0) {
		set_err(ctx->err, ctx->errlen, "%s: cannot read: %s", file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(ctx->err, ctx->errlen, "%s: cannot read: not a regular file", file);
		return -1;
	}
	if ((fp = fopen(file, "r")) == NULL) {
		set_err(ctx->err, ctx->errlen, "%s: cannot read: %s", file, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *q;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "@include", 8) != 0)
			continue;
		if ((p = strchr(p, '"')) == NULL || (q = strchr(p + 1, '"')) == NULL) {
			set_err(ctx->err, ctx->errlen,
			        "%s:%u: @include: a quoted file name is needed", file, lineno);
			rc = -1;
			break;
		}
		*q = '\0';
		errno = 0;
		if (stat(p + 1, &st) != 0 || !S_ISREG(st.st_mode)) {
			set_err(ctx->err, ctx->errlen, "%s:%u: @include: %s is not a readable file",
			        file, lineno, p + 1);
			rc = -1;
			break;
		}
		rc = includes_ok(ctx, p + 1, depth + 1);
	}
	fclose(fp);
	return rc;
}

static int
scan_number(struct scan *sc, const char **pp)
{
	const char *start = *pp;
	const char *p = start + 1;
	const struct key_spec *k;
	const struct key_spec *g;

	while (isalnum((unsigned char)*p) || *p == '.' ||
	       ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E')))
		p++;
	*pp = p;
	if (int_literal_fits(start, (size_t)(p - start)) == 0)
		return 0;
	g = sc->group[0] != '\0' ? find_key(root_keys, sc->group) : NULL;
	k = find_key(g != NULL && g->members != NULL ? g->members : root_keys, sc->name);
	if (k != NULL && k->kind == KEY_UINT)
		report(sc->ctx, sc->file, sc->line, sc->group, sc->name,
		       "must be between %u and %u", k->min, k->max);
	else
		report(sc->ctx, sc->file, sc->line, sc->group, sc->name, "integer out of range");
	return -1;
}

/* Refuses integer literals libconfig 1.5 would truncate. Runs on a file whose
 * settings were all accepted, so only known keys, at most one group deep. */
static int
scan_text(struct scan *sc, const char *p, unsigned depth)
{
	const char *q;

	while (*p != '\0') {
		if (*p == '\n') {
			sc->line++;
			p++;
		} else if (*p == '#' || *p == '"' ||
		           (p[0] == '/' && (p[1] == '/' || p[1] == '*'))) {
			p = skip_text(sc, p);
		} else if (strncmp(p, "@include", strlen("@include")) == 0) {
			if (scan_include(sc, &p, depth) != 0)
				return -1;
		} else if (isalpha((unsigned char)*p) || *p == '*') {
			q = p + 1;
			while (isalnum((unsigned char)*q) ||
			       (*q != '\0' && strchr("-_*", *q) != NULL))
				q++;
			copy_token(sc->name, p, (size_t)(q - p));
			p = q;
		} else if (isdigit((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.') {
			if (scan_number(sc, &p) != 0)
				return -1;
		} else {
			if (*p == '{')
				memcpy(sc->group, sc->name, sizeof(sc->group));
			else if (*p == '}')
				sc->group[0] = '\0';
			p++;
		}
	}
	return 0;
}

static int
scan_file(const struct load_ctx *ctx, const char *file, const char *group, unsigned depth)
{
	struct scan sc;
	char *text = NULL;
	int ret = -1;

	if (depth > CFG_MAX_INCLUDE) {
		set_err(ctx->err, ctx->errlen, "%s: includes nested too deeply", file);
		goto out;
	}
	if (read_text(file, &text) != 0) {
		set_err(ctx->err, ctx->errlen, "%s: cannot read: %s", file, strerror(errno));
		goto out;
	}
	memset(&sc, 0, sizeof(sc));
	sc.ctx = ctx;
	sc.file = file;
	sc.line = 1;
	copy_token(sc.group, group, strlen(group));
	ret = scan_text(&sc, text, depth);
out:
	free(text);
	return ret;
}

int
fio_config_defaults(struct fio_config *cfg)
{
	struct fio_config tmp;
	int ret = -1;

	memset(&tmp, 0, sizeof(tmp));
	tmp.socket_path = strdup(FIO_DEFAULT_SOCKET);
	tmp.store_backend = strdup("sqlite");
	tmp.store_path = strdup(FIO_DEFAULT_STATEDIR "/fio.db");
	tmp.key_file = strdup(FIO_DEFAULT_STATEDIR "/secret.key");
	tmp.admin_group = strdup("fio-admin");
	tmp.user = strdup(FIO_DEFAULT_USER);
	tmp.totp_issuer = strdup("pam_fio");
	if (tmp.socket_path == NULL || tmp.store_backend == NULL || tmp.store_path == NULL ||
	    tmp.key_file == NULL || tmp.admin_group == NULL || tmp.user == NULL ||
	    tmp.totp_issuer == NULL)
		goto out;
	tmp.totp_digits = 6;
	tmp.totp_period = 30;
	tmp.totp_window = 1;
	tmp.hash_cost = 5;
	tmp.recovery_iterations = 50000;
	tmp.workers = 0;
	tmp.answer_timeout = 120;
	tmp.max_connections = 4096;
	tmp.max_per_uid = 256;
	tmp.lock_max_failures = 5;
	tmp.lock_interval = 900;
	tmp.lock_unlock_after = 900;
	tmp.lock_per_source_max = 20;
	tmp.lock_max_consecutive = 20;
	tmp.lock_exempt_root = 0;
	*cfg = tmp;
	memset(&tmp, 0, sizeof(tmp));
	ret = 0;
out:
	fio_config_free(&tmp);
	return ret;
}

int
fio_config_load(const char *path, struct fio_config *cfg, char *err, size_t errlen)
{
	struct fio_config tmp;
	struct load_ctx ctx = {path, err, errlen, &tmp};
	config_t lc;
	int saved;
	int ret = -1;

	memset(&tmp, 0, sizeof(tmp));
	config_init(&lc);
	set_err(err, errlen, "%s", "");
	if (path == NULL || cfg == NULL) {
		set_err(err, errlen, "no configuration file given");
		goto out;
	}
	if (fio_config_defaults(&tmp) != 0) {
		set_err(err, errlen, "%s: out of memory", path);
		goto out;
	}
	errno = 0;
	if (includes_ok(&ctx, path, 0) != 0)
		goto out;
	errno = 0;
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		saved = errno;
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			set_err(err, errlen, "%s: cannot read: %s", path,
			        saved != 0 ? strerror(saved) : "not a regular file");
		else
			set_err(err, errlen, "%s:%d: %s",
			        config_error_file(&lc) != NULL ? config_error_file(&lc) : path,
			        config_error_line(&lc),
			        config_error_text(&lc) != NULL ? config_error_text(&lc)
			                                       : "syntax error");
		goto out;
	}
	if (check_group(&ctx, config_root_setting(&lc), NULL, root_keys) != 0)
		goto out;
	if (scan_file(&ctx, path, "", 0) != 0)
		goto out;
	fio_config_free(cfg);
	*cfg = tmp;
	memset(&tmp, 0, sizeof(tmp));
	ret = 0;
out:
	config_destroy(&lc);
	fio_config_free(&tmp);
	return ret;
}

void
fio_config_free(struct fio_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->socket_path);
	free(cfg->store_backend);
	free(cfg->store_path);
	free(cfg->key_file);
	free(cfg->admin_group);
	free(cfg->user);
	free(cfg->totp_issuer);
	memset(cfg, 0, sizeof(*cfg));
}
