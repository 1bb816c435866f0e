/*
 * ripvec/index.h — the persistent, incremental, crash-safe index of one root.
 *
 *   rv_index_params ip = rv_index_default_params();
 *   ip.root = "."; ip.walk = &walk_params;             // NULL walk = defaults
 *   ip.note = print_note; ip.note_user = NULL;         // one-line notices
 *   rv_index *idx;
 *   if (rv_index_open(&idx, model, &ip) != RV_OK) fail(rv_error_last());
 *   rv_index_stats stats;
 *   if (rv_index_update(idx, ctx, &chunk_params, NULL, NULL, &stats) != RV_OK) fail(...);
 *   rv_corpus corpus = {0};
 *   rv_index_corpus(idx, &corpus);                     // all chunks + vectors
 *   ... rank ...
 *   rv_corpus_free(&corpus);
 *   rv_index_close(idx);
 *
 * Where it lives: one SQLite file per canonical root (realpath) and model id,
 *   <cache>/indexes/<root-basename>-<hash of root>/<model-slug>.sqlite
 * with <cache> = params.cache_dir, which the front end gives (rv_cache_root
 * computes the usual one; the library reads no environment): without it,
 * RV_ERR_INVALID_ARG. With repo_level the file is
 * <root>/.ripvec/<model-slug>.sqlite instead (portable, can be committed)
 * and cache_dir is not needed.
 *
 * What update does: walks the root, and for each file compares size, mtime
 * (ns) and inode with the stored row; only files whose stat changed are read
 * and hashed (xxh3-128); a touched-but-identical file just gets its stat
 * healed. Changed and new files are chunked; a chunk whose embed_text is
 * already stored anywhere in the index reuses that vector, the rest are
 * embedded in batches, and each batch of whole files is committed in one
 * transaction: a kill -9 at any moment leaves a consistent index, and the
 * next run redoes only the files that were not committed. Files gone from
 * the walk leave the index.
 *
 * Concurrency: writers to one index serialize on an flock of
 * "<index>.lock" (a second `ripvec` waits, then finds the work done);
 * readers see committed snapshots (SQLite WAL). An index that cannot be
 * written (a read-only cache or checkout: the lock or the file not
 * writable) is opened read-only: rv_index_update then searches what is
 * there without refreshing it, and says so once through `info`. A model/dim change or an
 * older format rebuilds; a newer format is refused (RV_ERR_UNSUPPORTED,
 * "index format N is newer than this ripvec (M); run `ripvec index rebuild`
 * or upgrade"). A corrupt or truncated file is reported through `note` in one
 * line and rebuilt from scratch. The library never prints.
 *
 * Threading rule: an rv_index is used by one thread at a time; several
 * processes and handles may share one index file.
 */
#ifndef RIPVEC_INDEX_H
#define RIPVEC_INDEX_H

#include "ripvec/chunk.h"
#include "ripvec/common.h"
#include "ripvec/corpus.h"
#include "ripvec/embed.h"
#include "ripvec/walk.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_index rv_index;

/* Embeds n texts into out[n * dim] (L2-normalized rows, input order). The
 * default is rv_embed_texts on the ctx given to rv_index_update; tests plug
 * in a fast fake here. */
typedef rv_status (*rv_index_embed_fn)(void *user, const char *const *texts, const size_t *lens,
                                       size_t n, float *out);

typedef enum rv_index_mode {
    RV_INDEX_OPEN = 0,    /* create when missing; rebuild when corrupt or stale */
    RV_INDEX_REBUILD = 1, /* index everything again (even over a newer format),
                             beside the live index, which rv_index_update then
                             replaces in one transaction: readers never see it
                             empty. A rebuild that waited for another one to
                             finish just updates. */
    RV_INDEX_INSPECT = 2  /* read-only, no create, no repair: for status */
} rv_index_mode;

