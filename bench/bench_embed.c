/*
 * bench_embed — embedding throughput of the CPU engine on real code chunks.
 *
 *   build-engine/bench/bench_embed [--chunks N] [--quick] [--model DIR] [CORPUS_DIR...]
 *
 * Chunks: windows of 40, 10, 25 and 5 lines in turn over the files under
 * CORPUS_DIR (default ../shared/eval/dev/<each>/corpus from the project root), files in sorted
 * order, then again shifted by 20 lines if more are needed; the first N
 * (default 2000; --quick 300) are used, so the set is fixed for a corpus. Prints tokens/s and
 * sequences/s at 1 and 2 threads, the machine's fp32 FMA peak measured in the
 * same run and the share of it reached, and (from a run with every driver op
 * timed) the share of time spent in GEMMs.
 */
#include "driver/cpu/cpu_kernels.h"
#include "engine/arch_bert.h"
#include "ripvec/embed.h"
#include "ripvec/model_store.h"
#include "ripvec/modelfile.h"
#include "ripvec/tokenizer.h"
#include "util/fs.h"

#include <cblas.h>
#include <dirent.h>
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- chunks ---- */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static void push(strvec *s, char *x) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = x;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_files(const char *dir, strvec *out) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    strvec names = {0};
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' || (e->d_name[1] && e->d_name[1] != '.' && strcmp(e->d_name, "..")))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                push(&names, rv_path_join(dir, e->d_name));
    closedir(d);
    qsort(names.v, names.n, sizeof *names.v, cmp_str);
    for (size_t i = 0; i < names.n; i++) {
        struct stat st;
        if (lstat(names.v[i], &st) != 0) {
            free(names.v[i]);
        } else if (S_ISDIR(st.st_mode)) {
            list_files(names.v[i], out);
            free(names.v[i]);
        } else if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < (1 << 20)) {
            push(out, names.v[i]);
        } else {
            free(names.v[i]);
        }
    }
    free(names.v);
}

/* Windows starting at line `first`, their lengths cycling through 40, 10, 25
 * and 5 lines so the set mixes short and long (truncated) chunks. */
static const int k_win[4] = {40, 10, 25, 5};
static void windows(const char *text, size_t first, strvec *out, size_t want) {
    const char *p = text;
    size_t line = 0;
    while (*p && line < first) {
        if (*p++ == '\n') line++;
    }
    while (*p && out->n < want) {
        const char *start = p;
        int lines = k_win[out->n % 4];
        for (int l = 0; l < lines && *p; p++)
            if (*p == '\n') l++;
        size_t len = (size_t)(p - start);
        int blank = 1;
        for (size_t i = 0; i < len && blank; i++)
            blank = start[i] == ' ' || start[i] == '\n' || start[i] == '\t' || start[i] == '\r';
        if (!blank) push(out, strndup(start, len));
    }
}

static void build_chunks(strvec *chunks, char **dirs, int ndirs, size_t want) {
    strvec files = {0};
    for (int i = 0; i < ndirs; i++)
        list_files(dirs[i], &files);
    for (size_t shift = 0; shift <= 20 && chunks->n < want; shift += 20)
        for (size_t i = 0; i < files.n && chunks->n < want; i++) {
            char *text = NULL;
            size_t n = 0;
            if (rv_read_file(&text, &n, files.v[i], 1 << 20) != RV_OK) continue;
            if (strlen(text) == n) windows(text, shift, chunks, want); /* skip binary */
            free(text);
        }
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
}

/* ---- peak fp32 ---- */

/* Twelve independent FMA chains (more than latency x pipes on current x86
 * cores), each variable its own register. */
#define FMA12(m, c)                                                                                \
    a0 = _mm256_fmadd_ps(a0, m, c), a1 = _mm256_fmadd_ps(a1, m, c),                                \
    a2 = _mm256_fmadd_ps(a2, m, c), a3 = _mm256_fmadd_ps(a3, m, c),                                \
    a4 = _mm256_fmadd_ps(a4, m, c), a5 = _mm256_fmadd_ps(a5, m, c),                                \
    a6 = _mm256_fmadd_ps(a6, m, c), a7 = _mm256_fmadd_ps(a7, m, c),                                \
    a8 = _mm256_fmadd_ps(a8, m, c), a9 = _mm256_fmadd_ps(a9, m, c),                                \
    a10 = _mm256_fmadd_ps(a10, m, c), a11 = _mm256_fmadd_ps(a11, m, c)

