/* ripvec index status|update|clear|rebuild|list|gc [OPTIONS] [PATH] — the
 * persistent index by hand. */
#include "cli/cli.h"
#include "cli/opt.h"

#include "ripvec/embed.h"
#include "ripvec/index.h"
#include "ripvec/model_store.h"
#include "ripvec/search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What an action needs: the parsed options and the PATH. */
typedef struct opts {
    const rv_opts *o;
    const char *action, *path;
} opts;

static void fmt_time(char *buf, size_t cap, int64_t t) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S %z", &tm))
        snprintf(buf, cap, "never");
}

/* Opening in REBUILD mode discards whatever is there (even a newer format or
 * a corrupt file); clear then deletes the files. */
static int do_clear(const opts *o, const rv_model *m) {
    rv_index_params ip = rv_index_default_params();
    ip.root = o->path;
    ip.cache_dir = o->o->cfg.cache_dir;
    ip.repo_level = o->o->cfg.repo_level;
    char *path = NULL;
    if (rv_index_locate(&path, rv_model_id(m), &ip) != RV_OK)
        return rv_cli_fail("%s", rv_error_last());
    if (access(path, F_OK) != 0) {
        if (!o->o->quiet) printf("no index at %s\n", path);
        free(path);
        return RV_EXIT_OK;
    }
    free(path);
    ip.mode = RV_INDEX_REBUILD;
    rv_index *idx = NULL;
    if (rv_index_open(&idx, m, &ip) != RV_OK) return rv_cli_fail("%s", rv_error_last());
    rv_status st = rv_index_clear(idx);
    if (st == RV_OK && !o->o->quiet) printf("removed %s\n", rv_index_path(idx));
    rv_index_close(idx);
    return st == RV_OK ? RV_EXIT_OK : rv_cli_fail("%s", rv_error_last());
}

/* Rebuild goes through the searcher so the chunking and walk settings are
 * exactly those a search uses (the next search then finds nothing to do). */
