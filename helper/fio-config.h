/*
 * config.h - /etc/fio/fio.conf (libconfig) into a validated struct fio_config.
 * Every number has bounds, every path must be absolute; a bad value is an error
 * naming the file, the line and the key. Unknown keys are errors too.
 */
#ifndef FIO_FIO_CONFIG_H
#define FIO_FIO_CONFIG_H

#include <stddef.h>

struct fio_config {
	char *socket_path;            /* socket = "/run/fio/helper.sock" */
	char *store_backend;          /* store.backend = "sqlite" (only value for now) */
	char *store_path;             /* store.path = "/var/lib/fio/fio.db" */
	char *key_file;               /* key_file = "/var/lib/fio/secret.key" */
	char *admin_group;            /* admin_group = "fio-admin" */
	char *user;                   /* user = "_fio": drop to it when started as root */
	unsigned totp_digits;         /* totp.digits = 6 (6..8) */
	unsigned totp_period;         /* totp.period = 30 (15..300) */
	unsigned totp_window;         /* totp.window = 1 (0..10): steps accepted either side */
	char *totp_issuer;            /* totp.issuer = "pam_fio" (1..64 bytes, printable) */
	unsigned hash_cost;           /* password.hash_cost = 5 (yescrypt cost, 3..11) */
	unsigned recovery_iterations; /* recovery.kdf_iterations = 50000 (1000..10000000) */
	unsigned workers;             /* workers = 0 (0 = number of cores; 1..64) */
	unsigned answer_timeout;      /* answer_timeout = 120 seconds (5..3600) */
	unsigned max_connections;     /* limits.max_connections = 4096 (16..65536) */
	unsigned max_per_uid;         /* limits.max_per_uid = 256 (1..65536); uid 0 exempt */
	/* lockout (DESIGN.md "Accounts and lockout"; all seconds) */
	unsigned lock_max_failures;    /* lockout.max_failures = 5 (1..1000) per interval */
	unsigned lock_interval;        /* lockout.interval = 900 (1..86400): counting window */
	unsigned lock_unlock_after;    /* lockout.unlock_after = 900 (1..604800): cool-down */
	unsigned lock_per_source_max;  /* lockout.per_source_max = 20 (1..100000) per interval */
	unsigned lock_max_consecutive; /* lockout.max_consecutive = 20 (1..100): code hard cap */
	int lock_exempt_root;          /* lockout.exempt_root = false */
};

/* Fills *cfg with the defaults above (strings strdup'ed). 0 or -1 (no memory). */
int fio_config_defaults(struct fio_config *cfg);

/* Loads path over the defaults. On error returns -1 and writes one line into
 * err ("FILE:LINE: KEY: problem"), leaving *cfg untouched (all freed). */
int fio_config_load(const char *path, struct fio_config *cfg, char *err, size_t errlen);

void fio_config_free(struct fio_config *cfg);

#endif /* FIO_CONFIG_H */
