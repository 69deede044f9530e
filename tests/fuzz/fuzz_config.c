/*
 * fuzz_config.c - the config loader on arbitrary files.
 *
 * The input is written to fio.conf in a private temporary directory (the
 * working directory of the run, under $FUZZ_TMPDIR or /tmp) and loaded with
 * fio_config_defaults() + fio_config_load() + fio_config_free(), as
 * fio-helperd does at start-up and on SIGHUP.
 *
 * @include is followed only to files in that directory (a name without '/' or
 * '\'; only fio.conf itself exists), at most twice per file: the config is
 * root's, and an include of /dev/zero or a fan-out of self-includes is root
 * hurting root, not a finding.
 *
 * Properties checked: a loaded config honours the bounds documented in
 * helper/fio-config.h; a refused one leaves the caller's struct exactly as it
 * was and writes a NUL-terminated, non-empty error within the given size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fio-config.h"
#include "fuzz.h"

#define CONF_NAME "fio.conf"
#define MAX_INCLUDES 2
#define DAY 86400u

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("FUZZ_TMPDIR");
	char tmpl[4096];

	(void)argc;
	(void)argv;
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	fuzz_require((size_t)snprintf(tmpl, sizeof(tmpl), "%s/fuzz_config.XXXXXX", base) <
	                     sizeof(tmpl),
	             "temp dir name fits");
	fuzz_require(mkdtemp(tmpl) != NULL, "mkdtemp");
	fuzz_require(chdir(tmpl) == 0, "chdir to the temp dir");
	return 0;
}

/* 1 if every @include names a plain file in the working directory and there
 * are at most MAX_INCLUDES of them. */
static int
includes_ok(const uint8_t *data, size_t size)
{
	static const char kw[] = "@include";
	size_t n = 0, i = 0, k = sizeof(kw) - 1;

	while (i + k <= size) {
		if (memcmp(data + i, kw, k) != 0) {
			i++;
			continue;
		}
		if (++n > MAX_INCLUDES)
			return 0;
		for (i += k; i < size && data[i] != '"'; i++)
			if (data[i] == '\n')
				break;
		if (i >= size || data[i] != '"')
			continue;
		for (i++; i < size && data[i] != '"'; i++) {
			if (data[i] == '/' || data[i] == '\\')
				return 0;
		}
		if (i == size)
			return 0; /* a name running to the end: do not guess how it is read */
	}
	return 1;
}

static void
write_file(const uint8_t *data, size_t size)
{
	int fd = open(CONF_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	fuzz_require(fd >= 0, "open " CONF_NAME);
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);

		fuzz_require(w > 0, "write " CONF_NAME);
		off += (size_t)w;
	}
	fuzz_require(close(fd) == 0, "close " CONF_NAME);
}

static int
absolute(const char *p)
{
	return p != NULL && p[0] == '/';
}

/* policy = ( ... ): each entry exactly one of group and all, its store key
 * derived from that, methods "app" only, grace and except within bounds, no
 * two entries with the same key. */
static void
check_policies(const struct fio_config *c)
{
	const struct fio_policy *p;
	char key[300];
	size_t i, j;

	fuzz_require(c->npolicies <= FIO_POLICY_MAX, "policy: at most FIO_POLICY_MAX entries");
	fuzz_require((c->policies == NULL) == (c->npolicies == 0), "policy: NULL iff empty");
	for (i = 0; i < c->npolicies; i++) {
		p = &c->policies[i];
		fuzz_require((p->group != NULL) != (p->all != 0), "policy: group or all, not both");
		fuzz_require(p->all == 0 || p->all == 1, "policy.all");
		fuzz_require(p->require_2fa == 0 || p->require_2fa == 1, "policy.require_2fa");
		fuzz_require(p->group == NULL || (p->group[0] != '\0' && strlen(p->group) <= 256 &&
		                                  strchr(p->group, ':') == NULL),
		             "policy.group");
		fuzz_require((size_t)snprintf(key, sizeof(key), "%s%s", p->all ? "all" : "group:",
		                              p->all ? "" : p->group) < sizeof(key),
		             "policy: key fits");
		fuzz_require(p->key != NULL && strcmp(p->key, key) == 0, "policy: key");
		fuzz_require(p->methods == FIO_METHOD_APP, "policy.methods: app only");
		fuzz_require(p->grace <= 365 * DAY, "policy.grace");
		fuzz_require(p->nexcept <= FIO_POLICY_EXCEPT_MAX, "policy.except: at most 32");
		fuzz_require(p->except != NULL && p->except[p->nexcept] == NULL,
		             "policy.except: NULL-terminated after nexcept");
		for (j = 0; j < p->nexcept; j++)
			fuzz_require(p->except[j] != NULL && p->except[j][0] != '\0' &&
			                     strlen(p->except[j]) <= 255,
			             "policy.except: a service name");
		fuzz_require(p->line > 0, "policy: line");
		for (j = 0; j < i; j++)
			fuzz_require(strcmp(c->policies[j].key, p->key) != 0,
			             "policy: keys distinct");
	}
}

