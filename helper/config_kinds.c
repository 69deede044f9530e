/*
 * config_kinds.c - the checks of one fio.conf value by its kind (helper/config.c
 * has the tables saying which key is of which kind): numbers and durations,
 * strings and NSS groups, booleans, lists of words (argv, PAM services,
 * methods) and the entries of the policy list. Each check reports the first
 * problem as "FILE:LINE: KEY: problem" and stores nothing on failure.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"

static void *
field(void *base, size_t off)
{
	return (char *)base + off;
}

/* fio_duration_parse, telling a malformed string (-1) from a well-formed one
 * longer than CFG_DURATION_MAX (-2). Digits alone are seconds; otherwise every
 * number has a unit, the units in any order, each at most once ("30m1h" is
 * 5400). Numbers saturate, so nothing overflows. */
static int
parse_duration(const char *s, unsigned *out)
{
	static const char units[] = "smhdw";
	static const uint64_t secs[] = {1, 60, 3600, CFG_DAY, 7 * CFG_DAY};
	const char *p = s;
	const char *u;
	uint64_t total = 0;
	uint64_t num;
	unsigned seen = 0;
	unsigned bit;

	if (s == NULL || *s == '\0')
		return -1;
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		for (num = 0; *p >= '0' && *p <= '9'; p++) {
			num = num * 10 + (uint64_t)(*p - '0');
			if (num > CFG_DURATION_MAX)
				num = CFG_DURATION_MAX + 1;
		}
		if (*p == '\0' && seen == 0) {
			total = num; /* plain seconds: "90" */
			break;
		}
		u = *p != '\0' ? strchr(units, *p) : NULL;
		if (u == NULL)
			return -1; /* "1x", "5 m", or "1h30" without a last unit */
		bit = 1u << (unsigned)(u - units);
		if ((seen & bit) != 0)
			return -1;
		seen |= bit;
		total += num * secs[u - units];
		if (total > CFG_DURATION_MAX)
			total = CFG_DURATION_MAX + 1;
		p++;
	}
	if (total > CFG_DURATION_MAX)
		return -2;
	*out = (unsigned)total;
	return 0;
}

int
fio_duration_parse(const char *s, unsigned *out)
{
	unsigned v;

	if (out == NULL || parse_duration(s, &v) != 0)
		return -1;
	*out = v;
	return 0;
}

/* 0, "90s", "1h30m", "365d": the form messages give durations in. */
void
cfg_format_duration(unsigned v, char *buf, size_t size)
{
	static const char units[] = "dhms";
	static const unsigned secs[] = {CFG_DAY, 3600, 60, 1};
	size_t n = 0;
	size_t i;
	int r;

	if (snprintf(buf, size, "0") < 0)
		return;
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]) && v > 0 && n < size; i++) {
		if (v < secs[i])
			continue;
		r = snprintf(buf + n, size - n, "%u%c", v / secs[i], units[i]);
		if (r < 0)
			return;
		n += (size_t)r;
		v %= secs[i];
	}
}

