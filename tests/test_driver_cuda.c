/*
 * The CUDA driver compared with the CPU driver, primitive by primitive, on
 * random data over several shapes (odd sizes included), then the whole
 * forward pass against the golden embeddings (tests/test_engine_golden.c's
 * data) on the GPU.
 *
 * Without a GPU (or without nvcc at build time) nothing here runs, and the
 * binary says so and reports 0 passed, 0 failed: a test that did not run is
 * never counted as passed.
 */
#include "rvtest.h"
#include "driver/driver.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef RV_HAVE_CUDA

typedef struct side {
    const rv_driver *drv;
    void *dev, *ctx;
} side;

static side g_cpu, g_gpu;

static uint32_t g_seed = 12345;
static float frand(void) {
    g_seed = g_seed * 1664525u + 1013904223u;
    return ((float)(g_seed >> 8) / (float)(1u << 24)) * 2.0f - 1.0f;
}

static float *rand_vec(size_t n) {
    float *v = malloc(n * sizeof *v + 1);
    for (size_t i = 0; i < n; i++) v[i] = frand();
    return v;
}

/* The same host data as a persistent buffer on each driver (free_buf after). */
static void put(rv_dbuf **c, rv_dbuf **g, const void *host, size_t bytes) {
    RV_CHECK(g_cpu.drv->upload(g_cpu.dev, c, host, bytes) == RV_OK);
    RV_CHECK(g_gpu.drv->upload(g_gpu.dev, g, host, bytes) == RV_OK);
}

static double max_diff(const rv_dbuf *c, const rv_dbuf *g, size_t n, double *max_ref) {
    float *hc = malloc(n * sizeof *hc + 1), *hg = malloc(n * sizeof *hg + 1);
    g_cpu.drv->to_host(g_cpu.ctx, hc, c, n * sizeof(float));
    g_gpu.drv->to_host(g_gpu.ctx, hg, g, n * sizeof(float));
    double d = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)hc[i] - (double)hg[i]);
        if (e > d || e != e) d = e;
        if (fabs(hc[i]) > r) r = fabs(hc[i]);
    }
    if (max_ref) *max_ref = r;
    free(hc);
    free(hg);
    return d;
}

static void both_reset(void) {
    g_cpu.drv->pool_reset(g_cpu.ctx, 0);
    g_gpu.drv->pool_reset(g_gpu.ctx, 0);
}

#define BOTH(call_c, call_g)                                                                     \
    do {                                                                                         \
        RV_CHECK(call_c == RV_OK);                                                               \
        RV_CHECK(call_g == RV_OK);                                                               \
    } while (0)

static void scratch(rv_dbuf **c, rv_dbuf **g, size_t bytes) {
    RV_CHECK(g_cpu.drv->alloc(g_cpu.ctx, c, bytes) == RV_OK);
    RV_CHECK(g_gpu.drv->alloc(g_gpu.ctx, g, bytes) == RV_OK);
}

RV_TEST(cuda_gemm_matches_cpu) {
    static const size_t shapes[][3] = {{1, 1, 1}, {7, 13, 5}, {33, 384, 384}, {129, 1536, 384},
                                       {65, 384, 1536}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        for (int tb = 0; tb < 2; tb++) {
            size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            float *a = rand_vec(m * k), *b = rand_vec(n * k);
            rv_dbuf *ac, *ag, *bc, *bg, *oc, *og;
            put(&ac, &ag, a, m * k * 4);
            put(&bc, &bg, b, n * k * 4);
            scratch(&oc, &og, m * n * 4);
            BOTH(g_cpu.drv->gemm(g_cpu.ctx, ac, bc, oc, m, n, k, tb),
                 g_gpu.drv->gemm(g_gpu.ctx, ag, bg, og, m, n, k, tb));
            double ref, d = max_diff(oc, og, m * n, &ref);
            RV_CHECK_MSG(d <= 1e-4 * (ref + 1.0), "gemm %zux%zux%zu tb=%d diff %g", m, n, k, tb,
                         d);
            g_cpu.drv->free_buf(g_cpu.dev, ac);
            g_cpu.drv->free_buf(g_cpu.dev, bc);
            g_gpu.drv->free_buf(g_gpu.dev, ag);
            g_gpu.drv->free_buf(g_gpu.dev, bg);
            free(a);
            free(b);
            both_reset();
        }
    }
}

