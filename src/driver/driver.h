/*
 * driver/driver.h — the compute driver interface the BERT forward pass is
 * written against (one methods table per backend: cpu, cuda, …).
 *
 *   const rv_driver *drv = rv_driver_find("cpu");
 *   void *dev;  drv->device_open(&dev, 0);                  // once per model
 *   rv_dbuf *w; drv->upload(dev, &w, host_f32, n * 4);      // weights, persistent
 *   void *ctx;  drv->ctx_create(&ctx, dev, threads);        // one per thread
 *   drv->reserve(ctx, bytes);                               // scratch, outside hot loop
 *   size_t mark = drv->pool_mark(ctx);
 *   rv_dbuf *x;  drv->alloc(ctx, &x, bytes);                // scratch from the pool
 *   drv->gemm(ctx, a, w, x, m, n, k, 1);
 *   drv->pool_reset(ctx, mark);
 *   drv->ctx_destroy(ctx); drv->free_buf(dev, w); drv->device_close(dev);
 *
 * Pattern: a versioned struct of function pointers (ggml backend, SQLite
 * VFS). Slots marked OPTIONAL may be NULL; the forward pass then composes the
 * required primitives instead. A backend fills every REQUIRED slot.
 *
 * Tensors are opaque device buffers (rv_dbuf *). What one points at is the
 * driver's business: host memory for cpu, device memory for cuda. All shapes
 * are row-major and counted in elements; f32 unless stated (ids are int32).
 * Buffers passed as `out` must not alias inputs unless the slot says so.
 *
 * Threading: a device (weights) is shared read-only by all contexts; a
 * context (scratch pool, thread pool, stream) is used by one thread at a time.
 *
 * Versioning: `version` is RV_DRIVER_VERSION the backend was built against.
 * New slots are only ever appended; the engine refuses a table whose version
 * is older than the slots it needs. What a driver can do (formats,
 * precisions) is asked through `supports`, never read off its version.
 */
#ifndef RV_DRIVER_DRIVER_H
#define RV_DRIVER_DRIVER_H

#include "ripvec/common.h"
#include "ripvec/driver.h"

#include <stddef.h>
#include <stdint.h>

#define RV_DRIVER_VERSION 8

/* Opaque device buffer. Never dereferenced by the engine. */
typedef struct rv_dbuf rv_dbuf;

/* Flattened, unpadded batch as the driver holds it (made by prepare_batch).
 * Sequence b occupies token rows [seq_offsets[b], seq_offsets[b] + seq_lengths[b]).
 * Host arrays are owned by the context's pool (valid until pool_reset). */
typedef struct rv_batch_inputs {
    size_t batch;        /* number of sequences */
    size_t total_tokens; /* sum of seq_lengths (no padding) */
    size_t max_seq;      /* longest sequence in the batch */
    /* host copies */
    const int32_t *seq_lengths; /* [batch] */
    const int32_t *seq_offsets; /* [batch + 1], exclusive prefix sum */
    /* device copies */
    rv_dbuf *input_ids;       /* int32 [total_tokens] */
    rv_dbuf *position_ids;    /* int32 [total_tokens], 0..len-1 per sequence */
    rv_dbuf *token_type_ids;  /* int32 [total_tokens], all 0 */
    rv_dbuf *dev_seq_lengths; /* int32 [batch] */
    rv_dbuf *dev_seq_offsets; /* int32 [batch + 1] */
    rv_dbuf *float_mask;      /* f32 [batch, max_seq]: 0 real token, -1e30 padding (additive) */
} rv_batch_inputs;

/* Activation for the optional fused linear slot. */
typedef enum rv_act { RV_ACT_NONE = 0, RV_ACT_GELU = 1 /* exact erf GELU */ } rv_act;

/* Storage of a linear layer's weight (upload_linear_weight): f32, f16, int8
 * with one scale per output row (activations kept at about 16 bits), Q7:
 * 7-bit weights against 8-bit activations (faster where the hardware has no
 * int8 dot product, less precise), Q8U (version 5): int8 weights against
 * 8-bit activations, whose pairs the driver may lower a little (the CPU
 * driver: so that two products sum in 16 bits), or Q7F (version 6): Q7
 * whose largest weights the driver may lower a little (the CPU driver: so
 * that four products sum in 16 bits, a quarter fewer multiplies; on a BERT
 * layer about 1e-4 of the weights' energy). A model's precision names
 * F32, F16, BF16 or Q8 (int8, in whatever mix of the integer formats the driver
 * chooses per layer: see upload_linear_layer). */
