/* AVX512-BF16 GEMM over bf16 panels (cpu_linear.h). Per pair of k steps a
 * panel holds 16 columns x 2 bf16: one zmm, the operand vdpbf16ps
 * multiplies against a row's broadcast pair of activations, adding both
 * products into the fp32 accumulator. A 12x32 tile (two panels, 24
 * accumulators) as the f32 kernel. The activations are rounded to bf16 by
 * integer arithmetic (the portable rounding, 16 lanes at a time), so every
 * bf16 kernel sees the same codes. Compiled with the AVX-512 and BF16
 * flags; only reached after a cpuid check. */
#include "driver/cpu/cpu_linear.h"

#if defined(__x86_64__)
#include "driver/cpu/cpu_avx512_math.h"

#include <immintrin.h>
#include <string.h>

#define AI static inline __attribute__((always_inline))

enum { ZR = 12 };

/* 16 floats to bf16 bits as rv_cpu_f32_to_bf16: NaN made quiet, others
 * rounded to nearest even on the integer bits. */
AI __m256i round16(__m512 v) {
    __m512i x = _mm512_castps_si512(v);
    __m512i odd = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_add_epi32(x, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), odd));
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    r = _mm512_mask_or_epi32(r, nan, x, _mm512_set1_epi32(0x400000));
    return _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16));
}

void rv_cpu_avx512_round_bf16(const float *x, size_t k, size_t kp, uint16_t *q) {
    size_t p = 0;
    for (; p + 16 <= k; p += 16)
        _mm256_storeu_si256((__m256i *)(void *)(q + p), round16(_mm512_loadu_ps(x + p)));
    if (p < k) {
        __mmask16 m = (__mmask16)((1u << (k - p)) - 1);
        _mm256_mask_storeu_epi16(q + p, m, round16(_mm512_maskz_loadu_ps(m, x + p)));
    }
    for (p = k; p < kp; p++)
        q[p] = 0;
}

/* out[mr, 16 np] = qa[mr, kp] . (b0 | b1) + bias, act. */
AI void kern(const int np, int mr, const uint16_t *qa, size_t kp, const uint16_t *b0,
             const uint16_t *b1, float *c, size_t ldc, const float *bias, rv_act act) {
    __m512 acc[ZR][2];
    const uint16_t *ar[ZR];
    rv_cpu_prefetch_tile(c, ldc, mr);
#pragma GCC unroll 12
    for (int r = 0; r < ZR; r++) {
        ar[r] = qa + (r < mr ? (size_t)r : 0) * kp;
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    }
    for (size_t g = 0; g < kp / 2; g++) {
        __m512bh w0 = (__m512bh)_mm512_load_si512(b0 + g * 32),
                 w1 = np > 1 ? (__m512bh)_mm512_load_si512(b1 + g * 32) : w0;
#pragma GCC unroll 12
        for (int r = 0; r < ZR; r++) {
            int32_t t;
            memcpy(&t, ar[r] + 2 * g, 4);
            __m512bh av = (__m512bh)_mm512_set1_epi32(t);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, w0);
            if (np > 1) acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, w1);
        }
    }
    for (int r = 0; r < mr; r++)
        for (int h = 0; h < np; h++)
            _mm512_storeu_ps(c + (size_t)r * ldc + 16 * h,
                             finish16(acc[r][h], bias ? bias + 16 * h : NULL, act));
}

static __attribute__((noinline)) void tile(int np, int mr, const uint16_t *qa, size_t kp,
                                           const uint16_t *bp, float *c, size_t ldc,
                                           const float *bias, rv_act act) {
    if (np == 2)
        kern(2, mr, qa, kp, bp, bp + kp * 16, c, ldc, bias, act);
    else
        kern(1, mr, qa, kp, bp, bp, c, ldc, bias, act);
}

void rv_cpu_avx512bf16_run(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    rv_cpu_run_bf16_tiles(J, ZR, 2, tile, rv_cpu_avx512_round_bf16);
}
#endif
