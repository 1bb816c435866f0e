/* Persistent worker pool (see threadpool.h). */
#include "driver/threadpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct rv_threadpool {
    int n;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t wake; /* workers wait for a new generation */
    pthread_cond_t done; /* caller waits for pending == 0 */
    unsigned long generation;
    int pending;
    int stop;
    rv_task_fn fn;
    void *arg;
};

typedef struct worker_arg {
    rv_threadpool *tp;
    int tid;
} worker_arg;

static void *worker_main(void *p) {
    worker_arg *wa = p;
    rv_threadpool *tp = wa->tp;
    int tid = wa->tid;
    free(wa);
    unsigned long seen = 0;
    pthread_mutex_lock(&tp->mu);
    for (;;) {
        while (!tp->stop && tp->generation == seen)
            pthread_cond_wait(&tp->wake, &tp->mu);
        if (tp->stop) break;
        seen = tp->generation;
        rv_task_fn fn = tp->fn;
        void *arg = tp->arg;
        pthread_mutex_unlock(&tp->mu);
        fn(arg, tid, tp->n);
        pthread_mutex_lock(&tp->mu);
        if (--tp->pending == 0) pthread_cond_signal(&tp->done);
    }
    pthread_mutex_unlock(&tp->mu);
    return NULL;
}

int rv_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

void rv_split_range(size_t total, int n, int i, size_t *begin, size_t *end) {
    size_t q = total / (size_t)n, r = total % (size_t)n, ui = (size_t)i;
    *begin = ui * q + (ui < r ? ui : r);
    *end = *begin + q + (ui < r ? 1 : 0);
}

rv_status rv_threadpool_create(rv_threadpool **out, int nthreads) {
    *out = NULL;
    if (nthreads <= 0) nthreads = rv_cpu_count();
    if (nthreads > 1024)
        return rv_error_set(RV_ERR_INVALID_ARG, "threads: %d is too many", nthreads);
    rv_threadpool *tp = calloc(1, sizeof *tp);
    if (!tp) return rv_error_set(RV_ERR_NOMEM, "thread pool: out of memory");
    tp->n = 1;
    pthread_mutex_init(&tp->mu, NULL);
    pthread_cond_init(&tp->wake, NULL);
    pthread_cond_init(&tp->done, NULL);
    if (nthreads > 1) {
        tp->threads = calloc((size_t)nthreads, sizeof *tp->threads);
        if (!tp->threads) {
            rv_threadpool_free(tp);
            return rv_error_set(RV_ERR_NOMEM, "thread pool: out of memory");
        }
    }
    /* tp->n counts the threads actually started (plus the caller), so a
     * failure half way leaves a pool that frees cleanly. */
    for (int i = 1; i < nthreads; i++) {
        worker_arg *wa = malloc(sizeof *wa);
        if (!wa) {
            rv_threadpool_free(tp);
            return rv_error_set(RV_ERR_NOMEM, "thread pool: out of memory");
        }
        wa->tp = tp;
        wa->tid = i;
        if (pthread_create(&tp->threads[i], NULL, worker_main, wa) != 0) {
            free(wa);
            rv_threadpool_free(tp);
            return rv_error_set(RV_ERR_NOMEM, "thread pool: cannot start thread %d", i);
        }
        tp->n = i + 1;
    }
    *out = tp;
    return RV_OK;
}

void rv_threadpool_free(rv_threadpool *tp) {
    if (!tp) return;
    pthread_mutex_lock(&tp->mu);
    tp->stop = 1;
    pthread_cond_broadcast(&tp->wake);
    pthread_mutex_unlock(&tp->mu);
    for (int i = 1; i < tp->n; i++)
        pthread_join(tp->threads[i], NULL);
    pthread_cond_destroy(&tp->done);
    pthread_cond_destroy(&tp->wake);
    pthread_mutex_destroy(&tp->mu);
    free(tp->threads);
    free(tp);
}

int rv_threadpool_size(const rv_threadpool *tp) {
    return tp->n;
}

void rv_threadpool_run(rv_threadpool *tp, rv_task_fn fn, void *arg) {
    if (tp->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    pthread_mutex_lock(&tp->mu);
    tp->fn = fn;
    tp->arg = arg;
    tp->pending = tp->n - 1;
    tp->generation++;
    pthread_cond_broadcast(&tp->wake);
    pthread_mutex_unlock(&tp->mu);
    fn(arg, 0, tp->n);
    pthread_mutex_lock(&tp->mu);
    while (tp->pending > 0)
        pthread_cond_wait(&tp->done, &tp->mu);
    pthread_mutex_unlock(&tp->mu);
}
