/* ripvec [OPTIONS] QUERY [PATH...] — the default subcommand. */
#include "cli/cli.h"
#include "cli/opt.h"

#include "ripvec/index.h"
#include "ripvec/model_store.h"
#include "ripvec/search.h"
#include "ripvec/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One PATH's searcher and results; they stay open until printed. */
typedef struct searched {
    const char *path;
    char *index_root, *rel; /* nested: the indexed directory above path, path under it */
    char *glob;             /* rel with "/" and two stars: the query narrowed to path */
    rv_chunk *shown;        /* nested: the results' chunks with paths relative to path */
    char *display_root;     /* how its relative paths are shown */
    rv_searcher *s;
    rv_result_list res;
    rv_refresh_stats stats;
} searched;

/* RIPVEC_TRACE=1: phase timings on stderr (the searcher sends its own
 * through the note callback). */
static double g_trace_t = -1;

/* Seconds since boot when this process started (/proc/self/stat field 22),
 * so the first trace line covers exec and the dynamic loader; 0 if unknown. */
static double process_start_s(void) {
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return 0;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return 0;
    unsigned long long v = 0;
    for (int field = 2; *p && field < 22; p++)
        if (*p == ' ') field++;
    if (sscanf(p, "%llu", &v) != 1) return 0;
    long hz = sysconf(_SC_CLK_TCK);
    return hz > 0 ? (double)v / (double)hz : 0;
}

static void cli_trace(const char *phase) {
    if (g_trace_t < 0) return;
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    double t = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
    fprintf(stderr, "ripvec: trace: %-14s %8.2f ms\n", phase, (t - g_trace_t) * 1e3);
    g_trace_t = t;
}

/* Paths print as PATH joined with the file's path below it; a single file's
 * chunks are named by its basename, so join with its directory. */
char *rv_cli_display_root(const char *path) {
    struct stat sb;
    char *d = strdup(path);
    if (!d || stat(path, &sb) != 0 || S_ISDIR(sb.st_mode)) return d;
    char *slash = strrchr(d, '/');
    if (slash == d)
        slash[1] = '\0'; /* "/x" -> "/" */
    else if (slash)
        *slash = '\0';
    else
        strcpy(d, ".");
    return d;
}

int rv_cli_open_searcher(rv_searcher **out, rv_refresh_stats *stats, const rv_opts *o,
                         const char *root, const char *model_dir, rv_cli_progress *ps) {
    rv_search_config cfg = o->cfg;
    char *pack_dir = rv_cli_pack_dir(o->model, model_dir);
    cfg.root = root;
    cfg.model_dir = model_dir;
    cfg.pack_dir = pack_dir;
    /* The model loads when first needed: a keyword search on a fresh index
     * needs no weights, and a semantic one loads them and embeds the query
     * while the index is refreshed (rv_searcher_prefetch_query). */
    cfg.lazy_model = 1;
    if (o->q.text && o->q.mode != RV_MODE_KEYWORD) cfg.prefetch_query = o->q.text;
    cfg.progress = rv_cli_progress_draw;
    cfg.progress_user = ps;
    if (o->verbose && !o->quiet) {
        cfg.on_skip = rv_cli_progress_skip;
        cfg.skip_user = ps;
        cfg.info = rv_cli_note; /* called with note_user */
    }
    if (!o->quiet) {
        cfg.note = rv_cli_note;
        cfg.note_user = ps;
    }
    rv_status st = rv_searcher_open(out, &cfg);
    free(pack_dir); /* the searcher keeps a copy */
    if (st == RV_OK) st = rv_searcher_refresh(*out, stats);
    rv_cli_progress_clear(ps);
    return st == RV_OK ? RV_EXIT_OK : rv_cli_fail("%s", rv_error_last());
}

