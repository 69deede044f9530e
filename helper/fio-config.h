/*
 * config.h - /etc/fio/fio.conf (libconfig) into a validated struct fio_config.
 * Every number has bounds, every path must be absolute; a bad value is an error
 * naming the file, the line and the key. Unknown keys are errors too.
 */
#ifndef FIO_FIO_CONFIG_H
#define FIO_FIO_CONFIG_H

#include <stddef.h>

#define FIO_POLICY_MAX 64        /* entries in the policy list */
#define FIO_POLICY_EXCEPT_MAX 32 /* services in one entry's except list */
#define FIO_NOTIFY_ARGV_MAX 32   /* words of notify.command */

/* Second-factor methods a policy allows (methods = ["app", "sms"]). */
#define FIO_METHOD_APP 0x1u
#define FIO_METHOD_SMS 0x2u /* text messages: refused until an sms section exists */

/* One entry of the policy list (DESIGN.md "Mandatory 2FA policy"):
 *     policy = ( { group = "staff"; require_2fa = true; grace = "24h";
 *                  methods = ["app"]; except = ["sudo"]; },
 *                { all = true; require_2fa = true; } );
 * Exactly one of group (a group NSS knows when the file is loaded) and
 * all = true. */
struct fio_policy {
	char *group;      /* NULL when all */
	int all;          /* all = true */
	int require_2fa;  /* require_2fa = true (default true); false: the entry is kept
	                     but demands nothing */
	unsigned grace;   /* grace = "24h": seconds, 0..365 days (0: enrol at once) */
	unsigned methods; /* FIO_METHOD_*; methods = ["app"] by default */
	char **except;    /* except = ["sudo"]: services that ask no second factor of
	                     this entry's members; NULL-terminated, nexcept entries */
	size_t nexcept;
	char *key;     /* "group:NAME" or "all": how the store names this entry */
	unsigned line; /* line of the entry in its file, for messages */
};

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
	unsigned pw_min_length;       /* password.min_length = 12 characters (8..256) */
	unsigned pw_max_length;       /* password.max_length = 256 characters (256..511;
	                                 at most 511 bytes whatever the characters) */
	int pw_dictionary;            /* password.dictionary = true: libpwquality's
	                                 dictionary of common and cracked passwords */
	unsigned reset_ttl;           /* password.reset_ttl = "1h" (5 minutes..7 days):
	                                 how long a reset code is valid */
	unsigned invite_ttl;          /* password.invite_ttl = "7d" (1 hour..90 days):
	                                 how long an invitation code is valid */
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
	/* mandatory 2FA (DESIGN.md "Mandatory 2FA policy") */
	struct fio_policy *policies; /* policy = ( ... ): npolicies entries, in file order */
	size_t npolicies;
	char *sso_group;         /* sso_group = "" (none): members are left to their
	                            identity provider's module */
	int enroll_at_login;     /* enroll_at_login = true */
	unsigned remember;       /* remember = "0": seconds a full 2FA login from one
	                            PAM_RHOST spares that source the code (0 = off;
	                            at most 90 days) */
	int remember_local;      /* remember_local = false: also for logins without
	                            PAM_RHOST */
	unsigned pass_default;   /* pass.default = "24h" (1 hour..pass.max) */
	unsigned pass_max;       /* pass.max = "7d" (1 hour..30 days) */
	char **notify_argv;      /* notify.command = ["/usr/sbin/sendmail", "-t"]: argv,
	                            argv[0] absolute; NULL = no notifications */
	unsigned notify_timeout; /* notify.timeout = 30 seconds (1..600) */
	unsigned notify_warn;    /* notify.warn_before = "2h": the "time is running out"
	                            notice, seconds before a grace window ends
	                            (0 = never) */
	/* the activity log (activity.h) */
	unsigned activity_retention; /* activity.retention = "90d": events older than
	                                this are pruned (1 day..10 years) */
};

/* Parses a duration: a non-negative integer of seconds, or one or more
 * NUMBER UNIT parts with UNIT one of s, m, h, d, w ("90", "30s", "1h30m",
 * "24h", "7d"). No spaces, no sign, at most 10 years. 0 or -1. */
int fio_duration_parse(const char *s, unsigned *out);

/* Fills *cfg with the defaults above (strings strdup'ed). 0 or -1 (no memory). */
int fio_config_defaults(struct fio_config *cfg);

/* Loads path over the defaults. On error returns -1 and writes one line into
 * err ("FILE:LINE: KEY: problem"), leaving *cfg untouched (all freed). */
int fio_config_load(const char *path, struct fio_config *cfg, char *err, size_t errlen);

void fio_config_free(struct fio_config *cfg);

#endif /* FIO_CONFIG_H */
