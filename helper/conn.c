/*
 * conn.c - one client connection: frames in, the permitted-next-message check,
 * frames out, deadlines, and the functions flows use to talk to the client.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_impl.h"
#include "fio-frame.h"
#include "fio-proto.h"
#include "fio-wipe.h"
#include "flow_auth.h"
#include "flow_ctl.h"
#include "flow_policy.h"
#include "flow_session.h"
#include "flow_passwd.h"
#include "log.h"
#include "server.h"
#include "workers.h"

#define CONN_OUT_MAX (16u * 1024 * 1024)
#define CONN_JOBS_PER_UID 4u /* hashing jobs in flight for one non-root uid */

struct fio_conn *
conn_new(struct fio_server *s, int fd)
{
	struct fio_conn *c = calloc(1, sizeof(*c));
	uint32_t uid, gid;
	int32_t pid;

	if (c == NULL)
		return NULL;
	if (fio_peer_cred(fd, &uid, &gid, &pid) != 0) {
		free(c);
		return NULL;
	}
	c->srv = s;
	c->fd = fd;
	c->uid = (uid_t)uid;
	c->gid = (gid_t)gid;
	c->pid = (pid_t)pid;
	c->state = CONN_HELLO;
	c->wait_deadline = fio_now_ms() + FIO_HELLO_DEADLINE_MS;
	fio_buf_init(&c->in, FIO_FRAME_MAX);
	fio_buf_init(&c->out, CONN_OUT_MAX);
	return c;
}

static void
conn_free(struct fio_conn *c)
{
	fio_buf_free(&c->in);
	fio_buf_free(&c->out);
	free(c);
}

void
conn_close(struct fio_conn *c, const char *why)
{
	struct fio_server *s = c->srv;
	conn_answer_fn fn = c->answer_fn;

	if (c->dead)
		return;
	if (why != NULL)
		log_debug("closing connection of uid %ld: %s", (long)c->uid, why);
	c->dead = 1;
	__atomic_store_n(&c->cancelled, 1, __ATOMIC_RELEASE);
	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->nconns--;
	c->answer_fn = NULL;
	/* Freed by conn_sweep() from the event loop, never under a caller's feet. */
	c->prev = NULL;
	c->next = s->dead_conns;
	s->dead_conns = c;
	if (fn != NULL)
		fn(NULL, NULL, 0, c->answer_arg);
}

void
conn_sweep(struct fio_server *s)
{
	struct fio_conn **pp = &s->dead_conns;

	while (*pp != NULL) {
		struct fio_conn *c = *pp;

		if (c->jobs == 0) {
			*pp = c->next;
			conn_free(c);
		} else {
			pp = &c->next;
		}
	}
}

void
conn_update_events(struct fio_conn *c)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	int want = c->out.len > c->out.pos;

	if (c->dead || want == c->watching_out)
		return;
	if (want)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(c->srv->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->watching_out = want;
}

/* Appends one frame (type + the encoded payload p) to the output queue. */
static int
queue_frame(struct fio_conn *c, uint16_t type, const struct fio_buf *p)
{
	int r;

	if (c->dead)
		return -1;
	if (c->out.pos == c->out.len) {
		fio_buf_reset(&c->out);
		c->write_deadline = fio_now_ms() + FIO_FRAME_DEADLINE_MS;
	}
	/* Reserve the whole frame first: never leave a header without its payload. */
	if ((r = fio_buf_reserve(&c->out, 8 + p->len)) != 0 ||
	    (r = fio_frame_put_header(&c->out, type, (uint32_t)p->len)) != 0 ||
	    (r = fio_buf_put(&c->out, p->data, p->len)) != 0) {
		log_err("cannot queue a reply: %s", fio_strerror(r));
		conn_close(c, "reply too large or out of memory");
		return -1;
	}
	return 0;
}

/* Encodes into a scratch buffer that is wiped afterwards. */
static int
send_simple(struct fio_conn *c, uint16_t type, struct fio_buf *p)
{
	int r = queue_frame(c, type, p);

	fio_buf_free(p);
	if (r == 0)
		conn_on_writable(c);
	return r;
}

struct fio_server *
conn_server(struct fio_conn *c)
{
	return c->srv;
}

uid_t
conn_uid(const struct fio_conn *c)
{
	return c->uid;
}