static int search_one(const rv_opts *o, searched *p, const char *model_dir, rv_cli_progress *ps) {
    if (!(p->display_root = rv_cli_display_root(p->path))) return rv_cli_fail("out of memory");
    rv_cli_index_root(&p->index_root, &p->rel, p->path, model_dir, o);
    rv_query q = o->q;
    if (p->rel) { /* a subdirectory of an indexed tree: its index, narrowed */
        if (!(p->glob = malloc(strlen(p->rel) + 4))) return rv_cli_fail("out of memory");
        sprintf(p->glob, "%s/**", p->rel);
        q.path_glob = p->glob;
    }
    const char *root = p->index_root ? p->index_root : p->path;
    int rc = rv_cli_open_searcher(&p->s, &p->stats, o, root, model_dir, ps);
    if (rc == RV_EXIT_OK && rv_searcher_query(p->s, &q, &p->res) != RV_OK)
        rc = rv_cli_fail("%s", rv_error_last());
    return rc;
}

/* Nested: the results' paths made relative to PATH again (they point into
 * the index root's corpus, which outlives the printing). */
static int show_under_path(searched *p) {
    if (!p->rel || !p->res.count) return RV_EXIT_OK;
    if (!(p->shown = calloc(p->res.count, sizeof *p->shown))) return rv_cli_fail("out of memory");
    size_t skip = strlen(p->rel) + 1;
    for (size_t i = 0; i < p->res.count; i++) {
        p->shown[i] = *p->res.items[i].chunk;
        if (strlen(p->shown[i].path) > skip) p->shown[i].path += skip;
        p->res.items[i].chunk = &p->shown[i];
    }
    return RV_EXIT_OK;
}

void rv_cli_report_verbose(const rv_opts *o, const char *path, const rv_searcher *s,
                           const rv_refresh_stats *st) {
    const char *dev = rv_searcher_device(s);
    if (dev && strcmp(dev, "cpu") == 0)
        fprintf(stderr, "ripvec: device cpu (%d threads), precision %s%s\n",
                o->cfg.threads > 0 ? o->cfg.threads : (int)sysconf(_SC_NPROCESSORS_ONLN),
                rv_precision_name(o->cfg.precision), o->precision_set ? "" : " (the default)");
    else if (dev)
        fprintf(stderr, "ripvec: device %s, precision %s\n", dev,
                rv_precision_name(o->cfg.precision));
    else
        fprintf(stderr, "ripvec: no model loaded (keyword search)\n");
    fprintf(stderr, "ripvec: %s: %zu files, %zu chunks (%zu embedded now, %zu skipped) in %.2fs\n",
            path, st->files, st->chunks, st->chunks_embedded, st->files_skipped, st->seconds);
}

/* The files of the results, for the indexer to embed first (best effort). */
static void want_results(const searched *p) {
    const char *ip = rv_searcher_index_path(p->s);
    const char **rels = calloc(p->res.count + 1, sizeof *rels);
    size_t n = 0;
    for (size_t i = 0; ip && rels && i < p->res.count; i++) {
        const char *rel = p->res.items[i].chunk->path;
        size_t j = 0;
        while (j < n && strcmp(rels[j], rel) != 0)
            j++;
        if (j == n) rels[n++] = rel;
    }
    if (ip && rels) rv_index_want(ip, rels, n);
    free(rels);
}

/* Answered at once with files not embedded yet: start the indexer (unless
 * --no-background), the files of the results first, and say so on a
 * terminal or with -v. */
/* The index's last indexer: its rate in chunks/s (0 unknown) and, when it
 * is running, its pid. */
static double index_rate(const searched *p, long *running_pid) {
    rv_index_progress pr;
    const char *ip = rv_searcher_index_path(p->s);
    *running_pid = 0;
    if (!ip || rv_index_progress_get(&pr, ip) != RV_OK) return 0;
    if (pr.running) *running_pid = pr.pid;
    return pr.rate;
}

