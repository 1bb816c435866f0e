/* ingest/ingest_int.h — the state of one run, shared by ingest.c and batch.c. */
#ifndef RV_INGEST_INGEST_INT_H
#define RV_INGEST_INGEST_INT_H

#include "ingest/ingest.h"

#include <time.h>

/* Reading threads at most (rv_ingest_params.threads is capped to this). */
#define RV_INGEST_MAX_THREADS 64

struct rv_threadpool;

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
    size_t cand_total, cand_done;     /* files that need a read; read so far */
    uint64_t bytes_total, bytes_done; /* their bytes (the walk's sizes); read so far */
    size_t chunks_to_embed;           /* chunks read so far (progress) */
    uint64_t read_limit;
    rv_ingest_batch_state batch;
    struct rv_threadpool *pool; /* NULL: one thread (the caller's) */
} rv_ingest_run_state;

/* One file of a window, read by a worker (ingest/read.c). */
typedef struct rv_ingest_read {
    const char *rel, *path;     /* borrowed from the walk */
    const rv_ingest_held *held; /* borrowed */
    size_t repo_len;            /* rv_walk_entry.repo_len: the chunker's header_skip */
    int64_t size, mtime_ns, ino;
    uint8_t hash[16];
    int gone;      /* could not be read (err says why) */
    int heal_only; /* content as held: not chunked */
    rv_chunk_list chunks;
    rv_status st; /* chunking's status */
    char *err;    /* the message of gone or st, from the worker's thread */
} rv_ingest_read;

/* Reads, hashes and chunks files[0..n) on the run's threads; adds the
 * time spent to stats->read_s and chunk_s. */
void rv_ingest_read_window(rv_ingest_run_state *r, rv_ingest_read *files, size_t n);
void rv_ingest_read_clear(rv_ingest_read *f); /* frees its chunks and err; zeroes it */
/* CPU seconds of the calling thread: phase times a loaded machine does not
 * inflate. */
double rv_ingest_cpu_s(void);

/* A new file entry at the end of the batch (rel borrowed); NULL on OOM. */
rv_ingest_file *rv_ingest_batch_add(rv_ingest_batch_state *b, const char *rel);
void rv_ingest_batch_free(rv_ingest_batch_state *b);
/* Vectors for the batch's chunks (reused or embedded), then the sink's
 * commit; empties the batch. */
rv_status rv_ingest_flush(rv_ingest_run_state *r);

void rv_ingest_report(rv_ingest_run_state *r, const char *phase);
void rv_ingest_hook(rv_ingest_run_state *r, const char *point);

#endif