gid_t
conn_gid(const struct fio_conn *c)
{
	return c->gid;
}

pid_t
conn_pid(const struct fio_conn *c)
{
	return c->pid;
}

int
conn_info(struct fio_conn *c, uint32_t kind, const char *fmt, ...)
{
	struct fio_buf p;
	char *text = NULL;
	va_list ap;
	int n, r;

	if (c == NULL || c->dead)
		return -1;
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	fio_buf_init(&p, FIO_FRAME_MAX);
	r = fio_put_u32(&p, kind);
	if (r == 0)
		r = fio_put_strn(&p, text, (size_t)n, FIO_TEXT_MAX);
	fio_freezero(text, (size_t)n + 1);
	if (r != 0) {
		fio_buf_free(&p);
		log_err("cannot encode an info message: %s", fio_strerror(r));
		return -1;
	}
	return send_simple(c, FIO_MSG_INFO, &p);
}

int
conn_record(struct fio_conn *c, uint32_t n, const char *const *keys, const char *const *values)
{
	struct fio_buf p;
	int r;

	if (c == NULL || c->dead || n > FIO_RECORD_FIELDS_MAX)
		return -1;
	fio_buf_init(&p, FIO_FRAME_MAX);
	r = fio_put_u32(&p, n);
	for (uint32_t i = 0; r == 0 && i < n; i++) {
		if ((r = fio_put_str(&p, keys[i], FIO_KEY_MAX)) == 0)
			r = fio_put_str(&p, values[i], FIO_VALUE_MAX);
	}
	if (r != 0) {
		fio_buf_free(&p);
		log_err("cannot encode a record: %s", fio_strerror(r));
		return -1;
	}
	return send_simple(c, FIO_MSG_RECORD, &p);
}

int
conn_prompt(struct fio_conn *c, uint32_t style, uint32_t flags, const char *text, conn_answer_fn fn,
            void *arg)
{
	struct fio_buf p;
	int r;

	if (c == NULL || c->dead || c->nprompts >= FIO_MAX_PROMPTS)
		return -1;
	fio_buf_init(&p, FIO_FRAME_MAX);
	if ((r = fio_put_u32(&p, ++c->prompt_id)) != 0 || (r = fio_put_u32(&p, style)) != 0 ||
	    (r = fio_put_u32(&p, flags)) != 0 || (r = fio_put_str(&p, text, FIO_PROMPT_MAX)) != 0) {
		fio_buf_free(&p);
		return -1;
	}
	if (queue_frame(c, FIO_MSG_PROMPT, &p) != 0) {
		fio_buf_free(&p);
		return -1;
	}
	fio_buf_free(&p);
	c->nprompts++;
	c->answer_fn = fn;
	c->answer_arg = arg;
	c->state = CONN_ANSWER;
	c->wait_deadline = fio_now_ms() + (int64_t)c->srv->cfg.answer_timeout * 1000;
	conn_on_writable(c);
	return 0;
}

void
conn_verdict(struct fio_conn *c, uint32_t result, uint32_t authtok_len)
{
	struct fio_buf p;

	if (c == NULL || c->dead)
		return;
	fio_buf_init(&p, 64);
	if (fio_put_u32(&p, result) != 0 || fio_put_u32(&p, authtok_len) != 0) {
		fio_buf_free(&p);
		conn_close(c, "cannot encode verdict");
		return;
	}
	c->state = CONN_CLOSING;
	c->answer_fn = NULL;
	if (send_simple(c, FIO_MSG_VERDICT, &p) != 0)
		conn_close(c, "cannot queue verdict");
}

struct conn_job {
	struct fio_conn *c;
	conn_work_fn work;
	conn_done_fn done;
	void *arg;
};

static void
job_work(void *p)
{
	struct conn_job *j = p;

	/* A connection that went away while its job waited costs nothing more. */
	if (__atomic_load_n(&j->c->cancelled, __ATOMIC_ACQUIRE))
		return;
	j->work(j->arg);
}

/* Jobs queued or running for uid, counting connections already closed. */
static unsigned
jobs_of_uid(const struct fio_server *s, uid_t uid)
{
	unsigned n = 0;

	for (const struct fio_conn *c = s->conns; c != NULL; c = c->next)
		n += c->uid == uid ? c->jobs : 0;
	for (const struct fio_conn *c = s->dead_conns; c != NULL; c = c->next)
		n += c->uid == uid ? c->jobs : 0;
	return n;
}

