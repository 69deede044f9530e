/*
 * test_config.c - helper/config.c: defaults, a full file, and every kind of bad
 * file refused with "FILE:LINE: KEY: problem" while the caller's struct stays as
 * it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* helper/fio-config.h (the generated config.h is force-included by the build). */
#include "fio-config.h"

struct fixture {
	char dir[64];
	char path[128]; /* dir/fio.conf, rewritten by each test */
};

static int
group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fio-test-config-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/fio.conf", fx->dir);
	*state = fx;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *fx = *state;
	char p[192];

	(void)unlink(fx->path);
	snprintf(p, sizeof(p), "%s/extra.conf", fx->dir);
	(void)unlink(p);
	(void)rmdir(fx->dir);
	free(fx);
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
assert_lockout_defaults(const struct fio_config *c)
{
	assert_int_equal(c->lock_max_failures, 5);
	assert_int_equal(c->lock_interval, 900);
	assert_int_equal(c->lock_unlock_after, 900);
	assert_int_equal(c->lock_per_source_max, 20);
	assert_int_equal(c->lock_max_consecutive, 20);
	assert_int_equal(c->lock_exempt_root, 0);
}

static void
assert_policy_defaults(const struct fio_config *c)
{
	assert_null(c->policies);
	assert_int_equal(c->npolicies, 0);
	assert_string_equal(c->sso_group, "");
	assert_int_equal(c->enroll_at_login, 1);
	assert_int_equal(c->remember, 0);
	assert_int_equal(c->remember_local, 0);
	assert_int_equal(c->pass_default, 86400);
	assert_int_equal(c->pass_max, 604800);
	assert_null(c->notify_argv); /* no mail from the tests */
	assert_int_equal(c->notify_timeout, 30);
	assert_int_equal(c->notify_warn, 7200);
}

static void
assert_defaults(const struct fio_config *c)
{
	assert_string_equal(c->socket_path, FIO_DEFAULT_SOCKET);
	assert_string_equal(c->store_backend, "sqlite");
	assert_string_equal(c->store_path, FIO_DEFAULT_STATEDIR "/fio.db");
	assert_string_equal(c->key_file, FIO_DEFAULT_STATEDIR "/secret.key");
	assert_string_equal(c->admin_group, "fio-admin");
	assert_string_equal(c->user, FIO_DEFAULT_USER);
	assert_string_equal(c->totp_issuer, "pam_fio");
	assert_int_equal(c->totp_digits, 6);
	assert_int_equal(c->totp_period, 30);
	assert_int_equal(c->totp_window, 1);
	assert_int_equal(c->hash_cost, 5);
	assert_int_equal(c->recovery_iterations, 50000);
	assert_int_equal(c->workers, 0);
	assert_int_equal(c->answer_timeout, 120);
	assert_int_equal(c->max_connections, 4096);
	assert_int_equal(c->max_per_uid, 256);
	assert_lockout_defaults(c);
	assert_policy_defaults(c);
}

/* Writes text, loads it over a default config and expects a refusal whose message
 * is "PATH:LINE: what", with the struct (pointers included) exactly as before. */
static void
expect_refused(struct fixture *fx, const char *text, int line, const char *what)
{
	struct fio_config cfg;
	struct fio_config before;
	char err[512];
	char want[512];

	write_file(fx->path, text);
	assert_int_equal(fio_config_defaults(&cfg), 0);
	memcpy(&before, &cfg, sizeof(cfg));
	memset(err, 'x', sizeof(err));
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:%d: %s", fx->path, line, what);
	assert_string_equal(err, want);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_defaults(&cfg);
	fio_config_free(&cfg);
}

static void
test_defaults(void **state)
{
	struct fio_config cfg;

	(void)state;
	assert_int_equal(fio_config_defaults(&cfg), 0);
	assert_defaults(&cfg);
	fio_config_free(&cfg);
	assert_null(cfg.socket_path);
	fio_config_free(&cfg); /* twice is harmless */
}

static const char full_conf[] = "# every key, none at its default\n"
                                "socket = \"/run/fio2/h.sock\";\n"
                                "key_file = \"/srv/fio/k.key\"; // C++ comment\n"
                                "admin_group = \"wheel\";\n"
                                "user = \"_fio2\";\n"
                                "workers = 8;\n"
                                "answer_timeout = 300;\n"
                                "/* a block\n   comment */\n"
                                "store = { backend = \"sqlite\"; path = \"/srv/fio/fio.db\"; };\n"
                                "totp = {\n"
                                "  digits = 8;\n"
                                "  period = 60;\n"
                                "  window = 2;\n"
                                "  issuer = \"Example Corp\";\n"
                                "};\n"
                                "password = { hash_cost = 7; };\n"
                                "recovery = { kdf_iterations = 0x30D40; };\n"
                                "limits = { max_connections = 100L; max_per_uid = 10; };\n"
                                "lockout = { max_failures = 3; interval = 600;\n"
                                "  unlock_after = 3600; per_source_max = 50;\n"
                                "  max_consecutive = 10; exempt_root = true; };\n";

