/*
 * driver/threadpool.h — a persistent pool of worker threads for one context.
 *
 *   rv_threadpool *tp;
 *   rv_threadpool_create(&tp, 4);                 // 3 workers + the caller
 *   rv_threadpool_run(tp, work, arg);             // work(arg, tid, n) on every thread
 *   rv_threadpool_free(tp);
 *
 * The calling thread takes part as tid 0, so a pool of 1 starts no thread.
 * Workers sleep on a condition variable between runs (no spinning: the
 * machine may be shared). One run at a time; run is not reentrant.
 */
#ifndef RV_DRIVER_THREADPOOL_H
#define RV_DRIVER_THREADPOOL_H

#include "ripvec/common.h"

typedef struct rv_threadpool rv_threadpool;

typedef void (*rv_task_fn)(void *arg, int tid, int nthreads);

/* nthreads <= 0 means all online cores. Caller frees with rv_threadpool_free. */
rv_status rv_threadpool_create(rv_threadpool **out, int nthreads);
void rv_threadpool_free(rv_threadpool *tp); /* NULL ok */

int rv_threadpool_size(const rv_threadpool *tp);

/* Runs fn(arg, tid, n) once on each of the n threads and returns when all
 * have finished. */
void rv_threadpool_run(rv_threadpool *tp, rv_task_fn fn, void *arg);

/* Number of online cores (at least 1). */
int rv_cpu_count(void);

/* Splits [0, total) into n nearly equal parts; part i is [*begin, *end). */
void rv_split_range(size_t total, int n, int i, size_t *begin, size_t *end);

#endif
