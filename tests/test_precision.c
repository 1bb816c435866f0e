/* Reduced precision (fp16 / int8 linear weights) against fp32 and against
 * the sentence-transformers reference on the golden texts (cosine bounds),
 * the precision plumbing of the public API (names, ids), the quantized
 * kernels against the f32 ones through the driver at odd sizes, and the
 * CLS-only last layer on the tiny model. The real model comes from
 * RIPVEC_TEST_MODEL or the cache; missing model = failure. */
#include "rvtest.h"

#include "driver/cpu/cpu_linear.h"
#include "engine/arch_bert.h"
#include "golden.h"
#include "ripvec/embed.h"
#include "ripvec/modelfile.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TINY "tests/data/tiny_bert"

static rv_golden g_g;

static double cosine(const float *a, const float *b, size_t n) {
    return rv_golden_cosine(a, b, n, NULL);
}

/* Embeds the golden texts at one precision; NULL on failure. */
static float *embed_golden(rv_precision p, char *id, size_t idcap) {
    char *dir = rv_test_model_dir();
    rv_model_params mp = rv_model_default_params();
    mp.precision = p;
    mp.threads = 2;
    rv_model *m = NULL;
    rv_embed_ctx *ctx = NULL;
    float *out = malloc(g_g.count * g_g.dim * sizeof *out);
    rv_status st = rv_model_load(&m, dir, &mp);
    RV_CHECK_MSG(st == RV_OK, "model at %s (%s): %s", dir, rv_precision_name(p), rv_error_last());
    if (st == RV_OK) {
        RV_CHECK_EQ_INT(rv_model_precision(m), p);
        snprintf(id, idcap, "%s", rv_model_id(m));
        st = rv_embed_ctx_create(&ctx, m, NULL);
        if (st == RV_OK)
            st = rv_embed_texts(ctx, (const char *const *)g_g.texts, NULL, g_g.count, out);
        RV_CHECK_MSG(st == RV_OK, "embed %s: %s", rv_precision_name(p), rv_error_last());
    }
    rv_embed_ctx_free(ctx);
    rv_model_free(m);
    free(dir);
    if (st != RV_OK) {
        free(out);
        return NULL;
    }
    return out;
}

RV_TEST(precision_names_parse_and_defaults) {
    rv_model_params mp = rv_model_default_params();
    RV_CHECK_EQ_INT(mp.precision, RV_PRECISION_FP32);
    rv_model_params zero = {0};
    RV_CHECK_EQ_INT(zero.precision, RV_PRECISION_FP32);
    static const char *const names[] = {"fp32", "fp16", "int8"};
    for (int i = 0; i < 3; i++) {
        rv_precision p = RV_PRECISION_FP32;
        RV_CHECK_EQ_INT(rv_precision_parse(&p, names[i]), RV_OK);
        RV_CHECK_STR(rv_precision_name(p), names[i]);
    }
    rv_precision p = RV_PRECISION_INT8;
    RV_CHECK_EQ_INT(rv_precision_parse(&p, "int4"), RV_ERR_INVALID_ARG);
    RV_CHECK(strstr(rv_error_last(), "int4") != NULL);
    RV_CHECK_EQ_INT(rv_precision_parse(&p, NULL), RV_ERR_INVALID_ARG);
    RV_CHECK(rv_precision_name((rv_precision)7) == NULL);
    rv_model *m = NULL;
    mp.precision = (rv_precision)7;
    char *dir = rv_test_model_dir();
    RV_CHECK_EQ_INT(rv_model_load(&m, dir, &mp), RV_ERR_INVALID_ARG);
    RV_CHECK(m == NULL);
    free(dir);
}

