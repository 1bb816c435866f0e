/* The update of the index: the ingest pipeline into the index's sink
 * (index/sink.c), then the corpus read back; and the freshness question. */
#include "index/progress.h"
#include "index/sink.h"
#include "index/snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct embed_with {
    rv_index *idx;
    rv_embed_ctx *ctx;
    size_t embedded; /* for params.embed_limit */
} embed_with;

static rv_status embed_fn(void *user, const char *const *texts, const size_t *lens, size_t n,
                          float *out) {
    embed_with *e = user;
    size_t limit = e->idx->p.embed_limit;
    if (limit && e->embedded >= limit) /* the batch that crosses it still goes in */
        return rv_error_set(RV_ERR_CANCELLED, "index: embed limit of %zu chunks reached", limit);
    e->embedded += n;
    if (e->idx->p.embed) return e->idx->p.embed(e->idx->p.embed_user, texts, lens, n, out);
    return rv_embed_texts(e->ctx, texts, lens, n, out);
}

/* One pass of the pipeline into the store. */
static rv_status update_pass(rv_index *idx, rv_embed_ctx *ctx, const rv_chunk_params *cp,
                             rv_progress_fn progress, void *progress_user, rv_index_stats *stats,
                             int *racy) {
    rv_index_sink k;
    rv_ingest_sink sink;
    char sig[256];
    memset(&k, 0, sizeof k); /* freed below even when the chunker check fails first */
    rv_index_chunker_sig(sig, sizeof sig, cp);
    rv_status st = rv_store_want_chunker(idx->store, sig);
    if (st == RV_OK) st = rv_index_sink_open(&k, &sink, idx);
    if (st != RV_OK) {
        rv_index_sink_free(&k);
        return st;
    }
    k.kids_wanted = 1; /* vectors of the indexes below, by text hash */
    k.force_rechunk = rv_store_chunker_changed(idx->store);
    if (k.nold == 0) { /* nothing to re-chunk; a crash must not make it look so */
        k.record_chunker = k.force_rechunk;
        k.force_rechunk = 0;
    }
    /* First every file's chunks (and the vectors already stored for their
     * texts), so that searches meanwhile load them instead of chunking the
     * tree again; then the vectors, in the wanted order (index/embed.c). */
    embed_with ew = {idx, ctx, 0};
    rv_ingest_params ip = rv_index_ingest_params(idx, cp);
    ip.defer_embed = 1;
    ip.progress = progress;
    ip.progress_user = progress_user;
    rv_ingest_stats is;
    st = rv_ingest_run(&ip, &sink, &is);
    idx->last_times = rv_index_times_of(&is);
    size_t embedded = 0, reused = 0;
    if (st == RV_OK)
        st = rv_index_embed_pass(idx, embed_fn, &ew, idx->p.embed_limit ? 32 : idx->p.batch_chunks,
                                 !k.racy && !idx->beside_path, progress, progress_user,
                                 &embedded, &reused);
    stats->files_seen = is.files_seen;
    stats->files_changed = is.files_changed;
    stats->files_added = is.files_added;
    stats->files_removed = is.files_removed;
    stats->files_touched = is.files_touched;
    stats->chunks_embedded = embedded;
    stats->chunks_reused = is.chunks_reused + reused;
    *racy = k.racy;
    rv_index_sink_free(&k);
    return st;
}

/* The corpus after the pass, into idx->cached: from the snapshot when it is
 * of the current generation (nothing written since it was made), else from
 * the store, verified row by row, after which the snapshot is rewritten for
 * the next run (best effort) unless `save` is 0 (a file was stored RACY,
 * so the next run heals it and the snapshot would be stale at once: seconds
 * after an edit every query would write megabytes). The snapshot has no
 * embed_text: with load_embed_text the store is always read. */
rv_status rv_index_load_corpus(rv_index *idx, int save) {
    rv_corpus *c = &idx->cached;
    memset(c, 0, sizeof *c);
    uint64_t gen = 0, tgen = 0;
    rv_status st;
    if (!idx->p.load_embed_text) {
        if ((st = rv_store_generations(idx->store, &gen, &tgen)) != RV_OK) return st;
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
            c->text_generation = tgen;
            idx->have_cached = 1;
            return RV_OK;
        }
    }
    st = rv_store_load(idx->store, &c->chunks, &c->vectors, &c->dim, idx->p.load_embed_text, &gen,
                       &tgen);
    if (st != RV_OK) {
        rv_corpus_free(c);
        return st;
    }
    c->generation = gen;
    c->text_generation = tgen;
    idx->have_cached = 1;
    if (gen && save && !idx->p.load_embed_text) {
        struct stat sb;
        mode_t mode = stat(idx->db_path, &sb) == 0 ? sb.st_mode & 0666 : 0644;
        rv_snapshot_save(idx->snap_path, c, gen, mode);
    }
    return RV_OK;
}

