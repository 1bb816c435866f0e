/*
 * ripvec/embed.h — sentence embeddings from a local BERT-family model.
 *
 *   rv_model_params mp = rv_model_default_params();        // device "cpu"
 *   rv_model *m;
 *   if (rv_model_load(&m, "/path/to/all-minilm-l6-v2", &mp) != RV_OK) fail(rv_error_last());
 *   rv_embed_params ep = rv_embed_default_params();
 *   rv_embed_ctx *ctx;
 *   rv_embed_ctx_create(&ctx, m, &ep);
 *   const char *texts[2] = {"retry with backoff", "def f(): pass"};
 *   float *vec = malloc(2 * rv_model_dim(m) * sizeof(float));
 *   rv_embed_texts(ctx, texts, NULL, 2, vec);                // L2-normalized rows
 *   free(vec); rv_embed_ctx_free(ctx); rv_model_free(m);
 *
 * Threading rule: a loaded rv_model is immutable and may be shared by any
 * number of threads; an rv_embed_ctx holds one thread's scratch and worker
 * pool and must be used by one thread at a time.
 */
#ifndef RIPVEC_EMBED_H
#define RIPVEC_EMBED_H

#include "ripvec/common.h"
#include "ripvec/driver.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_model rv_model;         /* immutable after load; shareable across threads */
typedef struct rv_embed_ctx rv_embed_ctx; /* per-thread state: scratch, driver context */
typedef struct rv_tokenizer rv_tokenizer; /* see ripvec/tokenizer.h */

/* Storage and arithmetic of the linear layers' weights. fp32 is exact (the
 * parity tests hold for it); fp16 halves the weights' memory; int8 (7-bit
 * weights with a scale per output row, activations quantized per token)
 * is the fastest on CPU, with cosine >= 0.99 to fp32 on the golden texts.
 * Reduced precision needs the cpu device. */
typedef enum rv_precision {
    RV_PRECISION_FP32 = 0, /* the default (zero-initialised params get it) */
    RV_PRECISION_FP16 = 1,
    RV_PRECISION_INT8 = 2,
    RV_PRECISION_BF16 = 3, /* bfloat16 weights and activations, fp32 sums */
} rv_precision;

typedef struct rv_model_params {
    const char *device;      /* "cpu" (default when NULL), "cuda", "auto" */
    int threads;             /* default worker threads per context; 0 = all cores */
    rv_precision precision;  /* RV_PRECISION_FP32 by default */
    rv_driver_params driver; /* zero: the driver's defaults */
    /* A directory where the packed (quantized) linear layers may be kept
     * between loads, one file per precision and kernel family, checked
     * and rebuilt when stale; NULL: packed in memory at each load. Give
     * one that belongs to ripvec (the model cache), not the user's own
     * model directory. A directory that cannot be written leaves the
     * layers in memory. */
    const char *pack_dir;
} rv_model_params;

rv_model_params rv_model_default_params(void);

/* "fp32", "fp16", "int8" (static strings); NULL for an unknown value. */
const char *rv_precision_name(rv_precision p);
/* Parses one of the names above; RV_ERR_INVALID_ARG otherwise. */
rv_status rv_precision_parse(rv_precision *out, const char *name);

/* Loads config.json, the tokenizer and model.safetensors from `model_dir` (a
 * Hugging Face / sentence-transformers layout). Unknown or unavailable device
 * -> RV_ERR_NO_DEVICE. Caller frees with rv_model_free. */
rv_status rv_model_load(rv_model **out, const char *model_dir, const rv_model_params *p);
void rv_model_free(rv_model *m); /* NULL ok */

size_t rv_model_dim(const rv_model *m);     /* embedding width (hidden size) */
int rv_model_max_tokens(const rv_model *m); /* per-sequence limit incl. [CLS]/[SEP] */
/* Stable id for indexes (owned by m): the model files, plus "-fp16"/"-int8v5"
 * for reduced precision (vectors of different precisions never mix). */
const char *rv_model_id(const rv_model *m);
/* The id rv_model_load would give the model in model_dir at `precision`,
 * computed from config.json and the weights' size without loading anything
 * (an index can be opened before, or without, the weights). */
rv_status rv_model_id_for_dir(char *out, size_t cap, const char *model_dir, rv_precision precision);
const char *rv_model_query_prefix(const rv_model *m);      /* "" when none (owned by m) */
const char *rv_model_device(const rv_model *m);            /* driver in use: "cpu", "cuda" */
const rv_tokenizer *rv_model_tokenizer(const rv_model *m); /* owned by m */
rv_precision rv_model_precision(const rv_model *m);
/* Where the packed layers came from (static or owned by m): "none" (no
 * pack_dir, or nothing to keep), "mapped" (the file), "built" (written
 * now), "rebuilt (stale key)" / "rebuilt (damaged)", "memory (why)" when
 * the file could not be written. */
const char *rv_model_pack_state(const rv_model *m);

typedef struct rv_embed_params {
    int threads;         /* 0 = the model's default */
    size_t token_budget; /* max tokens per forward pass (default 8192); a single
                            longer sequence still runs alone */
} rv_embed_params;

rv_embed_params rv_embed_default_params(void);

/* Caller frees with rv_embed_ctx_free. `m` must outlive the context. */
rv_status rv_embed_ctx_create(rv_embed_ctx **out, const rv_model *m, const rv_embed_params *p);
void rv_embed_ctx_free(rv_embed_ctx *ctx); /* NULL ok */

/* Embeds n texts into out[n * dim] (row i for texts[i], L2-normalized), in
 * input order. lens == NULL means NUL-terminated texts. Texts longer than the
 * model's limit are truncated. */
rv_status rv_embed_texts(rv_embed_ctx *ctx, const char *const *texts, const size_t *lens, size_t n,
                         float *out);

/* Same from already tokenized sequences (each with [CLS]/[SEP]; 1 <= lens[i]
 * <= rv_model_max_tokens). Useful for callers that tokenize once. */
rv_status rv_embed_tokens(rv_embed_ctx *ctx, const int32_t *const *ids, const size_t *lens,
                          size_t n, float *out);

#ifdef __cplusplus
}
#endif
#endif
