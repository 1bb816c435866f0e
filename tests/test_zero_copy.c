/* Warm-start paths: weights read in place from the mapped file (wrap slots,
 * the rows kernel, lazy packing), and the tokenizer's fast vocab scanner and
 * on-demand trie, each against the path it replaces. */
#include "driver/cpu/cpu_internal.h"
#include "engine/arch_bert.h"
#include "golden.h"
#include "ripvec/modelfile.h"
#include "rvtest.h"
#include "tokenizer/tok_internal.h"
#include "util/fs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TINY "tests/data/tiny_bert"

static float frand(unsigned *s) {
    *s = *s * 1103515245u + 12345u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* out = act(x @ w^T + b) in double, the reference. */
static void ref_linear(const float *x, const float *w, const float *b, double *out, size_t m,
                       size_t n, size_t k, int gelu) {
    for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < n; j++) {
            double s = b[j];
            for (size_t p = 0; p < k; p++)
                s += (double)x[r * k + p] * w[j * k + p];
            out[r * n + j] = gelu ? 0.5 * s * (1.0 + erf(s / sqrt(2.0))) : s;
        }
}

/* A weight in three row blocks (as Q, K, V), wrapped and packed eagerly,
 * through short batches (rows kernel) and long ones (lazy pack). */
RV_TEST(wrapped_linear_matches_reference_short_and_long) {
    const rv_driver *D = &rv_driver_cpu;
    static const size_t shapes[][2] = {{37, 19}, {48, 384}, {21, 40}};
    for (int kern = 0; kern < 2; kern++) {
        if (kern == 1 && !rv_cpu_has_avx2()) continue;
        for (size_t si = 0; si < 3; si++) {
            size_t n = shapes[si][0], k = shapes[si][1], M = 40;
            size_t rows[3] = {n / 3, n / 3, n - 2 * (n / 3)};
            unsigned seed = 7u + (unsigned)si;
            float *w = malloc(n * k * sizeof *w), *b = malloc(n * sizeof *b);
            float *x = malloc(M * k * sizeof *x), *out = malloc(M * n * sizeof *out);
            double *ref = malloc(M * n * sizeof *ref);
            for (size_t i = 0; i < n * k; i++)
                w[i] = frand(&seed) * 0.2f;
            for (size_t i = 0; i < n; i++)
                b[i] = frand(&seed);
            for (size_t i = 0; i < M * k; i++)
                x[i] = frand(&seed);
            /* separate blocks, not one array: the parts need not be adjacent */
            float *part[3];
            size_t at = 0;
            for (int i = 0; i < 3; i++) {
                part[i] = malloc(rows[i] * k * sizeof(float));
                memcpy(part[i], w + at * k, rows[i] * k * sizeof(float));
                at += rows[i];
            }
            void *dev = NULL, *ctx = NULL;
            rv_dbuf *wb = NULL;
            RV_CHECK(D->device_open(&dev, 2) == RV_OK && D->ctx_create(&ctx, dev, 2) == RV_OK);
            ((rv_cpu_ctx *)ctx)->lk = kern ? &rv_cpu_linear_avx2 : &rv_cpu_linear_portable;
            const float *const cp[3] = {part[0], part[1], part[2]};
            RV_CHECK_EQ_INT(D->wrap_linear_weight(dev, &wb, cp, rows, 3, k), RV_OK);
            static const size_t ms[] = {1, 2, 3, 5, 16, 17, 40, 6};
            for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++) {
                size_t m = ms[mi];
                int gelu = (int)(mi & 1);
                RV_CHECK_EQ_INT(D->linear(ctx, (const rv_dbuf *)(void *)x, wb,
                                          (const rv_dbuf *)(void *)b, (rv_dbuf *)(void *)out, m, n,
                                          k, gelu ? RV_ACT_GELU : RV_ACT_NONE),
                                RV_OK);
                ref_linear(x, w, b, ref, m, n, k, gelu);
                double worst = 0;
                for (size_t i = 0; i < m * n; i++)
                    worst = fmax(worst, fabs(out[i] - ref[i]));
                RV_CHECK_MSG(worst < 2e-4, "%s n %zu k %zu m %zu: off by %g",
                             kern ? "avx2" : "portable", n, k, m, worst);
                /* packed on the first batch over the rows-kernel limit, not before */
                RV_CHECK_EQ_INT(rv_cpu_wpack_ready((const rv_cpu_wpack *)(void *)wb),
                                m > RV_CPU_ROWS_MAX_M || mi >= 6);
            }
            D->free_buf(dev, wb);
            D->ctx_destroy(ctx);
            D->device_close(dev);
            for (int i = 0; i < 3; i++)
                free(part[i]); /* still ours: ASan flags a double free if free_buf took it */
            free(w), free(b), free(x), free(out), free(ref);
        }
    }
}

