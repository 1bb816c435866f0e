/* A searcher without an index: the ingest pipeline into memory, and the
 * freshness question for both kinds of searcher. */
#include "driver/threadpool.h"
#include "search/internal.h"

#include <string.h>

static rv_status embed_ctx(void *user, const char *const *texts, const size_t *lens, size_t n,
                           float *out) {
    return rv_embed_texts(user, texts, lens, n, out);
}

static void on_skip(void *user, const char *path, rv_walk_skip why, const char *detail) {
    const rv_searcher *s = user;
    if (s->on_skip) s->on_skip(s->skip_user, path, rv_walk_skip_name(why), detail);
}

/* Texts per embed call: small enough for a lively progress line, large
 * enough for the engine to batch well. */
#define RV_EMBED_SLICE 128

rv_status rv_search_build_memory(rv_searcher *s, rv_refresh_stats *stats) {
    rv_ingest_memory m;
    memset(&m, 0, sizeof m);
    rv_ingest_sink sink = rv_ingest_memory_sink(&m);
    rv_chunk_params cp = rv_search_chunk_params(s);
    rv_ingest_params ip = rv_ingest_default_params();
    ip.root = s->root;
    ip.walk = &s->walk;
    ip.chunk = &cp;
    ip.walk_order = 1;
    ip.threads = s->threads > 0 ? s->threads : rv_cpu_count();
    ip.on_skip = on_skip;
    ip.skip_user = s;
    ip.progress = s->progress;
    ip.progress_user = s->progress_user;
    if (s->model) {
        ip.embed = embed_ctx;
        ip.embed_user = s->ctx;
        ip.dim = rv_model_dim(s->model);
        ip.embed_slice = RV_EMBED_SLICE;
    }
    rv_ingest_stats is;
    rv_status st = rv_ingest_run(&ip, &sink, &is);
    if (st != RV_OK) {
        rv_ingest_memory_clear(&m);
        return st;
    }
    rv_ingest_memory_seal(&m);
    s->corpus = m.corpus;
    memset(&m.corpus, 0, sizeof m.corpus);
    rv_ingest_memory_clear(&s->built);
    s->built = m;
    s->files = m.nfiles;
    size_t n = s->corpus.chunks.count;
    if (s->progress) {
        rv_progress p = {.phase = "done",
                         .files_done = m.nfiles,
                         .files_total = m.nfiles,
                         .chunks_done = n,
                         .chunks_total = n};
        s->progress(s->progress_user, &p);
    }
    stats->files_changed = m.nfiles;
    stats->files_skipped = is.files_skipped;
    stats->chunks_embedded = s->model ? n : 0;
    return RV_OK;
}

rv_status rv_searcher_fresh(rv_searcher *s, int *fresh) {
    if (!s || !fresh) return rv_error_set(RV_ERR_INVALID_ARG, "searcher: NULL");
    *fresh = 0;
    if (!s->loaded) return RV_OK;
    if (s->idx) return rv_index_fresh(s->idx, s->corpus.generation, fresh);
    rv_ingest_sink sink = rv_ingest_memory_sink(&s->built);
    rv_ingest_params ip = rv_ingest_default_params();
    ip.root = s->root;
    ip.walk = &s->walk;
    return rv_ingest_check(&ip, &sink, fresh);
}
