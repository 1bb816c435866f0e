/* CPU driver: matrix products (OpenBLAS sgemm, one thread per call, work
 * split across our own pool) and per-sequence attention without padding. */
#include "driver/cpu/cpu_internal.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

static pthread_once_t g_blas_once = PTHREAD_ONCE_INIT;

/* Our pool already splits every product, so BLAS threads would only fight
 * ours for cores. The setting is process-wide, hence done once. */
static void blas_single_thread(void) {
    openblas_set_num_threads(1);
}

void rv_cpu_blas_init(void) {
    pthread_once(&g_blas_once, blas_single_thread);
}

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
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k,
                1.0f, a, (int)lda, b, (int)ldb, 0.0f, out, (int)ldc);
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
    (void)dev;
    rv_cpu_wpack *p = NULL;
    rv_status s = rv_cpu_wpack_create(&p, w, n, k, fmt);
    *out = CPU_BUF(p);
    return s;
}

/* ---- linear over packed weights (our kernel) ---- */

/* Rows go to threads in groups of this many (a multiple of both tile heights). */
enum { LIN_ROW_GROUP = 12 };

typedef struct lin_args {
    rv_cpu_ctx *c;
    rv_cpu_gemm_job job;
    int by_rows;
} lin_args;

static void lin_worker(void *p, int tid, int n) {
    lin_args *a = p;
    rv_cpu_gemm_job j = a->job;
    size_t b, e;
    if (a->by_rows) {
        size_t groups = (j.m + LIN_ROW_GROUP - 1) / LIN_ROW_GROUP;
        rv_split_range(groups, n, tid, &b, &e);
        b *= LIN_ROW_GROUP;
        e = e * LIN_ROW_GROUP < j.m ? e * LIN_ROW_GROUP : j.m;
        if (b >= e) return;
        j.x += b * j.ldx;
        j.out += b * j.ldo;
        j.m = e - b;
    } else {
        rv_split_range(j.p1 - j.p0, n, tid, &b, &e);
        if (b >= e) return;
        j.p1 = j.p0 + e;
        j.p0 += b;
    }
    if (a->c->gemm_scratch) j.scratch = a->c->gemm_scratch + (size_t)tid * a->c->gemm_stride;
    a->c->lk->run(&j);
}

static rv_status linear_packed(rv_cpu_ctx *c, const float *x, const rv_cpu_wpack *w,
                               const float *bias, float *out, size_t m, size_t n, size_t k,
                               rv_act act) {
    if (w->n != n || w->k != k)
        return rv_error_set(RV_ERR_INVALID_ARG,
                            "linear: packed weight is [%zu, %zu], not [%zu, %zu]", w->n, w->k, n,
                            k);
    if (m == 0) return RV_OK;
    {
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
    a.by_rows = m >= (size_t)c->nthreads * 2 * LIN_ROW_GROUP || w->panels < (size_t)c->nthreads;
    if (c->nthreads == 1 || m * n * k < 65536)
        lin_worker(&a, 0, 1);
    else
        rv_threadpool_run(c->tp, lin_worker, &a);
    return RV_OK;
}

rv_status rv_cpu_linear(void *ctx, const rv_dbuf *x, const rv_dbuf *w, const rv_dbuf *bias,
                        rv_dbuf *out, size_t m, size_t n, size_t k, rv_act act) {
    if (rv_cpu_is_wpack(w))
        return linear_packed(ctx, CPU_CF(x), (const rv_cpu_wpack *)(const void *)w, CPU_CF(bias),
                             CPU_F(out), m, n, k, act);
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
    if (!c->attn_scratch || c->attn_stride < s16 * (s16 + 4 + RV_CPU_ATTN_MAX_HD))
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
