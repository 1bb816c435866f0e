/*
 * bench_pipeline — indexing throughput of a source tree, step by step through
 * the public APIs, with the share of time in each step:
 *
 *   walk      rv_walk (ignore rules, binary/size checks)
 *   read      reading the files
 *   chunk     rv_chunk_file (tree-sitter definitions / windows; token
 *             counts from rv_tokenizer_count, as the indexer does)
 *   tokenize  rv_tokenizer_encode of every chunk's embed_text
 *   embed     rv_embed_tokens (the engine; batches of 128 chunks, as the indexer)
 *   write     vectors and texts appended to a file in a temporary directory
 *             (a stand-in for the index's own writer, which is not public)
 *
 *   build-perf/bench/bench_pipeline [--threads N] [--precision P] [--model DIR] DIR...
 *
 * Single pass, one thread for everything but the engine (which uses N).
 * Peak RSS: run it under /usr/bin/time -v (bench/run.sh reports the real
 * `ripvec index` too).
 */
#include "ripvec/chunk.h"
#include "ripvec/embed.h"
#include "ripvec/model_store.h"
#include "ripvec/tokenizer.h"
#include "ripvec/walk.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum { S_WALK, S_READ, S_CHUNK, S_TOK, S_EMBED, S_WRITE, S_N };
static const char *const k_step[S_N] = {"walk", "read", "chunk", "tokenize", "embed", "write"};

typedef struct files {
    char **path, **rel;
    size_t n, cap;
} files;

static int on_file(void *user, const rv_walk_entry *e) {
    files *f = user;
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 256;
        f->path = realloc(f->path, f->cap * sizeof *f->path);
        f->rel = realloc(f->rel, f->cap * sizeof *f->rel);
    }
    f->path[f->n] = strdup(e->path);
    f->rel[f->n++] = strdup(e->rel);
    return 0;
}

static size_t count_tokens(void *user, const char *text, size_t len) {
    return rv_tokenizer_count(user, text, len);
}

enum { BATCH = 128 };

