/* ripvec index status|clear|rebuild [OPTIONS] [PATH] — the persistent index by hand. */
#include "cli/cli.h"

#include "ripvec/embed.h"
#include "ripvec/index.h"
#include "ripvec/model_store.h"
#include "ripvec/search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char g_usage[] =
    "usage: ripvec index status|update|clear|rebuild [OPTIONS] [PATH]\n"
    "       ripvec index list|gc [OPTIONS]\n"
    "\n"
    "  status    files, chunks, model, format, last update, location, and a full\n"
    "            consistency check (exit 0 consistent, 2 missing or damaged)\n"
    "  update    bring the index of PATH up to date (what a search does first)\n"
    "  clear     delete the index of PATH for the model\n"
    "  rebuild   index everything of PATH again (searches keep the old index\n"
    "            until the new one is complete)\n"
    "  list      every index in the cache: root, model, size, last used\n"
    "  gc        delete indexes whose root is gone or that were not used for\n"
    "            --older-than DAYS (default 90)\n"
    "\n"
    "PATH defaults to the current directory. Options:\n"
    "      --model M        model name or directory (default $RIPVEC_MODEL or\n"
    "                       all-minilm-l6-v2)\n"
    "      --cache-dir DIR  where indexes live (default $RIPVEC_CACHE, else\n"
    "                       $XDG_CACHE_HOME/ripvec or ~/.cache/ripvec)\n"
    "      --repo-level     the index in PATH/.ripvec/\n"
    "      --device D       cpu (default), cuda or auto (rebuild)\n"
    "  -j, --threads N      engine threads (rebuild)\n"
    "      --precision P    the index of fp32 (default), fp16 or int8 weights\n"
    "      --hidden, --no-ignore, -L/--follow\n"
    "                       walk options for rebuild (as for search)\n"
    "      --older-than D   gc: days without use before an index goes\n"
    "  -q, --quiet          no progress or notes\n"
    "  -h, --help           this help\n";

typedef struct opts {
    const char *action, *path, *model, *cache_dir, *device;
    int repo_level, threads, quiet, hidden, no_ignore, follow;
    long older_than_days; /* gc; -1: the default */
    rv_precision precision;
} opts;

static int parse(opts *o, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t alen = eq ? (size_t)(eq - a) : strlen(a);
#define IS(name) (strlen(name) == alen && strncmp(a, name, alen) == 0)
#define VALUE()                                                                                    \
    do {                                                                                           \
        if (eq)                                                                                    \
            val = eq + 1;                                                                          \
        else if (i + 1 < argc)                                                                     \
            val = argv[++i];                                                                       \
        else                                                                                       \
            return rv_cli_fail("%s needs a value", a);                                             \
    } while (0)
        if (IS("-h") || IS("--help")) {
            fputs(g_usage, stdout);
            return 1;
        } else if (IS("--model")) {
            VALUE();
            o->model = val;
        } else if (IS("--cache-dir")) {
            VALUE();
            o->cache_dir = val;
        } else if (IS("--device")) {
            VALUE();
            o->device = val;
        } else if (IS("-j") || IS("--threads")) {
            VALUE();
            char *end;
            errno = 0;
            long n = strtol(val, &end, 10);
            if (errno || *end || end == val || n < 0 || n > 4096)
                return rv_cli_fail("bad thread count '%s'", val);
            o->threads = (int)n;
        } else if (IS("--precision")) {
            VALUE();
            if (rv_precision_parse(&o->precision, val) != RV_OK)
                return rv_cli_fail("--precision: %s", rv_error_last());
        } else if (IS("--older-than")) {
            VALUE();
            char *end;
            errno = 0;
            long n = strtol(val, &end, 10);
            if (errno || *end || end == val || n < 0 || n > 100000)
                return rv_cli_fail("bad number of days '%s'", val);
            o->older_than_days = n;
        } else if (IS("--repo-level")) {
            o->repo_level = 1;
        } else if (IS("-q") || IS("--quiet")) {
            o->quiet = 1;
        } else if (IS("--hidden")) {
            o->hidden = 1;
        } else if (IS("--no-ignore")) {
            o->no_ignore = 1;
        } else if (IS("-L") || IS("--follow")) {
            o->follow = 1;
        } else if (a[0] == '-' && a[1]) {
            return rv_cli_fail("unknown option '%s' (see ripvec index --help)", a);
        } else if (!o->action) {
            o->action = a;
        } else if (!o->path) {
            o->path = a;
        } else {
            return rv_cli_fail("too many arguments (see ripvec index --help)");
        }
#undef IS
#undef VALUE
    }
    if (!o->action) {
        fputs(g_usage, stderr);
        return RV_EXIT_ERROR;
    }
    if (!o->path) o->path = ".";
    return 0;
}

