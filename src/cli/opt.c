/* Parsing and --help over the option table (see opt.h). */
#include "cli/opt.h"
#include "cli/cli.h"
#include "cli/opt_ids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rv_opts_init(rv_opts *o) {
    memset(o, 0, sizeof *o);
    o->q = rv_query_default();
    o->cfg = rv_search_default_config();
    /* the walk finds git's global excludes file from these */
    o->cfg.home = getenv("HOME");
    o->cfg.xdg_config_home = getenv("XDG_CONFIG_HOME");
    /* the CUDA driver's knobs (ripvec/driver.h) */
    const char *tf32 = getenv("RIPVEC_CUDA_TF32");
    o->cfg.driver.cuda_tf32 = tf32 && tf32[0] == '1';
    o->cfg.driver.cuda_lib = getenv("RIPVEC_CUDA_LIB");
    o->sink = rv_sink_default_opts();
    o->max_len = 512;
    o->max_tokens = 2000;
    o->older_than_days = -1;
    o->wait = -1;
}

void rv_opts_free(rv_opts *o) {
    free(o->types);
    free(o->globs);
    free(o->pos);
    free(o->cache_root);
    free(o->config_path);
    free(o->config_text);
    free(o->config_args);
    memset(o, 0, sizeof *o);
}

static int parse_size(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-') return 0;
    uint64_t mul = 1;
    const char *units = "kKmMgG";
    const char *u = *end ? strchr(units, *end) : NULL;
    if (u) {
        int shift = 10 * (int)(1 + (u - units) / 2);
        mul = (uint64_t)1 << shift;
        end++;
    }
    if (*end || v > UINT64_MAX / mul) return 0;
    *out = v * mul;
    return 1;
}

/* An integer in [lo, hi]; the message names the range. */
static int parse_long(const char *opt, const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        rv_cli_fail("--%s: expected a number from %ld to %ld, got '%s'", opt, lo, hi, s);
        return 0;
    }
    *out = v;
    return 1;
}

/* The index of `val` among the space-separated words of `choices`, or -1. */
static int choice(const char *choices, const char *val) {
    int i = 0;
    size_t n = strlen(val);
    for (const char *p = choices; *p; i++) {
        size_t w = strcspn(p, " ");
        if (w == n && strncmp(p, val, n) == 0) return i;
        p += w;
        while (*p == ' ')
            p++;
    }
    return -1;
}

static int bad_choice(const rv_opt_def *d, const char *val) {
    return rv_cli_fail("--%s: expected one of %s, got '%s'", d->long_name, d->choices, val) != 0;
}

/* Applies a value-less option. */
static void apply_flag(rv_opts *o, int id) {
    switch (id) {
    case OPT_JSON: o->sink.format = RV_SINK_JSON; break;
    case OPT_NO_SNIPPET: o->sink.snippet = 0; break;
    case OPT_FILES_WITH: o->sink.files_only = 1; break;
    case OPT_COUNT: o->sink.count = 1; break;
    case OPT_NULL: o->sink.null_sep = 1; break;
    case OPT_FILES: o->list_files = 1; break;
    case OPT_TYPE_LIST: o->type_list = 1; break;
    case OPT_QUIET: o->quiet = 1; break;
    case OPT_VERBOSE: o->verbose = 1; break;
    case OPT_HIDDEN: o->cfg.hidden = 1; break;
    case OPT_NO_IGNORE: o->cfg.no_ignore = 1; break;
    case OPT_FOLLOW: o->cfg.follow = 1; break;
    case OPT_INDEX: o->cfg.use_index = 1; break;
    case OPT_NO_INDEX: o->cfg.use_index = 0; break;
    case OPT_REPO_LEVEL: o->cfg.repo_level = 1; break;
    case OPT_NO_WARM: o->no_warm = 1; break;
    case OPT_NO_WATCH: o->no_watch = 1; break;
    case OPT_STDIO: break; /* lsp: the only transport */
    case OPT_EXPLAIN: o->q.explain = 1; break;
    case OPT_WAIT: o->wait = 1; break;
    case OPT_NO_WAIT: o->wait = 0; break;
    case OPT_NO_BACKGROUND: o->no_background = 1; break;
    case OPT_FORCE: o->force = 1; break;
    default: break;
    }
}

