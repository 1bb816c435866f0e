/* The aarch64 kernels (driver/cpu/cpu_neon.h) against the portable ones
 * they stand in for: each row kernel, the attention head against a double
 * reference, and the packed GEMM in every weight format through the NEON
 * table and, where the CPU has the dot-product extension, the sdot one.
 * On x86-64, tests/test_aarch64_qemu.c runs this under qemu-aarch64 on CPU
 * models with and without that extension. Paths this build or CPU lacks
 * are reported as "not run", never counted as passed. */
#include "rvtest.h"

#include "driver/cpu/cpu_neon.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__aarch64__)

static uint64_t g_seed = 0x9e3779b97f4a7c15ull;
/* Deterministic pseudo-random float in [-1, 1). */
static float urand(void) {
    g_seed ^= g_seed << 13;
    g_seed ^= g_seed >> 7;
    g_seed ^= g_seed << 17;
    return (float)((double)(g_seed >> 40) / 8388608.0 - 1.0);
}
static float *urand_n(size_t n, float scale) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = urand() * scale;
    return p;
}
/* Largest |a - b| relative to 1 + |b|; NaN anywhere counts as huge. */
static double worst_rel(const float *a, const float *b, size_t n) {
    double w = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (1.0 + fabs(b[i]));
        if (d > w || d != d) w = d != d ? 1e30 : d;
    }
    return w;
}

RV_TEST(neon_tables_are_the_ones_chosen) {
    int dot = rv_cpu_has_dotprod();
    printf("  dotprod: %s\n", dot ? "yes" : "no");
    RV_CHECK(rv_cpu_kernels_best() == &rv_cpu_kernels_neon);
    RV_CHECK(rv_cpu_linear_kernels_best() == (dot ? &rv_cpu_linear_neon_dot : &rv_cpu_linear_neon));
}

static const size_t n_sizes[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 384, 1000};

/* One row kernel's output against the portable one's, within tol. */
#define SAME(what, tol)                                                                            \
    RV_CHECK_MSG(worst_rel(t1, t0, n) <= (tol), "%s n=%zu: %g", what, n, worst_rel(t1, t0, n))

RV_TEST(neon_row_kernels_match_portable) {
    const rv_cpu_kernels *P = &rv_cpu_kernels_portable, *N = &rv_cpu_kernels_neon;
    for (size_t si = 0; si < sizeof n_sizes / sizeof n_sizes[0]; si++) {
        size_t n = n_sizes[si];
        float *x = urand_n(n, 4), *y = urand_n(n, 2), *w = urand_n(n, 1), *b = urand_n(n, 0.5f);
        float *t0 = malloc(n * sizeof *t0), *t1 = malloc(n * sizeof *t1);
        float *mask = malloc(n * sizeof *mask);
        for (size_t i = 0; i < n; i++)
            mask[i] = i % 3 == 2 ? -1e30f : 0.0f; /* never the first */
#define BOTH(call)                                                                                 \
    do {                                                                                           \
        const rv_cpu_kernels *k = P;                                                               \
        float *t = t0;                                                                             \
        memcpy(t, x, n * sizeof *t);                                                               \
        call;                                                                                      \
        k = N, t = t1;                                                                             \
        memcpy(t, x, n * sizeof *t);                                                               \
        call;                                                                                      \
    } while (0)
        BOTH(k->add_bias(t, b, n));
        SAME("add_bias", 0);
        BOTH(k->bias_gelu(t, b, n));
        SAME("bias_gelu", 2e-6);
        BOTH(k->bias_gelu(t, NULL, n));
        SAME("gelu", 2e-6);
        BOTH(k->layer_norm(t, t, y, w, b, n, 1e-12f));
        SAME("layer_norm", 1e-5);
        BOTH(k->layer_norm(t, t, NULL, w, b, n, 1e-5f));
        SAME("layer_norm without residual", 1e-5);
        BOTH(k->softmax(t, mask, n, 0.7f));
        SAME("softmax", 1e-6);
        for (size_t i = 2; i < n; i += 3)
            RV_CHECK(t1[i] == 0.0f);
        BOTH(k->scale(t, n, 20.0f); k->softmax(t, NULL, n, 1.0f));
        SAME("softmax, wide range", 1e-6);
        BOTH(k->scale(t, n, 0.25f));
        SAME("scale", 0);
        BOTH(k->accumulate(t, y, n));
        SAME("accumulate", 0);
#undef BOTH
        double s0 = P->sumsq(x, n), s1 = N->sumsq(x, n);
        RV_CHECK_MSG(fabs(s1 - s0) <= 1e-12 * (s0 + 1), "sumsq n=%zu: %.17g vs %.17g", n, s1, s0);
        free(x), free(y), free(w), free(b), free(t0), free(t1), free(mask);
    }
}

