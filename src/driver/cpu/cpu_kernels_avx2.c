/* AVX2+FMA row kernels of the CPU driver (see cpu_kernels.h). Compiled with
 * -mavx2 -mfma -mf16c; only reached after a cpuid check. */
#include "driver/cpu/cpu_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include "driver/cpu/cpu_avx2_math.h"

#include <immintrin.h>
#include <math.h>

static void a_add_bias(float *x, const float *bias, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(bias + i)));
    for (; i < n; i++)
        x[i] += bias[i];
}

static void a_bias_gelu(float *x, const float *bias, size_t n) {
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 is2 = _mm256_set1_ps(0.70710678118654752f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + i));
        __m256 e = erf8(_mm256_mul_ps(v, is2));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, e)));
    }
    if (i < n) {
        float tmp[8] = {0};
        size_t r = n - i;
        for (size_t j = 0; j < r; j++)
            tmp[j] = x[i + j] + (bias ? bias[i + j] : 0.0f);
        __m256 v = _mm256_loadu_ps(tmp);
        __m256 e = erf8(_mm256_mul_ps(v, is2));
        _mm256_storeu_ps(tmp, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, e)));
        for (size_t j = 0; j < r; j++)
            x[i + j] = tmp[j];
    }
}

static void a_layer_norm(float *out, const float *x, const float *res, const float *w,
                         const float *b, size_t n, float eps) {
    __m256 acc = _mm256_setzero_ps();
    float tail = 0.0f;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        if (res) v = _mm256_add_ps(v, _mm256_loadu_ps(res + i));
        _mm256_storeu_ps(out + i, v);
        acc = _mm256_add_ps(acc, v);
    }
    for (; i < n; i++) {
        out[i] = x[i] + (res ? res[i] : 0.0f);
        tail += out[i];
    }
    float mean = (hsum8(acc) + tail) / (float)n;
    __m256 vm = _mm256_set1_ps(mean);
    acc = _mm256_setzero_ps();
    tail = 0.0f;
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(out + i), vm);
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    for (; i < n; i++)
        tail += (out[i] - mean) * (out[i] - mean);
    float var = (hsum8(acc) + tail) / (float)n;
    float rstd = 1.0f / sqrtf(var + eps);
    __m256 vr = _mm256_set1_ps(rstd);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(out + i), vm), vr);
        _mm256_storeu_ps(out + i,
                         _mm256_fmadd_ps(d, _mm256_loadu_ps(w + i), _mm256_loadu_ps(b + i)));
    }
    for (; i < n; i++)
        out[i] = (out[i] - mean) * rstd * w[i] + b[i];
}

static void a_softmax(float *x, const float *mask, size_t n, float scale) {
    __m256 vs = _mm256_set1_ps(scale);
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    float mx = -INFINITY;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vs);
        if (mask) v = _mm256_add_ps(v, _mm256_loadu_ps(mask + i));
        _mm256_storeu_ps(x + i, v);
        vmax = _mm256_max_ps(vmax, v);
    }
    for (; i < n; i++) {
        x[i] = x[i] * scale + (mask ? mask[i] : 0.0f);
        if (x[i] > mx) mx = x[i];
    }
    float m8 = hmax8(vmax);
    if (m8 > mx) mx = m8;
    __m256 vm = _mm256_set1_ps(mx);
    __m256 acc = _mm256_setzero_ps();
    float tail = 0.0f;
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    if (i < n) {
        float tmp[8];
        size_t r = n - i;
        for (size_t j = 0; j < 8; j++)
            tmp[j] = j < r ? x[i + j] - mx : -INFINITY;
        _mm256_storeu_ps(tmp, exp8(_mm256_loadu_ps(tmp)));
        for (size_t j = 0; j < r; j++) {
            x[i + j] = tmp[j];
            tail += tmp[j];
        }
    }
    float inv = 1.0f / (hsum8(acc) + tail);
    __m256 vi = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vi));
    for (; i < n; i++)
        x[i] *= inv;
}

