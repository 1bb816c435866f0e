/* Portable row kernels of the CPU driver (see cpu_kernels.h). */
#include "driver/cpu/cpu_kernels.h"
#include "driver/cpu/cpu_math.h"
#include "driver/cpu/cpu_neon.h"

#include <math.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

static void p_add_bias(float *x, const float *bias, size_t n) {
    for (size_t i = 0; i < n; i++)
        x[i] += bias[i];
}

static void p_bias_gelu(float *x, const float *bias, size_t n) {
    for (size_t i = 0; i < n; i++)
        x[i] = rv_gelu1(x[i] + (bias ? bias[i] : 0.0f));
}

/* Sums and rounding as the AVX2 kernel's: 8 float lanes (a multiple-of-8
 * prefix), the rest in a tail, fused multiply-adds where it has them. */
static void p_layer_norm(float *out, const float *x, const float *res, const float *w,
                         const float *b, size_t n, float eps) {
    float acc[8] = {0}, tail = 0.0f;
    size_t n8 = n / 8 * 8;
    for (size_t i = 0; i < n; i++) {
        out[i] = x[i] + (res ? res[i] : 0.0f);
        if (i < n8)
            acc[i % 8] += out[i];
        else
            tail += out[i];
    }
    float mean = (rv_hsum8(acc) + tail) / (float)n;
    memset(acc, 0, sizeof acc);
    tail = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float d = out[i] - mean;
        if (i < n8)
            acc[i % 8] = fmaf(d, d, acc[i % 8]);
        else
            tail += d * d;
    }
    float rstd = 1.0f / sqrtf((rv_hsum8(acc) + tail) / (float)n + eps);
    for (size_t i = 0; i < n; i++) {
        float d = (out[i] - mean) * rstd;
        out[i] = i < n8 ? fmaf(d, w[i], b[i]) : d * w[i] + b[i];
    }
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

/* Attention for one (sequence, head) in the AVX2 kernel's arithmetic (see
 * a_attn_head): scores and P V by fused multiply-adds in the same order,
 * exp in base 2 by its polynomial, the row sum in 8 lanes; the scratch
 * holds one row of scores. */
static void p_attn_head(float *out, size_t ld_out, const float *q, const float *k, const float *v,
                        size_t ld, size_t L, size_t hd, float scale, float *scratch) {
    const float s2 = scale * 1.44269504088896341f;
    float *sc = scratch;
    for (size_t i = 0; i < L; i++) {
        const float *qi = q + i * ld;
        float mx = -INFINITY;
        for (size_t j = 0; j < L; j++) {
            float a = 0.0f;
            for (size_t d = 0; d < hd; d++)
                a = fmaf(qi[d], k[j * ld + d], a);
            sc[j] = a;
            mx = a > mx ? a : mx;
        }
        float ms = mx * s2, acc[8] = {0};
        for (size_t j = 0; j < L; j++) {
            sc[j] = rv_exp2_nonpos1(fmaf(sc[j], s2, -ms));
            acc[j % 8] += sc[j];
        }
        float inv = 1.0f / rv_hsum8(acc);
        for (size_t c = 0; c < hd; c++) {
            float o = 0.0f;
            for (size_t j = 0; j < L; j++)
                o = fmaf(sc[j], v[j * ld + c], o);
            out[i * ld_out + c] = o * inv;
        }
    }
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
    .attn_head = p_attn_head,
};

int rv_cpu_has_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* F16C from cpuid (leaf 1, ECX bit 29); clang 14's __builtin_cpu_supports
 * does not know the "f16c" feature name. */
int rv_cpu_has_f16c(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29));
#else
    return 0;
#endif
}

static const char *const g_isa_names[RV_CPU_ISA_COUNT] = {"portable", "avx2", "avxvnni", "avx512",
                                                          "avx512vnni", "neon", "amx"};

#if defined(__x86_64__) || defined(__i386__)
/* AVX-VNNI (VEX): cpuid leaf 7, subleaf 1, EAX bit 4. */
static int has_avxvnni(void) {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4));
}

/* AVX-512 F/BW/VL/DQ (libgcc's check includes the OS's ZMM state). */
static int has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
#endif

