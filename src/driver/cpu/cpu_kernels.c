/* Portable row kernels of the CPU driver (see cpu_kernels.h). */
#include "driver/cpu/cpu_kernels.h"
#include "driver/cpu/cpu_neon.h"

#include <math.h>
#include <stdlib.h>

static void p_add_bias(float *x, const float *bias, size_t n) {
    for (size_t i = 0; i < n; i++)
        x[i] += bias[i];
}

static void p_bias_gelu(float *x, const float *bias, size_t n) {
    const float inv_sqrt2 = 0.70710678118654752f;
    for (size_t i = 0; i < n; i++) {
        float v = x[i] + (bias ? bias[i] : 0.0f);
        x[i] = 0.5f * v * (1.0f + erff(v * inv_sqrt2));
    }
}

static void p_layer_norm(float *out, const float *x, const float *res, const float *w,
                         const float *b, size_t n, float eps) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        float v = x[i] + (res ? res[i] : 0.0f);
        out[i] = v;
        sum += v;
    }
    float mean = (float)(sum / (double)n);
    double var = 0.0;
    for (size_t i = 0; i < n; i++) {
        float d = out[i] - mean;
        var += (double)d * d;
    }
    float rstd = (float)(1.0 / sqrt(var / (double)n + (double)eps));
    for (size_t i = 0; i < n; i++)
        out[i] = (out[i] - mean) * rstd * w[i] + b[i];
}

static void p_softmax(float *x, const float *mask, size_t n, float scale) {
    float mx = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        x[i] = x[i] * scale + (mask ? mask[i] : 0.0f);
        if (x[i] > mx) mx = x[i];
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        sum += x[i];
    }
    float inv = (float)(1.0 / sum);
    for (size_t i = 0; i < n; i++)
        x[i] *= inv;
}

static void p_scale(float *x, size_t n, float s) {
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
}

static double p_sumsq(const float *x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return s;
}

static void p_accumulate(float *acc, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        acc[i] += x[i];
}

const rv_cpu_kernels rv_cpu_kernels_portable = {
    .name = "portable",
    .add_bias = p_add_bias,
    .bias_gelu = p_bias_gelu,
    .layer_norm = p_layer_norm,
    .softmax = p_softmax,
    .scale = p_scale,
    .sumsq = p_sumsq,
    .accumulate = p_accumulate,
    .attn_head = NULL,
};

int rv_cpu_has_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

const rv_cpu_kernels *rv_cpu_kernels_best(void) {
#if defined(__x86_64__) || defined(__i386__)
    const char *off = getenv("RIPVEC_NO_AVX2");
    if (rv_cpu_has_avx2() && !(off && *off && *off != '0')) return &rv_cpu_kernels_avx2;
#endif
#if defined(__aarch64__) /* Advanced SIMD is part of every AArch64 CPU */
    return &rv_cpu_kernels_neon;
#endif
    return &rv_cpu_kernels_portable;
}
