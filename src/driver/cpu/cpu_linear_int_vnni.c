/* AVX512-VNNI GEMM over the u8-activation formats (q7, q7f, q8u; see
 * cpu_linear.h). Their panels already hold, per group of 4 k steps, 16
 * columns x 4 bytes: one zmm, the operand vpdpbusd multiplies against a
 * row's 4 broadcast activation bytes, summing the four products straight
 * into int32. So the sums are exact (no int16 pair step: q8u's rare
 * saturated pairs of the AVX2 kernel do not saturate here) and q7f needs no
 * quad trick. A 12x32 tile (two panels, 24 accumulators) as the f32
 * kernel; the activation rows are quantized by the AVX2 quantizer, so the
 * codes are those of every other flavour. Compiled with the AVX-512 and
 * VNNI flags; only reached after a cpuid check. */
#include "driver/cpu/cpu_linear.h"

#if defined(__x86_64__) || defined(__i386__)
#include "driver/cpu/cpu_avx2_math.h"

#include <immintrin.h>
#include <string.h>

#define AI static inline __attribute__((always_inline))

enum { MC = RV_CPU_MC, ZR = 12 };

AI __m512 finish16(__m512 v, const float *bias, rv_act act) {
    if (!bias && act == RV_ACT_NONE) return v;
    __m256 lo = finish8(_mm512_castps512_ps256(v), bias, act);
    __m256 hi = finish8(_mm512_extractf32x8_ps(v, 1), bias ? bias + 8 : NULL, act);
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
}

/* out[mr, 16 np] = ((qa . qb) - zero * wsum) * xs * ws + bias, act. */
AI void kern(const int np, int mr, const uint8_t *qa, size_t kp, const int8_t *b0, const int8_t *b1,
             float *c, size_t ldc, const float *xs, const int32_t *zs, const float *ws,
             const int32_t *wsum, const float *bias, rv_act act) {
    __m512i acc[ZR][2];
    const uint8_t *ar[ZR];
    rv_cpu_prefetch_tile(c, ldc, mr);
#pragma GCC unroll 12
    for (int r = 0; r < ZR; r++) {
        ar[r] = qa + (r < mr ? (size_t)r : 0) * kp;
        acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    }
    for (size_t g = 0; g < kp / 4; g++) {
        __m512i w0 = _mm512_load_si512(b0 + g * 64),
                w1 = np > 1 ? _mm512_load_si512(b1 + g * 64) : w0;
#pragma GCC unroll 12
        for (int r = 0; r < ZR; r++) {
            int32_t t;
            memcpy(&t, ar[r] + 4 * g, 4);
            __m512i av = _mm512_set1_epi32(t);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], av, w0);
            if (np > 1) acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], av, w1);
        }
    }
    for (int h = 0; h < np; h++) {
        __m512 w = _mm512_loadu_ps(ws + 16 * h);
        __m512i s = _mm512_loadu_si512(wsum + 16 * h);
        for (int r = 0; r < mr; r++) {
            __m512i i =
                _mm512_sub_epi32(acc[r][h], _mm512_mullo_epi32(_mm512_set1_epi32(zs[r]), s));
            __m512 v =
                _mm512_mul_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(_mm512_set1_ps(xs[r]), w));
            v = finish16(v, bias ? bias + 16 * h : NULL, act);
            _mm512_storeu_ps(c + (size_t)r * ldc + 16 * h, v);
        }
    }
}

static __attribute__((noinline)) void kern1(int mr, const uint8_t *qa, size_t kp, const int8_t *b0,
                                            float *c, size_t ldc, const float *xs,
                                            const int32_t *zs, const float *ws, const int32_t *wsum,
                                            const float *bias, rv_act act) {
    kern(1, mr, qa, kp, b0, b0, c, ldc, xs, zs, ws, wsum, bias, act);
}

static __attribute__((noinline)) void kern2(int mr, const uint8_t *qa, size_t kp, const int8_t *b0,
                                            float *c, size_t ldc, const float *xs,
                                            const int32_t *zs, const float *ws, const int32_t *wsum,
                                            const float *bias, rv_act act) {
    kern(2, mr, qa, kp, b0, b0 + kp * 16, c, ldc, xs, zs, ws, wsum, bias, act);
}

void rv_cpu_vnni512_run_u8(const rv_cpu_gemm_job *J) {
    const rv_cpu_wpack *W = J->w;
    size_t k = W->k, kp = W->kp;
    uint8_t *qa = (uint8_t *)(((uintptr_t)J->scratch + 63) & ~(uintptr_t)63);
    float *xs = (float *)(void *)(qa + (MC * kp + 63) / 64 * 64);
    int32_t *zs = (int32_t *)(void *)(xs + MC);
    for (size_t ic = 0; ic < J->m; ic += MC) {
        size_t mc = J->m - ic < MC ? J->m - ic : MC;
        for (size_t r = 0; r < mc; r++)
            rv_cpu_avx2_quant_row_u8(J->x + (ic + r) * J->ldx, W->colinv, k, kp, qa + r * kp,
                                     &xs[r], &zs[r]);
        for (size_t j = J->p0; j < J->p1;) {
            const int8_t *bq = (const int8_t *)W->data + j * kp * 16;
            size_t col0 = j * 16, ncols = W->n - col0 < 16 ? W->n - col0 : 16;
            int np = j + 1 < J->p1 && W->n - col0 >= 32 ? 2 : 1, edge = ncols < 16;
            /* the zero-padded last panel: bias padded once, tiles via a copy */
            float bb[16] = {0}, tile[ZR * 16];
            const float *tb = J->bias ? J->bias + col0 : NULL;
            if (edge && tb) {
                memcpy(bb, tb, ncols * sizeof *bb);
                tb = bb;
            }
            for (size_t ir = 0; ir < mc; ir += ZR) {
                int mr = (int)(mc - ir < ZR ? mc - ir : ZR);
                float *c = J->out + (ic + ir) * J->ldo + col0, *dst = edge ? tile : c;
                size_t ldd = edge ? 16 : J->ldo;
                if (np == 2)
                    kern2(mr, qa + ir * kp, kp, bq, dst, ldd, xs + ir, zs + ir, W->scale + col0,
                          W->qsum + col0, tb, J->act);
                else
                    kern1(mr, qa + ir * kp, kp, bq, dst, ldd, xs + ir, zs + ir, W->scale + col0,
                          W->qsum + col0, tb, J->act);
                for (int r = 0; edge && r < mr; r++)
                    memcpy(c + (size_t)r * J->ldo, tile + r * 16, ncols * sizeof *c);
            }
            j += (size_t)np;
        }
    }
}
#endif
