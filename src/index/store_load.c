/* Loading, inspecting and verifying the index store (see store.h). */
#include "index/store_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* rv_chunk.language is a static string; names read back from the file are
 * interned here for the life of the process (a handful of languages). */
static pthread_mutex_t g_lang_mu = PTHREAD_MUTEX_INITIALIZER;
static char *g_langs[128];
static size_t g_nlangs;

const char *rv_store_intern_language(const char *name) {
    const char *r = "text";
    pthread_mutex_lock(&g_lang_mu);
    for (size_t i = 0; i < g_nlangs; i++)
        if (strcmp(g_langs[i], name) == 0) {
            r = g_langs[i];
            goto done;
        }
    if (g_nlangs < sizeof g_langs / sizeof g_langs[0]) {
        char *c = strdup(name);
        if (c) r = g_langs[g_nlangs++] = c;
    }
done:
    pthread_mutex_unlock(&g_lang_mu);
    return r;
}

/* The vector matrix: megabytes filled once, front to back. On 2 MiB
 * boundaries with MADV_HUGEPAGE it costs a few page faults instead of one per
 * 4 KiB page (the faults were half the load time). Plain free() releases it. */
static float *alloc_matrix(size_t bytes) {
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge) return malloc(bytes ? bytes : 1);
    size_t rounded = (bytes + huge - 1) / huge * huge;
    void *p = aligned_alloc(huge, rounded);
    if (p) madvise(p, rounded, MADV_HUGEPAGE); /* a hint; failure is harmless */
    return p;
}

static rv_status count_rows(rv_store *s, const char *sql, int64_t *out) {
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "count");
    rc = sqlite3_step(q);
    rv_status st = RV_OK;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        st = rv_store_sql_fail(s, rc, "count");
    sqlite3_finalize(q);
    return st;
}

typedef struct lfile {
    int64_t id, nchunks;
    char *rel;
    size_t first; /* its chunks' first slot in (rel, seq) order */
} lfile;

static int cmp_lfile_rel(const void *a, const void *b) {
    return strcmp((*(const lfile *const *)a)->rel, (*(const lfile *const *)b)->rel);
}

static const lfile *find_file(const lfile *f, size_t n, int64_t id) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && f[lo].id == id ? &f[lo] : NULL;
}

#define CORRUPT(...)                                                                               \
    do {                                                                                           \
        st = rv_error_set(RV_ERR_CORRUPT, __VA_ARGS__);                                            \
        goto done;                                                                                 \
    } while (0)

/* Reads the whole index in one snapshot with two table scans (NOT INDEXED:
 * a damaged SQLite index cannot reorder, duplicate or hide rows), checking
 * every row's sum and that each file's chunks are exactly seq 0..nchunks-1.
 * Rows land directly in their (rel, seq) slot, found from the files table;
 * with `chunks` NULL it only verifies. */