static void background_note(const rv_opts *o, const searched *p, const char *model_dir,
                            rv_cli_progress *ps) {
    long pid = 0;
    const char *path = p->path;
    const rv_refresh_stats *st = &p->stats;
    rv_cli_indexer ix = {p->index_root ? p->index_root : path,
                         model_dir,
                         o->cfg.cache_dir,
                         o->cfg.repo_level,
                         o->cfg.hidden,
                         o->cfg.no_ignore,
                         o->cfg.follow,
                         rv_precision_name(o->cfg.precision)};
    if (!o->no_background) want_results(p);
    double rate = index_rate(p, &pid); /* one indexer per index: one at work is left to it */
    int started = !o->no_background && (pid || rv_cli_start_indexer(&ix, &pid) == 0);
    if (o->quiet || (!ps->on && !o->verbose)) return;
    char msg[320], tail[160] = "", eta[64] = "";
    double secs = rate > 0 ? (double)st->chunks_pending / rate : 0; /* the last indexer's pace */
    if (rate > 0)
        snprintf(eta, sizeof eta, ", about %.0f %s at %.0f chunks/s",
                 secs < 90 ? secs + 0.5 : secs / 60 + 0.5, secs < 90 ? "s" : "min", rate);
    if (started)
        snprintf(tail, sizeof tail, "; embedding in the background (pid %ld%s)", pid, eta);
    else if (!o->no_background)
        snprintf(tail, sizeof tail, "; the background indexer did not start");
    snprintf(msg, sizeof msg,
             "%zu of %zu chunks not embedded yet (%zu files): keyword results for them%s",
             st->chunks_pending, st->chunks, st->files_pending, tail);
    rv_cli_note(ps, msg);
}

/* A big tree or a home directory left to keywords: what embedding it would
 * cost, at the rate of its last indexer or 40 chunks/s (fp32, 2 cores). */
static void limit_note(const rv_opts *o, const searched *p) {
    if (o->quiet) return;
    const rv_refresh_stats *st = &p->stats;
    long pid;
    double rate = index_rate(p, &pid);
    if (rate <= 0) rate = 40.0;
    double hours = (double)st->chunks_pending / rate / 3600.0;
    char why[96];
    if (st->big_root)
        snprintf(why, sizeof why, "a home or root directory");
    else
        snprintf(why, sizeof why, "~%zu chunks, past --max-chunks %zu", st->chunks_estimate,
                 o->cfg.max_chunks);
    fprintf(stderr,
            "ripvec: %s: %s: keyword results for the %zu files not embedded; embedding their "
            "%zu chunks would take about %.1f h at %.0f chunks/s and %.0f MB (`ripvec index "
            "%s` does it)\n",
            p->path, why, st->files_pending, st->chunks_pending, hours, rate,
            (double)st->chunks_pending * 2.0 / 1024.0, p->path);
}

static int by_score(const void *a, const void *b) {
    const rv_result *x = a, *y = b;
    return x->score > y->score ? -1 : x->score < y->score;
}

/* Several PATHs: the results of all, best first, the best top_k kept, each
 * path joined with its PATH (JSON paths too: they are relative to nothing). */
static int print_merged(const rv_opts *o, searched *ps, size_t n, size_t *found) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += ps[i].res.count;
    rv_result *items = calloc(total + 1, sizeof *items);
    rv_chunk *chunks = calloc(total + 1, sizeof *chunks);
    int rc = RV_EXIT_OK;
    size_t k = 0;
    for (size_t i = 0; i < n && items && chunks; i++)
        for (size_t j = 0; j < ps[i].res.count; j++, k++) {
            chunks[k] = *ps[i].res.items[j].chunk;
            const char *root = ps[i].display_root;
            size_t len = strlen(root) + strlen(chunks[k].path) + 2;
            if (!(chunks[k].path = malloc(len))) break;
            snprintf(chunks[k].path, len, "%s%s%s", strcmp(root, ".") ? root : "",
                     strcmp(root, ".") && root[strlen(root) - 1] != '/' ? "/" : "",
                     ps[i].res.items[j].chunk->path);
            items[k] = ps[i].res.items[j];
            items[k].chunk = &chunks[k];
        }
    if (!items || !chunks || k < total) {
        rc = rv_cli_fail("out of memory");
    } else {
        qsort(items, total, sizeof *items, by_score);
        size_t keep = o->q.top_k && o->q.top_k < total ? o->q.top_k : total;
        for (size_t i = 0; i < keep; i++)
            items[i].rank = i + 1;
        rv_result_list l = {.items = items, .count = keep};
        rv_sink_opts so = o->sink;
        so.display_root = NULL;
        if (rv_sink_write(stdout, &l, &so) != RV_OK) rc = rv_cli_fail("%s", rv_error_last());
        *found = keep;
    }
    for (size_t i = 0; chunks && i < k; i++)
        free(chunks[i].path);
    free(items);
    free(chunks);
    return rc;
}