typedef struct pack_race {
    const rv_driver *D;
    void *dev;
    rv_dbuf *w;
    const float *x;
    float *out;
    size_t m, n, k;
    rv_status st;
} pack_race;

static void *race_thread(void *p) {
    pack_race *r = p;
    void *ctx = NULL;
    r->st = r->D->ctx_create(&ctx, r->dev, 1);
    if (r->st == RV_OK)
        r->st = r->D->linear(ctx, (const rv_dbuf *)(const void *)r->x, r->w, NULL,
                             (rv_dbuf *)(void *)r->out, r->m, r->n, r->k, RV_ACT_NONE);
    if (ctx) r->D->ctx_destroy(ctx);
    return NULL;
}

/* Contexts on several threads hit one unpacked weight at once: it is packed
 * once and every result is right. */
RV_TEST(lazy_pack_is_safe_across_contexts) {
    const rv_driver *D = &rv_driver_cpu;
    size_t n = 64, k = 96, m = 64;
    unsigned seed = 3;
    float *w = malloc(n * k * sizeof *w), *x = malloc(m * k * sizeof *x);
    float zero[64] = {0};
    double *ref = malloc(m * n * sizeof *ref);
    for (size_t i = 0; i < n * k; i++)
        w[i] = frand(&seed);
    for (size_t i = 0; i < m * k; i++)
        x[i] = frand(&seed);
    ref_linear(x, w, zero, ref, m, n, k, 0);
    void *dev = NULL;
    rv_dbuf *wb = NULL;
    const float *parts[1] = {w};
    size_t rows[1] = {n};
    RV_CHECK(D->device_open(&dev, 1) == RV_OK);
    RV_CHECK_EQ_INT(D->wrap_linear_weight(dev, &wb, parts, rows, 1, k), RV_OK);
    enum { T = 4 };
    pack_race r[T];
    pthread_t th[T];
    for (int i = 0; i < T; i++) {
        r[i] = (pack_race){D, dev, wb, x, malloc(m * n * sizeof(float)), m, n, k, RV_OK};
        pthread_create(&th[i], NULL, race_thread, &r[i]);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        RV_CHECK_EQ_INT(r[i].st, RV_OK);
        double worst = 0;
        for (size_t j = 0; j < m * n; j++)
            worst = fmax(worst, fabs(r[i].out[j] - ref[j]));
        RV_CHECK_MSG(worst < 1e-4, "thread %d off by %g", i, worst);
        free(r[i].out);
    }
    D->free_buf(dev, wb);
    D->device_close(dev);
    free(w), free(x), free(ref);
}

/* wrap_host views are released, never freed, and bad input is an error. */
RV_TEST(wrap_host_views_stay_the_callers) {
    const rv_driver *D = &rv_driver_cpu;
    void *dev = NULL;
    rv_dbuf *a = NULL, *b = NULL, *bad = NULL;
    float *mem = calloc(100, sizeof *mem);
    RV_CHECK(D->device_open(&dev, 1) == RV_OK);
    RV_CHECK_EQ_INT(D->wrap_host(dev, &a, mem, 100 * sizeof *mem), RV_OK);
    RV_CHECK_EQ_INT(D->wrap_host(dev, &b, mem + 50, 50 * sizeof *mem), RV_OK);
    RV_CHECK((void *)a == (void *)mem);
    RV_CHECK_EQ_INT(D->wrap_host(dev, &bad, NULL, 4), RV_ERR_INVALID_ARG);
    D->free_buf(dev, a);
    D->free_buf(dev, b);
    mem[99] = 1.0f; /* still valid */
    D->device_close(dev);
    free(mem);
    const float *none[1] = {NULL};
    size_t rows[1] = {1};
    rv_cpu_wpack *p = NULL;
    RV_CHECK_EQ_INT(rv_cpu_wpack_wrap(&p, none, rows, 1, 4), RV_ERR_INVALID_ARG);
    RV_CHECK_EQ_INT(rv_cpu_wpack_wrap(&p, none, rows, 0, 4), RV_ERR_INVALID_ARG);
    RV_CHECK(p == NULL);
}

/* The tiny BERT read in place, copied, and from an unaligned copy of the
 * file (nothing can be wrapped) gives the same vectors, for a short batch
 * (rows kernel) and a long one (packed). */
