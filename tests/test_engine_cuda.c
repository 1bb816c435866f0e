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

#include "ripvec/embed.h"
#include "util/fs.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GOLD "tests/data/golden/minilm"

static char **g_texts;
static size_t g_n, g_dim;
static float *g_gold;
static char *g_model_dir;

static char *model_dir(void) {
    const char *env = getenv("RIPVEC_TEST_MODEL");
    if (env && *env) return strdup(env);
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (xdg && *xdg == '/')
        snprintf(buf, sizeof buf, "%s/ripvec/models/all-minilm-l6-v2", xdg);
    else
        snprintf(buf, sizeof buf, "%s/.cache/ripvec/models/all-minilm-l6-v2", home ? home : "");
    return strdup(buf);
}

static int load_golden(void) {
    char *text = NULL, *vec = NULL;
    size_t tl = 0, vl = 0, cap = 0;
    int ok = 0;
    if (rv_read_file(&text, &tl, GOLD "_texts.jsonl", 16u << 20) != RV_OK) goto done;
    if (rv_read_file(&vec, &vl, GOLD "_vectors.f32", 16u << 20) != RV_OK) goto done;
    char *line = text, *nl;
    for (size_t ln = 0; (nl = strchr(line, '\n')); ln++, line = nl + 1) {
        *nl = '\0';
        cJSON *j = cJSON_Parse(line);
        if (!j) goto done;
        if (ln == 0) {
            g_dim = (size_t)cJSON_GetObjectItem(j, "dim")->valueint;
            cap = (size_t)cJSON_GetObjectItem(j, "count")->valueint;
            g_texts = calloc(cap, sizeof *g_texts);
        } else if (g_n < cap) {
            g_texts[g_n++] = strdup(cJSON_GetObjectItem(j, "text")->valuestring);
        }
        cJSON_Delete(j);
    }
    if (g_n != cap || vl != g_n * g_dim * sizeof(float)) goto done;
    g_gold = malloc(vl);
    memcpy(g_gold, vec, vl);
    ok = 1;
done:
    free(text);
    free(vec);
    return ok;
}

/* Embeds every golden text on `device`; NULL on failure (message printed). */
static float *embed_on(const char *device, rv_status *st_out) {
    rv_model_params mp = rv_model_default_params();
    mp.device = device;
    rv_model *m = NULL;
    rv_embed_ctx *ctx = NULL;
    float *out = NULL;
    rv_status st = rv_model_load(&m, g_model_dir, &mp);
    if (st == RV_OK) st = rv_embed_ctx_create(&ctx, m, NULL);
    if (st == RV_OK) {
        out = malloc(g_n * g_dim * sizeof *out);
        st = rv_embed_texts(ctx, (const char *const *)g_texts, NULL, g_n, out);
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
    for (size_t i = 0; i < g_n; i++) {
        double dot = 0, na = 0, nb = 0;
        for (size_t d = 0; d < g_dim; d++) {
            double x = a[i * g_dim + d], y = b[i * g_dim + d];
            dot += x * y;
            na += x * x;
            nb += y * y;
            if (fabs(x - y) > *max_diff) *max_diff = fabs(x - y);
        }
        double c = dot / sqrt(na * nb);
        if (!(c >= *min_cos)) *min_cos = c;
    }
}

static float *g_fp32;

RV_TEST(cuda_fp32_matches_golden) {
    rv_status st;
    g_fp32 = embed_on("cuda", &st);
    RV_CHECK_MSG(g_fp32 != NULL, "cuda embed: %s", rv_error_last());
    if (!g_fp32) return;
    double c, d;
    compare(g_fp32, g_gold, &c, &d);
    printf("  cuda fp32 vs golden over %zu texts: min cosine %.9f, max abs diff %.3g\n", g_n, c, d);
    RV_CHECK(c >= 0.9999);
}

RV_TEST(cuda_matches_cpu_driver) {
    rv_status st;
    float *cpu = embed_on("cpu", &st);
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
    setenv("RIPVEC_CUDA_TF32", "1", 1);
    rv_status st;
    float *tf = embed_on("cuda", &st);
    unsetenv("RIPVEC_CUDA_TF32");
    RV_CHECK_MSG(tf != NULL, "cuda tf32 embed: %s", rv_error_last());
    if (!tf) return;
    double c, d;
    compare(tf, g_gold, &c, &d);
    printf("  cuda tf32 vs golden: min cosine %.9f, max abs diff %.3g\n", c, d);
    RV_CHECK(c >= 0.999);
    free(tf);
}

int main(void) {
    g_model_dir = model_dir();
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
    if (!load_golden()) {
        printf("golden files missing under %s\n", GOLD);
        return 1;
    }
    RV_RUN(cuda_fp32_matches_golden);
    RV_RUN(cuda_matches_cpu_driver);
    RV_RUN(cuda_tf32_close_to_golden);
    free(g_fp32);
    for (size_t i = 0; i < g_n; i++)
        free(g_texts[i]);
    free(g_texts);
    free(g_gold);
    free(g_model_dir);
    return rv_test_summary();
}
