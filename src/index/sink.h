/* index/sink.h — the index as the ingest pipeline's sink (index/sink.c). */
#ifndef RV_INDEX_SINK_H
#define RV_INDEX_SINK_H

#include "index/index_int.h"
#include "ingest/ingest.h"

typedef struct rv_index_sink {
    rv_index *idx;
    rv_store_file *old; /* the stored rows, sorted by rel */
    size_t nold;
    unsigned char *seen; /* per old row: walked (and readable) this time */
    int force_rechunk;   /* the chunker changed: every file is chunked again */
    int record_chunker;  /* empty index: the first commit records the chunker */
    int wrote;
    int racy;        /* a file was stored RACY: the next run writes again */
    rv_store **kids; /* indexes below the root, read for their vectors (children.c) */
    size_t nkids;
    int kids_wanted; /* look them up at the first vector this store lacks */
    int kids_opened;
} rv_index_sink;

/* The sink over the stored rows; free with rv_index_sink_free even on error. */
rv_status rv_index_sink_open(rv_index_sink *k, rv_ingest_sink *out, rv_index *idx);
void rv_index_sink_free(rv_index_sink *k);
/* Opens, read only, the cache's indexes below idx's root built with the same
 * model and settings, whose vectors find_vector then also looks up
 * (index/children.c). Never fails: a child that cannot be read is skipped.
 * The update sets kids_wanted instead, so that a pass that embeds nothing
 * never lists the cache. */
rv_status rv_index_sink_borrow_children(rv_index_sink *k, rv_index *idx);
int rv_index_sink_kids_find(const rv_index_sink *k, const uint8_t hash[16], float *vec);
void rv_index_sink_kids_close(rv_index_sink *k);
/* The pipeline's parameters for this index (no embedder, no progress). */
rv_ingest_params rv_index_ingest_params(rv_index *idx, const rv_chunk_params *cp);
/* The embedding pass (index/embed.c): vectors for every stored chunk
 * committed without one, files in idx->p.order, about `batch` chunks (whole
 * files) per transaction, and with `snapshots` the corpus snapshot of each
 * generation it commits and the on_chunked call (not for a rebuild beside
 * the live index, whose snapshot and keyword index serve its searches
 * meanwhile). Counts what it embedded and reused. */
rv_status rv_index_embed_pass(rv_index *idx, rv_ingest_embed_fn embed, void *embed_user,
                              size_t batch, int snapshots, rv_progress_fn progress,
                              void *progress_user, size_t *embedded, size_t *reused);
/* The phase times of an ingest run. */
rv_index_times rv_index_times_of(const rv_ingest_stats *is);

#endif