RV_TEST(in_place_weights_match_copied_weights) {
    rv_bert_config cfg;
    char *file = NULL, *shifted = NULL;
    size_t len = 0;
    RV_CHECK(rv_bert_config_load(&cfg, TINY) == RV_OK);
    RV_CHECK(rv_read_file(&file, &len, TINY "/model.safetensors", 1u << 26) == RV_OK);
    if (!file) return;
    shifted = malloc(len + 1);
    memcpy(shifted + 1, file, len);
    const rv_driver *D = &rv_driver_cpu;
    int32_t lens[2][4] = {{3, 5, 2, 4}, {9, 17, 12, 30}};
    int32_t ids[128];
    for (size_t i = 0; i < 128; i++)
        ids[i] = (int32_t)((i * 13 + 5) % (size_t)cfg.vocab_size);
    float out[3][4 * 64];
    for (int batch = 0; batch < 2; batch++) {
        for (int how = 0; how < 3; how++) {
            rv_safetensors *st = NULL;
            void *dev = NULL, *ctx = NULL;
            rv_bert *b = NULL;
            rv_bert_load_opts lo = {.pack = 1, .copy_weights = how == 1};
            RV_CHECK(rv_safetensors_parse(&st, how == 2 ? shifted + 1 : file, len) == RV_OK);
            RV_CHECK(D->device_open(&dev, 2) == RV_OK);
            RV_CHECK_MSG(rv_bert_load_ex(&b, D, dev, &cfg, st, &lo) == RV_OK, "%s",
                         rv_error_last());
            RV_CHECK(b && (size_t)cfg.hidden_size <= 64 && D->ctx_create(&ctx, dev, 2) == RV_OK);
            if (b && ctx)
                RV_CHECK_EQ_INT(rv_bert_forward(b, ctx, ids, lens[batch], 4, out[how], 0), RV_OK);
            if (ctx) D->ctx_destroy(ctx);
            rv_bert_free(b);
            D->device_close(dev);
            rv_safetensors_close(st);
        }
        for (int how = 1; how < 3; how++) {
            double worst = 0;
            for (size_t i = 0; i < 4 * (size_t)cfg.hidden_size; i++)
                worst = fmax(worst, fabs(out[0][i] - out[how][i]));
            RV_CHECK_MSG(worst < 1e-5, "batch %d, %s: off by %g", batch,
                         how == 1 ? "copied" : "unaligned", worst);
        }
    }
    free(file);
    free(shifted);
}

static const char *const k_texts[] = {
    "add a subcommand",
    "func (c *Command) AddCommand(cmds ...*Command) { c.commands = append(c.commands, cmds...) }",
    "Ünïcödé naïve café — 日本語のテキスト and emoji 🙂 mixed_with_snake_case "
    "identifiers",
    "supercalifragilisticexpialidocious antidisestablishmentarianism xyzzyplughfoobarbazquux",
    "[CLS] literal specials [SEP] [MASK] and [UNK] in text, URL https://example.com/a?b=c&d=e",
    "   leading and trailing whitespace\t\r\n with\u00a0nbsp and \x01control\x7f chars   ",
    "0123456789 3.14159 1e-9 0xDEADBEEF #include <stdio.h> /* comment */ // more",
};

static void encode_all(const rv_tokenizer *tk, int32_t ids[][256], size_t *n) {
    for (size_t i = 0; i < sizeof k_texts / sizeof k_texts[0]; i++)
        if (rv_tokenizer_encode(tk, k_texts[i], strlen(k_texts[i]), ids[i], 256, &n[i]) != RV_OK)
            n[i] = 0;
}

/* Short texts go through the hash table until the trie is built; after it
 * the same texts give the same ids. The fast vocab scanner and cJSON (a
 * file the scanner declines) load the same tokenizer. */
