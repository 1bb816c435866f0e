/* AVX2 GEMM over the integer weight formats (q8, q7, q8u; see
 * cpu_linear.h), reached from cpu_linear_avx2.c's run after its cpuid check.
 * Each runs a tile of int32 accumulators (6x16, 4x16 for q7's quads) over a
 * block of activation rows quantized into the job's scratch; dequantization,
 * bias and GELU are fused into the tile's store.
 *  - q8: int16 activations x int8 weights widened on load, in vpmaddwd.
 *  - q7: u8 activations x 7-bit weights in vpmaddubsw, whose int16 pair sums
 *    vpmaddwd against ones widens; the zero point comes off in the store.
 *    Packed for quads (the usual case), two groups' pair sums add in int16
 *    first (kern_q7x).
 *  - q8u runs on q7's pair kernel: int8 weights, whose pairs the packer
 *    keeps within int16, so its sums are exact too.
 * The kernels are not inlined into run_int: one body with all three spills
 * accumulators. */
#include "driver/cpu/cpu_linear.h"

#if defined(__x86_64__) || defined(__i386__)
#include "driver/cpu/cpu_avx2_math.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

enum { MC = RV_CPU_MC, QMR = 6 };

/* A tile's six activation rows (rows past mr repeat row 0; their results
 * are not stored) and its twelve int32 accumulators, named rather than an
 * array so GCC keeps them in registers; also asks for its output lines. */
#define TILE_SETUP(T)                                                                              \
    const T *a0 = qa, *a1 = qa + (mr > 1 ? kp : 0), *a2 = qa + (mr > 2 ? 2 * kp : 0),              \
            *a3 = qa + (mr > 3 ? 3 * kp : 0), *a4 = qa + (mr > 4 ? 4 * kp : 0),                    \
            *a5 = qa + (mr > 5 ? 5 * kp : 0);                                                      \
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,   \
            c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;                      \
    rv_cpu_prefetch_tile(c, ldc, mr)
/* ROW(row, accumulator for columns 0-7, for columns 8-15) on each row. */
#define TILE_ROWS(ROW)                                                                             \
    ROW(a0, c00, c01)                                                                              \
    ROW(a1, c10, c11) ROW(a2, c20, c21) ROW(a3, c30, c31) ROW(a4, c40, c41) ROW(a5, c50, c51)
