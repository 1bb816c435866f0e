/* AVX2+FMA+F16C GEMM over packed weights (see cpu_linear.h). Compiled with
 * -mavx2 -mfma -mf16c; only reached after a cpuid check.
 *
 * f32/f16: a 6x16 register tile (12 accumulators, 2 weight vectors, one
 * broadcast), the weight panel's k range blocked to stay in L1 while a block
 * of activation rows (up to MC x KC, in L2) streams past it. The rows are
 * read in place: packing them cost up to 12% of a 384-wide product and
 * gained nothing (six row streams are as easy on L1 as one). f16 weights are
 * widened with vcvtph2ps as they are loaded. The integer formats' kernels
 * are in cpu_linear_int_avx2.c. */
#include "driver/cpu/cpu_linear.h"

#if defined(__x86_64__) || defined(__i386__)
#include "driver/cpu/cpu_avx2_math.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define AI static inline __attribute__((always_inline))

enum { MC = RV_CPU_MC, KC_MAX = RV_CPU_KC };

/* c[mr, 16] (+)= a[mr, kc] @ b[kc, 16]; on the last k block, bias + act.
 * a is read in place, row r at a + r * lda: each k step broadcasts one value
 * from each of the mr rows, so the rows stream through L1 side by side. */
AI void kern_f(const int mr, const int f16, const float *a, size_t lda, const void *bp, size_t kc,
               float *c, size_t ldc, int first, int last, const float *bias, rv_act act) {
    __m256 acc[RV_CPU_MR][2];
    if (first) rv_cpu_prefetch_tile(c, ldc, mr);
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) {
        if (first) {
            acc[r][0] = _mm256_setzero_ps();
            acc[r][1] = _mm256_setzero_ps();
        } else {
            acc[r][0] = _mm256_loadu_ps(c + (size_t)r * ldc);
            acc[r][1] = _mm256_loadu_ps(c + (size_t)r * ldc + 8);
        }
    }
    const float *bf = bp;
    const uint16_t *bh = bp;
    for (size_t p = 0; p < kc; p++) {
        __m256 b0, b1;
        if (f16) {
            b0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(bh + p * 16)));
            b1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(bh + p * 16 + 8)));
        } else {
            b0 = _mm256_loadu_ps(bf + p * 16);
            b1 = _mm256_loadu_ps(bf + p * 16 + 8);
        }
#pragma GCC unroll 6
        for (int r = 0; r < mr; r++) {
            __m256 av = _mm256_broadcast_ss(a + (size_t)r * lda + p);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < mr; r++) {
        __m256 v0 = acc[r][0], v1 = acc[r][1];
        if (last) {
            v0 = finish8(v0, bias, act);
            v1 = finish8(v1, bias ? bias + 8 : NULL, act);
        }
        _mm256_storeu_ps(c + (size_t)r * ldc, v0);
        _mm256_storeu_ps(c + (size_t)r * ldc + 8, v1);
    }
}

static void kern_f_any(int mr, int f16, const float *a, size_t lda, const void *bp, size_t kc,
                       float *c, size_t ldc, int first, int last, const float *bias, rv_act act) {
#define KF(M)                                                                                      \
    case M:                                                                                        \
        if (f16)                                                                                   \
            kern_f(M, 1, a, lda, bp, kc, c, ldc, first, last, bias, act);                          \
        else                                                                                       \
            kern_f(M, 0, a, lda, bp, kc, c, ldc, first, last, bias, act);                          \
        break
    switch (mr) {
        KF(1);
        KF(2);
        KF(3);
        KF(4);
        KF(5);
        KF(6);
    default: break;
    }
#undef KF
}

/* A tile of up to 16 rows whose panel is the zero-padded last one: run on
 * a 16-wide copy. */
static void tile_edge(rv_cpu_f_tile_fn tile, int f16, int mr, const float *a, size_t lda,
                      const void *bp, size_t kc, float *c, size_t ldc, size_t ncols, int first,
                      int last, const float *bias, rv_act act) {
    float t[16 * 16], bb[16] = {0};
    for (int r = 0; r < mr; r++)
        for (size_t j = 0; j < 16; j++)
            t[r * 16 + j] = !first && j < ncols ? c[(size_t)r * ldc + j] : 0.0f;
    if (bias) memcpy(bb, bias, ncols * sizeof *bb);
    tile(1, f16, mr, a, lda, bp, 0, kc, t, 16, first, last, bias ? bb : NULL, act);
    for (int r = 0; r < mr; r++)
        memcpy(c + (size_t)r * ldc, t + r * 16, ncols * sizeof *c);
}

