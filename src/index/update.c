/* The incremental update of the index (see index.h for the contract). */
#include "index/index_int.h"
#include "index/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A file whose mtime is this close to "now" when it is read may still be
 * written within the same timestamp tick (FAT has 2 s ticks): its stat is
 * stored as RACY so the next run hashes it once more (git's "racy clean"). */
#define RACY_NS 3000000000LL
#define RACY INT64_MIN
/* Files that grew past the walk's limit after it looked at them. */
#define READ_LIMIT_DEFAULT ((uint64_t)64 << 20)

typedef struct wfile {
    char *rel, *path;
    int64_t size, mtime_ns, ino;
} wfile;

typedef struct walked {
    wfile *v;
    size_t n, cap;
    const char *skip;
    size_t skip_len;
    rv_status err;
    const rv_index *idx;
    /* The stored rows (sorted by rel) the `known` hook looks files up in;
     * NULL when every file must be looked at (re-chunking). */
    const rv_store_file *old;
    size_t nold;
} walked;

typedef struct bfile {
    const wfile *w;
    int64_t old_id; /* -1: new file */
    int64_t size, mtime_ns, ino;
    uint8_t hash[16];
    int heal_only;
    size_t first, count; /* its chunks in batch.chunks */
} bfile;

typedef struct batch {
    bfile *files;
    size_t nfiles, capfiles;
    rv_chunk_list chunks;
} batch;

typedef struct run {
    rv_index *idx;
    rv_embed_ctx *ctx;
    const rv_chunk_params *cp;
    rv_progress_fn progress;
    void *progress_user;
    rv_index_stats *stats;
    struct timespec t0;
    size_t cand_total, cand_done;
    int force_rechunk;
    int record_chunker; /* empty index: the first commit records the chunker */
    int wrote;
    int racy; /* a file was stored RACY: the next run writes again */
    uint64_t read_limit;
} run;

static double elapsed(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

static void report(run *r, const char *phase) {
    if (!r->progress) return;
    rv_progress pr = {.phase = phase,
                      .files_done = r->cand_done,
                      .files_total = r->cand_total,
                      .chunks_done = r->stats->chunks_embedded,
                      .chunks_total = 0,
                      .elapsed_s = elapsed(&r->t0)};
    r->progress(r->progress_user, &pr);
}

static void hook(run *r, const char *point) {
    if (r->idx->p.test_hook) r->idx->p.test_hook(r->idx->p.test_hook_user, point);
}

/* ---- walking ---- */

/* The walk's mtime as stored, saturated (an absurd mtime must not overflow,
 * nor become RACY). */
static int64_t entry_mtime_ns(const rv_walk_entry *e) {
    const int64_t s = e->mtime_sec;
    if (s >= INT64_MAX / 1000000000LL - 1) return INT64_MAX;
    if (s <= INT64_MIN / 1000000000LL + 1) return INT64_MIN + 1;
    return s * 1000000000LL + e->mtime_nsec;
}

static const rv_store_file *find_old(const walked *w, const char *rel) {
    size_t lo = 0, hi = w->nold;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rel, w->old[mid].rel);
        if (c == 0) return &w->old[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The walk's `known` hook: the stored stat of `rel`, so the walk need not
 * open and sniff a file the diff below will pass by on the stat fast path
 * (the walk compares size, mtime and inode, as the diff does). A RACY row is
 * not offered: a file stored within RACY_NS of its mtime is sniffed and
 * hashed as before. A file that turned binary while keeping size, mtime and
 * inode stays indexed: the stat fast path already trusts such a stat for
 * the content. */
static int on_walk_known(void *user, const char *rel, rv_walk_held *held) {
    const walked *w = user;
    if (!w->old) return 0;
    const rv_store_file *o = find_old(w, rel);
    if (!o || o->mtime_ns == RACY || o->size < 0) return 0;
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
    w->n++;
    return 0;
oom:
    w->err = rv_error_set(RV_ERR_NOMEM, "out of memory walking");
    return 1;
}

static void on_walk_skip(void *user, const char *path, rv_walk_skip why, const char *detail) {
    const walked *w = user;
    if (w->idx->p.on_skip) w->idx->p.on_skip(w->idx->p.skip_user, path, why, detail);
}

static int cmp_wfile(const void *a, const void *b) {
    return strcmp(((const wfile *)a)->rel, ((const wfile *)b)->rel);
}

static void walked_free(walked *w) {
    for (size_t i = 0; i < w->n; i++) {
        free(w->v[i].rel);
        free(w->v[i].path);
    }
    free(w->v);
    memset(w, 0, sizeof *w);
}

/* ---- reading one file ---- */

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
    return n - m < RACY_NS ? RACY : m;
}

/* ---- batches ---- */

static void batch_reset(batch *b) {
    rv_chunk_list_free(&b->chunks);
    b->nfiles = 0;
}

static void batch_free(batch *b) {
    rv_chunk_list_free(&b->chunks);
    free(b->files);
    memset(b, 0, sizeof *b);
}

static bfile *batch_add(batch *b) {
    if (b->nfiles == b->capfiles) {
        size_t cap = b->capfiles ? b->capfiles * 2 : 32;
        bfile *nf = realloc(b->files, cap * sizeof *nf);
        if (!nf) return NULL;
        b->files = nf;
        b->capfiles = cap;
    }
    bfile *f = &b->files[b->nfiles++];
    memset(f, 0, sizeof *f);
    return f;
}

static rv_status embed(run *r, const char *const *texts, const size_t *lens, size_t n, float *out) {
    rv_index *idx = r->idx;
    if (idx->p.embed) return idx->p.embed(idx->p.embed_user, texts, lens, n, out);
    if (!r->ctx) return rv_error_set(RV_ERR_INVALID_ARG, "index: no embedding context");
    return rv_embed_texts(r->ctx, texts, lens, n, out);
}

/* Vectors for every chunk of the batch: reused by text hash (earlier in the
 * batch, or anywhere in the index), else embedded in one call; then one
 * transaction writes all files of the batch. */
static rv_status flush(run *r, batch *b) {
    rv_index *idx = r->idx;
    size_t n = b->chunks.count, dim = idx->dim;
    rv_status st = RV_OK;
    uint8_t(*th)[16] = NULL;
    float *vecs = NULL, *tmp = NULL;
    size_t *need = NULL, *dup_of = NULL, *slots = NULL, nneed = 0, nslots = 0;
    const char **texts = NULL;
    size_t *lens = NULL;
    if (b->nfiles == 0) return RV_OK;
    if (n) {
        if (n > SIZE_MAX / dim / sizeof(float) / 2)
            return rv_error_set(RV_ERR_NOMEM, "batch too big");
        nslots = 1;
        while (nslots < 2 * n)
            nslots <<= 1;
        th = malloc(n * sizeof *th);
        vecs = malloc(n * dim * sizeof *vecs);
        need = malloc(n * sizeof *need);
        dup_of = malloc(n * sizeof *dup_of);
        slots = malloc(nslots * sizeof *slots);
        texts = malloc(n * sizeof *texts);
        lens = malloc(n * sizeof *lens);
        if (!th || !vecs || !need || !dup_of || !slots || !texts || !lens) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < nslots; i++)
            slots[i] = SIZE_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        const char *et = b->chunks.items[i].embed_text ? b->chunks.items[i].embed_text : "";
        size_t len = strlen(et);
        rv_store_hash128(th[i], et, len);
        dup_of[i] = SIZE_MAX;
        uint64_t key;
        memcpy(&key, th[i], sizeof key);
        size_t s = (size_t)key & (nslots - 1);
        while (slots[s] != SIZE_MAX && memcmp(th[slots[s]], th[i], 16) != 0)
            s = (s + 1) & (nslots - 1);
        if (slots[s] != SIZE_MAX) {
            dup_of[i] = slots[s];
            r->stats->chunks_reused++;
            continue;
        }
        slots[s] = i;
        int found = rv_store_find_vector(idx->store, th[i], vecs + i * dim);
        if (found < 0) {
            st = (rv_status)found;
            goto done;
        }
        if (found) {
            r->stats->chunks_reused++;
            continue;
        }
        texts[nneed] = et;
        lens[nneed] = len;
        need[nneed++] = i;
    }
    if (nneed) {
        if (!(tmp = malloc(nneed * dim * sizeof *tmp))) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        report(r, "embed");
        if ((st = embed(r, texts, lens, nneed, tmp)) != RV_OK) goto done;
        for (size_t k = 0; k < nneed; k++)
            memcpy(vecs + need[k] * dim, tmp + k * dim, dim * sizeof *vecs);
        r->stats->chunks_embedded += nneed;
    }
    for (size_t i = 0; i < n; i++)
        if (dup_of[i] != SIZE_MAX)
            memcpy(vecs + i * dim, vecs + dup_of[i] * dim, dim * sizeof *vecs);
    hook(r, "batch-embedded");
    report(r, "write");
    if ((st = rv_store_begin(idx->store)) != RV_OK) goto done;
    /* Stats alone leave the corpus as it was: the same generation then keeps
     * its snapshot and keyword index (a racy file healed seconds after an
     * edit would otherwise cost the next search both). */
    int stats_only = !r->record_chunker;
    for (size_t f = 0; f < b->nfiles && st == RV_OK; f++) {
        bfile *bf = &b->files[f];
        stats_only &= bf->heal_only;
        if (bf->heal_only) {
            st = rv_store_heal_file(idx->store, bf->old_id, bf->size, bf->mtime_ns, bf->ino);
        } else {
            st = rv_store_put_file(idx->store, bf->w->rel, bf->size, bf->mtime_ns, bf->ino,
                                   bf->hash, b->chunks.items + bf->first,
                                   (const uint8_t(*)[16])(th ? th + bf->first : NULL),
                                   vecs ? vecs + bf->first * dim : NULL, bf->count);
        }
        hook(r, "file-written");
    }
    if (st == RV_OK && r->record_chunker) st = rv_store_touch_meta(idx->store);
    if (st == RV_OK)
        st = stats_only ? rv_store_commit_keep_generation(idx->store) : rv_store_commit(idx->store);
    if (st != RV_OK) {
        rv_store_rollback(idx->store);
        goto done;
    }
    r->record_chunker = 0;
    r->wrote = 1;
    hook(r, "batch-committed");
done:
    free(th);
    free(vecs);
    free(tmp);
    free(need);
    free(dup_of);
    free(slots);
    free(texts);
    free(lens);
    batch_reset(b);
    return st;
}

/* A file that is new, whose stat changed, or that must be re-chunked. Reads
 * it; unchanged content only heals the stored stat. Returns 1 when the file
 * could not be read (the caller treats it as gone). */
static rv_status process(run *r, batch *b, const wfile *w, const rv_store_file *old, int *gone) {
    char *data = NULL;
    size_t len = 0;
    struct stat sb;
    *gone = 0;
    hook(r, "file-read");
    if (read_whole(w->path, r->read_limit, &data, &len, &sb) != RV_OK) {
        *gone = 1;
        return RV_OK;
    }
    rv_status st = RV_OK;
    bfile *bf = batch_add(b);
    if (!bf) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    bf->w = w;
    bf->old_id = old ? old->id : -1;
    bf->size = (int64_t)sb.st_size;
    bf->mtime_ns = stored_mtime(&sb);
    if (bf->mtime_ns == RACY) r->racy = 1;
    bf->ino = (int64_t)sb.st_ino;
    rv_store_hash128(bf->hash, data, len);
    if (old && memcmp(bf->hash, old->hash, 16) == 0 && !r->force_rechunk) {
        bf->heal_only = 1;
        r->stats->files_touched++;
        goto done;
    }
    bf->first = b->chunks.count;
    if ((st = rv_chunk_file(&b->chunks, w->rel, data, len, r->cp)) != RV_OK) {
        b->nfiles--; /* nothing of this file was added */
        goto done;
    }
    bf->count = b->chunks.count - bf->first;
    if (old)
        r->stats->files_changed++;
    else
        r->stats->files_added++;
done:
    free(data);
    return st;
}

/* One pass: walk, diff against the stored files, write changes in batches,
 * then drop the files that are gone. */
static rv_status update_pass(run *r) {
    rv_index *idx = r->idx;
    rv_status st;
    walked w = {0};
    rv_store_file *old = NULL;
    size_t nold = 0;
    int64_t *gone = NULL;
    size_t ngone = 0;
    batch b = {0};
    char sig[256];
    rv_index_chunker_sig(sig, sizeof sig, r->cp);
    if ((st = rv_store_want_chunker(idx->store, sig)) != RV_OK) goto done;
    r->force_rechunk = rv_store_chunker_changed(idx->store);
    /* The stored rows first: the walk asks them which files it need not
     * open (on_walk_known). */
    if ((st = rv_store_files(idx->store, &old, &nold)) != RV_OK) goto done;
    w.skip = idx->skip_rel;
    w.skip_len = strlen(idx->skip_rel);
    w.idx = idx;
    w.old = r->force_rechunk ? NULL : old;
    w.nold = nold;
    rv_walk_params wp = idx->have_walk ? idx->walk : rv_walk_default_params();
    wp.known = on_walk_known;
    wp.known_user = &w;
    st = rv_walk(idx->root, &wp, on_walk_file, on_walk_skip, &w);
    if (st != RV_OK) {
        if (w.err != RV_OK) st = w.err;
        goto done;
    }
    if (w.n > 1) qsort(w.v, w.n, sizeof *w.v, cmp_wfile);
    r->stats->files_seen = w.n;
    r->read_limit =
        idx->have_walk && idx->walk.max_filesize ? idx->walk.max_filesize : READ_LIMIT_DEFAULT;
    if (nold == 0) { /* nothing to re-chunk; a crash must not make it look so */
        r->record_chunker = r->force_rechunk;
        r->force_rechunk = 0;
    }
    if (!(gone = malloc((nold + w.n + 1) * sizeof *gone))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* Which files need a look: count first, for progress. */
    for (size_t i = 0, j = 0; i < w.n;) {
        int c = j < nold ? strcmp(w.v[i].rel, old[j].rel) : -1;
        if (c > 0) {
            j++;
            continue;
        }
        if (c < 0 || r->force_rechunk || w.v[i].size != old[j].size ||
            w.v[i].mtime_ns != old[j].mtime_ns || w.v[i].ino != old[j].ino)
            r->cand_total++;
        if (c == 0) j++;
        i++;
    }
    report(r, "walk");
    size_t i = 0, j = 0, batch_chunks = idx->p.batch_chunks;
    while (i < w.n || j < nold) {
        int c = i == w.n ? 1 : j == nold ? -1 : strcmp(w.v[i].rel, old[j].rel);
        if (c > 0) { /* stored, no longer walked */
            gone[ngone++] = old[j++].id;
            continue;
        }
        const rv_store_file *o = c == 0 ? &old[j] : NULL;
        const wfile *f = &w.v[i];
        i++;
        if (o) j++;
        if (o && !r->force_rechunk && f->size == o->size && f->mtime_ns == o->mtime_ns &&
            f->ino == o->ino)
            continue;
        int unreadable;
        if ((st = process(r, &b, f, o, &unreadable)) != RV_OK) goto done;
        r->cand_done++;
        if (unreadable && o) gone[ngone++] = o->id;
        if (b.chunks.count >= batch_chunks || b.nfiles >= 512) {
            if ((st = flush(r, &b)) != RV_OK) goto done;
            report(r, "chunk");
        }
    }
    if ((st = flush(r, &b)) != RV_OK) goto done;
    /* Gone files last, so a renamed file found its old vectors above. */
    if (ngone || r->wrote || r->force_rechunk || r->record_chunker) {
        if ((st = rv_store_begin(idx->store)) != RV_OK) goto done;
        for (size_t k = 0; k < ngone && st == RV_OK; k++)
            st = rv_store_delete_file(idx->store, gone[k]);
        if (st == RV_OK) st = rv_store_touch_meta(idx->store);
        /* The batches' commits gave their writes a generation already. */
        if (st == RV_OK)
            st = ngone || r->force_rechunk || r->record_chunker
                     ? rv_store_commit(idx->store)
                     : rv_store_commit_keep_generation(idx->store);
        if (st != RV_OK) rv_store_rollback(idx->store);
        r->stats->files_removed = ngone;
    }
done:
    batch_free(&b);
    free(gone);
    rv_store_files_free(old, nold);
    walked_free(&w);
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
    run r = {.idx = idx,
             .ctx = ctx,
             .cp = cp ? cp : &defaults,
             .progress = progress,
             .progress_user = progress_user,
             .stats = stats};
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    if (idx->have_cached) {
        rv_corpus_free(&idx->cached);
        idx->have_cached = 0;
    }
    rv_status st = rv_index_lock(idx);
    if (st != RV_OK) return st;
    if (idx->need_rebuild) {
        rv_index_note(idx, "index %s is corrupt: rebuilding", idx->db_path);
        if ((st = rv_index_reset(idx)) != RV_OK) goto done;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        memset(stats, 0, sizeof *stats);
        r.cand_total = r.cand_done = 0;
        r.wrote = r.racy = 0;
        st = update_pass(&r);
        if (st == RV_OK) st = load_corpus(idx, !r.racy);
        if (st == RV_OK) stats->chunks_total = idx->cached.chunks.count;
        if (st != RV_ERR_CORRUPT || attempt == 1) break;
        rv_index_note(idx, "index %s is corrupt (%s): rebuilding", idx->db_path, rv_error_last());
        if ((st = rv_index_reset(idx)) != RV_OK) break;
    }
done:
    rv_index_unlock(idx);
    stats->seconds = elapsed(&r.t0);
    if (st == RV_OK) report(&r, "done");
    return st;
}
