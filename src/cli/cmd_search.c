/* ripvec [OPTIONS] QUERY [PATH] — the default subcommand. */
#include "cli/cli.h"

#include "ripvec/model_store.h"
#include "ripvec/search.h"
#include "sink/sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char g_usage[] =
    "usage: ripvec [OPTIONS] QUERY [PATH]\n"
    "       ripvec model|index|mcp|embed|tokenize ...\n"
    "\n"
    "Semantic code search: finds the code that does what QUERY says, in PATH\n"
    "(default: the current directory).\n"
    "\n"
    "Ranking:\n"
    "  -n, --top-k N            results to show (default 10)\n"
    "  -T, --threshold X        drop results scoring below X (hybrid and keyword\n"
    "                           default 0.12, see docs/SEARCH.md; 0 keeps all)\n"
    "  -m, --mode MODE          hybrid (default), semantic or keyword\n"
    "      --content WHAT       all (default: code first), code or docs\n"
    "      --explain            show why each result ranks where it does\n"
    "\n"
    "Output:\n"
    "      --format FMT         plain (default) or json (JSON Lines)\n"
    "      --json               same as --format json\n"
    "      --color WHEN         auto (default), always or never (NO_COLOR is honoured)\n"
    "  -C, --context-lines N    snippet lines per result (default 3)\n"
    "      --no-snippet         no snippet lines\n"
    "  -l, --files-with-matches print each matching file once\n"
    "  -q, --quiet              no progress line or notes\n"
    "  -v, --verbose            notes on skipped files on stderr\n"
    "\n"
    "Files (as ripgrep):\n"
    "      --hidden             search hidden files and directories\n"
    "      --no-ignore          ignore .gitignore/.ignore files\n"
    "  -L, --follow             follow symbolic links\n"
    "  -t, --type TYPE          only files of TYPE (repeatable)\n"
    "  -g, --glob GLOB          include/exclude (!GLOB) paths (repeatable)\n"
    "      --max-filesize N     skip larger files (suffix K, M, G; default 1M)\n"
    "\n"
    "Engine and index:\n"
    "      --model M            model name or directory (default $RIPVEC_MODEL or\n"
    "                           all-minilm-l6-v2, fetched on first use)\n"
    "      --device D           cpu (default), cuda or auto\n"
    "  -j, --threads N          engine threads (default: all cores)\n"
    "      --precision P        fp32 (default), fp16 or int8 weights (cpu; int8 is\n"
    "                           ~2x faster to index, cosine >= 0.99 to fp32)\n"
    "      --index              use the persistent index (default)\n"
    "      --no-index           build everything in memory, write nothing\n"
    "      --cache-dir DIR      where indexes live (default ~/.cache/ripvec)\n"
    "      --repo-level         keep the index in PATH/.ripvec/\n"
    "\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "Exit status: 0 results found, 1 none, 2 error.\n";

typedef struct opts {
    rv_query q;
    rv_search_config cfg;
    rv_sink_opts sink;
    int color_mode; /* 0 auto, 1 always, -1 never */
    int quiet, verbose;
    const char *model;
    const char *path;
    const char **types, **globs;
    size_t n_types, n_globs;
} opts;

static int parse_size(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-') return 0;
    uint64_t mul = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mul = 1024ull;
        end++;
        break;
    case 'm':
    case 'M':
        mul = 1024ull * 1024;
        end++;
        break;
    case 'g':
    case 'G':
        mul = 1024ull * 1024 * 1024;
        end++;
        break;
    default: break;
    }
    if (*end || v > UINT64_MAX / mul) return 0;
    *out = v * mul;
    return 1;
}

static int parse_count(const char *s, long max, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > max) return 0;
    *out = v;
    return 1;
}

static int push(const char ***list, size_t *n, const char *v) {
    const char **l = realloc(*list, (*n + 2) * sizeof *l);
    if (!l) return 0;
    l[(*n)++] = v;
    l[*n] = NULL;
    *list = l;
    return 1;
}

/* Options that take a value; a value is given as "-n 5", "-n5", "--top-k 5"
 * or "--top-k=5". Returns 0 ok, 1 exit 0 (help/version), 2 error. */
static int parse_args(opts *o, int argc, char **argv) {
    const char *pos[2] = {NULL, NULL};
    int npos = 0, only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (npos >= 2) return rv_cli_fail("unexpected argument '%s' (see --help)", a);
            pos[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        /* split "--name=value" and "-xVALUE" */
        char name[64];
        const char *val = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a, '=');
            size_t nl = eq ? (size_t)(eq - a) : strlen(a);
            if (nl >= sizeof name) return rv_cli_fail("unknown option '%s' (see --help)", a);
            memcpy(name, a, nl);
            name[nl] = '\0';
            if (eq) val = eq + 1;
        } else {
            name[0] = '-';
            name[1] = a[1];
            name[2] = '\0';
            if (a[2]) val = a + 2;
        }