__attribute__((target("avx2,fma"))) static float fma_loop(long iters) {
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    __m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2),
           a3 = _mm256_set1_ps(3), a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5),
           a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7), a8 = _mm256_set1_ps(8),
           a9 = _mm256_set1_ps(9), a10 = _mm256_set1_ps(10), a11 = _mm256_set1_ps(11);
    for (long it = 0; it < iters; it++)
        FMA12(m, c);
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0];
}

static double thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double process_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct fma_job {
    long iters;
    double cpu_s;
    float sink;
} fma_job;

static void *fma_thread(void *arg) {
    fma_job *j = arg;
    double t0 = thread_cpu();
    j->sink = fma_loop(j->iters);
    j->cpu_s = thread_cpu() - t0;
    return NULL;
}

/* Wall-clock GFLOP/s of `threads` threads of FMA chains; *per_core gets the
 * rate per CPU-second (the figure that is fair on a shared machine). */
static double peak_gflops(int threads, double *per_core) {
    fma_job jobs[8];
    pthread_t t[8];
    double t0 = now(), cpu = 0;
    for (int i = 0; i < threads; i++) {
        jobs[i].iters = 30000000;
        pthread_create(&t[i], NULL, fma_thread, &jobs[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double dt = now() - t0, flops = 30000000.0 * 12 * 16 * threads;
    for (int i = 0; i < threads; i++)
        cpu += jobs[i].cpu_s;
    if (per_core) *per_core = flops / cpu * 1e-9;
    return flops / dt * 1e-9;
}

/* ---- op timing through a wrapped driver table ---- */

enum { OP_GEMM, OP_ATTN, OP_GELU_BIAS, OP_LN, OP_OTHER, OP_N };
static const char *const k_opname[OP_N] = {"gemm", "attention", "bias/gelu", "layernorm", "other"};
static double g_optime[OP_N];
static rv_driver g_prof;

#define TIMED(cat, call)                                                                           \
    do {                                                                                           \
        double t0_ = now();                                                                        \
        rv_status s_ = (call);                                                                     \
        g_optime[cat] += now() - t0_;                                                              \
        return s_;                                                                                 \
    } while (0)

static int g_packed;
static rv_status p_linear(void *c, const rv_dbuf *x, const rv_dbuf *w, const rv_dbuf *b, rv_dbuf *o,
                          size_t m, size_t n, size_t k, rv_act act) {
    /* gemm and epilogue separately, so the GEMM share is a GEMM share */
    double t0 = now();
    rv_status s = g_packed ? rv_driver_cpu.linear(c, x, w, NULL, o, m, n, k, RV_ACT_NONE)
                           : rv_driver_cpu.gemm(c, x, w, o, m, n, k, 1);
    g_optime[OP_GEMM] += now() - t0;
    if (s != RV_OK) return s;
    TIMED(OP_GELU_BIAS, act == RV_ACT_GELU ? rv_driver_cpu.fused_bias_gelu(c, o, b, m, n)
                                           : rv_driver_cpu.add_bias(c, o, b, m, n));
}
static rv_status p_attention(void *c, rv_dbuf *o, const rv_dbuf *qkv, const rv_batch_inputs *in,
                             size_t h, size_t hd, float sc) {
    TIMED(OP_ATTN, rv_driver_cpu.attention(c, o, qkv, in, h, hd, sc));
}
static rv_status p_frln(void *c, rv_dbuf *o, const rv_dbuf *x, const rv_dbuf *r, const rv_dbuf *w,
                        const rv_dbuf *b, size_t rows, size_t cols, float eps) {
    TIMED(OP_LN, rv_driver_cpu.fused_residual_layernorm(c, o, x, r, w, b, rows, cols, eps));
}
static rv_status p_ln(void *c, rv_dbuf *o, const rv_dbuf *x, const rv_dbuf *w, const rv_dbuf *b,
                      size_t rows, size_t cols, float eps) {
    TIMED(OP_LN, rv_driver_cpu.layer_norm(c, o, x, w, b, rows, cols, eps));
}

/* ---- runs ---- */

typedef struct seqs {
    int32_t **ids;
    size_t *lens;
    size_t n, tokens, max;
    double flops;
} seqs;

static double forward_flops(size_t len, const rv_bert_config *c) {
    double H = c->hidden_size, F = c->intermediate_size, L = (double)len;
    double per_layer = 2.0 * L * (4.0 * H * H + 2.0 * H * F) + 4.0 * L * L * H;
    return per_layer * c->num_layers;
}

static int cmp_len_desc(const void *a, const void *b, void *lens) {
    size_t x = ((size_t *)lens)[*(const size_t *)a], y = ((size_t *)lens)[*(const size_t *)b];
    return x > y ? -1 : x < y;
}

static const char *g_kernels; /* --kernels: the cpu kernel family (NULL: the best) */

/* The op-timed run: same batching as rv_embed (longest first, token budget). */
static int profiled_run(const char *model_dir, const seqs *S, size_t n, int threads,
                        rv_precision prec) {
    rv_bert_config cfg;
    rv_safetensors *st = NULL;
    char *path = rv_path_join(model_dir, "model.safetensors");
    void *dev = NULL, *ctx = NULL;
    rv_bert *b = NULL;
    int ok =
        rv_bert_config_load(&cfg, model_dir) == RV_OK && rv_safetensors_open(&st, path) == RV_OK;
    const char *gemm = getenv("RIPVEC_CPU_GEMM");
    rv_bert_load_opts lo = {.pack = !(gemm && strcmp(gemm, "blas") == 0),
                            .wfmt = prec == RV_PRECISION_FP16   ? RV_WFMT_F16
                                    : prec == RV_PRECISION_INT8 ? RV_WFMT_Q8
                                                                : RV_WFMT_F32,
                            .cls_last_layer = 1};
    g_packed = lo.pack || lo.wfmt != RV_WFMT_F32;
    g_prof = rv_driver_cpu;
    g_prof.linear = p_linear;
    g_prof.attention = p_attention;
    g_prof.fused_residual_layernorm = p_frln;
    g_prof.layer_norm = p_ln;
    rv_driver_params dp = {.kernels = g_kernels, .blas = !lo.pack};
    ok = ok && g_prof.device_open(&dev, threads) == RV_OK && g_prof.configure(dev, &dp) == RV_OK &&
         rv_bert_load_ex(&b, &g_prof, dev, &cfg, st, &lo) == RV_OK &&
         g_prof.ctx_create(&ctx, dev, threads) == RV_OK;
    size_t *order = malloc(n * sizeof *order), H = (size_t)cfg.hidden_size;
    int32_t *ids = malloc(8192 * 2 * sizeof *ids), lens[8192];
    float *out = malloc(8192 * H * sizeof *out);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof *order, cmp_len_desc, S->lens);
    memset(g_optime, 0, sizeof g_optime);
    double t0 = now();
    for (size_t i = 0; ok && i < n;) {
        size_t j = i, tok = 0;
        while (j < n && (j == i || (j - i + 1) * S->lens[order[i]] <= 8192)) {
            memcpy(ids + tok, S->ids[order[j]], S->lens[order[j]] * sizeof *ids);
            lens[j - i] = (int32_t)S->lens[order[j]];
            tok += S->lens[order[j++]];
        }
        ok = rv_bert_forward(b, ctx, ids, lens, j - i, out, 0) == RV_OK;
        i = j;
    }
    double total = now() - t0, known = 0;
    if (ok) {
        printf("time by op (%d thread%s, %zu chunks, %.2f s):", threads, threads > 1 ? "s" : "", n,
               total);
        for (int k = 0; k < OP_OTHER; k++) {
            printf(" %s %.1f%%,", k_opname[k], 100.0 * g_optime[k] / total);
            known += g_optime[k];
        }
        printf(" other %.1f%%\n", 100.0 * (total - known) / total);
        printf("GEMM share of forward time: %.1f%%\n", 100.0 * g_optime[OP_GEMM] / total);
    } else {
        printf("profiled run failed: %s\n", rv_error_last());
    }
    if (ctx) g_prof.ctx_destroy(ctx);
    rv_bert_free(b);
    if (dev) g_prof.device_close(dev);
    rv_safetensors_close(st);
    free(path), free(order), free(ids), free(out);
    return ok;
}

/* The chunk texts as JSON strings, one a line (for the Python peers). */
static int dump_chunks(const strvec *chunks, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 2;
    }
    for (size_t i = 0; i < chunks->n; i++) {
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)chunks->v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                fprintf(f, "\\%c", *p);
            else if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
        fputs("\"\n", f);
    }
    int bad = ferror(f);
    fclose(f);
    printf("bench_embed: wrote %zu chunks to %s\n", chunks->n, path);
    return bad ? 2 : 0;
}

