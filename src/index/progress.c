/* The indexer's progress where other processes can read it: a small text
 * file "<index>.progress" that the writer of the index replaces atomically
 * (write a temporary, rename) when it takes the lock, about once a second
 * while it works, and when it finishes. Whether an indexer runs is never
 * read from the file alone: its pid must be alive and the writer lock held. */
#include "index/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static double wall_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Best effort: a reader sees the old record or the new, never half. With
 * `text`, that is written instead of this run's record. */
static void record_write(const rv_index_recorder *r, const char *text) {
    char path[4200], tmp[4300];
    if (snprintf(path, sizeof path, "%s.progress", r->db_path) >= (int)sizeof path) return;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    if (text)
        fputs(text, f);
    else
        fprintf(f,
                "pid %ld\nstarted %.3f\nupdated %.3f\ncomplete %d\nfiles_done %zu\n"
                "files_total %zu\nchunks_embedded %zu\nchunks_chunked %zu\nbytes_done %llu\n"
                "bytes_total %llu\n",
                (long)getpid(), r->started, wall_s(), r->complete, r->files_done, r->files_total,
                r->chunks_embedded, r->chunks_chunked, (unsigned long long)r->bytes_done,
                (unsigned long long)r->bytes_total);
    int ok = fflush(f) == 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

void rv_index_recorder_start(rv_index_recorder *r, const char *db_path, rv_progress_fn next,
                             void *next_user) {
    memset(r, 0, sizeof *r);
    r->db_path = db_path;
    r->next = next;
    r->next_user = next_user;
    r->started = wall_s();
    char path[4200];
    snprintf(path, sizeof path, "%s.progress", db_path);
    FILE *f = fopen(path, "r");
    if (f) {
        r->prev_len = fread(r->prev, 1, sizeof r->prev - 1, f);
        r->prev[r->prev_len] = 0;
        fclose(f);
    }
    record_write(r, NULL);
    r->last = r->started;
}

void rv_index_recorder_progress(void *user, const rv_progress *p) {
    rv_index_recorder *r = user;
    /* the embedding pass's first report: its total, at once */
    int first_embed = strcmp(p->phase, "embed") == 0 && !r->saw_embed;
    r->saw_embed |= first_embed;
    r->files_done = p->files_done;
    r->files_total = p->files_total;
    r->bytes_done = p->bytes_done;
    r->bytes_total = p->bytes_total;
    if (strcmp(p->phase, "done") != 0) { /* "done" counts the whole call, not this pass */
        r->chunks_embedded = p->chunks_done;
        r->chunks_chunked = p->chunks_total;
    }
    double t = wall_s();
    if (t - r->last >= 1.0 || strcmp(p->phase, "walk") == 0 || first_embed) {
        record_write(r, NULL);
        r->last = t;
    }
    if (r->next) r->next(r->next_user, p);
}

void rv_index_recorder_finish(rv_index_recorder *r, int complete) {
    r->complete = complete;
    /* nothing done: the record of the run that did the work stays */
    int idle = complete && !r->files_total && !r->chunks_embedded && r->prev_len &&
               strstr(r->prev, "complete 1");
    record_write(r, idle ? r->prev : NULL);
}

/* 1 when someone holds the writer lock of db_path (a shared lock would wait). */
static int lock_held(const char *db_path) {
    char path[4200];
    snprintf(path, sizeof path, "%s.lock", db_path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* releases a shared lock taken */
    return held;
}

static int pid_alive(long pid) {
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

rv_status rv_index_progress_get(rv_index_progress *out, const char *db_path) {
    memset(out, 0, sizeof *out);
    out->eta_s = -1;
    if (!db_path) return rv_error_set(RV_ERR_INVALID_ARG, "index progress: no path");
    char path[4200];
    snprintf(path, sizeof path, "%s.progress", db_path);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? RV_ERR_NOT_FOUND
                               : rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
    char key[32];
    double v;
    while (fscanf(f, "%31s %lf", key, &v) == 2) {
        if (v < 0 || v > 1e15) continue; /* nonsense stays out */
        if (strcmp(key, "pid") == 0)
            out->pid = (long)v;
        else if (strcmp(key, "started") == 0)
            out->started = v;
        else if (strcmp(key, "updated") == 0)
            out->updated = v;
        else if (strcmp(key, "complete") == 0)
            out->complete = v != 0;
        else if (strcmp(key, "files_done") == 0)
            out->files_done = (size_t)v;
        else if (strcmp(key, "files_total") == 0)
            out->files_total = (size_t)v;
        else if (strcmp(key, "chunks_embedded") == 0)
            out->chunks_embedded = (size_t)v;
        else if (strcmp(key, "chunks_chunked") == 0)
            out->chunks_chunked = (size_t)v;
        else if (strcmp(key, "bytes_done") == 0)
            out->bytes_done = (uint64_t)v;
        else if (strcmp(key, "bytes_total") == 0)
            out->bytes_total = (uint64_t)v;
    }
    fclose(f);
    out->running = !out->complete && pid_alive(out->pid) && lock_held(db_path);
    rv_progress p = {.files_done = out->files_done,
                     .files_total = out->files_total,
                     .chunks_done = out->chunks_embedded,
                     .chunks_total = out->chunks_chunked,
                     .bytes_done = out->bytes_done,
                     .bytes_total = out->bytes_total};
    out->chunks_total = rv_progress_chunks_estimate(&p);
    double span = out->updated - out->started;
    if (span > 0) out->rate = (double)out->chunks_embedded / span;
    if (out->running && out->rate > 0)
        out->eta_s = (double)(out->chunks_total - out->chunks_embedded) / out->rate;
    return RV_OK;
}

rv_status rv_index_stop(long *pid_out, const char *db_path, double wait_s) {
    *pid_out = 0;
    rv_index_progress pr;
    rv_status st = rv_index_progress_get(&pr, db_path);
    if (st == RV_ERR_NOT_FOUND || (st == RV_OK && !pr.running))
        return rv_error_set(RV_ERR_NOT_FOUND, "no indexer is running for %s", db_path);
    if (st != RV_OK) return st;
    *pid_out = pr.pid;
    if (kill((pid_t)pr.pid, SIGTERM) != 0 && errno != ESRCH)
        return rv_error_set(RV_ERR_IO, "kill %ld: %s", pr.pid, strerror(errno));
    int alive = 1; /* a dead writer's lock is gone even while it is a zombie */
    for (double t0 = wall_s();
         (alive = pid_alive(pr.pid) && lock_held(db_path)) && wall_s() - t0 < wait_s;)
        usleep(20000);
    if (alive) return rv_error_set(RV_ERR_IO, "the indexer (pid %ld) is still running", pr.pid);
    return RV_OK;
}

/* ---- the files a search wanted, embedded first ---- */

rv_status rv_index_want(const char *db_path, const char *const *rels, size_t n) {
    char path[4200], tmp[4300];
    if (!db_path || snprintf(path, sizeof path, "%s.wanted", db_path) >= (int)sizeof path)
        return rv_error_set(RV_ERR_INVALID_ARG, "index want: bad path");
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return rv_error_set(RV_ERR_IO, "%s: %s", tmp, strerror(errno));
    for (size_t i = 0; i < n; i++)
        if (!strchr(rels[i], '\n')) fprintf(f, "%s\n", rels[i]);
    int ok = fflush(f) == 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return rv_error_set(RV_ERR_IO, "%s: could not write", path);
    }
    return RV_OK;
}

void rv_index_wanted_free(char **rels, size_t n) {
    for (size_t i = 0; rels && i < n; i++)
        free(rels[i]);
    free(rels);
}

rv_status rv_index_wanted(char ***rels, size_t *n, const char *db_path) {
    *rels = NULL;
    *n = 0;
    char path[4200], line[4200];
    snprintf(path, sizeof path, "%s.wanted", db_path ? db_path : "");
    FILE *f = fopen(path, "r");
    if (!f) return RV_OK;
    size_t cap = 0;
    rv_status st = RV_OK;
    while (*n < 4096 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0]) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **r = realloc(*rels, cap * sizeof *r);
            if (!r) goto oom;
            *rels = r;
        }
        if (!((*rels)[*n] = strdup(line))) goto oom;
        (*n)++;
    }
    goto done;
oom:
    st = rv_error_set(RV_ERR_NOMEM, "out of memory");
    rv_index_wanted_free(*rels, *n);
    *rels = NULL;
    *n = 0;
done:
    fclose(f);
    return st;
}
