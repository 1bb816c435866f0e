/*
 * tests/support/golden.h — what the real-model tests share: where the model
 * is, and the golden embeddings made by scripts/golden/make_embedding_golden.py.
 *
 *   char *dir = rv_test_model_dir();          // free()
 *   rv_golden g;
 *   if (rv_golden_load(&g, RV_GOLDEN_MINILM)) { ... g.texts[i], g.vectors + i * g.dim ... }
 *   rv_golden_free(&g);
 */
#ifndef RV_TESTS_SUPPORT_GOLDEN_H
#define RV_TESTS_SUPPORT_GOLDEN_H

#include <stddef.h>

#define RV_GOLDEN_MINILM "tests/data/golden/minilm"
/* The quality gate's code set: >= 100 code texts, half at the 256-token limit. */
#define RV_GOLDEN_MINILM_CODE "tests/data/golden/minilm_code"

/* $RIPVEC_TEST_MODEL, else the cache's all-minilm-l6-v2 (malloc'd). */
char *rv_test_model_dir(void);

typedef struct rv_golden {
    char **texts;     /* count NUL-terminated texts */
    size_t *n_tokens; /* reference token count of each text (with specials) */
    size_t count, dim;
    float *vectors; /* count * dim, L2-normalized */
} rv_golden;

/* Reads PREFIX_texts.jsonl and PREFIX_vectors.f32; 1 on success, 0 (and a
 * zeroed *g) when missing or malformed. */
int rv_golden_load(rv_golden *g, const char *prefix);
void rv_golden_free(rv_golden *g);

/* Cosine of two vectors and the largest absolute difference between them. */
double rv_golden_cosine(const float *a, const float *b, size_t dim, double *max_abs_diff);

#endif
