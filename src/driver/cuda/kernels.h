/*
 * driver/cuda/kernels.h — C launchers for the CUDA driver's own kernels.
 * Each returns 0 on a successful launch, -1 when the launch failed (the
 * caller reads cudaGetLastError's text). All pointers are device pointers.
 */
#ifndef RV_DRIVER_CUDA_KERNELS_H
#define RV_DRIVER_CUDA_KERNELS_H

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out[t] = word[ids[t]] + position[pos[t]] (+ type_emb[types[t]]), [total, hidden]. */
int rv_cuk_embed(cudaStream_t st, float *out, const int32_t *ids, const int32_t *pos,
                 const int32_t *types, const float *word, const float *position,
                 const float *type_emb, size_t total, int hidden);
/* out[r, :] = table[ids[r], :] (accumulate=0) or out[r, :] += table[ids[r], :]. */
int rv_cuk_gather(cudaStream_t st, float *out, const float *table, const int32_t *ids,
                  size_t rows, int cols, int accumulate);
/* out = LayerNorm(x + residual + bias) * w + b per row; residual/bias may be NULL;
 * out may alias x. */
int rv_cuk_layernorm(cudaStream_t st, float *out, const float *x, const float *residual,
                     const float *bias, const float *w, const float *b, size_t rows, int cols,
                     float eps);
int rv_cuk_add_bias(cudaStream_t st, float *x, const float *bias, size_t rows, int cols);
/* x = gelu_erf(x + bias); bias may be NULL. */
int rv_cuk_bias_gelu(cudaStream_t st, float *x, const float *bias, size_t rows, int cols);
/* Unpadded [total, dim] <-> padded [batch, max_seq, dim]; offsets/lengths per sequence. */
int rv_cuk_pad(cudaStream_t st, float *out, const float *in, const int32_t *offsets,
               const int32_t *lengths, int batch, int max_seq, int dim);
int rv_cuk_unpad(cudaStream_t st, float *out, const float *in, const int32_t *offsets,
                 const int32_t *lengths, int batch, int max_seq, int dim);
/* qkv [batch*seq, 3*hidden] -> q, k, v each [batch*heads, seq, head_dim]. */
int rv_cuk_qkv_split(cudaStream_t st, float *q, float *k, float *v, const float *qkv, int batch,
                     int seq, int hidden, int heads, int head_dim);
/* scores [batch*heads, seq, seq] = softmax(scale * scores + mask[b, :]), mask additive [batch, seq]. */
int rv_cuk_scale_mask_softmax(cudaStream_t st, float *scores, const float *mask, int batch,
                              int heads, int seq, float scale);
/* attn [batch*heads, seq, head_dim] -> ctx [batch*seq, heads*head_dim]. */
int rv_cuk_attn_reshape(cudaStream_t st, float *ctx, const float *attn, int batch, int seq,
                        int heads, int head_dim);
/* out [batch, hidden] = CLS row (mean=0) or mean of real rows (mean=1) of x [total, hidden]. */
int rv_cuk_pool(cudaStream_t st, float *out, const float *x, const int32_t *offsets,
                const int32_t *lengths, int batch, int hidden, int mean);
int rv_cuk_l2_normalize(cudaStream_t st, float *x, size_t rows, int cols);

#ifdef __cplusplus
}
#endif
#endif
