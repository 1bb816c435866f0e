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
    int peeked;       /* the store was opened to read while another process held
                         the lock: reopened to write once this one holds it */
    char *beside_path; /* a rebuild under way beside the live index (its store is
                          idx->store, the lock held until the swap); NULL: none */
    rv_walk_params walk;
    int have_walk;
    rv_index_params p; /* strings above replace the pointers in here */
    /* The corpus read back by the last update (verified), for rv_index_corpus. */
    rv_corpus cached;
    int have_cached;
    rv_index_times last_times; /* of the last pass over the tree */
};

void rv_index_note(rv_index *idx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The writer lock (index/beside.c): waits, saying so through note. */
rv_status rv_index_lock(rv_index *idx);
/* Takes the lock if free; *busy = 1 (and RV_OK) when another holds it. */
rv_status rv_index_try_lock(rv_index *idx, int *busy);
void rv_index_unlock(rv_index *idx);
/* Opens idx->store on `path`. */
rv_status rv_index_open_store(rv_index *idx, const char *path, rv_store_mode mode);
/* RV_INDEX_REBUILD: a fresh store beside the live index, the lock held;
 * or, when another rebuild finished while this one waited for the lock,
 * the live index as RV_INDEX_OPEN would open it. */
rv_status rv_index_open_rebuild(rv_index *idx);
/* After a rebuild's pass: the live index takes the new content in one
 * transaction, and idx->store is the live index again. */
rv_status rv_index_swap_in(rv_index *idx);
/* Deletes every file of the index at db_path: the store's, an unfinished
 * rebuild's, the keyword index, the lock (last), and its directory when
 * that is left empty (index/cache.c). */
rv_status rv_index_remove_all(const char *db_path);
/* Closes nothing; deletes the files of an unfinished rebuild. */
void rv_index_drop_beside(rv_index *idx);
/* Closes the store, deletes its files and opens an empty one (lock held). */
rv_status rv_index_reset(rv_index *idx);
/* The committed corpus into idx->cached (index/update.c): from the snapshot
 * of the current generation, else from the store, verified row by row, and
 * then saved as the snapshot unless `save` is 0. */
rv_status rv_index_load_corpus(rv_index *idx, int save);
/* The signature of the chunker and its parameters stored in meta. */
void rv_index_chunker_sig(char *out, size_t cap, const rv_chunk_params *cp);

#endif