static void on_note(void *user, const char *msg) {
    (void)user;
    fprintf(stderr, "ripvec: %s\n", msg);
}

static void fmt_time(char *buf, size_t cap, int64_t t) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S %z", &tm))
        snprintf(buf, cap, "never");
}

static int do_status(const opts *o, const rv_model *m) {
    rv_index_params ip = rv_index_default_params();
    ip.root = o->path;
    ip.cache_dir = o->cache_dir;
    ip.repo_level = o->repo_level;
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
    char created[64], updated[64];
    fmt_time(created, sizeof created, info.created);
    fmt_time(updated, sizeof updated, info.updated);
    printf("path:        %s\n", info.path);
    printf("root:        %s\n", info.root);
    printf("model:       %s\n", info.model_id);
    printf("format:      %d\n", info.format_version);
    printf("files:       %lld\n", (long long)info.files);
    printf("chunks:      %lld\n", (long long)info.chunks);
    printf("created:     %s\n", created);
    printf("updated:     %s\n", updated);
    if (info.consistent)
        printf("consistent:  yes\n");
    else
        printf("consistent:  no (%s)\n", info.problem);
    return info.consistent ? RV_EXIT_OK : RV_EXIT_ERROR;
}

/* Opening in REBUILD mode discards whatever is there (even a newer format or
 * a corrupt file); clear then deletes the files. */
static int do_clear(const opts *o, const rv_model *m) {
    rv_index_params ip = rv_index_default_params();
    ip.root = o->path;
    ip.cache_dir = o->cache_dir;
    ip.repo_level = o->repo_level;
    char *path = NULL;
    if (rv_index_locate(&path, rv_model_id(m), &ip) != RV_OK)
        return rv_cli_fail("%s", rv_error_last());
    if (access(path, F_OK) != 0) {
        if (!o->quiet) printf("no index at %s\n", path);
        free(path);
        return RV_EXIT_OK;
    }
    free(path);
    ip.mode = RV_INDEX_REBUILD;
    rv_index *idx = NULL;
    if (rv_index_open(&idx, m, &ip) != RV_OK) return rv_cli_fail("%s", rv_error_last());
    rv_status st = rv_index_clear(idx);
    if (st == RV_OK && !o->quiet) printf("removed %s\n", rv_index_path(idx));
    rv_index_close(idx);
    return st == RV_OK ? RV_EXIT_OK : rv_cli_fail("%s", rv_error_last());
}

typedef struct progress_state {
    int on;
    double last;
} progress_state;

static void on_progress(void *user, const rv_progress *p) {
    progress_state *ps = user;
    if (!ps->on) return;
    if (strcmp(p->phase, "done") == 0) {
        fputs("\r\033[K", stderr);
        return;
    }
    if (p->elapsed_s - ps->last < 0.1) return;
    ps->last = p->elapsed_s;
    fprintf(stderr, "\r\033[Kindexing: %s %zu/%zu files, %zu chunks embedded", p->phase,
            p->files_done, p->files_total, p->chunks_done);
}

/* Rebuild goes through the searcher so the chunking and walk settings are
 * exactly those a search uses (the next search then finds nothing to do). */
static int do_rebuild(const opts *o, rv_model **m, const char *model_dir, int rebuild) {
    rv_model_free(*m); /* the searcher loads its own */
    *m = NULL;

    progress_state ps = {.on = !o->quiet && isatty(2), .last = -1};
    rv_search_config cfg = rv_search_default_config();
    cfg.root = o->path;
    cfg.model_dir = model_dir;
    cfg.device = o->device;
    cfg.threads = o->threads;
    cfg.precision = o->precision;
    cfg.use_index = 1;
    cfg.cache_dir = o->cache_dir;
    cfg.repo_level = o->repo_level;
    cfg.rebuild = rebuild; /* beside the live index, which searches keep using */
    cfg.hidden = o->hidden;
    cfg.no_ignore = o->no_ignore;
    cfg.follow = o->follow;
    cfg.progress = on_progress;
    cfg.progress_user = &ps;
    if (!o->quiet) cfg.note = on_note;
    rv_searcher *s = NULL;
    rv_refresh_stats stats;
    int rc = RV_EXIT_OK;
    if (rv_searcher_open(&s, &cfg) != RV_OK || rv_searcher_refresh(s, &stats) != RV_OK) {
        if (ps.on) fputs("\r\033[K", stderr);
        rc = rv_cli_fail("%s", rv_error_last());
    } else if (!o->quiet) {
        printf("indexed %zu files, %zu chunks (%zu embedded) in %.2fs\n", stats.files, stats.chunks,
               stats.chunks_embedded, stats.seconds);
    }
    rv_searcher_close(s);
    return rc;
}