typedef enum rv_wfmt {
    RV_WFMT_F32 = 0,
    RV_WFMT_F16 = 1,
    RV_WFMT_Q8 = 2,
    RV_WFMT_Q7 = 3,
    RV_WFMT_Q8U = 4,
    RV_WFMT_Q7F = 5,
    /* bfloat16 weights [n, k] against activations rounded to bfloat16 (to
     * nearest even), products summed in fp32: a model precision of its own */
    RV_WFMT_BF16 = 6
} rv_wfmt;

/* Capability queries (the `supports` slot). */
typedef enum rv_cap {
    /* arg = F32, F16 or Q8: the device runs a model's linear layers at that
     * precision (upload_linear_layer takes it) */
    RV_CAP_PRECISION = 0,
    /* arg unused: f32 linear weights are faster in the driver's own layout
     * (upload_linear_layer / wrap_linear_weight) than as plain buffers for
     * gemm (0 e.g. when the front end asked for BLAS) */
    RV_CAP_PACKED_F32 = 1,
} rv_cap;

/* Where a linear layer sits in the model, for a driver that stores layers
 * of one precision differently (upload_linear_layer). */
typedef enum rv_layer_role {
    RV_LAYER_QKV = 0,      /* Q, K, V stacked: fed by a LayerNorm */
    RV_LAYER_ATTN_OUT = 1, /* attention output projection: fed by attention */
    RV_LAYER_FFN_IN = 2,   /* FFN input: fed by a LayerNorm */
    RV_LAYER_FFN_OUT = 3,  /* FFN output: fed by GELU */
} rv_layer_role;

typedef struct rv_linear_spec {
    rv_wfmt precision; /* the model's: F32, F16 or Q8 */
    rv_layer_role role;
    size_t nparts; /* stacked matrices of n / nparts rows sharing one input (3 for QKV) */
    /* the LayerNorm whose output is the layer's input, [k] each, or NULL:
     * its scale and shift bound the input's range without calibration */
    const float *ln_w, *ln_b;
} rv_linear_spec;

