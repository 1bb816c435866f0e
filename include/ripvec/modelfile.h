/*
 * ripvec/modelfile.h — the files of a Hugging Face model directory: weights in
 * safetensors format and the BERT hyper-parameters from config.json (plus the
 * sentence-transformers side files that decide pooling, length and prefix).
 *
 *   rv_safetensors *st;
 *   if (rv_safetensors_open(&st, "model/model.safetensors") != RV_OK) fail(rv_error_last());
 *   const rv_tensor_info *t = rv_safetensors_find(st, "embeddings.word_embeddings.weight");
 *   // t->shape = {30522, 384}; t->data points into the read-only mapping
 *   float *w = malloc(30522 * 384 * sizeof *w);
 *   rv_tensor_read_f32(t, w, 30522 * 384);           // converts F16/BF16
 *   rv_safetensors_close(st);                        // t and t->data die here
 *
 *   rv_bert_config cfg;
 *   if (rv_bert_config_load(&cfg, "model") != RV_OK) fail(rv_error_last());
 *
 * A handle is immutable after open/parse, so several threads may read it at once.
 * Everything it hands out (names, infos, data pointers) lives until close.
 */
#ifndef RIPVEC_MODELFILE_H
#define RIPVEC_MODELFILE_H

#include "ripvec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- safetensors ------------------------------------------------------ */

/* Element types. F32/F16/BF16 are the weight types the engine uses; the rest
 * are carried so real checkpoints open (MiniLM stores its position_ids buffer
 * as I64) and can be looked at, but rv_tensor_read_f32 refuses integer types.
 * Any dtype string not listed here is refused with RV_ERR_UNSUPPORTED. */
typedef enum rv_dtype {
    RV_DTYPE_F32,
    RV_DTYPE_F16,
    RV_DTYPE_BF16,
    RV_DTYPE_F64,
    RV_DTYPE_I64,
    RV_DTYPE_I32,
    RV_DTYPE_I16,
    RV_DTYPE_I8,
    RV_DTYPE_U8,
    RV_DTYPE_BOOL
} rv_dtype;

typedef struct rv_tensor_info {
    const char *name;
    rv_dtype dtype;
    int ndim;         /* 0..8; 0 is a scalar (one element) */
    int64_t shape[8]; /* unused entries are 0 */
    const void *data; /* inside the file; may be unaligned (check before zero-copy) */
    size_t nbytes;    /* element count * element size, already validated */
} rv_tensor_info;

typedef struct rv_safetensors rv_safetensors;

/* Maps the file read-only and validates its header: 8-byte little-endian
 * header length (2 .. min(file size - 8, 100 MiB)), a JSON object header,
 * optional "__metadata__" with string values, per tensor a known dtype, a shape
 * of at most 8 non-negative integers, data_offsets [begin, end] inside the data
 * area whose length equals the element count times the dtype size, no two
 * tensors overlapping, no duplicate names. Each failure is RV_ERR_FORMAT (or
 * RV_ERR_UNSUPPORTED for an unknown dtype) with a one-line message naming the
 * file. Caller closes with rv_safetensors_close. */
rv_status rv_safetensors_open(rv_safetensors **out, const char *path);

/* Same checks on a buffer the caller owns; it must outlive the handle. */
rv_status rv_safetensors_parse(rv_safetensors **out, const void *data, size_t size);

/* Tensors in the order their names sort (strcmp), so the order is stable. */
size_t rv_safetensors_count(const rv_safetensors *st);
const rv_tensor_info *rv_safetensors_get(const rv_safetensors *st,
                                         size_t i); /* NULL if i >= count */

/* NULL if absent (no error message is set). Binary search. */
const rv_tensor_info *rv_safetensors_find(const rv_safetensors *st, const char *name);

/* Value of "__metadata__"[key], or NULL when the key or the block is absent. */
const char *rv_safetensors_metadata(const rv_safetensors *st, const char *key);

/* Copies the tensor into dst as float32. `count` must equal the element count
 * (else RV_ERR_INVALID_ARG). Converts F16, BF16 and F64; integer dtypes give
 * RV_ERR_UNSUPPORTED. Reads through memcpy, so unaligned data is fine. */
rv_status rv_tensor_read_f32(const rv_tensor_info *t, float *dst, size_t count);

/* Element count (product of the shape; 1 for a scalar). */
size_t rv_tensor_numel(const rv_tensor_info *t);

/* "F32", "F16", … and the element size in bytes. */
const char *rv_dtype_name(rv_dtype dt);
size_t rv_dtype_size(rv_dtype dt);

void rv_safetensors_close(rv_safetensors *st); /* NULL is a no-op */

/* ---- config.json ------------------------------------------------------ */

typedef enum rv_pooling { RV_POOLING_CLS, RV_POOLING_MEAN } rv_pooling;

/* BERT hyper-parameters plus the sentence-embedding settings.
 *
 * Required in config.json (positive integers): hidden_size, num_hidden_layers,
 * num_attention_heads, intermediate_size, vocab_size; hidden_size must be a
 * multiple of num_attention_heads. Defaults when absent: max_position_embeddings
 * 512, type_vocab_size 2, layer_norm_eps 1e-12, hidden_act "gelu", model_type
 * "bert". hidden_act "gelu" (exact erf) is the supported one; "gelu_new" and
 * "gelu_pytorch_tanh" are accepted with gelu_tanh = 1 (the engine must use the
 * tanh approximation); anything else is RV_ERR_UNSUPPORTED, as are a model_type
 * other than "bert" and a position_embedding_type other than "absolute".
 *
 * The "bge name rule": a model is treated as BGE when "bge" (any case) occurs
 * in the directory's own name, in the name of the directory above a Hugging
 * Face hub "snapshots/<hash>" folder, or in config.json's "_name_or_path".
 *
 * pooling: 1_Pooling/config.json decides when present (pooling_mode_cls_token
 *   -> CLS, pooling_mode_mean_tokens -> MEAN, other modes unsupported);
 *   otherwise CLS for BGE models (name rule) and MEAN for everything else.
 * max_seq_length: sentence_bert_config.json "max_seq_length" when present, else
 *   tokenizer_config.json "model_max_length" when it is a positive integer no
 *   larger than max_position_embeddings, else max_position_embeddings; always
 *   clipped to max_position_embeddings.
 * query_prefix: BGE models (name rule) get "Represent this sentence for
 *   searching relevant passages: "; otherwise config_sentence_transformers.json
 *   "prompts"."query" when it is a string; otherwise "". Documents get no prefix.
 */
typedef struct rv_bert_config {
    int vocab_size, hidden_size, num_layers, num_heads, intermediate_size, max_position_embeddings,
        type_vocab_size;
    float layer_norm_eps;
    char hidden_act[32];
    char model_type[32];
    rv_pooling pooling;
    int max_seq_length;
    char query_prefix[160];
    int gelu_tanh; /* 1 when hidden_act is a tanh-approximated GELU */
    int is_bge;    /* 1 when the bge name rule matched */
} rv_bert_config;

/* Reads model_dir/config.json and the optional side files named above. Invalid
 * JSON, missing required fields and wrong types give RV_ERR_FORMAT with the file
 * name in the message; a missing config.json gives RV_ERR_NOT_FOUND. */
rv_status rv_bert_config_load(rv_bert_config *out, const char *model_dir);

/* config.json text only: pooling and query_prefix then follow the bge name
 * rule on "_name_or_path" alone, and max_seq_length = max_position_embeddings. */
rv_status rv_bert_config_parse(rv_bert_config *out, const char *json, size_t len);

#ifdef __cplusplus
}
#endif
#endif
