/*
 * bench_gemm — the CPU driver's linear-layer GEMM on the model's shapes, one
 * thread: OpenBLAS sgemm (+ bias pass) against our packed kernels (f32, f16,
 * q8, q7, q7f, bf16), in GFLOP per CPU-second (the figure that survives a shared
 * machine) and as a share of the FMA peak measured in the same run.
 *
 *   build/bench/bench_gemm [--rows M] [--repeat R] [--kernels FAMILY]
 *   (R rounds, default 10; FAMILY the best one unless named)
 *
 * Lines starting GEMM are parsed by bench/run.sh.
 */
#include "driver/cpu/cpu_linear.h"

#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One sample of the FMA peak: 12 independent dependency chains, enough to
 * keep both FMA pipes busy; ~10 ms. */
__attribute__((target("avx2,fma"))) static double peak_sample(void) {
    __m256 a[12];
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++)
        a[i] = _mm256_set1_ps((float)i);
    long iters = 4000000;
    double t0 = cpu_now();
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < 12; i++)
            a[i] = _mm256_fmadd_ps(a[i], m, c);
    double dt = cpu_now() - t0;
    float s = 0, o[8];
    for (int i = 0; i < 12; i++) {
        _mm256_storeu_ps(o, a[i]);
        s += o[0];
    }
    if (s == 12345.0f) printf(" ");
    return (double)iters * 12 * 16 / dt * 1e-9;
}

static float frand(unsigned *s) {
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

int main(int argc, char **argv) {
    size_t M = 2048;
    int repeat = 10;
    rv_cpu_isa isa = rv_cpu_isa_best();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            M = (size_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--kernels") == 0 && i + 1 < argc) {
            if (rv_cpu_isa_parse(&isa, argv[++i]) != RV_OK) {
                fprintf(stderr, "bench_gemm: %s\n", rv_error_last());
                return 2;
            }
        } else {
            printf("usage: bench_gemm [--rows M] [--repeat R] [--kernels FAMILY]\n");
            return 0;
        }
    }
    openblas_set_num_threads(1);
    const rv_cpu_linear_kernels *lk = rv_cpu_linear_kernels_for(isa);
    static const size_t shapes[4][2] = {{1152, 384}, {384, 384}, {1536, 384}, {384, 1536}};
    static const char *const names[4] = {"qkv", "attn_out", "ffn_in", "ffn_out"};
    unsigned seed = 1;
    float *x[4], *w[4], *bias[4], *out[4];
    void *scratch[4];
    enum { V = 7 }; /* blas, then f32, f16, q8, q7, q7f, bf16 */
    static const rv_wfmt fmts[V] = {0, RV_WFMT_F32, RV_WFMT_F16, RV_WFMT_Q8,
                                    RV_WFMT_Q7, RV_WFMT_Q7F, RV_WFMT_BF16};
    rv_cpu_wpack *P[4][V] = {{NULL}};
    for (int s = 0; s < 4; s++) {
        size_t n = shapes[s][0], k = shapes[s][1];
        x[s] = malloc(M * k * sizeof *x[s]), w[s] = malloc(n * k * sizeof *w[s]);
        bias[s] = malloc(n * sizeof *bias[s]), out[s] = malloc(M * n * sizeof *out[s]);
        scratch[s] = aligned_alloc(64, (rv_cpu_linear_scratch_bytes(k) + 63) / 64 * 64);
        for (size_t i = 0; i < M * k; i++)
            x[s][i] = frand(&seed);
        for (size_t i = 0; i < n * k; i++) /* bell-shaped, as a model's (q7 packs for quads) */
            w[s][i] = (frand(&seed) + frand(&seed) + frand(&seed)) * 0.02f;
        for (size_t i = 0; i < n; i++)
            bias[s][i] = frand(&seed);
        for (int v = 1; v < V; v++)
            rv_cpu_wpack_create(&P[s][v], w[s], n, k, fmts[v]);
    }
    /* The machine is shared: the peak and every kernel are sampled in turn,
     * round after round, and each keeps its best (least disturbed) sample,
     * so a burst of other work cannot favour one side of a ratio. */
    double peak = 0, best[4][V];
    for (int s = 0; s < 4; s++)
        for (int v = 0; v < V; v++)
            best[s][v] = 1e30;
    for (int r = 0; r < repeat; r++) {
        double p = peak_sample();
        if (p > peak) peak = p;
        for (int s = 0; s < 4; s++) {
            size_t n = shapes[s][0], k = shapes[s][1];
            for (int v = 0; v < V; v++) {
                double t0 = cpu_now();
                if (v == 0) {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)n, (int)k,
                                1.0f, x[s], (int)k, w[s], (int)k, 0.0f, out[s], (int)n);
                    for (size_t i = 0; i < M; i++)
                        for (size_t j = 0; j < n; j++)
                            out[s][i * n + j] += bias[s][j];
                } else {
                    rv_cpu_gemm_job J = {.x = x[s],
                                         .ldx = k,
                                         .w = P[s][v],
                                         .bias = bias[s],
                                         .out = out[s],
                                         .ldo = n,
                                         .m = M,
                                         .p0 = 0,
                                         .p1 = P[s][v]->panels,
                                         .act = RV_ACT_NONE,
                                         .scratch = scratch[s]};
                    rv_cpu_linear_run_for(lk, fmts[v])(&J);
                }
                double dt = cpu_now() - t0;
                if (dt < best[s][v]) best[s][v] = dt;
            }
        }
    }
    printf("bench_gemm: %zu rows, kernels %s, OpenBLAS %s, FMA peak %.1f GFLOP per CPU-second "
           "(best of %d rounds)\n",
           M, lk->name, openblas_get_corename(), peak, repeat);
    double tot[V] = {0}, totflop = 0;
    for (int s = 0; s < 4; s++) {
        size_t n = shapes[s][0], k = shapes[s][1];
        double flop = 2.0 * (double)M * (double)n * (double)k;
        totflop += flop;
        for (int v = 0; v < V; v++)
            tot[v] += best[s][v];
        printf("GEMM shape=%s m=%zu n=%zu k=%zu blas=%.1f f32=%.1f f16=%.1f q8=%.1f q7=%.1f "
               "q7f=%.1f bf16=%.1f (GFLOP per CPU-second; f32 %.0f%% of peak)\n",
               names[s], M, n, k, flop / best[s][0] * 1e-9, flop / best[s][1] * 1e-9,
               flop / best[s][2] * 1e-9, flop / best[s][3] * 1e-9, flop / best[s][4] * 1e-9,
               flop / best[s][5] * 1e-9, flop / best[s][6] * 1e-9,
               100.0 * flop / best[s][1] * 1e-9 / peak);
        for (int v = 1; v < V; v++)
            rv_cpu_wpack_free(P[s][v]);
        free(x[s]), free(w[s]), free(bias[s]), free(out[s]), free(scratch[s]);
    }
    printf("GEMM shape=all blas=%.1f f32=%.1f f16=%.1f q8=%.1f q7=%.1f q7f=%.1f bf16=%.1f "
           "peak=%.1f f32_share=%.3f blas_share=%.3f\n",
           totflop / tot[0] * 1e-9, totflop / tot[1] * 1e-9, totflop / tot[2] * 1e-9,
           totflop / tot[3] * 1e-9, totflop / tot[4] * 1e-9, totflop / tot[5] * 1e-9,
           totflop / tot[6] * 1e-9, peak,
           totflop / tot[1] * 1e-9 / peak, totflop / tot[0] * 1e-9 / peak);
    return 0;
}
