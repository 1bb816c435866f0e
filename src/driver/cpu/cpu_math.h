/*
 * driver/cpu/cpu_math.h — scalar twins of the AVX2 vector math
 * (cpu_avx2_math.h): the same polynomials, operations and 8-lane summing
 * order in portable C, so the portable kernels round as the SIMD ones do
 * (at int8 a rounding apart flips an activation code, see issue 23).
 */
#ifndef RV_DRIVER_CPU_MATH_H
#define RV_DRIVER_CPU_MATH_H

#include <math.h>
#include <string.h>

/* The sum of 8 lanes in hsum8's order: halves, then pairs, then the last two. */
static inline float rv_hsum8(const float a[8]) {
    float s0 = a[0] + a[4], s1 = a[1] + a[5], s2 = a[2] + a[6], s3 = a[3] + a[7];
    return (s0 + s2) + (s1 + s3);
}

/* erf8 of one value: x P(x^2) / Q(x^2) on |x| < 3.925, +-1 beyond. */
static inline float rv_erf1(float x) {
    float ax = fminf(fabsf(x), 3.925f), x2 = ax * ax;
    float p = 2.030852784e-06f;
    p = fmaf(p, x2, 2.874922648e-04f);
    p = fmaf(p, x2, 3.876361065e-03f);
    p = fmaf(p, x2, 5.308445171e-02f);
    p = fmaf(p, x2, 1.929734349e-01f);
    p = fmaf(p, x2, 1.128378987e+00f);
    float q = 3.803128493e-05f;
    q = fmaf(q, x2, 1.189757138e-03f);
    q = fmaf(q, x2, 1.518842299e-02f);
    q = fmaf(q, x2, 1.151678115e-01f);
    q = fmaf(q, x2, 5.043498874e-01f);
    q = fmaf(q, x2, 1.0f);
    float y = fminf((ax * p) / q, 1.0f);
    return copysignf(y, x);
}

/* GELU as finish8 computes it. */
static inline float rv_gelu1(float v) {
    float e = rv_erf1(v * 0.70710678118654752f);
    return (0.5f * v) * (1.0f + e);
}

/* exp2_8_nonpos of one value (t <= 0). */
static inline float rv_exp2_nonpos1(float t) {
    const float magic = 12582912.0f;
    t = fmaxf(t, -125.0f);
    float s = t + magic;
    float r = t - (s - magic);
    float p = 1.3278163969516754e-03f;
    p = fmaf(p, r, 9.675555862486362e-03f);
    p = fmaf(p, r, 5.5507078766822815e-02f);
    p = fmaf(p, r, 2.4022118747234344e-01f);
    p = fmaf(p, r, 6.931469440460205e-01f);
    p = fmaf(p, r, 1.0f);
    unsigned sb, pb;
    memcpy(&sb, &s, 4);
    memcpy(&pb, &p, 4);
    pb += sb << 23;
    memcpy(&p, &pb, 4);
    return p;
}

#endif
