/* The ingest pipeline: walk, read, chunk, then batches to embed and commit
 * (ingest/batch.c); files are read and chunked on every thread of the run
 * (ingest/read.c). See ingest.h for the contract. */
#include "driver/threadpool.h"
#include "ingest/ingest_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

/* Files that grew past the walk's limit after it looked at them. */
#define READ_LIMIT_DEFAULT ((uint64_t)64 << 20)

rv_ingest_params rv_ingest_default_params(void) {
    rv_ingest_params p;
    memset(&p, 0, sizeof p);
    return p;
}

void rv_ingest_hash(uint8_t out[16], const void *data, size_t len) {
    XXH128_hash_t h = XXH3_128bits(data, len);
    for (int i = 0; i < 8; i++) { /* big-endian, high half first */
        out[i] = (uint8_t)(h.high64 >> (56 - 8 * i));
        out[8 + i] = (uint8_t)(h.low64 >> (56 - 8 * i));
    }
}

static double elapsed(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

void rv_ingest_report(rv_ingest_run_state *r, const char *phase) {
    if (!r->p->progress) return;
    rv_progress pr = {.phase = phase,
                      .files_done = r->cand_done,
                      .files_total = r->cand_total,
                      .chunks_done = r->stats->chunks_embedded,
                      .chunks_total = r->chunks_to_embed,
                      .elapsed_s = elapsed(&r->t0),
                      .bytes_done = r->bytes_done,
                      .bytes_total = r->bytes_total};
    r->p->progress(r->p->progress_user, &pr);
}

size_t rv_progress_chunks_estimate(const rv_progress *p) {
    double est = (double)p->chunks_total;
    if (p->bytes_done && p->bytes_total > p->bytes_done)
        est *= (double)p->bytes_total / (double)p->bytes_done;
    else if (!p->bytes_total && p->files_done && p->files_total > p->files_done)
        est *= (double)p->files_total / (double)p->files_done;
    size_t n = (size_t)(est + 0.5);
    return n < p->chunks_done ? p->chunks_done : n;
}

void rv_ingest_hook(rv_ingest_run_state *r, const char *point) {
    if (r->p->test_hook) r->p->test_hook(r->p->test_hook_user, point);
}

/* ---- walking ---- */

typedef struct wfile {
    char *rel, *path;
    int64_t size, mtime_ns, ino;
    int order;       /* rv_ingest_params.order; 0 without */
    size_t repo_len; /* rv_walk_entry.repo_len */
    size_t seq;      /* walk position, for a stable sort */
} wfile;

typedef struct walked {
    wfile *v;
    size_t n, cap;
    const char *skip;
    size_t skip_len, skipped;
    rv_status err;
    const rv_ingest_params *p;
    const rv_ingest_sink *sink;
} walked;

/* The walk's mtime as stored, saturated (an absurd mtime must not overflow,
 * nor become RACY). */
static int64_t entry_mtime_ns(const rv_walk_entry *e) {
    const int64_t s = e->mtime_sec;
    if (s >= INT64_MAX / 1000000000LL - 1) return INT64_MAX;
    if (s <= INT64_MIN / 1000000000LL + 1) return INT64_MIN + 1;
    return s * 1000000000LL + e->mtime_nsec;
}

static int on_walk_known(void *user, const char *rel, rv_walk_held *held) {
    const walked *w = user;
    return w->sink->known(w->sink->self, rel, held);
}

static int on_walk_file(void *user, const rv_walk_entry *e) {
    walked *w = user;
    if (w->skip_len && strncmp(e->rel, w->skip, w->skip_len) == 0 &&
        (e->rel[w->skip_len] == '/' || e->rel[w->skip_len] == 0))
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 1024;
        wfile *nv = realloc(w->v, cap * sizeof *nv);
        if (!nv) goto oom;
        w->v = nv;
        w->cap = cap;
    }
    wfile *f = &w->v[w->n];
    f->rel = strdup(e->rel);
    f->path = strdup(e->path);
    if (!f->rel || !f->path) {
        free(f->rel);
        free(f->path);
        goto oom;
    }
    f->size = (int64_t)e->size;
    f->mtime_ns = entry_mtime_ns(e);
    f->ino = (int64_t)e->ino;
    f->repo_len = e->repo_len < strlen(e->rel) ? e->repo_len : 0;
    f->order = w->p->order ? w->p->order(w->p->order_user, f->rel) : 0;
    f->seq = w->n;
    w->n++;
    return 0;
oom:
    w->err = rv_error_set(RV_ERR_NOMEM, "out of memory walking");
    return 1;
}

static void on_walk_skip(void *user, const char *path, rv_walk_skip why, const char *detail) {
    walked *w = user;
    w->skipped++;
    if (w->p->on_skip) w->p->on_skip(w->p->skip_user, path, why, detail);
}

