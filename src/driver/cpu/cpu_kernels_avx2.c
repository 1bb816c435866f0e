/* AVX2+FMA row kernels of the CPU driver (see cpu_kernels.h). Compiled with
 * -mavx2 -mfma -mf16c; only reached after a cpuid check. */
#include "driver/cpu/cpu_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include "driver/cpu/cpu_avx2_math.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

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

static float row_max(const float *x, size_t L) {
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    size_t j = 0;
    for (; j + 8 <= L; j += 8)
        vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + j));
    float mx = hmax8(vmax);
    for (; j < L; j++)
        if (x[j] > mx) mx = x[j];
    return mx;
}

/* One row of attention scores x[0..L) (padded to L16): x[j] becomes
 * exp((x[j] - max) * scale) (scale > 0), computed as 2^((x[j] - max) * scale
 * * log2 e), x[L..L16) zero; returns 1 / their sum. The caller scales the
 * P V row by it: one pass over the row instead of the three of a_softmax
 * (scale and max, exp and sum, normalize). */
static float exp_row(float *x, size_t L, size_t L16, float scale) {
    const float s2 = scale * 1.44269504088896341f;
    const __m256 vs = _mm256_set1_ps(s2), vms = _mm256_set1_ps(row_max(x, L) * s2);
    __m256 acc = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= L; j += 8) {
        __m256 e = exp2_8_nonpos(_mm256_fmsub_ps(_mm256_loadu_ps(x + j), vs, vms));
        _mm256_storeu_ps(x + j, e);
        acc = _mm256_add_ps(acc, e);
    }
    if (j < L16) { /* the tail: lanes past L (scores of the zero padding) are masked to 0 */
        __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        __m256 keep =
            _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)(L - j)), lane));
        __m256 d = _mm256_fmsub_ps(_mm256_loadu_ps(x + j), vs, vms);
        __m256 e = _mm256_and_ps(exp2_8_nonpos(d), keep);
        _mm256_storeu_ps(x + j, e);
        acc = _mm256_add_ps(acc, e);
        for (j += 8; j < L16; j++)
            x[j] = 0.0f;
    }
    return 1.0f / hsum8(acc);
}

/* kt[d * ld_kt + j] = k[j * ld + d] for j < L (a multiple-of-8 prefix by
 * 8x8 register transposes), zero for L <= j < L16. */
