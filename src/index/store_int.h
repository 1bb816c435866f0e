/* index/store_int.h — shared between store.c (open, meta) and store_rows.c. */
#ifndef RV_INDEX_STORE_INT_H
#define RV_INDEX_STORE_INT_H

#include "index/store.h"

#include <sqlite3.h>

enum {
    ST_FILE_BY_REL,
    ST_FILE_INSERT,
    ST_FILE_UPDATE,
    ST_CHUNKS_DELETE,
    ST_CHUNK_INSERT,
    ST_FILE_DELETE,
    ST_FIND_VECTOR,
    ST_COUNT
};

struct rv_store {
    sqlite3 *db;
    char *path;
    size_t dim;
    char *chunker; /* wanted signature */
    int chunker_changed;
    int fresh;
    int readonly;
    int in_tx;
    rv_store_note_fn note;
    void *note_user;
    sqlite3_stmt *st[ST_COUNT];
};

rv_status rv_store_sql_fail(rv_store *s, int rc, const char *what);
rv_status rv_store_exec(rv_store *s, const char *sql);
/* Column `col` of the current row: a malloc'd copy (NULL when out of
 * memory), or the text itself, "" for NULL. */
char *rv_store_col_dup(sqlite3_stmt *q, int col);
const char *rv_store_col_str(sqlite3_stmt *q, int col);
/* The cached statement `which`, reset and unbound. */
rv_status rv_store_prep(rv_store *s, int which, sqlite3_stmt **out);
void rv_store_vec_encode(unsigned char *dst, const float *src, size_t n);
void rv_store_vec_decode(float *dst, const unsigned char *src, size_t n);
/* Everything a chunk row's `sum` covers: the file it belongs to and its
 * place there too, so a damaged file_id/seq or index entry is caught. */
typedef struct rv_store_row {
    const char *rel;
    int64_t seq;
    int start, end, tail;
    const char *kind, *name, *scope, *lang;
    const char *content, *head;
    size_t content_len, head_len;
    const void *text_hash, *vec;
    size_t vec_bytes;
} rv_store_row;
int64_t rv_store_row_sum(const rv_store_row *r);
/* The chunk row whose columns from `col` on are start_line, end_line, kind,
 * name, scope, language, content, embed_head, embed_tail, text_hash, vector
 * and sum: into *row (borrowing q's values), its hash and vector sizes and
 * its checksum verified. An empty vector blob: committed before its vector. */
rv_status rv_store_row_read(rv_store *s, sqlite3_stmt *q, int col, const char *rel, int64_t seq,
                            rv_store_row *row);
/* c from a row rv_store_row_read took (strings malloc'd, embed_text only
 * with `with_embed`); 0 when out of memory. */
int rv_store_row_chunk(sqlite3_stmt *q, int col, const rv_store_row *row, rv_chunk *c,
                       int with_embed);

/* The vector column: dim float32 LE, then 8 bytes LE of xxh3-64(text_hash ||
 * floats), so a reused vector is checked against the text it stands for. */
size_t rv_store_vec_bytes(size_t dim);
void rv_store_vec_pack(unsigned char *dst, const float *v, size_t dim, const uint8_t th[16]);
/* 0 when the check fails (dst untouched). */
int rv_store_vec_unpack(float *dst, const unsigned char *src, size_t dim, const uint8_t th[16]);
int64_t rv_store_now(void);
rv_status rv_store_meta_get(rv_store *s, const char *key, char *out, size_t cap, int *found);
rv_status rv_store_meta_set(rv_store *s, const char *key, const char *value);
rv_status rv_store_meta_set_int(rv_store *s, const char *key, long long v);
/* Writes a fresh meta.generation, and the same token as meta.text_generation
 * when `texts` (inside the caller's transaction). */
rv_status rv_store_bump_generation(rv_store *s, int texts);

#endif
