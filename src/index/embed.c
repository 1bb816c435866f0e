/* The embedding pass: the chunk pass (index/update.c) commits every file's
 * chunks first, without the vectors it could not reuse; this pass fills
 * them in, file by file in the wanted order, one transaction per batch of
 * whole files. Each commit keeps the text generation, so the keyword index
 * made after the chunk pass stays valid while vectors arrive. */
#include "index/sink.h"
#include "index/snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void hook(const rv_index *idx, const char *point) {
    if (idx->p.test_hook) idx->p.test_hook(idx->p.test_hook_user, point);
}

typedef struct pend {
    const rv_store_file *f;
    int order;
} pend;

static int cmp_pend(const void *a, const void *b) {
    const pend *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return strcmp(x->f->rel, y->f->rel);
}

/* The committed corpus, kept up to date batch by batch and saved as the
 * snapshot of each new generation, so that a search meanwhile maps it
 * instead of reading and verifying every row. Saving is skipped while it
 * would take more than a tenth of the pass's time (big trees;
 * rv_index_params.snapshot_share). */
typedef struct live {
    rv_corpus c;
    int ok;
    mode_t mode;
    double saving, last; /* seconds spent saving; when the last save ended */
} live;

static double mono_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void live_open(rv_index *idx, live *lv, int snapshots) {
    memset(lv, 0, sizeof *lv);
    struct stat sb;
    lv->mode = stat(idx->db_path, &sb) == 0 ? sb.st_mode & 0666 : 0644;
    if (idx->p.load_embed_text || !snapshots) return; /* no snapshots then */
    if (idx->have_cached) rv_corpus_free(&idx->cached);
    idx->have_cached = 0;
    double t0 = mono_s();
    if (rv_index_load_corpus(idx, 1) != RV_OK) return; /* saves the snapshot */
    lv->c = idx->cached;
    memset(&idx->cached, 0, sizeof idx->cached);
    idx->have_cached = 0;
    lv->ok = 1;
    lv->last = mono_s();
    lv->saving = lv->last - t0;
}

/* First row of path in the corpus (grouped and sorted by path), or SIZE_MAX. */
static size_t live_find(const live *lv, const char *path) {
    size_t lo = 0, hi = lv->c.chunks.count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(lv->c.chunks.items[mid].path, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < lv->c.chunks.count && strcmp(lv->c.chunks.items[lo].path, path) == 0 ? lo
                                                                                     : SIZE_MAX;
}

/* A batch: whole files, their chunks (with embed_text) and vectors. */
typedef struct ebatch {
    const rv_store_file **files;
    size_t *first, nfiles;
    rv_chunk_list chunks;
    uint8_t (*th)[16];
    float *vec;
    unsigned char *has;
    size_t cap; /* of th, vec, has */
} ebatch;

static void ebatch_reset(ebatch *b) {
    for (size_t i = 0; i < b->chunks.count; i++)
        rv_chunk_clear(&b->chunks.items[i]);
    b->chunks.count = 0;
    b->nfiles = 0;
}

static void ebatch_free(ebatch *b) {
    ebatch_reset(b);
    free(b->chunks.items);
    free(b->files);
    free(b->first);
    free(b->th);
    free(b->vec);
    free(b->has);
    memset(b, 0, sizeof *b);
}

/* Appends file f's stored chunks. */
static rv_status ebatch_add(rv_index *idx, ebatch *b, const rv_store_file *f) {
    size_t dim = idx->dim, base = b->chunks.count;
    uint8_t(*th)[16] = NULL;
    float *vec = NULL;
    unsigned char *has = NULL;
    rv_status st = rv_store_file_chunks(idx->store, f->id, f->rel, &b->chunks, &th, &vec, &has);
    if (st != RV_OK) return st;
    size_t n = b->chunks.count - base;
    if (b->chunks.count > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->chunks.count)
            cap *= 2;
        uint8_t(*nth)[16] = realloc(b->th, cap * sizeof *nth);
        if (nth) b->th = nth;
        float *nvec = realloc(b->vec, cap * dim * sizeof *nvec);
        if (nvec) b->vec = nvec;
        unsigned char *nhas = realloc(b->has, cap);
        if (nhas) b->has = nhas;
        if (!nth || !nvec || !nhas) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        b->cap = cap;
    }
    if (n) {
        memcpy(b->th + base, th, n * sizeof *th);
        memcpy(b->vec + base * dim, vec, n * dim * sizeof *vec);
        memcpy(b->has + base, has, n);
    }
    b->files[b->nfiles] = f;
    b->first[b->nfiles] = base;
    b->nfiles++;
done:
    free(th);
    free(vec);
    free(has);
    return st;
}