static void
test_full_file(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char err[256];

	write_file(fx->path, full_conf);
	assert_int_equal(fio_config_defaults(&cfg), 0);
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg.socket_path, "/run/fio2/h.sock");
	assert_string_equal(cfg.key_file, "/srv/fio/k.key");
	assert_string_equal(cfg.admin_group, "wheel");
	assert_string_equal(cfg.user, "_fio2");
	assert_int_equal(cfg.workers, 8);
	assert_int_equal(cfg.answer_timeout, 300);
	assert_string_equal(cfg.store_backend, "sqlite");
	assert_string_equal(cfg.store_path, "/srv/fio/fio.db");
	assert_int_equal(cfg.totp_digits, 8);
	assert_int_equal(cfg.totp_period, 60);
	assert_int_equal(cfg.totp_window, 2);
	assert_string_equal(cfg.totp_issuer, "Example Corp");
	assert_int_equal(cfg.hash_cost, 7);
	assert_int_equal(cfg.recovery_iterations, 200000);
	assert_int_equal(cfg.max_connections, 100);
	assert_int_equal(cfg.max_per_uid, 10);
	assert_int_equal(cfg.lock_max_failures, 3);
	assert_int_equal(cfg.lock_interval, 600);
	assert_int_equal(cfg.lock_unlock_after, 3600);
	assert_int_equal(cfg.lock_per_source_max, 50);
	assert_int_equal(cfg.lock_max_consecutive, 10);
	assert_int_equal(cfg.lock_exempt_root, 1);

	/* Loading again replaces (and frees) the previous values. */
	write_file(fx->path, "totp = { digits = 7; };\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.totp_digits, 7);
	assert_string_equal(cfg.socket_path, FIO_DEFAULT_SOCKET);
	fio_config_free(&cfg);
}

