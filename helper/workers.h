/*
 * workers.h - a bounded pool of threads for slow CPU work (password hashing,
 * recovery-code KDF). Completions come back to the event loop through an
 * eventfd; the loop calls fio_workers_drain() when it is readable.
 */
#ifndef FIO_WORKERS_H
#define FIO_WORKERS_H

#include <stddef.h>

struct fio_workers;

/* n threads, at most qmax jobs waiting. */
struct fio_workers *fio_workers_new(unsigned n, unsigned qmax);
/* The eventfd the loop polls for completions. */
int fio_workers_fd(const struct fio_workers *w);
/* Queues work(arg); done(arg) runs on the loop thread from drain. 0 or -1 (full). */
int fio_workers_submit(struct fio_workers *w, void (*work)(void *), void (*done)(void *),
                       void *arg);
/* Runs done() of every finished job. */
void fio_workers_drain(struct fio_workers *w);
/* Waits for running jobs, runs their done(), stops the threads. */
void fio_workers_free(struct fio_workers *w);

#endif /* FIO_WORKERS_H */
