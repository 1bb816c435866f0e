/*
 * driver/cpu/cpu_linear.h — packed linear-layer weights and the GEMM kernels
 * that read them (out = act(x @ w^T + bias)), in a portable C flavour
 * (cpu_linear.c) and an AVX2+FMA+F16C one (cpu_linear_avx2.c).
 *
 *   rv_cpu_wpack *w;  rv_cpu_wpack_create(&w, host_w, n, k, RV_WFMT_F32);
 *   const rv_cpu_linear_kernels *lk = rv_cpu_linear_kernels_best();
 *   lk->f32(&(rv_cpu_gemm_job){...});           // one thread's rows / panels
 *   rv_cpu_wpack_free(w);
 *
 * Layout. Output columns come in panels of RV_CPU_NR (16); the last panel is
 * zero-padded. For f32/f16, panel j holds w[16j + c, p] at [j][p][c] (k rows
 * of 16 values), so the micro-kernel reads 16 consecutive values per k step.
 * The two integer formats keep one scale per output row and pad k to a
 * multiple of `step`: panel j holds q[16j + c, p] at [j][p / step][c][p %
 * step]. AVX2 without VNNI has no int8 dot product without an int16 step,
 * which bounds the formats:
 *  - q8 (step 2): weights rounded to int8 (|q| <= 127), activations per row
 *    to symmetric int16 (|q| <= rv_cpu_q8_act_max(k), so the int32 sums
 *    cannot overflow); the kernel widens the weights to int16 as it loads
 *    them and multiplies in vpmaddwd.
 *  - q7 (step 4): weights rounded to 7 bits (|q| <= 63), activations per row
 *    to u8 with a zero point (x ~= scale * (q - zero)); the kernel uses
 *    vpmaddubsw (u8 x s8, pairs summed into int16, which 2 * 255 * 63 <
 *    32767 keeps from saturating) and widens the pairs with vpmaddwd against
 *    ones: twice the multiplies per instruction of q8, at 8-bit activations.
 *    The zero point comes off in the tile's store as zero * (the row's sum
 *    of q). Optional per-input-column factors f (SmoothQuant) move range
 *    from activations to weights: the weights are packed as w[:, c] * f[c]
 *    and activation column c is divided by f[c] before it is quantized.
 *  - q7f (step 4, k padded to 8): q7 fitted to quads, so the AVX2 kernel
 *    can add two groups' pair sums in int16 before it widens them, a
 *    quarter fewer multiplies. A quad (k offsets {0, 1, 4, 5} or {2, 3, 6,
 *    7} of a block of 8) stays within int16 against any u8 activations if
 *    its positive codes, and its negative ones, sum to at most
 *    RV_CPU_I16_SUM (255 * 128 <= 32767); the packer lowers those of a quad
 *    past it, a step at a time in turn. On bell-shaped weights that is a
 *    few quads in a thousand (on the model's, 0.1-0.2% of them and about
 *    1e-4 of the codes' energy); where it would change more than
 *    RV_CPU_Q7_CUT of the energy (flat weights) the weights are packed as
 *    they come, as q7, and run on pairs (`quads` 0).
 *  - bf16 (step 2): weights rounded to bfloat16 (to nearest even), in
 *    pairs of k: panel j holds w[16j + c, p] at [j][p / 2][c][p % 2], the
 *    operand of vdpbf16ps and of an AMX tile (TDPBF16PS); activations are
 *    rounded the same way per block of rows, products summed in fp32.
 *  - q8u (step 4): q7 with int8 weights (|q| <= 127), run by the q7
 *    kernel. A pair of int8 weights could take vpmaddubsw's pair sum past
 *    int16, so the packer fits q8u's pairs (k offsets {2i, 2i + 1}) as
 *    q7f's quads, to RV_CPU_I16_SUM: two weights of one sign both past
 *    about half the row's largest, a few pairs in ten thousand of a BERT
 *    layer. Where that would change more than RV_CPU_Q7_CUT of the
 *    energy (flat weights) the codes are 7-bit instead, as q7's.
 * So every sum of u8 x s8 products is exact in int32, in every kernel
 * family: pairs in int16 (AVX2, NEON), four at once (VNNI, sdot) or one
 * at a time (portable) compute one function, and the families of one
 * precision differ only by float rounding outside the integer sums.
 *
 * An eagerly packed buffer is one allocation (header first). A wrapped one
 * (rv_cpu_wpack_wrap, f32 only) starts as a header over the caller's rows
 * (e.g. the mapped weights file): short batches read those rows directly
 * (the `rows` kernel: for a few activation rows the product is bound by
 * reading the weights, whatever their layout), and the panels are packed on
 * the first call that wants them (rv_cpu_wpack_ensure), once, under a lock.
 * Free either kind with rv_cpu_wpack_free.
 */
