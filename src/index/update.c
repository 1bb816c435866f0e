/* The index as the ingest pipeline's sink (ingest/ingest.h): what is stored
 * for each file, vectors reused by text hash, one transaction per batch,
 * files gone from the walk dropped last; then the corpus read back. */
#include "index/index_int.h"
#include "index/snapshot.h"
#include "ingest/ingest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct isink {
    rv_index *idx;
    rv_store_file *old; /* the stored rows, sorted by rel */
    size_t nold;
    unsigned char *seen; /* per old row: walked (and readable) this time */
    int force_rechunk;   /* the chunker changed: every file is chunked again */
    int record_chunker;  /* empty index: the first commit records the chunker */
    int wrote;
    int racy; /* a file was stored RACY: the next run writes again */
} isink;

static void hook(const rv_index *idx, const char *point) {
    if (idx->p.test_hook) idx->p.test_hook(idx->p.test_hook_user, point);
}

static const rv_store_file *find_old(const isink *k, const char *rel) {
    size_t lo = 0, hi = k->nold;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rel, k->old[mid].rel);
        if (c == 0) return &k->old[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static rv_status sink_lookup(void *self, const char *rel, rv_ingest_held *h) {
    isink *k = self;
    const rv_store_file *o = find_old(k, rel);
    memset(h, 0, sizeof *h);
    h->id = -1;
    if (!o) return RV_OK;
    k->seen[o - k->old] = 1;
    h->id = o->id;
    h->size = o->size;
    h->mtime_ns = o->mtime_ns;
    h->ino = o->ino;
    memcpy(h->hash, o->hash, 16);
    h->rechunk = k->force_rechunk;
    return RV_OK;
}

/* The walk's fast path: the stored stat of `rel`, so the walk need not open
 * and sniff a file the pipeline will pass by on its stat (size, mtime and
 * inode, compared as the pipeline does). A RACY row is not offered: a file
 * stored within seconds of its mtime is sniffed and hashed as before. A file
 * that turned binary while keeping size, mtime and inode stays indexed: the
 * stat fast path already trusts such a stat for the content. */
static int sink_known(void *self, const char *rel, rv_walk_held *held) {
    const isink *k = self;
    if (k->force_rechunk) return 0;
    const rv_store_file *o = find_old(k, rel);
    if (!o || o->mtime_ns == RV_INGEST_RACY || o->size < 0) return 0;
    int64_t sec = o->mtime_ns / 1000000000LL, nsec = o->mtime_ns % 1000000000LL;
    if (nsec < 0) { /* before 1970: floor, as struct timespec has it */
        sec--;
        nsec += 1000000000LL;
    }
    held->size = (uint64_t)o->size;
    held->mtime_sec = sec;
    held->mtime_nsec = (int32_t)nsec;
    held->ino = (uint64_t)o->ino;
    return 1;
}

static int sink_find_vector(void *self, const uint8_t hash[16], float *vec) {
    const isink *k = self;
    return rv_store_find_vector(k->idx->store, hash, vec);
}

static size_t sink_count(void *self) {
    return ((const isink *)self)->nold;
}

static void sink_drop(void *self, int64_t id) {
    isink *k = self;
    for (size_t i = 0; i < k->nold; i++)
        if (k->old[i].id == id) k->seen[i] = 0;
}

/* One transaction writes all files of the batch. */
static rv_status sink_commit(void *self, rv_ingest_batch *b) {
    isink *k = self;
    rv_index *idx = k->idx;
    size_t dim = idx->dim;
    rv_status st = rv_store_begin(idx->store);
    if (st != RV_OK) return st;
    /* Stats alone leave the corpus as it was: the same generation then keeps
     * its snapshot and keyword index (a racy file healed seconds after an
     * edit would otherwise cost the next search both). */
    int stats_only = !k->record_chunker;
    for (size_t f = 0; f < b->nfiles && st == RV_OK; f++) {
        const rv_ingest_file *bf = &b->files[f];
        if (bf->mtime_ns == RV_INGEST_RACY) k->racy = 1;
        stats_only &= bf->heal_only;
        if (bf->heal_only) {
            st = rv_store_heal_file(idx->store, bf->id, bf->size, bf->mtime_ns, bf->ino);
        } else {
            st = rv_store_put_file(
                idx->store, bf->rel, bf->size, bf->mtime_ns, bf->ino, bf->hash,
                b->chunks.items + bf->first,
                (const uint8_t(*)[16])(b->text_hash ? b->text_hash + bf->first : NULL),
                b->vectors ? b->vectors + bf->first * dim : NULL, bf->count);
        }
        hook(idx, "file-written");
    }
    if (st == RV_OK && k->record_chunker) st = rv_store_touch_meta(idx->store);
    if (st == RV_OK)
        st = stats_only ? rv_store_commit_keep_generation(idx->store) : rv_store_commit(idx->store);
    if (st != RV_OK) {
        rv_store_rollback(idx->store);
        return st;
    }
    k->record_chunker = 0;
    k->wrote = 1;
    hook(idx, "batch-committed");
    return RV_OK;
}

/* Gone files last, so a renamed file found its old vectors in the batches. */
static rv_status sink_finish(void *self, rv_ingest_stats *stats) {
    isink *k = self;
    rv_index *idx = k->idx;
    size_t ngone = 0;
    for (size_t i = 0; i < k->nold; i++)
        ngone += !k->seen[i];
    if (!ngone && !k->wrote && !k->force_rechunk && !k->record_chunker) return RV_OK;
    rv_status st = rv_store_begin(idx->store);
    if (st != RV_OK) return st;
    for (size_t i = 0; i < k->nold && st == RV_OK; i++)
        if (!k->seen[i]) st = rv_store_delete_file(idx->store, k->old[i].id);
    if (st == RV_OK) st = rv_store_touch_meta(idx->store);
    /* The batches' commits gave their writes a generation already. */
    if (st == RV_OK)
        st = ngone || k->force_rechunk || k->record_chunker
                 ? rv_store_commit(idx->store)
                 : rv_store_commit_keep_generation(idx->store);
    if (st != RV_OK) rv_store_rollback(idx->store);
    stats->files_removed = ngone;
    return st;
}

/* The sink over the stored rows (k->old must be freed with sink_free). */
static rv_status sink_open(isink *k, rv_ingest_sink *out, rv_index *idx) {
    memset(k, 0, sizeof *k);
    k->idx = idx;
    rv_status st = rv_store_files(idx->store, &k->old, &k->nold);
    if (st != RV_OK) return st;
    if (!(k->seen = calloc(k->nold ? k->nold : 1, 1)))
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    *out = (rv_ingest_sink){.self = k,
                            .lookup = sink_lookup,
                            .known = sink_known,
                            .find_vector = sink_find_vector,
                            .commit = sink_commit,
                            .drop = sink_drop,
                            .finish = sink_finish,
                            .count = sink_count};
    return RV_OK;
}

static void sink_free(isink *k) {
    rv_store_files_free(k->old, k->nold);
    free(k->seen);
    memset(k, 0, sizeof *k);
}

typedef struct embed_with {
    rv_index *idx;
    rv_embed_ctx *ctx;
} embed_with;

static rv_status embed_fn(void *user, const char *const *texts, const size_t *lens, size_t n,
                          float *out) {
    const embed_with *e = user;
    if (e->idx->p.embed) return e->idx->p.embed(e->idx->p.embed_user, texts, lens, n, out);
    return rv_embed_texts(e->ctx, texts, lens, n, out);
}

/* The pipeline's parameters for this index. */
static rv_ingest_params ingest_params(rv_index *idx, const rv_chunk_params *cp) {
    rv_ingest_params ip = rv_ingest_default_params();
    ip.root = idx->root;
    ip.walk = idx->have_walk ? &idx->walk : NULL;
    ip.skip_rel = idx->skip_rel;
    ip.chunk = cp;
    ip.dim = idx->dim;
    ip.batch_chunks = idx->p.batch_chunks;
    ip.batch_files = 512;
    ip.on_skip = idx->p.on_skip;
    ip.skip_user = idx->p.skip_user;
    ip.test_hook = idx->p.test_hook;
    ip.test_hook_user = idx->p.test_hook_user;
    return ip;
}

/* One pass of the pipeline into the store. */
static rv_status update_pass(rv_index *idx, rv_embed_ctx *ctx, const rv_chunk_params *cp,
                             rv_progress_fn progress, void *progress_user, rv_index_stats *stats,
                             int *racy) {
    isink k;
    rv_ingest_sink sink;
    char sig[256];
    rv_index_chunker_sig(sig, sizeof sig, cp);
    rv_status st = rv_store_want_chunker(idx->store, sig);
    if (st == RV_OK) st = sink_open(&k, &sink, idx);
    if (st != RV_OK) {
        sink_free(&k);
        return st;
    }
    k.force_rechunk = rv_store_chunker_changed(idx->store);
    if (k.nold == 0) { /* nothing to re-chunk; a crash must not make it look so */
        k.record_chunker = k.force_rechunk;
        k.force_rechunk = 0;
    }
    embed_with ew = {idx, ctx};
    rv_ingest_params ip = ingest_params(idx, cp);
    ip.embed = embed_fn;
    ip.embed_user = &ew;
    ip.progress = progress;
    ip.progress_user = progress_user;
    rv_ingest_stats is;
    st = rv_ingest_run(&ip, &sink, &is);
    stats->files_seen = is.files_seen;
    stats->files_changed = is.files_changed;
    stats->files_added = is.files_added;
    stats->files_removed = is.files_removed;
    stats->files_touched = is.files_touched;
    stats->chunks_embedded = is.chunks_embedded;
    stats->chunks_reused = is.chunks_reused;
    *racy = k.racy;
    sink_free(&k);
    return st;
}

/* The corpus after the pass, into idx->cached: from the snapshot when it is
 * of the current generation (nothing written since it was made), else from
 * the store, verified row by row, after which the snapshot is rewritten for
 * the next run (best effort) unless `save` is 0 (a file was stored RACY,
 * so the next run heals it and the snapshot would be stale at once: seconds
 * after an edit every query would write megabytes). The snapshot has no
 * embed_text: with load_embed_text the store is always read. */
static rv_status load_corpus(rv_index *idx, int save) {
    rv_corpus *c = &idx->cached;
    memset(c, 0, sizeof *c);
    uint64_t gen = 0;
    rv_status st;
    if (!idx->p.load_embed_text) {
        if ((st = rv_store_generation(idx->store, &gen)) != RV_OK) return st;
        /* A file from before generations gets one now (an empty write
         * transaction bumps it), or it would never have a snapshot while
         * nothing changes. Best effort: a read-only file stays without.
         * A missing or unreadable key may be damage: meta is checked first. */
        if (!gen) {
            if ((st = rv_store_check_meta(idx->store)) != RV_OK) return st;
            if (rv_store_begin(idx->store) == RV_OK && rv_store_commit(idx->store) != RV_OK)
                rv_store_rollback(idx->store);
        }
        if (gen && rv_snapshot_load(c, idx->snap_path, gen, idx->dim) == RV_OK) {
            c->generation = gen;
            idx->have_cached = 1;
            return RV_OK;
        }
    }
    st = rv_store_load(idx->store, &c->chunks, &c->vectors, &c->dim, idx->p.load_embed_text, &gen);
    if (st != RV_OK) {
        rv_corpus_free(c);
        return st;
    }
    c->generation = gen;
    idx->have_cached = 1;
    if (gen && save && !idx->p.load_embed_text) {
        struct stat sb;
        mode_t mode = stat(idx->db_path, &sb) == 0 ? sb.st_mode & 0666 : 0644;
        rv_snapshot_save(idx->snap_path, c, gen, mode);
    }
    return RV_OK;
}

/* Another process is writing: the last committed state, when there is
 * one (RV_ERR_NOT_FOUND: an empty index, worth waiting for). */
static rv_status answer_committed(rv_index *idx, rv_index_stats *stats) {
    rv_store_info si;
    rv_status st = rv_store_info_get(idx->store, &si);
    if (st != RV_OK) return st;
    if (si.files == 0) return RV_ERR_NOT_FOUND;
    if (idx->p.info)
        idx->p.info(idx->p.note_user,
                    "another ripvec is updating the index: searching its last committed state");
    if ((st = load_corpus(idx, 0)) == RV_OK) stats->chunks_total = idx->cached.chunks.count;
    return st;
}

rv_status rv_index_update(rv_index *idx, rv_embed_ctx *ctx, const rv_chunk_params *cp,
                          rv_progress_fn progress, void *progress_user, rv_index_stats *stats) {
    rv_index_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    if (!idx || !idx->store) return rv_error_set(RV_ERR_INVALID_ARG, "index: not open");
    if (idx->p.mode == RV_INDEX_INSPECT)
        return rv_error_set(RV_ERR_INVALID_ARG, "index: opened read-only");
    if (!ctx && !idx->p.embed)
        return rv_error_set(RV_ERR_INVALID_ARG, "index: no embedding context");
    rv_chunk_params defaults = rv_chunk_default_params();
    if (!cp) cp = &defaults;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (idx->have_cached) {
        rv_corpus_free(&idx->cached);
        idx->have_cached = 0;
    }
    if (idx->readonly) { /* the last committed state, as it is */
        if (idx->p.info)
            idx->p.info(idx->p.note_user, "index is read-only: searching it without refreshing");
        rv_status st = load_corpus(idx, 0);
        if (st == RV_OK) stats->chunks_total = idx->cached.chunks.count;
        return st;
    }
    int busy = 0;
    rv_status st = idx->p.no_wait && !idx->beside_path ? rv_index_try_lock(idx, &busy)
                                                        : rv_index_lock(idx);
    if (st != RV_OK) return st;
    if (busy && (st = answer_committed(idx, stats)) != RV_ERR_NOT_FOUND) return st;
    if (busy && (st = rv_index_lock(idx)) != RV_OK) return st;
    if (idx->need_rebuild) {
        rv_index_note(idx, "index %s is corrupt: rebuilding", idx->db_path);
        if ((st = rv_index_reset(idx)) != RV_OK) goto done;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        memset(stats, 0, sizeof *stats);
        int racy = 0;
        st = update_pass(idx, ctx, cp, progress, progress_user, stats, &racy);
        if (st == RV_OK && idx->beside_path) st = rv_index_swap_in(idx);
        if (st == RV_OK) st = load_corpus(idx, !racy);
        if (st == RV_OK) stats->chunks_total = idx->cached.chunks.count;
        if (st != RV_ERR_CORRUPT || attempt == 1) break;
        rv_index_note(idx, "index %s is corrupt (%s): rebuilding", idx->db_path, rv_error_last());
        if ((st = rv_index_reset(idx)) != RV_OK) break;
    }
done:
    rv_index_unlock(idx);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    stats->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (st == RV_OK && progress) {
        rv_progress pr = {.phase = "done",
                          .files_done = stats->files_changed + stats->files_added,
                          .files_total = stats->files_changed + stats->files_added,
                          .chunks_done = stats->chunks_embedded,
                          .chunks_total = stats->chunks_embedded,
                          .elapsed_s = stats->seconds};
        progress(progress_user, &pr);
    }
    return st;
}

rv_status rv_index_fresh(rv_index *idx, uint64_t generation, int *fresh) {
    *fresh = 0;
    if (!idx || !idx->store) return rv_error_set(RV_ERR_INVALID_ARG, "index: not open");
    uint64_t gen = 0;
    rv_status st = rv_store_generation(idx->store, &gen);
    if (st != RV_OK || !gen || gen != generation) return st;
    isink k;
    rv_ingest_sink sink;
    if ((st = sink_open(&k, &sink, idx)) == RV_OK) {
        rv_ingest_params ip = ingest_params(idx, NULL);
        st = rv_ingest_check(&ip, &sink, fresh);
    }
    sink_free(&k);
    return st;
}