typedef struct rv_index_params {
    const char *root;           /* directory to index; required */
    const char *cache_dir;      /* the cache root (see above); required unless repo_level */
    int repo_level;             /* 1: <root>/.ripvec/ instead of the user cache */
    const rv_walk_params *walk; /* NULL: walker defaults; copied, but the arrays
                                   it points to (types, globs) must outlive the index */
    /* Files the walk leaves out (binary, too large, unreadable...); may be NULL. */
    rv_walk_skip_fn on_skip;
    void *skip_user;
    void (*note)(void *user, const char *msg); /* one-line notices (rebuilds); may be NULL */
    void *note_user;
    /* Notices for a verbose user (`-v`): a read-only index not refreshed.
     * Called with note_user; may be NULL. */
    void (*info)(void *user, const char *msg);
    rv_index_mode mode;
    /* 1: a reader that finds another process writing does not wait: open
     * and rv_index_update answer from the last committed state (when there
     * is one; an empty index is still waited for). */
    int no_wait;
    /* 1: rv_index_update leaves the work to a writer already at it: it
     * returns RV_ERR_BUSY at once, even on an empty index (the background
     * indexer: one per index, never a queue of them). */
    int if_idle;
    /* Identity when no model is passed to rv_index_open (tests, tools). */
    const char *model_id;
    size_t dim;
    rv_index_embed_fn embed; /* NULL: rv_embed_texts(ctx, ...) */
    void *embed_user;
    size_t batch_chunks; /* chunks embedded per batch/commit; 0 = 256 */
    int threads;         /* threads that read and chunk files; 0 = all cores */
    int load_embed_text; /* 1: rv_index_corpus fills chunk.embed_text too (else NULL;
                            ranking never needs it) */
    /* The order files are embedded in (lower first, then by path); NULL: by
     * path. The searcher puts wanted files (rv_index_want), then source,
     * tests and documents. */
    int (*order)(void *user, const char *rel);
    void *order_user;
    /* Measurements only (docs/INDEX.md, coverage): an update embeds at most
     * about this many chunks (the batch, of 32 or one file, that reaches it
     * still goes in), then fails with RV_ERR_CANCELLED
     * leaving what it committed; 0: no limit. */
    size_t embed_limit;
    /* Tests only: called at named points ("file-read", "batch-embedded",
     * "file-written", "batch-committed") so a test can kill the process. */
    void (*test_hook)(void *user, const char *point);
    void *test_hook_user;
    /* Called once an update has committed every file's chunks and before
     * it embeds the ones without a vector, with the committed corpus (its
     * text_generation set): the searcher builds and saves the keyword
     * index there, so searches meanwhile load it. NULL: nothing. */
    void (*on_chunked)(void *user, const rv_corpus *corpus);
    void *on_chunked_user;
    /* The most of the embedding pass's time that saving the corpus snapshot
     * after each batch may take; a save that would go past it is skipped
     * (big trees). 0: a tenth. 1 or more: every batch (tests, which must
     * not depend on how fast the machine writes). */
    double snapshot_share;
} rv_index_params;

rv_index_params rv_index_default_params(void);

/* Opens (creating, repairing or rebuilding as params.mode says) the index of
 * params.root for `model` (or params.model_id/dim when model is NULL). Takes
 * the writer lock only while it creates or repairs. Errors: RV_ERR_INVALID_ARG,
 * RV_ERR_UNSUPPORTED (newer format), RV_ERR_NOT_FOUND (INSPECT and no index),
 * RV_ERR_CORRUPT (INSPECT), RV_ERR_IO. Caller frees with rv_index_close.
 * Copies what it keeps from params. */
rv_status rv_index_open(rv_index **out, const rv_model *model, const rv_index_params *p);

/* Seconds the last pass over the tree (an update, or answering at once)
 * spent walking, reading and hashing, chunking (CPU seconds, read and
 * chunk summed over the threads that did them) and committing (wall). */
typedef struct rv_index_times {
    double walk_s, read_s, chunk_s, commit_s;
} rv_index_times;
rv_index_times rv_index_last_times(const rv_index *idx);

typedef struct rv_index_stats {
    size_t files_seen;      /* files the walk produced */
    size_t files_changed;   /* stored files whose content changed (re-chunked) */
    size_t files_added;     /* new files */
    size_t files_removed;   /* files gone from the walk */
    size_t files_touched;   /* stat changed, content identical: stat healed only */
    size_t chunks_total;    /* chunks in the index afterwards */
    size_t chunks_embedded; /* chunks sent to the embedder this time */
    size_t chunks_reused;   /* chunks of changed/new files whose vector was reused */
    double seconds;
    int stale; /* 1: not brought up to date (read-only index, or another
                  process writing): the last committed state was loaded */
} rv_index_stats;

/* Brings the index up to date with the files under root (see above), holding
 * the writer lock. `ctx` may be NULL when params.embed is set; cp NULL =
 * rv_chunk_default_params(); progress and stats may be NULL. On
 * corruption found while reading, the index is rebuilt within this call.
 * The chunks loaded while checking are kept for rv_index_corpus. */
rv_status rv_index_update(rv_index *idx, rv_embed_ctx *ctx, const rv_chunk_params *cp,
                          rv_progress_fn progress, void *progress_user, rv_index_stats *stats);

/* The freshness question: *fresh = 1 when the index still holds the corpus
 * of `generation` (rv_corpus.generation of what rv_index_corpus gave) and
 * every file under root has the stat stored for it, so rv_index_update
 * would change nothing. Walks, reads no file, takes no lock. */
rv_status rv_index_fresh(rv_index *idx, uint64_t generation, int *fresh);

/* How big the index would be once complete, without reading a file: the
 * stored chunks plus the bytes of the files to (re)read at about 512 bytes
 * a chunk (code measures 480-600). Walks; takes no lock. */
rv_status rv_index_estimate(rv_index *idx, size_t *chunks, size_t *files_pending);

/* Fills *out (which must be zeroed) with every chunk and vector, in (path,
 * position) order: the corpus the last rv_index_update loaded, either mapped
 * from the verified snapshot of the current store generation
 * (<index>.corpus; out->backing then owns the mapping) or read from SQLite,
 * one SELECT streamed into a preallocated matrix with each row's checksum
 * verified. chunk.embed_text is NULL unless params.load_embed_text (which also
 * bypasses the snapshot). Caller frees with rv_corpus_free. RV_ERR_CORRUPT on
 * a damaged row (the next rv_index_update rebuilds). */
