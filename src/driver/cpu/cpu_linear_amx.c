/* AMX GEMM over the u8-activation formats (q7, q7f, q8u; see cpu_linear.h).
 * Their panels already are TDPBUSD's B operand: per group of 4 k steps, 16
 * columns x 4 bytes, so 16 groups (64 k steps) of a panel are one tile of
 * 16 rows x 64 bytes, read in place. A tile of 16 quantized activation rows
 * by 64 k steps (the scratch rows, kp bytes apart) is the A operand. Each
 * call covers 16 rows by one or two panels: two int32 accumulator tiles,
 * summed exactly (u8 x s8 products, four at a time, into int32), as
 * avx512vnni does. The k steps past the last multiple of 64 are added with
 * vpdpbusd after the tiles are stored, and the store is that of the VNNI
 * kernel, so both give the same floats. bf16 panels are TDPBF16PS's B
 * operand in the same way (pairs of k, 32 k steps a tile). fp32/fp16/q8
 * run as avx512vnni.
 *
 * Tile state is per thread: each job loads the configuration and releases
 * the tiles when it is done. Compiled with the AVX-512 and AMX flags; only
 * reached after rv_cpu_has_amx(), which asked Linux for the permission. */
#include "driver/cpu/cpu_linear.h"

#if defined(__x86_64__)
#include "driver/cpu/cpu_avx512_math.h"

#include <immintrin.h>
#include <string.h>

enum { TR = 16, TK = 64 }; /* tile rows, bytes per tile row */

/* The configuration of palette 1: tiles 0-1 int32 accumulators, 2 the
 * activations, 4-5 the weights; all 16 rows of 64 bytes. */
typedef struct __attribute__((packed, aligned(64))) tile_cfg {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_cfg;

static void tiles_config(void) {
    tile_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    static const int used[] = {0, 1, 2, 4, 5};
    for (size_t i = 0; i < sizeof used / sizeof *used; i++) {
        cfg.colsb[used[i]] = TK;
        cfg.rows[used[i]] = TR;
    }
    _tile_loadconfig(&cfg);
}

/* out[mr, 16 np] = ((qa . bq) - zero * wsum) * xs * ws + bias, act. The A
 * tile always reads 16 rows: rows past mr lie inside the scratch's row
 * block (RV_CPU_MC is a multiple of 16) and their sums are not stored. */
static void tile(int np, int mr, const uint8_t *qa, size_t kp, const int8_t *bq, float *c,
                 size_t ldc, const float *xs, const int32_t *zs, const float *ws,
                 const int32_t *wsum, const float *bias, rv_act act) {
    int32_t acc[TR][32] __attribute__((aligned(64)));
    const int8_t *b1 = bq + kp * RV_CPU_NR;
    size_t kt = kp / TK * TK;
    rv_cpu_prefetch_tile(c, ldc, mr);
    _tile_zero(0);
    _tile_zero(1);
    for (size_t p = 0; p < kt; p += TK) {
        _tile_loadd(2, qa + p, (long)kp);
        _tile_loadd(4, bq + p * RV_CPU_NR, TK);
        _tile_dpbusd(0, 2, 4);
        if (np > 1) {
            _tile_loadd(5, b1 + p * RV_CPU_NR, TK);
            _tile_dpbusd(1, 2, 5);
        }
    }
    _tile_stored(0, acc, (long)sizeof acc[0]);
    _tile_stored(1, &acc[0][16], (long)sizeof acc[0]);
    for (int h = 0; h < np; h++) {
        const int8_t *b = h ? b1 : bq;
        __m512 w = _mm512_loadu_ps(ws + 16 * h);
        __m512i s = _mm512_loadu_si512(wsum + 16 * h);
        for (int r = 0; r < mr; r++) {
            __m512i i = _mm512_load_si512(&acc[r][16 * h]);
            for (size_t g = kt / 4; g < kp / 4; g++) { /* the k tail, 4 steps at a time */
                int32_t t;
                memcpy(&t, qa + (size_t)r * kp + 4 * g, 4);
                i = _mm512_dpbusd_epi32(i, _mm512_set1_epi32(t), _mm512_load_si512(b + g * 64));
            }
            i = _mm512_sub_epi32(i, _mm512_mullo_epi32(_mm512_set1_epi32(zs[r]), s));
            __m512 v =
                _mm512_mul_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(_mm512_set1_ps(xs[r]), w));
            v = finish16(v, bias ? bias + 16 * h : NULL, act);
            _mm512_storeu_ps(c + (size_t)r * ldc + 16 * h, v);
        }
    }
}

/* The bf16 tile (TDPBF16PS): 32 k steps per tile, pairs as in the panels;
 * the k steps past the last multiple of 32 are added by vdpbf16ps. */
static void tile_bf16(int np, int mr, const uint16_t *qa, size_t kp, const uint16_t *bp, float *c,
                      size_t ldc, const float *bias, rv_act act) {
    float acc[TR][32] __attribute__((aligned(64)));
    const uint16_t *b1 = bp + kp * RV_CPU_NR;
    size_t kt = kp / 32 * 32;
    rv_cpu_prefetch_tile(c, ldc, mr);
    _tile_zero(0);
    _tile_zero(1);
    for (size_t p = 0; p < kt; p += 32) {
        _tile_loadd(2, qa + p, (long)(kp * 2));
        _tile_loadd(4, bp + p * RV_CPU_NR, TK);
        _tile_dpbf16ps(0, 2, 4);
        if (np > 1) {
            _tile_loadd(5, b1 + p * RV_CPU_NR, TK);
            _tile_dpbf16ps(1, 2, 5);
        }
    }
    _tile_stored(0, acc, (long)sizeof acc[0]);
    _tile_stored(1, &acc[0][16], (long)sizeof acc[0]);
    for (int h = 0; h < np; h++) {
        const uint16_t *b = h ? b1 : bp;
        for (int r = 0; r < mr; r++) {
            __m512 v = _mm512_load_ps(&acc[r][16 * h]);
            for (size_t g = kt / 2; g < kp / 2; g++) { /* the k tail, a pair at a time */
                int32_t t;
                memcpy(&t, qa + (size_t)r * kp + 2 * g, 4);
                v = _mm512_dpbf16_ps(v, (__m512bh)_mm512_set1_epi32(t),
                                     (__m512bh)_mm512_load_si512(b + g * 32));
            }
            _mm512_storeu_ps(c + (size_t)r * ldc + 16 * h,
                             finish16(v, bias ? bias + 16 * h : NULL, act));
        }
    }
}

static void amx_run_bf16(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    tiles_config();
    rv_cpu_run_bf16_tiles(J, TR, 2, tile_bf16, rv_cpu_avx512_round_bf16);
    _tile_release();
}

static void amx_run(const rv_cpu_gemm_job *J) {
    if (J->m == 0 || J->p0 >= J->p1) return;
    if (!rv_cpu_fmt_u8(J->w->fmt)) {
        rv_cpu_linear_avx512_vnni.run(J);
        return;
    }
    tiles_config();
    rv_cpu_run_u8_tiles(J, TR, 2, tile);
    _tile_release();
}

static void amx_rows(const rv_cpu_rows_job *J) {
    rv_cpu_linear_avx512_vnni.rows(J);
}

const rv_cpu_linear_kernels rv_cpu_linear_amx = {
    .name = "amx", .run = amx_run, .rows = amx_rows, .run_bf16 = amx_run_bf16};
#endif