#define IS(s, l) (strcmp(name, s) == 0 || strcmp(name, l) == 0)
#define NEED_VAL()                                                                                 \
    do {                                                                                           \
        if (!val) {                                                                                \
            if (i + 1 >= argc) return rv_cli_fail("option '%s' needs a value", name);              \
            val = argv[++i];                                                                       \
        }                                                                                          \
    } while (0)
#define NO_VAL()                                                                                   \
    do {                                                                                           \
        if (val) return rv_cli_fail("option '%s' takes no value (got '%s')", name, a);             \
    } while (0)
        long v;
        if (IS("-h", "--help")) {
            NO_VAL();
            fputs(g_usage, stdout);
            return 1;
        } else if (IS("-V", "--version")) {
            NO_VAL();
            printf("ripvec %s\n", RV_VERSION);
            return 1;
        } else if (IS("-n", "--top-k")) {
            NEED_VAL();
            if (!parse_count(val, 1000000, &v) || v == 0)
                return rv_cli_fail("--top-k: expected a positive number, got '%s'", val);
            o->q.top_k = (size_t)v;
        } else if (IS("-T", "--threshold")) {
            NEED_VAL();
            char *end;
            errno = 0;
            double t = strtod(val, &end);
            if (errno || end == val || *end || t != t)
                return rv_cli_fail("--threshold: expected a number, got '%s'", val);
            o->q.threshold = t;
        } else if (IS("--content", "--content")) { /* ranking (rank helper) */
            NEED_VAL();
            if (strcmp(val, "all") == 0)
                o->q.content = RV_CONTENT_ALL;
            else if (strcmp(val, "code") == 0)
                o->q.content = RV_CONTENT_CODE;
            else if (strcmp(val, "docs") == 0)
                o->q.content = RV_CONTENT_DOCS;
            else
                return rv_cli_fail("--content: expected all, code or docs, got '%s'", val);
        } else if (IS("--explain", "--explain")) {
            NO_VAL();
            o->q.explain = 1;
        } else if (IS("-m", "--mode")) {
            NEED_VAL();
            int m = rv_search_mode_parse(val);
            if (m < 0)
                return rv_cli_fail("--mode: expected hybrid, semantic or keyword, got '%s'", val);
            o->q.mode = (rv_search_mode)m;
        } else if (IS("--format", "--format")) {
            NEED_VAL();
            if (strcmp(val, "json") == 0)
                o->sink.format = RV_SINK_JSON;
            else if (strcmp(val, "plain") == 0 || strcmp(val, "text") == 0)
                o->sink.format = RV_SINK_PLAIN;
            else
                return rv_cli_fail("--format: expected plain or json, got '%s'", val);
        } else if (IS("--json", "--json")) {
            NO_VAL();
            o->sink.format = RV_SINK_JSON;
        } else if (IS("--color", "--colour")) {
            NEED_VAL();
            if (strcmp(val, "auto") == 0)
                o->color_mode = 0;
            else if (strcmp(val, "always") == 0)
                o->color_mode = 1;
            else if (strcmp(val, "never") == 0)
                o->color_mode = -1;
            else
                return rv_cli_fail("--color: expected auto, always or never, got '%s'", val);
        } else if (IS("-C", "--context-lines")) {
            NEED_VAL();
            if (!parse_count(val, 100000, &v))
                return rv_cli_fail("--context-lines: expected a number, got '%s'", val);
            o->sink.context_lines = (int)v;
        } else if (IS("--no-snippet", "--no-snippet")) {
            NO_VAL();
            o->sink.snippet = 0;
        } else if (IS("-l", "--files-with-matches")) {
            NO_VAL();
            o->sink.files_only = 1;
        } else if (IS("-q", "--quiet")) {
            NO_VAL();
            o->quiet = 1;
        } else if (IS("-v", "--verbose")) {
            NO_VAL();
            o->verbose = 1;
        } else if (IS("--hidden", "--hidden")) {
            NO_VAL();
            o->cfg.hidden = 1;
        } else if (IS("--no-ignore", "--no-ignore")) {
            NO_VAL();
            o->cfg.no_ignore = 1;
        } else if (IS("-L", "--follow")) {
            NO_VAL();
            o->cfg.follow = 1;
        } else if (IS("-t", "--type")) {
            NEED_VAL();
            if (!push(&o->types, &o->n_types, val)) return rv_cli_fail("out of memory");
        } else if (IS("-g", "--glob")) {
            NEED_VAL();
            if (!push(&o->globs, &o->n_globs, val)) return rv_cli_fail("out of memory");
        } else if (IS("--max-filesize", "--max-filesize")) {
            NEED_VAL();
            uint64_t sz;
            if (!parse_size(val, &sz) || sz == 0)
                return rv_cli_fail("--max-filesize: expected a size like 2M, got '%s'", val);
            o->cfg.max_filesize = sz;
        } else if (IS("--model", "--model")) {
            NEED_VAL();
            o->model = val;
        } else if (IS("--device", "--device")) {
            NEED_VAL();
            if (strcmp(val, "cpu") && strcmp(val, "cuda") && strcmp(val, "auto"))
                return rv_cli_fail("--device: expected cpu, cuda or auto, got '%s'", val);
            o->cfg.device = val;
        } else if (IS("-j", "--threads")) {
            NEED_VAL();
            if (!parse_count(val, 4096, &v))
                return rv_cli_fail("--threads: expected a number, got '%s'", val);
            o->cfg.threads = (int)v;
        } else if (IS("--precision", "--precision")) {
            NEED_VAL();
            if (rv_precision_parse(&o->cfg.precision, val) != RV_OK)
                return rv_cli_fail("--precision: %s", rv_error_last());
        } else if (IS("--index", "--index")) {
            NO_VAL();
            o->cfg.use_index = 1;
        } else if (IS("--no-index", "--no-index")) {
            NO_VAL();
            o->cfg.use_index = 0;
        } else if (IS("--cache-dir", "--cache-dir")) {
            NEED_VAL();
            o->cfg.cache_dir = val;
        } else if (IS("--repo-level", "--repo-level")) {
            NO_VAL();
            o->cfg.repo_level = 1;
        } else {
            return rv_cli_fail("unknown option '%s' (see --help)", a);
        }