/* AMX: cpuid leaf 7 EDX bits 22 (bf16), 24 (tile), 25 (int8); XCR0 bits
 * 17-18 (tile config and data) enabled by the OS; then the process asks
 * Linux for the tile data state (XFEATURE_XTILEDATA, 18), which it grants
 * or refuses once for all threads. */
static int g_amx;
static pthread_once_t g_amx_once = PTHREAD_ONCE_INIT;

static void amx_probe(void) {
#if defined(__linux__) && defined(__x86_64__)
    unsigned a, b, c, d, lo, hi;
    const unsigned need = (1u << 22) | (1u << 24) | (1u << 25);
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || (d & need) != need) return;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return; /* OSXSAVE */
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & (3u << 17)) != (3u << 17)) return;
    g_amx = syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18) == 0;
#endif
}

int rv_cpu_has_amx(void) {
    pthread_once(&g_amx_once, amx_probe);
    return g_amx;
}

int rv_cpu_has_avx512bf16(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    return has_avx512() && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5));
#else
    return 0;
#endif
}

const char *rv_cpu_isa_name(rv_cpu_isa isa) {
    return (unsigned)isa < RV_CPU_ISA_COUNT ? g_isa_names[isa] : NULL;
}

int rv_cpu_isa_has(rv_cpu_isa isa) {
    switch (isa) {
    case RV_CPU_ISA_PORTABLE: return 1;
    case RV_CPU_ISA_AVX2: return rv_cpu_has_avx2() && rv_cpu_has_f16c();
#if defined(__x86_64__) || defined(__i386__)
    case RV_CPU_ISA_AVXVNNI: return rv_cpu_isa_has(RV_CPU_ISA_AVX2) && has_avxvnni();
    case RV_CPU_ISA_AVX512: return rv_cpu_isa_has(RV_CPU_ISA_AVX2) && has_avx512();
    case RV_CPU_ISA_AVX512VNNI:
        return rv_cpu_isa_has(RV_CPU_ISA_AVX512) && __builtin_cpu_supports("avx512vnni");
    case RV_CPU_ISA_AMX: return rv_cpu_isa_has(RV_CPU_ISA_AVX512VNNI) && rv_cpu_has_amx();
#endif
#if defined(__aarch64__) /* Advanced SIMD is part of every AArch64 CPU */
    case RV_CPU_ISA_NEON: return 1;
#endif
    default: return 0;
    }
}

rv_cpu_isa rv_cpu_isa_best(void) {
    rv_cpu_isa best = RV_CPU_ISA_PORTABLE;
    for (int i = 0; i < RV_CPU_ISA_COUNT; i++)
        if (rv_cpu_isa_has((rv_cpu_isa)i)) best = (rv_cpu_isa)i;
    return best;
}

rv_status rv_cpu_isa_parse(rv_cpu_isa *out, const char *name) {
    if (!name || !*name || strcmp(name, "auto") == 0) {
        *out = rv_cpu_isa_best();
        return RV_OK;
    }
    for (int i = 0; i < RV_CPU_ISA_COUNT; i++)
        if (strcmp(name, g_isa_names[i]) == 0) {
            if (!rv_cpu_isa_has((rv_cpu_isa)i))
                return rv_error_set(RV_ERR_UNSUPPORTED, "cpu driver: this CPU has no %s kernels",
                                    name);
            *out = (rv_cpu_isa)i;
            return RV_OK;
        }
    return rv_error_set(RV_ERR_INVALID_ARG, "cpu driver: unknown kernel family '%s'", name);
}

const rv_cpu_kernels *rv_cpu_kernels_for(rv_cpu_isa isa) {
#if defined(__x86_64__) || defined(__i386__)
    if ((isa >= RV_CPU_ISA_AVX2 && isa <= RV_CPU_ISA_AVX512VNNI) || isa == RV_CPU_ISA_AMX)
        return &rv_cpu_kernels_avx2;
#endif
#if defined(__aarch64__)
    if (isa == RV_CPU_ISA_NEON) return &rv_cpu_kernels_neon;
#endif
    (void)isa;
    return &rv_cpu_kernels_portable;
}

const rv_cpu_kernels *rv_cpu_kernels_best(void) {
    return rv_cpu_kernels_for(rv_cpu_isa_best());
}
