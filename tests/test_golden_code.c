/* The code golden set (tests/data/golden/minilm_code_*, texts written for
 * ripvec in scripts/golden/golden_texts.py, vectors from sentence-transformers
 * on torch via scripts/golden/make_embedding_golden.py --texts code): it has
 * the shape the reduced-precision gate relies on (>= 100 texts, half at the
 * model's 256-token limit, our token counts equal to the reference's), and
 * the fp32 engine matches it as it matches the main golden set. */
#include "rvtest.h"

#include "golden.h"
#include "ripvec/embed.h"
#include "ripvec/tokenizer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

RV_TEST(code_set_is_large_and_half_at_the_limit_and_fp32_matches_it) {
    rv_golden g;
    RV_CHECK(rv_golden_load(&g, RV_GOLDEN_MINILM_CODE));
    if (!g.count) return;
    char *dir = rv_test_model_dir();
    rv_model *m = NULL;
    rv_model_params mp = rv_model_default_params();
    RV_CHECK_MSG(rv_model_load(&m, dir, &mp) == RV_OK, "model at %s (run make model): %s", dir,
                 rv_error_last());
    free(dir);
    if (!m) {
        rv_golden_free(&g);
        return;
    }
    size_t limit = rv_model_max_tokens(m), at_limit = 0, mismatched = 0;
    int32_t ids[512];
    for (size_t i = 0; i < g.count; i++) {
        size_t n = 0;
        rv_tokenizer_encode(rv_model_tokenizer(m), g.texts[i], strlen(g.texts[i]), ids, limit, &n);
        at_limit += g.n_tokens[i] == limit;
        mismatched += n != g.n_tokens[i];
    }
    RV_CHECK_MSG(g.count >= 100 && 2 * at_limit >= g.count, "%zu texts, %zu at the limit", g.count,
                 at_limit);
    RV_CHECK_EQ_INT(mismatched, 0);

    float *out = malloc(g.count * g.dim * sizeof *out);
    rv_embed_params ep = rv_embed_default_params();
    ep.threads = 2;
    rv_embed_ctx *ctx = NULL;
    rv_status st = rv_embed_ctx_create(&ctx, m, &ep);
    if (st == RV_OK) st = rv_embed_texts(ctx, (const char *const *)g.texts, NULL, g.count, out);
    RV_CHECK_MSG(st == RV_OK, "embed: %s", rv_error_last());
    double min_cos = 1.0, worst_diff = 0.0;
    for (size_t i = 0; st == RV_OK && i < g.count; i++) {
        double md = 0, c = rv_golden_cosine(out + i * g.dim, g.vectors + i * g.dim, g.dim, &md);
        RV_CHECK_MSG(c >= 0.99999 && md <= 1e-4, "text %zu (%zu tokens): cosine %.8f, diff %.3g", i,
                     g.n_tokens[i], c, md);
        if (c < min_cos) min_cos = c;
        if (md > worst_diff) worst_diff = md;
    }
    printf("  fp32 vs reference over %zu code texts (%zu at the limit): min cosine %.9f, max abs "
           "diff %.3g\n",
           g.count, at_limit, min_cos, worst_diff);
    rv_embed_ctx_free(ctx);
    free(out);
    rv_model_free(m);
    rv_golden_free(&g);
}

int main(void) {
    RV_RUN(code_set_is_large_and_half_at_the_limit_and_fp32_matches_it);
    return rv_test_summary();
}
