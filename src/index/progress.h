/* index/progress.h — the writer's progress record, "<index>.progress"
 * (index/progress.c); read back with rv_index_progress_get (ripvec/index.h). */
#ifndef RV_INDEX_PROGRESS_H
#define RV_INDEX_PROGRESS_H

#include "ripvec/index.h"

/* Records one update's progress; passes every report on to `next`. */
typedef struct rv_index_recorder {
    const char *db_path;
    rv_progress_fn next;
    void *next_user;
    double started, last; /* unix seconds */
    int complete;
    int saw_embed; /* the embedding pass reported (its first report is written at once) */
    size_t files_done, files_total, chunks_embedded, chunks_chunked;
    uint64_t bytes_done, bytes_total;
    char prev[1024]; /* the record found at the start ("" none): a run that */
    size_t prev_len; /* had nothing to do puts it back */
} rv_index_recorder;

/* Writes the first record (this pid, now) once the writer lock is held. */
void rv_index_recorder_start(rv_index_recorder *r, const char *db_path, rv_progress_fn next,
                             void *next_user);
/* An rv_progress_fn (user = the recorder): a record at most once a second. */
void rv_index_recorder_progress(void *user, const rv_progress *p);
/* The last record: complete = 1 when the index is up to date. */
void rv_index_recorder_finish(rv_index_recorder *r, int complete);

#endif