/* Another process is writing: the last committed state, when there is
 * one (RV_ERR_NOT_FOUND: an empty index, or one whose chunks have no
 * vector yet, worth waiting for). */
static rv_status answer_committed(rv_index *idx, rv_index_stats *stats) {
    rv_store_info si;
    rv_status st = rv_store_info_get(idx->store, &si);
    if (st != RV_OK) return st;
    if (si.files == 0 || (si.chunks > 0 && si.vectorless == si.chunks)) return RV_ERR_NOT_FOUND;
    if (idx->p.info)
        idx->p.info(idx->p.note_user,
                    "another ripvec is updating the index: searching its last committed state");
    st = rv_index_load_corpus(idx, 0);
    if (st == RV_OK) stats->chunks_total = idx->cached.chunks.count;
    stats->stale = 1;
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
        rv_status st = rv_index_load_corpus(idx, 0);
        if (st == RV_OK) stats->chunks_total = idx->cached.chunks.count;
        stats->stale = 1;
        return st;
    }
    int busy = 0;
    rv_status st = (idx->p.no_wait || idx->p.if_idle) && !idx->beside_path
                       ? rv_index_try_lock(idx, &busy)
                       : rv_index_lock(idx);
    if (st != RV_OK) return st;
    if (busy && idx->p.if_idle)
        return rv_error_set(RV_ERR_BUSY, "another ripvec is updating the index");
    if (busy && (st = answer_committed(idx, stats)) != RV_ERR_NOT_FOUND) return st;
    if (busy && (st = rv_index_lock(idx)) != RV_OK) return st;
    if (idx->peeked) { /* opened to read while another wrote: now ours to write */
        rv_store_close(idx->store);
        idx->store = NULL;
        idx->peeked = 0;
        if ((st = rv_index_open_store(idx, idx->db_path, RV_STORE_OPEN)) != RV_OK) {
            rv_index_unlock(idx);
            return st;
        }
    }
    rv_index_recorder rec; /* what `index status` shows of this run */
    rv_index_recorder_start(&rec, idx->db_path, progress, progress_user);
    if (idx->need_rebuild) {
        rv_index_note(idx, "index %s is corrupt: rebuilding", idx->db_path);
        if ((st = rv_index_reset(idx)) != RV_OK) goto done;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        memset(stats, 0, sizeof *stats);
        int racy = 0;
        st = update_pass(idx, ctx, cp, rv_index_recorder_progress, &rec, stats, &racy);
        if (st == RV_OK && idx->beside_path) st = rv_index_swap_in(idx);
        if (st == RV_OK) st = rv_index_load_corpus(idx, !racy);
        if (st == RV_OK) stats->chunks_total = idx->cached.chunks.count;
        if (st != RV_ERR_CORRUPT || attempt == 1) break;
        rv_index_note(idx, "index %s is corrupt (%s): rebuilding", idx->db_path, rv_error_last());
        if ((st = rv_index_reset(idx)) != RV_OK) break;
    }
done:
    rv_index_recorder_finish(&rec, st == RV_OK);
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
    rv_index_sink k;
    rv_ingest_sink sink;
    if ((st = rv_index_sink_open(&k, &sink, idx)) == RV_OK) {
        rv_ingest_params ip = rv_index_ingest_params(idx, NULL);
        ip.on_skip = NULL; /* a look, not a walk that stores: the update reports */
        st = rv_ingest_check(&ip, &sink, fresh);
    }
    rv_index_sink_free(&k);
    return st;
}

/* Bytes of source per chunk, for estimates (docs/INDEX.md). */
#define RV_BYTES_PER_CHUNK 512

rv_status rv_index_estimate(rv_index *idx, size_t *chunks, size_t *files_pending) {
    *chunks = *files_pending = 0;
    if (!idx || !idx->store) return rv_error_set(RV_ERR_INVALID_ARG, "index: not open");
    rv_store_info si;
    rv_status st = rv_store_info_get(idx->store, &si);
    if (st != RV_OK) return st;
    rv_index_sink k;
    rv_ingest_sink sink;
    uint64_t bytes = 0;
    if ((st = rv_index_sink_open(&k, &sink, idx)) == RV_OK) {
        rv_ingest_params ip = rv_index_ingest_params(idx, NULL);
        ip.on_skip = NULL; /* the update that follows reports what it leaves out */
        st = rv_ingest_estimate(&ip, &sink, files_pending, &bytes);
    }
    rv_index_sink_free(&k);
    *chunks = (size_t)si.chunks + (size_t)((bytes + RV_BYTES_PER_CHUNK - 1) / RV_BYTES_PER_CHUNK);
    return st;
}
