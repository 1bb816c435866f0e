/* Every CPU kernel family this machine has, forced in turn through the
 * driver parameters, against the portable family on the golden texts at
 * each precision: the index's model id names the precision, not the
 * kernel, so the kernels of one precision must agree and give the same id:
 * fp32, fp16, int8 and bf16 to cosine 0.9999, and fp32 stays at the
 * sentence-transformers reference (0.99999), portable included. At int8
 * every family sums the integer products exactly (cpu_linear.h), and the
 * portable LayerNorm, GELU and attention round as the AVX2 ones do
 * (cpu_math.h): a rounding apart would flip an activation code now and
 * then, and that carries through the layers. Families the CPU lacks are
 * reported as not run. The real model comes from RIPVEC_TEST_MODEL or the
 * cache. */
#include "rvtest.h"

#include "driver/cpu/cpu_kernels.h"
#include "golden.h"
#include "ripvec/embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rv_golden g_g;

/* Every STRIDE-th golden text: enough lengths and kinds of text to tell
 * kernels apart, at a cost the portable family can bear in make test. */
enum { STRIDE = 8 };
static const char *g_texts[128];
static size_t g_n;

/* The golden texts' vectors with one kernel family; NULL on failure. */
static float *embed_with(rv_precision p, rv_cpu_isa isa, char *id, size_t idcap) {
    char *dir = rv_test_model_dir();
    rv_model_params mp = rv_model_default_params();
    mp.precision = p;
    mp.threads = 2;
    mp.driver.kernels = rv_cpu_isa_name(isa);
    rv_model *m = NULL;
    rv_embed_ctx *ctx = NULL;
    float *out = malloc(g_g.count * g_g.dim * sizeof *out);
    rv_status st = rv_model_load(&m, dir, &mp);
    RV_CHECK_MSG(st == RV_OK, "%s %s: %s", rv_precision_name(p), mp.driver.kernels,
                 rv_error_last());
    if (st == RV_OK) {
        snprintf(id, idcap, "%s", rv_model_id(m));
        st = rv_embed_ctx_create(&ctx, m, NULL);
        if (st == RV_OK) st = rv_embed_texts(ctx, g_texts, NULL, g_n, out);
        RV_CHECK_MSG(st == RV_OK, "embed: %s", rv_error_last());
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

static double min_cosine(const float *a, const float *b) {
    double worst = 1.0;
    for (size_t i = 0; i < g_n; i++) {
        double c = rv_golden_cosine(a + i * g_g.dim, b + i * g_g.dim, g_g.dim, NULL);
        worst = c < worst ? c : worst;
    }
    return worst;
}

RV_TEST(every_kernel_family_agrees_with_portable_at_each_precision) {
    RV_CHECK(rv_golden_load(&g_g, RV_GOLDEN_MINILM));
    if (!g_g.vectors) return;
    float *gold = malloc(g_g.count * g_g.dim * sizeof *gold);
    for (size_t i = 0; i < g_g.count && g_n < 128; i += STRIDE) {
        memcpy(gold + g_n * g_g.dim, g_g.vectors + i * g_g.dim, g_g.dim * sizeof *gold);
        g_texts[g_n++] = g_g.texts[i];
    }
    for (int i = 0; i < RV_CPU_ISA_COUNT; i++)
        if (!rv_cpu_isa_has((rv_cpu_isa)i))
            printf("  kernels %s: not on this CPU, not run\n", rv_cpu_isa_name((rv_cpu_isa)i));
    for (int p = 0; p <= RV_PRECISION_BF16; p++) {
        char ref_id[200] = "", id[200] = "";
        float *ref = embed_with((rv_precision)p, RV_CPU_ISA_PORTABLE, ref_id, sizeof ref_id);
        float *simd = NULL; /* the first SIMD family's vectors */
        if (!ref) continue;
        if (p == RV_PRECISION_FP32) {
            double g = min_cosine(ref, gold);
            printf("  fp32 portable vs reference: min cosine %.7f\n", g);
            RV_CHECK_MSG(g >= 0.99999, "fp32 portable vs reference: %.7f", g);
        }
        for (int i = 1; i < RV_CPU_ISA_COUNT; i++) {
            if (!rv_cpu_isa_has((rv_cpu_isa)i)) continue;
            float *v = embed_with((rv_precision)p, (rv_cpu_isa)i, id, sizeof id);
            if (!v) continue;
            double c = min_cosine(v, ref), cs = simd ? min_cosine(v, simd) : 1.0;
            printf("  %s %s vs portable: min cosine %.7f, vs the first SIMD family %.7f\n",
                   rv_precision_name((rv_precision)p), rv_cpu_isa_name((rv_cpu_isa)i), c, cs);
            fflush(stdout);
            RV_CHECK_MSG(c >= 0.9999, "%s %s: %.7f", rv_precision_name((rv_precision)p),
                         rv_cpu_isa_name((rv_cpu_isa)i), c);
            RV_CHECK_MSG(cs >= 0.9999, "%s %s vs the first SIMD family: %.7f",
                         rv_precision_name((rv_precision)p), rv_cpu_isa_name((rv_cpu_isa)i), cs);
            RV_CHECK_STR(id, ref_id);
            if (p == RV_PRECISION_FP32) {
                double g = min_cosine(v, gold);
                RV_CHECK_MSG(g >= 0.99999, "fp32 %s vs reference: %.7f",
                             rv_cpu_isa_name((rv_cpu_isa)i), g);
            }
            if (simd)
                free(v);
            else
                simd = v;
        }
        free(simd);
        free(ref);
    }
    free(gold);
}

RV_TEST(forcing_a_family_the_cpu_lacks_fails_cleanly) {
    char *dir = rv_test_model_dir();
    rv_model_params mp = rv_model_default_params();
    rv_model *m = NULL;
    mp.driver.kernels = "no-such-isa";
    RV_CHECK_EQ_INT(rv_model_load(&m, dir, &mp), RV_ERR_INVALID_ARG);
    RV_CHECK(m == NULL);
    for (int i = 0; i < RV_CPU_ISA_COUNT; i++) {
        if (rv_cpu_isa_has((rv_cpu_isa)i)) continue;
        mp.driver.kernels = rv_cpu_isa_name((rv_cpu_isa)i);
        RV_CHECK_EQ_INT(rv_model_load(&m, dir, &mp), RV_ERR_UNSUPPORTED);
        RV_CHECK(m == NULL);
    }
    free(dir);
}

int main(void) {
    RV_RUN(every_kernel_family_agrees_with_portable_at_each_precision);
    RV_RUN(forcing_a_family_the_cpu_lacks_fails_cleanly);
    rv_golden_free(&g_g);
    return rv_test_summary();
}
