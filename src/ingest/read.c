/* Reading, hashing and chunking the files of a window on every thread of
 * the run. Each file's result lands in its own slot, so what the pipeline
 * takes from the window (in order, on the calling thread) does not depend
 * on which thread read which file. */
#include "driver/threadpool.h"
#include "ingest/ingest_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A file whose mtime is this close to "now" when it is read may still be
 * written within the same timestamp tick (FAT has 2 s ticks). */
#define RACY_NS 3000000000LL

/* Reads path whole; *sb is the stat of the bytes read (fstat before reading:
 * a later write changes the stat, so the next run looks again). RV_ERR_IO
 * when it vanished, is no longer a regular file or grew past the limit. */
static rv_status read_whole(const char *path, uint64_t limit, char **out, size_t *len,
                            struct stat *sb) {
    *out = NULL;
    *len = 0;
    rv_status st = RV_OK;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
    if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode) || (uint64_t)sb->st_size > limit) {
        st = rv_error_set(RV_ERR_IO, "%s: not a readable regular file within limits", path);
        goto done;
    }
    size_t cap = (size_t)sb->st_size + 1, n = 0;
    if (!(buf = malloc(cap + 1))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory reading %s", path);
        goto done;
    }
    for (;;) {
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            st = rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
            goto done;
        }
        if (k == 0) break;
        n += (size_t)k;
        if (n == cap) { /* grew while we read: take it next time */
            st = rv_error_set(RV_ERR_IO, "%s: changed while reading", path);
            goto done;
        }
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    buf = NULL;
done:
    free(buf);
    close(fd);
    return st;
}

static int64_t stored_mtime(const struct stat *sb) {
    int64_t m = (int64_t)sb->st_mtim.tv_sec * 1000000000LL + sb->st_mtim.tv_nsec;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t n = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
    return n - m < RACY_NS ? RV_INGEST_RACY : m;
}

double rv_ingest_cpu_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static rv_status chunk_one(const rv_ingest_run_state *r, rv_ingest_read *f, const char *data,
                           size_t len) {
    rv_chunk_params cp = *r->cp;
    cp.header_skip = f->repo_len;
    return rv_chunk_file(&f->chunks, f->rel, data, len, &cp);
}

/* One file: read, hash and, unless its content is the held one, chunk. */
static void read_one(const rv_ingest_run_state *r, rv_ingest_read *f, double *read_s,
                     double *chunk_s) {
    char *data = NULL;
    size_t len = 0;
    struct stat sb;
    double t0 = rv_ingest_cpu_s();
    if (read_whole(f->path, r->read_limit, &data, &len, &sb) != RV_OK) {
        f->gone = 1;
        f->err = strdup(rv_error_last());
        *read_s += rv_ingest_cpu_s() - t0;
        return;
    }
    f->size = (int64_t)sb.st_size;
    f->mtime_ns = stored_mtime(&sb);
    f->ino = (int64_t)sb.st_ino;
    rv_ingest_hash(f->hash, data, len);
    double t1 = rv_ingest_cpu_s();
    *read_s += t1 - t0;
    const rv_ingest_held *h = f->held;
    if (h->id >= 0 && memcmp(f->hash, h->hash, 16) == 0 && !h->rechunk) {
        f->heal_only = 1;
    } else if ((f->st = chunk_one(r, f, data, len)) != RV_OK) {
        rv_chunk_list_free(&f->chunks);
        f->err = strdup(rv_error_last());
    }
    *chunk_s += rv_ingest_cpu_s() - t1;
    free(data);
}

typedef struct window {
    const rv_ingest_run_state *r;
    rv_ingest_read *files;
    size_t n;
    size_t *order; /* claim order: largest file first (NULL: walk order) */
    atomic_size_t next;
    double read_s[RV_INGEST_MAX_THREADS], chunk_s[RV_INGEST_MAX_THREADS];
} window;

static void read_task(void *arg, int tid, int nthreads) {
    (void)nthreads;
    window *w = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&w->next, 1);
        if (i >= w->n) break;
        if (w->order) i = w->order[i];
        read_one(w->r, &w->files[i], &w->read_s[tid], &w->chunk_s[tid]);
    }
}

/* Sizes from a stat, for the claim order only (the read fstats again). */
typedef struct by_size {
    int64_t size;
    size_t i;
} by_size;

static int cmp_size_desc(const void *a, const void *b) {
    const by_size *x = a, *y = b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Largest first: the window ends when its slowest thread does, and one big
 * file claimed last would leave the other threads idle (each file keeps its
 * slot, so what is taken does not change). NULL when one thread reads. */
static size_t *claim_order(const rv_ingest_run_state *r, const rv_ingest_read *files, size_t n) {
    if (!r->pool || n < 2) return NULL;
    by_size *v = malloc(n * sizeof *v);
    size_t *o = malloc(n * sizeof *o);
    if (!v || !o) {
        free(v);
        free(o);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        v[i].size = stat(files[i].path, &sb) == 0 ? (int64_t)sb.st_size : 0;
        v[i].i = i;
    }
    qsort(v, n, sizeof *v, cmp_size_desc);
    for (size_t i = 0; i < n; i++)
        o[i] = v[i].i;
    free(v);
    return o;
}

void rv_ingest_read_window(rv_ingest_run_state *r, rv_ingest_read *files, size_t n) {
    window w = {.r = r, .files = files, .n = n, .order = claim_order(r, files, n)};
    atomic_init(&w.next, 0);
    if (r->pool)
        rv_threadpool_run(r->pool, read_task, &w);
    else
        read_task(&w, 0, 1);
    free(w.order);
    for (int t = 0; t < RV_INGEST_MAX_THREADS; t++) {
        r->stats->read_s += w.read_s[t];
        r->stats->chunk_s += w.chunk_s[t];
    }
}

void rv_ingest_read_clear(rv_ingest_read *f) {
    rv_chunk_list_free(&f->chunks);
    free(f->err);
    memset(f, 0, sizeof *f);
}
