/* AVX-512F GEMM over packed f32/f16 weights (see cpu_linear.h). Compiled
 * with the AVX-512 flags; only reached after a cpuid check.
 *
 * A 12x32 register tile: two weight panels side by side (24 zmm
 * accumulators, two weight vectors, one broadcast of the 32 registers),
 * the k range blocked so both panels' slices stay in L1 while a block of
 * activation rows streams past them, read in place as in the AVX2 kernel.
 * Rows past the tile's height repeat its first row and are not stored, so
 * one body serves every height. The integer formats go to the VNNI kernels
 * (cpu_linear_int_vnni.c) when the family has them, else to AVX2's. */
#include "driver/cpu/cpu_linear.h"

#if defined(__x86_64__) || defined(__i386__)
#include "driver/cpu/cpu_avx512_math.h"

#include <immintrin.h>
#include <string.h>

#define AI static inline __attribute__((always_inline))

enum { KC_MAX = 256, ZMR = 12 };

AI __m512 load_w(const void *bp, size_t i, int f16) {
    if (f16) return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)bp + i));
    return _mm512_loadu_ps((const float *)bp + i * 16);
}

/* c[mr, 16 np] (+)= a[mr, kc] @ (b0 | b1)[kc, 16 each]; on the last k
 * block, bias + act. np is 1 or 2 (b1 unused for 1). */
AI void kern(const int np, const int f16, int mr, const float *a, size_t lda, const void *b0,
             const void *b1, size_t kc, float *c, size_t ldc, int first, int last,
             const float *bias, rv_act act) {
    __m512 acc[ZMR][2];
    const float *ar[ZMR];
    if (first) rv_cpu_prefetch_tile(c, ldc, mr);
#pragma GCC unroll 12
    for (int r = 0; r < ZMR; r++) {
        size_t rr = r < mr ? (size_t)r : 0;
        ar[r] = a + rr * lda;
        for (int h = 0; h < np; h++)
            acc[r][h] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + rr * ldc + 16 * h);
    }
    for (size_t p = 0; p < kc; p++) {
        __m512 w0 = load_w(b0, p, f16), w1 = np > 1 ? load_w(b1, p, f16) : w0;
#pragma GCC unroll 12
        for (int r = 0; r < ZMR; r++) {
            __m512 av = _mm512_set1_ps(ar[r][p]);
            acc[r][0] = _mm512_fmadd_ps(av, w0, acc[r][0]);
            if (np > 1) acc[r][1] = _mm512_fmadd_ps(av, w1, acc[r][1]);
        }
    }
    for (int r = 0; r < mr; r++)
        for (int h = 0; h < np; h++) {
            __m512 v = acc[r][h];
            if (last) v = finish16(v, bias ? bias + 16 * h : NULL, act);
            _mm512_storeu_ps(c + (size_t)r * ldc + 16 * h, v);
        }
}

static void tile(int np, int f16, int mr, const float *a, size_t lda, const void *bp,
                 size_t pstride, size_t kc, float *c, size_t ldc, int first, int last,
                 const float *bias, rv_act act) {
    const void *b1 = (const char *)bp + (np == 2 ? pstride : 0);
    if (np == 2 && f16)
        kern(2, 1, mr, a, lda, bp, b1, kc, c, ldc, first, last, bias, act);
    else if (np == 2)
        kern(2, 0, mr, a, lda, bp, b1, kc, c, ldc, first, last, bias, act);
    else if (f16)
        kern(1, 1, mr, a, lda, bp, b1, kc, c, ldc, first, last, bias, act);
    else
        kern(1, 0, mr, a, lda, bp, b1, kc, c, ldc, first, last, bias, act);
}

static void avx512_run(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    if (J->w->fmt == RV_WFMT_F32 || J->w->fmt == RV_WFMT_F16)
        rv_cpu_run_f_tiles(J, KC_MAX, ZMR, 2, tile);
    else
        rv_cpu_linear_avx2.run(J);
}

