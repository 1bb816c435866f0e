/* CPU driver: matrix products (sgemm from cpu_blas.c, one thread per call,
 * work split across our own pool), linear layers over packed or wrapped
 * weights, and per-sequence attention without padding. */
#include "driver/cpu/cpu_internal.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

/* Rows of a thread's slice below which splitting by columns pays more. */
enum { GEMM_MIN_ROWS = 16 };

typedef struct gemm_args {
    rv_cpu_ctx *c;
    const float *a, *b, *bias;
    float *out;
    size_t m, n, k;
    int tb;
    rv_act act;
    size_t sa, sb, so;
} gemm_args;

static void sgemm(const float *a, const float *b, float *out, size_t m, size_t n, size_t k, int tb,
                  size_t lda, size_t ldb, size_t ldc) {
    rv_cpu_sgemm(a, b, out, m, n, k, tb, lda, ldb, ldc);
}

static void do_gemm_rows(void *p, size_t r0, size_t r1) {
    gemm_args *g = p;
    sgemm(g->a + r0 * g->k, g->b, g->out + r0 * g->n, r1 - r0, g->n, g->k, g->tb, g->k,
          g->tb ? g->k : g->n, g->n);
    if (g->bias || g->act != RV_ACT_NONE)
        for (size_t r = r0; r < r1; r++) {
            float *row = g->out + r * g->n;
            if (g->act == RV_ACT_GELU)
                g->c->k->bias_gelu(row, g->bias, g->n);
            else
                g->c->k->add_bias(row, g->bias, g->n);
        }
}

/* Column slice j0..j1 of the output: b's rows (transposed) or columns. */
static void do_gemm_cols(void *p, size_t j0, size_t j1) {
    gemm_args *g = p;
    const float *b = g->tb ? g->b + j0 * g->k : g->b + j0;
    sgemm(g->a, b, g->out + j0, g->m, j1 - j0, g->k, g->tb, g->k, g->tb ? g->k : g->n, g->n);
    if (g->bias || g->act != RV_ACT_NONE)
        for (size_t r = 0; r < g->m; r++) {
            float *row = g->out + r * g->n + j0;
            const float *bias = g->bias ? g->bias + j0 : NULL;
            if (g->act == RV_ACT_GELU)
                g->c->k->bias_gelu(row, bias, j1 - j0);
            else
                g->c->k->add_bias(row, bias, j1 - j0);
        }
}

static rv_status run_gemm(gemm_args *g) {
    if (g->m > INT32_MAX || g->n > INT32_MAX || g->k > INT32_MAX)
        return rv_error_set(RV_ERR_INVALID_ARG, "gemm: dimension too large");
    if (g->m == 0 || g->n == 0) return RV_OK;
    size_t cost = g->n * g->k;
    if (g->m >= (size_t)g->c->nthreads * GEMM_MIN_ROWS || g->n < 64)
        rv_cpu_parallel(g->c, g->m, cost, do_gemm_rows, g);
    else /* few rows: split columns in blocks of 16 to keep sgemm's panels whole */
        rv_cpu_parallel(g->c, g->n, g->m * g->k, do_gemm_cols, g);
    return RV_OK;
}

rv_status rv_cpu_gemm(void *ctx, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out, size_t m,
                      size_t n, size_t k, int transpose_b) {
    gemm_args g = {.c = ctx,
                   .a = CPU_CF(a),
                   .b = CPU_CF(b),
                   .out = CPU_F(out),
                   .m = m,
                   .n = n,
                   .k = k,
                   .tb = transpose_b};
    return run_gemm(&g);
}

rv_status rv_cpu_upload_linear_weight(void *dev, rv_dbuf **out, const float *w, size_t n, size_t k,
                                      rv_wfmt fmt) {
    return rv_cpu_upload_linear_weight_scaled(dev, out, w, n, k, fmt, NULL);
}

rv_status rv_cpu_upload_linear_weight_scaled(void *dev, rv_dbuf **out, const float *w, size_t n,
                                             size_t k, rv_wfmt fmt, const float *colscale) {
    (void)dev;
    rv_cpu_wpack *p = NULL;
    rv_status s = rv_cpu_wpack_create_scaled(&p, w, n, k, fmt, colscale);
    *out = CPU_BUF(p);
    return s;
}

