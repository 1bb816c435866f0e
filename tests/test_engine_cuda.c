/*
 * The whole forward pass on the CUDA driver against the golden embeddings
 * (sentence-transformers on PyTorch, tests/data/golden/minilm_*), in fp32
 * (required: cosine >= 0.9999) and with TF32 tensor-core GEMMs (figure
 * reported, required >= 0.999), and the GPU's vectors against the CPU
 * driver's on the same texts.
 *
 * Runs only where a GPU is present; otherwise it says the tests did not run
 * and reports 0 passed, 0 failed (never counted as passed).
 */
#include "rvtest.h"

#include "golden.h"
#include "ripvec/embed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static rv_golden g_gold;
static char *g_model_dir;

/* Embeds every golden text on `device`; NULL on failure (message printed). */
static float *embed_on(const char *device, int tf32, rv_status *st_out) {
    rv_model_params mp = rv_model_default_params();
    mp.device = device;
    mp.driver.cuda_tf32 = tf32;
    rv_model *m = NULL;
    rv_embed_ctx *ctx = NULL;
    float *out = NULL;
    rv_status st = rv_model_load(&m, g_model_dir, &mp);
    if (st == RV_OK) st = rv_embed_ctx_create(&ctx, m, NULL);
    if (st == RV_OK) {
        out = malloc(g_gold.count * g_gold.dim * sizeof *out);
        st = rv_embed_texts(ctx, (const char *const *)g_gold.texts, NULL, g_gold.count, out);
    }
    if (st != RV_OK) {
        free(out);
        out = NULL;
    }
    *st_out = st;
    rv_embed_ctx_free(ctx);
    rv_model_free(m);
    return out;
}

static void compare(const float *a, const float *b, double *min_cos, double *max_diff) {
    *min_cos = 1.0;
    *max_diff = 0.0;
    for (size_t i = 0; i < g_gold.count; i++) {
        double md, c = rv_golden_cosine(a + i * g_gold.dim, b + i * g_gold.dim, g_gold.dim, &md);
        if (!(c >= *min_cos)) *min_cos = c;
        if (md > *max_diff) *max_diff = md;
    }
}

static float *g_fp32;

RV_TEST(cuda_fp32_matches_golden) {
    rv_status st;
    g_fp32 = embed_on("cuda", 0, &st);
    RV_CHECK_MSG(g_fp32 != NULL, "cuda embed: %s", rv_error_last());
    if (!g_fp32) return;
    double c, d;
    compare(g_fp32, g_gold.vectors, &c, &d);
    printf("  cuda fp32 vs golden over %zu texts: min cosine %.9f, max abs diff %.3g\n",
           g_gold.count, c, d);
    RV_CHECK(c >= 0.9999);
}

RV_TEST(cuda_matches_cpu_driver) {
    rv_status st;
    float *cpu = embed_on("cpu", 0, &st);
    RV_CHECK_MSG(cpu != NULL, "cpu embed: %s", rv_error_last());
    if (cpu && g_fp32) {
        double c, d;
        compare(g_fp32, cpu, &c, &d);
        printf("  cuda fp32 vs cpu driver: min cosine %.9f, max abs diff %.3g\n", c, d);
        RV_CHECK(c >= 0.9999);
    }
    free(cpu);
}

RV_TEST(cuda_tf32_close_to_golden) {
    rv_status st;
    float *tf = embed_on("cuda", 1, &st);
    RV_CHECK_MSG(tf != NULL, "cuda tf32 embed: %s", rv_error_last());
    if (!tf) return;
    double c, d;
    compare(tf, g_gold.vectors, &c, &d);
    printf("  cuda tf32 vs golden: min cosine %.9f, max abs diff %.3g\n", c, d);
    RV_CHECK(c >= 0.999);
    free(tf);
}

int main(void) {
    g_model_dir = rv_test_model_dir();
    rv_model_params mp = rv_model_default_params();
    mp.device = "cuda";
    rv_model *probe = NULL;
    rv_status st = rv_model_load(&probe, g_model_dir, &mp);
    rv_model_free(probe);
    if (st == RV_ERR_NO_DEVICE) {
        printf("cuda: %s: these tests did not run\n", rv_error_last());
        free(g_model_dir);
        return rv_test_summary();
    }
    if (!rv_golden_load(&g_gold, RV_GOLDEN_MINILM)) {
        printf("golden files missing under %s\n", RV_GOLDEN_MINILM);
        return 1;
    }
    RV_RUN(cuda_fp32_matches_golden);
    RV_RUN(cuda_matches_cpu_driver);
    RV_RUN(cuda_tf32_close_to_golden);
    free(g_fp32);
    rv_golden_free(&g_gold);
    free(g_model_dir);
    return rv_test_summary();
}
