/* Advanced SIMD (NEON) row kernels of the CPU driver (see cpu_kernels.h):
 * the AVX2 kernels' algorithms four lanes wide. Compiles to nothing off
 * aarch64; there every CPU has these instructions. */
#include "driver/cpu/cpu_neon.h"

#if defined(__aarch64__)
#include "driver/cpu/cpu_neon_math.h"

#include <math.h>
#include <string.h>

static void n_add_bias(float *x, const float *bias, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(x + i, vaddq_f32(vld1q_f32(x + i), vld1q_f32(bias + i)));
    for (; i < n; i++)
        x[i] += bias[i];
}

static void n_bias_gelu(float *x, const float *bias, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        if (bias) v = vaddq_f32(v, vld1q_f32(bias + i));
        vst1q_f32(x + i, gelu4(v));
    }
    if (i < n) { /* the tail through a zero-padded copy */
        float tmp[4] = {0};
        size_t r = n - i;
        for (size_t j = 0; j < r; j++)
            tmp[j] = x[i + j] + (bias ? bias[i + j] : 0.0f);
        vst1q_f32(tmp, gelu4(vld1q_f32(tmp)));
        memcpy(x + i, tmp, r * sizeof *x);
    }
}

static void n_layer_norm(float *out, const float *x, const float *res, const float *w,
                         const float *b, size_t n, float eps) {
    float32x4_t acc = vdupq_n_f32(0.0f);
    float tail = 0.0f;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        if (res) v = vaddq_f32(v, vld1q_f32(res + i));
        vst1q_f32(out + i, v);
        acc = vaddq_f32(acc, v);
    }
    for (; i < n; i++) {
        out[i] = x[i] + (res ? res[i] : 0.0f);
        tail += out[i];
    }
    float mean = (vaddvq_f32(acc) + tail) / (float)n;
    float32x4_t vm = vdupq_n_f32(mean);
    acc = vdupq_n_f32(0.0f);
    tail = 0.0f;
    for (i = 0; i + 4 <= n; i += 4) {
        float32x4_t d = vsubq_f32(vld1q_f32(out + i), vm);
        acc = vfmaq_f32(acc, d, d);
    }
    for (; i < n; i++)
        tail += (out[i] - mean) * (out[i] - mean);
    float rstd = 1.0f / sqrtf((vaddvq_f32(acc) + tail) / (float)n + eps);
    for (i = 0; i + 4 <= n; i += 4) {
        float32x4_t d = vmulq_n_f32(vsubq_f32(vld1q_f32(out + i), vm), rstd);
        vst1q_f32(out + i, vfmaq_f32(vld1q_f32(b + i), d, vld1q_f32(w + i)));
    }
    for (; i < n; i++)
        out[i] = (out[i] - mean) * rstd * w[i] + b[i];
}

static float row_max(const float *x, size_t n) {
    float32x4_t vmax = vdupq_n_f32(-INFINITY);
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
        vmax = vmaxq_f32(vmax, vld1q_f32(x + j));
    float mx = vmaxvq_f32(vmax);
    for (; j < n; j++)
        if (x[j] > mx) mx = x[j];
    return mx;
}

