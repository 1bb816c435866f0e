/* ingest/ingest.h — the one pipeline that turns a tree into chunks and
 * vectors: walk → read → chunk → embed, feeding a sink that says what it
 * holds of each file, takes chunks with their vectors, and commits them.
 *
 *   rv_ingest_params ip = rv_ingest_default_params();
 *   ip.root = "."; ip.walk = &walk_params; ip.chunk = &chunk_params;
 *   ip.embed = my_embed; ip.embed_user = ctx; ip.dim = 384; // NULL embed: no vectors
 *   rv_ingest_stats st;
 *   if (rv_ingest_run(&ip, &sink, &st) != RV_OK) fail(rv_error_last());
 *
 * Two sinks exist: the persistent index (index/update.c over SQLite, which
 * owns staleness) and the in-memory corpus (rv_ingest_memory, for searches
 * without an index). What a file needs: a file the sink does not hold is
 * read and chunked; a held file whose size, mtime (ns) and inode equal the
 * held ones is passed by unread; otherwise it is read and hashed, and when
 * its content hash equals the held one only its stat is committed again
 * ("heal"). A chunk whose embed_text was already embedded (earlier in the
 * batch, or anywhere in the sink) reuses that vector. The pipeline never
 * prints and keeps no state between runs.
 */
#ifndef RV_INGEST_INGEST_H
#define RV_INGEST_INGEST_H

#include "ripvec/chunk.h"
#include "ripvec/corpus.h"
#include "ripvec/walk.h"

#include <stdint.h>

/* A stored mtime that never compares equal: the file was read so soon after
 * it was written that a later write may keep its mtime (git's "racy
 * clean"), so the next run hashes it once more. */
#define RV_INGEST_RACY INT64_MIN

/* What a sink holds for one file (rv_ingest_sink.lookup). */
typedef struct rv_ingest_held {
    int64_t id; /* the sink's handle; -1: not held */
    int64_t size, mtime_ns, ino;
    uint8_t hash[16]; /* content hash (xxh3-128) */
    int rechunk;      /* 1: chunk again even when the content is unchanged */
} rv_ingest_held;

/* One file of a batch, as read. */
typedef struct rv_ingest_file {
    const char *rel;
    int64_t id; /* rv_ingest_held.id; -1 for a new file */
    int64_t size, mtime_ns, ino; /* mtime_ns may be RV_INGEST_RACY */
    uint8_t hash[16];
    int heal_only;       /* content unchanged: only the stat is new */
    size_t first, count; /* its chunks in rv_ingest_batch.chunks */
} rv_ingest_file;

/* Whole files with their chunks, embed_text hashes and vectors. text_hash
 * and vectors are NULL when the run embeds nothing. The sink may take
 * `chunks` (zeroing it here) and `vectors` (setting it NULL); the pipeline
 * frees what is left. */
typedef struct rv_ingest_batch {
    const rv_ingest_file *files;
    size_t nfiles;
    rv_chunk_list chunks;
    uint8_t (*text_hash)[16];
    float *vectors; /* chunks.count * dim */
    size_t dim;
    /* rv_ingest_params.defer_embed: 1 where a vector was found (reused),
     * 0 where the chunk waits for embedding (a zero row); NULL: all have. */
    unsigned char *has_vec;
} rv_ingest_batch;

typedef struct rv_ingest_stats {
    size_t files_seen;      /* files the walk produced */
    size_t files_changed;   /* held files whose content changed (re-chunked) */
    size_t files_added;     /* new files */
    size_t files_removed;   /* held files gone (set by the sink's finish) */
    size_t files_touched;   /* stat changed, content identical: healed */
    size_t files_skipped;   /* left out by the walk, or unreadable */
    size_t chunks_embedded; /* chunks sent to the embedder */
    size_t chunks_reused;   /* chunks whose vector was reused */
    /* Seconds in each phase: CPU seconds of walk_s, read_s (read and hash)
     * and chunk_s, the last two summed over the reading threads; commit_s
     * wall-clock (it waits for the disk). */
    double walk_s, read_s, chunk_s, commit_s;
} rv_ingest_stats;