typedef struct rv_driver {
    uint32_t version; /* RV_DRIVER_VERSION */
    const char *name; /* "cpu", "cuda", … */

    /* ---- device: created once per loaded model, holds the weights ---- */

    /* REQUIRED. threads: 0 = all cores (a hint; cpu uses it as the default
     * context thread count). Caller closes with device_close. */
    rv_status (*device_open)(void **out_dev, int threads);
    void (*device_close)(void *dev); /* NULL ok */
    /* REQUIRED. Persistent buffer holding a copy of `bytes` of host data
     * (weights). Freed with free_buf. */
    rv_status (*upload)(void *dev, rv_dbuf **out, const void *host, size_t bytes);
    void (*free_buf)(void *dev, rv_dbuf *buf); /* NULL ok */

    /* ---- context: per-thread scratch pool and execution state ---- */

    /* REQUIRED. threads: 0 = the device's default. */
    rv_status (*ctx_create)(void **out_ctx, void *dev, int threads);
    void (*ctx_destroy)(void *ctx); /* NULL ok */
    /* REQUIRED. Ensures the scratch pool holds at least `bytes` (the engine
     * counts every allocation rounded up to RV_DRIVER_MAX_ALIGN). Only called
     * with the pool empty (mark 0), outside the hot loop; may reallocate. */
    rv_status (*reserve)(void *ctx, size_t bytes);
    /* REQUIRED. Scratch from the pool, aligned to at least 64 and at most
     * RV_DRIVER_MAX_ALIGN bytes, contents undefined.
     * RV_ERR_NOMEM when the reserve is exceeded (a bug in the caller's sizing). */
    rv_status (*alloc)(void *ctx, rv_dbuf **out, size_t bytes);
    size_t (*pool_mark)(void *ctx);             /* REQUIRED: save cursor */
    void (*pool_reset)(void *ctx, size_t mark); /* REQUIRED: restore cursor */
    rv_status (*begin_batch)(void *ctx);        /* OPTIONAL: start recording */
    rv_status (*end_batch)(void *ctx);          /* OPTIONAL: submit and wait */
    /* REQUIRED. Copies `bytes` from a device buffer to host memory; waits. */
    rv_status (*to_host)(void *ctx, void *host, const rv_dbuf *src, size_t bytes);

    /* REQUIRED. Builds the device inputs from host token ids: `ids` holds the
     * sequences back to back, lens[b] tokens each (every len >= 1). All device
     * and host arrays come from the pool, at most rv_prepare_batch_bytes() in
     * all (the engine reserves that much for it). */
    rv_status (*prepare_batch)(void *ctx, rv_batch_inputs *out, const int32_t *ids,
                               const int32_t *lens, size_t batch);

    /* ---- primitives (all REQUIRED unless marked OPTIONAL) ---- */

    /* out[r, :] = table[ids[r], :]; out [rows, cols], table [*, cols]. */
    rv_status (*embedding_lookup)(void *ctx, rv_dbuf *out, const rv_dbuf *table, const rv_dbuf *ids,
                                  size_t rows, size_t cols);
    /* x[r, :] += table[ids[r], :]; x [rows, cols]. */
    rv_status (*add_embeddings)(void *ctx, rv_dbuf *x, const rv_dbuf *table, const rv_dbuf *ids,
                                size_t rows, size_t cols);
    /* out = LN(in) * w + b per row; in, out [rows, cols]; w, b [cols].
     * out may equal in. Variance is the biased (1/cols) one, as torch. */
    rv_status (*layer_norm)(void *ctx, rv_dbuf *out, const rv_dbuf *in, const rv_dbuf *w,
                            const rv_dbuf *b, size_t rows, size_t cols, float eps);
    /* out[m, n] = a[m, k] @ (transpose_b ? b[n, k]^T : b[k, n]). */
    rv_status (*gemm)(void *ctx, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out, size_t m,
                      size_t n, size_t k, int transpose_b);
    /* For i in [0, count): the gemm above on a + i*stride_a, b + i*stride_b,
     * out + i*stride_out (strides in elements). */
    rv_status (*gemm_batched)(void *ctx, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out, size_t m,
                              size_t n, size_t k, int transpose_b, size_t stride_a, size_t stride_b,
                              size_t stride_out, size_t count);
    /* x[r, c] += bias[c]; x [rows, cols]. */
    rv_status (*add_bias)(void *ctx, rv_dbuf *x, const rv_dbuf *bias, size_t rows, size_t cols);
    /* x[r, c] = gelu(x[r, c] + bias[c]), gelu(v) = 0.5 v (1 + erf(v / sqrt 2)). */
    rv_status (*fused_bias_gelu)(void *ctx, rv_dbuf *x, const rv_dbuf *bias, size_t rows,
                                 size_t cols);
    /* out = LN(x + residual) * w + b; all [rows, cols]; out may equal x. */
    rv_status (*fused_residual_layernorm)(void *ctx, rv_dbuf *out, const rv_dbuf *x,
                                          const rv_dbuf *residual, const rv_dbuf *w,
                                          const rv_dbuf *b, size_t rows, size_t cols, float eps);
    /* Unpadded [total_tokens, cols] -> padded [batch, max_seq, cols]; padding
     * rows are zero-filled. in->seq_* describe the layout. */
    rv_status (*pad_to_batch)(void *ctx, const rv_dbuf *src, rv_dbuf *dst,
                              const rv_batch_inputs *in, size_t cols);
    /* Padded [batch, max_seq, cols] -> unpadded [total_tokens, cols]. */
    rv_status (*unpad_from_batch)(void *ctx, const rv_dbuf *src, rv_dbuf *dst,
                                  const rv_batch_inputs *in, size_t cols);
    /* Padded qkv [batch, seq, 3*H] (Q | K | V blocks, each heads*head_dim)
     * -> q, k, v each [batch * heads, seq, head_dim]. */
    rv_status (*qkv_split)(void *ctx, rv_dbuf *q, rv_dbuf *k, rv_dbuf *v, const rv_dbuf *qkv,
                           size_t batch, size_t seq, size_t heads, size_t head_dim);
    /* scores [batch, heads, seq, seq]: s = softmax_row(s * scale + mask[b, :]),
     * mask = in->float_mask [batch, seq]. */
    rv_status (*fused_scale_mask_softmax)(void *ctx, rv_dbuf *scores, const rv_dbuf *mask,
                                          size_t batch, size_t heads, size_t seq, float scale);
    /* [batch * heads, seq, head_dim] -> [batch, seq, heads * head_dim]. */
    rv_status (*attn_reshape)(void *ctx, rv_dbuf *out, const rv_dbuf *in, size_t batch, size_t seq,
                              size_t heads, size_t head_dim);
    /* out[b, :] = hidden[seq_offsets[b], :]; hidden unpadded [total_tokens, cols]. */
    rv_status (*cls_pool)(void *ctx, rv_dbuf *out, const rv_dbuf *hidden, const rv_batch_inputs *in,
                          size_t cols);
    /* out[b, :] = mean of hidden rows of sequence b (real tokens only). */
    rv_status (*mean_pool)(void *ctx, rv_dbuf *out, const rv_dbuf *hidden,
                           const rv_batch_inputs *in, size_t cols);
    /* x[r, :] /= max(||x[r, :]||_2, 1e-12); x [rows, cols]. */
    rv_status (*l2_normalize)(void *ctx, rv_dbuf *x, size_t rows, size_t cols);

    /* ---- OPTIONAL fused slots (NULL: the engine composes the above) ---- */

    /* out[m, n] = act(x[m, k] @ w[n, k]^T + bias[n]). */
    rv_status (*linear)(void *ctx, const rv_dbuf *x, const rv_dbuf *w, const rv_dbuf *bias,
                        rv_dbuf *out, size_t m, size_t n, size_t k, rv_act act);
    /* Whole self-attention on the unpadded layout, no padding anywhere:
     * qkv [total_tokens, 3*H] (Q | K | V) -> ctx_out [total_tokens, H],
     * H = heads * head_dim, per sequence softmax(Q K^T * scale) V. */
    rv_status (*attention)(void *ctx, rv_dbuf *ctx_out, const rv_dbuf *qkv,
                           const rv_batch_inputs *in, size_t heads, size_t head_dim, float scale);

    /* ---- version 2 ---- */

    /* OPTIONAL (needs `linear`). A linear layer's weight w [n, k] (host f32,
     * the layout `linear` takes) stored once in the driver's own layout and
     * format `fmt` (e.g. packed panels for its GEMM kernel). The buffer may
     * only be passed as `linear`'s w and to free_buf, never to gemm.
     * RV_ERR_UNSUPPORTED for a format the driver lacks. */
    rv_status (*upload_linear_weight)(void *dev, rv_dbuf **out, const float *w, size_t n, size_t k,
                                      rv_wfmt fmt);

    /* ---- version 3: zero-copy weights (both OPTIONAL; NULL: upload) ---- */

    /* A buffer that reads `bytes` of host memory in place (e.g. a tensor in
     * the mapped weights file). The memory must stay valid and unchanged
     * until free_buf, which releases the buffer but never the memory. */
    rv_status (*wrap_host)(void *dev, rv_dbuf **out, const void *host, size_t bytes);
    /* A f32 linear weight w [n, k], n = sum(rows[0..nparts)), given as
     * nparts row blocks (parts[i] holds rows[i] rows of k floats) in host
     * memory kept valid and unchanged until free_buf. Like
     * upload_linear_weight (RV_WFMT_F32) it may only be passed as `linear`'s
     * w; the driver reads it in place and may build its own layout of it
     * later, on first use, safely for concurrent contexts. nparts <= 4. */
    rv_status (*wrap_linear_weight)(void *dev, rv_dbuf **out, const float *const *parts,
                                    const size_t *rows, size_t nparts, size_t k);

    /* ---- version 4 ---- */

    /* OPTIONAL. upload_linear_weight in RV_WFMT_Q7 (Q7F) with per-input-column
     * factors colscale[k] > 0 (SmoothQuant): the product stays x @ w^T, but
     * the driver quantizes x[:, c] / colscale[c] against w[:, c] *
     * colscale[c], which moves range from activation columns with outliers
     * into the weights. */
    rv_status (*upload_linear_weight_scaled)(void *dev, rv_dbuf **out, const float *w, size_t n,
                                             size_t k, rv_wfmt fmt, const float *colscale);

    /* versions 5 and 6 add no slot: upload_linear_weight(_scaled) may take
     * RV_WFMT_Q8U (5) and RV_WFMT_Q7F (6) where upload_linear_weight_scaled
     * is present. */

    /* ---- version 7: knobs, capabilities, the driver's precision policy ---- */

    /* OPTIONAL. Applies the front end's knobs (kernel family, BLAS) to a
     * device before any weight is uploaded; RV_ERR_UNSUPPORTED (with the
     * reason) for a knob this device or CPU cannot honour. */
    rv_status (*configure)(void *dev, const rv_driver_params *p);
    /* OPTIONAL (NULL: fp32 only, plain weights). 1 when the device has
     * `cap` (see rv_cap), else 0. */
    int (*supports)(void *dev, rv_cap cap, int arg);
    /* OPTIONAL (needs `linear`). A linear layer's weight w [n, k] (host f32)
     * stored as the driver chooses for spec: the format of each layer at a
     * precision, and any smoothing, are the driver's policy. Like
     * upload_linear_weight, only `linear` and free_buf may take the buffer. */
    rv_status (*upload_linear_layer)(void *dev, rv_dbuf **out, const float *w, size_t n, size_t k,
                                     const rv_linear_spec *spec);

    /* ---- version 8: packed layers kept across loads (all OPTIONAL) ---- */

    /* What the bytes of export_linear assume on this device (the driver's
     * format version, the kernel family it packs for, ...), as a short
     * [A-Za-z0-9_-] name: bytes exported under one key import under the
     * same key only. NULL: the device's layers cannot be kept. */
    const char *(*pack_key)(void *dev);
    /* The bytes of a buffer made by upload_linear_layer (or import_linear),
     * copied into dst when cap allows (dst may be NULL); returns how many
     * there are, 0 when the buffer cannot be exported. */
    size_t (*export_linear)(void *dev, const rv_dbuf *w, void *dst, size_t cap);
    /* A linear weight [n, k] over `bytes` made by export_linear under this
     * device's pack_key, read in place (64-byte aligned, unchanged until
     * free_buf, which leaves them alone); RV_ERR_FORMAT when they do not
     * describe such a weight. As upload_linear_layer's, only `linear` and
     * free_buf take it. */
    rv_status (*import_linear)(void *dev, rv_dbuf **out, const void *bytes, size_t len, size_t n,
                               size_t k);
} rv_driver;