static void n_softmax(float *x, const float *mask, size_t n, float scale) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t v = vmulq_n_f32(vld1q_f32(x + i), scale);
        vst1q_f32(x + i, mask ? vaddq_f32(v, vld1q_f32(mask + i)) : v);
    }
    for (; i < n; i++)
        x[i] = x[i] * scale + (mask ? mask[i] : 0.0f);
    float mx = row_max(x, n);
    float32x4_t vm = vdupq_n_f32(mx), acc = vdupq_n_f32(0.0f);
    float tail = 0.0f;
    for (i = 0; i + 4 <= n; i += 4) {
        float32x4_t e = exp4(vsubq_f32(vld1q_f32(x + i), vm));
        vst1q_f32(x + i, e);
        acc = vaddq_f32(acc, e);
    }
    if (i < n) {
        float tmp[4];
        size_t r = n - i;
        for (size_t j = 0; j < 4; j++)
            tmp[j] = j < r ? x[i + j] - mx : -INFINITY;
        vst1q_f32(tmp, exp4(vld1q_f32(tmp)));
        for (size_t j = 0; j < r; j++) {
            x[i + j] = tmp[j];
            tail += tmp[j];
        }
    }
    float inv = 1.0f / (vaddvq_f32(acc) + tail);
    for (i = 0; i + 4 <= n; i += 4)
        vst1q_f32(x + i, vmulq_n_f32(vld1q_f32(x + i), inv));
    for (; i < n; i++)
        x[i] *= inv;
}

static void n_scale(float *x, size_t n, float s) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(x + i, vmulq_n_f32(vld1q_f32(x + i), s));
    for (; i < n; i++)
        x[i] *= s;
}

static double n_sumsq(const float *x, size_t n) {
    float64x2_t acc = vdupq_n_f64(0.0);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        float64x2_t lo = vcvt_f64_f32(vget_low_f32(v)), hi = vcvt_high_f64_f32(v);
        acc = vfmaq_f64(vfmaq_f64(acc, lo, lo), hi, hi);
    }
    double s = vaddvq_f64(acc);
    for (; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

static void n_accumulate(float *acc, const float *x, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(acc + i, vaddq_f32(vld1q_f32(acc + i), vld1q_f32(x + i)));
    for (; i < n; i++)
        acc[i] += x[i];
}

/* One row of attention scores x[0..L) (padded to L16) to exp((x[j] - max)
 * * scale), x[L..L16) zero; returns 1 / their sum (exp_row of
 * cpu_kernels_avx2.c). */
static float exp_row(float *x, size_t L, size_t L16, float scale) {
    const float s2 = scale * 1.44269504088896341f;
    const float32x4_t nms = vdupq_n_f32(-row_max(x, L) * s2);
    float32x4_t acc = vdupq_n_f32(0.0f);
    size_t j = 0;
    for (; j + 4 <= L; j += 4) {
        float32x4_t e = exp2_4_nonpos(vfmaq_n_f32(nms, vld1q_f32(x + j), s2));
        vst1q_f32(x + j, e);
        acc = vaddq_f32(acc, e);
    }
    if (j < L) { /* lanes past L (scores of the zero padding) are masked to 0 */
        const int32_t lane[4] = {0, 1, 2, 3};
        uint32x4_t keep = vcgtq_s32(vdupq_n_s32((int32_t)(L - j)), vld1q_s32(lane));
        float32x4_t e = exp2_4_nonpos(vfmaq_n_f32(nms, vld1q_f32(x + j), s2));
        e = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(e), keep));
        vst1q_f32(x + j, e);
        acc = vaddq_f32(acc, e);
        j += 4;
    }
    for (; j < L16; j++)
        x[j] = 0.0f;
    return 1.0f / vaddvq_f32(acc);
}

/* Attention for one (sequence, head), see cpu_kernels.h: K transposed
 * once, scores for RV_CPU_ATTN_ROWS queries by 16 keys at a time (24
 * accumulators of the 32 registers), then P V by 16 output columns. */
