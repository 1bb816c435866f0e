/* ripvec index status|stop [PATH]: what the index holds, how far its
 * indexer is (issue 22), and ending that indexer. */
#include "cli/cli.h"
#include "cli/opt.h"

#include "ripvec/embed.h"
#include "ripvec/index.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fmt_time(char *buf, size_t cap, int64_t t) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S %z", &tm))
        snprintf(buf, cap, "never");
}

static void fmt_span(char *buf, size_t cap, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, cap, "%lds", t);
}

/* The tree's chunks as far as known: the stored ones (the indexer commits
 * every chunk before its vectors), or the embedded ones and the last run's
 * chunks not embedded yet while it is unfinished, whichever is more. */
static int64_t total_chunks(const rv_index_info *info, const rv_index_progress *pr, int have) {
    int64_t left = have && !pr->complete ? (int64_t)(pr->chunks_total - pr->chunks_embedded) : 0;
    int64_t known = info->chunks + left;
    return known > info->chunks_stored ? known : info->chunks_stored;
}

static void indexer_line(char *buf, size_t cap, const rv_index_progress *pr, int have) {
    char when[64], eta[32];
    if (!have) {
        snprintf(buf, cap, "not running (none recorded)");
    } else if (pr->running && !pr->chunks_total) {
        snprintf(buf, cap, "running (pid %ld): reading its first files", pr->pid);
    } else if (pr->running) {
        fmt_span(eta, sizeof eta, pr->eta_s);
        snprintf(buf, cap, "running (pid %ld): %zu of ~%zu chunks this run, %.1f chunks/s%s%s%s",
                 pr->pid, pr->chunks_embedded, pr->chunks_total, pr->rate,
                 pr->eta_s >= 0 ? ", about " : "", pr->eta_s >= 0 ? eta : "",
                 pr->eta_s >= 0 ? " left" : "");
    } else if (pr->complete) {
        fmt_time(when, sizeof when, (int64_t)pr->updated);
        snprintf(buf, cap, "not running (last run complete at %s)", when);
    } else {
        snprintf(buf, cap, "not running (stopped at %zu of ~%zu chunks; a search resumes it)",
                 pr->chunks_embedded, pr->chunks_total);
    }
}

static void print_plain(const rv_index_info *info, const rv_index_progress *pr, int have) {
    char created[64], updated[64], line[512];
    fmt_time(created, sizeof created, info->created);
    fmt_time(updated, sizeof updated, info->updated);
    int64_t total = total_chunks(info, pr, have);
    printf("path:        %s\n", info->path);
    printf("root:        %s\n", info->root);
    printf("model:       %s\n", info->model_id);
    printf("format:      %d\n", info->format_version);
    printf("files:       %lld\n", (long long)info->files);
    printf("chunks:      %lld\n", (long long)info->chunks_stored);
    if (have && pr->running && !pr->chunks_total) /* no total before its first files */
        printf("embedded:    %lld chunks so far\n", (long long)info->chunks);
    else
        printf("embedded:    %lld of %s%lld chunks (%.0f%%)\n", (long long)info->chunks,
               total > info->chunks_stored ? "~" : "", (long long)total,
               total > 0 ? 100.0 * (double)info->chunks / (double)total : 100.0);
    indexer_line(line, sizeof line, pr, have);
    printf("indexer:     %s\n", line);
    printf("created:     %s\n", created);
    printf("updated:     %s\n", updated);
    if (info->consistent)
        printf("consistent:  yes\n");
    else
        printf("consistent:  no (%s)\n", info->problem);
}

