/* AVX-VNNI (VEX, 256-bit) GEMM over the u8-activation formats (q7, q7f,
 * q8u): the AVX2 kernel's tile (6 rows x 16 columns, 12 ymm accumulators)
 * with vpdpbusd in place of vpmaddubsw + vpmaddwd, so every group of 4
 * products sums exactly into int32 (see cpu_linear_int_vnni.c). For CPUs
 * with AVX-VNNI but not AVX-512. Compiled with -mavxvnni; only reached after
 * a cpuid check. */
#include "driver/cpu/cpu_linear.h"

#if defined(__x86_64__) || defined(__i386__)
#include "driver/cpu/cpu_avx2_math.h"

#include <immintrin.h>
#include <string.h>

enum { VR = 6 };

static __attribute__((noinline)) void kern(int np, int mr, const uint8_t *qa, size_t kp,
                                           const int8_t *bq, float *c, size_t ldc, const float *xs,
                                           const int32_t *zs, const float *ws, const int32_t *wsum,
                                           const float *bias, rv_act act) {
    (void)np; /* one panel a tile */
    __m256i acc[VR][2];
    const uint8_t *ar[VR];
    rv_cpu_prefetch_tile(c, ldc, mr);
#pragma GCC unroll 6
    for (int r = 0; r < VR; r++) {
        ar[r] = qa + (r < mr ? (size_t)r : 0) * kp;
        acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    }
    for (size_t g = 0; g < kp / 4; g++) {
        __m256i b0 = _mm256_load_si256((const __m256i *)(const void *)(bq + g * 64));
        __m256i b1 = _mm256_load_si256((const __m256i *)(const void *)(bq + g * 64 + 32));
#pragma GCC unroll 6
        for (int r = 0; r < VR; r++) {
            int32_t t;
            memcpy(&t, ar[r] + 4 * g, 4);
            __m256i av = _mm256_set1_epi32(t);
            acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], av, b0);
            acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], av, b1);
        }
    }
    for (int h = 0; h < 2; h++) {
        __m256 w = _mm256_loadu_ps(ws + 8 * h);
        __m256i s = _mm256_loadu_si256((const __m256i *)(const void *)(wsum + 8 * h));
        for (int r = 0; r < mr; r++) {
            __m256i i =
                _mm256_sub_epi32(acc[r][h], _mm256_mullo_epi32(_mm256_set1_epi32(zs[r]), s));
            __m256 v =
                _mm256_mul_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(_mm256_set1_ps(xs[r]), w));
            _mm256_storeu_ps(c + (size_t)r * ldc + 8 * h,
                             finish8(v, bias ? bias + 8 * h : NULL, act));
        }
    }
}

void rv_cpu_avxvnni_run_u8(const rv_cpu_gemm_job *J) {
    rv_cpu_run_u8_tiles(J, VR, 1, kern);
}

static void avxvnni_run(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    if (rv_cpu_fmt_u8(J->w->fmt))
        rv_cpu_avxvnni_run_u8(J);
    else
        rv_cpu_linear_avx2.run(J);
}

static void avxvnni_rows(const rv_cpu_rows_job *J) {
    rv_cpu_linear_avx2.rows(J);
}

const rv_cpu_linear_kernels rv_cpu_linear_avxvnni = {
    .name = "avxvnni", .run = avxvnni_run, .rows = avxvnni_rows};
#endif