/* One head against a double reference, on small and on wide score ranges
 * (where most weights are far below the largest): the error is bounded by
 * float rounding of the scores, relative to their range and V's. */
RV_TEST(neon_attention_head_matches_reference) {
    static const size_t Ls[] = {1, 5, 6, 7, 16, 17, 40, 100}, hds[] = {8, 16, 40, 64};
    for (size_t li = 0; li < sizeof Ls / sizeof Ls[0]; li++)
        for (size_t hi = 0; hi < sizeof hds / sizeof hds[0]; hi++) {
            size_t L = Ls[li], hd = hds[hi], ld = 3 * hd, ldo = hd + 4;
            float amp = hi % 2 ? 6.0f : 1.5f, scale = 1.0f / sqrtf((float)hd);
            float *qkv = urand_n(L * ld, amp), *out = malloc(L * ldo * sizeof *out);
            float *scratch = malloc(rv_cpu_attn_scratch_floats(L, hd) * sizeof *scratch);
            double *s = malloc(L * sizeof *s), worst = 0, range = 0;
            rv_cpu_kernels_neon.attn_head(out, ldo, qkv, qkv + hd, qkv + 2 * hd, ld, L, hd, scale,
                                          scratch);
            for (size_t i = 0; i < L; i++) {
                double mx = -1e300, sum = 0;
                for (size_t j = 0; j < L; j++) {
                    s[j] = 0;
                    for (size_t d = 0; d < hd; d++)
                        s[j] += (double)qkv[i * ld + d] * qkv[j * ld + hd + d];
                    s[j] *= scale;
                    mx = s[j] > mx ? s[j] : mx;
                    range = fmax(range, fabs(s[j]));
                }
                for (size_t j = 0; j < L; j++)
                    sum += (s[j] = exp(s[j] - mx));
                for (size_t d = 0; d < hd; d++) {
                    double o = 0;
                    for (size_t j = 0; j < L; j++)
                        o += s[j] / sum * qkv[j * ld + 2 * hd + d];
                    worst = fmax(worst, fabs(out[i * ldo + d] - o));
                }
            }
            RV_CHECK_MSG(worst <= 1e-6 * amp * (1 + range), "L=%zu hd=%zu amp=%g: %g (range %g)", L,
                         hd, amp, worst, range);
            free(qkv), free(out), free(scratch), free(s);
        }
}

/* Packed GEMM through table T against the portable kernel on the same
 * packed weights, every format (and q7, q7f with column factors), with and
 * without bias and GELU. The integer sums are exact in both, so only the
 * epilogue's float rounding (and f32/f16's summation order) may differ. */