static int run_search(rv_opts *o, const char *const *paths, size_t n) {
    int rc = RV_EXIT_ERROR;
    char *model_dir = NULL;
    rv_cli_progress ps = {.on = !o->quiet && isatty(2)};
    searched *p = calloc(n, sizeof *p);
    if (!p) return rv_cli_fail("out of memory");
    /* Keyword search without an index needs no model at all. */
    if (o->cfg.use_index || o->q.mode != RV_MODE_KEYWORD) {
        if (rv_cli_resolve_model(&model_dir, o->model, 1, o->quiet, &ps) != RV_EXIT_OK) goto done;
    }
    cli_trace("model resolve");
    size_t i;
    for (i = 0; i < n; i++) {
        p[i].path = paths[i];
        if (search_one(o, &p[i], model_dir, &ps) != RV_EXIT_OK) goto done;
        if (o->verbose && !o->quiet) rv_cli_report_verbose(o, p[i].path, p[i].s, &p[i].stats);
        if (p[i].stats.over_limit)
            limit_note(o, &p[i]);
        else if (p[i].stats.files_pending)
            background_note(o, &p[i], model_dir, &ps);
        if (show_under_path(&p[i]) != RV_EXIT_OK) goto done;
    }
    size_t found = p[0].res.count;
    if (n == 1) {
        rv_sink_opts so = o->sink;
        so.display_root = p[0].display_root;
        rc = rv_sink_write(stdout, &p[0].res, &so) == RV_OK ? RV_EXIT_OK
                                                            : rv_cli_fail("%s", rv_error_last());
    } else {
        rc = print_merged(o, p, n, &found);
    }
    cli_trace("print");
    if (rc == RV_EXIT_OK && !found) rc = RV_EXIT_NONE;
done:
    rv_cli_progress_clear(&ps);
    for (i = 0; i < n; i++) {
        rv_result_list_free(&p[i].res);
        rv_searcher_close(p[i].s);
        free(p[i].display_root);
        free(p[i].index_root);
        free(p[i].rel);
        free(p[i].glob);
        free(p[i].shown);
    }
    cli_trace("close");
    free(p);
    free(model_dir);
    return rc;
}

static int search(rv_opts *o) {
    o->cfg.trace = g_trace_t >= 0;
    o->sink.color = o->sink.format == RV_SINK_PLAIN && rv_cli_use_color(1, o->color_mode);
    o->sink.terminal = isatty(1);
    const char *dot[] = {"."};
    if (o->list_files)
        return rv_cli_list_files(o, o->n_pos ? o->pos : dot, o->n_pos ? o->n_pos : 1);
    if (o->n_pos == 0)
        return rv_cli_fail("no query given (usage: ripvec [OPTIONS] QUERY [PATH...])");
    o->q.text = o->pos[0];
    if (!o->q.text[strspn(o->q.text, " \t\n")]) return rv_cli_fail("the query is empty");
    /* Answer at once (files not embedded yet by keywords) on a terminal or
     * with --no-wait; scripts and pipes wait for a complete index. */
    o->cfg.answer_now = o->cfg.use_index && (o->wait == 0 || (o->wait < 0 && isatty(2)));
    return run_search(o, o->n_pos > 1 ? o->pos + 1 : dot, o->n_pos > 1 ? o->n_pos - 1 : 1);
}

static int search_with_steps(rv_opts *o) {
    /* measurements only (docs/SEARCH.md's ablation): the ranking steps in effect */
    const char *steps = getenv("RIPVEC_RANK_STEPS");
    if (steps && steps[0]) o->q.steps = (unsigned)strtoul(steps, NULL, 0);
    return search(o);
}

int rv_cmd_search(int argc, char **argv) {
    const char *tr = getenv("RIPVEC_TRACE");
    if (tr && tr[0] && strcmp(tr, "0") != 0) {
        g_trace_t = process_start_s();
        cli_trace("exec+loader");
    }
    return rv_cli_main(RV_CMD_SEARCH, argc, argv, search_with_steps);
}