static void a_scale(float *x, size_t n, float s) {
    __m256 vs = _mm256_set1_ps(s);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
    for (; i < n; i++)
        x[i] *= s;
}

static double a_sumsq(const float *x, size_t n) {
    __m256d acc = _mm256_setzero_pd();
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d v = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
        acc = _mm256_fmadd_pd(v, v, acc);
    }
    double t[4];
    _mm256_storeu_pd(t, acc);
    double s = t[0] + t[1] + t[2] + t[3];
    for (; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

static void a_accumulate(float *acc, const float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(acc + i, _mm256_add_ps(_mm256_loadu_ps(acc + i), _mm256_loadu_ps(x + i)));
    for (; i < n; i++)
        acc[i] += x[i];
}

/* One row of attention scores x[0..L) (padded to L16): x[j] becomes
 * exp((x[j] - max) * scale) (scale > 0), x[L..L16) zero; returns 1 / their sum. The
 * caller scales the P V row by it: one pass over the row instead of the
 * three of a_softmax (scale and max, exp and sum, normalize). */
static float exp_row(float *x, size_t L, size_t L16, float scale) {
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    size_t j = 0;
    for (; j + 8 <= L; j += 8)
        vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + j));
    float mx = hmax8(vmax);
    for (; j < L; j++)
        if (x[j] > mx) mx = x[j];
    const __m256 vm = _mm256_set1_ps(mx), vs = _mm256_set1_ps(scale);
    __m256 acc = _mm256_setzero_ps();
    for (j = 0; j + 8 <= L; j += 8) {
        __m256 e = exp8(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), vm), vs));
        _mm256_storeu_ps(x + j, e);
        acc = _mm256_add_ps(acc, e);
    }
    if (j < L16) { /* the tail and the padding: exp of -inf is 0 */
        __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        __m256 keep =
            _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)(L - j)), lane));
        __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), vm), vs);
        __m256 e = _mm256_and_ps(exp8(_mm256_blendv_ps(_mm256_set1_ps(-INFINITY), d, keep)), keep);
        _mm256_storeu_ps(x + j, e);
        acc = _mm256_add_ps(acc, e);
        for (j += 8; j < L16; j++)
            x[j] = 0.0f;
    }
    return 1.0f / hsum8(acc);
}

/* Attention for one (sequence, head), see cpu_kernels.h. K is transposed
 * once so scores are computed 16 keys at a time with vertical FMAs; queries
 * go 4 rows at a time so each K vector loaded feeds 4 FMAs. */