static int do_rebuild(const opts *o, rv_model **m, const char *model_dir, int rebuild) {
    rv_model_free(*m); /* the searcher loads its own */
    *m = NULL;

    rv_cli_progress ps = {.on = !o->o->quiet && isatty(2)};
    rv_search_config cfg = o->o->cfg;
    cfg.root = o->path;
    cfg.model_dir = model_dir;
    cfg.use_index = 1;
    cfg.rebuild = rebuild;               /* beside the live index, which searches keep using */
    cfg.max_chunks = 0;                  /* asked for: embed whatever the size */
    cfg.index_if_idle = o->o->wait == 0; /* --no-wait: leave it to the writer at work */
    /* measurements only (docs/INDEX.md's coverage figures): stop early */
    const char *limit = getenv("RIPVEC_EMBED_LIMIT");
    if (limit && limit[0]) cfg.embed_limit = (size_t)strtoull(limit, NULL, 10);
    cfg.progress = rv_cli_progress_draw;
    cfg.progress_user = &ps;
    if (o->o->verbose && !o->o->quiet) {
        cfg.on_skip = rv_cli_progress_skip;
        cfg.skip_user = &ps;
    }
    if (!o->o->quiet) {
        cfg.note = rv_cli_note;
        cfg.note_user = &ps;
    }
    rv_searcher *s = NULL;
    rv_refresh_stats stats;
    int rc = RV_EXIT_OK;
    rv_status st = rv_searcher_open(&s, &cfg);
    if (st == RV_OK) st = rv_searcher_refresh(s, &stats);
    rv_cli_progress_clear(&ps);
    if (st == RV_ERR_BUSY && cfg.index_if_idle) {
        if (!o->o->quiet) fprintf(stderr, "ripvec: %s\n", rv_error_last());
    } else if (st != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
    } else if (!o->o->quiet) {
        printf("indexed %zu files, %zu chunks (%zu embedded, %zu files skipped) in %.2fs\n",
               stats.files, stats.chunks, stats.chunks_embedded, stats.files_skipped,
               stats.seconds);
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
    if (rv_index_list(&l, &n, o->o->cfg.cache_dir) != RV_OK)
        return rv_cli_fail("%s", rv_error_last());
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
    if (!o->o->quiet) {
        char size[32];
        fmt_size(size, sizeof size, total);
        fprintf(stderr, "%zu indexes, %s\n", n, size);
    }
    rv_index_list_free(l, n);
    return RV_EXIT_OK;
}

static int do_gc(const opts *o) {
    long days = o->o->older_than_days >= 0 ? o->o->older_than_days : 90;
    int64_t cutoff = (int64_t)time(NULL) - (int64_t)days * 86400;
    rv_index_entry *l = NULL;
    size_t n = 0, removed = 0;
    int64_t freed = 0;
    int rc = RV_EXIT_OK;
    if (rv_index_list(&l, &n, o->o->cfg.cache_dir) != RV_OK)
        return rv_cli_fail("%s", rv_error_last());
    for (size_t i = 0; i < n; i++) {
        const char *why = !l[i].root_exists         ? "root gone"
                          : l[i].last_used < cutoff ? "unused"
                                                    : NULL;
        if (!why) continue;
        if (rv_index_remove(l[i].path) != RV_OK) {
            rc = rv_cli_fail("%s", rv_error_last());
            continue;
        }
        removed++;
        freed += l[i].bytes;
        if (!o->o->quiet) printf("removed %s (%s: %s)\n", l[i].path, why, l[i].root);
    }
    if (!o->o->quiet) {
        char size[32];
        fmt_size(size, sizeof size, freed);
        printf("%zu of %zu indexes removed, %s freed\n", removed, n, size);
    }
    rv_index_list_free(l, n);
    return rc;
}

int rv_cmd_index(int argc, char **argv) {
    rv_opts po;
    int rc = rv_cli_begin(&po, RV_CMD_INDEX, argc, argv);
    if (rc == RV_EXIT_OK) rc = rv_cli_setup_walk(&po);
    if (rc != RV_EXIT_OK || po.type_list) {
        rv_opts_free(&po);
        return rc == RV_CLI_DONE ? RV_EXIT_OK : rc;
    }
    opts o = {&po, po.n_pos ? po.pos[0] : NULL, po.n_pos > 1 ? po.pos[1] : "."};
    if (!o.action) {
        rv_opt_help(stderr, RV_CMD_INDEX);
        rv_opts_free(&po);
        return RV_EXIT_ERROR;
    }
    static const char *const actions[] = {"status",  "update", "stop", "clear",
                                          "rebuild", "list",   "gc"};
    int known = 0;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        known |= strcmp(o.action, actions[i]) == 0;
    struct stat sb;
    if (!known && po.n_pos == 1 && stat(o.action, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        o.path = o.action; /* `ripvec index PATH`: bring it up to date, whatever its size */
        o.action = "update";
    }
    int is_status = strcmp(o.action, "status") == 0, is_clear = strcmp(o.action, "clear") == 0,
        is_stop = strcmp(o.action, "stop") == 0, is_update = strcmp(o.action, "update") == 0,
        is_rebuild = is_update || strcmp(o.action, "rebuild") == 0;
    char *model_dir = NULL, *under = NULL, *rel = NULL;
    rv_model *m = NULL;
    if (po.n_pos > 2) {
        rc = rv_cli_fail("too many arguments (see ripvec index --help)");
        goto done;
    }
    if (strcmp(o.action, "list") == 0 || strcmp(o.action, "gc") == 0) {
        rc = o.action[0] == 'l' ? do_list(&o) : do_gc(&o);
        goto done;
    }
    if (!is_status && !is_clear && !is_stop && !is_rebuild) {
        rc = rv_cli_fail("unknown index action '%s' (status, update, stop, clear, rebuild, list or "
                         "gc)",
                         o.action);
        goto done;
    }
    if (access(o.path, F_OK) != 0) {
        rc = rv_cli_fail("%s: %s", o.path, strerror(errno));
        goto done;
    }

    /* The index file is named after the model's id, which needs the model. */
    if ((rc = rv_cli_resolve_model(&model_dir, po.model, is_rebuild, po.quiet, NULL)) != RV_EXIT_OK)
        goto done;
    rv_model_params mp = rv_model_default_params();
    if (is_rebuild && po.cfg.device) mp.device = po.cfg.device;
    mp.threads = po.cfg.threads;
    mp.precision = po.cfg.precision;
    mp.driver = po.cfg.driver;
    char *pack_dir = rv_cli_pack_dir(po.model, model_dir);
    mp.pack_dir = pack_dir;
    int loaded = rv_model_load(&m, model_dir, &mp) == RV_OK;
    free(pack_dir);
    if (!loaded) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    /* a subdirectory of an indexed tree: that tree's index and indexer */
    if (is_status || is_stop) rv_cli_index_root(&under, &rel, o.path, model_dir, &po);
    if (is_status)
        rc = rv_cli_index_status(&po, under ? under : o.path, m);
    else if (is_stop)
        rc = rv_cli_index_stop(&po, under ? under : o.path, m);
    else if (is_clear)
        rc = do_clear(&o, m);
    else
        rc = do_rebuild(&o, &m, model_dir, !is_update);
done:
    rv_model_free(m);
    free(model_dir);
    free(under);
    free(rel);
    rv_opts_free(&po);
    return rc;
}
