/* Advanced SIMD (NEON) GEMM over packed weights (see cpu_linear.h), every
 * format, for any aarch64 CPU; cpu_linear_dot_neon.c adds sdot for q7/q7f.
 * Compiles to nothing off aarch64.
 *
 * f32/f16: a 6x16 register tile (24 accumulators of the 32 registers, 4
 * weight vectors), the weight panel's k range blocked as in the AVX2
 * kernel; f16 weights widen on load (fcvtl is base AArch64).
 * q8: int16 activations x int8 weights widened on load, in smlal: each
 * accumulator holds two columns' even and odd k products, paired at the end.
 * u8 formats (q7, q7f, q8u): u8 activations x int8 weights as int16
 * products (exact: 255 * 127 < 32767), each k pair added (sqadd, which
 * never saturates: the packer keeps every pair within int16), then
 * widened (sadalp).
 * Dequantization, zero point, bias and GELU are fused into the tile's store.
 */
#include "driver/cpu/cpu_neon.h"

#if defined(__aarch64__)
#include "driver/cpu/cpu_neon_int.h"
#include "driver/cpu/cpu_neon_math.h"

#include <math.h>
#include <string.h>
#include <sys/auxv.h>

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1ul << 20)
#endif

enum { MC = RV_CPU_MC, KC_MAX = RV_CPU_KC };

/* ---- f32 / f16 ---- */

/* c[mr, 16] (+)= a[mr, kc] @ b[kc, 16]; on the last k block, bias + act. */
NAI void kern_f(const int mr, const int f16, const float *a, size_t lda, const void *bp, size_t kc,
                float *c, size_t ldc, int first, int last, const float *bias, rv_act act) {
    float32x4_t acc[RV_CPU_MR][4];
    if (first) rv_cpu_prefetch_tile(c, ldc, mr);
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
        for (int t = 0; t < 4; t++)
            acc[r][t] = first ? vdupq_n_f32(0.0f) : vld1q_f32(c + (size_t)r * ldc + 4 * t);
    const float *bf = bp;
    const uint16_t *bh = bp;
    for (size_t p = 0; p < kc; p++) {
        float32x4_t b[4];
#pragma GCC unroll 8
        for (int t = 0; t < 4; t++)
            b[t] = f16 ? vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(bh + p * 16 + 4 * t)))
                       : vld1q_f32(bf + p * 16 + 4 * t);
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) {
            float av = a[(size_t)r * lda + p];
#pragma GCC unroll 8
            for (int t = 0; t < 4; t++)
                acc[r][t] = vfmaq_n_f32(acc[r][t], b[t], av);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
        for (int t = 0; t < 4; t++)
            vst1q_f32(c + (size_t)r * ldc + 4 * t,
                      last ? finish4(acc[r][t], bias ? bias + 4 * t : NULL, act) : acc[r][t]);
}

static void kern_f_any(int mr, int f16, const float *a, size_t lda, const void *bp, size_t kc,
                       float *c, size_t ldc, int first, int last, const float *bias, rv_act act) {
#define KF(M)                                                                                      \
    case M:                                                                                        \
        if (f16)                                                                                   \
            kern_f(M, 1, a, lda, bp, kc, c, ldc, first, last, bias, act);                          \
        else                                                                                       \
            kern_f(M, 0, a, lda, bp, kc, c, ldc, first, last, bias, act);                          \
        break
    switch (mr) {
        KF(1);
        KF(2);
        KF(3);
        KF(4);
        KF(5);
        KF(6);
    default: break;
    }
#undef KF
}