RV_TEST(fp16_and_int8_stay_close_to_fp32_on_golden_texts) {
    RV_CHECK(rv_golden_load(&g_g, RV_GOLDEN_MINILM));
    if (!g_g.vectors) return;
    char id[3][200] = {"", "", ""};
    float *v[3];
    for (int p = 0; p < 3; p++)
        v[p] = embed_golden((rv_precision)p, id[p], sizeof id[p]);
    if (!v[0] || !v[1] || !v[2]) goto done;
    /* ids: fp32 keeps the plain id, the others add a suffix, all differ */
    RV_CHECK(strstr(id[0], "-fp") == NULL && strstr(id[0], "-int") == NULL);
    RV_CHECK(strlen(id[1]) > 5 && strcmp(id[1] + strlen(id[1]) - 5, "-fp16") == 0);
    RV_CHECK(strlen(id[2]) > 7 && strcmp(id[2] + strlen(id[2]) - 7, "-int8v5") == 0);
    RV_CHECK(strncmp(id[1], id[0], strlen(id[0])) == 0 && strcmp(id[1], id[2]) != 0);
    for (int p = 1; p < 3; p++) {
        double sum = 0, mn = 1, sum_ref = 0, mn_ref = 1;
        for (size_t i = 0; i < g_g.count; i++) {
            double c = cosine(v[p] + i * g_g.dim, v[0] + i * g_g.dim, g_g.dim);
            double r = cosine(v[p] + i * g_g.dim, g_g.vectors + i * g_g.dim, g_g.dim);
            sum += c, sum_ref += r;
            if (c < mn) mn = c;
            if (r < mn_ref) mn_ref = r;
        }
        printf("  %s vs fp32 over %zu golden texts: mean cosine %.6f, min %.6f; vs "
               "sentence-transformers: mean %.6f, min %.6f\n",
               p == 1 ? "fp16" : "int8", g_g.count, sum / (double)g_g.count, mn,
               sum_ref / (double)g_g.count, mn_ref);
        double min_bound = p == 1 ? 0.9999 : 0.99, mean_bound = p == 1 ? 0.99999 : 0.995;
        RV_CHECK_MSG(mn >= min_bound && sum / (double)g_g.count >= mean_bound,
                     "precision %d: min %.6f mean %.6f", p, mn, sum / (double)g_g.count);
        RV_CHECK(mn_ref >= min_bound - 1e-4);
    }
done:
    for (int p = 0; p < 3; p++)
        free(v[p]);
}

/* The quantized linear layers through the driver, against the f32 packed
 * path on the same inputs: error relative to the output's scale. */
RV_TEST(quantized_linear_close_to_f32_at_odd_sizes) {
    static const size_t dims[][3] = {{1, 3, 5}, {7, 17, 33}, {37, 70, 129}, {130, 384, 384}};
    const rv_driver *D = &rv_driver_cpu;
    void *dev = NULL, *ctx = NULL;
    RV_CHECK(D->device_open(&dev, 2) == RV_OK && D->ctx_create(&ctx, dev, 2) == RV_OK &&
             D->reserve(ctx, 8u << 20) == RV_OK);
    uint64_t s = 12345;
    for (size_t di = 0; ctx && di < sizeof dims / sizeof dims[0]; di++) {
        size_t m = dims[di][0], n = dims[di][1], k = dims[di][2];
        size_t mark = D->pool_mark(ctx);
        rv_dbuf *x, *b, *o[4], *w[4];
        D->alloc(ctx, &x, m * k * 4);
        D->alloc(ctx, &b, n * 4);
        float *wh = malloc(n * k * sizeof *wh);
        for (size_t i = 0; i < m * k + n + n * k; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            float r = (float)((double)(s >> 40) / 16777216.0 * 2 - 1);
            if (i < m * k)
                ((float *)(void *)x)[i] = r * 3;
            else if (i < m * k + n)
                ((float *)(void *)b)[i - m * k] = r;
            else
                wh[i - m * k - n] = r * 0.2f;
        }
        for (int f = 0; f < 4; f++) {
            D->alloc(ctx, &o[f], m * n * 4);
            RV_CHECK_EQ_INT(D->upload_linear_weight(dev, &w[f], wh, n, k, (rv_wfmt)f), RV_OK);
            RV_CHECK_EQ_INT(D->linear(ctx, x, w[f], b, o[f], m, n, k, RV_ACT_GELU), RV_OK);
        }
        const float *o32 = (const float *)(const void *)o[0];
        double scale = 0;
        for (size_t i = 0; i < m * n; i++)
            scale = fmax(scale, fabs(o32[i]));
        for (int f = 1; f < 4; f++) {
            const float *of = (const float *)(const void *)o[f];
            double worst = 0;
            for (size_t i = 0; i < m * n; i++)
                worst = fmax(worst, fabs(of[i] - o32[i]));
            double tol = f == 1 ? 2e-3 : f == 2 ? 5e-2 : 8e-2;
            RV_CHECK_MSG(worst <= tol * scale, "fmt %d %zux%zux%zu: %g of %g", f, m, n, k, worst,
                         scale);
        }
        for (int f = 0; f < 4; f++)
            D->free_buf(dev, w[f]);
        free(wh);
        D->pool_reset(ctx, mark);
    }
    if (ctx) D->ctx_destroy(ctx);
    if (dev) D->device_close(dev);
}

