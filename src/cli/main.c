/* The ripvec binary: dispatches to a subcommand, or searches by default. */
#include "cli/cli.h"
#include "cli/opt.h"
#include "ripvec/model_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The library's "cache_dir is not set" means the CLI found no cache root
 * (no RIPVEC_CACHE, XDG_CACHE_HOME or HOME, and no home in the password
 * database): say what to set instead. Models look under XDG_CACHE_HOME or
 * HOME only (RIPVEC_CACHE is the indexes'). */
static const struct {
    const char *lib, *cli;
} k_no_cache[] = {
    {"the model store's cache_dir is not set",
     "cannot find the model cache (no HOME and no home directory for this user): set "
     "XDG_CACHE_HOME or HOME, or give --model DIR"},
    {"rv_index_params.cache_dir is not set",
     "cannot find the index cache (no HOME and no home directory for this user): set "
     "RIPVEC_CACHE, XDG_CACHE_HOME or HOME"},
    {"rv_index_list: cache_dir is not set",
     "cannot find the index cache (no HOME and no home directory for this user): set "
     "RIPVEC_CACHE, XDG_CACHE_HOME or HOME"},
};

int rv_cli_fail(const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < sizeof k_no_cache / sizeof k_no_cache[0]; i++) {
        char *at = strstr(msg, k_no_cache[i].lib);
        if (!at) continue;
        fprintf(stderr, "ripvec: %.*s%s\n", (int)(at - msg), msg, k_no_cache[i].cli);
        return RV_EXIT_ERROR;
    }
    fprintf(stderr, "ripvec: %s\n", msg);
    return RV_EXIT_ERROR;
}

int rv_cli_use_color(int fd, int mode) {
    if (mode > 0) return 1;
    if (mode < 0) return 0;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc) return 0;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return 0;
    return isatty(fd);
}

const char *rv_cli_python(void) {
    const char *py = getenv("RIPVEC_PYTHON");
    return py && *py ? py : NULL;
}

char *rv_cli_model_cache(void) {
    char *dir = NULL;
    if (rv_cache_root(&dir, NULL, getenv("XDG_CACHE_HOME"), getenv("HOME")) != RV_OK) return NULL;
    return dir;
}

int rv_cli_resolve_model(char **dir, const char *spec, int allow_fetch, int quiet,
                         rv_cli_progress *ps) {
    rv_model_fetch_opts fo = {0};
    fo.note = quiet ? NULL : rv_cli_note;
    fo.user = ps;
    fo.python = rv_cli_python();
    char *cache = rv_cli_model_cache();
    fo.cache_dir = cache;
    rv_status st = rv_model_resolve_ex(dir, spec, allow_fetch, &fo);
    free(cache);
    return st == RV_OK ? RV_EXIT_OK : rv_cli_fail("%s", rv_error_last());
}

char *rv_cli_pack_dir(const char *spec, const char *model_dir) {
    struct stat sb;
    if (!model_dir || (spec && *spec && stat(spec, &sb) == 0 && S_ISDIR(sb.st_mode))) return NULL;
    size_t n = strlen(model_dir) + sizeof "/packed";
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/packed", model_dir);
    return p;
}

/* --model takes a directory (or a name): a file inside one is a likely slip. */
static int check_model_arg(const char *model) {
    struct stat sb;
    if (!model || stat(model, &sb) != 0 || S_ISDIR(sb.st_mode)) return RV_EXIT_OK;
    const char *slash = strrchr(model, '/');
    int dir_len = slash ? (int)(slash - model) : 1;
    return rv_cli_fail("--model: %s is a file; give the model's directory (%.*s)", model, dir_len,
                       slash ? model : ".");
}

int rv_cli_begin(rv_opts *o, unsigned cmd, int argc, char **argv) {
    rv_opts_init(o);
    int n = 0;
    char **args = NULL;
    int rc = rv_opt_read_config(o, cmd, argc, argv, &n, &args);
    if (rc == RV_EXIT_OK) rc = rv_opt_parse(o, cmd, n, args);
    free(args);
    const char *env = getenv("RIPVEC_MODEL");
    if (rc == RV_EXIT_OK && !o->model && env && *env) o->model = env;
    if (rc == RV_EXIT_OK) rc = check_model_arg(o->model);
    if (rc == RV_EXIT_OK && (!o->cfg.cache_dir || !*o->cfg.cache_dir) &&
        rv_cache_root(&o->cache_root, getenv("RIPVEC_CACHE"), getenv("XDG_CACHE_HOME"),
                      getenv("HOME")) == RV_OK)
        o->cfg.cache_dir = o->cache_root;
    if (rc == RV_EXIT_OK && o->generate) rc = rv_opt_generate(stdout, o->generate) ? 2 : 1;
    return rc == 1 ? RV_CLI_DONE : rc; /* 1: rv_opt_parse answered */
}

int rv_cli_main(unsigned cmd, int argc, char **argv, int (*body)(rv_opts *o)) {
    rv_opts o;
    int rc = rv_cli_begin(&o, cmd, argc, argv);
    if (rc == RV_EXIT_OK) rc = rv_cli_setup_walk(&o);
    if (rc == RV_EXIT_OK && !o.type_list) rc = body(&o);
    rv_opts_free(&o);
    return rc == RV_CLI_DONE ? RV_EXIT_OK : rc;
}

static const struct {
    const char *name;
    int (*run)(int, char **);
} g_commands[] = {
    {"model", rv_cmd_model},      {"tokenize", rv_cmd_tokenize}, {"embed", rv_cmd_embed},
    {"index", rv_cmd_index},      {"mcp", rv_cmd_mcp},           {"find-similar", rv_cmd_similar},
    {"repo-map", rv_cmd_repomap}, {"lsp", rv_cmd_lsp},
};

/* Options may come before the subcommand ("ripvec --model M index status"):
 * the first word that is not an option (or an option's value) is looked up. */
int main(int argc, char **argv) {
    int i = 1;
    while (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0)
        i += 1 + rv_opt_takes_next(argv[i]);
    for (size_t c = 0; i < argc && c < sizeof g_commands / sizeof g_commands[0]; c++) {
        if (strcmp(argv[i], g_commands[c].name) != 0) continue;
        /* argv becomes: NAME, the options before it, the arguments after it */
        char *name = argv[i];
        memmove(argv + 2, argv + 1, (size_t)(i - 1) * sizeof *argv);
        argv[1] = name;
        return g_commands[c].run(argc - 1, argv + 1);
    }
    /* Default: search. argv[0] stays the program name for its parser. */
    return rv_cmd_search(argc, argv);
}
