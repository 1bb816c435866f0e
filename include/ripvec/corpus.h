/*
 * ripvec/corpus.h — the searchable state of one root: chunks and their vectors.
 *
 * Built fresh (rv_search with no index) or loaded from the persistent index;
 * ranked by ripvec/rank.h. vectors holds chunks.count rows of dim floats,
 * L2-normalized, row i belonging to chunks.items[i].
 */
#ifndef RIPVEC_CORPUS_H
#define RIPVEC_CORPUS_H

#include "ripvec/chunk.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The owner of a corpus whose strings and vectors live in one block (the
 * index's mapped corpus snapshot) instead of separate allocations:
 * rv_corpus_free calls release(self) once, which frees the block and the
 * backing itself. */
typedef struct rv_corpus_backing {
    void (*release)(struct rv_corpus_backing *self);
} rv_corpus_backing;

typedef struct rv_corpus {
    rv_chunk_list chunks;
    float *vectors; /* chunks.count * dim, malloc'd (or in `backing`) */
    size_t dim;
    /* NULL: every chunk string and `vectors` are malloc'd. Otherwise they
     * point into `backing` (read-only in spirit: writes are private copies
     * that go away with it) and must not be freed, realloc'd or kept past
     * rv_corpus_free; chunks.items itself is still malloc'd. Copy a chunk
     * out with rv_chunk_copy. */
    rv_corpus_backing *backing;
    /* The persistent index's store generation this corpus was read at (a
     * random token that every write to the index replaces); 0 when it does
     * not come from an index. Equal generations mean equal corpora. */
    uint64_t generation;
    /* The same for the texts alone (paths, chunks, their order), which a
     * commit of vectors only leaves as they were: equal text generations
     * mean equal keyword indexes. 0 when not known. */
    uint64_t text_generation;
} rv_corpus;

/* Progress of a long step (walking, chunking, embedding, writing), reported
 * from the thread doing the work; the CLI draws it on a terminal. */
typedef struct rv_progress {
    const char *phase; /* "walk", "chunk", "embed", "write", "done" */
    size_t files_done, files_total;
    size_t chunks_done, chunks_total;
    double elapsed_s;
    /* bytes of the files read so far, of those to read (0: not known) */
    uint64_t bytes_done, bytes_total;
} rv_progress;

/* The chunks the whole run will make: chunks_total (those of the files read
 * so far) scaled up by the bytes, else the files, not read yet. Files are
 * read in an order that favours some (search results, source first), so
 * bytes scale better than files. */
size_t rv_progress_chunks_estimate(const rv_progress *p);

typedef void (*rv_progress_fn)(void *user, const rv_progress *p);

/* Frees chunks and vectors (or releases the backing); leaves *c zeroed.
 * NULL is a no-op. */
void rv_corpus_free(rv_corpus *c);

#ifdef __cplusplus
}
#endif
#endif