#undef IS
#undef NEED_VAL
#undef NO_VAL
    }
    if (npos == 0) return rv_cli_fail("no query given (usage: ripvec [OPTIONS] QUERY [PATH])");
    o->q.text = pos[0];
    o->path = pos[1] ? pos[1] : ".";
    size_t k = 0;
    while (o->q.text[k] == ' ' || o->q.text[k] == '\t' || o->q.text[k] == '\n')
        k++;
    if (!o->q.text[k]) return rv_cli_fail("the query is empty");
    return 0;
}

/* ---- progress line on a terminal ---- */

typedef struct progress_state {
    int active;  /* something was drawn */
    double last; /* seconds of the last draw */
} progress_state;

static void draw_progress(void *user, const rv_progress *p) {
    progress_state *ps = user;
    if (strcmp(p->phase, "done") == 0) return;
    /* ~10 redraws a second at most */
    if (ps->active && p->elapsed_s - ps->last < 0.1 && p->chunks_done != p->chunks_total) return;
    ps->last = p->elapsed_s;
    ps->active = 1;
    char line[160];
    if (strcmp(p->phase, "embed") == 0 && p->chunks_total) {
        double rate = p->elapsed_s > 0 ? (double)p->chunks_done / p->elapsed_s : 0;
        double eta = rate > 0 ? (double)(p->chunks_total - p->chunks_done) / rate : 0;
        snprintf(line, sizeof line,
                 "ripvec: embedding %zu/%zu chunks (%zu files), %.0f chunks/s, ETA %.0fs",
                 p->chunks_done, p->chunks_total, p->files_total, rate, eta);
    } else {
        snprintf(line, sizeof line, "ripvec: %s: %zu files, %zu chunks", p->phase, p->files_done,
                 p->chunks_total ? p->chunks_total : p->chunks_done);
    }
    fprintf(stderr, "\r\x1b[K%s", line);
    fflush(stderr);
}

static void clear_progress(progress_state *ps) {
    if (!ps->active) return;
    fputs("\r\x1b[K", stderr);
    fflush(stderr);
    ps->active = 0;
}

static void on_skip(void *user, const char *path, const char *why, const char *detail) {
    progress_state *ps = user;
    if (ps) clear_progress(ps);
    if (detail && detail[0])
        fprintf(stderr, "ripvec: skipped %s: %s (%s)\n", path, why, detail);
    else
        fprintf(stderr, "ripvec: skipped %s: %s\n", path, why);
}

static void on_note(void *user, const char *msg) {
    progress_state *ps = user;
    if (ps) clear_progress(ps);
    fprintf(stderr, "ripvec: %s\n", msg);
}

static void on_model_note(void *user, const char *line) {
    on_note(user, line);
}

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