static rv_status scan(rv_store *s, rv_chunk_list *chunks, float **vectors, int with_embed,
                      uint64_t *generation, uint64_t *text_generation) {
    rv_status st;
    sqlite3_stmt *q = NULL;
    lfile *files = NULL, **by_rel = NULL;
    size_t nfiles = 0, capfiles = 0, total = 0, got = 0;
    unsigned char *filled = NULL;
    float *mat = NULL;
    size_t base = chunks ? chunks->count : 0;
    size_t vbytes = rv_store_vec_bytes(s->dim);
    int rc;
    if ((st = rv_store_exec(s, "BEGIN")) != RV_OK) return st; /* one snapshot */
    /* meta is written by every commit: a write into a damaged page there
     * would otherwise go unseen until the next open. */
    if ((st = rv_store_check_meta(s)) != RV_OK) goto done;
    if (generation && (st = rv_store_generations(s, generation, text_generation)) != RV_OK)
        goto done;
    rc = sqlite3_prepare_v2(s->db, "SELECT id, rel, nchunks FROM files NOT INDEXED", -1, &q, NULL);
    if (rc != SQLITE_OK) {
        st = rv_store_sql_fail(s, rc, "load files");
        goto done;
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (nfiles == capfiles) {
            capfiles = capfiles ? capfiles * 2 : 256;
            lfile *nf = realloc(files, capfiles * sizeof *nf);
            if (!nf) {
                st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
                goto done;
            }
            files = nf;
        }
        lfile *f = &files[nfiles];
        f->id = sqlite3_column_int64(q, 0);
        f->nchunks = sqlite3_column_int64(q, 2);
        f->rel = rv_store_col_dup(q, 1);
        if (!f->rel) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
            goto done;
        }
        nfiles++;
        if ((nfiles > 1 && f->id <= files[nfiles - 2].id) || f->nchunks < 0 ||
            f->nchunks > 100000000 || (uint64_t)f->nchunks > SIZE_MAX / vbytes - total)
            CORRUPT("index %s: bad file row", s->path);
        total += (size_t)f->nchunks;
    }
    if (rc != SQLITE_DONE) {
        st = rv_store_sql_fail(s, rc, "load files");
        goto done;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (nfiles && !(by_rel = malloc(nfiles * sizeof *by_rel))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
        goto done;
    }
    for (size_t i = 0; i < nfiles; i++)
        by_rel[i] = &files[i];
    if (nfiles > 1) qsort(by_rel, nfiles, sizeof *by_rel, cmp_lfile_rel);
    for (size_t i = 0, at = 0; i < nfiles; i++) {
        if (i && strcmp(by_rel[i - 1]->rel, by_rel[i]->rel) == 0)
            CORRUPT("index %s: file %s twice", s->path, by_rel[i]->rel);
        by_rel[i]->first = at;
        at += (size_t)by_rel[i]->nchunks;
    }
    if (!(filled = calloc(total ? total : 1, 1))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
        goto done;
    }
    if (chunks) {
        size_t want = base + total;
        if (want > chunks->cap) {
            rv_chunk *ni = realloc(chunks->items, (want ? want : 1) * sizeof *ni);
            if (!ni) {
                st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
                goto done;
            }
            chunks->items = ni;
            chunks->cap = want;
        }
        /* Zeroed slots: a failure part-way frees what is there and no more. */
        if (total) memset(chunks->items + base, 0, total * sizeof *chunks->items);
        chunks->count = want;
        if (!(mat = alloc_matrix(total * s->dim * sizeof(float)))) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
            goto done;
        }
    }
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT file_id, seq, start_line, end_line, kind, name, scope, "
                            "language, content, embed_head, embed_tail, text_hash, vector, sum "
                            "FROM chunks NOT INDEXED",
                            -1, &q, NULL);
    if (rc != SQLITE_OK) {
        st = rv_store_sql_fail(s, rc, "load");
        goto done;
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const lfile *f = find_file(files, nfiles, sqlite3_column_int64(q, 0));
        int64_t seq = sqlite3_column_int64(q, 1);
        if (!f) CORRUPT("index %s: a chunk without its file", s->path);
        if (seq < 0 || seq >= f->nchunks || filled[f->first + (size_t)seq])
            CORRUPT("index %s: chunk %lld of %s out of place", s->path, (long long)seq, f->rel);
        size_t slot = f->first + (size_t)seq;
        filled[slot] = 1;
        rv_store_row row;
        if ((st = rv_store_row_read(s, q, 2, f->rel, seq, &row)) != RV_OK) goto done;
        got++;
        if (!chunks) continue;
        if (!rv_store_row_chunk(q, 2, &row, &chunks->items[base + slot], with_embed)) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
            goto done;
        }
        if (row.vec_bytes)
            rv_store_vec_decode(mat + slot * s->dim, row.vec, s->dim);
        else
            memset(mat + slot * s->dim, 0, s->dim * sizeof *mat);
    }
    if (rc != SQLITE_DONE) {
        st = rv_store_sql_fail(s, rc, "load");
        goto done;
    }
    if (got != total) CORRUPT("index %s: %zu of %zu chunks missing", s->path, total - got, total);
    st = RV_OK;
done:
    sqlite3_finalize(q);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    for (size_t i = 0; i < nfiles; i++)
        free(files[i].rel);
    free(files);
    free(by_rel);
    free(filled);
    if (st == RV_OK && vectors)
        *vectors = mat;
    else
        free(mat);
    return st;
}

rv_status rv_store_load(rv_store *s, rv_chunk_list *chunks, float **vectors, size_t *dim,
                        int with_embed_text, uint64_t *generation, uint64_t *text_generation) {
    *vectors = NULL;
    if (generation) *generation = 0;
    if (text_generation) *text_generation = 0;
    if (dim) *dim = s->dim;
    size_t before = chunks->count;
    rv_status st = scan(s, chunks, vectors, with_embed_text, generation, text_generation);
    if (st != RV_OK) {
        /* Drop the (zeroed or filled) slots this call appended. */
        for (size_t i = before; i < chunks->count; i++) {
            rv_chunk *c = &chunks->items[i];
            free(c->path);
            free(c->kind);
            free(c->name);
            free(c->scope);
            free(c->content);
            free(c->embed_text);
        }
        chunks->count = before;
    }
    return st;
}

rv_status rv_store_info_get(rv_store *s, rv_store_info *out) {
    memset(out, 0, sizeof *out);
    rv_status st;
    char buf[1024];
    int found;
    if ((st = count_rows(s, "SELECT count(*) FROM files", &out->files)) != RV_OK ||
        (st = count_rows(s, "SELECT count(*) FROM chunks", &out->chunks)) != RV_OK)
        return st;
    /* through the partial index chunks_novec (a format-1 file read as it is
     * has none, and no such chunk either: no scan then) */
    int64_t have_novec = 0;
    if ((st = count_rows(s,
                         "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                         "name = 'chunks_novec'",
                         &have_novec)) != RV_OK ||
        (have_novec &&
         (st = count_rows(s, "SELECT count(*) FROM chunks WHERE vector = x''", &out->vectorless)) !=
             RV_OK))
        return st;
    if ((st = rv_store_meta_get(s, "format_version", buf, sizeof buf, &found)) != RV_OK) return st;
    out->format_version = atoi(buf);
    if ((st = rv_store_meta_get(s, "created", buf, sizeof buf, &found)) != RV_OK) return st;
    out->created = atoll(buf);
    if ((st = rv_store_meta_get(s, "updated", buf, sizeof buf, &found)) != RV_OK) return st;
    out->updated = atoll(buf);
    if ((st = rv_store_meta_get(s, "model_id", out->model_id, sizeof out->model_id, &found)) !=
        RV_OK)
        return st;
    return rv_store_meta_get(s, "root", out->root, sizeof out->root, &found);
}

