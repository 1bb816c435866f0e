/*
 * driver/cpu/cpu_avx2_math.h — AVX2+FMA vector helpers (horizontal sums,
 * exp, erf) shared by the *_avx2.c files. Include only from files compiled
 * with -mavx2 -mfma.
 */
#ifndef RV_DRIVER_CPU_AVX2_MATH_H
#define RV_DRIVER_CPU_AVX2_MATH_H

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

/* exp(x): x = n ln2 + r with a two-constant ln2 split, |r| <= ln2/2, e^r by
 * its Taylor series to degree 7 (truncation < 1e-8 relative), 2^n through the
 * exponent bits. Inputs below -87.3 give exactly 0 (masked attention). */
static inline __m256 exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.3f), hi = _mm256_set1_ps(88.0f);
    __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 res = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    return _mm256_andnot_ps(under, res);
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

#endif
