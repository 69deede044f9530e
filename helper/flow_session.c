/*
 * flow_session.c - the session registry (flow_session.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fio-proto.h"

#include "activity.h"
#include "authz.h"
#include "conn.h"
#include "flow_session.h"
#include "log.h"
#include "policy.h"
#include "server.h"
#include "store.h"

struct session_req {
	uint32_t op;
	char *service, *user, *rhost, *tty;
};

static void
req_free(struct session_req *r)
{
	free(r->service);
	free(r->user);
	free(r->rhost);
	free(r->tty);
}

uint64_t
fio_proc_start_time(int64_t pid)
{
	char path[64], buf[1024];
	const char *p;
	uint64_t start = 0;
	ssize_t n;
	int fd, field;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%" PRId64 "/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name may hold anything, ")" included: skip to the last one */
	p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	p++;
	/* after ")" comes field 3 (state); starttime is field 22 */
	for (field = 2; field < 22 && *p != '\0'; p++) {
		if (*p == ' ')
			field++;
	}
	if (field != 22)
		return 0;
	while (*p >= '0' && *p <= '9') {
		uint64_t d = (uint64_t)(*p - '0');

		if (start > (UINT64_MAX - d) / 10)
			return 0;
		start = start * 10 + d;
		p++;
	}
	return start;
}

static int
decode(struct fio_buf *in, struct session_req *r)
{
	memset(r, 0, sizeof(*r));
	if (fio_get_u32(in, &r->op) != 0 || fio_get_str(in, &r->service, NULL, FIO_NAME_MAX) != 0 ||
	    fio_get_str(in, &r->user, NULL, FIO_NAME_MAX) != 0 ||
	    fio_get_str(in, &r->rhost, NULL, FIO_HOST_MAX) != 0 ||
	    fio_get_str(in, &r->tty, NULL, FIO_TTY_MAX) != 0 || fio_buf_done(in) != 0 ||
	    (r->op != FIO_SESSION_OPEN && r->op != FIO_SESSION_CLOSE))
		return -1;
	return 0;
}

/* The account's store row; an NSS account covered by a policy gets one when
 * root opens a session for it (a public-key login never ran auth). */
static int
session_user(struct fio_conn *c, const struct session_req *r, struct fio_user *u)
{
	struct fio_server *s = conn_server(c);
	int rc = fio_store_user_get(s->store, r->user, u);

	if (rc != FIO_STORE_NOTFOUND || r->op != FIO_SESSION_OPEN || conn_uid(c) != 0 ||
	    !authz_nss_known(r->user) || !fio_policy_covers(s, r->user))
		return rc;
	rc = fio_store_user_add(s->store, r->user, "", "", (int64_t)time(NULL));
	if (rc != FIO_STORE_OK && rc != FIO_STORE_EXISTS)
		return FIO_STORE_ERR;
	rc = fio_store_user_get(s->store, r->user, u);
	if (rc == FIO_STORE_OK) {
		struct fio_peval pol;

		/* its windows are the first members' ones, as at a first login */
		fio_event(s, "user_add", r->user, 0, r->service, r->rhost, r->tty, "ok",
		          "NSS account covered by a 2FA policy");
		if (fio_policy_eval(s, u, r->user, r->service, (int64_t)time(NULL),
		                    FIO_PEVAL_F_NSS_ROW, &pol) != 0) {
			fio_user_clear(u);
			return FIO_STORE_ERR;
		}
	}
	return rc;
}

/* A caller other than root must still be the process it connected as: its
 * pid may have been reused by someone else's process since (the leader is
 * signalled later by fioctl enforce). */
static int
leader_owned_by(int64_t pid, uid_t uid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%" PRId64, pid);
	return stat(path, &st) == 0 && st.st_uid == uid;
}

static uint32_t
handle(struct fio_conn *c, struct session_req *r)
{
	struct fio_server *s = conn_server(c);
	struct fio_session sess;
	struct fio_user u;
	int rc;

	if (!authz_name_valid(r->user) ||
	    (conn_uid(c) != 0 && !authz_is_self(conn_uid(c), r->user)))
		return FIO_RESULT_IGNORE;
	rc = session_user(c, r, &u);
	if (rc == FIO_STORE_NOTFOUND)
		return FIO_RESULT_IGNORE;
	if (rc != FIO_STORE_OK)
		return FIO_RESULT_UNAVAILABLE;
	if (r->op == FIO_SESSION_CLOSE) {
		rc = fio_store_session_del_pid(s->store, u.id, (int64_t)conn_pid(c));
		fio_user_clear(&u);
		if (rc != FIO_STORE_OK)
			return FIO_RESULT_UNAVAILABLE;
		fio_event(s, "session_close", r->user, (long)conn_uid(c), r->service, r->rhost,
		          r->tty, "ok", "");
		return FIO_RESULT_OK;
	}
	memset(&sess, 0, sizeof(sess));
	sess.service = r->service;
	sess.tty = r->tty;
	sess.rhost = r->rhost;
	sess.pid = (int64_t)conn_pid(c);
	sess.pid_start = fio_proc_start_time(sess.pid);
	if (sess.pid <= 1 || (conn_uid(c) != 0 && !leader_owned_by(sess.pid, conn_uid(c)))) {
		fio_user_clear(&u);
		return FIO_RESULT_DENIED;
	}
	sess.started = (int64_t)time(NULL);
	rc = fio_store_session_add(s->store, u.id, &sess);
	fio_user_clear(&u);
	if (rc == FIO_STORE_EXISTS) {
		log_ratelimited(&s->last_refuse_log, LOG_WARNING,
		                "too many open sessions registered for one account; refused");
		return FIO_RESULT_DENIED;
	}
	if (rc != FIO_STORE_OK)
		return FIO_RESULT_UNAVAILABLE;
	fio_event(s, "session_open", r->user, (long)conn_uid(c), r->service, r->rhost, r->tty, "ok",
	          "");
	return FIO_RESULT_OK;
}

int
flow_session_start(struct fio_conn *c, struct fio_buf *in)
{
	struct session_req r;
	uint32_t result;

	if (decode(in, &r) != 0) {
		req_free(&r);
		return -1;
	}
	result = handle(c, &r);
	req_free(&r);
	conn_verdict(c, result, 0);
	return 0;
}
