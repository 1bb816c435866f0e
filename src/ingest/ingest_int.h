/* ingest/ingest_int.h — the state of one run, shared by ingest.c and batch.c. */
#ifndef RV_INGEST_INGEST_INT_H
#define RV_INGEST_INGEST_INT_H

#include "ingest/ingest.h"

#include <time.h>

/* The files and chunks read since the last commit. */
typedef struct rv_ingest_batch_state {
    rv_ingest_file *files;
    size_t nfiles, capfiles;
    rv_chunk_list chunks;
} rv_ingest_batch_state;

typedef struct rv_ingest_run_state {
    const rv_ingest_params *p;
    const rv_ingest_sink *sink;
    const rv_chunk_params *cp;
    rv_ingest_stats *stats;
    struct timespec t0;
    size_t cand_total, cand_done; /* files that need a read; read so far */
    size_t chunks_to_embed;       /* chunks read so far (progress) */
    uint64_t read_limit;
    rv_ingest_batch_state batch;
} rv_ingest_run_state;

/* A new file entry at the end of the batch (rel borrowed); NULL on OOM. */
rv_ingest_file *rv_ingest_batch_add(rv_ingest_batch_state *b, const char *rel);
void rv_ingest_batch_free(rv_ingest_batch_state *b);
/* Vectors for the batch's chunks (reused or embedded), then the sink's
 * commit; empties the batch. */
rv_status rv_ingest_flush(rv_ingest_run_state *r);

void rv_ingest_report(rv_ingest_run_state *r, const char *phase);
void rv_ingest_hook(rv_ingest_run_state *r, const char *point);

#endif
