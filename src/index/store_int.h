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
/* The cached statement `which`, reset and unbound. */
rv_status rv_store_prep(rv_store *s, int which, sqlite3_stmt **out);
void rv_store_vec_encode(unsigned char *dst, const float *src, size_t n);
void rv_store_vec_decode(float *dst, const unsigned char *src, size_t n);
int64_t rv_store_row_sum(int start, int end, const char *kind, const char *name, const char *scope,
                         const char *lang, const char *content, size_t content_len,
                         const char *embed, size_t embed_len, int tail, const void *text_hash,
                         const void *vec, size_t vec_bytes);
int64_t rv_store_now(void);
rv_status rv_store_meta_get(rv_store *s, const char *key, char *out, size_t cap, int *found);
rv_status rv_store_meta_set(rv_store *s, const char *key, const char *value);
rv_status rv_store_meta_set_int(rv_store *s, const char *key, long long v);

#endif
