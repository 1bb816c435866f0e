/*
 * engine/arch_bert.h — the ClassicBert forward pass (BERT encoder with
 * learned positions, erf GELU, fused QKV), written once over rv_driver.
 *
 *   rv_bert *b;
 *   rv_bert_load(&b, drv, dev, &cfg, st);          // weights -> device (st stays open)
 *   void *dctx; drv->ctx_create(&dctx, dev, 0);
 *   rv_bert_forward(b, dctx, ids, lens, n, out, 0); // out [n, hidden], L2-normalized
 *   drv->ctx_destroy(dctx); rv_bert_free(b); rv_safetensors_close(st);
 *
 * A loaded rv_bert is immutable; forward only touches the driver context.
 */
#ifndef RV_ENGINE_ARCH_BERT_H
#define RV_ENGINE_ARCH_BERT_H

#include "driver/driver.h"
#include "ripvec/modelfile.h"

/* One encoder layer; checkpoint names under encoder.layer.N. */
typedef struct rv_bert_layer {
    rv_dbuf *qkv_w;     /* [3H, H] attention.self.{query,key,value}.weight, stacked */
    rv_dbuf *qkv_b;     /* [3H]    attention.self.{query,key,value}.bias */
    rv_dbuf *out_w;     /* [H, H]  attention.output.dense.weight */
    rv_dbuf *out_b;     /* [H]     attention.output.dense.bias */
    rv_dbuf *ln1_w;     /* [H]     attention.output.LayerNorm.weight */
    rv_dbuf *ln1_b;     /* [H]     attention.output.LayerNorm.bias */
    rv_dbuf *ffn_in_w;  /* [I, H]  intermediate.dense.weight */
    rv_dbuf *ffn_in_b;  /* [I]     intermediate.dense.bias */
    rv_dbuf *ffn_out_w; /* [H, I]  output.dense.weight */
    rv_dbuf *ffn_out_b; /* [H]     output.dense.bias */
    rv_dbuf *ln2_w;     /* [H]     output.LayerNorm.weight */
    rv_dbuf *ln2_b;     /* [H]     output.LayerNorm.bias */
} rv_bert_layer;

typedef struct rv_bert {
    const rv_driver *drv;
    void *dev; /* not owned */
    rv_bert_config cfg;
    size_t hidden, heads, head_dim, inter, vocab, max_pos, type_vocab;
    rv_dbuf *word_emb;     /* [V, H] embeddings.word_embeddings.weight */
    rv_dbuf *pos_emb;      /* [P, H] embeddings.position_embeddings.weight */
    rv_dbuf *type_emb;     /* [T, H] embeddings.token_type_embeddings.weight */
    rv_dbuf *emb_ln_w;     /* [H]    embeddings.LayerNorm.weight */
    rv_dbuf *emb_ln_b;     /* [H]    embeddings.LayerNorm.bias */
    rv_bert_layer *layers; /* [num_layers] */
    int packed;            /* linear weights in the driver's own format (linear only) */
    rv_wfmt wfmt;          /* their storage when packed */
    int cls_last_layer;    /* CLS pooling: the last layer past attention runs on CLS rows */
} rv_bert;

/* Load options (zero-initialised = plain f32 uploads, the seed's layout). */
typedef struct rv_bert_load_opts {
    /* Linear weights through the driver's upload_linear_weight (packed panels
     * for its GEMM kernel) when it has one; forward then always uses the
     * fused linear slot. Implied by wfmt != F32. */
    int pack;
    rv_wfmt wfmt; /* F16 / Q8 need a driver with upload_linear_weight */
    /* For CLS-pooled models: after the last layer's attention, only the CLS
     * rows go on (output projection, FFN, LayerNorms): the pooled vector is
     * unchanged and the rest of the layer is skipped. */
    int cls_last_layer;
    /* Copy every tensor to the device. By default, a driver that can wrap
     * host memory (wrap_host / wrap_linear_weight) reads F32 tensors in
     * place in the mapped file instead, so `st` must then stay open until
     * rv_bert_free. */
    int copy_weights;
    /* Packed layers kept between loads (embed.c's cache file), or NULL:
     * pack_take gives the next packed layer [n, k] in load order, or *out
     * NULL, and the loader packs it and hands it to pack_add. */
    rv_status (*pack_take)(void *user, rv_dbuf **out, size_t n, size_t k);
    rv_status (*pack_add)(void *user, rv_dbuf *buf, size_t n, size_t k);
    void *pack_user;
} rv_bert_load_opts;

/* Forward flags: make the pass ignore a driver's optional fused slots (tests
 * use them to check the fused and composed paths agree). A model loaded with
 * packed weights always uses the linear slot (gemm cannot read them). */
enum {
    RV_BERT_NO_FUSED_LINEAR = 1u << 0,
    RV_BERT_NO_FUSED_ATTENTION = 1u << 1,
    /* run the whole last layer even when the model was loaded with
     * cls_last_layer (tests compare both) */
    RV_BERT_NO_CLS_SHORTCUT = 1u << 2,
};

/* Validates every tensor's presence, dtype and shape against cfg (names with
 * or without a "bert." prefix), converts F16/BF16 to F32, fuses Q/K/V and
 * uploads, or (F32 tensors, 4-byte aligned, drivers with wrap slots) reads
 * them in place: keep `st` open until rv_bert_free. Errors name the tensor
 * (RV_ERR_FORMAT / RV_ERR_NOT_FOUND / RV_ERR_UNSUPPORTED). Caller frees with
 * rv_bert_free (before closing dev and st). */
rv_status rv_bert_load(rv_bert **out, const rv_driver *drv, void *dev, const rv_bert_config *cfg,
                       const rv_safetensors *st);
/* rv_bert_load with options (NULL = defaults). */
rv_status rv_bert_load_ex(rv_bert **out, const rv_driver *drv, void *dev, const rv_bert_config *cfg,
                          const rv_safetensors *st, const rv_bert_load_opts *opts);
void rv_bert_free(rv_bert *b); /* NULL ok */

/* Scratch bytes one forward pass over this geometry needs from the pool. */
size_t rv_bert_scratch_bytes(const rv_bert *b, size_t batch, size_t total_tokens, size_t max_seq,
                             unsigned flags);

/* Runs the encoder over `batch` sequences (ids back to back, lens[i] each,
 * 1 <= lens[i] <= max_position_embeddings, ids < vocab) and writes the pooled,
 * L2-normalized vectors to out[batch * hidden] (host memory). Reserves the
 * scratch it needs first; leaves the pool empty. */
rv_status rv_bert_forward(const rv_bert *b, void *dctx, const int32_t *ids, const int32_t *lens,
                          size_t batch, float *out, unsigned flags);

#endif