static int cmp_wfile(const void *a, const void *b) {
    const wfile *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return strcmp(x->rel, y->rel);
}

static int cmp_wfile_walk(const void *a, const void *b) {
    const wfile *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void walked_free(walked *w) {
    for (size_t i = 0; i < w->n; i++) {
        free(w->v[i].rel);
        free(w->v[i].path);
    }
    free(w->v);
    memset(w, 0, sizeof *w);
}

/* Walks p->root into w (sorted by rel unless p->walk_order). */
static rv_status walk_all(walked *w, const rv_ingest_params *p, const rv_ingest_sink *sink) {
    memset(w, 0, sizeof *w);
    w->p = p;
    w->sink = sink;
    w->skip = p->skip_rel ? p->skip_rel : "";
    w->skip_len = strlen(w->skip);
    rv_walk_params wp = p->walk ? *p->walk : rv_walk_default_params();
    wp.known = sink->known ? on_walk_known : NULL;
    wp.known_user = w;
    rv_status st = rv_walk(p->root, &wp, on_walk_file, on_walk_skip, w);
    if (st != RV_OK) return w->err != RV_OK ? w->err : st;
    if (w->n > 1 && (!p->walk_order || p->order))
        qsort(w->v, w->n, sizeof *w->v, p->walk_order ? cmp_wfile_walk : cmp_wfile);
    return RV_OK;
}

static int stat_equal(const wfile *f, const rv_ingest_held *h) {
    return h->id >= 0 && !h->rechunk && f->size == h->size && f->mtime_ns == h->mtime_ns &&
           f->ino == h->ino;
}

/* ---- taking what a worker read, in walk order ---- */

/* A file that is new, whose stat changed, or that must be re-chunked, as
 * read: its chunks join the batch; unchanged content only heals the held
 * stat. *gone = 1 when it could not be read. */
static rv_status take(rv_ingest_run_state *r, rv_ingest_read *f, int *gone) {
    rv_ingest_batch_state *b = &r->batch;
    const rv_ingest_held *h = f->held;
    *gone = f->gone;
    rv_ingest_hook(r, "file-read");
    if (f->gone) {
        rv_error_set(RV_ERR_IO, "%s", f->err ? f->err : "unreadable");
        return RV_OK;
    }
    if (f->st != RV_OK) return rv_error_set(f->st, "%s", f->err ? f->err : "chunking failed");
    rv_ingest_file *bf = rv_ingest_batch_add(b, f->rel);
    if (!bf) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    bf->id = h->id;
    bf->size = f->size;
    bf->mtime_ns = f->mtime_ns;
    bf->ino = f->ino;
    memcpy(bf->hash, f->hash, 16);
    if (f->heal_only) {
        bf->heal_only = 1;
        r->stats->files_touched++;
        return RV_OK;
    }
    rv_chunk_list *cl = &b->chunks;
    size_t n = f->chunks.count;
    if (cl->count + n > cl->cap) {
        size_t cap = cl->cap ? cl->cap : 64;
        while (cap < cl->count + n)
            cap *= 2;
        rv_chunk *ni = realloc(cl->items, cap * sizeof *ni);
        if (!ni) {
            b->nfiles--;
            return rv_error_set(RV_ERR_NOMEM, "out of memory");
        }
        cl->items = ni;
        cl->cap = cap;
    }
    bf->first = cl->count;
    if (n) memcpy(cl->items + cl->count, f->chunks.items, n * sizeof *cl->items);
    cl->count += n;
    bf->count = n;
    free(f->chunks.items); /* the strings are the batch's now */
    memset(&f->chunks, 0, sizeof f->chunks);
    r->chunks_to_embed += n;
    if (h->id >= 0)
        r->stats->files_changed++;
    else
        r->stats->files_added++;
    return RV_OK;
}

/* Files read ahead per reading thread: enough to keep every thread busy,
 * few enough to bound the chunks held before they join a batch. */
#define WINDOW_PER_THREAD 16

rv_status rv_ingest_run(const rv_ingest_params *p, const rv_ingest_sink *sink,
                        rv_ingest_stats *stats) {
    rv_ingest_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!p || !p->root || !sink || !sink->commit)
        return rv_error_set(RV_ERR_INVALID_ARG, "ingest: bad arguments");
    rv_chunk_params defaults = rv_chunk_default_params();
    rv_ingest_run_state r = {.p = p, .sink = sink, .stats = stats};
    r.cp = p->chunk ? p->chunk : &defaults;
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    double cpu0 = rv_ingest_cpu_s();
    rv_ingest_held *held = NULL;
    rv_ingest_read *win = NULL; /* the files read ahead, nwin of them not taken yet */
    size_t nwin = 0;
    walked w;
    rv_status st = walk_all(&w, p, sink);
    if (st != RV_OK) goto done;
    stats->files_seen = w.n;
    r.read_limit = p->walk && p->walk->max_filesize ? p->walk->max_filesize : READ_LIMIT_DEFAULT;
    if (!(held = malloc((w.n ? w.n : 1) * sizeof *held))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* What each file needs: counted first, for progress. */
    for (size_t i = 0; i < w.n; i++) {
        held[i].id = -1;
        if (sink->lookup && (st = sink->lookup(sink->self, w.v[i].rel, &held[i])) != RV_OK)
            goto done;
        if (!stat_equal(&w.v[i], &held[i])) {
            r.cand_total++;
            r.bytes_total += w.v[i].size;
        }
    }
    rv_ingest_report(&r, "walk");
    stats->walk_s = rv_ingest_cpu_s() - cpu0;
    int nt = p->threads < 1 ? 1 : p->threads;
    if (nt > RV_INGEST_MAX_THREADS) nt = RV_INGEST_MAX_THREADS;
    if ((size_t)nt > r.cand_total) nt = r.cand_total ? (int)r.cand_total : 1; /* no idle threads */
    if (nt > 1 && (st = rv_threadpool_create(&r.pool, nt)) != RV_OK) goto done;
    size_t cap = (size_t)nt * WINDOW_PER_THREAD;
    if (!(win = calloc(cap, sizeof *win))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < w.n;) {
        /* the next window: files that need a read, with their walk index */
        size_t n = 0;
        for (; i < w.n && n < cap; i++) {
            if (stat_equal(&w.v[i], &held[i])) continue;
            win[n] = (rv_ingest_read){.rel = w.v[i].rel,
                                      .path = w.v[i].path,
                                      .held = &held[i],
                                      .repo_len = w.v[i].repo_len};
            n++;
        }
        nwin = n;
        rv_ingest_read_window(&r, win, n);
        for (size_t k = 0; k < n; k++) {
            int unreadable;
            if ((st = take(&r, &win[k], &unreadable)) != RV_OK) goto done;
            r.cand_done++;
            if (win[k].size > 0) r.bytes_done += (uint64_t)win[k].size;
            if (unreadable) {
                stats->files_skipped++;
                if (p->on_skip)
                    p->on_skip(p->skip_user, win[k].path, RV_WALK_SKIP_VANISHED, rv_error_last());
                if (win[k].held->id >= 0 && sink->drop) sink->drop(sink->self, win[k].held->id);
            }
            if ((p->batch_chunks && r.batch.chunks.count >= p->batch_chunks) ||
                (p->batch_files && r.batch.nfiles >= p->batch_files)) {
                if ((st = rv_ingest_flush(&r)) != RV_OK) goto done;
                rv_ingest_report(&r, "chunk");
            }
        }
        for (size_t k = 0; k < n; k++)
            rv_ingest_read_clear(&win[k]);
        nwin = 0;
    }
    if ((st = rv_ingest_flush(&r)) != RV_OK) goto done;
    if (sink->finish) st = sink->finish(sink->self, stats);
done:
    stats->files_skipped += w.skipped;
    for (size_t k = 0; k < nwin; k++)
        rv_ingest_read_clear(&win[k]);
    free(win);
    rv_threadpool_free(r.pool);
    rv_ingest_batch_free(&r.batch);
    free(held);
    walked_free(&w);
    return st;
}

rv_status rv_ingest_check(const rv_ingest_params *p, const rv_ingest_sink *sink, int *fresh) {
    *fresh = 0;
    if (!p || !p->root || !sink || !sink->lookup || !sink->count)
        return rv_error_set(RV_ERR_INVALID_ARG, "ingest: bad arguments");
    walked w;
    rv_status st = walk_all(&w, p, sink);
    size_t same = 0;
    for (size_t i = 0; st == RV_OK && i < w.n; i++) {
        rv_ingest_held h = {.id = -1};
        if ((st = sink->lookup(sink->self, w.v[i].rel, &h)) != RV_OK) break;
        if (!stat_equal(&w.v[i], &h)) break;
        same++;
    }
    if (st == RV_OK) *fresh = same == w.n && sink->count(sink->self) == w.n;
    walked_free(&w);
    return st;
}

rv_status rv_ingest_estimate(const rv_ingest_params *p, const rv_ingest_sink *sink, size_t *files,
                             uint64_t *bytes) {
    *files = 0;
    *bytes = 0;
    if (!p || !p->root || !sink || !sink->lookup)
        return rv_error_set(RV_ERR_INVALID_ARG, "ingest: bad arguments");
    walked w;
    rv_status st = walk_all(&w, p, sink);
    for (size_t i = 0; st == RV_OK && i < w.n; i++) {
        rv_ingest_held h = {.id = -1};
        if ((st = sink->lookup(sink->self, w.v[i].rel, &h)) != RV_OK) break;
        if (stat_equal(&w.v[i], &h)) continue;
        (*files)++;
        *bytes += (uint64_t)w.v[i].size;
    }
    walked_free(&w);
    return st;
}
