/*
 * authz.c - who may ask what, from SO_PEERCRED uids and NSS only.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authz.h"
#include "server.h"

int
authz_name_valid(const char *name)
{
	size_t n;

	if (name == NULL || (n = strlen(name)) == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		            (ch >= '0' && ch <= '9');

		if (alnum || ch == '_')
			continue;
		if (i > 0 && (ch == '.' || ch == '-' || ch == '@'))
			continue;
		if (i > 0 && i == n - 1 && ch == '$')
			continue;
		return 0;
	}
	return 1;
}

/* The passwd entry of uid into a caller-owned buffer. 0 or -1. */
static int
pw_by_uid(uid_t uid, struct passwd *pw, char **buf)
{
	struct passwd *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);

	*buf = malloc(sz > 0 ? (size_t)sz * 4 : 65536);
	if (*buf == NULL)
		return -1;
	if (getpwuid_r(uid, pw, *buf, sz > 0 ? (size_t)sz * 4 : 65536, &res) != 0 || res == NULL) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

int
authz_is_admin(struct fio_server *s, uid_t uid)
{
	struct group gr, *gres = NULL;
	struct passwd pw;
	char *pwbuf = NULL, grbuf[16384];
	gid_t groups[256];
	int ngroups = 256, admin = 0;

	if (uid == 0)
		return 1;
	if (s->cfg.admin_group == NULL || s->cfg.admin_group[0] == '\0')
		return 0;
	if (getgrnam_r(s->cfg.admin_group, &gr, grbuf, sizeof(grbuf), &gres) != 0 || gres == NULL)
		return 0; /* a missing group means no admins but root */
	if (pw_by_uid(uid, &pw, &pwbuf) != 0)
		return 0;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
		ngroups = 0; /* more than 256 groups: treat as not admin */
	for (int i = 0; i < ngroups && !admin; i++)
		admin = groups[i] == gr.gr_gid;
	free(pwbuf);
	return admin;
}

int
authz_is_self(uid_t uid, const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[16384];

	if (name == NULL || getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return 0;
	return pw.pw_uid == uid && strcmp(pw.pw_name, name) == 0;
}

int
authz_in_group(const char *name, const char *group)
{
	struct passwd pw, *pres = NULL;
	struct group gr, *gres = NULL;
	char pwbuf[16384], grbuf[16384];
	gid_t *groups;
	int ngroups = 256, member = 0;

	if (name == NULL || group == NULL || group[0] == '\0')
		return 0;
	if (getgrnam_r(group, &gr, grbuf, sizeof(grbuf), &gres) != 0 || gres == NULL)
		return 0;
	if (getpwnam_r(name, &pw, pwbuf, sizeof(pwbuf), &pres) != 0 || pres == NULL)
		return 0;
	if (pw.pw_gid == gr.gr_gid)
		return 1;
	for (;;) {
		int n = ngroups;

		groups = calloc((size_t)n, sizeof(*groups));
		if (groups == NULL)
			return 0;
		if (getgrouplist(name, pw.pw_gid, groups, &n) >= 0) {
			for (int i = 0; i < n && !member; i++)
				member = groups[i] == gr.gr_gid;
			free(groups);
			return member;
		}
		free(groups);
		if (n <= ngroups || n > AUTHZ_GROUPS_MAX)
			return 0; /* no progress, or absurdly many groups: not a member */
		ngroups = n;
	}
}

int
authz_nss_known(const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[16384];

	if (name == NULL || getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return 0;
	return strcmp(pw.pw_name, name) == 0;
}