/* "must be between MIN and MAX", durations written as durations. */
void
cfg_report_range(const struct load_ctx *ctx, const char *file, unsigned line, const char *group,
                 const char *name, const struct key_spec *k)
{
	char lo[32];
	char hi[32];

	if (k->kind != KEY_DURATION) {
		cfg_report(ctx, file, line, group, name, "must be between %u and %u", k->min,
		           k->max);
		return;
	}
	cfg_format_duration(k->min, lo, sizeof(lo));
	cfg_format_duration(k->max, hi, sizeof(hi));
	cfg_report(ctx, file, line, group, name, "must be between %s and %s", lo, hi);
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
		if (k->kind == KEY_NSSGROUP && *p == ':')
			return "must not contain ':'";
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

/* 1 if NSS knows the group, 0 if not, -1 (errno set) if the lookup failed. */
static int
group_exists(const char *name)
{
	struct group gr;
	struct group *res = NULL;
	char *buf = NULL;
	size_t size = 16384;
	int rc;

	for (;;) {
		buf = malloc(size);
		if (buf == NULL)
			return -1;
		rc = getgrnam_r(name, &gr, buf, size, &res);
		free(buf);
		if (rc != ERANGE)
			break;
		if (size >= CFG_MAX_GRBUF) {
			errno = ERANGE;
			return -1;
		}
		size *= 2;
	}
	if (rc == 0)
		return res != NULL;
	if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return 0; /* getgrnam_r(3): "not found" */
	errno = rc;
	return -1;
}

/* KEY_NSSGROUP: the name must be a group NSS knows now. */
static int
check_nss_group(const struct load_ctx *ctx, const char *file, unsigned line, const char *group,
                const struct key_spec *k, const char *v)
{
	int r = group_exists(v);

	if (r == 1)
		return 0;
	if (r == 0)
		cfg_report(ctx, file, line, group, k->name, "no such group \"%s\"", v);
	else
		cfg_report(ctx, file, line, group, k->name, "cannot look up group \"%s\": %s", v,
		           strerror(errno));
	return -1;
}

static int
check_string(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
             const struct key_spec *k, void *base)
{
	const char *file = config_setting_source_file(s);
	unsigned line = config_setting_source_line(s);
	const char *v;
	const char *problem;
	char **slot;
	char *copy;
	size_t len;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_report(ctx, file, line, group, k->name, "must be a string");
		return -1;
	}
	v = config_setting_get_string(s);
	if (v == NULL)
		v = "";
	len = strlen(v);
	if (len < k->min) {
		cfg_report(ctx, file, line, group, k->name, "must not be empty");
		return -1;
	}
	if (len > k->max) {
		cfg_report(ctx, file, line, group, k->name, "must be at most %u bytes", k->max);
		return -1;
	}
	problem = string_problem(k, v);
	if (problem != NULL) {
		cfg_report(ctx, file, line, group, k->name, "%s", problem);
		return -1;
	}
	if (k->kind == KEY_NSSGROUP && len > 0 &&
	    check_nss_group(ctx, file, line, group, k, v) != 0)
		return -1;
	copy = strdup(v);
	if (copy == NULL) {
		cfg_report(ctx, file, line, group, k->name, "out of memory");
		return -1;
	}
	slot = field(base, k->off);
	free(*slot);
	*slot = copy;
	return 0;
}

/* v into the unsigned field of k if within k's bounds; else reported. */
static int
store_bounded(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
              const struct key_spec *k, void *base, long long v)
{
	if (v < (long long)k->min || v > (long long)k->max) {
		cfg_report_range(ctx, config_setting_source_file(s), config_setting_source_line(s),
		                 group, k->name, k);
		return -1;
	}
	*(unsigned *)field(base, k->off) = (unsigned)v;
	return 0;
}

static int
check_uint(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
           const struct key_spec *k, void *base)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		cfg_report(ctx, config_setting_source_file(s), config_setting_source_line(s), group,
		           k->name, "must be an integer");
		return -1;
	}
	return store_bounded(ctx, s, group, k, base, config_setting_get_int64(s));
}

/* An integer of seconds (bounds as for KEY_UINT) or a duration string; one
 * longer than fio_duration_parse allows is out of every key's bounds. */
static int
check_duration(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
               const struct key_spec *k, void *base)
{
	unsigned v = 0;
	int r;
	int type = config_setting_type(s);

	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
		return check_uint(ctx, s, group, k, base);
	r = type == CONFIG_TYPE_STRING ? parse_duration(config_setting_get_string(s), &v) : -1;
	if (r == -1) {
		cfg_report(ctx, config_setting_source_file(s), config_setting_source_line(s), group,
		           k->name,
		           "must be a duration: seconds, or a string such as \"30m\", \"1h30m\", "
		           "\"24h\" or \"7d\"");
		return -1;
	}
	return store_bounded(ctx, s, group, k, base, r == 0 ? (long long)v : LLONG_MAX);
}

static int
check_bool(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
           const struct key_spec *k, void *base)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cfg_report(ctx, config_setting_source_file(s), config_setting_source_line(s), group,
		           k->name, "must be true or false");
		return -1;
	}
	*(int *)field(base, k->off) = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