static void n_attn_head(float *out, size_t ld_out, const float *q, const float *k, const float *v,
                        size_t ld, size_t L, size_t hd, float scale, float *scratch) {
    enum { R = RV_CPU_ATTN_ROWS };
    size_t L16 = (L + 15) / 16 * 16;
    float *kt = scratch, *sc = scratch + hd * L16, *vc = sc + R * L16;
    for (size_t d = 0; d < hd; d++)
        for (size_t j = 0; j < L16; j++)
            kt[d * L16 + j] = j < L ? k[j * ld + d] : 0.0f;
    for (size_t j = 0; j < L; j++) /* V's rows packed (see the AVX2 kernel) */
        memcpy(vc + j * hd, v + j * ld, hd * sizeof *vc);
    for (size_t i0 = 0; i0 < L; i0 += R) {
        size_t nr = L - i0 < R ? L - i0 : R;
        const float *qr[R];
        for (size_t r = 0; r < R; r++)
            qr[r] = q + (i0 + (r < nr ? r : 0)) * ld;
        for (size_t jb = 0; jb < L16; jb += 16) {
            float32x4_t a[R][4];
#pragma GCC unroll 6
            for (size_t r = 0; r < R; r++)
                a[r][0] = a[r][1] = a[r][2] = a[r][3] = vdupq_n_f32(0.0f);
            const float *kp = kt + jb;
            for (size_t d = 0; d < hd; d++, kp += L16) {
                float32x4_t k0 = vld1q_f32(kp), k1 = vld1q_f32(kp + 4);
                float32x4_t k2 = vld1q_f32(kp + 8), k3 = vld1q_f32(kp + 12);
#pragma GCC unroll 6
                for (size_t r = 0; r < R; r++) {
                    float b = qr[r][d];
                    a[r][0] = vfmaq_n_f32(a[r][0], k0, b);
                    a[r][1] = vfmaq_n_f32(a[r][1], k1, b);
                    a[r][2] = vfmaq_n_f32(a[r][2], k2, b);
                    a[r][3] = vfmaq_n_f32(a[r][3], k3, b);
                }
            }
#pragma GCC unroll 6
            for (size_t r = 0; r < R; r++)
#pragma GCC unroll 8
                for (int t = 0; t < 4; t++)
                    vst1q_f32(sc + r * L16 + jb + 4 * t, a[r][t]);
        }
        float inv[R];
        for (size_t r = 0; r < R; r++)
            inv[r] = r < nr ? exp_row(sc + r * L16, L, L16, scale) : 0.0f;
        /* out rows = P V / sum, 16 output columns at a time (8 at the end
         * of a head of 8 mod 16) */
        for (size_t c = 0; c < hd; c += 16) {
            int two = c + 16 <= hd;
            float32x4_t o[R][4];
#pragma GCC unroll 6
            for (size_t r = 0; r < R; r++)
                o[r][0] = o[r][1] = o[r][2] = o[r][3] = vdupq_n_f32(0.0f);
            const float *vp = vc + c;
            for (size_t j = 0; j < L; j++, vp += hd) {
                float32x4_t v0 = vld1q_f32(vp), v1 = vld1q_f32(vp + 4);
                float32x4_t v2 = two ? vld1q_f32(vp + 8) : v0, v3 = two ? vld1q_f32(vp + 12) : v1;
#pragma GCC unroll 6
                for (size_t r = 0; r < R; r++) {
                    float p = sc[r * L16 + j];
                    o[r][0] = vfmaq_n_f32(o[r][0], v0, p);
                    o[r][1] = vfmaq_n_f32(o[r][1], v1, p);
                    o[r][2] = vfmaq_n_f32(o[r][2], v2, p);
                    o[r][3] = vfmaq_n_f32(o[r][3], v3, p);
                }
            }
            for (size_t r = 0; r < nr; r++) {
                float *dst = out + (i0 + r) * ld_out + c;
                for (int t = 0; t < (two ? 4 : 2); t++)
                    vst1q_f32(dst + 4 * t, vmulq_n_f32(o[r][t], inv[r]));
            }
        }
    }
}

const rv_cpu_kernels rv_cpu_kernels_neon = {
    .name = "neon",
    .add_bias = n_add_bias,
    .bias_gelu = n_bias_gelu,
    .layer_norm = n_layer_norm,
    .softmax = n_softmax,
    .scale = n_scale,
    .sumsq = n_sumsq,
    .accumulate = n_accumulate,
    .attn_head = n_attn_head,
};
#endif
