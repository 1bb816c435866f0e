/*
 * driver/cpu/cpu_internal.h — state shared by the CPU driver's files.
 *
 * A cpu rv_dbuf * is simply a host pointer (float or int32) cast to the
 * opaque type; CPU_F/CPU_I undo the cast.
 */
#ifndef RV_DRIVER_CPU_INTERNAL_H
#define RV_DRIVER_CPU_INTERNAL_H

#include "driver/cpu/cpu_kernels.h"
#include "driver/cpu/cpu_linear.h"
#include "driver/driver.h"
#include "driver/threadpool.h"

#define CPU_F(buf) ((float *)(void *)(buf))
#define CPU_CF(buf) ((const float *)(const void *)(buf))
#define CPU_CI(buf) ((const int32_t *)(const void *)(buf))
#define CPU_BUF(p) ((rv_dbuf *)(void *)(p))

/* Largest head size the AVX2 attention kernel's scratch is sized for; larger
 * heads use the sgemm path (its scratch, max_seq^2, is covered as well). */
#define RV_CPU_ATTN_MAX_HD 128

/* Per-thread attention scratch for sequences of up to s16 tokens (a
 * multiple of 16): the sgemm path's scores and the kernel's scratch at any
 * head size up to RV_CPU_ATTN_MAX_HD. */
static inline size_t rv_cpu_attn_stride_floats(size_t s16) {
    return s16 * s16 + rv_cpu_attn_scratch_floats(s16, RV_CPU_ATTN_MAX_HD);
}

typedef struct rv_cpu_device {
    int threads;    /* default per-context thread count (resolved, >= 1) */
    rv_cpu_isa isa; /* kernel family of its contexts (best, unless configured) */
    int blas;       /* fp32 weights stay plain, for OpenBLAS's sgemm */
    /* buffers made by wrap_host: views of the caller's memory, which
     * free_buf must not free */
    const void **wrapped;
    size_t n_wrapped, cap_wrapped;
    char pack_key[48]; /* pack_key's answer */
} rv_cpu_device;

/* Batches of at most this many tokens read wrapped linear weights in place
 * (rows kernel) instead of packing them: for so few rows the product is
 * bound by reading the weights whatever their layout. */
#define RV_CPU_ROWS_MAX_M 16

typedef struct rv_cpu_ctx {
    rv_cpu_device *dev;
    rv_threadpool *tp;
    int nthreads;
    const rv_cpu_kernels *k;
    unsigned char *pool; /* scratch, 64-byte aligned */
    size_t pool_cap, pool_used;
    float *attn_scratch; /* nthreads * attn_stride floats, for per-sequence attention */
    size_t attn_stride, attn_cap;
    const rv_cpu_linear_kernels *lk; /* GEMM over packed weights */
    unsigned char *gemm_scratch;     /* nthreads * gemm_stride bytes (q8 activations) */
    size_t gemm_stride;
} rv_cpu_ctx;

/* Runs fn over [0, rows) split in nthreads contiguous parts (inline when the
 * work is small: rows * cost_per_row below a threshold). */
typedef void (*rv_cpu_range_fn)(void *arg, size_t begin, size_t end);
void rv_cpu_parallel(rv_cpu_ctx *c, size_t rows, size_t cost_per_row, rv_cpu_range_fn fn,
                     void *arg);

/* cpu_ops.c */
rv_status rv_cpu_embedding_lookup(void *ctx, rv_dbuf *out, const rv_dbuf *table, const rv_dbuf *ids,
                                  size_t rows, size_t cols);
rv_status rv_cpu_add_embeddings(void *ctx, rv_dbuf *x, const rv_dbuf *table, const rv_dbuf *ids,
                                size_t rows, size_t cols);
rv_status rv_cpu_layer_norm(void *ctx, rv_dbuf *out, const rv_dbuf *in, const rv_dbuf *w,
                            const rv_dbuf *b, size_t rows, size_t cols, float eps);
rv_status rv_cpu_add_bias(void *ctx, rv_dbuf *x, const rv_dbuf *bias, size_t rows, size_t cols);
rv_status rv_cpu_fused_bias_gelu(void *ctx, rv_dbuf *x, const rv_dbuf *bias, size_t rows,
                                 size_t cols);