/* The other half of the pipeline. Only commit is required. */
typedef struct rv_ingest_sink {
    void *self;
    /* What the sink holds for rel (held->id = -1: nothing). Called once per
     * walked file; a held file never asked about is gone from the tree. */
    rv_status (*lookup)(void *self, const char *rel, rv_ingest_held *held);
    /* The walk's fast path (rv_walk_params.known): the stat held for rel. */
    int (*known)(void *self, const char *rel, rv_walk_held *held);
    /* A stored vector for an embed_text hash: 1 found, 0 not, <0 error. */
    int (*find_vector)(void *self, const uint8_t hash[16], float *vec);
    /* Writes a batch of whole files, all or nothing. */
    rv_status (*commit)(void *self, rv_ingest_batch *b);
    /* A held file that could not be read: it leaves at finish. */
    void (*drop)(void *self, int64_t id);
    /* After the last batch: removes held files gone from the walk and
     * counts them in stats->files_removed. */
    rv_status (*finish)(void *self, rv_ingest_stats *stats);
    /* How many files the sink holds (rv_ingest_check). */
    size_t (*count)(void *self);
} rv_ingest_sink;

typedef rv_status (*rv_ingest_embed_fn)(void *user, const char *const *texts, const size_t *lens,
                                        size_t n, float *out);

typedef struct rv_ingest_params {
    const char *root;
    const rv_walk_params *walk;  /* NULL: walker defaults; `known` is the sink's */
    const char *skip_rel;        /* a directory under root left out (the index's own) */
    const rv_chunk_params *chunk; /* NULL: rv_chunk_default_params() */
    rv_ingest_embed_fn embed;    /* NULL: no vectors */
    void *embed_user;
    /* With embed NULL: the batches still get text hashes and the vectors
     * the sink has for them (find_vector), has_vec saying which; the rest
     * is left for a later embedding pass (index/embed.c). */
    int defer_embed;
    size_t dim;
    size_t batch_chunks; /* chunks per commit; 0: one batch for the whole run */
    size_t batch_files;  /* files per commit; 0: no limit */
    /* 0: each batch's texts go to `embed` in one call, in order; else in
     * slices of this many, shortest first (a lively progress line). */
    size_t embed_slice;
    int walk_order; /* 1: files in walk order; 0: sorted by rel (strcmp) */
    /* The order files are read and embedded in: by order(rel), lower
     * first, then as above; NULL: as above alone. */
    int (*order)(void *user, const char *rel);
    void *order_user;
    /* Threads that read, hash and chunk; 0 or 1: the caller's alone. The
     * batches, chunks and commits are the same for every count. */
    int threads;
    rv_walk_skip_fn on_skip; /* walk skips and unreadable files; may be NULL */
    void *skip_user;
    rv_progress_fn progress; /* "walk", "chunk", "embed", "write"; may be NULL */
    void *progress_user;
    /* Tests only: called at "file-read" and "batch-embedded". */
    void (*test_hook)(void *user, const char *point);
    void *test_hook_user;
} rv_ingest_params;

rv_ingest_params rv_ingest_default_params(void);

/* Runs the pipeline over params.root into sink. stats may be NULL. On error
 * the batches committed so far stay committed. */
rv_status rv_ingest_run(const rv_ingest_params *p, const rv_ingest_sink *sink,
                        rv_ingest_stats *stats);

/* The freshness question without reading a file: walks (with the sink's
 * fast path) and sets *fresh to 1 when every walked file is held with the
 * same stat and the sink holds no other file. */
rv_status rv_ingest_check(const rv_ingest_params *p, const rv_ingest_sink *sink, int *fresh);

/* What a run would have to read, without reading a file: walks (with the
 * sink's fast path) and counts the files whose stat differs from what the
 * sink holds, and their bytes. */
rv_status rv_ingest_estimate(const rv_ingest_params *p, const rv_ingest_sink *sink,
                             size_t *files, uint64_t *bytes);

/* Content hash the pipeline and the sinks agree on (xxh3-128). */
void rv_ingest_hash(uint8_t out[16], const void *data, size_t len);

/* ---- the in-memory sink: a corpus built for one search ---- */

/* Collects committed chunks and vectors into `corpus` (zeroed by the caller)
 * and the stat of every file, so rv_ingest_check can later tell whether the
 * tree changed. Free with rv_ingest_memory_clear. */
typedef struct rv_ingest_memfile {
    char *rel;
    int64_t size, mtime_ns, ino;
} rv_ingest_memfile;

typedef struct rv_ingest_memory {
    rv_corpus corpus;
    rv_ingest_memfile *files; /* sorted by rel once sealed */
    size_t nfiles, capfiles;
    int sealed;
} rv_ingest_memory;

rv_ingest_sink rv_ingest_memory_sink(rv_ingest_memory *m);
/* Sorts what was collected for lookups (after rv_ingest_run). */
void rv_ingest_memory_seal(rv_ingest_memory *m);
void rv_ingest_memory_clear(rv_ingest_memory *m); /* frees all; zeroes *m */

#endif