static void
job_done(void *p)
{
	struct conn_job *j = p;
	struct fio_conn *c = j->c;

	c->jobs--;
	j->done(c->dead ? NULL : c, j->arg);
	free(j);
}

int
conn_work(struct fio_conn *c, conn_work_fn work, conn_done_fn done, void *arg)
{
	struct conn_job *j;

	if (c == NULL || c->dead)
		return -1;
	/* One uid cannot fill the queue and hold up everyone else's login. */
	if (c->uid != 0 && jobs_of_uid(c->srv, c->uid) >= CONN_JOBS_PER_UID) {
		log_ratelimited(&c->srv->last_busy_log, LOG_WARNING,
		                "uid %ld has too many requests in progress; refusing one",
		                (long)c->uid);
		return -1;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->c = c;
	j->work = work;
	j->done = done;
	j->arg = arg;
	if (fio_workers_submit(c->srv->workers, job_work, job_done, j) != 0) {
		free(j);
		log_warn("worker queue full; refusing a request");
		return -1;
	}
	c->jobs++;
	return 0;
}

static void
handle_hello(struct fio_conn *c, struct fio_buf *in)
{
	uint32_t version, kind;
	struct fio_buf p;

	if (fio_get_u32(in, &version) != 0 || fio_get_u32(in, &kind) != 0 ||
	    fio_buf_done(in) != 0 || (kind != FIO_CLIENT_PAM && kind != FIO_CLIENT_CTL)) {
		conn_close(c, "malformed HELLO");
		return;
	}
	fio_buf_init(&p, 64);
	if (fio_put_u32(&p, FIO_PROTO_VERSION) != 0 || fio_put_u32(&p, 0) != 0) {
		fio_buf_free(&p);
		conn_close(c, "cannot encode HELLO");
		return;
	}
	c->kind = kind;
	if (version != FIO_PROTO_VERSION) {
		log_warn("protocol version mismatch: client %u, helper %u (uid %ld)", version,
		         FIO_PROTO_VERSION, (long)c->uid);
		c->state = CONN_CLOSING;
	} else {
		c->state = CONN_REQUEST;
		c->wait_deadline = fio_now_ms() + FIO_HELLO_DEADLINE_MS;
	}
	if (send_simple(c, FIO_MSG_HELLO, &p) != 0)
		conn_close(c, "cannot queue HELLO");
}

static void
handle_request(struct fio_conn *c, uint16_t type, struct fio_buf *in)
{
	int r = -1;

	c->state = CONN_BUSY;
	if (type == FIO_MSG_AUTH && c->kind == FIO_CLIENT_PAM)
		r = flow_auth_start(c, in);
	else if (type == FIO_MSG_ACCT && c->kind == FIO_CLIENT_PAM)
		r = flow_acct_start(c, in);
	else if (type == FIO_MSG_SESSION && c->kind == FIO_CLIENT_PAM)
		r = flow_session_start(c, in);
	else if (type == FIO_MSG_CHAUTHTOK && c->kind == FIO_CLIENT_PAM)
		r = flow_passwd_start(c, in);
	else if (type == FIO_MSG_CTL && c->kind == FIO_CLIENT_CTL)
		r = flow_ctl_start(c, in);
	if (r != 0)
		conn_close(c, "malformed or unexpected request");
}

static void
handle_answer(struct fio_conn *c, struct fio_buf *in)
{
	conn_answer_fn fn = c->answer_fn;
	void *arg = c->answer_arg;
	char *answer = NULL;
	size_t len = 0;
	uint32_t id;

	if (fio_get_u32(in, &id) != 0 || id != c->prompt_id ||
	    fio_get_secret(in, &answer, &len, FIO_SECRET_MAX) != 0 || fio_buf_done(in) != 0) {
		fio_freezero(answer, len + 1);
		conn_close(c, "malformed ANSWER");
		return;
	}
	c->state = CONN_BUSY;
	c->answer_fn = NULL;
	fn(c, answer, len, arg);
	fio_freezero(answer, len + 1);
}

/* The permitted-next-message table: each state admits one kind of frame. */
static void
handle_frame(struct fio_conn *c)
{
	uint16_t type = c->in_type;

	switch (c->state) {
	case CONN_HELLO:
		if (type == FIO_MSG_HELLO)
			handle_hello(c, &c->in);
		else
			conn_close(c, "expected HELLO");
		break;
	case CONN_REQUEST:
		handle_request(c, type, &c->in);
		break;
	case CONN_ANSWER:
		if (type == FIO_MSG_ANSWER)
			handle_answer(c, &c->in);
		else
			conn_close(c, "expected ANSWER");
		break;
	default:
		conn_close(c, "unexpected frame");
		break;
	}
	if (!c->dead)
		fio_buf_reset(&c->in);
}

/* Reads what is there; returns 0 to go on, -1 if the connection closed. */
static int
read_some(struct fio_conn *c, unsigned char *dst, size_t want, size_t *got)
{
	ssize_t n = recv(c->fd, dst, want, MSG_DONTWAIT);

	*got = 0;
	if (n > 0) {
		if (c->frame_deadline == 0)
			c->frame_deadline = fio_now_ms() + FIO_FRAME_DEADLINE_MS;
		*got = (size_t)n;
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	conn_close(c, n == 0 ? "peer closed" : "read error");
	return -1;
}

void
conn_on_readable(struct fio_conn *c)
{
	/* Bounded work per wake-up: at most a few frames, then back to the loop. */
	for (int rounds = 0; rounds < 4 && !c->dead; rounds++) {
		size_t got;

		if (c->state == CONN_CLOSING || c->state == CONN_BUSY) {
			unsigned char junk[256];

			/* Only EOF is expected; anything else is a protocol violation. */
			if (read_some(c, junk, sizeof(junk), &got) != 0 || got == 0)
				return;
			fio_wipe(junk, sizeof(junk));
			if (c->state == CONN_BUSY) {
				conn_close(c, "data while busy");
			} else {
				c->frame_deadline = 0;
			}
			return;
		}
		if (c->hdr_got < sizeof(c->hdr)) {
			uint32_t plen;

			if (read_some(c, c->hdr + c->hdr_got, sizeof(c->hdr) - c->hdr_got, &got) !=
			    0)
				return;
			if (got == 0)
				return;
			c->hdr_got += got;
			if (c->hdr_got < sizeof(c->hdr))
				continue;
			if (fio_frame_parse_header(c->hdr, &c->in_type, &plen) != 0) {
				conn_close(c, "bad frame header");
				return;
			}
			fio_buf_reset(&c->in);
			if (fio_buf_reserve(&c->in, plen) != 0) {
				conn_close(c, "no memory for frame");
				return;
			}
			c->in_need = plen;
		}
		if (c->in_need > 0) {
			if (read_some(c, c->in.data + c->in.len, c->in_need, &got) != 0)
				return;
			if (got == 0)
				return;
			c->in.len += got;
			c->in_need -= (uint32_t)got;
			if (c->in_need > 0)
				continue;
		}
		c->hdr_got = 0;
		c->frame_deadline = 0;
		handle_frame(c);
	}
}

void
conn_on_writable(struct fio_conn *c)
{
	while (!c->dead && c->out.pos < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out.pos, c->out.len - c->out.pos,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out.pos += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c, "write error");
		return;
	}
	if (c->dead)
		return;
	if (c->out.pos == c->out.len) {
		fio_buf_reset(&c->out);
		c->write_deadline = 0;
		if (c->state == CONN_CLOSING) {
			conn_close(c, NULL);
			return;
		}
	}
	conn_update_events(c);
}

int64_t
conn_next_deadline(const struct fio_conn *c)
{
	int64_t d = 0;

	if (c->state == CONN_HELLO || c->state == CONN_REQUEST || c->state == CONN_ANSWER)
		d = c->wait_deadline;
	if (c->frame_deadline != 0 && (d == 0 || c->frame_deadline < d))
		d = c->frame_deadline;
	if (c->write_deadline != 0 && (d == 0 || c->write_deadline < d))
		d = c->write_deadline;
	return d;
}

void
conn_check_deadlines(struct fio_conn *c, int64_t now)
{
	int64_t d = conn_next_deadline(c);

	if (d != 0 && now >= d)
		conn_close(c, "deadline passed");
}