void rv_cpu_run_f_tiles(const rv_cpu_gemm_job *J, size_t kc_max, int th, int max_np,
                        rv_cpu_f_tile_fn tile) {
    const rv_cpu_wpack *W = J->w;
    int f16 = W->fmt == RV_WFMT_F16;
    size_t k = W->k, esz = f16 ? 2 : 4, h = (size_t)th;
    size_t nkb = (k + kc_max - 1) / kc_max, kcb = (k + nkb - 1) / nkb;
    for (size_t ic = 0; ic < J->m; ic += MC) {
        size_t mc = J->m - ic < MC ? J->m - ic : MC;
        for (size_t pc = 0; pc < k; pc += kcb) {
            size_t kc = k - pc < kcb ? k - pc : kcb;
            int first = pc == 0, last = pc + kc == k;
            for (size_t j = J->p0; j < J->p1;) {
                const char *bp = (const char *)W->data + (j * k + pc) * 16 * esz;
                size_t col0 = j * 16, ncols = W->n - col0 < 16 ? W->n - col0 : 16;
                int np = max_np > 1 && j + 1 < J->p1 && W->n - col0 >= 32 ? 2 : 1;
                const float *bias = J->bias ? J->bias + col0 : NULL;
                for (size_t ir = 0; ir < mc; ir += h) {
                    int mr = (int)(mc - ir < h ? mc - ir : h);
                    const float *a = J->x + (ic + ir) * J->ldx + pc;
                    float *c = J->out + (ic + ir) * J->ldo + col0;
                    if (ncols == 16)
                        tile(np, f16, mr, a, J->ldx, bp, k * 16 * esz, kc, c, J->ldo, first, last,
                             bias, J->act);
                    else
                        tile_edge(tile, f16, mr, a, J->ldx, bp, kc, c, J->ldo, ncols, first, last,
                                  bias, J->act);
                }
                j += (size_t)np;
            }
        }
    }
}

static void tile_f(int np, int f16, int mr, const float *a, size_t lda, const void *bp,
                   size_t pstride, size_t kc, float *c, size_t ldc, int first, int last,
                   const float *bias, rv_act act) {
    (void)np, (void)pstride; /* one panel a tile */
    kern_f_any(mr, f16, a, lda, bp, kc, c, ldc, first, last, bias, act);
}

/* ---- q8 ---- */

static void avx2_run(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    if (J->w->fmt == RV_WFMT_Q8)
        rv_cpu_avx2_run_q8(J);
    else if (rv_cpu_fmt_u8(J->w->fmt))
        rv_cpu_avx2_run_q7(J);
    else
        rv_cpu_run_f_tiles(J, KC_MAX, RV_CPU_MR, 1, tile_f);
}

/* {sum a, sum b, sum c, sum d} */
AI __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
    __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

AI float hsum1(__m256 a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Plain weight rows x a few activation rows: 4 weight rows by 2 activation
 * rows per step (8 accumulators); the weight rows stay in L1 while every
 * activation row passes them. */
static void avx2_rows(const rv_cpu_rows_job *J) {
    size_t k = J->k, k8 = k / 8 * 8, j = 0;
    for (; j + 4 <= J->nrows; j += 4) {
        const float *w0 = J->w + j * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
        size_t r = 0;
        for (; r + 2 <= J->m; r += 2) {
            const float *x0 = J->x + r * J->ldx, *x1 = x0 + J->ldx;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (size_t p = 0; p < k8; p += 8) {
                __m256 v0 = _mm256_loadu_ps(w0 + p), v1 = _mm256_loadu_ps(w1 + p);
                __m256 v2 = _mm256_loadu_ps(w2 + p), v3 = _mm256_loadu_ps(w3 + p);
                __m256 xa = _mm256_loadu_ps(x0 + p), xb = _mm256_loadu_ps(x1 + p);
                a0 = _mm256_fmadd_ps(v0, xa, a0);
                a1 = _mm256_fmadd_ps(v1, xa, a1);
                a2 = _mm256_fmadd_ps(v2, xa, a2);
                a3 = _mm256_fmadd_ps(v3, xa, a3);
                b0 = _mm256_fmadd_ps(v0, xb, b0);
                b1 = _mm256_fmadd_ps(v1, xb, b1);
                b2 = _mm256_fmadd_ps(v2, xb, b2);
                b3 = _mm256_fmadd_ps(v3, xb, b3);
            }
            float ra[4], rb[4];
            _mm_storeu_ps(ra, hsum4(a0, a1, a2, a3));
            _mm_storeu_ps(rb, hsum4(b0, b1, b2, b3));
            for (size_t p = k8; p < k; p++)
                for (int t = 0; t < 4; t++) {
                    ra[t] += x0[p] * w0[(size_t)t * k + p];
                    rb[t] += x1[p] * w0[(size_t)t * k + p];
                }
            memcpy(J->out + r * J->ldo + j, ra, sizeof ra);
            memcpy(J->out + (r + 1) * J->ldo + j, rb, sizeof rb);
        }
        for (; r < J->m; r++) {
            const float *x0 = J->x + r * J->ldx;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (size_t p = 0; p < k8; p += 8) {
                __m256 xa = _mm256_loadu_ps(x0 + p);
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + p), xa, a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + p), xa, a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + p), xa, a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + p), xa, a3);
            }
            float ra[4];
            _mm_storeu_ps(ra, hsum4(a0, a1, a2, a3));
            for (size_t p = k8; p < k; p++)
                for (int t = 0; t < 4; t++)
                    ra[t] += x0[p] * w0[(size_t)t * k + p];
            memcpy(J->out + r * J->ldo + j, ra, sizeof ra);
        }
    }
    for (; j < J->nrows; j++) {
        const float *w0 = J->w + j * k;
        for (size_t r = 0; r < J->m; r++) {
            const float *x0 = J->x + r * J->ldx;
            __m256 a0 = _mm256_setzero_ps();
            for (size_t p = 0; p < k8; p += 8)
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + p), _mm256_loadu_ps(x0 + p), a0);
            float v = hsum1(a0);
            for (size_t p = k8; p < k; p++)
                v += x0[p] * w0[p];
            J->out[r * J->ldo + j] = v;
        }
    }
}

const rv_cpu_linear_kernels rv_cpu_linear_avx2 = {
    .name = "avx2", .run = avx2_run, .rows = avx2_rows};
#endif
