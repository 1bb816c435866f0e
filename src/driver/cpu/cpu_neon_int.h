/*
 * driver/cpu/cpu_neon_int.h — what the NEON GEMM files share: the integer
 * formats' row-block driver (quantize a block of activation rows into the
 * job's scratch, then run a tile kernel over every panel) and the tile
 * store (dequantize, zero point, bias, activation). Include only on aarch64.
 */
#ifndef RV_DRIVER_CPU_NEON_INT_H
#define RV_DRIVER_CPU_NEON_INT_H

#include "driver/cpu/cpu_linear.h"
#include "driver/cpu/cpu_neon_math.h"

/* An integer format's kernel: activation rows of `esz`-byte codes, tiles
 * of up to `rows` rows by 16 columns. prep quantizes one row of x into q
 * (kp codes), its scale and zero point (x ~= xs * (q - zs)); tile computes
 * out rows from rows qa (kp codes apart) and one panel bq. */
typedef struct rv_cpu_neon_int_kernel {
    size_t esz, rows;
    void (*prep)(const rv_cpu_wpack *w, const float *x, void *q, float *xs, int32_t *zs);
    void (*tile)(int mr, const void *qa, size_t kp, const int8_t *bq, float *c, size_t ldc,
                 const float *xs, const int32_t *zs, const float *ws, const int32_t *wsum,
                 const float *bias, rv_act act);
} rv_cpu_neon_int_kernel;

/* One thread's job (cpu_linear.h) through an integer kernel. */
void rv_cpu_neon_run_int(const rv_cpu_gemm_job *job, const rv_cpu_neon_int_kernel *k);

/* rv_cpu_quant_row_u8's function, vectorized (cpu_linear_neon.c). */
void rv_cpu_neon_quant_row_u8(const float *x, const float *colinv, size_t k, size_t kp, uint8_t *q,
                              float *scale, int32_t *zero);

/* cpu_linear_neon.c's runs, which the dot-product table reuses. */
void rv_cpu_neon_run_float(const rv_cpu_gemm_job *job);
void rv_cpu_neon_run_q8(const rv_cpu_gemm_job *job);
void rv_cpu_neon_run_u8(const rv_cpu_gemm_job *job);
void rv_cpu_neon_rows(const rv_cpu_rows_job *job);

/* Stores rows [0, mr) of a tile of int32 sums (columns 4v..4v+3 in
 * acc[r][v]): (acc - zs[r] * wsum) * xs[r] * ws + bias, then act. wsum
 * NULL: no zero point. */
NAI void rv_cpu_neon_store_tile(const int32x4_t acc[][4], int mr, float *c, size_t ldc,
                                const float *xs, const int32_t *zs, const float *ws,
                                const int32_t *wsum, const float *bias, rv_act act) {
    for (int r = 0; r < mr; r++)
#pragma GCC unroll 8
        for (int v = 0; v < 4; v++) {
            int32x4_t i = acc[r][v];
            if (wsum) i = vmlsq_n_s32(i, vld1q_s32(wsum + 4 * v), zs[r]);
            float32x4_t f = vmulq_f32(vcvtq_f32_s32(i), vmulq_n_f32(vld1q_f32(ws + 4 * v), xs[r]));
            vst1q_f32(c + (size_t)r * ldc + 4 * v, finish4(f, bias ? bias + 4 * v : NULL, act));
        }
}

#endif
