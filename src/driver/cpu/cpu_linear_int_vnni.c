/* AVX512-VNNI GEMM over the u8-activation formats (q7, q7f, q8u; see
 * cpu_linear.h). Their panels already hold, per group of 4 k steps, 16
 * columns x 4 bytes: one zmm, the operand vpdpbusd multiplies against a
 * row's 4 broadcast activation bytes, summing the four products straight
 * into int32, exact as every family's sums, with no int16 pair step (q7f
 * needs no quad trick). A 12x32 tile (two panels, 24 accumulators) as the f32
 * kernel; the activation rows are quantized by the AVX2 quantizer, so the
 * codes are those of every other flavour. Compiled with the AVX-512 and
 * VNNI flags; only reached after a cpuid check. */
#include "driver/cpu/cpu_linear.h"

#if defined(__x86_64__) || defined(__i386__)
#include "driver/cpu/cpu_avx2_math.h"

#include <immintrin.h>
#include <string.h>

#define AI static inline __attribute__((always_inline))

enum { ZR = 12 };

AI __m512 finish16(__m512 v, const float *bias, rv_act act) {
    if (!bias && act == RV_ACT_NONE) return v;
    __m256 lo = finish8(_mm512_castps512_ps256(v), bias, act);
    __m256 hi = finish8(_mm512_extractf32x8_ps(v, 1), bias ? bias + 8 : NULL, act);
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

/* out[mr, 16 np] = ((qa . qb) - zero * wsum) * xs * ws + bias, act. */
AI void kern(const int np, int mr, const uint8_t *qa, size_t kp, const int8_t *b0, const int8_t *b1,
             float *c, size_t ldc, const float *xs, const int32_t *zs, const float *ws,
             const int32_t *wsum, const float *bias, rv_act act) {
    __m512i acc[ZR][2];
    const uint8_t *ar[ZR];
    rv_cpu_prefetch_tile(c, ldc, mr);
#pragma GCC unroll 12
    for (int r = 0; r < ZR; r++) {
        ar[r] = qa + (r < mr ? (size_t)r : 0) * kp;
        acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    }
    for (size_t g = 0; g < kp / 4; g++) {
        __m512i w0 = _mm512_load_si512(b0 + g * 64),
                w1 = np > 1 ? _mm512_load_si512(b1 + g * 64) : w0;
#pragma GCC unroll 12
        for (int r = 0; r < ZR; r++) {
            int32_t t;
            memcpy(&t, ar[r] + 4 * g, 4);
            __m512i av = _mm512_set1_epi32(t);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], av, w0);
            if (np > 1) acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], av, w1);
        }
    }
    for (int h = 0; h < np; h++) {
        __m512 w = _mm512_loadu_ps(ws + 16 * h);
        __m512i s = _mm512_loadu_si512(wsum + 16 * h);
        for (int r = 0; r < mr; r++) {
            __m512i i =
                _mm512_sub_epi32(acc[r][h], _mm512_mullo_epi32(_mm512_set1_epi32(zs[r]), s));
            __m512 v =
                _mm512_mul_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(_mm512_set1_ps(xs[r]), w));
            v = finish16(v, bias ? bias + 16 * h : NULL, act);
            _mm512_storeu_ps(c + (size_t)r * ldc + 16 * h, v);
        }
    }
}

static __attribute__((noinline)) void tile(int np, int mr, const uint8_t *qa, size_t kp,
                                           const int8_t *bq, float *c, size_t ldc, const float *xs,
                                           const int32_t *zs, const float *ws, const int32_t *wsum,
                                           const float *bias, rv_act act) {
    if (np == 2)
        kern(2, mr, qa, kp, bq, bq + kp * 16, c, ldc, xs, zs, ws, wsum, bias, act);
    else
        kern(1, mr, qa, kp, bq, bq, c, ldc, xs, zs, ws, wsum, bias, act);
}

void rv_cpu_vnni512_run_u8(const rv_cpu_gemm_job *J) {
    rv_cpu_run_u8_tiles(J, ZR, 2, tile);
}
#endif