void rv_cpu_neon_run_float(const rv_cpu_gemm_job *J) {
    const rv_cpu_wpack *W = J->w;
    int f16 = W->fmt == RV_WFMT_F16;
    size_t k = W->k, esz = f16 ? 2 : 4;
    size_t nkb = (k + KC_MAX - 1) / KC_MAX, kcb = (k + nkb - 1) / nkb;
    for (size_t ic = 0; ic < J->m; ic += MC) {
        size_t mc = J->m - ic < MC ? J->m - ic : MC;
        for (size_t pc = 0; pc < k; pc += kcb) {
            size_t kc = k - pc < kcb ? k - pc : kcb;
            int first = pc == 0, last = pc + kc == k;
            for (size_t j = J->p0; j < J->p1; j++) {
                const char *bp = (const char *)W->data + (j * k + pc) * 16 * esz;
                size_t col0 = j * 16, ncols = W->n - col0 < 16 ? W->n - col0 : 16;
                float bb[16] = {0}, tile[RV_CPU_MR * 16];
                const float *bias = J->bias ? J->bias + col0 : NULL;
                if (bias && ncols < 16) bias = memcpy(bb, bias, ncols * sizeof *bb);
                for (size_t ir = 0; ir < mc; ir += RV_CPU_MR) {
                    int mr = (int)(mc - ir < RV_CPU_MR ? mc - ir : RV_CPU_MR);
                    const float *a = J->x + (ic + ir) * J->ldx + pc;
                    float *c = J->out + (ic + ir) * J->ldo + col0;
                    if (ncols == 16) {
                        kern_f_any(mr, f16, a, J->ldx, bp, kc, c, J->ldo, first, last, bias,
                                   J->act);
                        continue;
                    }
                    /* the zero-padded last panel: through a 16-wide copy */
                    for (int r = 0; r < mr; r++)
                        for (size_t t = 0; t < 16; t++)
                            tile[r * 16 + t] = !first && t < ncols ? c[(size_t)r * J->ldo + t] : 0;
                    kern_f_any(mr, f16, a, J->ldx, bp, kc, tile, 16, first, last, bias, J->act);
                    for (int r = 0; r < mr; r++)
                        memcpy(c + (size_t)r * J->ldo, tile + r * 16, ncols * sizeof *c);
                }
            }
        }
    }
}

/* ---- q8 ---- */

enum { Q8R = 3 };

/* out[mr, 16] (mr <= 3) from int16 rows qa (kp apart) and a q8 panel: per
 * k pair, the 32 weight bytes (16 columns x 2) widen to four int16 vectors
 * and meet each row's pair, repeated, in smlal / smlal2. */
static __attribute__((noinline)) void tile_q8(int mr, const void *qv, size_t kp, const int8_t *bq,
                                              float *c, size_t ldc, const float *xs,
                                              const int32_t *zs, const float *ws,
                                              const int32_t *wsum, const float *bias, rv_act act) {
    (void)zs, (void)wsum;
    const int16_t *qa = qv, *ar[Q8R];
    int32x4_t acc[Q8R][8] = {0};
#pragma GCC unroll 8
    for (int r = 0; r < Q8R; r++) /* rows past mr repeat row 0 (not stored) */
        ar[r] = qa + (r < mr ? (size_t)r * kp : 0);
    rv_cpu_prefetch_tile(c, ldc, mr);
    for (size_t g = 0; g < kp / 2; g++) {
        int8x16_t b0 = vld1q_s8(bq + g * 32), b1 = vld1q_s8(bq + g * 32 + 16);
        int16x8_t w[4] = {vmovl_s8(vget_low_s8(b0)), vmovl_high_s8(b0), vmovl_s8(vget_low_s8(b1)),
                          vmovl_high_s8(b1)};
#pragma GCC unroll 3
        for (int r = 0; r < Q8R; r++) {
            int32_t t;
            memcpy(&t, ar[r] + 2 * g, 4);
            int16x8_t av = vreinterpretq_s16_s32(vdupq_n_s32(t));
#pragma GCC unroll 8
            for (int v = 0; v < 4; v++) {
                acc[r][2 * v] = vmlal_s16(acc[r][2 * v], vget_low_s16(w[v]), vget_low_s16(av));
                acc[r][2 * v + 1] = vmlal_high_s16(acc[r][2 * v + 1], w[v], av);
            }
        }
    }
    int32x4_t sum[Q8R][4];
#pragma GCC unroll 8
    for (int r = 0; r < Q8R; r++)
#pragma GCC unroll 8
        for (int v = 0; v < 4; v++) /* [c0 k0, c0 k1, c1 k0, c1 k1] pairs to [c0 c1 c2 c3] */
            sum[r][v] = vpaddq_s32(acc[r][2 * v], acc[r][2 * v + 1]);
    rv_cpu_neon_store_tile(sum, mr, c, ldc, xs, NULL, ws, NULL, bias, act);
}