/* Applies an option with its value; 0 after an error line. */
static int apply_value(rv_opts *o, const rv_opt_def *d, const char *val) {
    long v;
    int c = d->choices ? choice(d->choices, val) : 0;
    if (c < 0) return bad_choice(d, val) && 0;
    switch (d->id) {
    case OPT_TOP_K:
        if (!parse_long(d->long_name, val, 1, 1000000, &v)) return 0;
        o->q.top_k = (size_t)v;
        return 1;
    case OPT_THRESHOLD: {
        char *end;
        errno = 0;
        double t = strtod(val, &end);
        if (errno || end == val || *end || t != t)
            return rv_cli_fail("--threshold: expected a number, got '%s'", val) && 0;
        o->q.threshold = t;
        return 1;
    }
    case OPT_MODE: o->q.mode = (rv_search_mode)rv_search_mode_parse(val); return 1;
    case OPT_SORT: o->sink.sort = c == 1 ? RV_SINK_SORT_PATH : RV_SINK_SORT_SCORE; return 1;
    case OPT_CONTENT:
        o->q.content = c == 1 ? RV_CONTENT_CODE : c == 2 ? RV_CONTENT_DOCS : RV_CONTENT_ALL;
        return 1;
    case OPT_FORMAT: o->sink.format = c == 0 ? RV_SINK_PLAIN : RV_SINK_JSON; return 1;
    case OPT_COLOR: o->color_mode = c == 0 ? 0 : c == 1 ? 1 : -1; return 1;
    case OPT_CONTEXT:
        if (!parse_long(d->long_name, val, 0, 100000, &v)) return 0;
        o->sink.context_lines = (int)v;
        return 1;
    case OPT_TYPE: o->types[o->n_types++] = val; return 1;
    case OPT_GLOB: o->globs[o->n_globs++] = val; return 1;
    case OPT_MAX_FILESIZE:
        if (!parse_size(val, &o->cfg.max_filesize) || o->cfg.max_filesize == 0)
            return rv_cli_fail("--max-filesize: expected a size like 2M, got '%s'", val) && 0;
        return 1;
    case OPT_MODEL: o->model = val; return 1;
    case OPT_DEVICE: o->cfg.device = val, o->device_set = 1; return 1;
    case OPT_THREADS:
        if (!parse_long(d->long_name, val, 1, 4096, &v)) return 0;
        o->cfg.threads = (int)v;
        return 1;
    case OPT_PRECISION:
        if (rv_precision_parse(&o->cfg.precision, val) != RV_OK)
            return rv_cli_fail("--precision: %s", rv_error_last()) && 0;
        o->precision_set = 1;
        return 1;
    case OPT_CACHE_DIR: o->cfg.cache_dir = val; return 1;
    case OPT_MAX_CHUNKS:
        if (!parse_long(d->long_name, val, 0, 1L << 40, &v)) return 0;
        o->cfg.max_chunks = (size_t)v;
        return 1;
    case OPT_MAX_TOKENS: return parse_long(d->long_name, val, 1, 100000, &o->max_tokens);
    case OPT_OLDER_THAN: return parse_long(d->long_name, val, 0, 100000, &o->older_than_days);
    case OPT_FOCUS: o->focus = val; return 1;
    case OPT_EMBED_FORMAT: o->embed_f32 = c == 1; return 1;
    case OPT_BATCH_TOKENS: return parse_long(d->long_name, val, 1, 1L << 24, &o->batch_tokens);
    case OPT_MAX_LEN: return parse_long(d->long_name, val, 2, 1L << 24, &o->max_len);
    case OPT_WHEEL: o->wheel = val; return 1;
    case OPT_GENERATE: o->generate = val; return 1;
    default: return 1;
    }
}

/* The row for a spelling ("-n" or "--top-k") accepted by cmd; NULL when none.
 * *other is set when some other command accepts it. */
static const rv_opt_def *find(const char *name, size_t len, unsigned cmd, int *other) {
    *other = 0;
    for (size_t i = 0; i < rv_opt_count; i++) {
        const rv_opt_def *d = &rv_opt_table[i];
        int hit = name[1] == '-' ? strlen(d->long_name) == len - 2 &&
                                       strncmp(name + 2, d->long_name, len - 2) == 0
                                 : len == 2 && d->short_name && d->short_name == name[1];
        if (!hit) continue;
        if (d->cmds & cmd) return d;
        *other = 1;
    }
    return NULL;
}

static const char *cmd_name(unsigned cmd) {
    for (size_t i = 0; i < rv_n_cmds; i++)
        if (rv_cmds[i].cmd == cmd) return rv_cmds[i].name;
    return "";
}

const rv_opt_def *rv_opt_find(const char *a, unsigned cmd) {
    if (a[0] != '-' || !a[1] || strcmp(a, "--") == 0) return NULL;
    int other;
    return find(a, a[1] == '-' ? strcspn(a, "=") : 2, cmd, &other);
}

int rv_opt_takes_next(const char *a) {
    const rv_opt_def *d = rv_opt_find(a, RV_CMD_ALL);
    if (!d || !d->arg) return 0;
    return a[1] == '-' ? strchr(a, '=') == NULL : a[2] == '\0';
}

/* "ripvec" or "ripvec index": how the user calls cmd. */
static void cmd_words(char *buf, size_t cap, unsigned cmd) {
    const char *n = cmd_name(cmd);
    snprintf(buf, cap, "ripvec%s%s", *n ? " " : "", n);
}

