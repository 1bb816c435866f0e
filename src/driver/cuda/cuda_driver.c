/*
 * driver/cuda/cuda_driver.c — the CUDA implementation of the driver table
 * (src/driver/driver.h).
 *
 * Buffers: an rv_dbuf * is the device pointer itself. Weights are uploaded
 * once per model (cudaMalloc each); each context owns one stream, one cuBLAS
 * handle and one device scratch pool allocated with a single cudaMalloc and
 * handed out by a bump cursor, so the layer loop never allocates. All work is
 * queued on the context's stream; the only synchronisation is in to_host /
 * end_batch.
 *
 * Built as libripvec_cuda.so and loaded on demand (src/driver/drivers.c).
 *
 * GEMMs are cuBLAS SGEMM (fp32). rv_driver_params.cuda_tf32 (the CLI's
 * RIPVEC_CUDA_TF32=1) lets cuBLAS use TF32 tensor cores (faster, ~1e-3
 * relative error; off by default so results match the CPU driver).
 */
#include "driver/cuda/kernels.h"
#include "driver/driver.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

enum { RV_CUDA_ALIGN = 256 };

typedef struct cu_dev {
    int device;
    int tf32;
} cu_dev;

typedef struct cu_ctx {
    cu_dev *dev;
    cudaStream_t stream;
    cublasHandle_t blas;
    char *pool; /* device scratch */
    size_t cap, used;
    char *host; /* host scratch for batch inputs */
    size_t host_cap;
} cu_ctx;

#define DPTR(b) ((float *)(void *)(b))
#define CDPTR(b) ((const float *)(const void *)(b))
#define IPTR(b) ((const int32_t *)(const void *)(b))

static rv_status cu_fail(cudaError_t e, const char *what) {
    return rv_error_set(RV_ERR_INTERNAL, "cuda: %s: %s", what, cudaGetErrorString(e));
}

static rv_status launched(int rc, const char *what) {
    if (rc == 0) return RV_OK;
    return cu_fail(cudaGetLastError(), what);
}

static rv_status blas_ok(cublasStatus_t s, const char *what) {
    if (s == CUBLAS_STATUS_SUCCESS) return RV_OK;
    return rv_error_set(RV_ERR_INTERNAL, "cublas: %s failed (status %d)", what, (int)s);
}

/* ---- device ---- */

static rv_status cu_device_open(void **out_dev, int threads) {
    (void)threads;
    *out_dev = NULL;
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0)
        return rv_error_set(RV_ERR_NO_DEVICE, "no CUDA device available (%s)",
                            e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
    cu_dev *d = calloc(1, sizeof *d);
    if (!d) return rv_error_set(RV_ERR_NOMEM, "cuda: out of memory");
    d->device = 0;
    e = cudaSetDevice(d->device);
    if (e != cudaSuccess) {
        free(d);
        return cu_fail(e, "cudaSetDevice");
    }
    *out_dev = d;
    return RV_OK;
}

static void cu_device_close(void *dev) { free(dev); }

/* The front end's knobs: TF32 GEMMs; the cpu driver's are not this device's. */
static rv_status cu_configure(void *dev, const rv_driver_params *p) {
    ((cu_dev *)dev)->tf32 = p->cuda_tf32 != 0;
    return RV_OK;
}

static rv_status cu_upload(void *dev, rv_dbuf **out, const void *host, size_t bytes) {
    (void)dev;
    void *p = NULL;
    cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);
    if (e != cudaSuccess) return cu_fail(e, "cudaMalloc (weights)");
    if (bytes) e = cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice);
    if (e != cudaSuccess) {
        cudaFree(p);
        return cu_fail(e, "cudaMemcpy (weights)");
    }
    *out = (rv_dbuf *)p;
    return RV_OK;
}

static void cu_free_buf(void *dev, rv_dbuf *buf) {
    (void)dev;
    if (buf) cudaFree(buf);
}

/* ---- context ---- */

static void cu_ctx_destroy(void *vctx) {
    cu_ctx *c = vctx;
    if (!c) return;
    if (c->blas) cublasDestroy(c->blas);
    if (c->stream) cudaStreamDestroy(c->stream);
    if (c->pool) cudaFree(c->pool);
    free(c->host);
    free(c);
}