/* The type and length of a list of words; its length, or -1 (reported). */
static int
check_array(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
            const struct key_spec *k)
{
	const char *file = config_setting_source_file(s);
	unsigned line = config_setting_source_line(s);
	config_setting_t *e;
	int n = config_setting_length(s);

	e = n > 0 ? config_setting_get_elem(s, 0) : NULL;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY ||
	    (e != NULL && config_setting_type(e) != CONFIG_TYPE_STRING)) {
		cfg_report(ctx, file, line, group, k->name,
		           "must be an array of strings: [\"...\"]");
		return -1;
	}
	if (n < 0 || (unsigned)n < k->min) {
		cfg_report(ctx, file, line, group, k->name, "must not be empty");
		return -1;
	}
	if ((unsigned)n > k->max) {
		cfg_report(ctx, file, line, group, k->name, "must have at most %u elements",
		           k->max);
		return -1;
	}
	return n;
}

/* KEY_METHODS: "app" (and, once it exists, "sms") into FIO_METHOD_* bits. */
static int
check_methods(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
              const struct key_spec *k, void *base)
{
	const config_setting_t *e;
	const char *v;
	unsigned bits = 0;
	int n = check_array(ctx, s, group, k);
	int i;

	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		v = e != NULL ? config_setting_get_string(e) : NULL;
		if (v != NULL && strcmp(v, "app") == 0) {
			bits |= FIO_METHOD_APP;
			continue;
		}
		if (v != NULL && strcmp(v, "sms") == 0)
			cfg_report(ctx, config_setting_source_file(s),
			           config_setting_source_line(e), group, k->name,
			           "method \"sms\" is disabled: text messages are not configured");
		else if (v != NULL && strlen(v) <= 32 &&
		         strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(v))
			cfg_report(ctx, config_setting_source_file(s),
			           config_setting_source_line(e), group, k->name,
			           "unknown method \"%s\" (known: \"app\")", v);
		else
			cfg_report(ctx, config_setting_source_file(s),
			           config_setting_source_line(e != NULL ? e : s), group, k->name,
			           "unknown method (known: \"app\")");
		return -1;
	}
	*(unsigned *)field(base, k->off) = bits;
	return 0;
}

/* The rule word i of a KEY_ARGV or KEY_SERVICES list breaks, or NULL. */
static const char *
word_problem(const struct key_spec *k, int i, const char *v)
{
	const char *p;
	size_t len = strlen(v);

	if (len == 0)
		return "must not be empty";
	if (k->kind == KEY_SERVICES) {
		if (len > CFG_MAX_SERVICE)
			return "must be at most 255 bytes";
		if (strspn(v,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		    len)
			return "must be a PAM service name: letters, digits, '.', '_' and '-'";
		return NULL;
	}
	if (len > CFG_MAX_STRING)
		return "must be at most 4096 bytes";
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "must not contain control characters";
	}
	if (i == 0 && v[0] != '/')
		return "must be an absolute path";
	return NULL;
}