#ifndef RV_DRIVER_CPU_LINEAR_H
#define RV_DRIVER_CPU_LINEAR_H

#include "driver/cpu/cpu_kernels.h"
#include "driver/driver.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum { RV_CPU_NR = 16, RV_CPU_MR = 6, RV_CPU_WPARTS = 4 };
/* Largest |q| of q8 (and q8u) and q7 weights. The int32 sums of q7 and
 * q8u, with the zero point's product, bound k: q7 255 * 63 * k < 2^31,
 * q8u 255 * 127 * k. RV_CPU_I16_SUM bounds the positive (and negative)
 * codes of a q7f quad and a q8u pair, and RV_CPU_Q7_CUT the share of the
 * codes' energy fitting q7f's quads may change. */
enum {
    RV_CPU_Q8_MAX = 127,
    RV_CPU_Q7_MAX = 63,
    RV_CPU_Q7_KMAX = 1 << 17,
    RV_CPU_Q8U_KMAX = 1 << 15,
    RV_CPU_I16_SUM = 128
};
#define RV_CPU_Q7_CUT 1e-3 /* sum of squared changes over sum of squared codes */

/* Formats with u8 activations and a zero point: q7, q7f and q8u. */
static inline int rv_cpu_fmt_u8(rv_wfmt f) {
    return f == RV_WFMT_Q7 || f == RV_WFMT_Q7F || f == RV_WFMT_Q8U;
}

typedef struct rv_cpu_wpack {
    uint64_t magic;                  /* RV_CPU_WPACK_MAGIC */
    const struct rv_cpu_wpack *self; /* == this header: with magic, tells packed from raw */
    rv_wfmt fmt;
    size_t n, k;     /* logical weight shape [n, k] */
    size_t panels;   /* ceil(n / 16) */
    size_t kp;       /* k, padded to a multiple of 2 (q8), 4 (q7, q8u) or 8 (q7f) */
    float *scale;    /* integer formats: [panels * 16] dequantization scale per output row */
    int32_t act_max; /* q8: activations are quantized to [-act_max, act_max] */
    int32_t *qsum;   /* u8 formats: [panels * 16] sum of each output row's q */
    int quads;       /* q7f: 1 when every quad fits RV_CPU_I16_SUM (pairs add in int16) */
    float *colinv;   /* u8 formats: [k] 1 / f[c] (the activation factors), NULL without */
    void *data;      /* panels (float, uint16_t f16 bits, or int8); NULL until packed */
    /* wrapped (lazy) weights only: */
    int lazy;
    size_t nparts;
    const float *part[RV_CPU_WPARTS]; /* caller's row blocks of k floats */
    size_t part_rows[RV_CPU_WPARTS];
    atomic_int ready; /* 1 once data holds the panels (release/acquire) */
    pthread_mutex_t mu;
} rv_cpu_wpack;

#define RV_CPU_WPACK_MAGIC 0x314b4341505652ull /* "RVPACK1" */