static int answer(const rv_opt_def *d, unsigned cmd) {
    if (d->id == OPT_HELP)
        rv_opt_help(stdout, cmd);
    else
        printf("ripvec %s\n", RV_VERSION);
    return 1;
}

/* One option argument at argv[*i]; 0 ok, 1 help/version answered, 2 error. */
static int parse_one(rv_opts *o, unsigned cmd, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    size_t len = a[1] == '-' ? strcspn(a, "=") : 2;
    const char *val = a[1] == '-' ? (a[len] ? a + len + 1 : NULL) : (a[2] ? a + 2 : NULL);
    int other;
    const rv_opt_def *d = find(a, len, cmd, &other);
    char words[64];
    cmd_words(words, sizeof words, cmd);
    if (!d && other)
        return rv_cli_fail("option '%.*s' does not apply to %s (see %s --help)", (int)len, a, words,
                           words);
    if (!d) return rv_cli_fail("unknown option '%.*s' (see %s --help)", (int)len, a, words);
    if (!d->arg) {
        if (val && a[1] == '-')
            return rv_cli_fail("option '--%s' takes no value (got '%s')", d->long_name, a);
        /* bundled short flags: -qv */
        for (const char *p = a + 1; val && *p; p++) {
            char one[3] = {'-', *p, '\0'};
            const rv_opt_def *e = find(one, 2, cmd, &other);
            if (!e || e->arg) return rv_cli_fail("unknown option '%s' in '%s'", one, a);
            if (e->id == OPT_HELP || e->id == OPT_VERSION) return answer(e, cmd);
            apply_flag(o, e->id);
        }
        if (val) return 0;
        if (d->id == OPT_HELP || d->id == OPT_VERSION) return answer(d, cmd);
        apply_flag(o, d->id);
        return 0;
    }
    if (!val) {
        if (*i + 1 >= argc) return rv_cli_fail("option '--%s' needs a value", d->long_name);
        val = argv[++*i];
    }
    return apply_value(o, d, val) ? 0 : RV_EXIT_ERROR;
}

int rv_opt_parse(rv_opts *o, unsigned cmd, int argc, char **argv) {
    size_t cap = (size_t)(argc > 0 ? argc : 0) + 1;
    o->types = calloc(cap, sizeof *o->types);
    o->globs = calloc(cap, sizeof *o->globs);
    o->pos = calloc(cap, sizeof *o->pos);
    if (!o->types || !o->globs || !o->pos) return rv_cli_fail("out of memory");
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            o->pos[o->n_pos++] = a;
        } else if (strcmp(a, "--") == 0) {
            only_pos = 1;
        } else {
            int r = parse_one(o, cmd, argc, argv, &i);
            if (r) return r;
        }
    }
    o->cfg.types = o->n_types ? o->types : NULL;
    o->cfg.globs = o->n_globs ? o->globs : NULL;
    return 0;
}

/* Writes text wrapped at 79 columns, continuation lines indented by indent;
 * col is where the cursor is. */
static void wrap_at(FILE *f, const char *text, size_t col, size_t indent) {
    size_t start = col;
    for (const char *p = text; *p;) {
        size_t w = strcspn(p, " ");
        if (col > start && col + 1 + w > 79) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = start = indent;
        } else if (col > start) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += w;
        p += w;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

/* "  -n, --top-k N" padded to the help column, then the help text. */
static void help_line(FILE *f, const rv_opt_def *d) {
    enum { COL = 28 };
    int n = fprintf(f, "  %c%c%s--%s%s%s", d->short_name ? '-' : ' ',
                    d->short_name ? d->short_name : ' ', d->short_name ? ", " : "  ", d->long_name,
                    d->arg ? " " : "", d->arg ? d->arg : "");
    if (n >= COL) {
        fputc('\n', f);
        n = 0;
    }
    fprintf(f, "%*s", COL - n, "");
    wrap_at(f, d->help, COL, COL);
}

void rv_opt_help(FILE *f, unsigned cmd) {
    for (size_t i = 0; i < rv_n_cmds; i++) {
        const rv_cmd_def *c = &rv_cmds[i];
        if (c->cmd != cmd) continue;
        fprintf(f, "usage: ripvec %s%s%s\n", c->name, *c->name ? " " : "", c->synopsis);
        if (cmd == RV_CMD_SEARCH)
            fputs("       ripvec index|mcp|find-similar|repo-map|embed|tokenize|model ...\n", f);
        fputc('\n', f);
        wrap_at(f, c->about, 0, 0);
    }
    const char *group = NULL;
    for (size_t i = 0; i < rv_opt_count; i++) {
        const rv_opt_def *d = &rv_opt_table[i];
        if (!(d->cmds & cmd)) continue;
        if (!group || strcmp(group, d->group) != 0) {
            group = d->group;
            fprintf(f, "\n%s:\n", group);
        }
        help_line(f, d);
    }
    fputs("\nExit status: 0 found / ok, 1 nothing found, 2 error.\n", f);
}
