/*
 * config.c - /etc/fio/fio.conf (libconfig) into a validated struct fio_config.
 *
 * The file is read into a temporary struct that starts from the defaults. Every
 * setting is checked against one table (known key, type, bounds, string rules);
 * the first problem becomes "FILE:LINE: KEY: problem" and the caller's struct is
 * left as it was. Only a fully valid file replaces it. Group names (policy
 * entries, sso_group) are looked up in NSS while the file is loaded.
 *
 * This file holds the key tables, the walk over the file's groups, the rules
 * between keys, the defaults and the public API; config_kinds.c checks one
 * value of each kind, config_scan.c rescans the text for integer literals
 * libconfig 1.5 would truncate.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"

#ifndef FIO_DEFAULT_SOCKET
#error "FIO_DEFAULT_* come from the generated config.h (see configure.ac)"
#endif

#define FIELD(f) offsetof(struct fio_config, f)
#define PFIELD(f) offsetof(struct fio_policy, f)

/* One entry of policy = ( ... ); fields of struct fio_policy. */
static const struct key_spec policy_keys[] = {
        {"group", KEY_NSSGROUP, PFIELD(group), 1, CFG_MAX_GROUP, NULL},
        {"all", KEY_BOOL, PFIELD(all), 0, 1, NULL},
        {"require_2fa", KEY_BOOL, PFIELD(require_2fa), 0, 1, NULL},
        {"grace", KEY_DURATION, PFIELD(grace), 0, 365 * CFG_DAY, NULL},
        {"methods", KEY_METHODS, PFIELD(methods), 1, CFG_MAX_METHODS, NULL},
        {"except", KEY_SERVICES, PFIELD(except), 0, FIO_POLICY_EXCEPT_MAX, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec pass_keys[] = {
        {"default", KEY_DURATION, FIELD(pass_default), 3600, 30 * CFG_DAY, NULL},
        {"max", KEY_DURATION, FIELD(pass_max), 3600, 30 * CFG_DAY, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec notify_keys[] = {
        {"command", KEY_ARGV, FIELD(notify_argv), 0, FIO_NOTIFY_ARGV_MAX, NULL},
        {"timeout", KEY_DURATION, FIELD(notify_timeout), 1, 600, NULL},
        {"warn_before", KEY_DURATION, FIELD(notify_warn), 0, 30 * CFG_DAY, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

static const struct key_spec activity_keys[] = {
        {"retention", KEY_DURATION, FIELD(activity_retention), CFG_DAY, CFG_DURATION_MAX, NULL},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

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
        {"min_length", KEY_UINT, FIELD(pw_min_length), 8, 256, NULL},
        {"max_length", KEY_UINT, FIELD(pw_max_length), 256, 511, NULL},
        {"dictionary", KEY_BOOL, FIELD(pw_dictionary), 0, 1, NULL},
        {"reset_ttl", KEY_DURATION, FIELD(reset_ttl), 300, 7 * CFG_DAY, NULL},
        {"invite_ttl", KEY_DURATION, FIELD(invite_ttl), 3600, 90 * CFG_DAY, NULL},
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
        {"policy", KEY_POLICY, FIELD(policies), 0, FIO_POLICY_MAX, policy_keys},
        {"sso_group", KEY_NSSGROUP, FIELD(sso_group), 0, CFG_MAX_GROUP, NULL},
        {"enroll_at_login", KEY_BOOL, FIELD(enroll_at_login), 0, 1, NULL},
        {"remember", KEY_DURATION, FIELD(remember), 0, 90 * CFG_DAY, NULL},
        {"remember_local", KEY_BOOL, FIELD(remember_local), 0, 1, NULL},
        {"pass", KEY_GROUP, 0, 0, 0, pass_keys},
        {"notify", KEY_GROUP, 0, 0, 0, notify_keys},
        {"activity", KEY_GROUP, 0, 0, 0, activity_keys},
        {NULL, KEY_GROUP, 0, 0, 0, NULL},
};

void
cfg_set_err(char *err, size_t errlen, const char *fmt, ...)
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
void
cfg_report(const struct load_ctx *ctx, const char *file, unsigned line, const char *group,
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

const struct key_spec *
cfg_find_key(const struct key_spec *keys, const char *name)
{
	for (; keys->name != NULL; keys++) {
		if (strcmp(keys->name, name) == 0)
			return keys;
	}
	return NULL;
}

void
cfg_free_strv(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
cfg_free_policies(struct fio_policy *p, size_t n)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(p[i].group);
		cfg_free_strv(p[i].except);
		free(p[i].key);
	}
	free(p);
}

/* Checks every member of a libconfig group against keys, into the struct at
 * base; group is the dotted prefix for messages (NULL at the top level). */
int
cfg_check_group(const struct load_ctx *ctx, const config_setting_t *g, const char *group,
                const struct key_spec *keys, void *base)
{
	const struct key_spec *k;
	config_setting_t *s;
	const char *name;
	int i;
	int n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		if (s == NULL)
			return -1;
		name = config_setting_name(s);
		k = cfg_find_key(keys, name != NULL ? name : "");
		if (k == NULL) {
			cfg_report(ctx, config_setting_source_file(s),
			           config_setting_source_line(s), group,
			           name != NULL ? name : "(unnamed)", "unknown key");
			return -1;
		}
		if (cfg_check_value(ctx, s, group, k, base) != 0)
			return -1;
	}
	return 0;
}

/* Rules between keys, once each key is valid on its own. */
static int
check_across(const struct load_ctx *ctx, config_t *lc)
{
	const config_setting_t *s;
	char max[32];

	if (ctx->cfg->pass_default <= ctx->cfg->pass_max)
		return 0;
	s = config_lookup(lc, "pass.default");
	if (s == NULL)
		s = config_lookup(lc, "pass.max");
	cfg_format_duration(ctx->cfg->pass_max, max, sizeof(max));
	cfg_report(ctx, s != NULL ? config_setting_source_file(s) : NULL,
	           s != NULL ? config_setting_source_line(s) : 0, "pass", "default",
	           "must not be longer than pass.max (%s)", max);
	return -1;
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
	tmp.sso_group = strdup("");
	if (tmp.socket_path == NULL || tmp.store_backend == NULL || tmp.store_path == NULL ||
	    tmp.key_file == NULL || tmp.admin_group == NULL || tmp.user == NULL ||
	    tmp.totp_issuer == NULL || tmp.sso_group == NULL)
		goto out;
	tmp.totp_digits = 6;
	tmp.totp_period = 30;
	tmp.totp_window = 1;
	tmp.hash_cost = 5;
	tmp.pw_min_length = 12;
	tmp.pw_max_length = 256;
	tmp.pw_dictionary = 1;
	tmp.reset_ttl = 3600;
	tmp.invite_ttl = 7 * 24 * 3600;
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
	tmp.policies = NULL;
	tmp.npolicies = 0;
	tmp.enroll_at_login = 1;
	tmp.remember = 0;
	tmp.remember_local = 0;
	tmp.pass_default = CFG_DAY;
	tmp.pass_max = 7 * CFG_DAY;
	tmp.notify_argv = NULL; /* no notifications unless configured */
	tmp.notify_timeout = 30;
	tmp.notify_warn = 7200;
	tmp.activity_retention = 90 * CFG_DAY;
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
	struct load_ctx ctx = {path, err, errlen, &tmp, root_keys};
	config_t lc;
	int saved;
	int ret = -1;

	memset(&tmp, 0, sizeof(tmp));
	config_init(&lc);
	cfg_set_err(err, errlen, "%s", "");
	if (path == NULL || cfg == NULL) {
		cfg_set_err(err, errlen, "no configuration file given");
		goto out;
	}
	if (fio_config_defaults(&tmp) != 0) {
		cfg_set_err(err, errlen, "%s: out of memory", path);
		goto out;
	}
	errno = 0;
	if (cfg_includes_ok(&ctx, path, 0) != 0)
		goto out;
	errno = 0;
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		saved = errno;
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			cfg_set_err(err, errlen, "%s: cannot read: %s", path,
			            saved != 0 ? strerror(saved) : "not a regular file");
		else
			cfg_set_err(err, errlen, "%s:%d: %s",
			            config_error_file(&lc) != NULL ? config_error_file(&lc) : path,
			            config_error_line(&lc),
			            config_error_text(&lc) != NULL ? config_error_text(&lc)
			                                           : "syntax error");
		goto out;
	}
	if (cfg_check_group(&ctx, config_root_setting(&lc), NULL, root_keys, &tmp) != 0)
		goto out;
	if (cfg_rescan(&ctx) != 0)
		goto out;
	if (check_across(&ctx, &lc) != 0)
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
	cfg_free_policies(cfg->policies, cfg->npolicies);
	free(cfg->sso_group);
	cfg_free_strv(cfg->notify_argv);
	memset(cfg, 0, sizeof(*cfg));
}
