/* Loading, inspecting and verifying the index store (see store.h). */
#include "index/store_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* rv_chunk.language is a static string; names read back from the file are
 * interned here for the life of the process (a handful of languages). */
static pthread_mutex_t g_lang_mu = PTHREAD_MUTEX_INITIALIZER;
static char *g_langs[128];
static size_t g_nlangs;

static const char *intern_language(const char *name) {
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

static char *dup_col(sqlite3_stmt *q, int col) {
    const unsigned char *t = sqlite3_column_text(q, col);
    size_t n = (size_t)sqlite3_column_bytes(q, col);
    char *r = malloc(n + 1);
    if (!r) return NULL;
    if (n) memcpy(r, t, n);
    r[n] = 0;
    return r;
}

static const char *col_str(sqlite3_stmt *q, int col) {
    const unsigned char *t = sqlite3_column_text(q, col);
    return t ? (const char *)t : "";
}

/* Streams every chunk row once, checking its sum; with `chunks` it also keeps
 * the rows (strings copied, vectors decoded into a matrix sized up front). */
static rv_status scan(rv_store *s, rv_chunk_list *chunks, float **vectors, int with_embed,
                      int64_t *nrows) {
    rv_status st;
    sqlite3_stmt *q = NULL;
    float *mat = NULL;
    size_t base = chunks ? chunks->count : 0, got = 0;
    size_t vbytes = s->dim * sizeof(float);
    int64_t total = 0;
    int rc;
    if ((st = rv_store_exec(s, "BEGIN")) != RV_OK) return st; /* one snapshot */
    if ((st = count_rows(s, "SELECT count(*) FROM chunks", &total)) != RV_OK) goto done;
    if (total < 0 || (uint64_t)total > SIZE_MAX / vbytes) {
        st = rv_error_set(RV_ERR_CORRUPT, "index %s: bad chunk count", s->path);
        goto done;
    }
    if (chunks) {
        size_t want = base + (size_t)total;
        if (want > chunks->cap) {
            rv_chunk *ni = realloc(chunks->items, (want ? want : 1) * sizeof *ni);
            if (!ni) {
                st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
                goto done;
            }
            chunks->items = ni;
            chunks->cap = want;
        }
        if (!(mat = malloc(total ? (size_t)total * vbytes : 1))) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
            goto done;
        }
    }
    /* Files by rel (its UNIQUE index), each file's chunks by (file_id, seq):
     * a stable order with no sort step. */
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT f.rel, c.start_line, c.end_line, c.kind, c.name, c.scope, "
                            "c.language, c.content, c.embed_head, c.text_hash, c.vector, c.sum, "
                            "c.embed_tail "
                            "FROM files f JOIN chunks c ON c.file_id = f.id ORDER BY f.rel, c.seq",
                            -1, &q, NULL);
    if (rc != SQLITE_OK) {
        st = rv_store_sql_fail(s, rc, "load");
        goto done;
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (got == (size_t)total) {
            st = rv_error_set(RV_ERR_CORRUPT, "index %s: more chunk rows than counted", s->path);
            goto done;
        }
        const void *vec = sqlite3_column_blob(q, 10);
        const void *th = sqlite3_column_blob(q, 9);
        if (!vec || (size_t)sqlite3_column_bytes(q, 10) != vbytes || !th ||
            sqlite3_column_bytes(q, 9) != 16) {
            st = rv_error_set(RV_ERR_CORRUPT, "index %s: bad vector or hash in chunk row", s->path);
            goto done;
        }
        int start = sqlite3_column_int(q, 1), end = sqlite3_column_int(q, 2);
        int tail = sqlite3_column_int(q, 12);
        const char *content = col_str(q, 7), *head = col_str(q, 8);
        size_t clen = (size_t)sqlite3_column_bytes(q, 7), hlen = (size_t)sqlite3_column_bytes(q, 8);
        int64_t sum =
            rv_store_row_sum(start, end, col_str(q, 3), col_str(q, 4), col_str(q, 5), col_str(q, 6),
                             content, clen, head, hlen, tail, th, vec, vbytes);
        if (sum != sqlite3_column_int64(q, 11)) {
            st = rv_error_set(RV_ERR_CORRUPT, "index %s: checksum mismatch in %s", s->path,
                              col_str(q, 0));
            goto done;
        }
        if (chunks) {
            rv_chunk *c = &chunks->items[base + got];
            memset(c, 0, sizeof *c);
            c->start_line = start;
            c->end_line = end;
            c->language = intern_language(col_str(q, 6));
            chunks->count = base + got + 1; /* so a failure below frees this one too */
            if (!(c->path = dup_col(q, 0)) || !(c->kind = dup_col(q, 3)) ||
                !(c->name = dup_col(q, 4)) || !(c->scope = dup_col(q, 5)) ||
                !(c->content = dup_col(q, 7))) {
                st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
                goto done;
            }
            if (with_embed) {
                size_t elen = hlen + (tail ? clen : 0);
                if (!(c->embed_text = malloc(elen + 1))) {
                    st = rv_error_set(RV_ERR_NOMEM, "out of memory loading the index");
                    goto done;
                }
                memcpy(c->embed_text, head, hlen);
                if (tail) memcpy(c->embed_text + hlen, content, clen);
                c->embed_text[elen] = 0;
            }
            rv_store_vec_decode(mat + got * s->dim, vec, s->dim);
        }
        got++;
    }
    if (rc != SQLITE_DONE) {
        st = rv_store_sql_fail(s, rc, "load");
        goto done;
    }
    if (got != (size_t)total) /* a chunk row whose file row is gone */
        st = rv_error_set(RV_ERR_CORRUPT, "index %s: %lld chunk rows without a file", s->path,
                          (long long)(total - (int64_t)got));
done:
    sqlite3_finalize(q);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (st == RV_OK) {
        if (vectors)
            *vectors = mat;
        else
            free(mat);
        if (nrows) *nrows = (int64_t)got;
    } else {
        free(mat);
    }
    return st;
}

rv_status rv_store_load(rv_store *s, rv_chunk_list *chunks, float **vectors, size_t *dim,
                        int with_embed_text) {
    *vectors = NULL;
    if (dim) *dim = s->dim;
    size_t before = chunks->count;
    rv_status st = scan(s, chunks, vectors, with_embed_text, NULL);
    if (st != RV_OK) {
        /* Drop the partial rows this call appended. */
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

rv_status rv_store_verify(rv_store *s) {
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "quick_check");
    rv_status st = RV_OK;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *r = col_str(q, 0);
        if (strcmp(r, "ok") != 0) st = rv_error_set(RV_ERR_CORRUPT, "quick_check: %s", r);
    } else {
        st = rv_store_sql_fail(s, rc, "quick_check");
    }
    sqlite3_finalize(q);
    if (st != RV_OK) return st;
    if ((st = scan(s, NULL, NULL, 0, NULL)) != RV_OK) return st;
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
