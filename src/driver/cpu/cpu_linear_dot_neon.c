/* q7 / q7f GEMM with the Armv8.2 dot-product extension (sdot). Compiles
 * to nothing off aarch64; there the whole file is built for the extension
 * (-march=armv8.2-a+dotprod, mk/aarch64.mk), so it holds only code reached
 * after the HWCAP check (rv_cpu_linear_neon_best, cpu_linear_neon.c).
 *
 * sdot multiplies signed bytes only, so activation codes a (u8) go in as
 * a - 128 (a flipped sign bit): sum (a - 128) w = sum a w - 128 sum w, and
 * sum w is the row's qsum, so the zero point in that domain is zero - 128.
 * Every sum is exact, as in every family (cpu_linear.h). q8u stays on the
 * widening kernel of cpu_linear_neon.c, as do q8, f32 and f16. */
#include "driver/cpu/cpu_neon.h"

#if defined(__aarch64__)
#include "driver/cpu/cpu_neon_int.h"

#include <string.h>

#if !defined(__ARM_FEATURE_DOTPROD)
#error "build this file with -march=armv8.2-a+dotprod (mk/aarch64.mk does)"
#endif

enum { DR = 6 };

/* out[mr, 16] (mr <= 6) from s8 rows qa and a q7 / q7f panel: per 4 k
 * steps, each row's 4 codes, repeated, meet the 64 weight bytes (16
 * columns x 4, the layout sdot reads) in four sdot. */
static __attribute__((noinline)) void tile_dot(int mr, const void *qv, size_t kp, const int8_t *bq,
                                               float *c, size_t ldc, const float *xs,
                                               const int32_t *zs, const float *ws,
                                               const int32_t *wsum, const float *bias, rv_act act) {
    const int8_t *qa = qv, *ar[DR];
    int32x4_t acc[DR][4] = {0};
#pragma GCC unroll 8
    for (int r = 0; r < DR; r++)
        ar[r] = qa + (r < mr ? (size_t)r * kp : 0);
    rv_cpu_prefetch_tile(c, ldc, mr);
    for (size_t g = 0; g < kp / 4; g++) {
        int8x16_t b[4];
#pragma GCC unroll 8
        for (int v = 0; v < 4; v++)
            b[v] = vld1q_s8(bq + g * 64 + 16 * v);
#pragma GCC unroll 6
        for (int r = 0; r < DR; r++) {
            int32_t t;
            memcpy(&t, ar[r] + 4 * g, 4);
            int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(t));
#pragma GCC unroll 8
            for (int v = 0; v < 4; v++)
                acc[r][v] = vdotq_s32(acc[r][v], b[v], av);
        }
    }
    rv_cpu_neon_store_tile(acc, mr, c, ldc, xs, zs, ws, wsum, bias, act);
}

/* The u8 quantizer, then the codes' sign bits flipped: a - 128 as s8. */
static void prep_s8(const rv_cpu_wpack *W, const float *x, void *q, float *xs, int32_t *zs) {
    uint8_t *u = q;
    rv_cpu_neon_quant_row_u8(x, W->colinv, W->k, W->kp, u, xs, zs);
    *zs -= 128;
    size_t i = 0;
    for (; i + 16 <= W->kp; i += 16)
        vst1q_u8(u + i, veorq_u8(vld1q_u8(u + i), vdupq_n_u8(0x80)));
    for (; i < W->kp; i++)
        u[i] ^= 0x80;
}

static const rv_cpu_neon_int_kernel k_dot = {1, DR, prep_s8, tile_dot};

static void dot_run(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    rv_wfmt f = J->w->fmt;
    if (f == RV_WFMT_Q7 || f == RV_WFMT_Q7F)
        rv_cpu_neon_run_int(J, &k_dot);
    else if (f == RV_WFMT_Q8U)
        rv_cpu_neon_run_u8(J);
    else if (f == RV_WFMT_Q8)
        rv_cpu_neon_run_q8(J);
    else
        rv_cpu_neon_run_float(J);
}

const rv_cpu_linear_kernels rv_cpu_linear_neon_dot = {
    .name = "neon-dot", .run = dot_run, .rows = rv_cpu_neon_rows};
#endif