int rv_cmd_search(int argc, char **argv) {
    opts o;
    memset(&o, 0, sizeof o);
    o.q = rv_query_default();
    /* measurements only (docs/SEARCH.md's ablation): the ranking steps in effect */
    const char *steps = getenv("RIPVEC_RANK_STEPS");
    if (steps && steps[0]) o.q.steps = (unsigned)strtoul(steps, NULL, 0);
    o.cfg = rv_search_default_config();
    o.sink = rv_sink_default_opts();
    int rc = RV_EXIT_ERROR;
    char *model_dir = NULL, *parent = NULL;
    rv_searcher *s = NULL;
    rv_result_list res = {0};
    progress_state ps = {0, 0};

    const char *tr = getenv("RIPVEC_TRACE");
    if (tr && tr[0] && strcmp(tr, "0") != 0) {
        g_trace_t = process_start_s();
        cli_trace("exec+loader");
    }
    int pr = parse_args(&o, argc, argv);
    if (pr == 1) {
        rc = RV_EXIT_OK;
        goto done;
    }
    if (pr != 0) goto done;

    int show_progress = !o.quiet && isatty(2);
    o.sink.color = o.sink.format == RV_SINK_PLAIN && rv_cli_use_color(1, o.color_mode);
    /* Paths print as PATH joined with the file's path below it; a single
     * file's chunks are named by its basename, so join with its directory. */
    struct stat sb;
    o.sink.display_root = o.path;
    if (stat(o.path, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        parent = strdup(o.path);
        if (!parent) {
            rc = rv_cli_fail("out of memory");
            goto done;
        }
        char *slash = strrchr(parent, '/');
        if (slash == parent)
            slash[1] = '\0'; /* "/x" -> "/" */
        else if (slash)
            *slash = '\0';
        else
            strcpy(parent, ".");
        o.sink.display_root = parent;
    }

    /* Keyword search without an index needs no model at all. */
    int need_model = o.cfg.use_index || o.q.mode != RV_MODE_KEYWORD;
    if (need_model) {
        if (!o.quiet) rv_model_set_note_fn(on_model_note, show_progress ? &ps : NULL);
        if (rv_model_resolve(&model_dir, o.model, 1, o.quiet) != RV_OK) {
            rc = rv_cli_fail("%s", rv_error_last());
            goto done;
        }
    }
    cli_trace("model resolve");
    o.cfg.root = o.path;
    o.cfg.model_dir = model_dir;
    o.cfg.types = o.types;
    o.cfg.globs = o.globs;
    /* The model loads when first needed: a keyword search on a fresh index
     * needs no weights, and a semantic one loads them and embeds the query
     * while the index is refreshed (rv_searcher_prefetch_query). */
    o.cfg.lazy_model = 1;
    if (o.q.mode != RV_MODE_KEYWORD) o.cfg.prefetch_query = o.q.text;
    if (show_progress) {
        o.cfg.progress = draw_progress;
        o.cfg.progress_user = &ps;
    }
    if (o.verbose && !o.quiet) {
        o.cfg.on_skip = on_skip;
        o.cfg.skip_user = show_progress ? &ps : NULL;
    }
    if (!o.quiet) {
        o.cfg.note = on_note;
        o.cfg.note_user = show_progress ? &ps : NULL;
    }
    if (rv_searcher_open(&s, &o.cfg) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    rv_refresh_stats stats;
    rv_status st = rv_searcher_refresh(s, &stats);
    clear_progress(&ps);
    if (st != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    if (rv_searcher_query(s, &o.q, &res) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    /* after the query: only then is it known whether a model was loaded */
    if (o.verbose && !o.quiet) {
        const char *dev = rv_searcher_device(s);
        if (dev) {
            int th = o.cfg.threads > 0 ? o.cfg.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
            if (strcmp(dev, "cpu") == 0)
                fprintf(stderr, "ripvec: device cpu (%d threads)\n", th);
            else
                fprintf(stderr, "ripvec: device %s\n", dev);
        } else {
            fprintf(stderr, "ripvec: no model loaded (keyword search)\n");
        }
        fprintf(stderr, "ripvec: %zu files, %zu chunks (%zu embedded now) in %.2fs\n", stats.files,
                stats.chunks, stats.chunks_embedded, stats.seconds);
    }
    if (rv_sink_write(stdout, &res, &o.sink) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    fflush(stdout);
    cli_trace("print");
    rc = res.count ? RV_EXIT_OK : RV_EXIT_NONE;
done:
    clear_progress(&ps);
    rv_result_list_free(&res);
    rv_searcher_close(s);
    cli_trace("close");
    free(model_dir);
    free(parent);
    free(o.types);
    free(o.globs);
    return rc;
}