rv_status rv_cpu_wrap_linear_weight(void *dev, rv_dbuf **out, const float *const *parts,
                                    const size_t *rows, size_t nparts, size_t k) {
    (void)dev;
    rv_cpu_wpack *p = NULL;
    rv_status s = rv_cpu_wpack_wrap(&p, parts, rows, nparts, k);
    *out = CPU_BUF(p);
    return s;
}

/* ---- linear over packed weights (our kernel) ---- */

/* Rows are cut into blocks of a multiple of this many (both tile heights). */
enum { LIN_ROW_GROUP = 12 };

/* The product is cut into work items of a block of rows (at most one row
 * block, RV_CPU_MC) by a group of weight panels, which threads take from a
 * shared counter: on a shared machine one core often runs slower than the
 * other for a while, and a fixed split would leave the faster one waiting.
 * Long batches get whole-width items (each row block streams the weights
 * once); short ones are also cut by panels, so there are enough items to
 * share without cutting rows so thin that the weights stream once per few
 * rows. */
typedef struct lin_args {
    rv_cpu_ctx *c;
    rv_cpu_gemm_job job;
    size_t rows;        /* rows per item, a multiple of LIN_ROW_GROUP */
    size_t groups;      /* panel groups per row block */
    size_t items;       /* row blocks x groups */
    atomic_size_t next; /* next item */
} lin_args;

static void lin_worker(void *p, int tid, int n) {
    (void)n;
    lin_args *a = p;
    void *scratch =
        a->c->gemm_scratch ? a->c->gemm_scratch + (size_t)tid * a->c->gemm_stride : NULL;
    for (;;) {
        size_t it = atomic_fetch_add(&a->next, 1);
        if (it >= a->items) break;
        size_t r0 = it / a->groups * a->rows, pb, pe;
        rv_split_range(a->job.p1, (int)a->groups, (int)(it % a->groups), &pb, &pe);
        rv_cpu_gemm_job j = a->job;
        j.x += r0 * j.ldx;
        j.out += r0 * j.ldo;
        j.m = a->job.m - r0 < a->rows ? a->job.m - r0 : a->rows;
        j.p0 = pb;
        j.p1 = pe;
        j.scratch = scratch;
        if (pb < pe) rv_cpu_linear_run_for(a->c->lk, j.w->fmt)(&j);
    }
}

static rv_status linear_packed(rv_cpu_ctx *c, const float *x, const rv_cpu_wpack *w,
                               const float *bias, float *out, size_t m, size_t n, size_t k,
                               rv_act act) {
    if (w->n != n || w->k != k)
        return rv_error_set(RV_ERR_INVALID_ARG,
                            "linear: packed weight is [%zu, %zu], not [%zu, %zu]", w->n, w->k, n,
                            k);
    if (m == 0) return RV_OK;
    if (w->fmt == RV_WFMT_Q8 || w->fmt == RV_WFMT_BF16 || rv_cpu_fmt_u8(w->fmt)) {
        /* they quantize (or round) rows into scratch */
        size_t need = rv_cpu_linear_scratch_bytes(k);
        if (need > c->gemm_stride) {
            /* grows once per context, at the first (widest) layer */
            unsigned char *s = NULL;
            if (need > SIZE_MAX / (size_t)c->nthreads ||
                !(s = aligned_alloc(64, (need * (size_t)c->nthreads + 63) / 64 * 64)))
                return rv_error_set(RV_ERR_NOMEM, "linear: cannot allocate scratch");
            free(c->gemm_scratch);
            c->gemm_scratch = s;
            c->gemm_stride = (need + 63) / 64 * 64;
        }
    }
    lin_args a = {.c = c,
                  .job = {.x = x,
                          .ldx = k,
                          .w = w,
                          .bias = bias,
                          .out = out,
                          .ldo = n,
                          .m = m,
                          .p0 = 0,
                          .p1 = w->panels,
                          .act = act}};
    size_t T = (size_t)c->nthreads;
    if (T == 1 || m * n * k < 65536) {
        a.job.scratch = c->gemm_scratch;
        rv_cpu_linear_run_for(c->lk, w->fmt)(&a.job);
        return RV_OK;
    }
    /* about four items a thread */
    size_t per = (m + LIN_ROW_GROUP - 1) / LIN_ROW_GROUP * LIN_ROW_GROUP;
    a.rows = per < RV_CPU_MC ? per : RV_CPU_MC;
    size_t blocks = (m + a.rows - 1) / a.rows;
    a.groups = blocks >= 4 * T ? 1 : (4 * T + blocks - 1) / blocks;
    if (a.groups > w->panels) a.groups = w->panels;
    a.items = blocks * a.groups;
    atomic_init(&a.next, 0);
    rv_threadpool_run(c->tp, lin_worker, &a);
    return RV_OK;
}

