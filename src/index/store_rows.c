/* Row reads and writes of the index store (see store.h). */
#include "index/store_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const g_sql[ST_COUNT] = {
    [ST_FILE_BY_REL] = "SELECT id FROM files WHERE rel = ?1",
    [ST_FILE_INSERT] = "INSERT INTO files(rel, size, mtime_ns, ino, hash, nchunks) "
                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_FILE_UPDATE] = "UPDATE files SET size = ?2, mtime_ns = ?3, ino = ?4, hash = ?5, "
                       "nchunks = ?6 WHERE id = ?1",
    [ST_CHUNKS_DELETE] = "DELETE FROM chunks WHERE file_id = ?1",
    [ST_CHUNK_INSERT] = "INSERT INTO chunks(file_id, seq, start_line, end_line, kind, name, "
                        "scope, language, content, embed_head, embed_tail, text_hash, vector, sum) "
                        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [ST_FILE_DELETE] = "DELETE FROM files WHERE id = ?1",
    [ST_FIND_VECTOR] = "SELECT vector FROM chunks WHERE text_hash = ?1 AND vector != x'' LIMIT 1",
};

rv_status rv_store_prep(rv_store *s, int which, sqlite3_stmt **out) {
    if (!s->st[which]) {
        int rc = sqlite3_prepare_v3(s->db, g_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->st[which], NULL);
        if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "prepare");
    }
    sqlite3_reset(s->st[which]);
    sqlite3_clear_bindings(s->st[which]);
    *out = s->st[which];
    return RV_OK;
}

/* ---- transactions ---- */

rv_status rv_store_begin(rv_store *s) {
    if (s->in_tx) return rv_error_set(RV_ERR_INTERNAL, "index: nested transaction");
    /* IMMEDIATE takes the write lock now, so a second writer waits here
     * (busy_timeout) instead of failing later on lock upgrade. */
    rv_status st = rv_store_exec(s, "BEGIN IMMEDIATE");
    if (st == RV_OK) s->in_tx = 1;
    return st;
}

static rv_status commit(rv_store *s, int new_generation, int texts) {
    rv_status st = s->in_tx && new_generation ? rv_store_bump_generation(s, texts) : RV_OK;
    if (st != RV_OK) return st;
    st = rv_store_exec(s, "COMMIT");
    if (st == RV_OK) s->in_tx = 0;
    return st;
}

rv_status rv_store_commit(rv_store *s) {
    /* Every write gets a new generation in the same transaction: a snapshot
     * of the corpus made before it can never pass for current, even when the
     * process is killed right after this commit. */
    return commit(s, 1, 1);
}

rv_status rv_store_commit_vectors(rv_store *s) {
    return commit(s, 1, 0);
}

rv_status rv_store_commit_keep_generation(rv_store *s) {
    return commit(s, 0, 0);
}

void rv_store_rollback(rv_store *s) {
    if (!s->in_tx) return;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
}

/* ---- files ---- */

void rv_store_files_free(rv_store_file *f, size_t n) {
    if (!f) return;
    for (size_t i = 0; i < n; i++)
        free(f[i].rel);
    free(f);
}

rv_status rv_store_files(rv_store *s, rv_store_file **out, size_t *n_out) {
    *out = NULL;
    *n_out = 0;
    rv_store_file *v = NULL;
    size_t n = 0, cap = 0;
    rv_status st = RV_OK;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT id, rel, size, mtime_ns, ino, hash, nchunks FROM files "
                                "ORDER BY rel",
                                -1, &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "read files");
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            rv_store_file *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                st = rv_error_set(RV_ERR_NOMEM, "out of memory");
                goto done;
            }
            v = nv;
        }
        rv_store_file *f = &v[n];
        memset(f, 0, sizeof *f);
        const char *rel = (const char *)sqlite3_column_text(q, 1);
        const void *hash = sqlite3_column_blob(q, 5);
        if (!rel || !hash || sqlite3_column_bytes(q, 5) != 16) {
            st = rv_error_set(RV_ERR_CORRUPT, "index %s: bad file row", s->path);
            goto done;
        }
        f->id = sqlite3_column_int64(q, 0);
        f->size = sqlite3_column_int64(q, 2);
        f->mtime_ns = sqlite3_column_int64(q, 3);
        f->ino = sqlite3_column_int64(q, 4);
        memcpy(f->hash, hash, 16);
        f->nchunks = sqlite3_column_int64(q, 6);
        if (!(f->rel = strdup(rel))) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        n++;
    }
    if (rc != SQLITE_DONE) st = rv_store_sql_fail(s, rc, "read files");
