/*
 * driver/cpu/cpu_neon.h — the CPU driver's aarch64 kernels: Advanced SIMD
 * (NEON, part of every AArch64 CPU) row kernels and GEMM, and the int8
 * GEMM with the dot-product extension (sdot) where the CPU has it.
 *
 *   const rv_cpu_linear_kernels *lk = rv_cpu_linear_neon_best();
 *
 * Each table computes the same function as the portable one (see
 * cpu_kernels.h, cpu_linear.h; tests/test_driver_neon.c compares them).
 * Only aarch64 builds define these symbols.
 */
#ifndef RV_DRIVER_CPU_NEON_H
#define RV_DRIVER_CPU_NEON_H

#include "driver/cpu/cpu_kernels.h"
#include "driver/cpu/cpu_linear.h"

#if defined(__aarch64__)
extern const rv_cpu_kernels rv_cpu_kernels_neon;
/* Every format; the integer ones by widening multiplies. */
extern const rv_cpu_linear_kernels rv_cpu_linear_neon;
/* q7 and q7f by sdot, the rest as rv_cpu_linear_neon. Only call when
 * rv_cpu_has_dotprod(). */
extern const rv_cpu_linear_kernels rv_cpu_linear_neon_dot;

/* 1 when the kernel reports the dot-product extension (HWCAP_ASIMDDP). */
int rv_cpu_has_dotprod(void);
/* rv_cpu_linear_neon_dot when the CPU has sdot, else rv_cpu_linear_neon. */
const rv_cpu_linear_kernels *rv_cpu_linear_neon_best(void);
#endif

#endif
