/* The BERT forward pass (engine/arch_bert.c) on the aarch64 kernels against
 * the same pass on the portable ones, for a small random model in every
 * weight format the engine loads (f32 read in place, f32 packed, f16, and
 * int8: the q7f / q7 / q8u mix with SmoothQuant factors), batched and one
 * sequence at a time, with the fused and the composed attention.
 *
 * Built only by mk/aarch64.mk and run under qemu (tests/test_aarch64_qemu.c):
 * the cross build has no arm64 cJSON, so instead of a safetensors file this
 * test supplies the three functions the loader reads tensors through, over
 * tensors it makes itself. An aarch64 host runs the engine tests themselves
 * (test_engine, test_precision) on these kernels. */
#include "rvtest.h"

#include "driver/cpu/cpu_internal.h"
#include "driver/cpu/cpu_neon.h"
#include "engine/arch_bert.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { H = 64, HEADS = 4, INTER = 128, LAYERS = 2, VOCAB = 120, MAXPOS = 80, MAXT = 64 };

struct rv_safetensors {
    size_t n;
    rv_tensor_info t[MAXT];
    char name[MAXT][128];
};

static uint64_t g_seed = 0x2545f4914f6cdd1dull;
static float urand(void) { /* [-1, 1) */
    g_seed ^= g_seed << 13;
    g_seed ^= g_seed >> 7;
    g_seed ^= g_seed << 17;
    return (float)((double)(g_seed >> 40) / 8388608.0 - 1.0);
}

/* Adds tensor `name` [d0] or [d0, d1] of values base + amp * U[-1, 1). */
static void add(rv_safetensors *st, const char *name, size_t d0, size_t d1, float base, float amp) {
    rv_tensor_info *t = &st->t[st->n];
    size_t count = d0 * (d1 ? d1 : 1);
    float *v = malloc(count * sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = base + amp * urand();
    snprintf(st->name[st->n], sizeof st->name[0], "%s", name);
    *t = (rv_tensor_info){.name = st->name[st->n],
                          .dtype = RV_DTYPE_F32,
                          .ndim = d1 ? 2 : 1,
                          .shape = {(int64_t)d0, (int64_t)d1},
                          .data = v,
                          .nbytes = count * sizeof *v};
    st->n++;
}

static void add_ln(rv_safetensors *st, const char *prefix) {
    char n[128];
    snprintf(n, sizeof n, "%s.weight", prefix);
    add(st, n, H, 0, 1.0f, 0.3f);
    snprintf(n, sizeof n, "%s.bias", prefix);
    add(st, n, H, 0, 0.0f, 0.2f);
}

static void add_linear(rv_safetensors *st, const char *prefix, size_t n, size_t k) {
    char s[128];
    snprintf(s, sizeof s, "%s.weight", prefix);
    add(st, s, n, k, 0.0f, 1.7f / sqrtf((float)k));
    snprintf(s, sizeof s, "%s.bias", prefix);
    add(st, s, n, 0, 0.0f, 0.1f);
}

static void make_model(rv_safetensors *st) {
    memset(st, 0, sizeof *st);
    add(st, "embeddings.word_embeddings.weight", VOCAB, H, 0.0f, 1.0f);
    add(st, "embeddings.position_embeddings.weight", MAXPOS, H, 0.0f, 0.3f);
    add(st, "embeddings.token_type_embeddings.weight", 2, H, 0.0f, 0.3f);
    add_ln(st, "embeddings.LayerNorm");
    static const char *const parts[][2] = {{"attention.self.query", "q"},
                                           {"attention.self.key", "q"},
                                           {"attention.self.value", "q"},
                                           {"attention.output.dense", "h"},
                                           {"attention.output.LayerNorm", "l"},
                                           {"intermediate.dense", "i"},
                                           {"output.dense", "o"},
                                           {"output.LayerNorm", "l"}};
    for (int l = 0; l < LAYERS; l++)
        for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
            char pre[96];
            snprintf(pre, sizeof pre, "encoder.layer.%d.%s", l, parts[p][0]);
            char kind = parts[p][1][0];
            if (kind == 'l')
                add_ln(st, pre);
            else
                add_linear(st, pre, kind == 'i' ? INTER : H, kind == 'o' ? INTER : H);
        }
}

static void free_model(rv_safetensors *st) {
    for (size_t i = 0; i < st->n; i++)
        free((void *)(uintptr_t)st->t[i].data);
}

/* The loader's view of the tensors (declared in ripvec/modelfile.h). */
const rv_tensor_info *rv_safetensors_find(const rv_safetensors *st, const char *name) {
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->t[i].name, name) == 0) return &st->t[i];
    return NULL;
}

rv_status rv_tensor_read_f32(const rv_tensor_info *t, float *dst, size_t count) {
    if (t->dtype != RV_DTYPE_F32 || count * sizeof *dst != t->nbytes) return RV_ERR_INVALID_ARG;
    memcpy(dst, t->data, t->nbytes);
    return RV_OK;
}

const char *rv_dtype_name(rv_dtype dt) {
    return dt == RV_DTYPE_F32 ? "F32" : "other";
}

static double cosine(const float *a, const float *b, size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++)
        ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
    return ab / sqrt(aa * bb + 1e-300);
}

static const int32_t g_lens[] = {1, 9, 16, 33, 70};
enum { NSEQ = sizeof g_lens / sizeof g_lens[0] };

