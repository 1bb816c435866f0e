/*
 * driver/cpu/cpu_neon_math.h — Advanced SIMD vector helpers (exp, erf, a
 * GEMM tile's bias + GELU) shared by the *_neon.c files: the AVX2 helpers
 * of cpu_avx2_math.h, four lanes wide, with the same polynomials (their
 * fits and error bounds are described there). Include only on aarch64.
 */
#ifndef RV_DRIVER_CPU_NEON_MATH_H
#define RV_DRIVER_CPU_NEON_MATH_H

#include "driver/driver.h"

#include <arm_neon.h>

#define NAI static inline __attribute__((always_inline))

/* exp(x) for any x (exp8 of cpu_avx2_math.h); inputs below -87.3 give
 * exactly 0 (masked attention). */
NAI float32x4_t exp4(float32x4_t x) {
    const float32x4_t magic = vdupq_n_f32(12582912.0f), lo = vdupq_n_f32(-87.3f);
    uint32x4_t under = vcltq_f32(x, lo);
    x = vminq_f32(vmaxq_f32(x, lo), vdupq_n_f32(88.0f));
    float32x4_t t = vfmaq_f32(magic, x, vdupq_n_f32(1.44269504088896341f));
    float32x4_t n = vsubq_f32(t, magic);
    float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693145751953125f));
    r = vfmsq_f32(r, n, vdupq_n_f32(1.428606765330187045e-06f));
    float32x4_t p = vdupq_n_f32(1.3859301107004285e-03f);
    p = vfmaq_f32(vdupq_n_f32(8.374770171940327e-03f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.166772589087486e-02f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.666642129421234e-01f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.999999403953552e-01f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    int32x4_t e = vaddq_s32(vshlq_n_s32(vreinterpretq_s32_f32(t), 23), vdupq_n_s32(127 << 23));
    float32x4_t y = vmulq_f32(p, vreinterpretq_f32_s32(e));
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(y), under));
}

/* 2^t for t <= 0 (exp2_8_nonpos of cpu_avx2_math.h). */
NAI float32x4_t exp2_4_nonpos(float32x4_t t) {
    const float32x4_t magic = vdupq_n_f32(12582912.0f);
    t = vmaxq_f32(t, vdupq_n_f32(-125.0f));
    float32x4_t s = vaddq_f32(t, magic);
    float32x4_t r = vsubq_f32(t, vsubq_f32(s, magic));
    float32x4_t p = vdupq_n_f32(1.3278163969516754e-03f);
    p = vfmaq_f32(vdupq_n_f32(9.675555862486362e-03f), p, r);
    p = vfmaq_f32(vdupq_n_f32(5.5507078766822815e-02f), p, r);
    p = vfmaq_f32(vdupq_n_f32(2.4022118747234344e-01f), p, r);
    p = vfmaq_f32(vdupq_n_f32(6.931469440460205e-01f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    int32x4_t e = vshlq_n_s32(vreinterpretq_s32_f32(s), 23);
    return vreinterpretq_f32_s32(vaddq_s32(vreinterpretq_s32_f32(p), e));
}

/* erf(x) (erf8 of cpu_avx2_math.h): x P(x^2) / Q(x^2) on |x| < 3.925. */
NAI float32x4_t erf4(float32x4_t x) {
    float32x4_t ax = vminq_f32(vabsq_f32(x), vdupq_n_f32(3.925f));
    float32x4_t x2 = vmulq_f32(ax, ax);
    float32x4_t p = vdupq_n_f32(2.030852784e-06f);
    p = vfmaq_f32(vdupq_n_f32(2.874922648e-04f), p, x2);
    p = vfmaq_f32(vdupq_n_f32(3.876361065e-03f), p, x2);
    p = vfmaq_f32(vdupq_n_f32(5.308445171e-02f), p, x2);
    p = vfmaq_f32(vdupq_n_f32(1.929734349e-01f), p, x2);
    p = vfmaq_f32(vdupq_n_f32(1.128378987e+00f), p, x2);
    float32x4_t q = vdupq_n_f32(3.803128493e-05f);
    q = vfmaq_f32(vdupq_n_f32(1.189757138e-03f), q, x2);
    q = vfmaq_f32(vdupq_n_f32(1.518842299e-02f), q, x2);
    q = vfmaq_f32(vdupq_n_f32(1.151678115e-01f), q, x2);
    q = vfmaq_f32(vdupq_n_f32(5.043498874e-01f), q, x2);
    q = vfmaq_f32(vdupq_n_f32(1.0f), q, x2);
    float32x4_t y = vminq_f32(vdivq_f32(vmulq_f32(ax, p), q), vdupq_n_f32(1.0f));
    uint32x4_t sign = vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x80000000u));
    return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(y), sign));
}

/* gelu(v) = v / 2 (1 + erf(v / sqrt 2)). */
NAI float32x4_t gelu4(float32x4_t v) {
    float32x4_t e = erf4(vmulq_n_f32(v, 0.70710678118654752f));
    return vmulq_f32(vmulq_n_f32(v, 0.5f), vaddq_f32(vdupq_n_f32(1.0f), e));
}

/* Bias and activation on 4 output columns. */
NAI float32x4_t finish4(float32x4_t v, const float *bias, rv_act act) {
    if (bias) v = vaddq_f32(v, vld1q_f32(bias));
    return act == RV_ACT_GELU ? gelu4(v) : v;
}

#endif
