/*
 * driver/cpu/cpu_avx2_math.h — AVX2+FMA vector helpers (horizontal sums,
 * exp, erf, a GEMM tile's bias + GELU) shared by the *_avx2.c files.
 * Include only from files compiled with -mavx2 -mfma.
 */
#ifndef RV_DRIVER_CPU_AVX2_MATH_H
#define RV_DRIVER_CPU_AVX2_MATH_H

#include "driver/driver.h"

#include <immintrin.h>

static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* exp(x) for -87.3 <= x <= 88: x = n ln2 + r with a two-constant ln2 split,
 * |r| <= ln2/2; n comes from adding 1.5 * 2^23 (the sum's low mantissa bits
 * are n, which shifted into the exponent field give 2^n); e^r by a degree-6
 * polynomial fitted for this file (relative least squares on Chebyshev
 * nodes, then rounded to float: max relative error 9.7e-8 in float
 * arithmetic, against 1.7e-7 for the degree-6 Taylor series). */
static inline __m256 exp8_core(__m256 x) {
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), magic);
    __m256 n = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-06f), r);
    __m256 p = _mm256_set1_ps(1.3859301107004285e-03f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.374770171940327e-03f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.166772589087486e-02f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.666642129421234e-01f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.999999403953552e-01f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(t), 23),
                                 _mm256_set1_epi32(127 << 23));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* exp(x) for any x; inputs below -87.3 give exactly 0 (masked attention). */
static inline __m256 exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.3f);
    __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), _mm256_set1_ps(88.0f));
    return _mm256_andnot_ps(under, exp8_core(x));
}

/* 2^t for t <= 0, where anything below -125 may come out as a value near
 * 2^-125 rather than its own (softmax rows, in the base-2 domain): t = n + r
 * with n the nearest integer (adding 1.5 * 2^23 leaves it in the low
 * mantissa bits) and |r| <= 1/2; 2^r by a degree-5 polynomial fitted for
 * this file (relative least squares on Chebyshev nodes, rounded to float:
 * max relative error 2.4e-7 in float arithmetic); 2^n enters as n added to
 * the exponent field, an integer add rather than a multiply. With the scale
 * folded into the caller's subtraction this is 7 multiply-adds against the
 * 11 of exp8 on a scaled argument. */
static inline __m256 exp2_8_nonpos(__m256 t) {
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    t = _mm256_max_ps(t, _mm256_set1_ps(-125.0f));
    __m256 s = _mm256_add_ps(t, magic);
    __m256 r = _mm256_sub_ps(t, _mm256_sub_ps(s, magic));
    __m256 p = _mm256_set1_ps(1.3278163969516754e-03f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(9.675555862486362e-03f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.5507078766822815e-02f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(2.4022118747234344e-01f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(6.931469440460205e-01f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    /* (s's bits << 23) is n << 23: the rest of s shifts out */
    __m256i e = _mm256_slli_epi32(_mm256_castps_si256(s), 23);
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), e));
}

/* erf(x) = x P(x^2) / Q(x^2) on |x| < 3.925, +-1 beyond (where erff rounds to
 * +-1 anyway). P and Q (degree 5 each) were fitted for this file by an
 * iteratively reweighted least-squares fit against math.erf; max abs error in
 * float arithmetic ~4e-7. */
static inline __m256 erf8(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_min_ps(_mm256_andnot_ps(sign, x), _mm256_set1_ps(3.925f));
    __m256 x2 = _mm256_mul_ps(ax, ax);
    __m256 p = _mm256_set1_ps(2.030852784e-06f);
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(2.874922648e-04f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(3.876361065e-03f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(5.308445171e-02f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(1.929734349e-01f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(1.128378987e+00f));
    __m256 q = _mm256_set1_ps(3.803128493e-05f);
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(1.189757138e-03f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(1.518842299e-02f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(1.151678115e-01f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(5.043498874e-01f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(1.0f));
    __m256 y = _mm256_min_ps(_mm256_div_ps(_mm256_mul_ps(ax, p), q), _mm256_set1_ps(1.0f));
    return _mm256_or_ps(y, _mm256_and_ps(x, sign));
}

/* Bias and activation on 8 output columns. */
static inline __attribute__((always_inline)) __m256 finish8(__m256 v, const float *bias,
                                                            rv_act act) {
    if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias));
    if (act == RV_ACT_GELU) {
        __m256 e = erf8(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)));
        v = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
                          _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    }
    return v;
}

#endif
