/*
 * driver/cuda/kernels.cu — the element-wise, normalisation and layout kernels
 * of the CUDA driver. GEMMs go to cuBLAS (cuda_driver.c); everything else the
 * ClassicBert forward pass needs is here, each behind a C launcher taking a
 * stream. Shapes are row-major, as in src/driver/driver.h.
 *
 * Row kernels (LayerNorm, softmax, L2) use one block per row and a two-level
 * reduction (warp shuffles, then shared memory); the rows here are short
 * (hidden 384..1024, seq <= 512) so one block per row keeps every SM busy
 * once there are a few hundred rows.
 */
#include "driver/cuda/kernels.h"

#include <math.h>

namespace {

constexpr int kRowThreads = 256;

__device__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* Sum over the block; every thread gets the result. */
__device__ float block_sum(float v, float *shared) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    int nwarps = (blockDim.x + 31) >> 5;
    v = (threadIdx.x < nwarps) ? shared[threadIdx.x] : 0.0f;
    if (warp == 0) v = warp_sum(v);
    if (threadIdx.x == 0) shared[0] = v;
    __syncthreads();
    return shared[0];
}

__device__ float block_max(float v, float *shared) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    int nwarps = (blockDim.x + 31) >> 5;
    v = (threadIdx.x < nwarps) ? shared[threadIdx.x] : -INFINITY;
    if (warp == 0) v = warp_max(v);
    if (threadIdx.x == 0) shared[0] = v;
    __syncthreads();
    return shared[0];
}

/* out = LN(x [+ residual] [+ bias]) * w + b over one row per block. Two passes
 * over the row (mean, then centred variance) as PyTorch does, for parity. */
__global__ void k_layernorm(float *out, const float *x, const float *residual,
                            const float *bias, const float *w, const float *b, int cols,
                            float eps) {
    __shared__ float red[32];
    extern __shared__ float row[];
    size_t base = (size_t)blockIdx.x * cols;
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float v = x[base + c];
        if (residual) v += residual[base + c];
        if (bias) v += bias[c];
        row[c] = v;
        s += v;
    }
    float mean = block_sum(s, red) / cols;
    float ss = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float d = row[c] - mean;
        ss += d * d;
    }
    float var = block_sum(ss, red) / cols;
    float inv = rsqrtf(var + eps);
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        out[base + c] = (row[c] - mean) * inv * w[c] + b[c];
}

__global__ void k_embed(float *out, const int32_t *ids, const int32_t *pos, const int32_t *types,
                        const float *word, const float *position, const float *type_emb,
                        size_t total, int hidden) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= total * (size_t)hidden) return;
    size_t t = i / hidden;
    int c = (int)(i % hidden);
    float v = word[(size_t)ids[t] * hidden + c] + position[(size_t)pos[t] * hidden + c];
    if (type_emb) v += type_emb[(size_t)types[t] * hidden + c];
    out[i] = v;
}

/* out[r, :] (+)= table[ids[r], :]. */
__global__ void k_gather(float *out, const float *table, const int32_t *ids, size_t rows,
                         int cols, int accumulate) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= rows * (size_t)cols) return;
    size_t r = i / cols;
    int c = (int)(i % cols);
    float v = table[(size_t)ids[r] * cols + c];
    out[i] = accumulate ? out[i] + v : v;
}

__global__ void k_add_bias(float *x, const float *bias, size_t n, int cols) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] += bias[i % cols];
}

/* Exact GELU, as HF's "gelu": 0.5 x (1 + erf(x / sqrt 2)). */
__global__ void k_bias_gelu(float *x, const float *bias, size_t n, int cols) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = x[i] + (bias ? bias[i % cols] : 0.0f);
    x[i] = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
}

/* [total, D] rows of sequence s (at offsets[s]) into [batch, max_seq, D]; pad rows zeroed. */
__global__ void k_pad(float *out, const float *in, const int32_t *offsets, const int32_t *lengths,
                      int max_seq, int dim) {
    int s = blockIdx.y, p = blockIdx.x;
    float *dst = out + ((size_t)s * max_seq + p) * dim;
    if (p < lengths[s]) {
        const float *src = in + ((size_t)offsets[s] + p) * dim;
        for (int c = threadIdx.x; c < dim; c += blockDim.x) dst[c] = src[c];
    } else {
        for (int c = threadIdx.x; c < dim; c += blockDim.x) dst[c] = 0.0f;
    }
}

