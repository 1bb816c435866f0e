/*
 * embed_example — embed a query and a few snippets, print cosine similarities.
 *
 *   build/examples/embed_example [MODEL_DIR]
 *
 * MODEL_DIR defaults to $RIPVEC_MODEL, else the cached all-MiniLM-L6-v2.
 */
#include "ripvec/embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char dir[4096];
    const char *env = getenv("RIPVEC_MODEL"), *home = getenv("HOME");
    if (argc > 1)
        snprintf(dir, sizeof dir, "%s", argv[1]);
    else if (env && *env)
        snprintf(dir, sizeof dir, "%s", env);
    else
        snprintf(dir, sizeof dir, "%s/.cache/ripvec/models/all-minilm-l6-v2", home ? home : ".");

    rv_model_params mp = rv_model_default_params(); /* cpu, all cores */
    rv_model *model = NULL;
    if (rv_model_load(&model, dir, &mp) != RV_OK) {
        fprintf(stderr, "embed_example: %s\n", rv_error_last());
        return 2;
    }
    rv_embed_params ep = rv_embed_default_params();
    rv_embed_ctx *ctx = NULL;
    if (rv_embed_ctx_create(&ctx, model, &ep) != RV_OK) {
        fprintf(stderr, "embed_example: %s\n", rv_error_last());
        rv_model_free(model);
        return 2;
    }

    /* Queries get the model's query prefix (empty for MiniLM, an instruction for BGE). */
    char query[512];
    snprintf(query, sizeof query, "%sretry a request with exponential backoff",
             rv_model_query_prefix(model));
    const char *texts[] = {
        query,
        "for attempt in range(5):\n    try:\n        return send(req)\n    except Timeout:\n"
        "        time.sleep(2 ** attempt)",
        "def parse_args(argv):\n    return argparse.ArgumentParser().parse_args(argv)",
        "The cat sat on the mat.",
    };
    const char *labels[] = {"", "retry loop with sleep", "argument parsing", "prose about a cat"};
    size_t n = sizeof texts / sizeof texts[0], dim = rv_model_dim(model);
    float *vec = malloc(n * dim * sizeof *vec);
    int rc = 0;
    if (!vec || rv_embed_texts(ctx, texts, NULL, n, vec) != RV_OK) {
        fprintf(stderr, "embed_example: %s\n", vec ? rv_error_last() : "out of memory");
        rc = 2;
    } else {
        printf("model %s (%zu dims, %d tokens max, device %s)\n", rv_model_id(model), dim,
               rv_model_max_tokens(model), rv_model_device(model));
        for (size_t i = 1; i < n; i++) {
            float cos = 0; /* rows are L2-normalized: the dot product is the cosine */
            for (size_t d = 0; d < dim; d++)
                cos += vec[d] * vec[i * dim + d];
            printf("%.4f  %s\n", cos, labels[i]);
        }
    }
    free(vec);
    rv_embed_ctx_free(ctx);
    rv_model_free(model);
    return rc;
}
