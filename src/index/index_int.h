/* index/index_int.h — the rv_index handle, shared by index.c and update.c. */
#ifndef RV_INDEX_INDEX_INT_H
#define RV_INDEX_INDEX_INT_H

#include "index/store.h"
#include "ripvec/index.h"
#include "ripvec/walk.h"

struct rv_index {
    rv_store *store;
    char *root;      /* canonical (realpath) */
    char *db_path;   /* the SQLite file */
    char *lock_path; /* "<db_path>.lock" */
    char *snap_path; /* "<db_path>.corpus": the corpus snapshot (index/snapshot.h) */
    char *skip_rel;  /* index directory relative to root when inside it ("" none) */
    char *model_id;
    size_t dim;
    int lock_fd;
    int need_rebuild; /* a reader found corruption; the next update starts over */
    int readonly;     /* no write access: searched as it is, never refreshed */
    rv_walk_params walk;
    int have_walk;
    rv_index_params p; /* strings above replace the pointers in here */
    /* The corpus read back by the last update (verified), for rv_index_corpus. */
    rv_corpus cached;
    int have_cached;
};

void rv_index_note(rv_index *idx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
rv_status rv_index_lock(rv_index *idx);
void rv_index_unlock(rv_index *idx);
/* Closes the store, deletes its files and opens an empty one (lock held). */
rv_status rv_index_reset(rv_index *idx);
/* The signature of the chunker and its parameters stored in meta. */
void rv_index_chunker_sig(char *out, size_t cap, const rv_chunk_params *cp);

#endif