static void transpose_k(float *kt, size_t ld_kt, const float *k, size_t ld, size_t L, size_t L16,
                        size_t hd) {
    size_t j = 0;
    for (; j + 8 <= L; j += 8)
        for (size_t d = 0; d < hd; d += 8) {
            const float *s = k + j * ld + d;
            __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld);
            __m256 r2 = _mm256_loadu_ps(s + 2 * ld), r3 = _mm256_loadu_ps(s + 3 * ld);
            __m256 r4 = _mm256_loadu_ps(s + 4 * ld), r5 = _mm256_loadu_ps(s + 5 * ld);
            __m256 r6 = _mm256_loadu_ps(s + 6 * ld), r7 = _mm256_loadu_ps(s + 7 * ld);
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
            __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
            __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
            __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
            __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
            __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
            __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
            float *o = kt + d * ld_kt + j;
            _mm256_storeu_ps(o, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(o + ld_kt, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(o + 2 * ld_kt, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(o + 3 * ld_kt, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(o + 4 * ld_kt, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(o + 5 * ld_kt, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(o + 6 * ld_kt, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(o + 7 * ld_kt, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
    for (; j < L16; j++)
        for (size_t d = 0; d < hd; d++)
            kt[d * ld_kt + j] = j < L ? k[j * ld + d] : 0.0f;
}

/* Attention for one (sequence, head), see cpu_kernels.h. K is transposed
 * once so scores are computed 16 keys at a time with vertical FMAs; queries
 * go RV_CPU_ATTN_ROWS (6) at a time, so each K or V vector loaded feeds 6
 * FMAs and a tile keeps 12 accumulators in registers. The tiles are arrays
 * indexed by constants only (loops fully unrolled), which keeps them out of
 * memory. */
static void a_attn_head(float *out, size_t ld_out, const float *q, const float *k, const float *v,
                        size_t ld, size_t L, size_t hd, float scale, float *scratch) {
    enum { R = RV_CPU_ATTN_ROWS };
    size_t L16 = (L + 15) / 16 * 16;
    float *kt = scratch, *sc = scratch + hd * L16, *vc = sc + R * L16;
    transpose_k(kt, L16, k, ld, L, L16, hd);
    /* V's rows, packed: in place they lie 3H floats apart, a stride that
     * maps a head's rows onto a few cache sets, so each pass over them
     * below would miss L1 */
    for (size_t j = 0; j < L; j++)
        memcpy(vc + j * hd, v + j * ld, hd * sizeof *vc);
    for (size_t i0 = 0; i0 < L; i0 += R) {
        size_t nr = L - i0 < R ? L - i0 : R;
        const float *qr[R];
        for (size_t r = 0; r < R; r++)
            qr[r] = q + (i0 + (r < nr ? r : 0)) * ld;
        for (size_t jb = 0; jb < L16; jb += 16) {
            __m256 a[R][2];
#pragma GCC unroll 6
            for (size_t r = 0; r < R; r++)
                a[r][0] = a[r][1] = _mm256_setzero_ps();
            const float *kp = kt + jb;
            for (size_t d = 0; d < hd; d++, kp += L16) {
                __m256 k0 = _mm256_loadu_ps(kp), k1 = _mm256_loadu_ps(kp + 8);
#pragma GCC unroll 6
                for (size_t r = 0; r < R; r++) {
                    __m256 b = _mm256_broadcast_ss(qr[r] + d);
                    a[r][0] = _mm256_fmadd_ps(b, k0, a[r][0]);
                    a[r][1] = _mm256_fmadd_ps(b, k1, a[r][1]);
                }
            }
#pragma GCC unroll 6
            for (size_t r = 0; r < R; r++) {
                _mm256_storeu_ps(sc + r * L16 + jb, a[r][0]);
                _mm256_storeu_ps(sc + r * L16 + jb + 8, a[r][1]);
            }
        }
        float inv[R];
        for (size_t r = 0; r < R; r++)
            inv[r] = r < nr ? exp_row(sc + r * L16, L, L16, scale) : 0.0f;
        /* out rows = P V / sum, 16 output columns at a time */
        for (size_t c = 0; c < hd; c += 16) {
            int two = c + 16 <= hd;
            __m256 o[R][2];
#pragma GCC unroll 6
            for (size_t r = 0; r < R; r++)
                o[r][0] = o[r][1] = _mm256_setzero_ps();
            const float *vp = vc + c;
            for (size_t j = 0; j < L; j++, vp += hd) {
                __m256 v0 = _mm256_loadu_ps(vp), v1 = two ? _mm256_loadu_ps(vp + 8) : v0;
#pragma GCC unroll 6
                for (size_t r = 0; r < R; r++) {
                    __m256 p = _mm256_broadcast_ss(sc + r * L16 + j);
                    o[r][0] = _mm256_fmadd_ps(p, v0, o[r][0]);
                    o[r][1] = _mm256_fmadd_ps(p, v1, o[r][1]);
                }
            }
#pragma GCC unroll 6
            for (size_t r = 0; r < R; r++) {
                if (r >= nr) break;
                float *dst = out + (i0 + r) * ld_out + c;
                __m256 vi = _mm256_set1_ps(inv[r]);
                _mm256_storeu_ps(dst, _mm256_mul_ps(o[r][0], vi));
                if (two) _mm256_storeu_ps(dst + 8, _mm256_mul_ps(o[r][1], vi));
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