/* Packs host weights w [n, k]. Caller frees with rv_cpu_wpack_free. */
rv_status rv_cpu_wpack_create(rv_cpu_wpack **out, const float *w, size_t n, size_t k, rv_wfmt fmt);
/* The same with per-input-column factors colscale[k] (> 0; u8 formats only, NULL:
 * none): see the layout notes above. */
rv_status rv_cpu_wpack_create_scaled(rv_cpu_wpack **out, const float *w, size_t n, size_t k,
                                     rv_wfmt fmt, const float *colscale);
/* A lazily packed f32 weight over nparts (<= RV_CPU_WPARTS) row blocks of
 * the caller's memory, which must outlive it. No copy is made here. */
rv_status rv_cpu_wpack_wrap(rv_cpu_wpack **out, const float *const *parts, const size_t *rows,
                            size_t nparts, size_t k);
/* What a packed weight's bytes (panels, then scales, row sums and column
 * factors, as one allocation lays them out) stand for. */
typedef struct rv_cpu_wpack_shape {
    rv_wfmt fmt;
    size_t n, k;
    int quads;  /* q7f packed for quads */
    int colinv; /* u8 formats: column factors present */
} rv_cpu_wpack_shape;
/* An eagerly packed weight's bytes, and their shape; 0 for a wrapped one. */
size_t rv_cpu_wpack_payload(const rv_cpu_wpack *w, rv_cpu_wpack_shape *sh, const void **bytes);
/* A packed weight reading len bytes (64-aligned) made by
 * rv_cpu_wpack_payload in place; they must outlive it. RV_ERR_FORMAT when
 * shape and length do not fit together. Free with rv_cpu_wpack_free. */
rv_status rv_cpu_wpack_view(rv_cpu_wpack **out, const rv_cpu_wpack_shape *sh, const void *bytes,
                            size_t len);
/* Packs a wrapped weight's panels if that has not happened yet (thread-safe;
 * RV_ERR_NOMEM leaves it unpacked, to be retried). No-op for eager packs. */
rv_status rv_cpu_wpack_ensure(rv_cpu_wpack *w);
/* 1 when the panels are there (always for eager packs). */
int rv_cpu_wpack_ready(const rv_cpu_wpack *w);
void rv_cpu_wpack_free(rv_cpu_wpack *w); /* NULL ok */
/* 1 when p is a packed weight made by rv_cpu_wpack_create. p must have 16
 * readable bytes (every cpu driver buffer has at least 64). */
int rv_cpu_is_wpack(const void *p);

/* One thread's share of out = act(x @ w^T + bias): rows [0, m) of x/out
 * (already offset) and output panels [p0, p1). */
typedef struct rv_cpu_gemm_job {
    const float *x;
    size_t ldx; /* floats between rows of x */
    const rv_cpu_wpack *w;
    const float *bias; /* [n] or NULL */
    float *out;
    size_t ldo;
    size_t m, p0, p1;
    rv_act act;
    /* per-thread scratch of rv_cpu_linear_scratch_bytes(k) bytes, 64-aligned */
    void *scratch;
} rv_cpu_gemm_job;

/* Scratch one job needs: a block of quantized activation rows (q8, q7). */
size_t rv_cpu_linear_scratch_bytes(size_t k);

/* out[r, j] = x[r, :] . w[j, :] for r < m, j < nrows: plain row-major f32
 * weights (rows of k floats), no bias. For short batches (a query). */
typedef struct rv_cpu_rows_job {
    const float *x;
    size_t ldx, m;
    const float *w;
    size_t nrows, k;
    float *out;
    size_t ldo;
} rv_cpu_rows_job;

typedef struct rv_cpu_linear_kernels {
    const char *name; /* the kernel family's (cpu_kernels.h) */
    void (*run)(const rv_cpu_gemm_job *job);
    void (*rows)(const rv_cpu_rows_job *job);
    /* bf16 weights, or NULL: the portable kernel (the families without a
     * bf16 dot product emulate it there) */
    void (*run_bf16)(const rv_cpu_gemm_job *job);
} rv_cpu_linear_kernels;