/* out [NSEQ, H]: the sequences batched, or one forward each. */
static void forward(const rv_bert *b, void *ctx, const int32_t *ids, int batched, unsigned flags,
                    float *out) {
    if (batched) {
        RV_CHECK_EQ_INT(rv_bert_forward(b, ctx, ids, g_lens, NSEQ, out, flags), RV_OK);
        return;
    }
    for (size_t i = 0, at = 0; i < NSEQ; at += (size_t)g_lens[i], i++)
        RV_CHECK_EQ_INT(rv_bert_forward(b, ctx, ids + at, &g_lens[i], 1, out + i * H, flags),
                        RV_OK);
}

RV_TEST(forward_on_neon_matches_portable_in_every_format) {
    const rv_driver *D = &rv_driver_cpu;
    rv_safetensors st;
    make_model(&st);
    rv_bert_config cfg = {.vocab_size = VOCAB,
                          .hidden_size = H,
                          .num_layers = LAYERS,
                          .num_heads = HEADS,
                          .intermediate_size = INTER,
                          .max_position_embeddings = MAXPOS,
                          .type_vocab_size = 2,
                          .layer_norm_eps = 1e-12f,
                          .hidden_act = "gelu",
                          .model_type = "bert",
                          .pooling = RV_POOLING_MEAN,
                          .max_seq_length = MAXPOS};
    int32_t ids[256];
    size_t total = 0;
    for (size_t i = 0; i < NSEQ; i++)
        total += (size_t)g_lens[i];
    for (size_t i = 0; i < total; i++)
        ids[i] = (int32_t)((urand() + 1.0f) * 0.5f * (VOCAB - 1));
    void *dev = NULL, *fast = NULL, *port = NULL;
    RV_CHECK_EQ_INT(D->device_open(&dev, 2), RV_OK);
    RV_CHECK_EQ_INT(D->ctx_create(&fast, dev, 2), RV_OK);
    RV_CHECK_EQ_INT(D->ctx_create(&port, dev, 2), RV_OK);
    rv_cpu_ctx *pc = port, *fc = fast;
    pc->k = &rv_cpu_kernels_portable;
    pc->lk = &rv_cpu_linear_portable;
    printf("  kernels: %s, %s against %s, %s\n", fc->k->name, fc->lk->name, pc->k->name,
           pc->lk->name);
    RV_CHECK(fc->k == &rv_cpu_kernels_neon && fc->k != pc->k && fc->lk != pc->lk);
    static const struct {
        const char *name;
        rv_wfmt fmt;
        int pack;
        double min_cos, max_abs;
    } fmts[] = {{"f32 in place", RV_WFMT_F32, 0, 0.999999, 2e-5},
                {"f32 packed", RV_WFMT_F32, 1, 0.999999, 2e-5},
                {"f16", RV_WFMT_F16, 1, 0.999999, 2e-5},
                {"int8", RV_WFMT_Q8, 1, 0.9999, 1}};
    float a[NSEQ * H], b[NSEQ * H], f32[NSEQ * H];
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        rv_bert *bert = NULL;
        rv_bert_load_opts o = {.pack = fmts[f].pack, .wfmt = fmts[f].fmt};
        RV_CHECK_EQ_INT(rv_bert_load_ex(&bert, D, dev, &cfg, &st, &o), RV_OK);
        if (!bert) {
            printf("  load %s: %s\n", fmts[f].name, rv_error_last());
            continue;
        }
        for (int v = 0; v < 4; v++) {
            unsigned flags = v & 1 ? RV_BERT_NO_FUSED_ATTENTION : 0;
            forward(bert, fast, ids, v >> 1, flags, a);
            forward(bert, port, ids, v >> 1, flags, b);
            double worst_cos = 1, worst_abs = 0;
            for (size_t i = 0; i < NSEQ; i++) {
                double c = cosine(a + i * H, b + i * H, H);
                worst_cos = c < worst_cos ? c : worst_cos;
            }
            for (size_t i = 0; i < NSEQ * H; i++) {
                double d = fabs((double)a[i] - b[i]);
                worst_abs = d > worst_abs ? d : worst_abs;
            }
            RV_CHECK_MSG(worst_cos >= fmts[f].min_cos && worst_abs <= fmts[f].max_abs,
                         "%s batched %d flags %u: min cosine %.9f, max abs diff %g", fmts[f].name,
                         v >> 1, flags, worst_cos, worst_abs);
            if (v != 0) continue;
            printf("  %s: min cosine %.9f, max abs diff %.3g\n", fmts[f].name, worst_cos,
                   worst_abs);
            if (f == 0) memcpy(f32, a, sizeof f32);
            /* the int8 pass must really be quantized: visibly off fp32 */
            double off = 1;
            for (size_t i = 0; fmts[f].fmt == RV_WFMT_Q8 && i < NSEQ; i++) {
                double c = cosine(a + i * H, f32 + i * H, H);
                off = c < off ? c : off;
            }
            RV_CHECK_MSG(fmts[f].fmt != RV_WFMT_Q8 || (off < 0.99999 && off > 0.99),
                         "int8 against fp32: min cosine %.9f", off);
        }
        rv_bert_free(bert);
    }
    D->ctx_destroy(fast);
    D->ctx_destroy(port);
    D->device_close(dev);
    free_model(&st);
}

int main(void) {
    RV_RUN(forward_on_neon_matches_portable_in_every_format);
    return rv_test_summary();
}