static rv_status cu_ctx_create(void **out_ctx, void *dev, int threads) {
    (void)threads;
    *out_ctx = NULL;
    cu_ctx *c = calloc(1, sizeof *c);
    if (!c) return rv_error_set(RV_ERR_NOMEM, "cuda: out of memory");
    c->dev = dev;
    rv_status rc = RV_OK;
    cudaError_t e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking);
    if (e != cudaSuccess) {
        rc = cu_fail(e, "cudaStreamCreate");
        goto done;
    }
    if ((rc = blas_ok(cublasCreate(&c->blas), "cublasCreate")) != RV_OK) goto done;
    if ((rc = blas_ok(cublasSetStream(c->blas, c->stream), "cublasSetStream")) != RV_OK)
        goto done;
    if (c->dev->tf32 &&
        (rc = blas_ok(cublasSetMathMode(c->blas, CUBLAS_TF32_TENSOR_OP_MATH), "math mode")) !=
            RV_OK)
        goto done;
    *out_ctx = c;
    c = NULL;
done:
    cu_ctx_destroy(c);
    return rc;
}

static rv_status cu_reserve(void *vctx, size_t bytes) {
    cu_ctx *c = vctx;
    if (bytes <= c->cap) return RV_OK;
    cudaError_t e = cudaStreamSynchronize(c->stream);
    if (e != cudaSuccess) return cu_fail(e, "sync before reserve");
    if (c->pool) cudaFree(c->pool);
    c->pool = NULL;
    c->cap = 0;
    e = cudaMalloc((void **)&c->pool, bytes);
    if (e != cudaSuccess) return cu_fail(e, "cudaMalloc (scratch pool)");
    c->cap = bytes;
    c->used = 0;
    return RV_OK;
}

static rv_status cu_alloc(void *vctx, rv_dbuf **out, size_t bytes) {
    cu_ctx *c = vctx;
    size_t start = (c->used + RV_CUDA_ALIGN - 1) / RV_CUDA_ALIGN * RV_CUDA_ALIGN;
    if (start > c->cap || bytes > c->cap - start)
        return rv_error_set(RV_ERR_NOMEM, "cuda: scratch pool exhausted (%zu + %zu > %zu)", start,
                            bytes, c->cap);
    *out = (rv_dbuf *)(c->pool + start);
    c->used = start + bytes;
    return RV_OK;
}

static size_t cu_pool_mark(void *vctx) { return ((cu_ctx *)vctx)->used; }

static void cu_pool_reset(void *vctx, size_t mark) {
    cu_ctx *c = vctx;
    if (mark <= c->used) c->used = mark;
}

static rv_status cu_end_batch(void *vctx) {
    cudaError_t e = cudaStreamSynchronize(((cu_ctx *)vctx)->stream);
    return e == cudaSuccess ? RV_OK : cu_fail(e, "forward pass");
}

static rv_status cu_to_host(void *vctx, void *host, const rv_dbuf *src, size_t bytes) {
    cu_ctx *c = vctx;
    cudaError_t e = cudaMemcpyAsync(host, src, bytes, cudaMemcpyDeviceToHost, c->stream);
    if (e == cudaSuccess) e = cudaStreamSynchronize(c->stream);
    return e == cudaSuccess ? RV_OK : cu_fail(e, "copy to host");
}

/* Host staging for the batch inputs; grows outside the layer loop only. */
static void *host_scratch(cu_ctx *c, size_t bytes) {
    if (bytes > c->host_cap) {
        void *p = realloc(c->host, bytes);
        if (!p) return NULL;
        c->host = p;
        c->host_cap = bytes;
    }
    return c->host;
}

static rv_status upload_scratch(cu_ctx *c, rv_dbuf **out, const void *host, size_t bytes) {
    rv_status rc = cu_alloc(c, out, bytes);
    if (rc != RV_OK) return rc;
    cudaError_t e = cudaMemcpyAsync(*out, host, bytes, cudaMemcpyHostToDevice, c->stream);
    return e == cudaSuccess ? RV_OK : cu_fail(e, "upload batch inputs");
}