/* The run function of a family for weights of format fmt. */
void (*rv_cpu_linear_run_for(const rv_cpu_linear_kernels *lk, rv_wfmt fmt))(const rv_cpu_gemm_job *);

extern const rv_cpu_linear_kernels rv_cpu_linear_portable;
/* Only call when the CPU has AVX2, FMA and F16C. */
extern const rv_cpu_linear_kernels rv_cpu_linear_avx2;
/* Its integer formats' runs and u8 quantizer (cpu_linear_int_avx2.c). */
void rv_cpu_avx2_run_q8(const rv_cpu_gemm_job *job);
void rv_cpu_avx2_run_q7(const rv_cpu_gemm_job *job);
void rv_cpu_avx2_quant_row_u8(const float *x, const float *colinv, size_t k, size_t kp, uint8_t *q,
                              float *scale, int32_t *zero);
/* A tile kernel over f32/f16 panels: c[mr, 16 np] (+)= a[mr, kc] @ the
 * panels' kc rows (np panels from bp, pstride bytes apart); the first k
 * block starts from zero, the last adds bias and act. */
typedef void (*rv_cpu_f_tile_fn)(int np, int f16, int mr, const float *a, size_t lda,
                                 const void *bp, size_t pstride, size_t kc, float *c, size_t ldc,
                                 int first, int last, const float *bias, rv_act act);
/* One thread's f32/f16 job: blocks of MC rows by k blocks of at most
 * kc_max, tiles of th (<= 16) rows by up to max_np (1 or 2) panels. */
void rv_cpu_run_f_tiles(const rv_cpu_gemm_job *job, size_t kc_max, int th, int max_np,
                        rv_cpu_f_tile_fn tile);
/* A tile kernel over u8 activations: out[mr, 16 np] = ((qa . bq) - zero *
 * wsum) * xs * ws + bias, act, for np panels from bq (kp bytes of k each
 * per column, panels kp * 16 bytes apart). */
typedef void (*rv_cpu_u8_tile_fn)(int np, int mr, const uint8_t *qa, size_t kp, const int8_t *bq,
                                  float *c, size_t ldc, const float *xs, const int32_t *zs,
                                  const float *ws, const int32_t *wsum, const float *bias,
                                  rv_act act);
/* One thread's job over a u8 format: each block of rows quantized (AVX2),
 * then tiles of th (<= 16) rows by up to max_np (1 or 2) panels. */
void rv_cpu_run_u8_tiles(const rv_cpu_gemm_job *job, int th, int max_np, rv_cpu_u8_tile_fn tile);
/* AVX2 with the VEX AVX-VNNI dot product for the u8 formats
 * (cpu_linear_int_avxvnni.c). */
extern const rv_cpu_linear_kernels rv_cpu_linear_avxvnni;
void rv_cpu_avxvnni_run_u8(const rv_cpu_gemm_job *job);
/* AVX-512F f32/f16 (cpu_linear_avx512.c); the _vnni table adds AVX512-VNNI
 * for the u8 formats (cpu_linear_int_vnni.c). */
extern const rv_cpu_linear_kernels rv_cpu_linear_avx512;
extern const rv_cpu_linear_kernels rv_cpu_linear_avx512_vnni;
/* avx512vnni where the CPU also has AVX512-BF16: bf16 in vdpbf16ps */
extern const rv_cpu_linear_kernels rv_cpu_linear_avx512_vnni_bf16;
void rv_cpu_vnni512_run_u8(const rv_cpu_gemm_job *job);
/* AMX tiles for the u8 formats (TDPBUSD), the rest as avx512vnni
 * (cpu_linear_amx.c). Only call when rv_cpu_has_amx(). */