#define TILE_ACC                                                                                   \
    {                                                                                              \
        {c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {                              \
            c50, c51                                                                               \
        }                                                                                          \
    }

/* Stores rows [0, mr) of a tile: (acc - zero[r] * wsum) * xs[r] * ws, plus
 * bias, act. wsum / zero NULL: no zero point (q8). */
static inline __attribute__((always_inline)) void
store_tile(const __m256i acc[][2], int mr, float *c, size_t ldc, const float *xs, const int32_t *zs,
           const float *ws, const int32_t *wsum, const float *bias, rv_act act) {
    __m256 w0 = _mm256_loadu_ps(ws), w1 = _mm256_loadu_ps(ws + 8);
    __m256i s0 = _mm256_setzero_si256(), s1 = s0;
    if (wsum) {
        s0 = _mm256_loadu_si256((const __m256i *)(const void *)wsum);
        s1 = _mm256_loadu_si256((const __m256i *)(const void *)(wsum + 8));
    }
    for (int r = 0; r < mr; r++) {
        __m256 sc = _mm256_set1_ps(xs[r]);
        __m256i i0 = acc[r][0], i1 = acc[r][1];
        if (wsum) {
            __m256i z = _mm256_set1_epi32(zs[r]);
            i0 = _mm256_sub_epi32(i0, _mm256_mullo_epi32(z, s0));
            i1 = _mm256_sub_epi32(i1, _mm256_mullo_epi32(z, s1));
        }
        __m256 v0 = _mm256_mul_ps(_mm256_cvtepi32_ps(i0), _mm256_mul_ps(sc, w0));
        __m256 v1 = _mm256_mul_ps(_mm256_cvtepi32_ps(i1), _mm256_mul_ps(sc, w1));
        _mm256_storeu_ps(c + (size_t)r * ldc, finish8(v0, bias, act));
        _mm256_storeu_ps(c + (size_t)r * ldc + 8, finish8(v1, bias ? bias + 8 : NULL, act));
    }
}

/* Same arithmetic as rv_cpu_quant_row_s16 (max |x|, x * inv rounded to
 * nearest even, clamped), eight lanes at a time. */
static void quant_row_s16(const float *x, size_t k, size_t kp, int16_t *q, float *scale,
                          int32_t amax) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 vmx = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= k; i += 8)
        vmx = _mm256_max_ps(vmx, _mm256_and_ps(_mm256_loadu_ps(x + i), absmask));
    float mx = hmax8(vmx);
    for (; i < k; i++)
        mx = fmaxf(mx, fabsf(x[i]));
    float s = mx > 0.0f ? mx / (float)amax : 1.0f, inv = 1.0f / s;
    __m256 vinv = _mm256_set1_ps(inv);
    __m256i hi = _mm256_set1_epi32(amax), lo = _mm256_set1_epi32(-amax);
    for (i = 0; i + 16 <= k; i += 16) {
        __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
        __m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i + 8), vinv));
        a = _mm256_max_epi32(_mm256_min_epi32(a, hi), lo);
        b = _mm256_max_epi32(_mm256_min_epi32(b, hi), lo);
        /* packs works within 128-bit lanes: restore the order with a permute */
        __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xd8);
        _mm256_storeu_si256((__m256i *)(void *)(q + i), p);
    }
    for (; i < k; i++) {
        int32_t v = _mm_cvtss_si32(_mm_set_ss(x[i] * inv));
        q[i] = (int16_t)(v > amax ? amax : v < -amax ? -amax : v);
    }
    for (i = k; i < kp; i++)
        q[i] = 0;
    *scale = s;
}

/* out[mr, 16] = dequant(qa[mr, kp] . qb panel) + bias, act (mr <= 6): per
 * k pair, the 32 weight bytes (16 columns x 2) widen to two int16 vectors
 * and meet each row's broadcast activation pair in vpmaddwd. */
static __attribute__((noinline)) void kern_q8(int mr, const int16_t *qa, size_t kp,
                                              const int8_t *bq, float *c, size_t ldc,
                                              const float *xs, const float *ws, const float *bias,
                                              rv_act act) {
    TILE_SETUP(int16_t);
    for (size_t g = 0; g < kp / 2; g++) {
        __m256i b0 =
            _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(const void *)(bq + g * 32)));
        __m256i b1 =
            _mm256_cvtepi8_epi16(_mm_load_si128((const __m128i *)(const void *)(bq + g * 32 + 16)));
        int32_t t;
#define Q8_ROW(A, C0, C1)                                                                          \
    memcpy(&t, A + 2 * g, 4);                                                                      \
    {                                                                                              \
        __m256i av = _mm256_set1_epi32(t);                                                         \
        C0 = _mm256_add_epi32(C0, _mm256_madd_epi16(av, b0));                                      \
        C1 = _mm256_add_epi32(C1, _mm256_madd_epi16(av, b1));                                      \
    }
        TILE_ROWS(Q8_ROW)
#undef Q8_ROW
    }
    __m256i acc[QMR][2] = TILE_ACC;
    store_tile(acc, mr, c, ldc, xs, NULL, ws, NULL, bias, act);
}

/* x[i..i+8) times the column factors, if any. */
static inline __m256 load_cols(const float *x, const float *colinv, size_t i) {
    __m256 v = _mm256_loadu_ps(x + i);
    return colinv ? _mm256_mul_ps(v, _mm256_loadu_ps(colinv + i)) : v;
}

/* Same arithmetic as rv_cpu_quant_row_u8 (range, y * inv rounded to
 * nearest even, plus the zero point, clamped), 32 values at a time. */