rv_status rv_store_check_meta(rv_store *s) {
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(meta)", -1, &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "quick_check(meta)");
    rv_status st = RV_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *r = rv_store_col_str(q, 0);
        if (strcmp(r, "ok") != 0)
            st = rv_error_set(RV_ERR_CORRUPT, "index %s: meta: %s", s->path, r);
    } else {
        st = rv_store_sql_fail(s, rc, "quick_check(meta)");
    }
    sqlite3_finalize(q);
    return st;
}

rv_status rv_store_verify(rv_store *s) {
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "quick_check");
    rv_status st = RV_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *r = rv_store_col_str(q, 0);
        if (strcmp(r, "ok") != 0) st = rv_error_set(RV_ERR_CORRUPT, "quick_check: %s", r);
    } else {
        st = rv_store_sql_fail(s, rc, "quick_check");
    }
    sqlite3_finalize(q);
    if (st != RV_OK) return st;
    if ((st = scan(s, NULL, NULL, 0, NULL, NULL)) != RV_OK) return st;
    int64_t bad = 0;
    st = count_rows(s,
                    "SELECT count(*) FROM files f WHERE f.nchunks != "
                    "(SELECT count(*) FROM chunks c WHERE c.file_id = f.id)",
                    &bad);
    if (st == RV_OK && bad)
        st = rv_error_set(RV_ERR_CORRUPT, "index %s: %lld files with missing chunks", s->path,
                          (long long)bad);
    return st;
}

rv_status rv_store_row_read(rv_store *s, sqlite3_stmt *q, int col, const char *rel, int64_t seq,
                            rv_store_row *row) {
    const void *vec = sqlite3_column_blob(q, col + 10), *th = sqlite3_column_blob(q, col + 9);
    size_t vlen = sqlite3_column_type(q, col + 10) == SQLITE_BLOB
                      ? (size_t)sqlite3_column_bytes(q, col + 10)
                      : 1;
    if ((vlen && (!vec || vlen != rv_store_vec_bytes(s->dim))) || !th ||
        sqlite3_column_bytes(q, col + 9) != 16)
        return rv_error_set(RV_ERR_CORRUPT, "index %s: bad vector or hash in %s", s->path, rel);
    *row = (rv_store_row){.rel = rel,
                          .seq = seq,
                          .start = sqlite3_column_int(q, col),
                          .end = sqlite3_column_int(q, col + 1),
                          .kind = rv_store_col_str(q, col + 2),
                          .name = rv_store_col_str(q, col + 3),
                          .scope = rv_store_col_str(q, col + 4),
                          .lang = rv_store_col_str(q, col + 5),
                          .content = rv_store_col_str(q, col + 6),
                          .content_len = (size_t)sqlite3_column_bytes(q, col + 6),
                          .head = rv_store_col_str(q, col + 7),
                          .head_len = (size_t)sqlite3_column_bytes(q, col + 7),
                          .tail = sqlite3_column_int(q, col + 8) != 0,
                          .text_hash = th,
                          .vec = vec,
                          .vec_bytes = vlen};
    if (rv_store_row_sum(row) != sqlite3_column_int64(q, col + 11))
        return rv_error_set(RV_ERR_CORRUPT, "index %s: checksum mismatch in %s", s->path, rel);
    return RV_OK;
}

int rv_store_row_chunk(sqlite3_stmt *q, int col, const rv_store_row *row, rv_chunk *c,
                       int with_embed) {
    c->start_line = row->start;
    c->end_line = row->end;
    c->language = rv_store_intern_language(row->lang);
    if (!(c->path = strdup(row->rel)) || !(c->kind = rv_store_col_dup(q, col + 2)) ||
        !(c->name = rv_store_col_dup(q, col + 3)) || !(c->scope = rv_store_col_dup(q, col + 4)) ||
        !(c->content = rv_store_col_dup(q, col + 6)))
        return 0;
    if (!with_embed) return 1;
    size_t elen = row->head_len + (row->tail ? row->content_len : 0);
    if (!(c->embed_text = malloc(elen + 1))) return 0;
    memcpy(c->embed_text, row->head, row->head_len);
    if (row->tail) memcpy(c->embed_text + row->head_len, row->content, row->content_len);
    c->embed_text[elen] = 0;
    return 1;
}