/* notify.command: NULL, or 1..FIO_NOTIFY_ARGV_MAX non-empty words, argv[0]
 * an absolute path. */
static void
check_notify_argv(char *const *argv)
{
	size_t n;

	if (argv == NULL)
		return;
	fuzz_require(absolute(argv[0]), "notify.command: argv[0] is absolute");
	for (n = 0; n <= FIO_NOTIFY_ARGV_MAX && argv[n] != NULL; n++)
		fuzz_require(argv[n][0] != '\0', "notify.command: no empty word");
	fuzz_require(n >= 1 && n <= FIO_NOTIFY_ARGV_MAX, "notify.command: 1..32 words");
}

static void
check_loaded(const struct fio_config *c)
{
	fuzz_require(absolute(c->socket_path) && strlen(c->socket_path) <= 107, "socket");
	fuzz_require(c->store_backend != NULL && strcmp(c->store_backend, "sqlite") == 0,
	             "store.backend");
	fuzz_require(absolute(c->store_path), "store.path is absolute");
	fuzz_require(absolute(c->key_file), "key_file is absolute");
	fuzz_require(c->admin_group != NULL && c->admin_group[0] != '\0', "admin_group");
	fuzz_require(c->user != NULL && c->user[0] != '\0', "user");
	fuzz_require(c->totp_digits >= 6 && c->totp_digits <= 8, "totp.digits");
	fuzz_require(c->totp_period >= 15 && c->totp_period <= 300, "totp.period");
	fuzz_require(c->totp_window <= 10, "totp.window");
	fuzz_require(c->totp_issuer != NULL && c->totp_issuer[0] != '\0' &&
	                     strlen(c->totp_issuer) <= 64,
	             "totp.issuer");
	fuzz_require(c->hash_cost >= 3 && c->hash_cost <= 11, "password.hash_cost");
	fuzz_require(c->recovery_iterations >= 1000 && c->recovery_iterations <= 10000000,
	             "recovery.kdf_iterations");
	fuzz_require(c->workers <= 64, "workers");
	fuzz_require(c->answer_timeout >= 5 && c->answer_timeout <= 3600, "answer_timeout");
	fuzz_require(c->max_connections >= 16 && c->max_connections <= 65536,
	             "limits.max_connections");
	fuzz_require(c->max_per_uid >= 1 && c->max_per_uid <= 65536, "limits.max_per_uid");
	fuzz_require(c->lock_max_failures >= 1 && c->lock_max_failures <= 1000,
	             "lockout.max_failures");
	fuzz_require(c->lock_interval >= 1 && c->lock_interval <= 86400, "lockout.interval");
	fuzz_require(c->lock_unlock_after >= 1 && c->lock_unlock_after <= 604800,
	             "lockout.unlock_after");
	fuzz_require(c->lock_per_source_max >= 1 && c->lock_per_source_max <= 100000,
	             "lockout.per_source_max");
	fuzz_require(c->lock_max_consecutive >= 1 && c->lock_max_consecutive <= 100,
	             "lockout.max_consecutive");
	fuzz_require(c->lock_exempt_root == 0 || c->lock_exempt_root == 1, "lockout.exempt_root");
	check_policies(c);
	fuzz_require(c->sso_group != NULL && strchr(c->sso_group, ':') == NULL, "sso_group");
	fuzz_require(c->enroll_at_login == 0 || c->enroll_at_login == 1, "enroll_at_login");
	fuzz_require(c->remember <= 90 * DAY, "remember");
	fuzz_require(c->remember_local == 0 || c->remember_local == 1, "remember_local");
	fuzz_require(c->pass_max >= 3600 && c->pass_max <= 30 * DAY, "pass.max");
	fuzz_require(c->pass_default >= 3600 && c->pass_default <= c->pass_max, "pass.default");
	check_notify_argv(c->notify_argv);
	fuzz_require(c->notify_timeout >= 1 && c->notify_timeout <= 600, "notify.timeout");
	fuzz_require(c->notify_warn <= 30 * DAY, "notify.warn_before");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t errlens[] = {1, 24, 512};
	struct fio_config cfg, before;
	size_t errlen = errlens[size % 3];
	char *err;
	int r;

	if (!includes_ok(data, size))
		return 0;
	write_file(data, size);
	err = malloc(errlen); /* exactly errlen: ASan sees any write past it */
	fuzz_require(err != NULL, "malloc");
	fuzz_require(fio_config_defaults(&cfg) == 0, "defaults");
	before = cfg;
	r = fio_config_load(CONF_NAME, &cfg, err, errlen);
	fuzz_require(r == 0 || r == -1, "load returns 0 or -1");
	if (r == 0) {
		check_loaded(&cfg);
	} else {
		fuzz_require(memcmp(&cfg, &before, sizeof(cfg)) == 0,
		             "a refused file leaves the config untouched");
		fuzz_require(strnlen(err, errlen) < errlen, "the error is NUL-terminated");
		fuzz_require(errlen == 1 || err[0] != '\0', "a refusal says why");
	}
	fio_config_free(&cfg);
	free(err);
	return 0;
}