/* CLS pooling with the CLS-only last layer gives the full layer's vectors. */
RV_TEST(cls_only_last_layer_matches_full_layer) {
    rv_bert_config cfg;
    rv_safetensors *st = NULL;
    void *dev = NULL, *ctx = NULL;
    rv_bert *b = NULL;
    const rv_driver *D = &rv_driver_cpu;
    int ok = rv_bert_config_load(&cfg, TINY) == RV_OK &&
             rv_safetensors_open(&st, TINY "/model.safetensors") == RV_OK &&
             D->device_open(&dev, 2) == RV_OK;
    RV_CHECK(ok);
    cfg.pooling = RV_POOLING_CLS;
    rv_bert_load_opts lo = {.pack = 1, .cls_last_layer = 1};
    ok = ok && rv_bert_load_ex(&b, D, dev, &cfg, st, &lo) == RV_OK &&
         D->ctx_create(&ctx, dev, 2) == RV_OK;
    RV_CHECK(ok);
    if (ok) {
        int32_t lens[5] = {1, 9, 4, 17, 2}, ids[64];
        size_t total = 0, H = b->hidden;
        for (int i = 0; i < 5; i++)
            total += (size_t)lens[i];
        for (size_t i = 0; i < total; i++)
            ids[i] = (int32_t)((i * 7 + 3) % b->vocab);
        float *a = malloc(5 * H * sizeof *a), *full = malloc(5 * H * sizeof *full);
        RV_CHECK_EQ_INT(rv_bert_forward(b, ctx, ids, lens, 5, a, 0), RV_OK);
        RV_CHECK_EQ_INT(rv_bert_forward(b, ctx, ids, lens, 5, full, RV_BERT_NO_CLS_SHORTCUT),
                        RV_OK);
        double worst = 0;
        for (size_t i = 0; i < 5 * H; i++)
            worst = fmax(worst, fabs(a[i] - full[i]));
        RV_CHECK_MSG(worst <= 1e-6, "CLS shortcut differs by %g", worst);
        free(a), free(full);
    }
    if (ctx) D->ctx_destroy(ctx);
    rv_bert_free(b);
    if (dev) D->device_close(dev);
    rv_safetensors_close(st);
}

int main(void) {
    RV_RUN(precision_names_parse_and_defaults);
    RV_RUN(fp16_and_int8_stay_close_to_fp32_on_golden_texts);
    RV_RUN(quantized_linear_close_to_f32_at_odd_sizes);
    RV_RUN(cls_only_last_layer_matches_full_layer);
    rv_golden_free(&g_g);
    return rv_test_summary();
}