/* The engine sizes the pool assuming every allocation is rounded up to this
 * many bytes; a driver's pool may align to at most this. */
#define RV_DRIVER_MAX_ALIGN 256

/* Pool bytes prepare_batch may take: six arrays (ids, positions, types,
 * lengths, offsets as int32; the mask as f32), each aligned as above. */
static inline size_t rv_prepare_batch_bytes(size_t batch, size_t total, size_t max_seq) {
    size_t n = (3 * total + 2 * batch + 1 + batch * max_seq) * 4;
    return n + 6 * RV_DRIVER_MAX_ALIGN;
}

/* Registered drivers (src/driver/drivers.c). NULL when `name` is unknown or
 * not available (then rv_error_last() may say why). "auto" picks the best
 * available (cuda if its library loads, else cpu). The CUDA library is the
 * default one unless an rv_driver_open with cuda_lib loaded it first. */
const rv_driver *rv_driver_find(const char *name);

/* Finds driver `name` (NULL or "" = "cpu"; "auto" falls back to cpu when
 * the GPU's device will not open), opens a device with `threads` and
 * applies p (NULL: defaults) through configure. Closed with the driver's
 * device_close. RV_ERR_NO_DEVICE when unavailable; RV_ERR_UNSUPPORTED when
 * a knob of p cannot be honoured, RV_ERR_INVALID_ARG when it is unknown. */