static void
test_bounds_inclusive(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char err[256];

	memset(&cfg, 0, sizeof(cfg)); /* a zeroed struct is a valid target too */
	write_file(fx->path, "workers = 64; answer_timeout = 5;\n"
	                     "totp = { digits = 6; period = 300; window = 0; issuer = \"A\"; };\n"
	                     "password = { hash_cost = 11; };\n"
	                     "recovery = { kdf_iterations = 10000000; };\n"
	                     "limits = { max_connections = 65536; max_per_uid = 1; };\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.workers, 64);
	assert_int_equal(cfg.totp_period, 300);
	assert_int_equal(cfg.totp_window, 0);
	assert_int_equal(cfg.recovery_iterations, 10000000);
	assert_int_equal(cfg.max_connections, 65536);
	fio_config_free(&cfg);
}

static void
test_missing_file(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	struct fio_config before;
	char path[192];
	char want[256];
	char err[256];

	snprintf(path, sizeof(path), "%s/nonexistent.conf", fx->dir);
	assert_int_equal(fio_config_defaults(&cfg), 0);
	memcpy(&before, &cfg, sizeof(cfg));
	assert_int_equal(fio_config_load(path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", path);
	assert_string_equal(err, want);
	assert_memory_equal(&cfg, &before, sizeof(cfg));

	/* A directory is not a configuration file either. */
	assert_int_equal(fio_config_load(fx->dir, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	fio_config_free(&cfg);
}

static void
test_empty_file(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	write_file(fx->path, "");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_defaults(&cfg);
	write_file(fx->path, "# only comments\n// here\n/* and here */\n\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_defaults(&cfg);
	fio_config_free(&cfg);
}

static void
test_syntax_error(void **state)
{
	expect_refused(*state, "workers = 2;\n\nanswer_timeout = ;\n", 3, "syntax error");
	expect_refused(*state, "workers = 2;\nworkers = 3;\n", 2, "duplicate setting name");
	expect_refused(*state, "totp = {\n  digits = 6;\n", 3, "syntax error");
}

static void
test_wrong_type(void **state)
{
	expect_refused(*state, "# c\ntotp = {\n  digits = \"six\";\n};\n", 3,
	               "totp.digits: must be an integer");
	expect_refused(*state, "workers = 2.0;\n", 1, "workers: must be an integer");
	expect_refused(*state, "workers = true;\n", 1, "workers: must be an integer");
	expect_refused(*state, "answer_timeout = [ 1, 2 ];\n", 1,
	               "answer_timeout: must be an integer");
	expect_refused(*state, "\nsocket = 5;\n", 2, "socket: must be a string");
	expect_refused(*state, "totp = 6;\n", 1, "totp: must be a group: totp = { ... };");
	expect_refused(*state, "store = ( \"sqlite\" );\n", 1,
	               "store: must be a group: store = { ... };");
}

static void
test_out_of_range(void **state)
{
	expect_refused(*state, "totp = { digits = 5; };\n", 1,
	               "totp.digits: must be between 6 and 8");
	expect_refused(*state, "totp = {\n digits = 9;\n};\n", 2,
	               "totp.digits: must be between 6 and 8");
	expect_refused(*state, "totp = { period = 0; };\n", 1,
	               "totp.period: must be between 15 and 300");
	expect_refused(*state, "\n\ntotp = { period = 86401; };\n", 3,
	               "totp.period: must be between 15 and 300");
	expect_refused(*state, "totp = { window = 100; };\n", 1,
	               "totp.window: must be between 0 and 10");
	expect_refused(*state, "totp = { digits = -6; };\n", 1,
	               "totp.digits: must be between 6 and 8");
	expect_refused(*state, "workers = 65;\n", 1, "workers: must be between 0 and 64");
	expect_refused(*state, "answer_timeout = 4;\n", 1,
	               "answer_timeout: must be between 5 and 3600");
	expect_refused(*state, "password = { hash_cost = 12; };\n", 1,
	               "password.hash_cost: must be between 3 and 11");
	expect_refused(*state, "recovery = { kdf_iterations = 999; };\n", 1,
	               "recovery.kdf_iterations: must be between 1000 and 10000000");
	expect_refused(*state, "limits = { max_connections = 15; };\n", 1,
	               "limits.max_connections: must be between 16 and 65536");
	expect_refused(*state, "limits = { max_per_uid = 0; };\n", 1,
	               "limits.max_per_uid: must be between 1 and 65536");
	expect_refused(*state, "workers = 5000000000L;\n", 1, "workers: must be between 0 and 64");
}

/* libconfig 1.5 keeps only the low 32 bits of a literal without L: 2^32 + 6
 * would read as 6. The rescan refuses it. */
static void
test_truncated_literals(void **state)
{
	expect_refused(*state, "totp = {\n  digits = 4294967302;\n};\n", 2,
	               "totp.digits: must be between 6 and 8");
	expect_refused(*state, "totp = {\n  # 1\n  period =\n 0x10000001E; };\n", 4,
	               "totp.period: must be between 15 and 300");
	expect_refused(*state, "workers = 99999999999999999999999;\n", 1,
	               "workers: must be between 0 and 64");
	expect_refused(*state, "/* 4294967302 */ issuer_x = 1;\n", 1, "issuer_x: unknown key");
}

static void
test_unknown_keys(void **state)
{
	expect_refused(*state, "workers = 2;\nsokcet = \"/run/x\";\n", 2, "sokcet: unknown key");
	expect_refused(*state, "totp = {\n  digits = 6;\n  skew = 1;\n};\n", 3,
	               "totp.skew: unknown key");
	expect_refused(*state, "store = { backend = \"sqlite\"; sub = { a = 1; }; };\n", 1,
	               "store.sub: unknown key");
}

static void
test_relative_path(void **state)
{
	expect_refused(*state, "key_file = \"var/lib/fio/secret.key\";\n", 1,
	               "key_file: must be an absolute path");
	expect_refused(*state, "store = {\n  path = \"fio.db\";\n};\n", 2,
	               "store.path: must be an absolute path");
	expect_refused(*state, "socket = \"\";\n", 1, "socket: must not be empty");
}

static void
test_long_string(void **state)
{
	struct fixture *fx = *state;
	size_t big = 1024 * 1024;
	char *text = malloc(big + 64);
	size_t n;

	assert_non_null(text);
	n = (size_t)snprintf(text, 64, "# big\nkey_file = \"/");
	memset(text + n, 'a', big);
	strcpy(text + n + big, "\";\n");
	expect_refused(fx, text, 2, "key_file: must be at most 4096 bytes");
	free(text);

	/* A socket path must fit sockaddr_un.sun_path. */
	expect_refused(fx,
	               "socket = \"/run/fio/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";\n",
	               1, "socket: must be at most 107 bytes");
}

static void
test_strings(void **state)
{
	expect_refused(*state, "totp = { issuer = \"Example:Corp\"; };\n", 1,
	               "totp.issuer: must be printable ASCII without ':'");
	expect_refused(*state, "totp = { issuer = \"Caf\xc3\xa9\"; };\n", 1,
	               "totp.issuer: must be printable ASCII without ':'");
	expect_refused(*state,
	               "totp = { issuer = \"0123456789012345678901234567890123456789"
	               "01234567890123456789012345\"; };\n",
	               1, "totp.issuer: must be at most 64 bytes");
	expect_refused(*state, "totp = { issuer = \"\"; };\n", 1, "totp.issuer: must not be empty");
	expect_refused(*state, "user = \"_fio user\";\n", 1,
	               "user: must not contain spaces or ':'");
	expect_refused(*state, "admin_group = \"a\\tb\";\n", 1,
	               "admin_group: must not contain control characters");
}

static void
test_backend(void **state)
{
	expect_refused(*state, "store = {\n  backend = \"postgresql\";\n};\n", 2,
	               "store.backend: postgresql is not supported in this build");
	expect_refused(*state, "store = { backend = \"mysql\"; };\n", 1,
	               "store.backend: must be \"sqlite\"");
}

static void
test_include_names_its_file(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char extra[192];
	char text[256];
	char want[256];
	char err[256];

	snprintf(extra, sizeof(extra), "%s/extra.conf", fx->dir);
	write_file(extra, "\ndigits = 7;\nbogus = 1;\n");
	snprintf(text, sizeof(text), "totp = {\n  @include \"%s\"\n};\n", extra);
	write_file(fx->path, text);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: totp.bogus: unknown key", extra);
	assert_string_equal(err, want);
	assert_null(cfg.socket_path);

	write_file(extra, "\ndigits = 4294967303;\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: totp.digits: must be between 6 and 8", extra);
	assert_string_equal(err, want);

	write_file(extra, "\ndigits = 7;\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.totp_digits, 7);
	fio_config_free(&cfg);
}

static void
test_small_error_buffer(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char err[8];

	write_file(fx->path, "totp = { digits = 5; };\n");
	assert_int_equal(fio_config_defaults(&cfg), 0);
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(fio_config_load(fx->path, &cfg, NULL, 0), -1);
	assert_defaults(&cfg);
	fio_config_free(&cfg);
}

/* conf/fio.conf as installed (all commented out) gives the defaults; with every
 * setting uncommented it is still valid and says the same. */
static void
test_sample_file(void **state)
{
	struct fixture *fx = *state;
	const char *srcdir = getenv("top_srcdir");
	struct fio_config cfg;
	char sample[4096];
	char line[512];
	char err[256];
	FILE *in;
	FILE *out;

	snprintf(sample, sizeof(sample), "%s/conf/fio.conf", srcdir != NULL ? srcdir : ".");
	in = fopen(sample, "r");
	if (in == NULL)
		skip();
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(fio_config_load(sample, &cfg, err, sizeof(err)), 0);
	assert_defaults(&cfg);

	out = fopen(fx->path, "w");
	assert_non_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		/* "#key", "#<tab>key" and "#};" are settings; "# text" is prose. */
		int setting = line[0] == '#' && line[1] != ' ' && line[1] != '\n';

		assert_int_equal(fputs(line + setting, out) >= 0, 1);
	}
	assert_int_equal(fclose(in), 0);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg.store_backend, "sqlite");
	assert_string_equal(cfg.admin_group, "fio-admin");
	assert_string_equal(cfg.totp_issuer, "pam_fio");
	assert_int_equal(cfg.totp_digits, 6);
	assert_int_equal(cfg.totp_period, 30);
	assert_int_equal(cfg.totp_window, 1);
	assert_int_equal(cfg.hash_cost, 5);
	assert_int_equal(cfg.recovery_iterations, 50000);
	assert_int_equal(cfg.workers, 0);
	assert_int_equal(cfg.answer_timeout, 120);
	assert_int_equal(cfg.max_connections, 4096);
	assert_int_equal(cfg.max_per_uid, 256);
	assert_lockout_defaults(&cfg);
	assert_null(cfg.policies);
	assert_string_equal(cfg.sso_group, "");
	assert_int_equal(cfg.enroll_at_login, 1);
	assert_int_equal(cfg.remember, 0);
	assert_int_equal(cfg.remember_local, 0);
	assert_int_equal(cfg.pass_default, 86400);
	assert_int_equal(cfg.pass_max, 604800);
	/* the recommended command, shown commented out */
	assert_non_null(cfg.notify_argv);
	assert_string_equal(cfg.notify_argv[0], "/usr/sbin/sendmail");
	assert_string_equal(cfg.notify_argv[1], "-t");
	assert_string_equal(cfg.notify_argv[2], "-i"); /* a lone "." line must not end the mail */
	assert_null(cfg.notify_argv[3]);
	assert_int_equal(cfg.notify_timeout, 30);
	assert_int_equal(cfg.notify_warn, 7200);
	fio_config_free(&cfg);
}

/* lockout = { ... }: bounds inclusive, out of range, booleans, unknown keys. */
static void
test_lockout(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char err[256];

	assert_int_equal(fio_config_defaults(&cfg), 0);
	write_file(fx->path,
	           "lockout = { max_failures = 1; interval = 1; unlock_after = 1;\n"
	           "  per_source_max = 1; max_consecutive = 1; exempt_root = false; };\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.lock_max_failures, 1);
	assert_int_equal(cfg.lock_interval, 1);
	assert_int_equal(cfg.lock_unlock_after, 1);
	assert_int_equal(cfg.lock_per_source_max, 1);
	assert_int_equal(cfg.lock_max_consecutive, 1);
	assert_int_equal(cfg.lock_exempt_root, 0);
	write_file(fx->path, "lockout = { max_failures = 1000; interval = 86400;\n"
	                     "  unlock_after = 604800; per_source_max = 100000;\n"
	                     "  max_consecutive = 100; exempt_root = true; };\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.lock_max_failures, 1000);
	assert_int_equal(cfg.lock_interval, 86400);
	assert_int_equal(cfg.lock_unlock_after, 604800);
	assert_int_equal(cfg.lock_per_source_max, 100000);
	assert_int_equal(cfg.lock_max_consecutive, 100);
	assert_int_equal(cfg.lock_exempt_root, 1);
	/* a file without the group: the defaults again */
	write_file(fx->path, "workers = 1;\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_lockout_defaults(&cfg);
	fio_config_free(&cfg);

	expect_refused(fx, "lockout = { max_failures = 0; };\n", 1,
	               "lockout.max_failures: must be between 1 and 1000");
	expect_refused(fx, "lockout = {\n max_failures = 1001; };\n", 2,
	               "lockout.max_failures: must be between 1 and 1000");
	expect_refused(fx, "lockout = { interval = 86401; };\n", 1,
	               "lockout.interval: must be between 1 and 86400");
	expect_refused(fx, "lockout = { unlock_after = 0; };\n", 1,
	               "lockout.unlock_after: must be between 1 and 604800");
	expect_refused(fx, "lockout = { unlock_after = 604801; };\n", 1,
	               "lockout.unlock_after: must be between 1 and 604800");
	expect_refused(fx, "lockout = { per_source_max = 100001; };\n", 1,
	               "lockout.per_source_max: must be between 1 and 100000");
	/* NIST SP 800-63B: at most 100 consecutive failures */
	expect_refused(fx, "lockout = { max_consecutive = 101; };\n", 1,
	               "lockout.max_consecutive: must be between 1 and 100");
	expect_refused(fx, "lockout = { max_consecutive = -1; };\n", 1,
	               "lockout.max_consecutive: must be between 1 and 100");
	expect_refused(fx, "lockout = { max_failures = 4294967301; };\n", 1,
	               "lockout.max_failures: must be between 1 and 1000");
	expect_refused(fx, "lockout = { interval = \"900\"; };\n", 1,
	               "lockout.interval: must be an integer");
	expect_refused(fx, "lockout = { exempt_root = 1; };\n", 1,
	               "lockout.exempt_root: must be true or false");
	expect_refused(fx, "lockout = { exempt_root = \"yes\"; };\n", 1,
	               "lockout.exempt_root: must be true or false");
	expect_refused(fx, "lockout = {\n  max_failures = 5;\n  per_source = 10;\n};\n", 3,
	               "lockout.per_source: unknown key");
	expect_refused(fx, "lockout = 5;\n", 1, "lockout: must be a group: lockout = { ... };");
	expect_refused(fx, "max_failures = 5;\n", 1, "max_failures: unknown key");
}

/* fio_duration_parse: seconds, or NUMBER UNIT parts in any order, each unit once. */
static void
test_duration_parse(void **state)
{
	static const struct {
		const char *s;
		unsigned v;
	} good[] = {
	        {"0", 0},
	        {"90", 90},
	        {"0007", 7},
	        {"30s", 30},
	        {"0s", 0},
	        {"1h30m", 5400},
	        {"30m1h", 5400},
	        {"24h", 86400},
	        {"7d", 604800},
	        {"2w", 1209600},
	        {"1w1d1h1m1s", 694861},
	        {"315360000", 315360000},
	        {"3650d", 315360000},
	        {"520w", 314496000},
	};
	static const char *const bad[] = {
	        "",
	        "1x",
	        "h",
	        "-5",
	        "+5",
	        " 5",
	        "5 ",
	        "5 m",
	        "1h30",
	        "1h1h",
	        "30s1m30s",
	        "1.5h",
	        "1H",
	        "0x10",
	        "315360001",
	        "3651d",
	        "1w3644d",
	        "99999999999999999999999",
	        "18446744073709551617s",
	        "4294967297",
	        "m5",
	        "5mm",
	        "1h\n",
	        "\t1",
	};
	unsigned v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		assert_int_equal(fio_duration_parse(good[i].s, &v), 0);
		assert_int_equal(v, good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		if (fio_duration_parse(bad[i], &v) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(v, 12345); /* untouched on failure */
	}
	assert_int_equal(fio_duration_parse(NULL, &v), -1);
	assert_int_equal(fio_duration_parse("5", NULL), -1);
}

/* root and adm are in every Debian /etc/group. */
static const char policy_conf[] =
        "policy = (\n"
        "  { group = \"root\"; require_2fa = true; grace = \"24h\";\n"
        "    methods = [\"app\"]; except = [\"sudo\", \"cron-1.x_Y\"]; },\n"
        "  { group = \"adm\"; grace = 0; require_2fa = false; },\n"
        "\n"
        "  { all = true; grace = \"1w\"; methods = [\"app\", \"app\"]; except = []; }\n"
        ");\n"
        "sso_group = \"adm\";\n"
        "enroll_at_login = false;\n"
        "remember = \"12h\";\n"
        "remember_local = true;\n"
        "pass = { default = \"2h\"; max = \"30d\"; };\n"
        "notify = {\n"
        "  command = [\"/usr/sbin/sendmail\", \"-t\", \"-oi\"];\n"
        "  timeout = \"1m\";\n"
        "  warn_before = 0;\n"
        "};\n";

static void
assert_policy_conf(const struct fio_config *c)
{
	const struct fio_policy *p = c->policies;

	assert_non_null(p);
	assert_int_equal(c->npolicies, 3);
	assert_string_equal(p[0].group, "root");
	assert_int_equal(p[0].all, 0);
	assert_int_equal(p[0].require_2fa, 1);
	assert_int_equal(p[0].grace, 86400);
	assert_int_equal(p[0].methods, FIO_METHOD_APP);
	assert_int_equal(p[0].nexcept, 2);
	assert_string_equal(p[0].except[0], "sudo");
	assert_string_equal(p[0].except[1], "cron-1.x_Y");
	assert_null(p[0].except[2]);
	assert_string_equal(p[0].key, "group:root");
	assert_int_equal(p[0].line, 2);
	assert_string_equal(p[1].group, "adm");
	assert_int_equal(p[1].require_2fa, 0);
	assert_int_equal(p[1].grace, 0);
	assert_int_equal(p[1].methods, FIO_METHOD_APP); /* the default */
	assert_non_null(p[1].except);                   /* empty, NULL-terminated */
	assert_null(p[1].except[0]);
	assert_int_equal(p[1].nexcept, 0);
	assert_string_equal(p[1].key, "group:adm");
	assert_int_equal(p[1].line, 4);
	assert_null(p[2].group);
	assert_int_equal(p[2].all, 1);
	assert_int_equal(p[2].require_2fa, 1);
	assert_int_equal(p[2].grace, 604800);
	assert_int_equal(p[2].methods, FIO_METHOD_APP);
	assert_int_equal(p[2].nexcept, 0);
	assert_null(p[2].except[0]);
	assert_string_equal(p[2].key, "all");
	assert_int_equal(p[2].line, 6);
	assert_string_equal(c->sso_group, "adm");
	assert_int_equal(c->enroll_at_login, 0);
	assert_int_equal(c->remember, 43200);
	assert_int_equal(c->remember_local, 1);
	assert_int_equal(c->pass_default, 7200);
	assert_int_equal(c->pass_max, 2592000);
	assert_non_null(c->notify_argv);
	assert_string_equal(c->notify_argv[0], "/usr/sbin/sendmail");
	assert_string_equal(c->notify_argv[1], "-t");
	assert_string_equal(c->notify_argv[2], "-oi");
	assert_null(c->notify_argv[3]);
	assert_int_equal(c->notify_timeout, 60);
	assert_int_equal(c->notify_warn, 0);
}

static void
test_policy_file(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char err[256];

	write_file(fx->path, policy_conf);
	assert_int_equal(fio_config_defaults(&cfg), 0);
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_policy_conf(&cfg);

	/* Bounds inclusive; an empty policy list and command = [] are "none". */
	write_file(fx->path, "policy = ();\nremember = 7776000;\nsso_group = \"\";\n"
	                     "pass = { default = \"1h\"; max = \"1h\"; };\n"
	                     "notify = { command = []; timeout = 600; warn_before = \"30d\"; };\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_null(cfg.policies);
	assert_int_equal(cfg.npolicies, 0);
	assert_int_equal(cfg.remember, 90 * 86400);
	assert_string_equal(cfg.sso_group, "");
	assert_int_equal(cfg.pass_default, 3600);
	assert_int_equal(cfg.pass_max, 3600);
	assert_null(cfg.notify_argv);
	assert_int_equal(cfg.notify_timeout, 600);
	assert_int_equal(cfg.notify_warn, 30 * 86400);

	fio_config_free(&cfg);
}

/* FIO_POLICY_MAX entries pass the count (the duplicates are refused after it),
 * and grace and except at their bounds are fine. */
static void
test_policy_max(void **state)
{
	struct fixture *fx = *state;
	char text[8192];
	size_t n;
	int i;

	n = (size_t)snprintf(text, sizeof(text),
	                     "policy = ( { all = true; grace = \"365d\";\n"
	                     "  except = [\"");
	memset(text + n, 's', 255);
	n += 255;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\"]; }");
	for (i = 1; i < FIO_POLICY_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		                      ",\n { group = \"root\"; grace = 31536000; }");
	assert_true(n < sizeof(text) - 16);
	snprintf(text + n, sizeof(text) - n, " );\n");
	expect_refused(fx, text, 4, "policy.[2]: duplicate of policy.[1] (line 3)");
}

/* A file refused after a good one leaves the good one in place, pointers too. */
static void
test_failed_load_keeps_previous(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	struct fio_config before;
	char err[256];

	write_file(fx->path, policy_conf);
	assert_int_equal(fio_config_defaults(&cfg), 0);
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	memcpy(&before, &cfg, sizeof(cfg));
	write_file(fx->path, "remember = \"1h\";\npolicy = (\n { group = \"adm\"; },\n"
	                     " { all = true; methods = [\"sms\"]; }\n);\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), -1);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_policy_conf(&cfg);
	write_file(fx->path, "notify = { command = [\"/bin/true\"]; timeout = 0; };\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), -1);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_policy_conf(&cfg);
	fio_config_free(&cfg);
}

/* Entries may come from an @include inside the list: errors name that file,
 * and the entries are counted across it. */
static void
test_policy_include(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char extra[192];
	char text[512];
	char want[512];
	char err[512];

	snprintf(extra, sizeof(extra), "%s/extra.conf", fx->dir);
	write_file(extra, "\n{ group = \"adm\";\n  grace = 4294967302; }\n");
	snprintf(
	        text, sizeof(text),
	        "policy = (\n { group = \"root\"; },\n  @include \"%s\"\n  , { all = true; }\n);\n",
	        extra);
	write_file(fx->path, text);
	assert_int_equal(fio_config_defaults(&cfg), 0);
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: policy.[1].grace: must be between 0 and 365d", extra);
	assert_string_equal(err, want);
	assert_policy_defaults(&cfg);

	write_file(extra, "\n{ group = \"adm\";\n  methods = [\"sms\"]; }\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	         "%s:3: policy.[1].methods: method \"sms\" is disabled: text messages are not "
	         "configured",
	         extra);
	assert_string_equal(err, want);

	write_file(extra, "\n{ group = \"adm\";\n  grace = 42; }\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.npolicies, 3);
	assert_string_equal(cfg.policies[0].key, "group:root");
	assert_string_equal(cfg.policies[1].key, "group:adm");
	assert_int_equal(cfg.policies[1].grace, 42);
	assert_int_equal(cfg.policies[1].line, 2); /* of extra.conf */
	assert_string_equal(cfg.policies[2].key, "all");
	fio_config_free(&cfg);
}

static void
test_policy_entries(void **state)
{
	expect_refused(*state, "policy = (\n  { group = \"fio-no-such-group\"; }\n);\n", 2,
	               "policy.[0].group: no such group \"fio-no-such-group\"");
	expect_refused(*state,
	               "policy = (\n { all = true; },\n { group = \"no such group\"; } );\n", 3,
	               "policy.[1].group: no such group \"no such group\"");
	expect_refused(*state, "policy = ( { group = \"\"; } );\n", 1,
	               "policy.[0].group: must not be empty");
	expect_refused(*state, "policy = ( { group = \"a:b\"; } );\n", 1,
	               "policy.[0].group: must not contain ':'");
	expect_refused(*state, "policy = ( { group = 0; } );\n", 1,
	               "policy.[0].group: must be a string");
	expect_refused(*state, "policy = (\n { group = \"root\";\n   all = true; }\n);\n", 2,
	               "policy.[0]: give either group or all = true, not both");
	expect_refused(*state, "policy = ( { grace = \"1h\"; } );\n", 1,
	               "policy.[0]: needs group = \"NAME\" or all = true");
	expect_refused(*state, "policy = ( { all = false; } );\n", 1,
	               "policy.[0]: needs group = \"NAME\" or all = true");
	expect_refused(*state, "policy = ( {} );\n", 1,
	               "policy.[0]: needs group = \"NAME\" or all = true");
	expect_refused(*state,
	               "policy = (\n { group = \"root\"; },\n { all = true; },\n"
	               " { group = \"root\"; grace = 5; }\n);\n",
	               4, "policy.[2]: duplicate of policy.[0] (line 2)");
	expect_refused(*state, "policy = (\n { all = true; },\n\n { all = true; } );\n", 4,
	               "policy.[1]: duplicate of policy.[0] (line 2)");
	expect_refused(*state, "policy = ( { all = true;\n  gracee = \"1h\"; } );\n", 2,
	               "policy.[0].gracee: unknown key");
	expect_refused(*state, "policy = ( { all = true; sub = { a = 1; }; } );\n", 1,
	               "policy.[0].sub: unknown key");
	expect_refused(*state, "policy = ( { all = \"yes\"; } );\n", 1,
	               "policy.[0].all: must be true or false");
	expect_refused(*state, "policy = ( { all = true; require_2fa = 1; } );\n", 1,
	               "policy.[0].require_2fa: must be true or false");
	expect_refused(*state, "policy = { all = true; };\n", 1,
	               "policy: must be a list: policy = ( { group = \"NAME\"; ... }, ... );");
	expect_refused(*state, "policy = [ \"root\" ];\n", 1,
	               "policy: must be a list: policy = ( { group = \"NAME\"; ... }, ... );");
	expect_refused(*state, "policy = ( { all = true; },\n \"root\" );\n", 2,
	               "policy.[1]: must be a group: { group = \"NAME\"; ... }");
	expect_refused(*state, "totp = { policy = (); };\n", 1, "totp.policy: unknown key");
}

static void
test_policy_too_many(void **state)
{
	char text[4096];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(text, sizeof(text), "# 65 entries\npolicy = (\n");
	for (i = 0; i <= FIO_POLICY_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s{ all = true; }",
		                      i > 0 ? ", " : "");
	assert_true(n < sizeof(text) - 8);
	snprintf(text + n, sizeof(text) - n, "\n);\n");
	expect_refused(*state, text, 2, "policy: must have at most 64 entries");
}

static void
test_policy_grace(void **state)
{
	expect_refused(*state, "policy = ( { all = true; grace = \"1x\"; } );\n", 1,
	               "policy.[0].grace: must be a duration: seconds, or a string such as "
	               "\"30m\", \"1h30m\", \"24h\" or \"7d\"");
	expect_refused(*state, "policy = ( { all = true; grace = \"\"; } );\n", 1,
	               "policy.[0].grace: must be a duration: seconds, or a string such as "
	               "\"30m\", \"1h30m\", \"24h\" or \"7d\"");
	expect_refused(*state, "policy = ( { all = true; grace = \"-1h\"; } );\n", 1,
	               "policy.[0].grace: must be a duration: seconds, or a string such as "
	               "\"30m\", \"1h30m\", \"24h\" or \"7d\"");
	expect_refused(*state, "policy = ( { all = true; grace = true; } );\n", 1,
	               "policy.[0].grace: must be a duration: seconds, or a string such as "
	               "\"30m\", \"1h30m\", \"24h\" or \"7d\"");
	expect_refused(*state, "policy = ( { all = true; grace = \"366d\"; } );\n", 1,
	               "policy.[0].grace: must be between 0 and 365d");
	expect_refused(*state, "policy = ( { all = true; grace = \"4000d\"; } );\n", 1,
	               "policy.[0].grace: must be between 0 and 365d");
	expect_refused(*state, "policy = ( { all = true; grace = \"99999999999999999999w\"; } );\n",
	               1, "policy.[0].grace: must be between 0 and 365d");
	expect_refused(*state, "policy = ( { all = true; grace = -1; } );\n", 1,
	               "policy.[0].grace: must be between 0 and 365d");
	expect_refused(*state, "policy = ( { all = true; grace = 31536001; } );\n", 1,
	               "policy.[0].grace: must be between 0 and 365d");
	/* 2^32 + 6 reads as 6 in libconfig 1.5: the rescan knows the entry and key */
	expect_refused(*state,
	               "policy = (\n { all = true; },\n { group = \"root\";\n"
	               "   grace = 4294967302; }\n);\n",
	               4, "policy.[1].grace: must be between 0 and 365d");
	expect_refused(*state,
	               "policy = ( { all = true; require_2fa = true;\n"
	               "  grace = 0x100000001; } );\n",
	               2, "policy.[0].grace: must be between 0 and 365d");
}

static void
test_policy_methods(void **state)
{
	expect_refused(*state, "policy = ( { all = true;\n methods = [\"app\", \"sms\"]; } );\n", 2,
	               "policy.[0].methods: method \"sms\" is disabled: text messages are not "
	               "configured");
	expect_refused(*state, "policy = ( { all = true; methods = [\"push\"]; } );\n", 1,
	               "policy.[0].methods: unknown method \"push\" (known: \"app\")");
	expect_refused(*state, "policy = ( { all = true; methods = [\"APP x\"]; } );\n", 1,
	               "policy.[0].methods: unknown method (known: \"app\")");
	expect_refused(*state, "policy = ( { all = true; methods = []; } );\n", 1,
	               "policy.[0].methods: must not be empty");
	expect_refused(*state, "policy = ( { all = true; methods = \"app\"; } );\n", 1,
	               "policy.[0].methods: must be an array of strings: [\"...\"]");
	expect_refused(*state, "policy = ( { all = true; methods = [1]; } );\n", 1,
	               "policy.[0].methods: must be an array of strings: [\"...\"]");
	expect_refused(*state, "policy = ( { all = true; methods = (\"app\"); } );\n", 1,
	               "policy.[0].methods: must be an array of strings: [\"...\"]");
}

static void
test_policy_except(void **state)
{
	struct fixture *fx = *state;
	char text[8192];
	size_t n;
	int i;

	expect_refused(fx, "policy = (\n { all = true;\n   except = [\"sudo\", \"su do\"]; } );\n",
	               3,
	               "policy.[0].except.[1]: must be a PAM service name: letters, digits, '.', "
	               "'_' and '-'");
	expect_refused(fx, "policy = ( { all = true; except = [\"../x\"]; } );\n", 1,
	               "policy.[0].except.[0]: must be a PAM service name: letters, digits, '.', "
	               "'_' and '-'");
	expect_refused(fx, "policy = ( { all = true; except = [\"sudo\", \"\"]; } );\n", 1,
	               "policy.[0].except.[1]: must not be empty");
	expect_refused(fx, "policy = ( { all = true; except = \"sudo\"; } );\n", 1,
	               "policy.[0].except: must be an array of strings: [\"...\"]");

	n = (size_t)snprintf(text, sizeof(text), "policy = ( { all = true; except = [\"");
	memset(text + n, 's', 256);
	n += 256;
	snprintf(text + n, sizeof(text) - n, "\"]; } );\n");
	expect_refused(fx, text, 1, "policy.[0].except.[0]: must be at most 255 bytes");

	n = (size_t)snprintf(text, sizeof(text), "policy = ( { all = true; except = [");
	for (i = 0; i <= FIO_POLICY_EXCEPT_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"s%d\"", i > 0 ? ", " : "",
		                      i);
	snprintf(text + n, sizeof(text) - n, "]; } );\n");
	expect_refused(fx, text, 1, "policy.[0].except: must have at most 32 elements");
}

static void
test_sso_remember_pass(void **state)
{
	expect_refused(*state, "sso_group = \"fio-no-such-group\";\n", 1,
	               "sso_group: no such group \"fio-no-such-group\"");
	expect_refused(*state, "sso_group = \"a\\nb\";\n", 1,
	               "sso_group: must not contain control characters");
	expect_refused(*state, "enroll_at_login = 1;\n", 1,
	               "enroll_at_login: must be true or false");
	expect_refused(*state, "remember_local = \"no\";\n", 1,
	               "remember_local: must be true or false");
	expect_refused(*state, "remember = \"91d\";\n", 1, "remember: must be between 0 and 90d");
	expect_refused(*state, "remember = \"5 m\";\n", 1,
	               "remember: must be a duration: seconds, or a string such as \"30m\", "
	               "\"1h30m\", \"24h\" or \"7d\"");
	expect_refused(*state, "remember = 4294967396;\n", 1,
	               "remember: must be between 0 and 90d");
	expect_refused(*state, "pass = {\n  default = \"8d\";\n};\n", 2,
	               "pass.default: must not be longer than pass.max (7d)");
	expect_refused(*state, "pass = { max = \"2h\"; };\n", 1,
	               "pass.default: must not be longer than pass.max (2h)");
	expect_refused(*state, "pass = { default = \"3h\";\n max = \"2h30m\"; };\n", 1,
	               "pass.default: must not be longer than pass.max (2h30m)");
	expect_refused(*state, "pass = { default = \"59m\"; };\n", 1,
	               "pass.default: must be between 1h and 30d");
	expect_refused(*state, "pass = { max = \"31d\"; };\n", 1,
	               "pass.max: must be between 1h and 30d");
	expect_refused(*state, "pass = { max = 4297559296; };\n", 1,
	               "pass.max: must be between 1h and 30d");
	expect_refused(*state, "pass = { until = \"1h\"; };\n", 1, "pass.until: unknown key");
}

static void
test_notify(void **state)
{
	char text[4096];
	size_t n;
	int i;

	expect_refused(*state, "notify = {\n  command = [\"sendmail\", \"-t\"];\n};\n", 2,
	               "notify.command.[0]: must be an absolute path");
	expect_refused(*state, "notify = { command = [\"\"]; };\n", 1,
	               "notify.command.[0]: must not be empty");
	expect_refused(*state, "notify = { command = [\"/bin/mail\", \"\"]; };\n", 1,
	               "notify.command.[1]: must not be empty");
	expect_refused(*state, "notify = { command = [\"/bin/mail\",\n \"a\\tb\"]; };\n", 2,
	               "notify.command.[1]: must not contain control characters");
	expect_refused(*state, "notify = { command = \"/usr/sbin/sendmail -t\"; };\n", 1,
	               "notify.command: must be an array of strings: [\"...\"]");
	expect_refused(*state, "notify = { timeout = 0; };\n", 1,
	               "notify.timeout: must be between 1s and 10m");
	expect_refused(*state, "notify = { timeout = \"11m\"; };\n", 1,
	               "notify.timeout: must be between 1s and 10m");
	expect_refused(*state, "notify = { warn_before = \"31d\"; };\n", 1,
	               "notify.warn_before: must be between 0 and 30d");
	expect_refused(*state, "notify = { to = \"root\"; };\n", 1, "notify.to: unknown key");

	n = (size_t)snprintf(text, sizeof(text), "notify = { command = [\"/bin/x\"");
	for (i = 1; i <= FIO_NOTIFY_ARGV_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, ", \"a%d\"", i);
	snprintf(text + n, sizeof(text) - n, "]; };\n");
	expect_refused(*state, text, 1, "notify.command: must have at most 32 elements");
}

static void
test_activity_retention(void **state)
{
	struct fixture *fx = *state;
	struct fio_config cfg;
	char err[256];

	assert_int_equal(fio_config_defaults(&cfg), 0);
	assert_int_equal(cfg.activity_retention, 90u * 86400u);
	write_file(fx->path, "activity = { retention = \"1d\"; };\n");
	assert_int_equal(fio_config_load(fx->path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.activity_retention, 86400u);
	fio_config_free(&cfg);
	expect_refused(*state, "activity = { retention = \"23h\"; };\n", 1,
	               "activity.retention: must be between 1d and 3650d");
	expect_refused(*state, "activity = {\n  keep = 1;\n};\n", 2, "activity.keep: unknown key");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_full_file),
	        cmocka_unit_test(test_bounds_inclusive),
	        cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_empty_file),
	        cmocka_unit_test(test_syntax_error),
	        cmocka_unit_test(test_wrong_type),
	        cmocka_unit_test(test_out_of_range),
	        cmocka_unit_test(test_truncated_literals),
	        cmocka_unit_test(test_unknown_keys),
	        cmocka_unit_test(test_relative_path),
	        cmocka_unit_test(test_long_string),
	        cmocka_unit_test(test_strings),
	        cmocka_unit_test(test_backend),
	        cmocka_unit_test(test_include_names_its_file),
	        cmocka_unit_test(test_small_error_buffer),
	        cmocka_unit_test(test_sample_file),
	        cmocka_unit_test(test_lockout),
	        cmocka_unit_test(test_duration_parse),
	        cmocka_unit_test(test_policy_file),
	        cmocka_unit_test(test_policy_max),
	        cmocka_unit_test(test_failed_load_keeps_previous),
	        cmocka_unit_test(test_policy_include),
	        cmocka_unit_test(test_policy_entries),
	        cmocka_unit_test(test_policy_too_many),
	        cmocka_unit_test(test_policy_grace),
	        cmocka_unit_test(test_policy_methods),
	        cmocka_unit_test(test_policy_except),
	        cmocka_unit_test(test_sso_remember_pass),
	        cmocka_unit_test(test_notify),
	        cmocka_unit_test(test_activity_retention),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