__global__ void k_unpad(float *out, const float *in, const int32_t *offsets,
                        const int32_t *lengths, int max_seq, int dim) {
    int s = blockIdx.y, p = blockIdx.x;
    if (p >= lengths[s]) return;
    const float *src = in + ((size_t)s * max_seq + p) * dim;
    float *dst = out + ((size_t)offsets[s] + p) * dim;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) dst[c] = src[c];
}

/* qkv [batch*seq, 3H] -> q, k, v [batch*heads, seq, head_dim]. */
__global__ void k_qkv_split(float *q, float *k, float *v, const float *qkv, int batch, int seq,
                            int hidden, int heads, int head_dim) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    size_t n = (size_t)batch * seq * hidden;
    if (i >= n) return;
    int c = (int)(i % hidden);
    size_t tok = i / hidden; /* b * seq + s */
    int s = (int)(tok % seq), b = (int)(tok / seq);
    int h = c / head_dim, d = c % head_dim;
    size_t dst = (((size_t)b * heads + h) * seq + s) * head_dim + d;
    const float *row = qkv + tok * 3 * (size_t)hidden;
    q[dst] = row[c];
    k[dst] = row[hidden + c];
    v[dst] = row[2 * hidden + c];
}

/* scores [batch*heads, seq, seq]: softmax(scale * s + mask) per row; the mask
 * [batch, seq] is additive (0 for real keys, a large negative for padding). */
__global__ void k_scale_mask_softmax(float *scores, const float *mask, int heads, int seq,
                                     float scale) {
    __shared__ float red[32];
    size_t row = blockIdx.x; /* ((b * heads + h) * seq + q) */
    int b = (int)(row / ((size_t)heads * seq));
    float *x = scores + row * seq;
    const float *m = mask + (size_t)b * seq;
    float mx = -INFINITY;
    for (int c = threadIdx.x; c < seq; c += blockDim.x) {
        float v = x[c] * scale + m[c];
        x[c] = v;
        mx = fmaxf(mx, v);
    }
    mx = block_max(mx, red);
    float s = 0.0f;
    for (int c = threadIdx.x; c < seq; c += blockDim.x) {
        float e = expf(x[c] - mx);
        x[c] = e;
        s += e;
    }
    s = block_sum(s, red);
    float inv = s > 0.0f ? 1.0f / s : 0.0f;
    for (int c = threadIdx.x; c < seq; c += blockDim.x) x[c] *= inv;
}

/* attn [batch*heads, seq, head_dim] -> context [batch*seq, hidden]. */
__global__ void k_attn_reshape(float *ctx, const float *attn, int batch, int seq, int heads,
                               int head_dim) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    int hidden = heads * head_dim;
    size_t n = (size_t)batch * seq * hidden;
    if (i >= n) return;
    int c = (int)(i % hidden);
    size_t tok = i / hidden;
    int s = (int)(tok % seq), b = (int)(tok / seq);
    int h = c / head_dim, d = c % head_dim;
    ctx[i] = attn[(((size_t)b * heads + h) * seq + s) * head_dim + d];
}

/* Pooling straight from the unpadded [total, H] states. */
__global__ void k_pool(float *out, const float *x, const int32_t *offsets, const int32_t *lengths,
                       int hidden, int mean) {
    int s = blockIdx.x;
    const float *rows = x + (size_t)offsets[s] * hidden;
    int len = lengths[s];
    for (int c = threadIdx.x; c < hidden; c += blockDim.x) {
        if (!mean) {
            out[(size_t)s * hidden + c] = rows[c];
            continue;
        }
        float acc = 0.0f;
        for (int t = 0; t < len; t++) acc += rows[(size_t)t * hidden + c];
        out[(size_t)s * hidden + c] = len > 0 ? acc / len : 0.0f;
    }
}

__global__ void k_l2_normalize(float *x, int cols) {
    __shared__ float red[32];
    float *r = x + (size_t)blockIdx.x * cols;
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += r[c] * r[c];
    s = block_sum(s, red);
    float inv = 1.0f / fmaxf(sqrtf(s), 1e-12f);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) r[c] *= inv;
}

unsigned blocks_for(size_t n, int threads) { return (unsigned)((n + threads - 1) / threads); }

int row_threads(int cols) {
    int t = 32;
    while (t < cols && t < kRowThreads) t <<= 1;
    return t;
}

int check(void) { return cudaGetLastError() == cudaSuccess ? 0 : -1; }

} // namespace