static void a_attn_head(float *out, size_t ld_out, const float *q, const float *k, const float *v,
                        size_t ld, size_t L, size_t hd, float scale, float *scratch) {
    size_t L16 = (L + 15) / 16 * 16;
    float *kt = scratch, *sc = scratch + hd * L16;
    for (size_t j = 0; j < L; j++)
        for (size_t d = 0; d < hd; d++)
            kt[d * L16 + j] = k[j * ld + d];
    for (size_t d = 0; d < hd; d++)
        for (size_t j = L; j < L16; j++)
            kt[d * L16 + j] = 0.0f;
    for (size_t i0 = 0; i0 < L; i0 += 4) {
        size_t nr = L - i0 < 4 ? L - i0 : 4;
        const float *qr[4];
        for (size_t r = 0; r < 4; r++)
            qr[r] = q + (i0 + (r < nr ? r : 0)) * ld;
        for (size_t jb = 0; jb < L16; jb += 16) {
            __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
                   a30 = a00, a31 = a00;
            const float *kp = kt + jb;
            for (size_t d = 0; d < hd; d++, kp += L16) {
                __m256 k0 = _mm256_loadu_ps(kp), k1 = _mm256_loadu_ps(kp + 8);
                __m256 b = _mm256_broadcast_ss(qr[0] + d);
                a00 = _mm256_fmadd_ps(b, k0, a00);
                a01 = _mm256_fmadd_ps(b, k1, a01);
                b = _mm256_broadcast_ss(qr[1] + d);
                a10 = _mm256_fmadd_ps(b, k0, a10);
                a11 = _mm256_fmadd_ps(b, k1, a11);
                b = _mm256_broadcast_ss(qr[2] + d);
                a20 = _mm256_fmadd_ps(b, k0, a20);
                a21 = _mm256_fmadd_ps(b, k1, a21);
                b = _mm256_broadcast_ss(qr[3] + d);
                a30 = _mm256_fmadd_ps(b, k0, a30);
                a31 = _mm256_fmadd_ps(b, k1, a31);
            }
            _mm256_storeu_ps(sc + 0 * L16 + jb, a00);
            _mm256_storeu_ps(sc + 0 * L16 + jb + 8, a01);
            _mm256_storeu_ps(sc + 1 * L16 + jb, a10);
            _mm256_storeu_ps(sc + 1 * L16 + jb + 8, a11);
            _mm256_storeu_ps(sc + 2 * L16 + jb, a20);
            _mm256_storeu_ps(sc + 2 * L16 + jb + 8, a21);
            _mm256_storeu_ps(sc + 3 * L16 + jb, a30);
            _mm256_storeu_ps(sc + 3 * L16 + jb + 8, a31);
        }
        float inv[4] = {1.0f, 1.0f, 1.0f, 1.0f};
        for (size_t r = 0; r < nr; r++)
            inv[r] = exp_row(sc + r * L16, L, L16, scale);
        /* out rows = P V / sum, 16 output columns at a time */
        for (size_t c = 0; c < hd; c += 16) {
            int two = c + 16 <= hd;
            __m256 o00 = _mm256_setzero_ps(), o01 = o00, o10 = o00, o11 = o00, o20 = o00, o21 = o00,
                   o30 = o00, o31 = o00;
            const float *vp = v + c;
            for (size_t j = 0; j < L; j++, vp += ld) {
                __m256 v0 = _mm256_loadu_ps(vp), v1 = two ? _mm256_loadu_ps(vp + 8) : v0;
                __m256 p = _mm256_broadcast_ss(sc + j);
                o00 = _mm256_fmadd_ps(p, v0, o00);
                o01 = _mm256_fmadd_ps(p, v1, o01);
                p = _mm256_broadcast_ss(sc + L16 + j);
                o10 = _mm256_fmadd_ps(p, v0, o10);
                o11 = _mm256_fmadd_ps(p, v1, o11);
                p = _mm256_broadcast_ss(sc + 2 * L16 + j);
                o20 = _mm256_fmadd_ps(p, v0, o20);
                o21 = _mm256_fmadd_ps(p, v1, o21);
                p = _mm256_broadcast_ss(sc + 3 * L16 + j);
                o30 = _mm256_fmadd_ps(p, v0, o30);
                o31 = _mm256_fmadd_ps(p, v1, o31);
            }
            __m256 res[4][2] = {{o00, o01}, {o10, o11}, {o20, o21}, {o30, o31}};
            for (size_t r = 0; r < nr; r++) {
                float *o = out + (i0 + r) * ld_out + c;
                __m256 vi = _mm256_set1_ps(inv[r]);
                _mm256_storeu_ps(o, _mm256_mul_ps(res[r][0], vi));
                if (two) _mm256_storeu_ps(o + 8, _mm256_mul_ps(res[r][1], vi));
            }
        }
    }
}

const rv_cpu_kernels rv_cpu_kernels_avx2 = {
    .name = "avx2",
    .add_bias = a_add_bias,
    .bias_gelu = a_bias_gelu,
    .layer_norm = a_layer_norm,
    .softmax = a_softmax,
    .scale = a_scale,
    .sumsq = a_sumsq,
    .accumulate = a_accumulate,
    .attn_head = a_attn_head,
};
#endif