/* ---- linear over wrapped (unpacked) weights, short batches ---- */

typedef struct rows_args {
    rv_cpu_ctx *c;
    const float *x, *bias;
    const rv_cpu_wpack *w;
    float *out;
    size_t m, n, k;
    rv_act act;
} rows_args;

/* Output columns [b, e) of every row, from the weight parts they lie in. */
static void rows_worker(void *p, int tid, int nthreads) {
    rows_args *a = p;
    size_t b, e, groups = (a->n + 3) / 4;
    rv_split_range(groups, nthreads, tid, &b, &e);
    b *= 4;
    e = e * 4 < a->n ? e * 4 : a->n;
    if (b >= e) return;
    size_t first = 0;
    for (size_t i = 0; i < a->w->nparts; first += a->w->part_rows[i++]) {
        size_t lo = first > b ? first : b, last = first + a->w->part_rows[i];
        size_t hi = last < e ? last : e;
        if (lo >= hi) continue;
        rv_cpu_rows_job j = {.x = a->x,
                             .ldx = a->k,
                             .m = a->m,
                             .w = a->w->part[i] + (lo - first) * a->k,
                             .nrows = hi - lo,
                             .k = a->k,
                             .out = a->out + lo,
                             .ldo = a->n};
        a->c->lk->rows(&j);
    }
    if (a->bias || a->act != RV_ACT_NONE)
        for (size_t r = 0; r < a->m; r++) {
            float *row = a->out + r * a->n + b;
            const float *bias = a->bias ? a->bias + b : NULL;
            if (a->act == RV_ACT_GELU)
                a->c->k->bias_gelu(row, bias, e - b);
            else
                a->c->k->add_bias(row, bias, e - b);
        }
}

static rv_status linear_rows(rv_cpu_ctx *c, const float *x, const rv_cpu_wpack *w,
                             const float *bias, float *out, size_t m, size_t n, size_t k,
                             rv_act act) {
    if (w->n != n || w->k != k)
        return rv_error_set(RV_ERR_INVALID_ARG, "linear: weight is [%zu, %zu], not [%zu, %zu]",
                            w->n, w->k, n, k);
    if (m == 0) return RV_OK;
    rows_args a = {
        .c = c, .x = x, .bias = bias, .w = w, .out = out, .m = m, .n = n, .k = k, .act = act};
    if (c->nthreads == 1 || m * n * k < 65536)
        rows_worker(&a, 0, 1);
    else
        rv_threadpool_run(c->tp, rows_worker, &a);
    return RV_OK;
}

rv_status rv_cpu_linear(void *ctx, const rv_dbuf *x, const rv_dbuf *w, const rv_dbuf *bias,
                        rv_dbuf *out, size_t m, size_t n, size_t k, rv_act act) {
    if (rv_cpu_is_wpack(w)) {
        /* wrapped weights are packed on first use by a batch long enough to
         * gain from it; the pack is the weight's own state (see cpu_linear.h) */
        rv_cpu_wpack *P = (rv_cpu_wpack *)(void *)(uintptr_t)(const void *)w;
        if (P->lazy && m <= RV_CPU_ROWS_MAX_M)
            return linear_rows(ctx, CPU_CF(x), P, CPU_CF(bias), CPU_F(out), m, n, k, act);
        rv_status st = rv_cpu_wpack_ensure(P);
        if (st != RV_OK) return st;
        return linear_packed(ctx, CPU_CF(x), P, CPU_CF(bias), CPU_F(out), m, n, k, act);
    }
    gemm_args g = {.c = ctx,
                   .a = CPU_CF(x),
                   .b = CPU_CF(w),
                   .bias = CPU_CF(bias),
                   .out = CPU_F(out),
                   .m = m,
                   .n = n,
                   .k = k,
                   .tb = 1,
                   .act = act};
    return run_gemm(&g);
}