static rv_status cu_prepare_batch(void *vctx, rv_batch_inputs *out, const int32_t *ids,
                                  const int32_t *lens, size_t batch) {
    cu_ctx *c = vctx;
    memset(out, 0, sizeof *out);
    size_t total = 0, max_seq = 0;
    for (size_t b = 0; b < batch; b++) {
        if (lens[b] < 1) return rv_error_set(RV_ERR_INVALID_ARG, "cuda: empty sequence");
        total += (size_t)lens[b];
        if ((size_t)lens[b] > max_seq) max_seq = (size_t)lens[b];
    }
    /* host layout: lengths[batch] offsets[batch+1] pos[total] types[total] mask[batch*max_seq] */
    size_t n_int = batch + (batch + 1) + 2 * total;
    size_t bytes = n_int * sizeof(int32_t) + batch * max_seq * sizeof(float);
    char *h = host_scratch(c, bytes);
    if (!h) return rv_error_set(RV_ERR_NOMEM, "cuda: out of host memory");
    int32_t *lengths = (int32_t *)h;
    int32_t *offsets = lengths + batch;
    int32_t *pos = offsets + batch + 1;
    int32_t *types = pos + total;
    float *mask = (float *)(types + total);
    offsets[0] = 0;
    for (size_t b = 0; b < batch; b++) {
        lengths[b] = lens[b];
        offsets[b + 1] = offsets[b] + lens[b];
        for (int32_t t = 0; t < lens[b]; t++) {
            pos[offsets[b] + t] = t;
            types[offsets[b] + t] = 0;
        }
        for (size_t t = 0; t < max_seq; t++)
            mask[b * max_seq + t] = t < (size_t)lens[b] ? 0.0f : -1e30f;
    }
    rv_status rc;
    if ((rc = upload_scratch(c, &out->input_ids, ids, total * 4)) != RV_OK ||
        (rc = upload_scratch(c, &out->position_ids, pos, total * 4)) != RV_OK ||
        (rc = upload_scratch(c, &out->token_type_ids, types, total * 4)) != RV_OK ||
        (rc = upload_scratch(c, &out->dev_seq_lengths, lengths, batch * 4)) != RV_OK ||
        (rc = upload_scratch(c, &out->dev_seq_offsets, offsets, (batch + 1) * 4)) != RV_OK ||
        (rc = upload_scratch(c, &out->float_mask, mask, batch * max_seq * 4)) != RV_OK)
        return rc;
    out->batch = batch;
    out->total_tokens = total;
    out->max_seq = max_seq;
    out->seq_lengths = lengths;
    out->seq_offsets = offsets;
    return RV_OK;
}

/* ---- primitives ---- */

static rv_status cu_embedding_lookup(void *vctx, rv_dbuf *out, const rv_dbuf *table,
                                     const rv_dbuf *ids, size_t rows, size_t cols) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_gather(c->stream, DPTR(out), CDPTR(table), IPTR(ids), rows, (int)cols, 0),
                    "embedding_lookup");
}

static rv_status cu_add_embeddings(void *vctx, rv_dbuf *x, const rv_dbuf *table,
                                   const rv_dbuf *ids, size_t rows, size_t cols) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_gather(c->stream, DPTR(x), CDPTR(table), IPTR(ids), rows, (int)cols, 1),
                    "add_embeddings");
}

static rv_status cu_layer_norm(void *vctx, rv_dbuf *out, const rv_dbuf *in, const rv_dbuf *w,
                               const rv_dbuf *b, size_t rows, size_t cols, float eps) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_layernorm(c->stream, DPTR(out), CDPTR(in), NULL, NULL, CDPTR(w),
                                     CDPTR(b), rows, (int)cols, eps),
                    "layer_norm");
}