static int print_json(const rv_index_info *info, const rv_index_progress *pr, int have) {
    cJSON *o = cJSON_CreateObject(), *ix = NULL;
    int64_t total = total_chunks(info, pr, have);
    int ok = o && cJSON_AddStringToObject(o, "path", info->path) &&
             cJSON_AddStringToObject(o, "root", info->root) &&
             cJSON_AddStringToObject(o, "model", info->model_id) &&
             cJSON_AddNumberToObject(o, "format", info->format_version) &&
             cJSON_AddNumberToObject(o, "files", (double)info->files) &&
             cJSON_AddNumberToObject(o, "chunks", (double)info->chunks_stored) &&
             cJSON_AddNumberToObject(o, "embedded", (double)info->chunks) &&
             cJSON_AddNumberToObject(o, "total", (double)total) &&
             cJSON_AddNumberToObject(o, "created", (double)info->created) &&
             cJSON_AddNumberToObject(o, "updated", (double)info->updated) &&
             cJSON_AddBoolToObject(o, "consistent", info->consistent) &&
             (info->consistent || cJSON_AddStringToObject(o, "problem", info->problem)) &&
             (ix = cJSON_AddObjectToObject(o, "indexer")) != NULL &&
             cJSON_AddBoolToObject(ix, "running", pr->running) &&
             cJSON_AddBoolToObject(ix, "complete", have && pr->complete);
    if (ok && have)
        ok = cJSON_AddNumberToObject(ix, "pid", (double)pr->pid) &&
             cJSON_AddNumberToObject(ix, "started", pr->started) &&
             cJSON_AddNumberToObject(ix, "chunks_embedded", (double)pr->chunks_embedded) &&
             cJSON_AddNumberToObject(ix, "chunks_total", (double)pr->chunks_total) &&
             cJSON_AddNumberToObject(ix, "rate", pr->rate) &&
             (pr->eta_s < 0 || cJSON_AddNumberToObject(ix, "eta_s", pr->eta_s));
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text) return rv_cli_fail("out of memory");
    printf("%s\n", text);
    free(text);
    return RV_EXIT_OK;
}

int rv_cli_index_status(const rv_opts *o, const char *root, const rv_model *m) {
    rv_index_params ip = rv_index_default_params();
    ip.root = root;
    ip.cache_dir = o->cfg.cache_dir;
    ip.repo_level = o->cfg.repo_level;
    ip.mode = RV_INDEX_INSPECT;
    rv_index *idx = NULL;
    rv_status st = rv_index_open(&idx, m, &ip);
    if (st == RV_ERR_NOT_FOUND) {
        char *path = NULL;
        rv_index_locate(&path, rv_model_id(m), &ip);
        printf("path:        %s\nconsistent:  no (no index yet; a search creates it)\n",
               path ? path : "?");
        free(path);
        return RV_EXIT_ERROR;
    }
    if (st != RV_OK) {
        printf("consistent:  no (%s)\n", rv_error_last());
        return rv_cli_fail("%s", rv_error_last());
    }
    rv_index_info info;
    st = rv_index_status(idx, &info);
    rv_index_close(idx);
    if (st != RV_OK) return rv_cli_fail("%s", rv_error_last());
    rv_index_progress pr;
    int have = rv_index_progress_get(&pr, info.path) == RV_OK;
    if (o->sink.format == RV_SINK_JSON) {
        int rc = print_json(&info, &pr, have);
        if (rc != RV_EXIT_OK) return rc;
    } else {
        print_plain(&info, &pr, have);
    }
    return info.consistent ? RV_EXIT_OK : RV_EXIT_ERROR;
}

int rv_cli_index_stop(const rv_opts *o, const char *root, const rv_model *m) {
    rv_index_params ip = rv_index_default_params();
    ip.root = root;
    ip.cache_dir = o->cfg.cache_dir;
    ip.repo_level = o->cfg.repo_level;
    char *path = NULL;
    if (rv_index_locate(&path, rv_model_id(m), &ip) != RV_OK)
        return rv_cli_fail("%s", rv_error_last());
    long pid = 0;
    rv_status st = rv_index_stop(&pid, path, 5.0);
    free(path);
    if (st == RV_ERR_NOT_FOUND) {
        if (!o->quiet) fprintf(stderr, "ripvec: no indexer is running for %s\n", root);
        return RV_EXIT_NONE;
    }
    if (st != RV_OK) return rv_cli_fail("%s", rv_error_last());
    if (!o->quiet) printf("stopped the indexer (pid %ld)\n", pid);
    return RV_EXIT_OK;
}