static void quant_row_u8(const float *x, const float *colinv, size_t k, size_t kp, uint8_t *q,
                         float *scale, int32_t *zero) {
    __m256 vlo = _mm256_setzero_ps(), vhi = vlo;
    size_t i = 0;
    for (; i + 8 <= k; i += 8) { /* min/max return the second operand on NaN */
        __m256 v = load_cols(x, colinv, i);
        vlo = _mm256_min_ps(v, vlo);
        vhi = _mm256_max_ps(v, vhi);
    }
    float lo = -hmax8(_mm256_sub_ps(_mm256_setzero_ps(), vlo)), hi = hmax8(vhi);
    for (; i < k; i++) {
        float y = colinv ? x[i] * colinv[i] : x[i];
        lo = y < lo ? y : lo;
        hi = y > hi ? y : hi;
    }
    float s = hi - lo > 1e-30f ? (hi - lo) / 255.0f : 1.0f, inv = 1.0f / s;
    int32_t z = _mm_cvtss_si32(_mm_set_ss(-lo * inv));
    z = z < 0 ? 0 : z > 255 ? 255 : z;
    const __m256 vinv = _mm256_set1_ps(inv);
    const __m256i vz = _mm256_set1_epi32(z), order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
#define QV(o)                                                                                      \
    _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(load_cols(x, colinv, i + o), vinv)), vz)
    for (i = 0; i + 32 <= k; i += 32) {
        /* packs / packus saturate (to [0, 255] in the end) but work within
         * 128-bit lanes: a permute restores the order */
        __m256i ab = _mm256_packs_epi32(QV(0), QV(8)), cd = _mm256_packs_epi32(QV(16), QV(24));
        __m256i p = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order);
        _mm256_storeu_si256((__m256i *)(void *)(q + i), p);
    }