extern const rv_cpu_linear_kernels rv_cpu_linear_amx;
/* The linear kernels of a kernel family (cpu_kernels.h), and of the best. */
const rv_cpu_linear_kernels *rv_cpu_linear_kernels_for(rv_cpu_isa isa);
const rv_cpu_linear_kernels *rv_cpu_linear_kernels_best(void);

/* Asks for a tile's output lines (mr rows of 16 floats) ahead of its
 * stores, for write. A big batch's output is far larger than the caches;
 * stores that miss them pile up in the store buffer and stall the kernel
 * unless the lines are on their way while it computes. */
static inline void rv_cpu_prefetch_tile(const float *c, size_t ldc, int mr) {
    for (int r = 0; r < mr; r++) {
        __builtin_prefetch(c + (size_t)r * ldc, 1, 3);
        __builtin_prefetch(c + (size_t)r * ldc + 15, 1, 3);
    }
}

/* Blocking: activation rows per block (both formats), and the k range of a
 * f32/f16 block (the weight micro-panel, KC x 16, stays in L1). */
enum { RV_CPU_MC = 96, RV_CPU_KC = 384 };

/* Largest activation magnitude for q8 weights of width k: k * 127 * it
 * stays below 2^31 (capped at 32767). */
int32_t rv_cpu_q8_act_max(size_t k);

/* The activation quantizers, the reference for both flavours' kernels.
 * q8: x[k] to int16 q[kp] (zero past k), x ~= scale * q, |q| <= amax. */
void rv_cpu_quant_row_s16(const float *x, size_t k, size_t kp, int16_t *q, float *scale,
                          int32_t amax);
/* u8 formats: y = x[k] * colinv (elementwise; colinv NULL: y = x) to u8 q[kp] (zero
 * past k), y ~= scale * (q - zero): [min(y, 0), max(y, 0)] over 255 steps. */
void rv_cpu_quant_row_u8(const float *x, const float *colinv, size_t k, size_t kp, uint8_t *q,
                         float *scale, int32_t *zero);

/* bf16 (cpu_bfloat.c): the portable reference over bf16 panels, and the
 * driver of the SIMD ones: each block of activation rows rounded to bf16
 * into the scratch (rows kp values apart, zero past k), then tiles of th
 * (<= 16) rows by up to max_np (1 or 2) panels. A bf16 tile computes
 * out[mr, 16 np] = qa[mr, kp] . the panels' pairs (bp, panels kp * 16
 * values apart), + bias, act. */
void rv_cpu_bf16_run_portable(const rv_cpu_gemm_job *job);
typedef void (*rv_cpu_bf16_tile_fn)(int np, int mr, const uint16_t *qa, size_t kp,
                                    const uint16_t *bp, float *c, size_t ldc, const float *bias,
                                    rv_act act);
/* round: x[k] to bf16 q[kp] as rv_cpu_f32_to_bf16, zero past k (NULL: the
 * portable loop) */
typedef void (*rv_cpu_bf16_round_fn)(const float *x, size_t k, size_t kp, uint16_t *q);
void rv_cpu_run_bf16_tiles(const rv_cpu_gemm_job *job, int th, int max_np, rv_cpu_bf16_tile_fn tile,
                           rv_cpu_bf16_round_fn round);
/* AVX512-BF16 (vdpbf16ps; cpu_linear_bf16.c) and its AVX-512F rounding of
 * activation rows. Only call when rv_cpu_has_avx512bf16(). */
void rv_cpu_avx512bf16_run(const rv_cpu_gemm_job *job);
void rv_cpu_avx512_round_bf16(const float *x, size_t k, size_t kp, uint16_t *q);
/* f32 -> bf16 bits, rounded to nearest even (NaN stays NaN), and back. */
uint16_t rv_cpu_f32_to_bf16(float f);
float rv_cpu_bf16_to_f32(uint16_t b);

/* f32 <-> IEEE half (round to nearest even), portable. */
uint16_t rv_cpu_f32_to_f16(float f);
float rv_cpu_f16_to_f32(uint16_t h);

#endif