/* Row-major out[m,n] = a[m,k] @ op(b) is column-major out^T = op(b)^T a^T. */
static rv_status cu_gemm_strided(cu_ctx *c, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out,
                                 size_t m, size_t n, size_t k, int transpose_b, size_t sa,
                                 size_t sb, size_t so, size_t count) {
    const float one = 1.0f, zero = 0.0f;
    cublasOperation_t opb = transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    int ldb = transpose_b ? (int)k : (int)n;
    if (count == 1)
        return blas_ok(cublasSgemm(c->blas, opb, CUBLAS_OP_N, (int)n, (int)m, (int)k, &one,
                                   CDPTR(b), ldb, CDPTR(a), (int)k, &zero, DPTR(out), (int)n),
                       "sgemm");
    return blas_ok(cublasSgemmStridedBatched(c->blas, opb, CUBLAS_OP_N, (int)n, (int)m, (int)k,
                                             &one, CDPTR(b), ldb, (long long)sb, CDPTR(a), (int)k,
                                             (long long)sa, &zero, DPTR(out), (int)n,
                                             (long long)so, (int)count),
                   "sgemm strided batched");
}

static rv_status cu_gemm(void *vctx, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out, size_t m,
                         size_t n, size_t k, int transpose_b) {
    if (m == 0 || n == 0) return RV_OK;
    return cu_gemm_strided(vctx, a, b, out, m, n, k, transpose_b, 0, 0, 0, 1);
}

static rv_status cu_gemm_batched(void *vctx, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out,
                                 size_t m, size_t n, size_t k, int transpose_b, size_t stride_a,
                                 size_t stride_b, size_t stride_out, size_t count) {
    if (m == 0 || n == 0 || count == 0) return RV_OK;
    return cu_gemm_strided(vctx, a, b, out, m, n, k, transpose_b, stride_a, stride_b, stride_out,
                           count);
}

static rv_status cu_add_bias(void *vctx, rv_dbuf *x, const rv_dbuf *bias, size_t rows,
                             size_t cols) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_add_bias(c->stream, DPTR(x), CDPTR(bias), rows, (int)cols), "add_bias");
}

static rv_status cu_fused_bias_gelu(void *vctx, rv_dbuf *x, const rv_dbuf *bias, size_t rows,
                                    size_t cols) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_bias_gelu(c->stream, DPTR(x), CDPTR(bias), rows, (int)cols),
                    "fused_bias_gelu");
}

static rv_status cu_fused_residual_layernorm(void *vctx, rv_dbuf *out, const rv_dbuf *x,
                                             const rv_dbuf *residual, const rv_dbuf *w,
                                             const rv_dbuf *b, size_t rows, size_t cols,
                                             float eps) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_layernorm(c->stream, DPTR(out), CDPTR(x), CDPTR(residual), NULL,
                                     CDPTR(w), CDPTR(b), rows, (int)cols, eps),
                    "fused_residual_layernorm");
}

static rv_status cu_pad_to_batch(void *vctx, const rv_dbuf *src, rv_dbuf *dst,
                                 const rv_batch_inputs *in, size_t cols) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_pad(c->stream, DPTR(dst), CDPTR(src), IPTR(in->dev_seq_offsets),
                               IPTR(in->dev_seq_lengths), (int)in->batch, (int)in->max_seq,
                               (int)cols),
                    "pad_to_batch");
}

static rv_status cu_unpad_from_batch(void *vctx, const rv_dbuf *src, rv_dbuf *dst,
                                     const rv_batch_inputs *in, size_t cols) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_unpad(c->stream, DPTR(dst), CDPTR(src), IPTR(in->dev_seq_offsets),
                                 IPTR(in->dev_seq_lengths), (int)in->batch, (int)in->max_seq,
                                 (int)cols),
                    "unpad_from_batch");
}

static rv_status cu_qkv_split(void *vctx, rv_dbuf *q, rv_dbuf *k, rv_dbuf *v, const rv_dbuf *qkv,
                              size_t batch, size_t seq, size_t heads, size_t head_dim) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_qkv_split(c->stream, DPTR(q), DPTR(k), DPTR(v), CDPTR(qkv), (int)batch,
                                     (int)seq, (int)(heads * head_dim), (int)heads, (int)head_dim),
                    "qkv_split");
}

static rv_status cu_fused_scale_mask_softmax(void *vctx, rv_dbuf *scores, const rv_dbuf *mask,
                                             size_t batch, size_t heads, size_t seq, float scale) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_scale_mask_softmax(c->stream, DPTR(scores), CDPTR(mask), (int)batch,
                                              (int)heads, (int)seq, scale),
                    "fused_scale_mask_softmax");
}