rv_status rv_index_corpus(rv_index *idx, rv_corpus *out);

/* Answering at once, before (or while) the index is brought up to date:
 * *out (zeroed by the caller) gets the committed corpus less the files that
 * changed or went away, plus the chunks of every file not embedded yet with
 * zero vectors (they rank by keywords alone); *files_pending and
 * *chunks_pending say how much is not embedded. Reads and chunks those
 * files; embeds nothing, writes nothing, takes no lock. out->generation is
 * 0 unless nothing is pending. cp as for rv_index_update. Free with
 * rv_corpus_free. */
rv_status rv_index_corpus_now(rv_index *idx, const rv_chunk_params *cp, rv_corpus *out,
                              size_t *files_pending, size_t *chunks_pending);

typedef struct rv_index_info {
    char path[4096]; /* the SQLite file */
    char model_id[256];
    char root[1024];
    int format_version;
    int64_t files, chunks;    /* chunks: those with a vector */
    int64_t created, updated; /* unix seconds */
    int consistent;           /* quick_check, row checksums and counts all pass */
    char problem[256];        /* first problem when not consistent */
    int64_t chunks_stored;    /* every committed chunk, with a vector or not yet */
} rv_index_info;

/* The progress of the index's writer (the background indexer, or whoever
 * updates it), from "<index>.progress", which each update rewrites
 * atomically when it takes the writer lock, about once a second, and when
 * it ends. Counts are of the current (or last) run. */
typedef struct rv_index_progress {
    int running;                      /* the recorded pid is alive and holds the writer lock */
    int complete;                     /* the last run finished with the index up to date */
    long pid;                         /* the last writer (0: none recorded) */
    double started, updated;          /* unix seconds */
    size_t files_done, files_total;   /* files read of those to read */
    uint64_t bytes_done, bytes_total; /* their bytes (0: an older record) */
    size_t chunks_embedded;           /* embedded by this run */
    size_t chunks_chunked;            /* chunked by this run so far */
    size_t chunks_total;              /* this run's chunks (rv_progress_chunks_estimate) */
    double rate;                      /* chunks embedded per second */
    double eta_s;                     /* seconds left while running; < 0 unknown */
} rv_index_progress;

/* Reads the record of the index at db_path (rv_index_path). RV_ERR_NOT_FOUND
 * when no update ever recorded one. A stale pid never counts as running. */
rv_status rv_index_progress_get(rv_index_progress *out, const char *db_path);

/* Ends the running indexer of db_path: SIGTERM (the index's crash safety
 * holds), then up to wait_s seconds for it to go. *pid gets its pid.
 * RV_ERR_NOT_FOUND when none runs; RV_ERR_IO when it did not end in time. */
rv_status rv_index_stop(long *pid, const char *db_path, double wait_s);

/* The files a search wanted (the files of its results), for the indexer to
 * embed first: "<index>.wanted", replaced atomically (best effort: a
 * missing list only loses the preference). rv_index_wanted reads it back:
 * *rels (each and the array malloc'd; free with rv_index_wanted_free) is
 * empty when there is none. */
rv_status rv_index_want(const char *db_path, const char *const *rels, size_t n);
rv_status rv_index_wanted(char ***rels, size_t *n, const char *db_path);
void rv_index_wanted_free(char **rels, size_t n);

/* Inspects the index (full verification: reads every row). */
rv_status rv_index_status(rv_index *idx, rv_index_info *out);

/* Deletes the index file and every side file (WAL, snapshot, keyword
 * index, lock, an unfinished rebuild) under the lock; idx is then closed:
 * only rv_index_path and rv_index_close remain usable. */
rv_status rv_index_clear(rv_index *idx);

/* One index of the cache (rv_index_list). */
typedef struct rv_index_entry {
    char *path;        /* the SQLite file */
    char *root;        /* the root it indexes ("" when unreadable) */
    char *model_id;    /* "" when unreadable */
    int64_t bytes;     /* all its files together */
    int64_t last_used; /* unix seconds: the last search or update that opened it */
    int root_exists;
} rv_index_entry;

/* Every index under <cache_dir>/indexes (cache_dir as in rv_index_params,
 * required), sorted by path. Unreadable ones are listed with empty root and model.
 * Free with rv_index_list_free. */
rv_status rv_index_list(rv_index_entry **out, size_t *n, const char *cache_dir);
void rv_index_list_free(rv_index_entry *l, size_t n);

/* Deletes the index at `path` (rv_index_entry.path) with all its side files;
 * RV_ERR_IO when another ripvec is writing it. */
rv_status rv_index_remove(const char *path);

/* The SQLite file's path (owned by idx). */
const char *rv_index_path(const rv_index *idx);

/* The path the index of params.root would have, without opening it
 * (malloc'd; caller frees). */
rv_status rv_index_locate(char **out, const char *model_id, const rv_index_params *p);

void rv_index_close(rv_index *idx); /* NULL ok */

#ifdef __cplusplus
}
#endif
#endif