done:
    sqlite3_finalize(q);
    if (st != RV_OK) {
        rv_store_files_free(v, n);
        return st;
    }
    *out = v;
    *n_out = n;
    return RV_OK;
}

int rv_store_find_vector(rv_store *s, const uint8_t text_hash[16], float *vec) {
    sqlite3_stmt *q;
    if (rv_store_prep(s, ST_FIND_VECTOR, &q) != RV_OK) return RV_ERR_IO;
    sqlite3_bind_blob(q, 1, text_hash, 16, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int found = 0;
    if (rc == SQLITE_ROW) {
        /* The vector's own check ties it to text_hash: a damaged text_hash
         * index pointing at another row, or damaged floats, are caught here
         * before they could be copied into a fresh row. */
        const void *b = sqlite3_column_blob(q, 0);
        if (!b || (size_t)sqlite3_column_bytes(q, 0) != rv_store_vec_bytes(s->dim) ||
            !rv_store_vec_unpack(vec, b, s->dim, text_hash))
            found = rv_error_set(RV_ERR_CORRUPT, "index %s: damaged vector or text hash index",
                                 s->path);
        else
            found = 1;
    } else if (rc != SQLITE_DONE) {
        found = rv_store_sql_fail(s, rc, "find vector");
    }
    sqlite3_reset(q);
    return found;
}

static rv_status bind_file(sqlite3_stmt *q, int64_t size, int64_t mtime_ns, int64_t ino,
                           const uint8_t hash[16], int64_t nchunks) {
    sqlite3_bind_int64(q, 2, size);
    sqlite3_bind_int64(q, 3, mtime_ns);
    sqlite3_bind_int64(q, 4, ino);
    sqlite3_bind_blob(q, 5, hash, 16, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, nchunks);
    return RV_OK;
}

static const char *nz(const char *p) {
    return p ? p : "";
}

rv_status rv_store_put_file(rv_store *s, const char *rel, int64_t size, int64_t mtime_ns,
                            int64_t ino, const uint8_t hash[16], const rv_chunk *chunks,
                            const uint8_t (*text_hashes)[16], const float *vectors,
                            const unsigned char *has_vec, size_t n) {
    if (!s->in_tx) return rv_error_set(RV_ERR_INTERNAL, "index: write outside a transaction");
    sqlite3_stmt *q;
    rv_status st;
    int rc;
    int64_t id = -1;
    unsigned char *vbuf = NULL;
    size_t vbytes = rv_store_vec_bytes(s->dim);
    if ((st = rv_store_prep(s, ST_FILE_BY_REL, &q)) != RV_OK) return st;
    sqlite3_bind_text(q, 1, rel, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(q, 0);
    else if (rc != SQLITE_DONE)
        return rv_store_sql_fail(s, rc, "find file");
    sqlite3_reset(q);
    if (id >= 0) {
        if ((st = rv_store_prep(s, ST_CHUNKS_DELETE, &q)) != RV_OK) return st;
        sqlite3_bind_int64(q, 1, id);
        if ((rc = sqlite3_step(q)) != SQLITE_DONE) return rv_store_sql_fail(s, rc, "delete chunks");
        if ((st = rv_store_prep(s, ST_FILE_UPDATE, &q)) != RV_OK) return st;
        sqlite3_bind_int64(q, 1, id);
    } else {
        if ((st = rv_store_prep(s, ST_FILE_INSERT, &q)) != RV_OK) return st;
        sqlite3_bind_text(q, 1, rel, -1, SQLITE_STATIC);
    }
    bind_file(q, size, mtime_ns, ino, hash, (int64_t)n);
    if ((rc = sqlite3_step(q)) != SQLITE_DONE) return rv_store_sql_fail(s, rc, "write file");
    if (id < 0) id = sqlite3_last_insert_rowid(s->db);
    if (n && !(vbuf = malloc(vbytes))) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const rv_chunk *c = &chunks[i];
        const char *content = nz(c->content), *embed = nz(c->embed_text);
        size_t clen = strlen(content), elen = strlen(embed);
        /* embed_text is usually a short header + content: store the header. */
        int tail = clen && elen >= clen && memcmp(embed + elen - clen, content, clen) == 0;
        if (tail) elen -= clen;
        /* no vector yet: an empty blob (the embedding pass fills it) */
        size_t vb = !has_vec || has_vec[i] ? vbytes : 0;
        if (vb) rv_store_vec_pack(vbuf, vectors + i * s->dim, s->dim, text_hashes[i]);
        rv_store_row row = {.rel = rel,
                            .seq = (int64_t)i,
                            .start = c->start_line,
                            .end = c->end_line,
                            .tail = tail,
                            .kind = nz(c->kind),
                            .name = nz(c->name),
                            .scope = nz(c->scope),
                            .lang = nz(c->language),
                            .content = content,
                            .content_len = clen,
                            .head = embed,
                            .head_len = elen,
                            .text_hash = text_hashes[i],
                            .vec = vbuf,
                            .vec_bytes = vb};
        int64_t sum = rv_store_row_sum(&row);
        if ((st = rv_store_prep(s, ST_CHUNK_INSERT, &q)) != RV_OK) goto done;
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, (int64_t)i);
        sqlite3_bind_int(q, 3, c->start_line);
        sqlite3_bind_int(q, 4, c->end_line);
        sqlite3_bind_text(q, 5, nz(c->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, nz(c->name), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, nz(c->scope), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 8, nz(c->language), -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 9, content, (int)clen, SQLITE_STATIC);
        sqlite3_bind_text(q, 10, embed, (int)elen, SQLITE_STATIC);
        sqlite3_bind_int(q, 11, tail);
        sqlite3_bind_blob(q, 12, text_hashes[i], 16, SQLITE_STATIC);
        sqlite3_bind_blob(q, 13, vb ? vbuf : (const void *)"", (int)vb, SQLITE_STATIC);
        sqlite3_bind_int64(q, 14, sum);
        if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
            st = rv_store_sql_fail(s, rc, "write chunk");
            goto done;
        }
    }
    st = RV_OK;
done:
    free(vbuf);
    return st;
}