int main(int argc, char **argv) {
    int threads = 0;
    rv_precision prec = RV_PRECISION_FP32;
    const char *model_dir = getenv("RIPVEC_TEST_MODEL");
    const char *roots[16];
    int nroots = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--precision") == 0 && i + 1 < argc) {
            if (rv_precision_parse(&prec, argv[++i]) != RV_OK) {
                fprintf(stderr, "bench_pipeline: %s\n", rv_error_last());
                return 2;
            }
        } else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
            model_dir = argv[++i];
        else if (argv[i][0] == '-') {
            printf("usage: bench_pipeline [--threads N] [--precision P] [--model DIR] DIR...\n");
            return argv[i][1] == 'h' ? 0 : 2;
        } else if (nroots < 16)
            roots[nroots++] = argv[i];
    }
    char *cache = NULL, *cache_root = NULL; /* default: the default model's cache directory */
    if ((!model_dir || !*model_dir) &&
        rv_cache_root(&cache, NULL, getenv("XDG_CACHE_HOME"), getenv("HOME")) == RV_OK &&
        rv_model_cache_root(&cache_root, cache) == RV_OK) {
        model_dir = rv_path_join(cache_root, rv_model_default_name()); /* kept to exit */
        free(cache_root);
    }
    free(cache);
    if (nroots == 0) {
        fprintf(stderr, "bench_pipeline: give one or more directories\n");
        return 2;
    }
    double t[S_N] = {0}, t0;
    rv_model *m = NULL;
    rv_model_params mp = rv_model_default_params();
    mp.precision = prec;
    mp.threads = threads;
    rv_embed_ctx *ctx = NULL;
    if (rv_model_load(&m, model_dir, &mp) != RV_OK || rv_embed_ctx_create(&ctx, m, NULL) != RV_OK) {
        fprintf(stderr, "bench_pipeline: %s\n", rv_error_last());
        return 2;
    }
    const rv_tokenizer *tk = rv_model_tokenizer(m);
    size_t dim = rv_model_dim(m), maxlen = (size_t)rv_model_max_tokens(m);
    char tmpl[] = "/tmp/rv-pipeline-XXXXXX", out_path[64];
    if (!mkdtemp(tmpl)) return 2;
    snprintf(out_path, sizeof out_path, "%s/index.bin", tmpl);
    FILE *out = fopen(out_path, "wb");
    files F = {0};
    t0 = now();
    rv_walk_params wp = rv_walk_default_params();
    for (int r = 0; r < nroots; r++)
        if (rv_walk(roots[r], &wp, on_file, NULL, &F) != RV_OK)
            fprintf(stderr, "bench_pipeline: %s\n", rv_error_last());
    t[S_WALK] = now() - t0;

    rv_chunk_params cp = rv_chunk_default_params();
    cp.max_tokens = (int)maxlen;
    cp.count_tokens = count_tokens;
    cp.count_user = (void *)tk;
    rv_chunk_list pending = {0};
    size_t nchunks = 0, ntokens = 0, bytes = 0;
    int32_t *ids = malloc(BATCH * maxlen * sizeof *ids);
    const int32_t *ptr[BATCH];
    size_t lens[BATCH];
    float *vec = malloc(BATCH * dim * sizeof *vec);
    double start = now();
    for (size_t i = 0; i <= F.n; i++) {
        if (i < F.n) {
            char *data = NULL;
            size_t len = 0;
            t0 = now();
            rv_status s = rv_read_file(&data, &len, F.path[i], 64u << 20);
            t[S_READ] += now() - t0;
            if (s != RV_OK) continue;
            bytes += len;
            t0 = now();
            rv_chunk_list one = {0};
            if (rv_chunk_file(&one, F.rel[i], data, len, &cp) == RV_OK)
                for (size_t c = 0; c < one.count; c++) {
                    if (pending.count == pending.cap) {
                        pending.cap = pending.cap ? 2 * pending.cap : 256;
                        pending.items = realloc(pending.items, pending.cap * sizeof(rv_chunk));
                    }
                    rv_chunk_copy(&pending.items[pending.count++], &one.items[c]);
                }
            rv_chunk_list_free(&one);
            t[S_CHUNK] += now() - t0;
            free(data);
        }
        /* embed in batches of BATCH chunks, as the indexer does */
        while (pending.count >= BATCH || (i == F.n && pending.count > 0)) {
            size_t n = pending.count < BATCH ? pending.count : BATCH;
            t0 = now();
            for (size_t c = 0; c < n; c++) {
                const char *txt = pending.items[c].embed_text;
                rv_tokenizer_encode(tk, txt, strlen(txt), ids + c * maxlen, maxlen, &lens[c]);
                ptr[c] = ids + c * maxlen;
                ntokens += lens[c];
            }
            t[S_TOK] += now() - t0;
            t0 = now();
            if (rv_embed_tokens(ctx, ptr, lens, n, vec) != RV_OK) {
                fprintf(stderr, "bench_pipeline: %s\n", rv_error_last());
                return 2;
            }
            t[S_EMBED] += now() - t0;
            t0 = now();
            for (size_t c = 0; c < n; c++) {
                const rv_chunk *ch = &pending.items[c];
                fwrite(vec + c * dim, sizeof *vec, dim, out);
                fprintf(out, "%s:%d-%d\n%s\n", ch->path, ch->start_line, ch->end_line, ch->content);
            }
            t[S_WRITE] += now() - t0;
            for (size_t c = 0; c < n; c++)
                rv_chunk_clear(&pending.items[c]);
            memmove(pending.items, pending.items + n, (pending.count - n) * sizeof(rv_chunk));
            pending.count -= n;
            nchunks += n;
        }
    }
    t0 = now();
    fclose(out);
    t[S_WRITE] += now() - t0;
    double total = now() - start + t[S_WALK];
    printf("PIPELINE files=%zu bytes=%zu chunks=%zu tokens=%zu precision=%s threads=%d "
           "total_s=%.2f chunks_per_s=%.1f",
           F.n, bytes, nchunks, ntokens, rv_precision_name(prec), threads, total,
           (double)nchunks / total);
    for (int s = 0; s < S_N; s++)
        printf(" %s=%.1f%%", k_step[s], 100.0 * t[s] / total);
    printf("\n");
    unlink(out_path);
    rmdir(tmpl);
    for (size_t i = 0; i < F.n; i++)
        free(F.path[i]), free(F.rel[i]);
    free(F.path), free(F.rel), free(pending.items), free(ids), free(vec);
    rv_embed_ctx_free(ctx);
    rv_model_free(m);
    return 0;
}
