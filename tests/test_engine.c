/* Engine tests on the tiny random BERT (tests/data/tiny_bert, made by
 * scripts/golden/make_tiny_bert.py with a float64 numpy reference that was
 * cross-checked against transformers' BertModel). */
#include "rvtest.h"

#include "engine/arch_bert.h"
#include "ripvec/embed.h"
#include "ripvec/modelfile.h"
#include "ripvec/tokenizer.h"
#include "util/fs.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TINY "tests/data/tiny_bert"

void rv_embed_ctx_set_flags(rv_embed_ctx *c, unsigned flags);

static cJSON *g_ref;

static cJSON *load_ref(void) {
    if (g_ref) return g_ref;
    char *text = NULL;
    size_t n = 0;
    if (rv_read_file(&text, &n, TINY "/reference.json", 1u << 24) != RV_OK) return NULL;
    g_ref = cJSON_Parse(text);
    free(text);
    return g_ref;
}

/* Max abs difference between out[dim] and the JSON number array. */
static double diff_vec(const float *out, const cJSON *arr, size_t dim) {
    double worst = 0.0;
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != dim) return 1e9;
    size_t i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) {
        double d = fabs(out[i++] - v->valuedouble);
        if (d > worst) worst = d;
    }
    return worst;
}

typedef struct tiny {
    rv_bert_config cfg;
    rv_safetensors *st;
    void *dev, *ctx;
    rv_bert *bert;
} tiny;

static int tiny_open(tiny *t, rv_pooling pooling, int threads) {
    memset(t, 0, sizeof *t);
    if (rv_bert_config_load(&t->cfg, TINY) != RV_OK) return 0;
    t->cfg.pooling = pooling;
    if (rv_safetensors_open(&t->st, TINY "/model.safetensors") != RV_OK) return 0;
    if (rv_driver_cpu.device_open(&t->dev, threads) != RV_OK) return 0;
    if (rv_bert_load(&t->bert, &rv_driver_cpu, t->dev, &t->cfg, t->st) != RV_OK) {
        printf("  load: %s\n", rv_error_last());
        return 0;
    }
    return rv_driver_cpu.ctx_create(&t->ctx, t->dev, threads) == RV_OK;
}

static void tiny_close(tiny *t) {
    if (t->ctx) rv_driver_cpu.ctx_destroy(t->ctx);
    rv_bert_free(t->bert);
    if (t->dev) rv_driver_cpu.device_close(t->dev);
    rv_safetensors_close(t->st);
}

/* Every reference sequence, one at a time and all in one batch, through both
 * the fused and the composed (seed) paths, for one pooling. */
static void check_sequences(rv_pooling pooling, const char *key, unsigned flags, int threads) {
    cJSON *ref = load_ref();
    RV_CHECK(ref != NULL);
    if (!ref) return;
    tiny t;
    int ok = tiny_open(&t, pooling, threads);
    RV_CHECK(ok);
    if (ok) {
        const cJSON *seqs = cJSON_GetObjectItem(ref, "sequences");
        size_t n = (size_t)cJSON_GetArraySize(seqs), dim = t.bert->hidden, total = 0;
        int32_t *ids = malloc(64 * n * sizeof *ids), lens[64];
        float *out = malloc(n * dim * sizeof *out), one[64];
        const cJSON *s;
        size_t i = 0;
        cJSON_ArrayForEach(s, seqs) {
            const cJSON *id;
            int32_t len = 0;
            cJSON_ArrayForEach(id, cJSON_GetObjectItem(s, "ids")) ids[total + (size_t)len++] =
                id->valueint;
            lens[i] = len;
            rv_status st = rv_bert_forward(t.bert, t.ctx, ids + total, &lens[i], 1, one, flags);
            RV_CHECK_EQ_INT(st, RV_OK);
            double d = diff_vec(one, cJSON_GetObjectItem(s, key), dim);
            RV_CHECK_MSG(d <= 2e-5, "single seq len %d (%s): max abs diff %g", len, key, d);
            total += (size_t)len;
            i++;
        }
        rv_status st = rv_bert_forward(t.bert, t.ctx, ids, lens, n, out, flags);
        RV_CHECK_EQ_INT(st, RV_OK);
        i = 0;
        cJSON_ArrayForEach(s, seqs) {
            double d = diff_vec(out + i * dim, cJSON_GetObjectItem(s, key), dim);
            RV_CHECK_MSG(d <= 2e-5, "batched seq %zu (%s): max abs diff %g", i, key, d);
            i++;
        }
        free(ids);
        free(out);
    }
    tiny_close(&t);
}

RV_TEST(tiny_forward_mean_matches_reference) {
    check_sequences(RV_POOLING_MEAN, "mean", 0, 1);
}
RV_TEST(tiny_forward_cls_matches_reference) {
    check_sequences(RV_POOLING_CLS, "cls", 0, 2);
}
RV_TEST(tiny_forward_composed_path_matches_reference) {
    check_sequences(RV_POOLING_MEAN, "mean", RV_BERT_NO_FUSED_LINEAR | RV_BERT_NO_FUSED_ATTENTION,
                    3);
    check_sequences(RV_POOLING_CLS, "cls", RV_BERT_NO_FUSED_ATTENTION, 1);
}

int main(void) {
    RV_RUN(tiny_forward_mean_matches_reference);
    RV_RUN(tiny_forward_cls_matches_reference);
    RV_RUN(tiny_forward_composed_path_matches_reference);
    cJSON_Delete(g_ref);
    return rv_test_summary();
}
