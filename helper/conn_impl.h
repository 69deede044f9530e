/*
 * conn_impl.h - the connection record, shared by conn.c (what flows call) and
 * server.c (the event loop). Flows see only conn.h.
 */
#ifndef FIO_CONN_IMPL_H
#define FIO_CONN_IMPL_H

#include <stdint.h>
#include <sys/types.h>

#include "conn.h"
#include "fio-codec.h"

enum conn_state {
	CONN_HELLO,   /* waiting for HELLO */
	CONN_REQUEST, /* waiting for AUTH / ACCT / CTL */
	CONN_BUSY,    /* a flow is working; the client must stay silent */
	CONN_ANSWER,  /* waiting for the ANSWER to prompt_id */
	CONN_CLOSING, /* verdict queued: flush, then close */
};

struct fio_conn {
	struct fio_conn *prev, *next;
	struct fio_server *srv;
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint32_t kind; /* FIO_CLIENT_* from HELLO */
	enum conn_state state;

	/* input: one frame at a time */
	unsigned char hdr[8];
	size_t hdr_got;
	uint16_t in_type;
	uint32_t in_need; /* payload bytes still to read */
	struct fio_buf in;
	int64_t frame_deadline; /* set when a frame's first byte arrives; 0 if none started */
	int64_t wait_deadline;  /* the next frame must start before this */

	/* output */
	struct fio_buf out;
	int64_t write_deadline; /* 0 while out is empty */

	/* the pending prompt */
	uint32_t prompt_id;
	unsigned nprompts;
	conn_answer_fn answer_fn;
	void *answer_arg;

	unsigned jobs; /* worker jobs in flight */
	int cancelled; /* set (atomically) when closed: queued jobs skip their work */
	int dead;      /* closed; freed when jobs == 0 */
	int watching_out;
};

/* server.c calls these. */
struct fio_conn *conn_new(struct fio_server *s, int fd);
/* Handles readable input; may close. */
void conn_on_readable(struct fio_conn *c);
/* Flushes output; may close. */
void conn_on_writable(struct fio_conn *c);
/* Closes if a deadline passed. */
void conn_check_deadlines(struct fio_conn *c, int64_t now);
/* The earliest deadline of c, or 0 if none. */
int64_t conn_next_deadline(const struct fio_conn *c);
/* Closes the socket now, tells the pending flow, frees when no job is left. */
void conn_close(struct fio_conn *c, const char *why);
/* Frees closed connections that have no worker job left. */
void conn_sweep(struct fio_server *s);
/* Updates the epoll interest (EPOLLOUT while output is pending). */
void conn_update_events(struct fio_conn *c);

#endif /* FIO_CONN_IMPL_H */