/* Vectors for the chunks of b that have none: stored under the same text
 * (an earlier batch, another file), the same text earlier in b, or
 * embedded. */
static rv_status ebatch_fill(rv_index *idx, ebatch *b, rv_ingest_embed_fn embed, void *embed_user,
                             size_t *embedded, size_t *reused) {
    size_t n = b->chunks.count, dim = idx->dim, nneed = 0;
    size_t *need = malloc((n ? n : 1) * sizeof *need);
    const char **texts = malloc((n ? n : 1) * sizeof *texts);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    float *tmp = NULL;
    rv_status st = RV_OK;
    if (!need || !texts || !lens) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (b->has[i]) continue;
        int found = rv_store_find_vector(idx->store, b->th[i], b->vec + i * dim);
        if (found < 0) {
            st = (rv_status)found;
            goto done;
        }
        if (found) {
            b->has[i] = 1;
            (*reused)++;
            continue;
        }
        size_t k = 0; /* the same text to embed earlier in the batch: embedded once */
        while (k < nneed && memcmp(b->th[need[k]], b->th[i], 16) != 0)
            k++;
        if (k < nneed) continue; /* copied below */
        const char *et = b->chunks.items[i].embed_text;
        texts[nneed] = et;
        lens[nneed] = strlen(et);
        need[nneed++] = i;
    }
    if (nneed) {
        if (!(tmp = malloc(nneed * dim * sizeof *tmp))) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        if ((st = embed(embed_user, texts, lens, nneed, tmp)) != RV_OK) goto done;
        for (size_t k = 0; k < nneed; k++) {
            memcpy(b->vec + need[k] * dim, tmp + k * dim, dim * sizeof *tmp);
            b->has[need[k]] = 1;
        }
        *embedded += nneed;
    }
    for (size_t i = 0; i < n; i++) { /* duplicates of a text embedded just now */
        if (b->has[i]) continue;
        for (size_t k = 0; k < nneed; k++)
            if (memcmp(b->th[need[k]], b->th[i], 16) == 0) {
                memcpy(b->vec + i * dim, b->vec + need[k] * dim, dim * sizeof *tmp);
                b->has[i] = 1;
                (*reused)++;
                break;
            }
    }
done:
    free(tmp);
    free(need);
    free(texts);
    free(lens);
    return st;
}

/* After b's commit: its vectors into the live corpus, then (unless that
 * would cost too much) the snapshot of the new generation. */
static void live_update(rv_index *idx, live *lv, const ebatch *b) {
    if (!lv->ok) return;
    size_t dim = idx->dim;
    for (size_t i = 0; i < b->nfiles; i++) {
        size_t first = b->first[i];
        size_t n = (i + 1 < b->nfiles ? b->first[i + 1] : b->chunks.count) - first;
        size_t at = live_find(lv, b->files[i]->rel);
        if (at == SIZE_MAX || at + n > lv->c.chunks.count) {
            lv->ok = 0; /* not the corpus committed: no more snapshots */
            return;
        }
        memcpy(lv->c.vectors + at * dim, b->vec + first * dim, n * dim * sizeof(float));
    }
    double t0 = mono_s(), share = idx->p.snapshot_share > 0 ? idx->p.snapshot_share : 0.1;
    if (lv->saving > share * (t0 - lv->last + lv->saving)) return;
    uint64_t gen = 0;
    if (rv_store_generation(idx->store, &gen) != RV_OK || !gen) return;
    rv_snapshot_save(idx->snap_path, &lv->c, gen, lv->mode);
    lv->last = mono_s();
    lv->saving = lv->last - t0;
}

/* One transaction: every file of b rewritten with its vectors, its stat
 * and content hash as stored (nothing else writes while the lock is held). */