/* ---- list and gc: the cache as a whole, no model needed ---- */

static void fmt_size(char *buf, size_t cap, int64_t b) {
    if (b >= (int64_t)1 << 30)
        snprintf(buf, cap, "%.1fG", (double)b / (1 << 30));
    else if (b >= (int64_t)1 << 20)
        snprintf(buf, cap, "%.1fM", (double)b / (1 << 20));
    else
        snprintf(buf, cap, "%.1fK", (double)b / 1024);
}

static int do_list(const opts *o) {
    rv_index_entry *l = NULL;
    size_t n = 0;
    if (rv_index_list(&l, &n, o->cache_dir) != RV_OK) return rv_cli_fail("%s", rv_error_last());
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        char size[32], used[64];
        fmt_size(size, sizeof size, l[i].bytes);
        fmt_time(used, sizeof used, l[i].last_used);
        printf("%s%s\t%s\t%s\t%s\t%s\n", l[i].root[0] ? l[i].root : "?",
               l[i].root_exists ? "" : " (gone)", l[i].model_id[0] ? l[i].model_id : "?", size,
               used, l[i].path);
        total += l[i].bytes;
    }
    if (!o->quiet) {
        char size[32];
        fmt_size(size, sizeof size, total);
        fprintf(stderr, "%zu indexes, %s\n", n, size);
    }
    rv_index_list_free(l, n);
    return RV_EXIT_OK;
}

static int do_gc(const opts *o) {
    long days = o->older_than_days >= 0 ? o->older_than_days : 90;
    int64_t cutoff = (int64_t)time(NULL) - (int64_t)days * 86400;
    rv_index_entry *l = NULL;
    size_t n = 0, removed = 0;
    int64_t freed = 0;
    int rc = RV_EXIT_OK;
    if (rv_index_list(&l, &n, o->cache_dir) != RV_OK) return rv_cli_fail("%s", rv_error_last());
    for (size_t i = 0; i < n; i++) {
        const char *why = !l[i].root_exists ? "root gone" : l[i].last_used < cutoff ? "unused" : NULL;
        if (!why) continue;
        if (rv_index_remove(l[i].path) != RV_OK) {
            rc = rv_cli_fail("%s", rv_error_last());
            continue;
        }
        removed++;
        freed += l[i].bytes;
        if (!o->quiet) printf("removed %s (%s: %s)\n", l[i].path, why, l[i].root);
    }
    if (!o->quiet) {
        char size[32];
        fmt_size(size, sizeof size, freed);
        printf("%zu of %zu indexes removed, %s freed\n", removed, n, size);
    }
    rv_index_list_free(l, n);
    return rc;
}

int rv_cmd_index(int argc, char **argv) {
    opts o;
    memset(&o, 0, sizeof o);
    o.older_than_days = -1;
    int pr = parse(&o, argc, argv);
    if (pr == 1) return RV_EXIT_OK;
    if (pr != 0) return pr;
    if (strcmp(o.action, "list") == 0) return do_list(&o);
    if (strcmp(o.action, "gc") == 0) return do_gc(&o);
    int is_status = strcmp(o.action, "status") == 0, is_clear = strcmp(o.action, "clear") == 0,
        is_update = strcmp(o.action, "update") == 0,
        is_rebuild = is_update || strcmp(o.action, "rebuild") == 0;
    if (!is_status && !is_clear && !is_rebuild)
        return rv_cli_fail("unknown index action '%s' (status, update, clear, rebuild, list or gc)",
                           o.action);
    if (access(o.path, F_OK) != 0) return rv_cli_fail("%s: %s", o.path, strerror(errno));

    /* The index file is named after the model's id, which needs the model. */
    char *model_dir = NULL;
    rv_model *m = NULL;
    int rc;
    if (rv_model_resolve(&model_dir, o.model, is_rebuild, o.quiet) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    rv_model_params mp = rv_model_default_params();
    if (is_rebuild && o.device) mp.device = o.device;
    mp.threads = o.threads;
    mp.precision = o.precision;
    if (rv_model_load(&m, model_dir, &mp) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    if (is_status)
        rc = do_status(&o, m);
    else if (is_clear)
        rc = do_clear(&o, m);
    else
        rc = do_rebuild(&o, &m, model_dir, !is_update);
done:
    rv_model_free(m);
    free(model_dir);
    return rc;
}