static void avx512_vnni_run(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    if (rv_cpu_fmt_u8(J->w->fmt))
        rv_cpu_vnni512_run_u8(J);
    else
        avx512_run(J);
}

/* Plain weight rows x a few activation rows (a query): 4 weight rows by 2
 * activation rows per step, as the AVX2 kernel, 16 lanes wide. */
static void avx512_rows(const rv_cpu_rows_job *J) {
    size_t k = J->k, k16 = k / 16 * 16, j = 0;
    __mmask16 tail = (__mmask16)((1u << (k - k16)) - 1);
    for (; j + 4 <= J->nrows; j += 4) {
        const float *w0 = J->w + j * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
        for (size_t r = 0; r < J->m; r += 2) {
            const float *x0 = J->x + r * J->ldx, *x1 = r + 1 < J->m ? x0 + J->ldx : x0;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            __m512 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (size_t p = 0; p < k; p += 16) {
                __mmask16 m = p < k16 ? (__mmask16)0xffff : tail;
                __m512 v0 = _mm512_maskz_loadu_ps(m, w0 + p), v1 = _mm512_maskz_loadu_ps(m, w1 + p);
                __m512 v2 = _mm512_maskz_loadu_ps(m, w2 + p), v3 = _mm512_maskz_loadu_ps(m, w3 + p);
                __m512 xa = _mm512_maskz_loadu_ps(m, x0 + p), xb = _mm512_maskz_loadu_ps(m, x1 + p);
                a0 = _mm512_fmadd_ps(v0, xa, a0);
                a1 = _mm512_fmadd_ps(v1, xa, a1);
                a2 = _mm512_fmadd_ps(v2, xa, a2);
                a3 = _mm512_fmadd_ps(v3, xa, a3);
                b0 = _mm512_fmadd_ps(v0, xb, b0);
                b1 = _mm512_fmadd_ps(v1, xb, b1);
                b2 = _mm512_fmadd_ps(v2, xb, b2);
                b3 = _mm512_fmadd_ps(v3, xb, b3);
            }
            float *o = J->out + r * J->ldo + j;
            o[0] = _mm512_reduce_add_ps(a0), o[1] = _mm512_reduce_add_ps(a1);
            o[2] = _mm512_reduce_add_ps(a2), o[3] = _mm512_reduce_add_ps(a3);
            if (r + 1 < J->m) {
                o += J->ldo;
                o[0] = _mm512_reduce_add_ps(b0), o[1] = _mm512_reduce_add_ps(b1);
                o[2] = _mm512_reduce_add_ps(b2), o[3] = _mm512_reduce_add_ps(b3);
            }
        }
    }
    for (; j < J->nrows; j++) {
        const float *w0 = J->w + j * k;
        for (size_t r = 0; r < J->m; r++) {
            const float *x0 = J->x + r * J->ldx;
            __m512 a0 = _mm512_setzero_ps();
            for (size_t p = 0; p < k; p += 16) {
                __mmask16 m = p < k16 ? (__mmask16)0xffff : tail;
                a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w0 + p),
                                     _mm512_maskz_loadu_ps(m, x0 + p), a0);
            }
            J->out[r * J->ldo + j] = _mm512_reduce_add_ps(a0);
        }
    }
}

const rv_cpu_linear_kernels rv_cpu_linear_avx512 = {
    .name = "avx512", .run = avx512_run, .rows = avx512_rows};
const rv_cpu_linear_kernels rv_cpu_linear_avx512_vnni = {
    .name = "avx512vnni", .run = avx512_vnni_run, .rows = avx512_rows};
const rv_cpu_linear_kernels rv_cpu_linear_avx512_vnni_bf16 = {.name = "avx512vnni",
                                                              .run = avx512_vnni_run,
                                                              .rows = avx512_rows,
                                                              .run_bf16 = rv_cpu_avx512bf16_run};
#endif