static rv_status ebatch_commit(rv_index *idx, ebatch *b) {
    rv_status st = rv_store_begin(idx->store);
    if (st != RV_OK) return st;
    for (size_t i = 0; i < b->nfiles && st == RV_OK; i++) {
        const rv_store_file *f = b->files[i];
        size_t first = b->first[i];
        size_t n = (i + 1 < b->nfiles ? b->first[i + 1] : b->chunks.count) - first;
        st = rv_store_put_file(idx->store, f->rel, f->size, f->mtime_ns, f->ino, f->hash,
                               b->chunks.items + first, (const uint8_t(*)[16])(b->th + first),
                               b->vec + first * idx->dim, b->has + first, n);
        hook(idx, "file-written");
    }
    if (st == RV_OK) st = rv_store_commit_vectors(idx->store);
    if (st != RV_OK) {
        rv_store_rollback(idx->store);
        return st;
    }
    hook(idx, "batch-committed");
    return RV_OK;
}

rv_status rv_index_embed_pass(rv_index *idx, rv_ingest_embed_fn embed, void *embed_user,
                              size_t batch, int snapshots, rv_progress_fn progress,
                              void *progress_user, size_t *embedded, size_t *reused) {
    *embedded = *reused = 0;
    int64_t *ids = NULL;
    size_t nids = 0, nfiles = 0, np = 0;
    live lv;
    memset(&lv, 0, sizeof lv);
    rv_store_file *files = NULL;
    pend *p = NULL;
    ebatch b;
    memset(&b, 0, sizeof b);
    rv_store_info si;
    rv_status st = rv_store_pending_files(idx->store, &ids, &nids);
    if (st != RV_OK || !nids) goto done;
    if ((st = rv_store_info_get(idx->store, &si)) != RV_OK) goto done;
    if ((st = rv_store_files(idx->store, &files, &nfiles)) != RV_OK) goto done;
    p = malloc(nids * sizeof *p);
    b.files = malloc(nids * sizeof *b.files);
    b.first = malloc(nids * sizeof *b.first);
    if (!p || !b.files || !b.first) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++) { /* ids ascending: a binary search each */
        size_t lo = 0, hi = nids;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ids[mid] < files[i].id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == nids || ids[lo] != files[i].id) continue;
        p[np].f = &files[i];
        p[np].order = idx->p.order ? idx->p.order(idx->p.order_user, files[i].rel) : 0;
        np++;
    }
    if (np > 1) qsort(p, np, sizeof *p, cmp_pend);
    live_open(idx, &lv, snapshots);
    /* (not for a rebuild beside the live index: its searches keep theirs) */
    if (lv.ok && lv.c.text_generation && idx->p.on_chunked)
        idx->p.on_chunked(idx->p.on_chunked_user, &lv.c);
    /* Progress: the chunks left to embed, and the bytes of their files,
     * all read already (so no estimate scales the total up). */
    size_t total = (size_t)si.vectorless, done_chunks = 0;
    uint64_t bytes = 0;
    double t0 = mono_s(); /* the progress line's rate and ETA are this pass's */
    for (size_t i = 0; i < np; i++)
        bytes += p[i].f->size > 0 ? (uint64_t)p[i].f->size : 0;
    for (size_t i = 0; i < np; i++) {
        if ((st = ebatch_add(idx, &b, p[i].f)) != RV_OK) goto done;
        if (b.chunks.count < batch && i + 1 < np) continue;
        if (progress) {
            rv_progress pr = {.phase = "embed", .files_done = i + 1 - b.nfiles, .files_total = np,
                              .chunks_done = done_chunks, .chunks_total = total,
                              .elapsed_s = mono_s() - t0, .bytes_done = bytes,
                              .bytes_total = bytes};
            progress(progress_user, &pr);
        }
        size_t before = *embedded + *reused;
        if ((st = ebatch_fill(idx, &b, embed, embed_user, embedded, reused)) != RV_OK) goto done;
        done_chunks += *embedded + *reused - before;
        hook(idx, "batch-embedded");
        if (progress) {
            rv_progress pr = {.phase = "write", .files_done = i + 1, .files_total = np,
                              .chunks_done = done_chunks, .chunks_total = total,
                              .elapsed_s = mono_s() - t0, .bytes_done = bytes,
                              .bytes_total = bytes};
            progress(progress_user, &pr);
        }
        if ((st = ebatch_commit(idx, &b)) != RV_OK) goto done;
        live_update(idx, &lv, &b);
        ebatch_reset(&b);
    }
done:
    rv_corpus_free(&lv.c);
    ebatch_free(&b);
    free(p);
    free(ids);
    rv_store_files_free(files, nfiles);
    return st;
}