RV_TEST(tokenizer_fast_paths_match_slow_paths) {
    enum { NT = sizeof k_texts / sizeof k_texts[0] };
    char *dir = rv_test_model_dir();
    char *path = dir ? rv_path_join(dir, "tokenizer.json") : NULL;
    char *json = NULL, *slow = NULL;
    size_t len = 0;
    RV_CHECK_MSG(path && rv_read_file(&json, &len, path, 1u << 26) == RV_OK, "no model at %s",
                 dir ? dir : "(none)");
    rv_tokenizer *a = NULL, *b = NULL;
    if (json) {
        RV_CHECK(rv_tokenizer_load_json(&a, json, len) == RV_OK);
        /* an escaped key ahead of "model" makes the scanner give up */
        const char *brace = memchr(json, '{', len);
        size_t at = brace ? (size_t)(brace - json) + 1 : 0;
        const char *ins = "\"x\\u0041\": 0,";
        slow = malloc(len + strlen(ins));
        memcpy(slow, json, at);
        memcpy(slow + at, ins, strlen(ins));
        memcpy(slow + at + strlen(ins), json + at, len - at);
        int handled = 1;
        size_t vb, ve;
        rv_tok_vocab v;
        memset(&v, 0, sizeof v);
        RV_CHECK(rv_tok_json_vocab(&v, slow, len + strlen(ins), &vb, &ve, &handled) == RV_OK);
        RV_CHECK(handled == 0 && v.n == 0);
        rv_tok_vocab_release(&v);
        RV_CHECK(rv_tokenizer_load_json(&b, slow, len + strlen(ins)) == RV_OK);
    }
    if (a && b) {
        static int32_t ia[NT][256], ib[NT][256], ic[NT][256];
        size_t na[NT], nb[NT], nc[NT];
        RV_CHECK_EQ_INT(rv_tokenizer_vocab_size(a), rv_tokenizer_vocab_size(b));
        RV_CHECK(a->vocab.n == b->vocab.n && a->vocab.max_id == b->vocab.max_id);
        RV_CHECK(atomic_load(&a->trie_state) == 0); /* nothing built yet */
        encode_all(a, ia, na);
        encode_all(b, ib, nb);
        /* 64 KB of text builds a's trie */
        size_t big = RV_TOK_TRIE_AFTER + 16;
        char *text = malloc(big);
        for (size_t i = 0; i < big; i++)
            text[i] = "the quick brown fox jumps over lazy dogs "[i % 41];
        RV_CHECK(rv_tokenizer_count(a, text, big) > 0);
        free(text);
        RV_CHECK(atomic_load(&a->trie_state) == 1);
        encode_all(a, ic, nc);
        for (size_t i = 0; i < NT; i++) {
            RV_CHECK_MSG(na[i] > 2 && na[i] == nb[i] && na[i] == nc[i], "text %zu: %zu %zu %zu", i,
                         na[i], nb[i], nc[i]);
            RV_CHECK_MSG(!memcmp(ia[i], ib[i], na[i] * 4) && !memcmp(ia[i], ic[i], na[i] * 4),
                         "text %zu: ids differ", i);
        }
        for (size_t i = 0; i < a->vocab.n; i++) {
            const struct rv_tok_entry *e = &a->vocab.ent[i];
            if (rv_tok_vocab_get2(&b->vocab, NULL, 0, a->vocab.blob + e->off, e->len) !=
                rv_tok_vocab_get2(&a->vocab, NULL, 0, a->vocab.blob + e->off, e->len)) {
                RV_CHECK_MSG(0, "vocab entry %zu differs", i);
                break;
            }
        }
    }
    rv_tokenizer_free(a);
    rv_tokenizer_free(b);
    free(json), free(slow), free(path), free(dir);
}

/* Scanner corner cases: each either matches cJSON or declines. */
RV_TEST(vocab_scanner_declines_what_it_does_not_handle) {
    static const struct {
        const char *json;
        int handled;
        size_t n;
    } cases[] = {
        {"{\"model\": {\"vocab\": {\"a\": 0, \"b\\u00e9\": 1, \"\\ud83d\\ude42\": 2}}}", 1, 3},
        {"{\"model\": {\"vocab\": {}}}", 1, 0},
        {"{\"model\": {\"vocab\": {\"a\": 1.5}}}", 0, 0},
        {"{\"model\": {\"vocab\": {\"a\": -1}}}", 0, 0},
        {"{\"model\": {\"vocab\": {\"a\\u0000b\": 1}}}", 0, 0},
        {"{\"model\": {\"vocab\": {\"\\ud83d\": 1}}}", 0, 0},
        {"{\"model\": {\"vocab\": {\"a\": 1", 0, 0},
        {"{\"mod\\u0065l\": {}, \"model\": {\"vocab\": {\"a\": 1}}}", 0, 0},
        {"{\"model\": {\"vocab\": [\"a\"]}}", 0, 0},
        {"{\"x\": [1, {\"y\": \"}\"}], \"model\": {\"t\": 1, \"vocab\": {\"a\": 7}}}", 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rv_tok_vocab v;
        memset(&v, 0, sizeof v);
        size_t vb = 0, ve = 0;
        int handled = -1;
        RV_CHECK(rv_tok_json_vocab(&v, cases[i].json, strlen(cases[i].json), &vb, &ve, &handled) ==
                 RV_OK);
        RV_CHECK_MSG(handled == cases[i].handled && v.n == cases[i].n, "case %zu: %d, %zu", i,
                     handled, v.n);
        if (handled) RV_CHECK(cases[i].json[vb] == '{' && cases[i].json[ve - 1] == '}');
        rv_tok_vocab_release(&v);
    }
}

int main(void) {
    RV_RUN(wrapped_linear_matches_reference_short_and_long);
    RV_RUN(lazy_pack_is_safe_across_contexts);
    RV_RUN(wrap_host_views_stay_the_callers);
    RV_RUN(in_place_weights_match_copied_weights);
    RV_RUN(tokenizer_fast_paths_match_slow_paths);
    RV_RUN(vocab_scanner_declines_what_it_does_not_handle);
    return rv_test_summary();
}