rv_status rv_cpu_fused_residual_layernorm(void *ctx, rv_dbuf *out, const rv_dbuf *x,
                                          const rv_dbuf *residual, const rv_dbuf *w,
                                          const rv_dbuf *b, size_t rows, size_t cols, float eps);
rv_status rv_cpu_pad_to_batch(void *ctx, const rv_dbuf *src, rv_dbuf *dst,
                              const rv_batch_inputs *in, size_t cols);
rv_status rv_cpu_unpad_from_batch(void *ctx, const rv_dbuf *src, rv_dbuf *dst,
                                  const rv_batch_inputs *in, size_t cols);
rv_status rv_cpu_qkv_split(void *ctx, rv_dbuf *q, rv_dbuf *k, rv_dbuf *v, const rv_dbuf *qkv,
                           size_t batch, size_t seq, size_t heads, size_t head_dim);
rv_status rv_cpu_fused_scale_mask_softmax(void *ctx, rv_dbuf *scores, const rv_dbuf *mask,
                                          size_t batch, size_t heads, size_t seq, float scale);
rv_status rv_cpu_attn_reshape(void *ctx, rv_dbuf *out, const rv_dbuf *in, size_t batch, size_t seq,
                              size_t heads, size_t head_dim);
rv_status rv_cpu_cls_pool(void *ctx, rv_dbuf *out, const rv_dbuf *hidden, const rv_batch_inputs *in,
                          size_t cols);
rv_status rv_cpu_mean_pool(void *ctx, rv_dbuf *out, const rv_dbuf *hidden,
                           const rv_batch_inputs *in, size_t cols);
rv_status rv_cpu_l2_normalize(void *ctx, rv_dbuf *x, size_t rows, size_t cols);

/* cpu_gemm.c */
rv_status rv_cpu_gemm(void *ctx, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out, size_t m,
                      size_t n, size_t k, int transpose_b);
rv_status rv_cpu_gemm_batched(void *ctx, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out, size_t m,
                              size_t n, size_t k, int transpose_b, size_t stride_a, size_t stride_b,
                              size_t stride_out, size_t count);
rv_status rv_cpu_linear(void *ctx, const rv_dbuf *x, const rv_dbuf *w, const rv_dbuf *bias,
                        rv_dbuf *out, size_t m, size_t n, size_t k, rv_act act);
rv_status rv_cpu_attention(void *ctx, rv_dbuf *ctx_out, const rv_dbuf *qkv,
                           const rv_batch_inputs *in, size_t heads, size_t head_dim, float scale);
rv_status rv_cpu_upload_linear_weight(void *dev, rv_dbuf **out, const float *w, size_t n, size_t k,
                                      rv_wfmt fmt);
rv_status rv_cpu_upload_linear_weight_scaled(void *dev, rv_dbuf **out, const float *w, size_t n,
                                             size_t k, rv_wfmt fmt, const float *colscale);
rv_status rv_cpu_wrap_linear_weight(void *dev, rv_dbuf **out, const float *const *parts,
                                    const size_t *rows, size_t nparts, size_t k);

/* cpu_policy.c */
rv_status rv_cpu_configure(void *dev, const rv_driver_params *p);
int rv_cpu_supports(void *dev, rv_cap cap, int arg);
rv_status rv_cpu_upload_linear_layer(void *dev, rv_dbuf **out, const float *w, size_t n, size_t k,
                                     const rv_linear_spec *spec);

/* cpu_pack_io.c */
const char *rv_cpu_pack_key(void *dev);
size_t rv_cpu_export_linear(void *dev, const rv_dbuf *w, void *dst, size_t cap);
rv_status rv_cpu_import_linear(void *dev, rv_dbuf **out, const void *bytes, size_t len, size_t n,
                               size_t k);

/* cpu_blas.c: out[m, n] = a[m, k] @ (tb ? b[n, k]^T : b[k, n]) (row-major,
 * leading dimensions in floats) through OpenBLAS, loaded on first use and
 * single-threaded, or a portable loop when it cannot be loaded. */
void rv_cpu_sgemm(const float *a, const float *b, float *out, size_t m, size_t n, size_t k, int tb,
                  size_t lda, size_t ldb, size_t ldc);

#endif
