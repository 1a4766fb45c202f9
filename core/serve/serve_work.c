/* serve_work.c - the worker threads that run scans and checks, so the HTTP
 * threads never block on a scan (the connection is suspended meanwhile). */
#include "config.h"
#include "serve_int.h"

#include <stdlib.h>

struct job {
	void (*fn)(void *);
	void *arg;
};

struct pg_workq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *q; /* owned ring of max_queued */
	size_t head, n, max;
	unsigned busy; /* workers running a job */
	bool stop;
	pthread_t *threads; /* owned */
	unsigned nthreads;
};

static void *worker(void *arg)
{
	struct pg_workq *q = arg;
	struct job j;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (!q->n && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		if (!q->n) { /* stopping and drained */
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		j = q->q[q->head];
		q->head = (q->head + 1) % q->max;
		q->n--;
		q->busy++;
		pthread_mutex_unlock(&q->lock);
		j.fn(j.arg);
		pthread_mutex_lock(&q->lock);
		q->busy--;
		pthread_mutex_unlock(&q->lock);
	}
}

struct pg_workq *pg_workq_new(unsigned threads, unsigned max_queued)
{
	struct pg_workq *q = pg_xcalloc(1, sizeof(*q));

	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->max = max_queued;
	q->q = pg_xcalloc(max_queued, sizeof(*q->q));
	q->threads = pg_xcalloc(threads, sizeof(*q->threads));
	for (; q->nthreads < threads; q->nthreads++)
		if (pthread_create(&q->threads[q->nthreads], NULL, worker, q) != 0)
			break;
	if (!q->nthreads) {
		pg_workq_free(q);
		return NULL;
	}
	return q;
}

bool pg_workq_submit(struct pg_workq *q, void (*fn)(void *), void *arg)
{
	bool ok;

	pthread_mutex_lock(&q->lock);
	ok = q->n < q->max && !q->stop;
	if (ok) {
		q->q[(q->head + q->n) % q->max] = (struct job){ fn, arg };
		q->n++;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

void pg_workq_load(struct pg_workq *q, unsigned *busy, size_t *queued)
{
	pthread_mutex_lock(&q->lock);
	*busy = q->busy;
	*queued = q->n;
	pthread_mutex_unlock(&q->lock);
}

void pg_workq_free(struct pg_workq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (unsigned i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	free(q->threads);
	free(q->q);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
