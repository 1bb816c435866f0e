/* What the embedding pass reads from the index store (see store.h): the
 * files whose chunks were committed before their vectors, and one file's
 * chunks back, verified, to embed them. */
#include "index/store_int.h"
#include "util/vec.h"

#include <stdlib.h>
#include <string.h>

rv_status rv_store_pending_files(rv_store *s, int64_t **ids, size_t *n_out) {
    *ids = NULL;
    *n_out = 0;
    sqlite3_stmt *q = NULL;
    /* chunks_novec holds exactly the vector-less chunks: no row is read */
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT DISTINCT file_id FROM chunks WHERE vector = x'' ORDER BY file_id", -1, &q,
        NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "pending files");
    int64_t *v = NULL;
    size_t n = 0, cap = 0;
    rv_status st = RV_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if ((st = rv_vec_reserve((void **)&v, &cap, n + 1, sizeof *v)) != RV_OK) break;
        v[n++] = sqlite3_column_int64(q, 0);
    }
    if (st == RV_OK && rc != SQLITE_DONE) st = rv_store_sql_fail(s, rc, "pending files");
    sqlite3_finalize(q);
    if (st != RV_OK) {
        free(v);
        return st;
    }
    *ids = v;
    *n_out = n;
    return RV_OK;
}

/* One row into c (strings malloc'd); its vector into vec and has. */
static rv_status take_row(rv_store *s, sqlite3_stmt *q, const char *rel, int64_t seq, rv_chunk *c,
                          uint8_t th[16], float *vec, unsigned char *has) {
    rv_store_row row;
    rv_status st = rv_store_row_read(s, q, 1, rel, seq, &row);
    if (st != RV_OK) return st;
    memcpy(th, row.text_hash, 16);
    *has = row.vec_bytes != 0;
    if (row.vec_bytes && !rv_store_vec_unpack(vec, row.vec, s->dim, th))
        return rv_error_set(RV_ERR_CORRUPT, "index %s: damaged vector in %s", s->path, rel);
    if (!row.vec_bytes) memset(vec, 0, s->dim * sizeof *vec);
    if (!rv_store_row_chunk(q, 1, &row, c, 1)) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    return RV_OK;
}

rv_status rv_store_file_chunks(rv_store *s, int64_t id, const char *rel, rv_chunk_list *chunks,
                               uint8_t (**text_hashes)[16], float **vectors,
                               unsigned char **has_vec) {
    *text_hashes = NULL;
    *vectors = NULL;
    *has_vec = NULL;
    sqlite3_stmt *q = NULL;
    int64_t n = 0;
    int rc = sqlite3_prepare_v2(s->db, "SELECT nchunks FROM files WHERE id = ?1", -1, &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "file chunks");
    sqlite3_bind_int64(q, 1, id);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rv_store_sql_fail(s, rc, "file chunks");
    if (n < 0 || n > 100000000) return rv_error_set(RV_ERR_CORRUPT, "index %s: bad file row", s->path);
    size_t base = chunks->count, want = base + (size_t)n;
    rv_status st = RV_OK;
    if (want > chunks->cap) {
        rv_chunk *ni = realloc(chunks->items, (want ? want : 1) * sizeof *ni);
        if (!ni) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        chunks->items = ni;
        chunks->cap = want;
    }
    uint8_t(*th)[16] = malloc((n ? (size_t)n : 1) * sizeof *th);
    float *vec = malloc((n ? (size_t)n : 1) * s->dim * sizeof *vec);
    unsigned char *has = malloc(n ? (size_t)n : 1);
    if (!th || !vec || !has) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT seq, start_line, end_line, kind, name, scope, language, "
                            "content, embed_head, embed_tail, text_hash, vector, sum "
                            "FROM chunks WHERE file_id = ?1 ORDER BY seq",
                            -1, &q, NULL);
    if (rc != SQLITE_OK) {
        st = rv_store_sql_fail(s, rc, "file chunks");
        goto done;
    }
    sqlite3_bind_int64(q, 1, id);
    int64_t got = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (got >= n || sqlite3_column_int64(q, 0) != got) {
            st = rv_error_set(RV_ERR_CORRUPT, "index %s: chunks of %s out of place", s->path, rel);
            goto done;
        }
        rv_chunk *c = &chunks->items[chunks->count];
        memset(c, 0, sizeof *c);
        chunks->count++;
        st = take_row(s, q, rel, got, c, th[got], vec + (size_t)got * s->dim, &has[got]);
        if (st != RV_OK) goto done;
        got++;
    }
    if (rc != SQLITE_DONE)
        st = rv_store_sql_fail(s, rc, "file chunks");
    else if (got != n)
        st = rv_error_set(RV_ERR_CORRUPT, "index %s: %lld of %lld chunks of %s missing", s->path,
                          (long long)(n - got), (long long)n, rel);
done:
    sqlite3_finalize(q);
    if (st != RV_OK) {
        for (size_t i = base; i < chunks->count; i++)
            rv_chunk_clear(&chunks->items[i]);
        chunks->count = base;
        free(th);
        free(vec);
        free(has);
        return st;
    }
    *text_hashes = th;
    *vectors = vec;
    *has_vec = has;
    return RV_OK;
}