RV_TEST(cuda_row_ops_match_cpu) {
    static const size_t shapes[][2] = {{1, 32}, {5, 384}, {17, 1536}, {3, 1000}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t rows = shapes[s][0], cols = shapes[s][1], n = rows * cols;
        float *x = rand_vec(n), *r = rand_vec(n), *w = rand_vec(cols), *b = rand_vec(cols);
        rv_dbuf *xc, *xg, *rc_, *rg, *wc, *wg, *bc, *bg, *oc, *og;
        put(&xc, &xg, x, n * 4);
        put(&rc_, &rg, r, n * 4);
        put(&wc, &wg, w, cols * 4);
        put(&bc, &bg, b, cols * 4);
        scratch(&oc, &og, n * 4);
        double d;
        BOTH(g_cpu.drv->layer_norm(g_cpu.ctx, oc, xc, wc, bc, rows, cols, 1e-12f),
             g_gpu.drv->layer_norm(g_gpu.ctx, og, xg, wg, bg, rows, cols, 1e-12f));
        d = max_diff(oc, og, n, NULL);
        RV_CHECK_MSG(d <= 1e-4, "layer_norm %zux%zu diff %g", rows, cols, d);
        BOTH(g_cpu.drv->fused_residual_layernorm(g_cpu.ctx, oc, xc, rc_, wc, bc, rows, cols,
                                                 1e-12f),
             g_gpu.drv->fused_residual_layernorm(g_gpu.ctx, og, xg, rg, wg, bg, rows, cols,
                                                 1e-12f));
        d = max_diff(oc, og, n, NULL);
        RV_CHECK_MSG(d <= 1e-4, "residual_layernorm %zux%zu diff %g", rows, cols, d);
        BOTH(g_cpu.drv->fused_bias_gelu(g_cpu.ctx, xc, bc, rows, cols),
             g_gpu.drv->fused_bias_gelu(g_gpu.ctx, xg, bg, rows, cols));
        d = max_diff(xc, xg, n, NULL);
        RV_CHECK_MSG(d <= 1e-5, "bias_gelu %zux%zu diff %g", rows, cols, d);
        BOTH(g_cpu.drv->add_bias(g_cpu.ctx, xc, bc, rows, cols),
             g_gpu.drv->add_bias(g_gpu.ctx, xg, bg, rows, cols));
        d = max_diff(xc, xg, n, NULL);
        RV_CHECK_MSG(d <= 1e-5, "add_bias %zux%zu diff %g", rows, cols, d);
        BOTH(g_cpu.drv->l2_normalize(g_cpu.ctx, xc, rows, cols),
             g_gpu.drv->l2_normalize(g_gpu.ctx, xg, rows, cols));
        d = max_diff(xc, xg, n, NULL);
        RV_CHECK_MSG(d <= 1e-6, "l2_normalize %zux%zu diff %g", rows, cols, d);
        rv_dbuf *bufs_c[] = {xc, rc_, wc, bc}, *bufs_g[] = {xg, rg, wg, bg};
        for (int i = 0; i < 4; i++) {
            g_cpu.drv->free_buf(g_cpu.dev, bufs_c[i]);
            g_gpu.drv->free_buf(g_gpu.dev, bufs_g[i]);
        }
        free(x);
        free(r);
        free(w);
        free(b);
        both_reset();
    }
}

