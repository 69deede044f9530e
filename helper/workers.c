/*
 * workers.c - a bounded pool of threads for slow CPU work. Jobs are queued
 * FIFO; finished jobs go to a done list and the eventfd wakes the loop.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "workers.h"

struct job {
	struct job *next;
	void (*work)(void *);
	void (*done)(void *);
	void *arg;
};

struct fio_workers {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail; /* waiting */
	struct job *finished;    /* done list (LIFO; reversed on drain) */
	unsigned queued, qmax, nthreads, busy;
	int efd;
	int stopping;
	pthread_t *threads;
};

static void *
worker_main(void *p)
{
	struct fio_workers *w = p;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct job *j;
		uint64_t one = 1;

		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->head == NULL)
			break;
		j = w->head;
		w->head = j->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->queued--;
		w->busy++;
		pthread_mutex_unlock(&w->mu);
		j->work(j->arg);
		pthread_mutex_lock(&w->mu);
		w->busy--;
		j->next = w->finished;
		w->finished = j;
		if (write(w->efd, &one, sizeof(one)) != sizeof(one))
			log_err("cannot signal the event loop");
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct fio_workers *
fio_workers_new(unsigned n, unsigned qmax)
{
	struct fio_workers *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->qmax = qmax;
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->threads = calloc(n, sizeof(*w->threads));
	if (w->efd < 0 || w->threads == NULL || pthread_mutex_init(&w->mu, NULL) != 0 ||
	    pthread_cond_init(&w->cv, NULL) != 0)
		goto fail;
	for (w->nthreads = 0; w->nthreads < n; w->nthreads++) {
		if (pthread_create(&w->threads[w->nthreads], NULL, worker_main, w) != 0)
			goto fail;
	}
	return w;
fail:
	log_err("cannot start %u worker threads", n);
	fio_workers_free(w);
	return NULL;
}

int
fio_workers_fd(const struct fio_workers *w)
{
	return w->efd;
}

int
fio_workers_submit(struct fio_workers *w, void (*work)(void *), void (*done)(void *), void *arg)
{
	struct job *j;

	pthread_mutex_lock(&w->mu);
	if (w->queued >= w->qmax || w->stopping) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	pthread_mutex_unlock(&w->mu);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&w->mu);
	if (w->tail != NULL)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->queued++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void
fio_workers_drain(struct fio_workers *w)
{
	struct job *list, *rev = NULL;
	uint64_t v;

	if (read(w->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing signalled; the list may still hold jobs. */
	}
	pthread_mutex_lock(&w->mu);
	list = w->finished;
	w->finished = NULL;
	pthread_mutex_unlock(&w->mu);
	while (list != NULL) {
		struct job *n = list->next;

		list->next = rev;
		rev = list;
		list = n;
	}
	while (rev != NULL) {
		struct job *n = rev->next;

		rev->done(rev->arg);
		free(rev);
		rev = n;
	}
}

void
fio_workers_free(struct fio_workers *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->head != NULL || w->busy > 0)
		pthread_cond_wait(&w->cv, &w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	fio_workers_drain(w);
	free(w->threads);
	if (w->efd >= 0)
		close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