static void check_linear(const rv_cpu_linear_kernels *T) {
    static const size_t dims[][3] = {{1, 1, 1},    {3, 5, 7},     {7, 16, 4},    {13, 33, 9},
                                     {6, 17, 130}, {97, 48, 300}, {200, 20, 65}, {5, 384, 385}};
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        size_t m = dims[di][0], n = dims[di][1], k = dims[di][2];
        float *x = urand_n(m * k, 2), *w = urand_n(n * k, 0.3f), *bias = urand_n(n, 1);
        float *colscale = urand_n(k, 1), *o0 = malloc(m * n * sizeof *o0);
        float *o1 = malloc(m * n * sizeof *o1);
        void *scratch = aligned_alloc(64, (rv_cpu_linear_scratch_bytes(k) + 63) / 64 * 64);
        for (size_t p = 0; p < k; p++) /* factors in [0.25, 4] */
            colscale[p] = exp2f(2.0f * colscale[p]);
        if (di % 2) /* peaked weights, so q7f packs for quads */
            for (size_t i = 0; i < n * k; i++) {
                float g = urand() + urand() + urand();
                w[i] = g * fabsf(g) * 0.1f;
            }
        for (int v = 0; v < 8; v++) {
            rv_wfmt fmt = v < 6 ? (rv_wfmt)v : v == 6 ? RV_WFMT_Q7 : RV_WFMT_Q7F;
            rv_cpu_wpack *W = NULL;
            RV_CHECK_EQ_INT(rv_cpu_wpack_create_scaled(&W, w, n, k, fmt, v >= 6 ? colscale : NULL),
                            RV_OK);
            double tol = fmt == RV_WFMT_F32 || fmt == RV_WFMT_F16 ? 2e-6 * (double)k : 1e-5;
            for (int act = 0; act < 2; act++) {
                rv_cpu_gemm_job J = {.x = x,
                                     .ldx = k,
                                     .w = W,
                                     .bias = act ? NULL : bias,
                                     .ldo = n,
                                     .m = m,
                                     .p0 = 0,
                                     .p1 = W->panels,
                                     .act = (rv_act)act,
                                     .scratch = scratch};
                J.out = o0;
                rv_cpu_linear_portable.run(&J);
                J.out = o1;
                memset(o1, 0xff, m * n * sizeof *o1);
                T->run(&J);
                double d = worst_rel(o1, o0, m * n);
                RV_CHECK_MSG(d <= tol, "%s variant %d act %d %zux%zux%zu: %g", T->name, v, act, m,
                             n, k, d);
            }
            rv_cpu_wpack_free(W);
        }
        free(x), free(w), free(bias), free(colscale), free(o0), free(o1), free(scratch);
    }
}

/* Rows of codes 255 (zero point 0) against weight rows of codes +-127:
 * q8u's pairs, fitted by the packer, sum to 255 * 128, the most int16
 * takes; T must sum them exactly, as the portable kernel does. */
static void check_saturation(const rv_cpu_linear_kernels *T) {
    enum { K = 36, N = 20, M = 3 };
    float x[M * K], w[N * K], o0[M * N], o1[M * N];
    for (int p = 0; p < K; p++)
        for (int r = 0; r < M; r++)
            x[r * K + p] = r == 2 && p % 2 ? 0.0f : 2.0f;
    for (int i = 0; i < N * K; i++)
        w[i] = (i / K) % 2 ? -0.25f : 0.25f;
    void *scratch = aligned_alloc(64, (rv_cpu_linear_scratch_bytes(K) + 63) / 64 * 64);
    for (int f = RV_WFMT_Q7; f <= RV_WFMT_Q7F; f++) {
        rv_cpu_wpack *W = NULL;
        RV_CHECK_EQ_INT(rv_cpu_wpack_create(&W, w, N, K, (rv_wfmt)f), RV_OK);
        rv_cpu_gemm_job J = {
            .x = x, .ldx = K, .w = W, .ldo = N, .m = M, .p1 = W->panels, .scratch = scratch};
        J.out = o0;
        rv_cpu_linear_portable.run(&J);
        J.out = o1;
        T->run(&J);
        RV_CHECK_MSG(worst_rel(o1, o0, M * N) <= 1e-6, "%s format %d", T->name, f);
        rv_cpu_wpack_free(W);
    }
    free(scratch);
}

/* Activation rows that stress the quantizers (all zero, one sign only,
 * tiny, huge, NaN or infinity among ordinary values, odd k for the tails):
 * T's vectorized quantizers must give the portable kernel's outputs in
 * every integer format, NaN where it has NaN. */
