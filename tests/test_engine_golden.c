/* Parity of the engine with the reference runtime on the real model:
 * all-MiniLM-L6-v2 embeddings made by sentence-transformers (torch, CPU) via
 * scripts/golden/make_embedding_golden.py, plus thread-count and batching
 * invariance. The model comes from RIPVEC_TEST_MODEL or the cache; missing
 * model = failure (CI fetches it first). */
#include "rvtest.h"

#include "golden.h"
#include "ripvec/embed.h"
#include "ripvec/tokenizer.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static rv_golden g_g;
static char *g_model_dir;
static rv_model *g_model;

static int embed_all(const char *const *texts, size_t n, int threads, size_t budget, float *out) {
    rv_embed_params ep = rv_embed_default_params();
    ep.threads = threads;
    if (budget) ep.token_budget = budget;
    rv_embed_ctx *ctx = NULL;
    rv_status st = rv_embed_ctx_create(&ctx, g_model, &ep);
    if (st == RV_OK) st = rv_embed_texts(ctx, texts, NULL, n, out);
    if (st != RV_OK) printf("  embed: %s\n", rv_error_last());
    rv_embed_ctx_free(ctx);
    return st == RV_OK;
}

RV_TEST(golden_files_and_model_load) {
    RV_CHECK(rv_golden_load(&g_g, RV_GOLDEN_MINILM));
    RV_CHECK(g_g.count >= 100);
    g_model_dir = rv_test_model_dir();
    rv_model_params mp = rv_model_default_params();
    rv_status st = rv_model_load(&g_model, g_model_dir, &mp);
    RV_CHECK_MSG(st == RV_OK, "model at %s (set RIPVEC_TEST_MODEL or run make model): %s",
                 g_model_dir, rv_error_last());
    if (g_model) {
        RV_CHECK_EQ_INT(rv_model_dim(g_model), g_g.dim);
        RV_CHECK_EQ_INT(rv_model_max_tokens(g_model), 256);
        RV_CHECK_STR(rv_model_device(g_model), "cpu");
        RV_CHECK(strncmp(rv_model_id(g_model), "all-minilm-l6-v2-", 17) == 0);
    }
}

RV_TEST(golden_embeddings_match_sentence_transformers) {
    if (!g_model || !g_g.vectors) {
        RV_CHECK(!"model or golden files missing");
        return;
    }
    float *out = malloc(g_g.count * g_g.dim * sizeof *out);
    RV_CHECK(embed_all((const char *const *)g_g.texts, g_g.count, 0, 0, out));
    double min_cos = 1.0, max_diff = 0.0;
    size_t tok_mismatch = 0;
    int32_t ids[512];
    for (size_t i = 0; i < g_g.count; i++) {
        size_t n = 0;
        rv_tokenizer_encode(rv_model_tokenizer(g_model), g_g.texts[i], strlen(g_g.texts[i]), ids,
                            256, &n);
        if (n != g_g.n_tokens[i]) tok_mismatch++;
        double dot = 0, na = 0, nb = 0, md = 0;
        for (size_t d = 0; d < g_g.dim; d++) {
            double a = out[i * g_g.dim + d], b = g_g.vectors[i * g_g.dim + d];
            dot += a * b;
            na += a * a;
            nb += b * b;
            if (fabs(a - b) > md) md = fabs(a - b);
        }
        double cos = dot / sqrt(na * nb);
        RV_CHECK_MSG(cos >= 0.99999 && md <= 1e-4,
                     "text %zu (%zu tokens): cosine %.8f, max abs diff %.3g", i, g_g.n_tokens[i],
                     cos, md);
        if (cos < min_cos) min_cos = cos;
        if (md > max_diff) max_diff = md;
    }
    RV_CHECK_EQ_INT(tok_mismatch, 0);
    printf("  parity over %zu texts: min cosine %.9f, max abs diff %.3g\n", g_g.count, min_cos,
           max_diff);
    free(out);
}

static double max_abs_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > m) m = fabs(a[i] - b[i]);
    return m;
}

/* A subset keeps these fast; it spans short, long and truncated inputs. */
enum { SUBSET = 40 };

RV_TEST(embeddings_do_not_depend_on_thread_count) {
    if (!g_model) {
        RV_CHECK(!"model missing");
        return;
    }
    const char *texts[SUBSET];
    for (size_t i = 0; i < SUBSET; i++)
        texts[i] = g_g.texts[(i * 7) % g_g.count];
    float *a = malloc(SUBSET * g_g.dim * sizeof *a), *b = malloc(SUBSET * g_g.dim * sizeof *b);
    RV_CHECK(embed_all(texts, SUBSET, 1, 0, a));
    RV_CHECK(embed_all(texts, SUBSET, 3, 0, b));
    double d = max_abs_diff(a, b, SUBSET * g_g.dim);
    RV_CHECK_MSG(d <= 1e-6, "1 vs 3 threads: max abs diff %g", d);
    free(a);
    free(b);
}

RV_TEST(embeddings_do_not_depend_on_order_or_batching) {
    if (!g_model) {
        RV_CHECK(!"model missing");
        return;
    }
    const char *texts[SUBSET], *rev[SUBSET];
    for (size_t i = 0; i < SUBSET; i++)
        texts[i] = g_g.texts[(i * 11 + 3) % g_g.count];
    for (size_t i = 0; i < SUBSET; i++)
        rev[i] = texts[SUBSET - 1 - i];
    float *a = malloc(SUBSET * g_g.dim * sizeof *a), *b = malloc(SUBSET * g_g.dim * sizeof *b);
    RV_CHECK(embed_all(texts, SUBSET, 2, 0, a)); /* one or two big batches */
    RV_CHECK(embed_all(rev, SUBSET, 2, 300, b)); /* reversed, many small batches */
    double worst = 0;
    for (size_t i = 0; i < SUBSET; i++) {
        double d = max_abs_diff(a + i * g_g.dim, b + (SUBSET - 1 - i) * g_g.dim, g_g.dim);
        if (d > worst) worst = d;
    }
    RV_CHECK_MSG(worst <= 1e-6, "order/batching: max abs diff %g", worst);
    /* and one text alone equals the same text inside a batch */
    float one[384];
    RV_CHECK(g_g.dim <= 384);
    RV_CHECK(embed_all(texts + 5, 1, 1, 0, one));
    double d = max_abs_diff(one, a + 5 * g_g.dim, g_g.dim);
    RV_CHECK_MSG(d <= 1e-6, "alone vs batched: max abs diff %g", d);
    free(a);
    free(b);
}

int main(void) {
    RV_RUN(golden_files_and_model_load);
    RV_RUN(golden_embeddings_match_sentence_transformers);
    RV_RUN(embeddings_do_not_depend_on_thread_count);
    RV_RUN(embeddings_do_not_depend_on_order_or_batching);
    rv_model_free(g_model);
    rv_golden_free(&g_g);
    free(g_model_dir);
    return rv_test_summary();
}
