/* The index as the ingest pipeline's sink (ingest/ingest.h): what is stored
 * for each file, vectors reused by text hash, one transaction per batch,
 * files gone from the walk dropped last. */
#include "index/sink.h"
#include "driver/threadpool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void hook(const rv_index *idx, const char *point) {
    if (idx->p.test_hook) idx->p.test_hook(idx->p.test_hook_user, point);
}

static const rv_store_file *find_old(const rv_index_sink *k, const char *rel) {
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
    rv_index_sink *k = self;
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
    const rv_index_sink *k = self;
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
    rv_index_sink *k = self;
    int found = rv_store_find_vector(k->idx->store, hash, vec);
    if (found != 0) return found;
    if (k->kids_wanted && !k->kids_opened) {
        k->kids_opened = 1;
        rv_index_sink_borrow_children(k, k->idx);
    }
    return k->nkids ? rv_index_sink_kids_find(k, hash, vec) : 0;
}

static size_t sink_count(void *self) {
    return ((const rv_index_sink *)self)->nold;
}

static void sink_drop(void *self, int64_t id) {
    rv_index_sink *k = self;
    for (size_t i = 0; i < k->nold; i++)
        if (k->old[i].id == id) k->seen[i] = 0;
}

/* One transaction writes all files of the batch. */
static rv_status sink_commit(void *self, rv_ingest_batch *b) {
    rv_index_sink *k = self;
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
                b->vectors ? b->vectors + bf->first * dim : NULL,
                b->has_vec ? b->has_vec + bf->first : NULL, bf->count);
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

/* Gone files last, so that the batches could reuse their vectors (texts that
 * moved between files). */
static rv_status sink_finish(void *self, rv_ingest_stats *stats) {
    rv_index_sink *k = self;
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
rv_status rv_index_sink_open(rv_index_sink *k, rv_ingest_sink *out, rv_index *idx) {
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

void rv_index_sink_free(rv_index_sink *k) {
    rv_store_files_free(k->old, k->nold);
    free(k->seen);
    rv_index_sink_kids_close(k);
    memset(k, 0, sizeof *k);
}

/* The pipeline's parameters for this index. */
rv_ingest_params rv_index_ingest_params(rv_index *idx, const rv_chunk_params *cp) {
    rv_ingest_params ip = rv_ingest_default_params();
    ip.root = idx->root;
    ip.walk = idx->have_walk ? &idx->walk : NULL;
    ip.skip_rel = idx->skip_rel;
    ip.chunk = cp;
    ip.dim = idx->dim;
    ip.batch_chunks = idx->p.batch_chunks;
    ip.batch_files = 512;
    ip.threads = idx->p.threads > 0 ? idx->p.threads : rv_cpu_count();
    ip.on_skip = idx->p.on_skip;
    ip.skip_user = idx->p.skip_user;
    ip.order = idx->p.order;
    ip.order_user = idx->p.order_user;
    ip.test_hook = idx->p.test_hook;
    ip.test_hook_user = idx->p.test_hook_user;
    return ip;
}

rv_index_times rv_index_times_of(const rv_ingest_stats *is) {
    return (rv_index_times){is->walk_s, is->read_s, is->chunk_s, is->commit_s};
}

rv_index_times rv_index_last_times(const rv_index *idx) {
    rv_index_times none = {0, 0, 0, 0};
    return idx ? idx->last_times : none;
}