/* Same function as rv_cpu_quant_row_s16 (max |x|, NaN ignored; x * inv
 * rounded to nearest even, clamped), four lanes at a time: fcvtns rounds
 * as lrintf does here, NaN to 0 included. */
static void quant_row_s16(const float *x, size_t k, size_t kp, int16_t *q, float *scale,
                          int32_t amax) {
    float32x4_t vmx = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 4 <= k; i += 4)
        vmx = vmaxnmq_f32(vmx, vabsq_f32(vld1q_f32(x + i)));
    float mx = vmaxnmvq_f32(vmx);
    for (; i < k; i++)
        mx = fabsf(x[i]) > mx ? fabsf(x[i]) : mx;
    float s = mx > 0.0f ? mx / (float)amax : 1.0f, inv = 1.0f / s;
    int32x4_t hi = vdupq_n_s32(amax), lo = vdupq_n_s32(-amax);
    for (i = 0; i + 4 <= k; i += 4) {
        int32x4_t v = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + i), inv));
        vst1_s16(q + i, vmovn_s32(vmaxq_s32(vminq_s32(v, hi), lo)));
    }
    for (; i < k; i++) {
        int32_t v = vcvtns_s32_f32(x[i] * inv);
        q[i] = (int16_t)(v > amax ? amax : v < -amax ? -amax : v);
    }
    for (i = k; i < kp; i++)
        q[i] = 0;
    *scale = s;
}

static void prep_q8(const rv_cpu_wpack *W, const float *x, void *q, float *xs, int32_t *zs) {
    *zs = 0;
    quant_row_s16(x, W->k, W->kp, q, xs, W->act_max);
}

static const rv_cpu_neon_int_kernel k_q8 = {2, Q8R, prep_q8, tile_q8};

void rv_cpu_neon_run_q8(const rv_cpu_gemm_job *J) {
    rv_cpu_neon_run_int(J, &k_q8);
}

/* ---- u8 formats ---- */

enum { U8R = 4 };

/* out[mr, 16] (mr <= 4) from u8 rows qa and a q7 / q7f / q8u panel: per 4
 * k steps, the 64 weight bytes (16 columns x 4) widen to int16 and
 * multiply each row's 4 activations, repeated; the products' k pairs add
 * (uzp1/uzp2, sqadd) and sadalp widens them into the
 * int32 accumulators (columns 4v..4v+3 in acc[r][v]). */
static __attribute__((noinline)) void tile_u8(int mr, const void *qv, size_t kp, const int8_t *bq,
                                              float *c, size_t ldc, const float *xs,
                                              const int32_t *zs, const float *ws,
                                              const int32_t *wsum, const float *bias, rv_act act) {
    const uint8_t *qa = qv, *ar[U8R];
    int32x4_t acc[U8R][4] = {0};
#pragma GCC unroll 8
    for (int r = 0; r < U8R; r++)
        ar[r] = qa + (r < mr ? (size_t)r * kp : 0);
    rv_cpu_prefetch_tile(c, ldc, mr);
    for (size_t g = 0; g < kp / 4; g++) {
        int16x8_t wl[4], wh[4];
#pragma GCC unroll 8
        for (int v = 0; v < 4; v++) {
            int8x16_t b = vld1q_s8(bq + g * 64 + 16 * v);
            wl[v] = vmovl_s8(vget_low_s8(b));
            wh[v] = vmovl_high_s8(b);
        }
#pragma GCC unroll 4
        for (int r = 0; r < U8R; r++) {
            uint32_t t;
            memcpy(&t, ar[r] + 4 * g, 4);
            int16x8_t av = vreinterpretq_s16_u16(vmovl_u8(vreinterpret_u8_u32(vdup_n_u32(t))));
#pragma GCC unroll 8
            for (int v = 0; v < 4; v++) {
                int16x8_t lo = vmulq_s16(wl[v], av), hi = vmulq_s16(wh[v], av);
                int16x8_t pairs = vqaddq_s16(vuzp1q_s16(lo, hi), vuzp2q_s16(lo, hi));
                acc[r][v] = vpadalq_s16(acc[r][v], pairs);
            }
        }
    }
    rv_cpu_neon_store_tile(acc, mr, c, ldc, xs, zs, ws, wsum, bias, act);
}