static rv_status cu_attn_reshape(void *vctx, rv_dbuf *out, const rv_dbuf *in, size_t batch,
                                 size_t seq, size_t heads, size_t head_dim) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_attn_reshape(c->stream, DPTR(out), CDPTR(in), (int)batch, (int)seq,
                                        (int)heads, (int)head_dim),
                    "attn_reshape");
}

static rv_status cu_pool(cu_ctx *c, rv_dbuf *out, const rv_dbuf *hidden, const rv_batch_inputs *in,
                         size_t cols, int mean) {
    return launched(rv_cuk_pool(c->stream, DPTR(out), CDPTR(hidden), IPTR(in->dev_seq_offsets),
                                IPTR(in->dev_seq_lengths), (int)in->batch, (int)cols, mean),
                    mean ? "mean_pool" : "cls_pool");
}

static rv_status cu_cls_pool(void *vctx, rv_dbuf *out, const rv_dbuf *hidden,
                             const rv_batch_inputs *in, size_t cols) {
    return cu_pool(vctx, out, hidden, in, cols, 0);
}

static rv_status cu_mean_pool(void *vctx, rv_dbuf *out, const rv_dbuf *hidden,
                              const rv_batch_inputs *in, size_t cols) {
    return cu_pool(vctx, out, hidden, in, cols, 1);
}

static rv_status cu_l2_normalize(void *vctx, rv_dbuf *x, size_t rows, size_t cols) {
    cu_ctx *c = vctx;
    return launched(rv_cuk_l2_normalize(c->stream, DPTR(x), rows, (int)cols), "l2_normalize");
}

/* Optional fused linear: cuBLAS GEMM, then one bias(+GELU) pass. */
static rv_status cu_linear(void *vctx, const rv_dbuf *x, const rv_dbuf *w, const rv_dbuf *bias,
                           rv_dbuf *out, size_t m, size_t n, size_t k, rv_act act) {
    rv_status rc = cu_gemm(vctx, x, w, out, m, n, k, 1);
    if (rc != RV_OK || !bias) return rc;
    return act == RV_ACT_GELU ? cu_fused_bias_gelu(vctx, out, bias, m, n)
                              : cu_add_bias(vctx, out, bias, m, n);
}

/* The one symbol the engine looks up after dlopen (see host.c). */
__attribute__((visibility("default"))) const rv_driver rv_driver_cuda = {
    .version = RV_DRIVER_VERSION,
    .name = "cuda",
    .device_open = cu_device_open,
    .device_close = cu_device_close,
    .upload = cu_upload,
    .free_buf = cu_free_buf,
    .ctx_create = cu_ctx_create,
    .ctx_destroy = cu_ctx_destroy,
    .reserve = cu_reserve,
    .alloc = cu_alloc,
    .pool_mark = cu_pool_mark,
    .pool_reset = cu_pool_reset,
    .begin_batch = NULL,
    .end_batch = cu_end_batch,
    .to_host = cu_to_host,
    .prepare_batch = cu_prepare_batch,
    .embedding_lookup = cu_embedding_lookup,
    .add_embeddings = cu_add_embeddings,
    .layer_norm = cu_layer_norm,
    .gemm = cu_gemm,
    .gemm_batched = cu_gemm_batched,
    .add_bias = cu_add_bias,
    .fused_bias_gelu = cu_fused_bias_gelu,
    .fused_residual_layernorm = cu_fused_residual_layernorm,
    .pad_to_batch = cu_pad_to_batch,
    .unpad_from_batch = cu_unpad_from_batch,
    .qkv_split = cu_qkv_split,
    .fused_scale_mask_softmax = cu_fused_scale_mask_softmax,
    .attn_reshape = cu_attn_reshape,
    .cls_pool = cu_cls_pool,
    .mean_pool = cu_mean_pool,
    .l2_normalize = cu_l2_normalize,
    .linear = cu_linear,
    .attention = NULL,
    .configure = cu_configure,
};