static void do_gemm_batched(void *p, size_t i0, size_t i1) {
    gemm_args *g = p;
    for (size_t i = i0; i < i1; i++)
        sgemm(g->a + i * g->sa, g->b + i * g->sb, g->out + i * g->so, g->m, g->n, g->k, g->tb, g->k,
              g->tb ? g->k : g->n, g->n);
}

rv_status rv_cpu_gemm_batched(void *ctx, const rv_dbuf *a, const rv_dbuf *b, rv_dbuf *out, size_t m,
                              size_t n, size_t k, int transpose_b, size_t stride_a, size_t stride_b,
                              size_t stride_out, size_t count) {
    if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX)
        return rv_error_set(RV_ERR_INVALID_ARG, "gemm_batched: dimension too large");
    gemm_args g = {.c = ctx,
                   .a = CPU_CF(a),
                   .b = CPU_CF(b),
                   .out = CPU_F(out),
                   .m = m,
                   .n = n,
                   .k = k,
                   .tb = transpose_b,
                   .sa = stride_a,
                   .sb = stride_b,
                   .so = stride_out};
    rv_cpu_parallel(ctx, count, m * n * k, do_gemm_batched, &g);
    return RV_OK;
}

/* ---- attention on the unpadded layout ---- */

typedef struct attn_args {
    rv_cpu_ctx *c;
    float *out;
    const float *qkv;
    const rv_batch_inputs *in;
    size_t heads, head_dim;
    float scale;
    atomic_size_t next; /* next (sequence, head) task */
} attn_args;

static void attn_worker(void *p, int tid, int nthreads) {
    (void)nthreads;
    attn_args *a = p;
    size_t H = a->heads * a->head_dim, hd = a->head_dim;
    size_t ntasks = a->in->batch * a->heads;
    float *scores = a->c->attn_scratch + (size_t)tid * a->c->attn_stride;
    for (;;) {
        size_t t = atomic_fetch_add(&a->next, 1);
        if (t >= ntasks) break;
        size_t b = t / a->heads, h = t % a->heads;
        size_t len = (size_t)a->in->seq_lengths[b], off = (size_t)a->in->seq_offsets[b];
        const float *q = a->qkv + off * 3 * H + h * hd;
        if (a->c->k->attn_head && hd % 8 == 0 && hd <= RV_CPU_ATTN_MAX_HD) {
            a->c->k->attn_head(a->out + off * H + h * hd, H, q, q + H, q + 2 * H, 3 * H, len, hd,
                               a->scale, scores);
            continue;
        }
        /* scores[len, len] = Q_h K_h^T, read in place from the fused rows */
        sgemm(q, q + H, scores, len, len, hd, 1, 3 * H, 3 * H, len);
        for (size_t i = 0; i < len; i++)
            a->c->k->softmax(scores + i * len, NULL, len, a->scale);
        /* out_h[len, hd] = P V_h, written into the head's columns */
        sgemm(scores, q + 2 * H, a->out + off * H + h * hd, len, hd, len, 0, len, 3 * H, H);
    }
}

rv_status rv_cpu_attention(void *ctx, rv_dbuf *ctx_out, const rv_dbuf *qkv,
                           const rv_batch_inputs *in, size_t heads, size_t head_dim, float scale) {
    rv_cpu_ctx *c = ctx;
    size_t s16 = (in->max_seq + 15) / 16 * 16;
    if (!c->attn_scratch || c->attn_stride < rv_cpu_attn_stride_floats(s16))
        return rv_error_set(RV_ERR_INTERNAL, "attention: batch not prepared on this context");
    attn_args a = {.c = c,
                   .out = CPU_F(ctx_out),
                   .qkv = CPU_CF(qkv),
                   .in = in,
                   .heads = heads,
                   .head_dim = head_dim,
                   .scale = scale};
    atomic_init(&a.next, 0);
    if (c->nthreads == 1 || in->batch * heads == 1)
        attn_worker(&a, 0, 1);
    else
        rv_threadpool_run(c->tp, attn_worker, &a);
    return RV_OK;
}