/* Batch layout ops: embeddings, pad/unpad, qkv split, softmax, reshape, pooling. */
RV_TEST(cuda_layout_ops_match_cpu) {
    static const int32_t lens_sets[][4] = {{1, 0, 0, 0}, {5, 3, 9, 1}, {17, 17, 2, 0}};
    static const size_t nseq[] = {1, 4, 3};
    const size_t heads = 4, head_dim = 8, hidden = heads * head_dim, vocab = 50;
    float *table = rand_vec(vocab * hidden);
    rv_dbuf *tc, *tg;
    put(&tc, &tg, table, vocab * hidden * 4);
    for (size_t s = 0; s < 3; s++) {
        size_t batch = nseq[s];
        const int32_t *lens = lens_sets[s];
        size_t total = 0;
        for (size_t b = 0; b < batch; b++) total += (size_t)lens[b];
        int32_t *ids = malloc(total * sizeof *ids + 4);
        for (size_t i = 0; i < total; i++) ids[i] = (int32_t)((i * 7 + 3) % vocab);
        rv_batch_inputs ic, ig;
        BOTH(g_cpu.drv->prepare_batch(g_cpu.ctx, &ic, ids, lens, batch),
             g_gpu.drv->prepare_batch(g_gpu.ctx, &ig, ids, lens, batch));
        size_t max_seq = ic.max_seq, padded = batch * max_seq;
        RV_CHECK_EQ_INT(ic.total_tokens, total);
        RV_CHECK_EQ_INT(ig.max_seq, max_seq);
        rv_dbuf *ec, *eg;
        scratch(&ec, &eg, total * hidden * 4);
        BOTH(g_cpu.drv->embedding_lookup(g_cpu.ctx, ec, tc, ic.input_ids, total, hidden),
             g_gpu.drv->embedding_lookup(g_gpu.ctx, eg, tg, ig.input_ids, total, hidden));
        BOTH(g_cpu.drv->add_embeddings(g_cpu.ctx, ec, tc, ic.position_ids, total, hidden),
             g_gpu.drv->add_embeddings(g_gpu.ctx, eg, tg, ig.position_ids, total, hidden));
        RV_CHECK(max_diff(ec, eg, total * hidden, NULL) <= 1e-6);
        /* a fake fused qkv [total, 3H] from random data */
        float *qkv = rand_vec(total * 3 * hidden);
        rv_dbuf *qc, *qg;
        put(&qc, &qg, qkv, total * 3 * hidden * 4);
        rv_dbuf *pc, *pg, *Qc, *Qg, *Kc, *Kg, *Vc, *Vg, *sc, *sg, *ac, *ag, *cc, *cg, *uc, *ug;
        scratch(&pc, &pg, padded * 3 * hidden * 4);
        BOTH(g_cpu.drv->pad_to_batch(g_cpu.ctx, qc, pc, &ic, 3 * hidden),
             g_gpu.drv->pad_to_batch(g_gpu.ctx, qg, pg, &ig, 3 * hidden));
        RV_CHECK(max_diff(pc, pg, padded * 3 * hidden, NULL) <= 1e-7);
        scratch(&Qc, &Qg, padded * hidden * 4);
        scratch(&Kc, &Kg, padded * hidden * 4);
        scratch(&Vc, &Vg, padded * hidden * 4);
        BOTH(g_cpu.drv->qkv_split(g_cpu.ctx, Qc, Kc, Vc, pc, batch, max_seq, heads, head_dim),
             g_gpu.drv->qkv_split(g_gpu.ctx, Qg, Kg, Vg, pg, batch, max_seq, heads, head_dim));
        RV_CHECK(max_diff(Kc, Kg, padded * hidden, NULL) <= 1e-7);
        scratch(&sc, &sg, batch * heads * max_seq * max_seq * 4);
        BOTH(g_cpu.drv->gemm_batched(g_cpu.ctx, Qc, Kc, sc, max_seq, max_seq, head_dim, 1,
                                     max_seq * head_dim, max_seq * head_dim, max_seq * max_seq,
                                     batch * heads),
             g_gpu.drv->gemm_batched(g_gpu.ctx, Qg, Kg, sg, max_seq, max_seq, head_dim, 1,
                                     max_seq * head_dim, max_seq * head_dim, max_seq * max_seq,
                                     batch * heads));
        BOTH(g_cpu.drv->fused_scale_mask_softmax(g_cpu.ctx, sc, ic.float_mask, batch, heads,
                                                 max_seq, 0.35f),
             g_gpu.drv->fused_scale_mask_softmax(g_gpu.ctx, sg, ig.float_mask, batch, heads,
                                                 max_seq, 0.35f));
        RV_CHECK(max_diff(sc, sg, batch * heads * max_seq * max_seq, NULL) <= 1e-5);
        scratch(&ac, &ag, padded * hidden * 4);
        BOTH(g_cpu.drv->gemm_batched(g_cpu.ctx, sc, Vc, ac, max_seq, head_dim, max_seq, 0,
                                     max_seq * max_seq, max_seq * head_dim, max_seq * head_dim,
                                     batch * heads),
             g_gpu.drv->gemm_batched(g_gpu.ctx, sg, Vg, ag, max_seq, head_dim, max_seq, 0,
                                     max_seq * max_seq, max_seq * head_dim, max_seq * head_dim,
                                     batch * heads));
        scratch(&cc, &cg, padded * hidden * 4);
        BOTH(g_cpu.drv->attn_reshape(g_cpu.ctx, cc, ac, batch, max_seq, heads, head_dim),
             g_gpu.drv->attn_reshape(g_gpu.ctx, cg, ag, batch, max_seq, heads, head_dim));
        scratch(&uc, &ug, total * hidden * 4);
        BOTH(g_cpu.drv->unpad_from_batch(g_cpu.ctx, cc, uc, &ic, hidden),
             g_gpu.drv->unpad_from_batch(g_gpu.ctx, cg, ug, &ig, hidden));
        RV_CHECK_MSG(max_diff(uc, ug, total * hidden, NULL) <= 1e-5, "attention chain");
        rv_dbuf *oc, *og;
        scratch(&oc, &og, batch * hidden * 4);
        BOTH(g_cpu.drv->mean_pool(g_cpu.ctx, oc, uc, &ic, hidden),
             g_gpu.drv->mean_pool(g_gpu.ctx, og, ug, &ig, hidden));
        RV_CHECK(max_diff(oc, og, batch * hidden, NULL) <= 1e-5);
        BOTH(g_cpu.drv->cls_pool(g_cpu.ctx, oc, uc, &ic, hidden),
             g_gpu.drv->cls_pool(g_gpu.ctx, og, ug, &ig, hidden));
        RV_CHECK(max_diff(oc, og, batch * hidden, NULL) <= 1e-5);
        g_cpu.drv->free_buf(g_cpu.dev, qc);
        g_gpu.drv->free_buf(g_gpu.dev, qg);
        free(qkv);
        free(ids);
        both_reset();
    }
    g_cpu.drv->free_buf(g_cpu.dev, tc);
    g_gpu.drv->free_buf(g_gpu.dev, tg);
    free(table);
}