rv_status rv_driver_open(const rv_driver **out_drv, void **out_dev, const char *name, int threads,
                         const rv_driver_params *p);

/* The portable/AVX2 CPU driver (always built). */
extern const rv_driver rv_driver_cpu;

/* Loads OpenBLAS (libopenblas.so.0, with dlopen) for the cpu driver's
 * general sgemm; without it the driver uses a slower portable loop.
 * RV_ERR_UNSUPPORTED with a one-line reason when it cannot be loaded.
 * (rv_driver_params.blas asks for it through configure.) */
rv_status rv_cpu_blas_load(void);

/* d->supports(dev, cap, arg), or what a driver without the slot has: fp32
 * only, plain weights. */
static inline int rv_driver_supports(const rv_driver *d, void *dev, rv_cap cap, int arg) {
    if (d->supports) return d->supports(dev, cap, arg);
    return cap == RV_CAP_PRECISION && arg == RV_WFMT_F32;
}

/* The CUDA driver lives in libripvec_cuda.so (src/driver/cuda/, built when
 * nvcc is present; mk/cuda.mk defines RV_HAVE_CUDA) and is reached through
 * rv_driver_find("cuda"), which loads it on first use. Its device_open
 * returns RV_ERR_NO_DEVICE when no GPU is present. */

#endif
