/*
 * driver/cpu/cpu_kernels.h — row kernels of the CPU driver, in a portable C
 * flavour (cpu_kernels.c) and an AVX2+FMA one (cpu_kernels_avx2.c), picked
 * once at run time from cpuid.
 *
 *   const rv_cpu_kernels *k = rv_cpu_kernels_best();
 *   k->bias_gelu(row, bias, n);
 *
 * Every kernel works on one contiguous row of n floats; callers split rows
 * across threads. Accuracy: the AVX2 exp/erf are within a few ulp of libm's
 * expf/erff (tests/test_driver_cpu.c checks both flavours against doubles).
 */
#ifndef RV_DRIVER_CPU_KERNELS_H
#define RV_DRIVER_CPU_KERNELS_H

#include "ripvec/common.h"

#include <stddef.h>

typedef struct rv_cpu_kernels {
    const char *name; /* "portable", "avx2" */
    /* x[i] += bias[i] */
    void (*add_bias)(float *x, const float *bias, size_t n);
    /* x[i] = gelu(x[i] + bias[i]) (exact erf form); bias may be NULL */
    void (*bias_gelu)(float *x, const float *bias, size_t n);
    /* out = LN(x + res) * w + b; res may be NULL; out may equal x */
    void (*layer_norm)(float *out, const float *x, const float *res, const float *w, const float *b,
                       size_t n, float eps);
    /* x[i] = softmax(x * scale + mask)[i]; mask may be NULL */
    void (*softmax)(float *x, const float *mask, size_t n, float scale);
    /* x[i] *= s */
    void (*scale)(float *x, size_t n, float s);
    /* sum of x[i]^2, accumulated in double */
    double (*sumsq)(const float *x, size_t n);
    /* acc[i] += x[i] */
    void (*accumulate)(float *acc, const float *x, size_t n);
    /* One head of self-attention over one sequence of L tokens, or NULL (the
     * driver then uses sgemm): out[i, :hd] = softmax_j(q_i . k_j * scale) v_j.
     * q, k, v rows are `ld` floats apart, out rows `ld_out`; hd % 8 == 0.
     * scratch holds rv_cpu_attn_scratch_floats(L, hd) floats. */
    void (*attn_head)(float *out, size_t ld_out, const float *q, const float *k, const float *v,
                      size_t ld, size_t L, size_t hd, float scale, float *scratch);
} rv_cpu_kernels;

/* Query rows the AVX2 attn_head takes at a time. */
enum { RV_CPU_ATTN_ROWS = 6 };

/* Scratch floats attn_head needs: K transposed [hd, L16],
 * RV_CPU_ATTN_ROWS score rows and V packed [L, hd]. */
static inline size_t rv_cpu_attn_scratch_floats(size_t L, size_t hd) {
    size_t L16 = (L + 15) / 16 * 16;
    return (2 * hd + RV_CPU_ATTN_ROWS) * L16;
}

extern const rv_cpu_kernels rv_cpu_kernels_portable;
/* Only call when the CPU has AVX2 and FMA (rv_cpu_has_avx2()). */
extern const rv_cpu_kernels rv_cpu_kernels_avx2;

int rv_cpu_has_avx2(void);
int rv_cpu_has_f16c(void);
/* 1 when the CPU has AMX-TILE/INT8/BF16, the OS enables their state (XCR0)
 * and Linux granted this process the tile data (arch_prctl
 * ARCH_REQ_XCOMP_PERM, asked once per process, on the first call); 0 when
 * any is missing or refused: the amx family is then absent. */
int rv_cpu_has_amx(void);
/* 1 when the CPU has AVX512-BF16 (vdpbf16ps) beside AVX-512 F/BW/VL/DQ. */
int rv_cpu_has_avx512bf16(void);

/* Kernel families, in order of preference: each covers the row kernels and
 * the linear kernels of every format (cpu_linear.h). A device runs the best
 * one the CPU has unless the front end forces one (rv_driver_params). */
typedef enum rv_cpu_isa {
    RV_CPU_ISA_PORTABLE = 0,
    RV_CPU_ISA_AVX2 = 1,       /* AVX2, FMA, F16C */
    RV_CPU_ISA_AVXVNNI = 2,    /* AVX2 + VEX AVX-VNNI for int8 */
    RV_CPU_ISA_AVX512 = 3,     /* AVX2 + AVX-512 F/BW/VL/DQ for fp32/fp16 */
    RV_CPU_ISA_AVX512VNNI = 4, /* AVX512 + AVX512-VNNI for int8 */
    RV_CPU_ISA_NEON = 5,       /* aarch64 Advanced SIMD (+ sdot where HWCAP has it) */
    RV_CPU_ISA_AMX = 6,        /* AVX512VNNI + AMX tiles (int8, bf16) for the GEMMs */
    RV_CPU_ISA_COUNT
} rv_cpu_isa;

/* "portable", "avx2", "avxvnni", "avx512", "avx512vnni", "neon", "amx";
 * NULL if unknown */
const char *rv_cpu_isa_name(rv_cpu_isa isa);
int rv_cpu_isa_has(rv_cpu_isa isa); /* 1 when this CPU runs it */
rv_cpu_isa rv_cpu_isa_best(void);
/* A name above, or NULL / "" / "auto" for the best; RV_ERR_UNSUPPORTED when
 * the CPU lacks it, RV_ERR_INVALID_ARG for an unknown name. */
rv_status rv_cpu_isa_parse(rv_cpu_isa *out, const char *name);
const rv_cpu_kernels *rv_cpu_kernels_for(rv_cpu_isa isa);
/* rv_cpu_kernels_for(rv_cpu_isa_best()). */
const rv_cpu_kernels *rv_cpu_kernels_best(void);

#endif