/* Cosine of this model's vectors to the fp32 model's, first 300 chunks. */
static void compare_to_fp32(const char *model_dir, rv_model *m, const seqs *S, size_t dim) {
    size_t n = S->n < 300 ? S->n : 300; /* the first chunks */
    rv_model *ref = NULL;
    rv_embed_ctx *a = NULL, *b = NULL;
    float *va = malloc(n * dim * sizeof *va), *vb = malloc(n * dim * sizeof *vb);
    rv_model_params mp = rv_model_default_params();
    if (rv_model_load(&ref, model_dir, &mp) == RV_OK && rv_embed_ctx_create(&a, m, NULL) == RV_OK &&
        rv_embed_ctx_create(&b, ref, NULL) == RV_OK &&
        rv_embed_tokens(a, (const int32_t *const *)S->ids, S->lens, n, va) == RV_OK &&
        rv_embed_tokens(b, (const int32_t *const *)S->ids, S->lens, n, vb) == RV_OK) {
        double sum = 0, mn = 1;
        for (size_t i = 0; i < n; i++) {
            double dot = 0;
            for (size_t d = 0; d < dim; d++)
                dot += (double)va[i * dim + d] * vb[i * dim + d];
            sum += dot;
            if (dot < mn) mn = dot;
        }
        printf("COSINE precision=%s vs fp32 over %zu chunks: mean %.6f min %.6f\n",
               rv_precision_name(rv_model_precision(m)), n, sum / (double)n, mn);
    } else {
        printf("compare failed: %s\n", rv_error_last());
    }
    rv_embed_ctx_free(a);
    rv_embed_ctx_free(b);
    rv_model_free(ref);
    free(va), free(vb);
}

