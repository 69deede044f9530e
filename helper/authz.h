/*
 * authz.h - who may ask what (DESIGN.md "Who may ask what"), from the peer's
 * SO_PEERCRED uid only, never from anything in a frame.
 */
#ifndef FIO_AUTHZ_H
#define FIO_AUTHZ_H

#include <stddef.h>
#include <sys/types.h>

struct fio_server;

/* 1 if name is an acceptable account name: 1..FIO_NAME_MAX-ish bytes (at most
 * 255), first character a letter, digit or '_', then letters, digits, '.',
 * '_', '-', '@', and an optional final '$'. Nothing else (no '/', no "..",
 * no spaces, no control characters). */
int authz_name_valid(const char *name);
/* 1 if uid is 0 or a member (primary or supplementary, through NSS) of the
 * configured admin group; a missing group means no admins but root. */
int authz_is_admin(struct fio_server *s, uid_t uid);
/* 1 if NSS maps name to exactly uid. */
int authz_is_self(uid_t uid, const char *name);
/* 1 if NSS knows name and puts it in group (primary or supplementary,
 * getgrouplist: local, LDAP and SSSD groups alike); 0 otherwise, including
 * when either is unknown. */
int authz_in_group(const char *name, const char *group);
#define AUTHZ_GROUPS_MAX 65536
/* 1 if NSS knows the account name (exactly that name). */
int authz_nss_known(const char *name);

#endif /* FIO_AUTHZ_H */