static void check_extreme_rows(const rv_cpu_linear_kernels *T) {
    enum { K = 43, N = 16, M = 8 };
    float x[M][K], w[N * K], o0[M * N], o1[M * N];
    for (size_t i = 0; i < N * K; i++)
        w[i] = urand() * 0.3f;
    for (size_t p = 0; p < K; p++) {
        float f = urand();
        x[0][p] = 0.0f;
        x[1][p] = fabsf(f) + 0.5f;
        x[2][p] = -fabsf(f) - 0.5f;
        x[3][p] = f * 1e-35f;
        x[4][p] = f * 1e30f;
        x[5][p] = p == 7 || p == 41 ? NAN : f;
        x[6][p] = p == 3 ? INFINITY : p == 42 ? -INFINITY : f;
        x[7][p] = f;
    }
    void *scratch = aligned_alloc(64, (rv_cpu_linear_scratch_bytes(K) + 63) / 64 * 64);
    for (int f = RV_WFMT_Q8; f <= RV_WFMT_Q7F; f++) {
        rv_cpu_wpack *W = NULL;
        RV_CHECK_EQ_INT(rv_cpu_wpack_create(&W, w, N, K, (rv_wfmt)f), RV_OK);
        rv_cpu_gemm_job J = {
            .x = &x[0][0], .ldx = K, .w = W, .ldo = N, .m = M, .p1 = W->panels, .scratch = scratch};
        J.out = o0;
        rv_cpu_linear_portable.run(&J);
        J.out = o1;
        T->run(&J);
        for (int i = 0; i < M * N; i++)
            RV_CHECK_MSG(o1[i] == o0[i] || (o1[i] != o1[i] && o0[i] != o0[i]),
                         "%s format %d row %d col %d: %g vs %g", T->name, f, i / N, i % N, o1[i],
                         o0[i]);
        rv_cpu_wpack_free(W);
    }
    free(scratch);
}

RV_TEST(neon_linear_matches_portable) {
    check_linear(&rv_cpu_linear_neon);
    check_saturation(&rv_cpu_linear_neon);
    check_extreme_rows(&rv_cpu_linear_neon);
}

RV_TEST(neon_dot_linear_matches_portable) {
    check_linear(&rv_cpu_linear_neon_dot);
    check_saturation(&rv_cpu_linear_neon_dot);
    check_extreme_rows(&rv_cpu_linear_neon_dot);
}

RV_TEST(neon_rows_match_portable) {
    static const size_t ms[] = {1, 2, 3, 5}, ns[] = {1, 3, 4, 7, 16}, ks[] = {1, 3, 4, 9, 384};
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 5; b++)
            for (size_t c = 0; c < 5; c++) {
                size_t m = ms[a], n = ns[b], k = ks[c];
                float *x = urand_n(m * k, 1), *w = urand_n(n * k, 1);
                float *o0 = malloc(m * n * sizeof *o0), *o1 = malloc(m * n * sizeof *o1);
                rv_cpu_rows_job J = {
                    .x = x, .ldx = k, .m = m, .w = w, .nrows = n, .k = k, .ldo = n};
                J.out = o0;
                rv_cpu_linear_portable.rows(&J);
                J.out = o1;
                rv_cpu_linear_neon.rows(&J);
                RV_CHECK_MSG(worst_rel(o1, o0, m * n) <= 1e-6 * (double)k, "%zux%zux%zu", m, n, k);
                free(x), free(w), free(o0), free(o1);
            }
}

int main(void) {
    RV_RUN(neon_tables_are_the_ones_chosen);
    RV_RUN(neon_row_kernels_match_portable);
    RV_RUN(neon_attention_head_matches_reference);
    RV_RUN(neon_linear_matches_portable);
    if (rv_cpu_has_dotprod())
        RV_RUN(neon_dot_linear_matches_portable);
    else
        printf("not run: neon_dot_linear_matches_portable (no dot-product extension)\n");
    RV_RUN(neon_rows_match_portable);
    return rv_test_summary();
}

#else

int main(void) {
    printf("not run: the NEON kernels (not an aarch64 build; tests/test_aarch64_qemu.c runs "
           "them under qemu)\n");
    return rv_test_summary();
}

#endif
