/*
 * driver/cpu/cpu_avx512_math.h — AVX-512 helpers shared by the zmm GEMM
 * kernels. Include only from files compiled with the AVX-512 flags.
 */
#ifndef RV_DRIVER_CPU_AVX512_MATH_H
#define RV_DRIVER_CPU_AVX512_MATH_H

#include "driver/cpu/cpu_avx2_math.h"

/* Bias and activation on 16 output columns (bias may be NULL). */
static inline __attribute__((always_inline)) __m512 finish16(__m512 v, const float *bias,
                                                             rv_act act) {
    if (!bias && act == RV_ACT_NONE) return v;
    __m256 lo = finish8(_mm512_castps512_ps256(v), bias, act);
    __m256 hi = finish8(_mm512_extractf32x8_ps(v, 1), bias ? bias + 8 : NULL, act);
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

#endif