int main(int argc, char **argv) {
    size_t want = 2000, budget = 0;
    const char *model_dir = getenv("RIPVEC_TEST_MODEL"), *device = "cpu", *dump = NULL;
    int thread_list[8], nthr = 0, repeat = 1, profile = 1, compare = 0;
    rv_precision prec = RV_PRECISION_FP32;
    char *dirs[16];
    int ndirs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            want = 300;
        } else if (strcmp(argv[i], "--chunks") == 0 && i + 1 < argc) {
            want = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
            model_dir = argv[++i];
        } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            device = argv[++i];
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            if (nthr < 8) thread_list[nthr++] = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--precision") == 0 && i + 1 < argc) {
            if (rv_precision_parse(&prec, argv[++i]) != RV_OK) {
                fprintf(stderr, "bench_embed: %s\n", rv_error_last());
                return 2;
            }
        } else if (strcmp(argv[i], "--kernels") == 0 && i + 1 < argc) {
            g_kernels = argv[++i];
        } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
            budget = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeat = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--no-profile") == 0) {
            profile = 0;
        } else if (strcmp(argv[i], "--compare") == 0) {
            compare = 1;
        } else if (strcmp(argv[i], "--dump-chunks") == 0 && i + 1 < argc) {
            dump = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: bench_embed [--chunks N] [--quick] [--model DIR] [--device cuda]\n"
                   "       [--threads N]... [--precision fp32|fp16|int8|bf16] [--budget TOKENS]\n"
                   "       [--kernels portable|avx2|...]\n"
                   "       [--repeat R] [--no-profile] [--compare] [--dump-chunks FILE.jsonl]\n"
                   "       [CORPUS_DIR...]\n"
                   "--compare: cosine of this precision's vectors to fp32's (first 300 chunks).\n"
                   "--dump-chunks: write the chunk texts as JSON strings, one a line, and exit.\n"
                   "Lines starting RESULT are for bench/run.sh (best of R runs).\n");
            return 0;
        } else if (ndirs < 16) {
            dirs[ndirs++] = argv[i];
        }
    }
    char *cache = NULL, *cache_root = NULL; /* default: the default model's cache directory */
    if ((!model_dir || !*model_dir) &&
        rv_cache_root(&cache, NULL, getenv("XDG_CACHE_HOME"), getenv("HOME")) == RV_OK &&
        rv_model_cache_root(&cache_root, cache) == RV_OK) {
        model_dir = rv_path_join(cache_root, rv_model_default_name()); /* kept to exit */
        free(cache_root);
    }
    free(cache);
    static char d1[] = "../shared/eval/dev/cobra/corpus",
                d2[] = "../shared/eval/dev/requests/corpus";
    if (ndirs == 0) {
        dirs[ndirs++] = d1;
        dirs[ndirs++] = d2;
    }
    strvec chunks = {0};
    build_chunks(&chunks, dirs, ndirs, want);
    if (chunks.n == 0) {
        fprintf(stderr, "bench_embed: no chunks found under the corpus directories\n");
        return 2;
    }
    if (dump) return dump_chunks(&chunks, dump);
    if (nthr == 0) thread_list[nthr++] = 1, thread_list[nthr++] = 2;
    rv_model *m = NULL;
    rv_model_params mp = rv_model_default_params();
    mp.precision = prec;
    const char *gemm = getenv("RIPVEC_CPU_GEMM");
    mp.driver.blas = gemm && strcmp(gemm, "blas") == 0 && prec == RV_PRECISION_FP32;
    mp.driver.kernels = g_kernels;
    if (rv_model_load(&m, model_dir, &mp) != RV_OK) {
        fprintf(stderr, "bench_embed: %s\n", rv_error_last());
        return 2;
    }
    rv_bert_config cfg;
    rv_bert_config_load(&cfg, model_dir);
    size_t maxlen = (size_t)rv_model_max_tokens(m), dim = rv_model_dim(m);
    seqs S = {0};
    S.n = chunks.n;
    S.ids = calloc(S.n, sizeof *S.ids);
    S.lens = calloc(S.n, sizeof *S.lens);
    double t0 = now();
    for (size_t i = 0; i < S.n; i++) {
        S.ids[i] = malloc(maxlen * sizeof(int32_t));
        rv_tokenizer_encode(rv_model_tokenizer(m), chunks.v[i], strlen(chunks.v[i]), S.ids[i],
                            maxlen, &S.lens[i]);
        S.tokens += S.lens[i];
        if (S.lens[i] > S.max) S.max = S.lens[i];
        S.flops += forward_flops(S.lens[i], &cfg);
    }
    double tok_s = now() - t0;
    printf("bench_embed: %zu chunks, %zu tokens (mean %.0f, max %zu), model %s, kernels %s\n", S.n,
           S.tokens, (double)S.tokens / (double)S.n, S.max, rv_model_id(m),
           g_kernels ? g_kernels : rv_cpu_isa_name(rv_cpu_isa_best()));
    printf("tokenize: %.3f s (%.0f chunks/s, single thread); OpenBLAS core: %s\n", tok_s,
           (double)S.n / tok_s, openblas_get_corename());
    double core_peak = 0, peak[3] = {0, peak_gflops(1, &core_peak), peak_gflops(2, NULL)};
    printf("peak fp32 (AVX2 FMA loop): %.1f GFLOP/s per busy core; wall-clock 1 thread %.1f, "
           "2 threads %.1f GFLOP/s\n",
           core_peak, peak[1], peak[2]);
    float *out = malloc(S.n * dim * sizeof *out);
    if (strcmp(device, "cpu") != 0) {
        /* another driver: its throughput, then its vectors against the CPU's */
        rv_model *gm = NULL;
        rv_model_params gp = rv_model_default_params();
        gp.device = device;
        rv_embed_ctx *gctx = NULL, *cctx = NULL;
        if (rv_model_load(&gm, model_dir, &gp) != RV_OK ||
            rv_embed_ctx_create(&gctx, gm, NULL) != RV_OK) {
            fprintf(stderr, "bench_embed: %s\n", rv_error_last());
            return 2;
        }
        size_t warm = S.n < 16 ? S.n : 16;
        rv_embed_tokens(gctx, (const int32_t *const *)S.ids, S.lens, warm, out);
        t0 = now();
        rv_status st = rv_embed_tokens(gctx, (const int32_t *const *)S.ids, S.lens, S.n, out);
        double dt = now() - t0;
        if (st != RV_OK) {
            fprintf(stderr, "bench_embed: %s\n", rv_error_last());
            return 2;
        }
        printf("device=%s: %.3f s, %.0f tokens/s, %.1f sequences/s, %.1f GFLOP/s\n",
               rv_model_device(gm), dt, (double)S.tokens / dt, (double)S.n / dt,
               S.flops / dt * 1e-9);
        size_t nc = S.n < 300 ? S.n : 300;
        float *cpu = malloc(nc * dim * sizeof *cpu);
        rv_embed_params cp = rv_embed_default_params();
        if (rv_embed_ctx_create(&cctx, m, &cp) == RV_OK &&
            rv_embed_tokens(cctx, (const int32_t *const *)S.ids, S.lens, nc, cpu) == RV_OK) {
            double min_cos = 1, max_diff = 0;
            for (size_t i = 0; i < nc; i++) {
                double dot = 0;
                for (size_t d = 0; d < dim; d++) {
                    dot += (double)cpu[i * dim + d] * out[i * dim + d];
                    double df = fabs((double)cpu[i * dim + d] - out[i * dim + d]);
                    if (df > max_diff) max_diff = df;
                }
                if (dot < min_cos) min_cos = dot;
            }
            printf("%s vs cpu over %zu chunks: min cosine %.9f, max abs diff %.3g\n",
                   rv_model_device(gm), nc, min_cos, max_diff);
        }
        free(cpu);
        rv_embed_ctx_free(cctx);
        rv_embed_ctx_free(gctx);
        rv_model_free(gm);
        for (size_t i = 0; i < S.n; i++)
            free(S.ids[i]);
        for (size_t i = 0; i < chunks.n; i++)
            free(chunks.v[i]);
        free(chunks.v), free(S.ids), free(S.lens), free(out);
        rv_model_free(m);
        return 0;
    }
    for (int ti = 0; ti < nthr; ti++) {
        int threads = thread_list[ti];
        rv_embed_params ep = rv_embed_default_params();
        ep.threads = threads;
        if (budget) ep.token_budget = budget;
        rv_embed_ctx *ctx = NULL;
        if (rv_embed_ctx_create(&ctx, m, &ep) != RV_OK) return 2;
        double dt = 1e30, cpu = 1e30;
        for (int r = 0; r < (repeat > 0 ? repeat : 1); r++) {
            t0 = now();
            double c0 = process_cpu();
            rv_status st = rv_embed_tokens(ctx, (const int32_t *const *)S.ids, S.lens, S.n, out);
            double dt1 = now() - t0, cpu1 = process_cpu() - c0;
            if (st != RV_OK) {
                fprintf(stderr, "bench_embed: %s\n", rv_error_last());
                return 2;
            }
            if (dt1 < dt) dt = dt1;
            if (cpu1 < cpu) cpu = cpu1;
        }
        rv_embed_ctx_free(ctx);
        printf("RESULT engine=ripvec precision=%s threads=%d budget=%zu chunks=%zu tokens=%zu "
               "wall_s=%.4f cpu_s=%.4f tokens_per_s=%.1f tokens_per_cpu_s=%.1f gflops=%.2f "
               "peak_share=%.3f core_share=%.3f\n",
               rv_precision_name(prec), threads, ep.token_budget, S.n, S.tokens, dt, cpu,
               (double)S.tokens / dt, (double)S.tokens / cpu, S.flops / dt * 1e-9,
               S.flops / dt * 1e-9 / (threads <= 2 ? peak[threads] : peak[2]),
               S.flops / cpu * 1e-9 / core_peak);
        printf("threads=%d: %.2f s, %.0f tokens/s, %.1f sequences/s, %.1f GFLOP/s = %.0f%% of "
               "%d-thread peak; per CPU-second %.1f GFLOP = %.0f%% of core peak (cpu %.2f s)\n",
               threads, dt, (double)S.tokens / dt, (double)S.n / dt, S.flops / dt * 1e-9,
               100.0 * S.flops / dt * 1e-9 / (threads <= 2 ? peak[threads] : peak[2]), threads,
               S.flops / cpu * 1e-9, 100.0 * S.flops / cpu * 1e-9 / core_peak, cpu);
        fflush(stdout);
    }
    if (compare && prec != RV_PRECISION_FP32) compare_to_fp32(model_dir, m, &S, dim);
    if (profile) profiled_run(model_dir, &S, S.n < 300 ? S.n : 300, 2, prec);
    for (size_t i = 0; i < S.n; i++)
        free(S.ids[i]);
    for (size_t i = 0; i < chunks.n; i++)
        free(chunks.v[i]);
    free(chunks.v), free(S.ids), free(S.lens), free(out);
    rv_model_free(m);
    return 0;
}
