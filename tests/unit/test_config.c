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
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
