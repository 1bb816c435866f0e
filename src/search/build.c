/* A corpus built in memory, without the index: walk, chunk, embed. */
#include "search/internal.h"

#include "util/fs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Texts per rv_embed_texts call: small enough for a lively progress line,
 * large enough for the engine to batch well. */
#define RV_EMBED_BATCH 128

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct walk_state {
    rv_searcher *s;
    rv_chunk_params cp;
    rv_status st;
    size_t files, skipped;
    double t0, last_report;
} walk_state;

static void report(rv_searcher *s, const char *phase, size_t files_done, size_t files_total,
                   size_t chunks_done, size_t chunks_total, double t0) {
    if (!s->progress) return;
    rv_progress p;
    memset(&p, 0, sizeof p);
    p.phase = phase;
    p.files_done = files_done;
    p.files_total = files_total;
    p.chunks_done = chunks_done;
    p.chunks_total = chunks_total;
    p.elapsed_s = now_s() - t0;
    s->progress(s->progress_user, &p);
}

static int on_file(void *user, const rv_walk_entry *e) {
    walk_state *w = user;
    rv_searcher *s = w->s;
    char *data = NULL;
    size_t len = 0;
    uint64_t lim = s->walk.max_filesize ? s->walk.max_filesize : (uint64_t)SIZE_MAX - 1;
    rv_status st = rv_read_file(&data, &len, e->path, lim > SIZE_MAX - 1 ? SIZE_MAX - 1 : lim);
    if (st != RV_OK) {
        /* vanished or unreadable since the walk looked at it: skip, go on */
        w->skipped++;
        if (s->on_skip) s->on_skip(s->skip_user, e->path, "unreadable", rv_error_last());
        return 0;
    }
    st = rv_chunk_file(&s->corpus.chunks, e->rel, data, len, &w->cp);
    free(data);
    if (st != RV_OK) {
        w->st = st;
        return 1;
    }
    w->files++;
    double t = now_s();
    if (t - w->last_report > 0.1) {
        w->last_report = t;
        report(s, "chunk", w->files, 0, 0, s->corpus.chunks.count, w->t0);
    }
    return 0;
}

static void on_skip(void *user, const char *path, rv_walk_skip why, const char *detail) {
    walk_state *w = user;
    w->skipped++;
    if (w->s->on_skip) w->s->on_skip(w->s->skip_user, path, rv_walk_skip_name(why), detail);
}

typedef struct by_len {
    size_t len;
    size_t id;
} by_len;

static int cmp_len(const void *a, const void *b) {
    const by_len *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static const char *text_of(const rv_chunk *c) {
    return c->embed_text ? c->embed_text : (c->content ? c->content : "");
}

/* Embeds every chunk; texts go in length order so each engine batch holds
 * similar lengths (less padding in attention), rows land at their chunk. */
static rv_status embed_all(rv_searcher *s, double t0, size_t files) {
    rv_status st = RV_OK;
    size_t n = s->corpus.chunks.count, dim = rv_model_dim(s->model);
    by_len *order = NULL;
    float *tmp = NULL;
    if (n == 0) return RV_OK;
    if (dim == 0 || n > SIZE_MAX / dim / sizeof(float))
        return rv_error_set(RV_ERR_NOMEM, "corpus too large");
    s->corpus.vectors = malloc(n * dim * sizeof(float));
    s->corpus.dim = dim;
    order = malloc(n * sizeof *order);
    tmp = malloc((size_t)RV_EMBED_BATCH * dim * sizeof(float));
    if (!s->corpus.vectors || !order || !tmp) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        order[i].id = i;
        order[i].len = strlen(text_of(&s->corpus.chunks.items[i]));
    }
    qsort(order, n, sizeof *order, cmp_len);
    report(s, "embed", files, files, 0, n, t0);
    for (size_t b = 0; b < n; b += RV_EMBED_BATCH) {
        size_t m = n - b < RV_EMBED_BATCH ? n - b : RV_EMBED_BATCH;
        const char *texts[RV_EMBED_BATCH];
        size_t lens[RV_EMBED_BATCH];
        for (size_t i = 0; i < m; i++) {
            texts[i] = text_of(&s->corpus.chunks.items[order[b + i].id]);
            lens[i] = order[b + i].len;
        }
        if ((st = rv_embed_texts(s->ctx, texts, lens, m, tmp)) != RV_OK) goto done;
        for (size_t i = 0; i < m; i++)
            memcpy(s->corpus.vectors + order[b + i].id * dim, tmp + i * dim, dim * sizeof(float));
        report(s, "embed", files, files, b + m, n, t0);
    }
done:
    free(order);
    free(tmp);
    return st;
}

rv_status rv_search_build_fresh(rv_searcher *s, rv_refresh_stats *stats) {
    walk_state w;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.cp = rv_search_chunk_params(s);
    w.t0 = now_s();
    rv_status st = rv_walk(s->root, &s->walk, on_file, on_skip, &w);
    if (st == RV_ERR_CANCELLED && w.st != RV_OK) st = w.st;
    if (st != RV_OK) return st;
    s->files = w.files;
    report(s, "chunk", w.files, w.files, 0, s->corpus.chunks.count, w.t0);
    if (s->model && (st = embed_all(s, w.t0, w.files)) != RV_OK) return st;
    report(s, "done", w.files, w.files, s->corpus.chunks.count, s->corpus.chunks.count, w.t0);
    stats->files_changed = w.files;
    stats->files_skipped = w.skipped;
    stats->chunks_embedded = s->model ? s->corpus.chunks.count : 0;
    return RV_OK;
}