extern "C" {

int rv_cuk_embed(cudaStream_t st, float *out, const int32_t *ids, const int32_t *pos,
                 const int32_t *types, const float *word, const float *position,
                 const float *type_emb, size_t total, int hidden) {
    size_t n = total * (size_t)hidden;
    if (n == 0) return 0;
    k_embed<<<blocks_for(n, 256), 256, 0, st>>>(out, ids, pos, types, word, position, type_emb,
                                                 total, hidden);
    return check();
}

int rv_cuk_gather(cudaStream_t st, float *out, const float *table, const int32_t *ids,
                  size_t rows, int cols, int accumulate) {
    size_t n = rows * (size_t)cols;
    if (n == 0) return 0;
    k_gather<<<blocks_for(n, 256), 256, 0, st>>>(out, table, ids, rows, cols, accumulate);
    return check();
}

int rv_cuk_layernorm(cudaStream_t st, float *out, const float *x, const float *residual,
                     const float *bias, const float *w, const float *b, size_t rows, int cols,
                     float eps) {
    if (rows == 0) return 0;
    k_layernorm<<<(unsigned)rows, row_threads(cols), cols * sizeof(float), st>>>(
        out, x, residual, bias, w, b, cols, eps);
    return check();
}

int rv_cuk_add_bias(cudaStream_t st, float *x, const float *bias, size_t rows, int cols) {
    size_t n = rows * (size_t)cols;
    if (n == 0) return 0;
    k_add_bias<<<blocks_for(n, 256), 256, 0, st>>>(x, bias, n, cols);
    return check();
}

int rv_cuk_bias_gelu(cudaStream_t st, float *x, const float *bias, size_t rows, int cols) {
    size_t n = rows * (size_t)cols;
    if (n == 0) return 0;
    k_bias_gelu<<<blocks_for(n, 256), 256, 0, st>>>(x, bias, n, cols);
    return check();
}

int rv_cuk_pad(cudaStream_t st, float *out, const float *in, const int32_t *offsets,
               const int32_t *lengths, int batch, int max_seq, int dim) {
    if (batch == 0 || max_seq == 0) return 0;
    dim3 grid((unsigned)max_seq, (unsigned)batch);
    k_pad<<<grid, row_threads(dim), 0, st>>>(out, in, offsets, lengths, max_seq, dim);
    return check();
}

int rv_cuk_unpad(cudaStream_t st, float *out, const float *in, const int32_t *offsets,
                 const int32_t *lengths, int batch, int max_seq, int dim) {
    if (batch == 0 || max_seq == 0) return 0;
    dim3 grid((unsigned)max_seq, (unsigned)batch);
    k_unpad<<<grid, row_threads(dim), 0, st>>>(out, in, offsets, lengths, max_seq, dim);
    return check();
}

int rv_cuk_qkv_split(cudaStream_t st, float *q, float *k, float *v, const float *qkv, int batch,
                     int seq, int hidden, int heads, int head_dim) {
    size_t n = (size_t)batch * seq * hidden;
    if (n == 0) return 0;
    k_qkv_split<<<blocks_for(n, 256), 256, 0, st>>>(q, k, v, qkv, batch, seq, hidden, heads,
                                                     head_dim);
    return check();
}

int rv_cuk_scale_mask_softmax(cudaStream_t st, float *scores, const float *mask, int batch,
                              int heads, int seq, float scale) {
    size_t rows = (size_t)batch * heads * seq;
    if (rows == 0) return 0;
    k_scale_mask_softmax<<<(unsigned)rows, row_threads(seq), 0, st>>>(scores, mask, heads, seq,
                                                                      scale);
    return check();
}

int rv_cuk_attn_reshape(cudaStream_t st, float *ctx, const float *attn, int batch, int seq,
                        int heads, int head_dim) {
    size_t n = (size_t)batch * seq * heads * head_dim;
    if (n == 0) return 0;
    k_attn_reshape<<<blocks_for(n, 256), 256, 0, st>>>(ctx, attn, batch, seq, heads, head_dim);
    return check();
}

int rv_cuk_pool(cudaStream_t st, float *out, const float *x, const int32_t *offsets,
                const int32_t *lengths, int batch, int hidden, int mean) {
    if (batch == 0) return 0;
    k_pool<<<(unsigned)batch, row_threads(hidden), 0, st>>>(out, x, offsets, lengths, hidden,
                                                            mean);
    return check();
}

int rv_cuk_l2_normalize(cudaStream_t st, float *x, size_t rows, int cols) {
    if (rows == 0) return 0;
    k_l2_normalize<<<(unsigned)rows, row_threads(cols), 0, st>>>(x, cols);
    return check();
}

} /* extern "C" */