#undef QV
    for (; i < k; i++) {
        float y = colinv ? x[i] * colinv[i] : x[i];
        int32_t v = _mm_cvtss_si32(_mm_set_ss(y * inv)) + z;
        q[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    for (i = k; i < kp; i++)
        q[i] = 0;
    *scale = s;
    *zero = z;
}

/* out[mr, 16] = dequant(qa[mr, kp] . qb panel) + bias, act (mr <= 6): per
 * 4 k steps, each row's 4 activation bytes are broadcast and meet the 64
 * weight bytes (16 columns x 4) in vpmaddubsw, whose int16 pair sums
 * vpmaddwd against ones widens into the int32 accumulators. */
static __attribute__((noinline)) void kern_q7(int mr, const uint8_t *qa, size_t kp,
                                              const int8_t *bq, float *c, size_t ldc,
                                              const float *xs, const int32_t *zs, const float *ws,
                                              const int32_t *wsum, const float *bias, rv_act act) {
    TILE_SETUP(uint8_t);
    const __m256i ones = _mm256_set1_epi16(1);
    for (size_t g = 0; g < kp / 4; g++) {
        __m256i b0 = _mm256_load_si256((const __m256i *)(const void *)(bq + g * 64));
        __m256i b1 = _mm256_load_si256((const __m256i *)(const void *)(bq + g * 64 + 32));
        int32_t t;
#define Q7_ROW(A, C0, C1)                                                                          \
    memcpy(&t, A + 4 * g, 4);                                                                      \
    {                                                                                              \
        __m256i av = _mm256_set1_epi32(t);                                                         \
        C0 = _mm256_add_epi32(C0, _mm256_madd_epi16(_mm256_maddubs_epi16(av, b0), ones));          \
        C1 = _mm256_add_epi32(C1, _mm256_madd_epi16(_mm256_maddubs_epi16(av, b1), ones));          \
    }
        TILE_ROWS(Q7_ROW)
#undef Q7_ROW
    }
    __m256i acc[QMR][2] = TILE_ACC;
    store_tile(acc, mr, c, ldc, xs, zs, ws, wsum, bias, act);
}

/* q7 over 8 k steps at a time on a 4x16 tile: the two groups' vpmaddubsw
 * pair sums of each column add into quads in int16 (vpaddw, off the
 * multiply pipes) before one vpmaddwd widens them: three multiplies per 8 k
 * steps and 8 columns where kern_q7 takes four. The packer keeps each
 * quad's positive and negative weights to at most RV_CPU_I16_SUM in sum, so
 * a quad of u8 activations stays within int16 and the sums are exact. Four
 * rows, not six: the eight accumulators, four weight vectors and the
 * temporaries then fit the sixteen registers. */
enum { QXR = 4 };
static __attribute__((noinline)) void kern_q7x(int mr, const uint8_t *qa, size_t kp,
                                               const int8_t *bq, float *c, size_t ldc,
                                               const float *xs, const int32_t *zs, const float *ws,
                                               const int32_t *wsum, const float *bias, rv_act act) {
    const uint8_t *a0 = qa, *a1 = qa + (mr > 1 ? kp : 0), *a2 = qa + (mr > 2 ? 2 * kp : 0),
                  *a3 = qa + (mr > 3 ? 3 * kp : 0);
    rv_cpu_prefetch_tile(c, ldc, mr);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
            c30 = c00, c31 = c00;
    for (size_t g = 0; g < kp / 8; g++) {
        const int8_t *b = bq + g * 128;
        __m256i b0 = _mm256_load_si256((const __m256i *)(const void *)b);
        __m256i b1 = _mm256_load_si256((const __m256i *)(const void *)(b + 32));
        __m256i b2 = _mm256_load_si256((const __m256i *)(const void *)(b + 64));
        __m256i b3 = _mm256_load_si256((const __m256i *)(const void *)(b + 96));
        int32_t t0, t1;
#define Q7X_ROW(A, C0, C1)                                                                         \
    memcpy(&t0, A + 8 * g, 4);                                                                     \
    memcpy(&t1, A + 8 * g + 4, 4);                                                                 \
    {                                                                                              \
        __m256i u = _mm256_set1_epi32(t0), v = _mm256_set1_epi32(t1);                              \
        __m256i s0 = _mm256_add_epi16(_mm256_maddubs_epi16(u, b0), _mm256_maddubs_epi16(v, b2));   \
        __m256i s1 = _mm256_add_epi16(_mm256_maddubs_epi16(u, b1), _mm256_maddubs_epi16(v, b3));   \
        C0 = _mm256_add_epi32(C0, _mm256_madd_epi16(s0, ones));                                    \
        C1 = _mm256_add_epi32(C1, _mm256_madd_epi16(s1, ones));                                    \
    }
        Q7X_ROW(a0, c00, c01) Q7X_ROW(a1, c10, c11) Q7X_ROW(a2, c20, c21) Q7X_ROW(a3, c30, c31)
#undef Q7X_ROW
    }
    const __m256i acc[QXR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
    store_tile(acc, mr, c, ldc, xs, zs, ws, wsum, bias, act);
}

/* One thread's job over q8 or q7 weights: each block of up to MC rows is
 * quantized into the scratch (int16 or u8), then every panel's tiles run
 * over it. */
static void run_int(const rv_cpu_gemm_job *J, int q7) {
    const rv_cpu_wpack *W = J->w;
    size_t k = W->k, kp = W->kp, esz = q7 ? 1 : 2;
    unsigned char *qa = (unsigned char *)(((uintptr_t)J->scratch + 63) & ~(uintptr_t)63);
    float *xs = (float *)(void *)(qa + (MC * kp * esz + 63) / 64 * 64);
    int32_t *zs = (int32_t *)(void *)(xs + MC);
    for (size_t ic = 0; ic < J->m; ic += MC) {
        size_t mc = J->m - ic < MC ? J->m - ic : MC;
        for (size_t r = 0; r < mc; r++) {
            const float *x = J->x + (ic + r) * J->ldx;
            if (q7)
                quant_row_u8(x, W->colinv, k, kp, qa + r * kp, &xs[r], &zs[r]);
            else
                quant_row_s16(x, k, kp, (int16_t *)(void *)qa + r * kp, &xs[r], W->act_max);
        }
        for (size_t j = J->p0; j < J->p1; j++) {
            const int8_t *bq = (const int8_t *)W->data + j * kp * 16;
            size_t col0 = j * 16, ncols = W->n - col0 < 16 ? W->n - col0 : 16;
            /* the zero-padded last panel: bias padded once, tiles via a copy */
            int edge = ncols < 16;
            float bb[16] = {0}, tile[QMR * 16];
            const float *tb = J->bias ? J->bias + col0 : NULL;
            if (edge && tb) {
                memcpy(bb, tb, ncols * sizeof *bb);
                tb = bb;
            }
            size_t th = q7 && W->quads ? QXR : QMR; /* tile height */
            for (size_t ir = 0; ir < mc; ir += th) {
                int mr = (int)(mc - ir < th ? mc - ir : th);
                float *c = J->out + (ic + ir) * J->ldo + col0, *dst = edge ? tile : c;
                size_t ldd = edge ? 16 : J->ldo;
                if (q7 && W->quads)
                    kern_q7x(mr, qa + ir * kp, kp, bq, dst, ldd, xs + ir, zs + ir, W->scale + col0,
                             W->qsum + col0, tb, J->act);
                else if (q7)
                    kern_q7(mr, qa + ir * kp, kp, bq, dst, ldd, xs + ir, zs + ir, W->scale + col0,
                            W->qsum + col0, tb, J->act);
                else
                    kern_q8(mr, (const int16_t *)(const void *)qa + ir * kp, kp, bq, dst, ldd,
                            xs + ir, W->scale + col0, tb, J->act);
                for (int r = 0; edge && r < mr; r++)
                    memcpy(c + (size_t)r * J->ldo, tile + r * 16, ncols * sizeof *c);
            }
        }
    }
}

void rv_cpu_run_u8_tiles(const rv_cpu_gemm_job *J, int th, int max_np, rv_cpu_u8_tile_fn tile) {
    const rv_cpu_wpack *W = J->w;
    size_t k = W->k, kp = W->kp, h = (size_t)th;
    uint8_t *qa = (uint8_t *)(((uintptr_t)J->scratch + 63) & ~(uintptr_t)63);
    float *xs = (float *)(void *)(qa + (MC * kp + 63) / 64 * 64);
    int32_t *zs = (int32_t *)(void *)(xs + MC);
    for (size_t ic = 0; ic < J->m; ic += MC) {
        size_t mc = J->m - ic < MC ? J->m - ic : MC;
        for (size_t r = 0; r < mc; r++)
            quant_row_u8(J->x + (ic + r) * J->ldx, W->colinv, k, kp, qa + r * kp, &xs[r], &zs[r]);
        for (size_t j = J->p0; j < J->p1;) {
            const int8_t *bq = (const int8_t *)W->data + j * kp * 16;
            size_t col0 = j * 16, ncols = W->n - col0 < 16 ? W->n - col0 : 16;
            int np = max_np > 1 && j + 1 < J->p1 && W->n - col0 >= 32 ? 2 : 1, edge = ncols < 16;
            /* the zero-padded last panel: bias padded once, tiles via a copy */
            float bb[16] = {0}, tile_out[16 * 16];
            const float *tb = J->bias ? J->bias + col0 : NULL;
            if (edge && tb) {
                memcpy(bb, tb, ncols * sizeof *bb);
                tb = bb;
            }
            for (size_t ir = 0; ir < mc; ir += h) {
                int mr = (int)(mc - ir < h ? mc - ir : h);
                float *c = J->out + (ic + ir) * J->ldo + col0, *dst = edge ? tile_out : c;
                tile(np, mr, qa + ir * kp, kp, bq, dst, edge ? 16 : J->ldo, xs + ir, zs + ir,
                     W->scale + col0, W->qsum + col0, tb, J->act);
                for (int r = 0; edge && r < mr; r++)
                    memcpy(c + (size_t)r * J->ldo, tile_out + r * 16, ncols * sizeof *c);
            }
            j += (size_t)np;
        }
    }
}

void rv_cpu_avx2_quant_row_u8(const float *x, const float *colinv, size_t k, size_t kp, uint8_t *q,
                              float *scale, int32_t *zero) {
    quant_row_u8(x, colinv, k, kp, q, scale, zero);
}

void rv_cpu_avx2_run_q8(const rv_cpu_gemm_job *J) {
    run_int(J, 0);
}

void rv_cpu_avx2_run_q7(const rv_cpu_gemm_job *J) {
    run_int(J, 1);
}

#endif