/* KEY_ARGV and KEY_SERVICES: a NULL-terminated copy (KEY_ARGV: NULL for []). */
static int
check_strv(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
           const struct key_spec *k, void *base)
{
	const config_setting_t *e;
	const char *file = config_setting_source_file(s);
	const char *problem;
	const char *v;
	char name[CFG_MAX_PATH];
	char **vec = NULL;
	char ***slot;
	int n = check_array(ctx, s, group, k);
	int i;

	if (n < 0)
		return -1;
	if ((n > 0 || k->kind == KEY_SERVICES) &&
	    (vec = calloc((size_t)n + 1, sizeof(*vec))) == NULL) {
		cfg_report(ctx, file, config_setting_source_line(s), group, k->name,
		           "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		v = e != NULL ? config_setting_get_string(e) : NULL;
		problem = v != NULL ? word_problem(k, i, v) : "must be a string";
		if (problem == NULL && (vec[i] = strdup(v)) == NULL)
			problem = "out of memory";
		if (problem != NULL) {
			(void)snprintf(name, sizeof(name), "%s.[%d]", k->name, i);
			cfg_report(ctx, file,
			           e != NULL ? config_setting_source_line(e)
			                     : config_setting_source_line(s),
			           group, name, "%s", problem);
			cfg_free_strv(vec);
			return -1;
		}
	}
	slot = field(base, k->off);
	cfg_free_strv(*slot);
	*slot = vec;
	return 0;
}

/* One entry of policy = ( ... ), index i; earlier entries are p[0..i-1]. */
static int
check_entry(const struct load_ctx *ctx, const config_setting_t *e, unsigned i,
            const struct key_spec *keys, struct fio_policy *p)
{
	const char *file = config_setting_source_file(e);
	unsigned line = config_setting_source_line(e);
	struct fio_policy *pe = &p[i];
	char path[CFG_MAX_PATH];
	size_t len;
	unsigned j;

	(void)snprintf(path, sizeof(path), "policy.[%u]", i);
	pe->require_2fa = 1;
	pe->grace = CFG_DAY;
	pe->methods = FIO_METHOD_APP;
	pe->line = line;
	if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
		cfg_report(ctx, file, line, NULL, path,
		           "must be a group: { group = \"NAME\"; ... }");
		return -1;
	}
	if (cfg_check_group(ctx, e, path, keys, pe) != 0)
		return -1;
	if (pe->group != NULL && pe->all) {
		cfg_report(ctx, file, line, NULL, path,
		           "give either group or all = true, not both");
		return -1;
	}
	if (pe->group == NULL && !pe->all) {
		cfg_report(ctx, file, line, NULL, path, "needs group = \"NAME\" or all = true");
		return -1;
	}
	len = pe->all ? 0 : sizeof("group:") + strlen(pe->group);
	pe->key = pe->all ? strdup("all") : malloc(len);
	if (pe->key != NULL && !pe->all)
		(void)snprintf(pe->key, len, "group:%s", pe->group);
	if (pe->except == NULL)
		pe->except = calloc(1, sizeof(*pe->except));
	if (pe->except == NULL || pe->key == NULL) {
		cfg_report(ctx, file, line, NULL, path, "out of memory");
		return -1;
	}
	for (pe->nexcept = 0; pe->except[pe->nexcept] != NULL; pe->nexcept++)
		;
	for (j = 0; j < i; j++) {
		if (strcmp(p[j].key, pe->key) == 0) {
			cfg_report(ctx, file, line, NULL, path,
			           "duplicate of policy.[%u] (line %u)", j, p[j].line);
			return -1;
		}
	}
	return 0;
}

/* KEY_POLICY: policy = ( { ... }, ... ) into cfg->policies, in file order. */
static int
check_policy(const struct load_ctx *ctx, const config_setting_t *s, const struct key_spec *k)
{
	struct fio_config *cfg = ctx->cfg;
	const config_setting_t *e;
	const char *file = config_setting_source_file(s);
	unsigned line = config_setting_source_line(s);
	int n = config_setting_length(s);
	unsigned i;

	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		cfg_report(ctx, file, line, NULL, k->name,
		           "must be a list: policy = ( { group = \"NAME\"; ... }, ... );");
		return -1;
	}
	if (n < 0 || (unsigned)n > k->max) {
		cfg_report(ctx, file, line, NULL, k->name, "must have at most %u entries", k->max);
		return -1;
	}
	cfg_free_policies(cfg->policies, cfg->npolicies);
	cfg->policies = NULL;
	cfg->npolicies = 0;
	if (n == 0)
		return 0;
	cfg->policies = calloc((size_t)n, sizeof(*cfg->policies));
	if (cfg->policies == NULL) {
		cfg_report(ctx, file, line, NULL, k->name, "out of memory");
		return -1;
	}
	for (i = 0; i < (unsigned)n; i++) {
		e = config_setting_get_elem(s, i);
		cfg->npolicies = i + 1; /* so that fio_config_free frees a partial entry */
		if (e == NULL || check_entry(ctx, e, i, k->members, cfg->policies) != 0)
			return -1;
	}
	return 0;
}

int
cfg_check_value(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
                const struct key_spec *k, void *base)
{
	switch (k->kind) {
	case KEY_GROUP:
		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			cfg_report(ctx, config_setting_source_file(s),
			           config_setting_source_line(s), group, k->name,
			           "must be a group: %s = { ... };", k->name);
			return -1;
		}
		return cfg_check_group(ctx, s, k->name, k->members, base);
	case KEY_UINT:
		return check_uint(ctx, s, group, k, base);
	case KEY_BOOL:
		return check_bool(ctx, s, group, k, base);
	case KEY_DURATION:
		return check_duration(ctx, s, group, k, base);
	case KEY_POLICY:
		return check_policy(ctx, s, k);
	case KEY_ARGV:
	case KEY_SERVICES:
		return check_strv(ctx, s, group, k, base);
	case KEY_METHODS:
		return check_methods(ctx, s, group, k, base);
	default:
		return check_string(ctx, s, group, k, base);
	}
}