/* x[i..i+4) times the column factors, if any. */
static inline float32x4_t load_cols(const float *x, const float *colinv, size_t i) {
    float32x4_t v = vld1q_f32(x + i);
    return colinv ? vmulq_f32(v, vld1q_f32(colinv + i)) : v;
}

/* Same function as rv_cpu_quant_row_u8 (range with NaN ignored, y * inv
 * rounded to nearest even plus the zero point, clamped to [0, 255] by
 * saturating steps), four lanes at a time. */
void rv_cpu_neon_quant_row_u8(const float *x, const float *colinv, size_t k, size_t kp, uint8_t *q,
                              float *scale, int32_t *zero) {
    float32x4_t vlo = vdupq_n_f32(0.0f), vhi = vlo;
    size_t i = 0;
    for (; i + 4 <= k; i += 4) {
        float32x4_t y = load_cols(x, colinv, i);
        vlo = vminnmq_f32(vlo, y);
        vhi = vmaxnmq_f32(vhi, y);
    }
    float lo = vminnmvq_f32(vlo), hi = vmaxnmvq_f32(vhi);
    for (; i < k; i++) {
        float y = colinv ? x[i] * colinv[i] : x[i];
        lo = y < lo ? y : lo;
        hi = y > hi ? y : hi;
    }
    float s = hi - lo > 1e-30f ? (hi - lo) / 255.0f : 1.0f, inv = 1.0f / s;
    int32_t z = vcvtns_s32_f32(-lo * inv);
    z = z < 0 ? 0 : z > 255 ? 255 : z;
    int32x4_t vz = vdupq_n_s32(z);
    for (i = 0; i + 8 <= k; i += 8) {
        int32x4_t a = vqaddq_s32(vcvtnq_s32_f32(vmulq_n_f32(load_cols(x, colinv, i), inv)), vz);
        int32x4_t b = vqaddq_s32(vcvtnq_s32_f32(vmulq_n_f32(load_cols(x, colinv, i + 4), inv)), vz);
        vst1_u8(q + i, vqmovn_u16(vcombine_u16(vqmovun_s32(a), vqmovun_s32(b))));
    }
    for (; i < k; i++) {
        int64_t v = (int64_t)vcvtns_s32_f32((colinv ? x[i] * colinv[i] : x[i]) * inv) + z;
        q[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    for (i = k; i < kp; i++)
        q[i] = 0;
    *scale = s;
    *zero = z;
}

static void prep_u8(const rv_cpu_wpack *W, const float *x, void *q, float *xs, int32_t *zs) {
    rv_cpu_neon_quant_row_u8(x, W->colinv, W->k, W->kp, q, xs, zs);
}

static const rv_cpu_neon_int_kernel k_u8 = {1, U8R, prep_u8, tile_u8};

void rv_cpu_neon_run_u8(const rv_cpu_gemm_job *J) {
    rv_cpu_neon_run_int(J, &k_u8);
}

/* ---- shared by the integer kernels ---- */

void rv_cpu_neon_run_int(const rv_cpu_gemm_job *J, const rv_cpu_neon_int_kernel *K) {
    const rv_cpu_wpack *W = J->w;
    size_t kp = W->kp;
    unsigned char *qa = (unsigned char *)(((uintptr_t)J->scratch + 63) & ~(uintptr_t)63);
    float *xs = (float *)(void *)(qa + (MC * kp * K->esz + 63) / 64 * 64);
    int32_t *zs = (int32_t *)(void *)(xs + MC);
    for (size_t ic = 0; ic < J->m; ic += MC) {
        size_t mc = J->m - ic < MC ? J->m - ic : MC;
        for (size_t r = 0; r < mc; r++)
            K->prep(W, J->x + (ic + r) * J->ldx, qa + r * kp * K->esz, &xs[r], &zs[r]);
        for (size_t j = J->p0; j < J->p1; j++) {
            const int8_t *bq = (const int8_t *)W->data + j * kp * 16;
            size_t col0 = j * 16, ncols = W->n - col0 < 16 ? W->n - col0 : 16;
            /* the zero-padded last panel: bias padded once, tiles via a copy */
            int edge = ncols < 16;
            float bb[16] = {0}, tile[RV_CPU_MR * 16];
            const float *tb = J->bias ? J->bias + col0 : NULL;
            if (edge && tb) tb = memcpy(bb, tb, ncols * sizeof *bb);
            for (size_t ir = 0; ir < mc; ir += K->rows) {
                int mr = (int)(mc - ir < K->rows ? mc - ir : K->rows);
                float *c = J->out + (ic + ir) * J->ldo + col0, *dst = edge ? tile : c;
                K->tile(mr, qa + ir * kp * K->esz, kp, bq, dst, edge ? 16 : J->ldo, xs + ir,
                        zs + ir, W->scale + col0, W->qsum ? W->qsum + col0 : NULL, tb, J->act);
                for (int r = 0; edge && r < mr; r++)
                    memcpy(c + (size_t)r * J->ldo, tile + r * 16, ncols * sizeof *c);
            }
        }
    }
}

/* ---- the table ---- */

static void neon_run(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    if (J->w->fmt == RV_WFMT_Q8)
        rv_cpu_neon_run_q8(J);
    else if (rv_cpu_fmt_u8(J->w->fmt))
        rv_cpu_neon_run_u8(J);
    else
        rv_cpu_neon_run_float(J);
}

/* Plain weight rows x a few activation rows (a query): 4 weight rows by 2
 * activation rows per step, 8 accumulators; the weight rows stay in L1
 * while every activation row passes them. */
void rv_cpu_neon_rows(const rv_cpu_rows_job *J) {
    size_t k = J->k, k4 = k / 4 * 4, j = 0;
    for (; j + 4 <= J->nrows; j += 4) {
        const float *w = J->w + j * k;
        for (size_t r = 0; r < J->m; r += 2) {
            int two = r + 1 < J->m;
            const float *x0 = J->x + r * J->ldx, *x1 = two ? x0 + J->ldx : x0;
            float32x4_t a[4], b[4];
#pragma GCC unroll 8
            for (int t = 0; t < 4; t++)
                a[t] = b[t] = vdupq_n_f32(0.0f);
            for (size_t p = 0; p < k4; p += 4) {
                float32x4_t xa = vld1q_f32(x0 + p), xb = vld1q_f32(x1 + p);
#pragma GCC unroll 8
                for (int t = 0; t < 4; t++) {
                    float32x4_t wv = vld1q_f32(w + (size_t)t * k + p);
                    a[t] = vfmaq_f32(a[t], wv, xa);
                    b[t] = vfmaq_f32(b[t], wv, xb);
                }
            }
#pragma GCC unroll 8
            for (int t = 0; t < 4; t++) {
                float ra = vaddvq_f32(a[t]), rb = vaddvq_f32(b[t]);
                for (size_t p = k4; p < k; p++) {
                    ra += x0[p] * w[(size_t)t * k + p];
                    rb += x1[p] * w[(size_t)t * k + p];
                }
                J->out[r * J->ldo + j + (size_t)t] = ra;
                if (two) J->out[(r + 1) * J->ldo + j + (size_t)t] = rb;
            }
        }
    }
    for (; j < J->nrows; j++) {
        const float *w0 = J->w + j * k;
        for (size_t r = 0; r < J->m; r++) {
            const float *x0 = J->x + r * J->ldx;
            float32x4_t a0 = vdupq_n_f32(0.0f);
            for (size_t p = 0; p < k4; p += 4)
                a0 = vfmaq_f32(a0, vld1q_f32(w0 + p), vld1q_f32(x0 + p));
            float v = vaddvq_f32(a0);
            for (size_t p = k4; p < k; p++)
                v += x0[p] * w0[p];
            J->out[r * J->ldo + j] = v;
        }
    }
}

const rv_cpu_linear_kernels rv_cpu_linear_neon = {
    .name = "neon", .run = neon_run, .rows = rv_cpu_neon_rows};

int rv_cpu_has_dotprod(void) {
    return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
}

const rv_cpu_linear_kernels *rv_cpu_linear_neon_best(void) {
    return rv_cpu_has_dotprod() ? &rv_cpu_linear_neon_dot : &rv_cpu_linear_neon;
}
#endif
