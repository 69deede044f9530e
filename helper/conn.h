/*
 * conn.h - one client connection: its peer credentials, its frame buffers, and
 * the permitted-next-message state. Flows (flow_auth.c, flow_ctl.c,
 * flow_enroll.c) talk to the client only through these functions.
 *
 * Output functions queue frames; the event loop writes them with a deadline.
 * A flow ends by calling conn_verdict() exactly once; the connection closes
 * when the verdict has been written. Any output function that fails (too big,
 * no memory) marks the connection broken: it is closed without a verdict and
 * the flow's pending callbacks are called with c == NULL so they can free.
 */
#ifndef FIO_CONN_H
#define FIO_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fio_server;
struct fio_conn;

/* Called with the client's answer to a prompt (answer is wiped and freed
 * after the call; copy what you keep), or with c == NULL and answer == NULL if
 * the connection went away first (free arg then). */
typedef void (*conn_answer_fn)(struct fio_conn *c, const char *answer, size_t len, void *arg);
/* Runs on a worker thread: pure CPU work (hashing, KDF), no store, no conn. */
typedef void (*conn_work_fn)(void *arg);
/* Back on the main thread after the work; c == NULL if the connection is gone. */
typedef void (*conn_done_fn)(struct fio_conn *c, void *arg);

struct fio_server *conn_server(struct fio_conn *c);
uid_t conn_uid(const struct fio_conn *c);
gid_t conn_gid(const struct fio_conn *c);
pid_t conn_pid(const struct fio_conn *c);

int conn_info(struct fio_conn *c, uint32_t kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* One RECORD of n key/value pairs. */
int conn_record(struct fio_conn *c, uint32_t n, const char *const *keys, const char *const *values);
/* Sends PROMPT and waits (answer_timeout) for its ANSWER; fn is called with it.
 * Any other message, or a late one, closes the connection. */
int conn_prompt(struct fio_conn *c, uint32_t style, uint32_t flags, const char *text,
                conn_answer_fn fn, void *arg);
/* Queues VERDICT; the connection closes once it is written. */
void conn_verdict(struct fio_conn *c, uint32_t result, uint32_t authtok_len);
/* Runs work(arg) on a worker, then done(c, arg) on the main thread. 0 or -1
 * (queue full: the caller answers FIO_RESULT_UNAVAILABLE). */
int conn_work(struct fio_conn *c, conn_work_fn work, conn_done_fn done, void *arg);

#endif /* FIO_CONN_H */