static int open_side(side *s, const char *name) {
    s->drv = rv_driver_find(name);
    if (!s->drv) return -1;
    if (s->drv->device_open(&s->dev, 1) != RV_OK) return -1;
    if (s->drv->ctx_create(&s->ctx, s->dev, 1) != RV_OK) return -1;
    if (s->drv->reserve(s->ctx, 64u << 20) != RV_OK) return -1;
    return 0;
}

int main(void) {
    if (open_side(&g_gpu, "cuda") != 0) {
        printf("cuda: no usable CUDA device (%s): these tests did not run\n", rv_error_last());
        return rv_test_summary();
    }
    if (open_side(&g_cpu, "cpu") != 0) {
        printf("cpu driver failed to open: %s\n", rv_error_last());
        return 1;
    }
    RV_RUN(cuda_gemm_matches_cpu);
    RV_RUN(cuda_row_ops_match_cpu);
    RV_RUN(cuda_layout_ops_match_cpu);
    g_gpu.drv->ctx_destroy(g_gpu.ctx);
    g_gpu.drv->device_close(g_gpu.dev);
    g_cpu.drv->ctx_destroy(g_cpu.ctx);
    g_cpu.drv->device_close(g_cpu.dev);
    return rv_test_summary();
}

#else

int main(void) {
    printf("cuda: driver not built (no nvcc at build time): these tests did not run\n");
    return rv_test_summary();
}

#endif