rv_status rv_store_heal_file(rv_store *s, int64_t id, int64_t size, int64_t mtime_ns, int64_t ino) {
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        s->db, "UPDATE files SET size = ?2, mtime_ns = ?3, ino = ?4 WHERE id = ?1", -1, &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "heal file");
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, size);
    sqlite3_bind_int64(q, 3, mtime_ns);
    sqlite3_bind_int64(q, 4, ino);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? RV_OK : rv_store_sql_fail(s, rc, "heal file");
}

rv_status rv_store_delete_file(rv_store *s, int64_t id) {
    sqlite3_stmt *q;
    rv_status st;
    int rc;
    if ((st = rv_store_prep(s, ST_CHUNKS_DELETE, &q)) != RV_OK) return st;
    sqlite3_bind_int64(q, 1, id);
    if ((rc = sqlite3_step(q)) != SQLITE_DONE) return rv_store_sql_fail(s, rc, "delete chunks");
    if ((st = rv_store_prep(s, ST_FILE_DELETE, &q)) != RV_OK) return st;
    sqlite3_bind_int64(q, 1, id);
    if ((rc = sqlite3_step(q)) != SQLITE_DONE) return rv_store_sql_fail(s, rc, "delete file");
    return RV_OK;
}

rv_status rv_store_touch_meta(rv_store *s) {
    rv_status st = rv_store_meta_set_int(s, "updated", rv_store_now());
    if (st == RV_OK && s->chunker) st = rv_store_meta_set(s, "chunker", s->chunker);
    if (st == RV_OK) s->chunker_changed = 0;
    return st;
}

rv_status rv_store_clear(rv_store *s) {
    rv_status st = rv_store_begin(s);
    if (st != RV_OK) return st;
    if ((st = rv_store_exec(s, "DELETE FROM chunks; DELETE FROM files")) == RV_OK &&
        (st = rv_store_touch_meta(s)) == RV_OK)
        st = rv_store_commit(s);
    if (st != RV_OK) rv_store_rollback(s);
    return st;
}

rv_status rv_store_set_format_for_test(rv_store *s, int version) {
    return rv_store_meta_set_int(s, "format_version", version);
}
