/*
 * config_impl.h - what helper/config.c, config_kinds.c and config_scan.c share:
 * the key table's shape, the loading context and the error reporting.
 * Not for use outside the config loader: fio-config.h is its interface.
 */
#ifndef FIO_CONFIG_IMPL_H
#define FIO_CONFIG_IMPL_H

#include <libconfig.h>
#include <stddef.h>

#include "fio-config.h"

#define CFG_MAX_STRING 4096
#define CFG_MAX_SOCKET 107 /* sizeof(sockaddr_un.sun_path) - 1 */
#define CFG_MAX_ISSUER 64
#define CFG_MAX_TEXT (16u * 1024 * 1024) /* the rescan refuses bigger files */
#define CFG_MAX_INCLUDE 10               /* libconfig's own include depth */
#define CFG_MAX_NAME 64                  /* every known key is shorter */
#define CFG_MAX_PATH 96                  /* "policy.[63].except.[31]" and the like */
#define CFG_MAX_GROUP 256                /* an NSS group name, in bytes */
#define CFG_MAX_SERVICE 255              /* a PAM service name, in bytes */
#define CFG_MAX_METHODS 8                /* words in a methods list */
#define CFG_MAX_GRBUF (4u * 1024 * 1024) /* getgrnam_r buffer for big groups */
#define CFG_DAY 86400u
#define CFG_DURATION_MAX (3650u * CFG_DAY) /* fio_duration_parse: 10 years */

enum key_kind {
	KEY_GROUP,
	KEY_UINT,
	KEY_PATH,     /* absolute path */
	KEY_NAME,     /* user or group name */
	KEY_BACKEND,  /* store.backend */
	KEY_ISSUER,   /* totp.issuer */
	KEY_BOOL,     /* true or false, into an int */
	KEY_DURATION, /* an integer of seconds, or a string for fio_duration_parse */
	KEY_NSSGROUP, /* a group NSS knows now; "" (when min is 0) for none */
	KEY_POLICY,   /* ( { ... }, ... ) into cfg->policies, cfg->npolicies */
	KEY_ARGV,     /* [ "word", ... ]: argv, argv[0] absolute; [] is NULL */
	KEY_SERVICES, /* [ "service", ... ]: PAM service names, NULL-terminated */
	KEY_METHODS,  /* [ "app", ... ]: FIO_METHOD_* bits, into an unsigned */
};

/* min and max: KEY_UINT and KEY_DURATION: the bounds; strings: the shortest
 * (1, or 0 where "" is allowed) and the longest in bytes; lists (KEY_POLICY,
 * KEY_ARGV, KEY_SERVICES, KEY_METHODS): the fewest and most elements. */
struct key_spec {
	const char *name;
	enum key_kind kind;
	size_t off; /* offsetof(struct fio_config or fio_policy, field); not for groups */
	unsigned min;
	unsigned max;
	const struct key_spec *members; /* KEY_GROUP, KEY_POLICY: ends with a NULL name */
};

struct load_ctx {
	const char *path; /* the file given to fio_config_load */
	char *err;
	size_t errlen;
	struct fio_config *cfg;      /* the temporary being filled */
	const struct key_spec *keys; /* the top-level table, for the rescan's messages */
};

/* config.c */

/* Writes a whole message into err (when errlen > 0). */
void cfg_set_err(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* "FILE:LINE: GROUP.NAME: problem" into ctx->err; file NULL means ctx->path,
 * group NULL or "" means a top-level key. */
void cfg_report(const struct load_ctx *ctx, const char *file, unsigned line, const char *group,
                const char *name, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The entry of keys (ended by a NULL name) called name, or NULL. */
const struct key_spec *cfg_find_key(const struct key_spec *keys, const char *name);
void cfg_free_strv(char **v);
void cfg_free_policies(struct fio_policy *p, size_t n);
/* Checks every member of a libconfig group against keys, into the struct at
 * base; group is the dotted prefix for messages (NULL at the top level).
 * 0, or -1 (reported). */
int cfg_check_group(const struct load_ctx *ctx, const config_setting_t *g, const char *group,
                    const struct key_spec *keys, void *base);

/* config_kinds.c */

/* Checks setting s against k (any kind) and stores it into the struct at base
 * (KEY_POLICY: into ctx->cfg). 0, or -1 (reported). */
int cfg_check_value(const struct load_ctx *ctx, const config_setting_t *s, const char *group,
                    const struct key_spec *k, void *base);
/* v seconds as "0", "90s", "1h30m", "365d" into buf. */
void cfg_format_duration(unsigned v, char *buf, size_t size);
/* "must be between MIN and MAX" for k (durations written as durations). */
void cfg_report_range(const struct load_ctx *ctx, const char *file, unsigned line,
                      const char *group, const char *name, const struct key_spec *k);

/* config_scan.c */

/* Every @include, at every depth, names a regular file. 0, or -1 with err set. */
int cfg_includes_ok(const struct load_ctx *ctx, const char *file, unsigned depth);
/* Refuses integer literals libconfig 1.5 would truncate. 0, or -1 (reported). */
int cfg_rescan(const struct load_ctx *ctx);

#endif /* FIO_CONFIG_IMPL_H */
