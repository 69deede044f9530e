/*
 * config_scan.c - the second look at fio.conf's text.
 *
 * libconfig 1.5 (Debian 12) keeps an integer literal without the L suffix in an
 * int and silently drops the high bits ("digits = 4294967302" reads as 6), so once
 * the tree is valid the text is scanned again, following @include, and a literal
 * that does not fit in 32 bits is refused as out of range. Before libconfig reads
 * anything, every @include is checked to name a regular file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_impl.h"

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
	char group[CFG_MAX_PATH]; /* the group being read: "totp", "policy.[2]", "" */
	char list[CFG_MAX_NAME];  /* the top-level list being read ("policy"), or "" */
	unsigned index;           /* the list's next entry */
	int in_entry;             /* group is an entry of list */
};

static int scan_file(struct scan *sc, const char *file, unsigned depth);

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
	return scan_file(sc, path, depth + 1);
}

/* libconfig 1.5's scanner exit()s when an @include names something it cannot
 * read as a file (a directory, say), which would end the helper on SIGHUP.
 * So before libconfig reads anything, every @include, at every depth, must
 * name a regular file. 0, or -1 with err set. */
int
cfg_includes_ok(const struct load_ctx *ctx, const char *file, unsigned depth)
{
	char line[CFG_MAX_STRING + 64];
	unsigned lineno = 0;
	struct stat st;
	FILE *fp;
	int rc = 0;

	if (depth > CFG_MAX_INCLUDE) {
		cfg_set_err(ctx->err, ctx->errlen, "%s: includes nested too deeply", file);
		return -1;
	}
	if (stat(file, &st) != 0) {
		cfg_set_err(ctx->err, ctx->errlen, "%s: cannot read: %s", file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_set_err(ctx->err, ctx->errlen, "%s: cannot read: not a regular file", file);
		return -1;
	}
	if ((fp = fopen(file, "r")) == NULL) {
		cfg_set_err(ctx->err, ctx->errlen, "%s: cannot read: %s", file, strerror(errno));
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
			cfg_set_err(ctx->err, ctx->errlen,
			            "%s:%u: @include: a quoted file name is needed", file, lineno);
			rc = -1;
			break;
		}
		*q = '\0';
		errno = 0;
		if (stat(p + 1, &st) != 0 || !S_ISREG(st.st_mode)) {
			cfg_set_err(ctx->err, ctx->errlen,
			            "%s:%u: @include: %s is not a readable file", file, lineno,
			            p + 1);
			rc = -1;
			break;
		}
		rc = cfg_includes_ok(ctx, p + 1, depth + 1);
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
	const struct key_spec *g = NULL;

	while (isalnum((unsigned char)*p) || *p == '.' ||
	       ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E')))
		p++;
	*pp = p;
	if (int_literal_fits(start, (size_t)(p - start)) == 0)
		return 0;
	if (sc->in_entry)
		g = cfg_find_key(sc->ctx->keys, sc->list);
	else if (sc->group[0] != '\0')
		g = cfg_find_key(sc->ctx->keys, sc->group);
	k = cfg_find_key(g != NULL && g->members != NULL ? g->members : sc->ctx->keys, sc->name);
	if (k != NULL && (k->kind == KEY_UINT || k->kind == KEY_DURATION))
		cfg_report_range(sc->ctx, sc->file, sc->line, sc->group, sc->name, k);
	else
		cfg_report(sc->ctx, sc->file, sc->line, sc->group, sc->name,
		           "integer out of range");
	return -1;
}

/* Follows ( { and } ) to know which group or list entry a number is in. */
static void
scan_punct(struct scan *sc, char c)
{
	int n;

	if (c == '(' && sc->group[0] == '\0') {
		memcpy(sc->list, sc->name, sizeof(sc->list));
		sc->index = 0;
	} else if (c == ')') {
		sc->list[0] = '\0';
	} else if (c == '{' && sc->list[0] != '\0') {
		n = snprintf(sc->group, sizeof(sc->group), "%s.[%u]", sc->list, sc->index++);
		if (n < 0 || (size_t)n >= sizeof(sc->group))
			sc->group[0] = '\0';
		sc->in_entry = 1;
	} else if (c == '{') {
		memcpy(sc->group, sc->name, sizeof(sc->name));
	} else if (c == '}') {
		sc->group[0] = '\0';
		sc->in_entry = 0;
	}
}

/* Refuses integer literals libconfig 1.5 would truncate. Runs on a file whose
 * settings were all accepted, so only known keys, at most one group deep (or
 * one group in a top-level list). */
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
			scan_punct(sc, *p);
			p++;
		}
	}
	return 0;
}

/* Scans file in place of an @include (depth > 0) or as the whole file: the
 * group and list being read carry on into it and back out. */
static int
scan_file(struct scan *sc, const char *file, unsigned depth)
{
	const char *outer_file = sc->file;
	unsigned outer_line = sc->line;
	char *text = NULL;
	int ret = -1;

	if (depth > CFG_MAX_INCLUDE) {
		cfg_set_err(sc->ctx->err, sc->ctx->errlen, "%s: includes nested too deeply", file);
		goto out;
	}
	if (read_text(file, &text) != 0) {
		cfg_set_err(sc->ctx->err, sc->ctx->errlen, "%s: cannot read: %s", file,
		            strerror(errno));
		goto out;
	}
	sc->file = file;
	sc->line = 1;
	ret = scan_text(sc, text, depth);
	sc->file = outer_file;
	sc->line = outer_line;
out:
	free(text);
	return ret;
}

int
cfg_rescan(const struct load_ctx *ctx)
{
	struct scan sc;

	memset(&sc, 0, sizeof(sc));
	sc.ctx = ctx;
	return scan_file(&sc, ctx->path, 0);
}
