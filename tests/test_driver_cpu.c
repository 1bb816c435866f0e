/* CPU driver: every primitive against a naive double-precision reference in
 * this file, at odd sizes, with 1 and 3 threads; both kernel flavours
 * (portable and AVX2) checked directly. */
#include "rvtest.h"

#include "driver/cpu/cpu_kernels.h"
#include "driver/cpu/cpu_linear.h"
#include "driver/driver.h"
#include "driver/threadpool.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const rv_driver *D = &rv_driver_cpu;

/* Deterministic pseudo-random floats in [-1, 1). */
static uint64_t g_seed = 88172645463325252ull;
static float frand(void) {
    g_seed ^= g_seed << 13;
    g_seed ^= g_seed >> 7;
    g_seed ^= g_seed << 17;
    return (float)((double)(g_seed >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}
static float *rnd(size_t n, float scale) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = frand() * scale;
    return p;
}
static double maxdiff(const float *a, const double *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > m || a[i] != a[i]) m = a[i] != a[i] ? 1e30 : fabs(a[i] - b[i]);
    return m;
}

/* ---- reference implementations (double) ---- */

static void ref_gemm(const float *a, const float *b, double *out, size_t m, size_t n, size_t k,
                     int tb) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t p = 0; p < k; p++)
                s += (double)a[i * k + p] * (tb ? b[j * k + p] : b[p * n + j]);
            out[i * n + j] = s;
        }
}
static double gelu(double v) {
    return 0.5 * v * (1.0 + erf(v / sqrt(2.0)));
}
static void ref_ln(const double *x, double *out, const float *w, const float *b, size_t n,
                   double eps) {
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += (x[i] - mean) * (x[i] - mean);
    var /= (double)n;
    for (size_t i = 0; i < n; i++)
        out[i] = (x[i] - mean) / sqrt(var + eps) * w[i] + b[i];
}
static void ref_softmax(double *x, const float *mask, size_t n, double scale) {
    double mx = -1e300, s = 0;
    for (size_t i = 0; i < n; i++) {
        x[i] = x[i] * scale + (mask ? mask[i] : 0);
        if (x[i] > mx) mx = x[i];
    }
    for (size_t i = 0; i < n; i++)
        s += (x[i] = exp(x[i] - mx));
    for (size_t i = 0; i < n; i++)
        x[i] /= s;
}

/* ---- kernel tables ---- */

static const size_t k_sizes[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 384, 1000};
#define NSIZES (sizeof k_sizes / sizeof k_sizes[0])

static void check_kernels(const rv_cpu_kernels *k) {
    for (size_t si = 0; si < NSIZES; si++) {
        size_t n = k_sizes[si];
        float *x = rnd(n, 4.0f), *y = rnd(n, 2.0f), *w = rnd(n, 1.0f), *b = rnd(n, 0.5f);
        float *t = malloc(n * sizeof *t), *mask = malloc(n * sizeof *mask);
        double *r = malloc(n * sizeof *r), *r2 = malloc(n * sizeof *r2);
        /* add_bias */
        memcpy(t, x, n * sizeof *t);
        k->add_bias(t, b, n);
        for (size_t i = 0; i < n; i++)
            r[i] = (double)x[i] + b[i];
        RV_CHECK_MSG(maxdiff(t, r, n) <= 1e-6, "%s add_bias n=%zu", k->name, n);
        /* bias_gelu, with and without bias; inputs cover the tails (|v| up to 7) */
        for (int wb = 0; wb < 2; wb++) {
            for (size_t i = 0; i < n; i++)
                t[i] = x[i] * 1.75f;
            k->bias_gelu(t, wb ? b : NULL, n);
            for (size_t i = 0; i < n; i++)
                r[i] = gelu((double)(x[i] * 1.75f) + (wb ? b[i] : 0));
            double d = maxdiff(t, r, n);
            RV_CHECK_MSG(d <= 2e-6, "%s bias_gelu n=%zu bias=%d: %g", k->name, n, wb, d);
        }
        /* layer_norm, with a residual, in place */
        for (int res = 0; res < 2; res++) {
            memcpy(t, x, n * sizeof *t);
            k->layer_norm(t, t, res ? y : NULL, w, b, n, 1e-12f);
            for (size_t i = 0; i < n; i++)
                r2[i] = (double)x[i] + (res ? y[i] : 0.0);
            ref_ln(r2, r, w, b, n, 1e-12);
            double d = maxdiff(t, r, n);
            RV_CHECK_MSG(d <= 1e-5, "%s layer_norm n=%zu res=%d: %g", k->name, n, res, d);
        }
        /* softmax with a mask that hides every third entry (never the first) */
        for (size_t i = 0; i < n; i++)
            mask[i] = (i % 3 == 2) ? -1e30f : 0.0f;
        memcpy(t, x, n * sizeof *t);
        k->softmax(t, mask, n, 0.7f);
        for (size_t i = 0; i < n; i++)
            r[i] = x[i];
        ref_softmax(r, mask, n, 0.7);
        double d = maxdiff(t, r, n);
        RV_CHECK_MSG(d <= 1e-6, "%s softmax n=%zu: %g", k->name, n, d);
        for (size_t i = 2; i < n; i += 3)
            RV_CHECK(t[i] == 0.0f);
        /* softmax without mask, large spread (exp range) */
        for (size_t i = 0; i < n; i++)
            r[i] = t[i] = x[i] * 20.0f;
        k->softmax(t, NULL, n, 1.0f);
        ref_softmax(r, NULL, n, 1.0);
        d = maxdiff(t, r, n);
        RV_CHECK_MSG(d <= 1e-6, "%s softmax spread n=%zu: %g", k->name, n, d);
        /* scale, sumsq, accumulate */
        memcpy(t, x, n * sizeof *t);
        k->scale(t, n, 0.25f);
        for (size_t i = 0; i < n; i++)
            r[i] = x[i] * 0.25;
        RV_CHECK(maxdiff(t, r, n) <= 1e-7);
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += (double)x[i] * x[i];
        RV_CHECK_NEAR(k->sumsq(x, n), ss, 1e-9 * (ss + 1));
        memcpy(t, x, n * sizeof *t);
        k->accumulate(t, y, n);
        for (size_t i = 0; i < n; i++)
            r[i] = (double)x[i] + y[i];
        RV_CHECK(maxdiff(t, r, n) <= 1e-6);
        free(x), free(y), free(w), free(b), free(t), free(mask), free(r), free(r2);
    }
}

RV_TEST(portable_kernels_match_reference) {
    check_kernels(&rv_cpu_kernels_portable);
}

RV_TEST(avx2_kernels_match_reference) { /* run only where the CPU has AVX2 (main) */
#if defined(__x86_64__) || defined(__i386__)
    check_kernels(&rv_cpu_kernels_avx2);
#endif
}

RV_TEST(gelu_is_exact_erf_at_known_points) {
    /* gelu(1) = 0.8413447460685429, gelu(-3) = -0.004049694, gelu(0) = 0 */
    const rv_cpu_kernels *ks[2] = {&rv_cpu_kernels_portable, rv_cpu_kernels_best()};
    for (int i = 0; i < 2; i++) {
        float v[9] = {1.0f, -3.0f, 0.0f, 10.0f, -10.0f, 0.5f, 2.0f, -1.0f, 1.0f};
        ks[i]->bias_gelu(v, NULL, 9);
        RV_CHECK_NEAR(v[0], 0.8413447460685429, 1e-6);
        RV_CHECK_NEAR(v[1], -0.0040496947, 1e-6);
        RV_CHECK(v[2] == 0.0f);
        RV_CHECK_NEAR(v[3], 10.0, 1e-6);
        RV_CHECK_NEAR(v[4], 0.0, 1e-6);
        RV_CHECK_NEAR(v[8], 0.8413447460685429, 1e-6); /* the scalar tail */
    }
}

/* ---- thread pool ---- */

static void count_tids(void *arg, int tid, int n) {
    atomic_int *seen = arg;
    if (tid >= 0 && tid < n) atomic_fetch_add(&seen[tid], 1);
}

RV_TEST(threadpool_runs_every_thread_once_per_run) {
    for (int n = 1; n <= 4; n++) {
        rv_threadpool *tp = NULL;
        RV_CHECK_EQ_INT(rv_threadpool_create(&tp, n), RV_OK);
        RV_CHECK_EQ_INT(rv_threadpool_size(tp), n);
        atomic_int seen[4] = {0};
        for (int r = 0; r < 50; r++)
            rv_threadpool_run(tp, count_tids, seen);
        for (int t = 0; t < n; t++)
            RV_CHECK_EQ_INT(atomic_load(&seen[t]), 50);
        rv_threadpool_free(tp);
    }
    rv_threadpool_free(NULL);
    size_t b, e, covered = 0;
    for (int i = 0; i < 7; i++) {
        rv_split_range(100, 7, i, &b, &e);
        RV_CHECK_EQ_INT(b, covered);
        covered = e;
    }
    RV_CHECK_EQ_INT(covered, 100);
}

/* ---- driver primitives ---- */

typedef struct env {
    void *dev, *ctx;
} env;

static int env_open(env *e, int threads) {
    memset(e, 0, sizeof *e);
    return D->device_open(&e->dev, threads) == RV_OK &&
           D->ctx_create(&e->ctx, e->dev, threads) == RV_OK &&
           D->reserve(e->ctx, 96u << 20) == RV_OK;
}
static void env_close(env *e) {
    D->ctx_destroy(e->ctx);
    D->device_close(e->dev);
}
static rv_dbuf *up(env *e, const void *host, size_t bytes) {
    rv_dbuf *b = NULL;
    D->alloc(e->ctx, &b, bytes);
    if (b) memcpy(b, host, bytes); /* cpu buffers are host memory */
    return b;
}
static float *down(env *e, const rv_dbuf *b, size_t n) {
    float *h = malloc(n * sizeof *h);
    D->to_host(e->ctx, h, b, n * sizeof *h);
    return h;
}

RV_TEST(driver_table_is_complete) {
    RV_CHECK_EQ_INT(D->version, RV_DRIVER_VERSION);
    RV_CHECK_STR(D->name, "cpu");
    RV_CHECK(rv_driver_find("cpu") == D);
    RV_CHECK(rv_driver_find(NULL) == D);
    RV_CHECK(rv_driver_find("auto") != NULL);
    RV_CHECK(rv_driver_find("tpu") == NULL);
    void *const *slots = (void *const *)&D->device_open;
    size_t nslots = (sizeof *D - offsetof(rv_driver, device_open)) / sizeof(void *);
    size_t nulls = 0;
    for (size_t i = 0; i < nslots; i++)
        nulls += slots[i] == NULL;
    RV_CHECK_EQ_INT(nulls, 2); /* begin_batch / end_batch: nothing to record on a CPU */
}

RV_TEST(pool_mark_reset_and_exhaustion) {
    env e;
    RV_CHECK(env_open(&e, 1));
    size_t m0 = D->pool_mark(e.ctx);
    rv_dbuf *a, *b;
    RV_CHECK_EQ_INT(D->alloc(e.ctx, &a, 100), RV_OK);
    RV_CHECK(((uintptr_t)a & 63) == 0);
    size_t m1 = D->pool_mark(e.ctx);
    RV_CHECK_EQ_INT(D->alloc(e.ctx, &b, 1000), RV_OK);
    RV_CHECK(((uintptr_t)b & 63) == 0);
    D->pool_reset(e.ctx, m1);
    rv_dbuf *c;
    RV_CHECK_EQ_INT(D->alloc(e.ctx, &c, 1000), RV_OK);
    RV_CHECK(c == b); /* reused */
    RV_CHECK_EQ_INT(D->alloc(e.ctx, &c, 128u << 20), RV_ERR_NOMEM);
    RV_CHECK(strstr(rv_error_last(), "pool") != NULL);
    D->pool_reset(e.ctx, m0);
    env_close(&e);
}

static void check_gemm(env *e, size_t m, size_t n, size_t k, int tb) {
    size_t mark = D->pool_mark(e->ctx);
    float *a = rnd(m * k, 1), *b = rnd(n * k, 1), *bias = rnd(n, 1);
    double *r = malloc(m * n * sizeof *r);
    rv_dbuf *da = up(e, a, m * k * 4), *db = up(e, b, n * k * 4), *dbias = up(e, bias, n * 4), *dc;
    D->alloc(e->ctx, &dc, m * n * 4);
    RV_CHECK_EQ_INT(D->gemm(e->ctx, da, db, dc, m, n, k, tb), RV_OK);
    ref_gemm(a, b, r, m, n, k, tb);
    float *c = down(e, dc, m * n);
    double d = maxdiff(c, r, m * n);
    RV_CHECK_MSG(d <= 1e-5 * (double)k, "gemm %zux%zux%zu tb=%d: %g", m, n, k, tb, d);
    free(c);
    if (tb) { /* the fused linear slot: bias, then bias + GELU */
        for (int act = 0; act < 2; act++) {
            RV_CHECK_EQ_INT(
                D->linear(e->ctx, da, db, dbias, dc, m, n, k, act ? RV_ACT_GELU : RV_ACT_NONE),
                RV_OK);
            double *r2 = malloc(m * n * sizeof *r2);
            for (size_t i = 0; i < m * n; i++) {
                double v = r[i] + bias[i % n];
                r2[i] = act ? gelu(v) : v;
            }
            c = down(e, dc, m * n);
            d = maxdiff(c, r2, m * n);
            RV_CHECK_MSG(d <= 1e-5 * (double)k, "linear %zux%zux%zu act=%d: %g", m, n, k, act, d);
            free(c);
            free(r2);
        }
    }
    free(a), free(b), free(bias), free(r);
    D->pool_reset(e->ctx, mark);
}

RV_TEST(gemm_and_linear_match_reference_at_odd_sizes) {
    static const size_t dims[][3] = {{1, 1, 1},     {1, 7, 5},     {3, 5, 7},
                                     {17, 33, 9},   {5, 200, 31},  {64, 96, 32},
                                     {130, 70, 65}, {2, 384, 384}, {47, 1, 13}};
    for (int threads = 1; threads <= 3; threads += 2) {
        env e;
        RV_CHECK(env_open(&e, threads));
        for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
            for (int tb = 0; tb < 2; tb++)
                check_gemm(&e, dims[i][0], dims[i][1], dims[i][2], tb);
        env_close(&e);
    }
}

/* ---- packed linear weights (cpu_linear.h) ---- */

/* The integer code of an integer format's weight, row c, column p. */
static int packed_q(const rv_cpu_wpack *P, size_t c, size_t p) {
    size_t j = c / RV_CPU_NR, cc = c % RV_CPU_NR, st = P->fmt == RV_WFMT_Q8 ? 2 : 4;
    const int8_t *q = P->data;
    return q[(j * P->kp + p / st * st) * RV_CPU_NR + cc * st + p % st];
}

/* The weight a packed buffer stands for, row c, column p (dequantized). */
static double packed_w(const rv_cpu_wpack *P, size_t c, size_t p) {
    size_t j = c / RV_CPU_NR, cc = c % RV_CPU_NR;
    if (P->fmt == RV_WFMT_F32) return ((const float *)P->data)[(j * P->k + p) * RV_CPU_NR + cc];
    if (P->fmt == RV_WFMT_F16)
        return rv_cpu_f16_to_f32(((const uint16_t *)P->data)[(j * P->k + p) * RV_CPU_NR + cc]);
    return (double)P->scale[c] * packed_q(P, c, p);
}

/* Reference for one format: f32/f16 from the stored weights, q8 also from
 * the quantized activations, q7 / q8u from the integer codes, summed
 * exactly (every family must match it to float rounding). The u8 formats'
 * stored weights carry the column factors, and their activations the
 * inverse. */
static void ref_packed(const rv_cpu_wpack *P, const float *x, const float *bias, rv_act act,
                       size_t m, double *out) {
    size_t n = P->n, k = P->k;
    int16_t *q16 = malloc(P->kp * sizeof *q16);
    uint8_t *q8 = malloc(P->kp);
    for (size_t i = 0; i < m; i++) {
        float xs = 1;
        int32_t zero = 0;
        if (P->fmt == RV_WFMT_Q8) rv_cpu_quant_row_s16(x + i * k, k, P->kp, q16, &xs, P->act_max);
        int u8 = rv_cpu_fmt_u8(P->fmt);
        if (u8) rv_cpu_quant_row_u8(x + i * k, P->colinv, k, P->kp, q8, &xs, &zero);
        for (size_t c = 0; c < n; c++) {
            double s = 0;
            if (u8) {
                int64_t acc = 0;
                for (size_t p = 0; p < P->kp; p++)
                    acc += (int64_t)(q8[p] - zero) * packed_q(P, c, p);
                s = (double)xs * P->scale[c] * (double)acc;
            }
            for (size_t p = 0; !u8 && p < k; p++) {
                double xv = P->fmt == RV_WFMT_Q8 ? (double)xs * q16[p] : x[i * k + p];
                s += xv * packed_w(P, c, p);
            }
            s += bias ? bias[c] : 0;
            out[i * n + c] = act == RV_ACT_GELU ? gelu(s) : s;
        }
    }
    free(q16), free(q8);
}

RV_TEST(f16_conversion_rounds_to_nearest_even) {
    RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(1.0f), 0x3c00);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(-2.0f), 0xc000);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(65504.0f), 0x7bff);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(1e6f), 0x7c00);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(5.9604645e-8f), 0x0001); /* smallest subnormal */
    RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(1e-9f), 0x0000);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(1.0f + 1.0f / 2048), 0x3c00); /* tie -> even */
    RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(1.0f + 3.0f / 2048), 0x3c02); /* tie -> even (up) */
    for (uint32_t h = 0; h < 0x7c00; h += 7) /* every finite half survives a round trip */
        RV_CHECK_EQ_INT(rv_cpu_f32_to_f16(rv_cpu_f16_to_f32((uint16_t)h)), h);
}

RV_TEST(packed_linear_kernels_match_reference_at_odd_sizes) {
    static const size_t dims[][3] = {{1, 1, 1},    {3, 5, 7},     {7, 16, 4},    {13, 33, 9},
                                     {6, 17, 130}, {97, 48, 300}, {200, 20, 65}, {5, 384, 385}};
    /* every kernel family this CPU has, each in turn */
    const rv_cpu_linear_kernels *fl[RV_CPU_ISA_COUNT];
    int nfl = 0;
    for (int i = 0; i < RV_CPU_ISA_COUNT; i++) {
        if (rv_cpu_isa_has((rv_cpu_isa)i))
            fl[nfl++] = rv_cpu_linear_kernels_for((rv_cpu_isa)i);
        else
            printf("  linear kernels %s: not on this CPU, not run\n",
                   rv_cpu_isa_name((rv_cpu_isa)i));
    }
    for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
        size_t m = dims[di][0], n = dims[di][1], k = dims[di][2];
        float *x = rnd(m * k, 2), *w = rnd(n * k, 0.3f), *bias = rnd(n, 1);
        float *out = malloc(m * n * sizeof *out);
        double *r = malloc(m * n * sizeof *r), *exact = malloc(m * n * sizeof *exact);
        void *scratch = aligned_alloc(64, (rv_cpu_linear_scratch_bytes(k) + 63) / 64 * 64);
        float *colscale = rnd(k, 1);
        for (size_t p = 0; p < k; p++) /* factors in [0.25, 4] */
            colscale[p] = exp2f(2.0f * colscale[p]);
        ref_gemm(x, w, exact, m, n, k, 1);
        /* f32, f16, q8, q7, q8u, q7f, and q7 and q7f with column factors */
        for (int v = 0; v < 8; v++) {
            rv_wfmt fmt = v < 6 ? (rv_wfmt)v : v == 6 ? RV_WFMT_Q7 : RV_WFMT_Q7F;
            rv_cpu_wpack *P = NULL;
            RV_CHECK_EQ_INT(rv_cpu_wpack_create_scaled(&P, w, n, k, fmt, v >= 6 ? colscale : NULL),
                            RV_OK);
            float raw[16] = {0};
            RV_CHECK(rv_cpu_is_wpack(P) && !rv_cpu_is_wpack(raw));
            for (int act = 0; act < 2; act++) {
                for (int f = 0; f < nfl; f++) {
                    ref_packed(P, x, act ? NULL : bias, (rv_act)act, m, r);
                    memset(out, 0xff, m * n * sizeof *out);
                    rv_cpu_gemm_job J = {.x = x,
                                         .ldx = k,
                                         .w = P,
                                         .bias = act ? NULL : bias,
                                         .out = out,
                                         .ldo = n,
                                         .m = m,
                                         .p0 = 0,
                                         .p1 = P->panels,
                                         .act = (rv_act)act,
                                         .scratch = scratch};
                    fl[f]->run(&J);
                    double d = maxdiff(out, r, m * n);
                    RV_CHECK_MSG(d <= 2e-5 * (double)k, "%s variant %d act %d %zux%zux%zu: %g",
                                 fl[f]->name, v, act, m, n, k, d);
                }
            }
            /* and each format stays near the exact f32 product, but q8u:
             * on uniform data many of its pairs are fitted (the reference
             * above has them; q8u_pairs_fit_int16_and_sum_exactly and the
             * golden texts of test_precision cover what that costs) */
            if (fmt == RV_WFMT_Q8U) {
                rv_cpu_wpack_free(P);
                continue;
            }
            double worst = 0, scale = 0;
            ref_packed(P, x, bias, RV_ACT_NONE, m, r);
            for (size_t i = 0; i < m * n; i++) {
                worst = fmax(worst, fabs(r[i] - (exact[i] + bias[i % n])));
                scale = fmax(scale, fabs(exact[i]));
            }
            /* q7f with column factors is the worst case of the lot: the
             * factors magnify some weight columns, on activations that do
             * not need them (uniform), and their quads get fitted */
            double tol = fmt == RV_WFMT_F32   ? 1e-5
                         : fmt == RV_WFMT_F16 ? 2e-3
                         : v == 7             ? 8e-2
                                              : 6e-2;
            RV_CHECK_MSG(worst <= tol * (scale + 1),
                         "variant %d %zux%zux%zu: %g off exact (scale %g)", v, m, n, k, worst,
                         scale);
            rv_cpu_wpack_free(P);
        }
        free(x), free(w), free(bias), free(out), free(r), free(exact), free(scratch);
        free(colscale);
    }
}

/* out[f] = x [m, k] times P's weights by both kernel flavours (f = 0
 * portable, 1 the best), no bias, no activation. */
static void run_flavours(const rv_cpu_wpack *P, const float *x, size_t m, float *out[2]) {
    void *scratch = aligned_alloc(64, (rv_cpu_linear_scratch_bytes(P->k) + 63) / 64 * 64);
    const rv_cpu_linear_kernels *fl[2] = {&rv_cpu_linear_portable, rv_cpu_linear_kernels_best()};
    for (int f = 0; f < 2; f++) {
        rv_cpu_gemm_job J = {.x = x,
                             .ldx = P->k,
                             .w = P,
                             .out = out[f],
                             .ldo = P->n,
                             .m = m,
                             .p0 = 0,
                             .p1 = P->panels,
                             .act = RV_ACT_NONE,
                             .scratch = scratch};
        fl[f]->run(&J);
    }
    free(scratch);
}

/* q7's activation quantizer on rows that stress it: all zero, one sign
 * only, tiny, huge, NaN and infinity among ordinary values. Codes stay in
 * [0, 255], finite rows come back within half a step, and both kernel
 * flavours (each with its own quantizer) give the same outputs. */
RV_TEST(q7_quantizer_handles_extreme_rows) {
    enum { K = 40, N = 16, M = 8 };
    float x[M][K], w[N * K];
    for (size_t i = 0; i < N * K; i++)
        w[i] = frand() * 0.3f;
    for (size_t p = 0; p < K; p++) {
        float f = frand();
        x[0][p] = 0.0f;
        x[1][p] = fabsf(f) + 0.5f;  /* all positive: zero point 0 */
        x[2][p] = -fabsf(f) - 0.5f; /* all negative: zero point 255 */
        x[3][p] = f * 1e-35f;       /* a range too small to divide by */
        x[4][p] = f * 1e30f;
        x[5][p] = p == 7 ? NAN : f;
        x[6][p] = p == 3 ? INFINITY : f;
        x[7][p] = f;
    }
    uint8_t q[K];
    for (int r = 0; r < M; r++) {
        float sc = 0;
        int32_t z = -1;
        rv_cpu_quant_row_u8(x[r], NULL, K, K, q, &sc, &z);
        RV_CHECK_MSG(z >= 0 && z <= 255 && sc > 0 && isfinite(sc) == (r != 6), "row %d: %g %d", r,
                     sc, z);
        for (size_t p = 0; r != 6 && p < K; p++)
            if (x[r][p] == x[r][p])
                RV_CHECK_MSG(fabs(sc * ((double)q[p] - z) - x[r][p]) <= sc * 0.5001,
                             "row %d col %zu", r, p);
    }
    rv_cpu_wpack *P = NULL;
    RV_CHECK_EQ_INT(rv_cpu_wpack_create(&P, w, N, K, RV_WFMT_Q7), RV_OK);
    float out[2][M * N];
    run_flavours(P, &x[0][0], M, (float *[2]){out[0], out[1]});
    for (int i = 0; i < M * N; i++)
        RV_CHECK_MSG(out[0][i] == out[1][i] || (out[0][i] != out[0][i] && out[1][i] != out[1][i]),
                     "row %d col %d: %g vs %g", i / N, i % N, out[0][i], out[1][i]);
    for (int i = 0; i < N; i++) /* a zero row gives exact zeros */
        RV_CHECK(out[1][i] == 0.0f);
    rv_cpu_wpack_free(P);
}

/* q8u's pairs: the packer fits every pair (k offsets 2i, 2i + 1) to
 * RV_CPU_I16_SUM, so no pair of products passes int16 and every family
 * sums them exactly. Rows 0 and 1 open with a pair of one sign at the
 * row's largest code (+-127, fitted to +-64 each), row 2 with a pair of
 * mixed sign (kept); the other rows are peaked (one spike), as a model's
 * are, so fitting changes little and the 8-bit codes stay. Against rows of codes 255 every
 * family gives the exact sums. Flat weights, where fitting would change
 * too much, are packed at 7 bits. Fails where a pair is left past int16. */
RV_TEST(q8u_pairs_fit_int16_and_sum_exactly) {
    enum { K = 64, N = 1024, M = 3 };
    float *x = malloc(M * K * sizeof *x), *w = malloc(N * K * sizeof *w);
    for (int p = 0; p < K; p++) {
        x[p] = 2.0f;                     /* codes 255, zero point 0 */
        x[K + p] = p < 32 ? 0.5f : 0;    /* codes 255 then 0 */
        x[2 * K + p] = p % 2 ? 0 : 2.0f; /* codes 255, 0, 255, ... */
        for (int r = 0; r < 3; r++)
            w[r * K + p] = p >= 2 ? 0.01f : r == 0 ? 0.25f : r == 1 ? -0.25f : p ? 0.25f : -0.25f;
    }
    for (int r = 3; r < N; r++) { /* a spike beside a zero, the rest at most 0.3 of it */
        for (int p = 0; p < K; p++)
            w[r * K + p] = frand() * 0.3f;
        w[r * K + 2 * (r % 32)] = 1.0f;
        w[r * K + 2 * (r % 32) + 1] = 0.0f;
    }
    rv_cpu_wpack *P = NULL;
    RV_CHECK_EQ_INT(rv_cpu_wpack_create(&P, w, N, K, RV_WFMT_Q8U), RV_OK);
    for (int c = 0; c < 3; c++) {
        int a = packed_q(P, c, 0), b = packed_q(P, c, 1);
        RV_CHECK_MSG(c == 2 ? a == -127 && b == 127 : a + b == (c ? -128 : 128),
                     "row %d: %d %d", c, a, b);
    }
    int worst = 0;
    for (int c = 0; c < N; c++)
        for (int p = 0; p < K; p += 2) {
            int a = packed_q(P, c, p), b = packed_q(P, c, p + 1);
            int pos = (a > 0 ? a : 0) + (b > 0 ? b : 0), neg = (a < 0 ? -a : 0) + (b < 0 ? -b : 0);
            worst = pos > worst ? pos : neg > worst ? neg : worst;
        }
    RV_CHECK_MSG(worst == RV_CPU_I16_SUM, "largest pair %d", worst);
    double *ref = malloc(M * N * sizeof *ref);
    float *out = malloc(M * N * sizeof *out);
    ref_packed(P, x, NULL, RV_ACT_NONE, M, ref);
    void *scratch = aligned_alloc(64, (rv_cpu_linear_scratch_bytes(K) + 63) / 64 * 64);
    for (int f = 0; f < RV_CPU_ISA_COUNT; f++) {
        if (!rv_cpu_isa_has((rv_cpu_isa)f)) continue; /* reported by the test above */
        const rv_cpu_linear_kernels *lk = rv_cpu_linear_kernels_for((rv_cpu_isa)f);
        rv_cpu_gemm_job J = {
            .x = x, .ldx = K, .w = P, .out = out, .ldo = N, .m = M, .p1 = P->panels, .scratch = scratch};
        lk->run(&J);
        for (int i = 0; i < M * N; i++)
            RV_CHECK_MSG(fabs(out[i] - ref[i]) <= 1e-5 * (fabs(ref[i]) + 1), "%s [%d]: %g vs %g",
                         lk->name, i, out[i], ref[i]);
    }
    rv_cpu_wpack_free(P);
    for (size_t i = 0; i < (size_t)N * K; i++) /* flat: 7-bit codes, no pair to fit */
        w[i] = 0.25f;
    RV_CHECK_EQ_INT(rv_cpu_wpack_create(&P, w, N, K, RV_WFMT_Q8U), RV_OK);
    RV_CHECK_EQ_INT(packed_q(P, 0, 0), RV_CPU_Q7_MAX);
    rv_cpu_wpack_free(P);
    free(scratch), free(ref), free(out), free(x), free(w);
}

/* q7f's quads: weights of a bell-shaped spread are packed for quads, with
 * every quad's positive and negative codes fitted to RV_CPU_I16_SUM (a quad
 * made of four of the row's largest weights is cut to the bound exactly);
 * rows of codes 255 against them reach 255 * 128 per quad, which both
 * flavours sum exactly. q7 keeps the same weights as they come, and flat
 * weights (too many quads to cut) are packed for pairs, unfitted. */
RV_TEST(q7f_quads_fit_weights_and_sum_exactly) {
    enum { K = 256, N = 64, M = 4 };
    float *w = malloc(N * K * sizeof *w), *x = malloc(M * K * sizeof *x);
    for (size_t i = 0; i < N * K; i++)
        w[i] = frand() + frand() + frand();
    for (size_t p = 0; p < 8; p++) /* row 0's first quad: four times its largest */
        w[p] = p == 0 || p == 1 || p == 4 || p == 5 ? 3.0f : 0.0f;
    for (size_t p = 0; p < K; p++) {
        x[p] = 1.0f;                   /* codes 255, zero point 0 */
        x[K + p] = -1.0f;              /* codes 0, zero point 255 */
        x[2 * K + p] = p % 2 ? 1 : -1; /* codes 255 and 0 */
        x[3 * K + p] = frand();
    }
    rv_cpu_wpack *P = NULL;
    RV_CHECK_EQ_INT(rv_cpu_wpack_create(&P, w, N, K, RV_WFMT_Q7F), RV_OK);
    RV_CHECK(P->quads == 1);
    int worst = 0;
    for (size_t c = 0; c < N; c++)
        for (size_t b = 0; b < P->kp; b += 8)
            for (size_t h = 0; h < 4; h += 2) {
                int pos = 0, neg = 0;
                for (size_t e = 0; e < 4; e++) {
                    int q = packed_q(P, c, b + h + e % 2 + e / 2 * 4);
                    pos += q > 0 ? q : 0;
                    neg += q < 0 ? -q : 0;
                }
                worst = pos > worst ? pos : neg > worst ? neg : worst;
            }
    RV_CHECK_MSG(worst == RV_CPU_I16_SUM, "largest quad %d", worst);
    RV_CHECK_EQ_INT(packed_q(P, 0, 0) + packed_q(P, 0, 1) + packed_q(P, 0, 4) + packed_q(P, 0, 5),
                    RV_CPU_I16_SUM);
    float out0[M * N], out1[M * N];
    double want[M * N];
    run_flavours(P, x, M, (float *[2]){out0, out1});
    ref_packed(P, x, NULL, RV_ACT_NONE, M, want);
    for (int i = 0; i < M * N; i++) {
        RV_CHECK_MSG(fabs(out0[i] - want[i]) <= 1e-5 * (fabs(want[i]) + 1), "portable [%d]", i);
        RV_CHECK_MSG(fabs(out1[i] - want[i]) <= 1e-5 * (fabs(want[i]) + 1), "best [%d]", i);
    }
    rv_cpu_wpack_free(P);
    RV_CHECK_EQ_INT(rv_cpu_wpack_create(&P, w, N, K, RV_WFMT_Q7), RV_OK);
    RV_CHECK(P->quads == 0);
    RV_CHECK_EQ_INT(packed_q(P, 0, 0) + packed_q(P, 0, 1) + packed_q(P, 0, 4) + packed_q(P, 0, 5),
                    4 * RV_CPU_Q7_MAX);
    rv_cpu_wpack_free(P);
    for (size_t i = 0; i < N * K; i++)
        w[i] = frand();
    RV_CHECK_EQ_INT(rv_cpu_wpack_create(&P, w, N, K, RV_WFMT_Q7F), RV_OK);
    RV_CHECK(P->quads == 0);
    RV_CHECK(packed_q(P, 0, 0) == (int)lrintf(w[0] / P->scale[0]));
    rv_cpu_wpack_free(P);
    free(w), free(x);
}

RV_TEST(linear_slot_with_packed_weights_splits_across_threads) {
    /* few rows (cut by panels), a few row blocks (cut both ways, partial
     * blocks and panel groups), and enough blocks for whole-width items */
    static const size_t dims[][3] = {
        {1, 40, 24}, {30, 1152, 48}, {150, 40, 70}, {301, 64, 33}, {1300, 40, 20}};
    int quads = 0; /* q7f products that ran on quads */
    for (int threads = 1; threads <= 3; threads += 2) {
        env e;
        RV_CHECK(env_open(&e, threads));
        for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++)
            for (int fmt = 0; fmt <= RV_WFMT_Q7F; fmt++) {
                size_t m = dims[di][0], n = dims[di][1], k = dims[di][2];
                size_t mark = D->pool_mark(e.ctx);
                float *x = rnd(m * k, 1), *w = malloc(n * k * sizeof *w), *bias = rnd(n, 1);
                for (size_t i = 0; i < n * k; i++) { /* peaked, so q7f packs for quads */
                    float g = frand() + frand() + frand();
                    w[i] = g * fabsf(g) * 0.1f;
                }
                double *r = malloc(m * n * sizeof *r);
                rv_dbuf *dw = NULL, *dx = up(&e, x, m * k * 4), *db = up(&e, bias, n * 4), *dc;
                RV_CHECK_EQ_INT(D->upload_linear_weight(e.dev, &dw, w, n, k, (rv_wfmt)fmt), RV_OK);
                D->alloc(e.ctx, &dc, m * n * 4);
                RV_CHECK_EQ_INT(D->linear(e.ctx, dx, dw, db, dc, m, n, k, RV_ACT_GELU), RV_OK);
                const rv_cpu_wpack *P = (const rv_cpu_wpack *)(const void *)dw;
                quads += P->quads;
                ref_packed(P, x, bias, RV_ACT_GELU, m, r);
                float *c = down(&e, dc, m * n);
                double d = maxdiff(c, r, m * n);
                RV_CHECK_MSG(d <= 2e-5 * (double)k, "threads %d fmt %d %zux%zux%zu: %g", threads,
                             fmt, m, n, k, d);
                RV_CHECK_EQ_INT(D->linear(e.ctx, dx, dw, db, dc, m, n + 1, k, RV_ACT_NONE),
                                RV_ERR_INVALID_ARG);
                D->free_buf(e.dev, dw);
                free(c), free(x), free(w), free(bias), free(r);
                D->pool_reset(e.ctx, mark);
            }
        env_close(&e);
    }
    RV_CHECK(quads >= 5);
}

RV_TEST(gemm_batched_matches_reference) {
    env e;
    RV_CHECK(env_open(&e, 3));
    size_t m = 7, n = 9, k = 5, cnt = 6;
    for (int tb = 0; tb < 2; tb++) {
        float *a = rnd(cnt * m * k, 1), *b = rnd(cnt * n * k, 1);
        rv_dbuf *da = up(&e, a, cnt * m * k * 4), *db = up(&e, b, cnt * n * k * 4), *dc;
        D->alloc(e.ctx, &dc, cnt * m * n * 4);
        RV_CHECK_EQ_INT(D->gemm_batched(e.ctx, da, db, dc, m, n, k, tb, m * k, n * k, m * n, cnt),
                        RV_OK);
        float *c = down(&e, dc, cnt * m * n);
        double *r = malloc(m * n * sizeof *r);
        for (size_t i = 0; i < cnt; i++) {
            ref_gemm(a + i * m * k, b + i * n * k, r, m, n, k, tb);
            RV_CHECK(maxdiff(c + i * m * n, r, m * n) <= 1e-5);
        }
        free(a), free(b), free(c), free(r);
    }
    env_close(&e);
}

RV_TEST(elementwise_and_norm_ops_match_reference) {
    env e;
    RV_CHECK(env_open(&e, 3));
    size_t rows = 37, cols = 45, vocab = 11;
    float *x = rnd(rows * cols, 3), *res = rnd(rows * cols, 1), *w = rnd(cols, 1),
          *b = rnd(cols, 1);
    float *table = rnd(vocab * cols, 1);
    int32_t ids[37];
    for (size_t i = 0; i < rows; i++)
        ids[i] = (int32_t)((i * 7) % vocab);
    double *r = malloc(rows * cols * sizeof *r), *t = malloc(cols * sizeof *t);
    rv_dbuf *dx = up(&e, x, rows * cols * 4), *dres = up(&e, res, rows * cols * 4);
    rv_dbuf *dw = up(&e, w, cols * 4), *db = up(&e, b, cols * 4),
            *dt = up(&e, table, vocab * cols * 4);
    rv_dbuf *dids = up(&e, ids, sizeof ids), *out;
    D->alloc(e.ctx, &out, rows * cols * 4);
    /* embedding lookup + add */
    RV_CHECK_EQ_INT(D->embedding_lookup(e.ctx, out, dt, dids, rows, cols), RV_OK);
    RV_CHECK_EQ_INT(D->add_embeddings(e.ctx, out, dt, dids, rows, cols), RV_OK);
    for (size_t i = 0; i < rows * cols; i++)
        r[i] = 2.0 * table[(size_t)ids[i / cols] * cols + i % cols];
    float *h = down(&e, out, rows * cols);
    RV_CHECK(maxdiff(h, r, rows * cols) <= 1e-6);
    free(h);
    /* layer_norm (in place) and fused residual layer_norm */
    RV_CHECK_EQ_INT(D->fused_residual_layernorm(e.ctx, out, dx, dres, dw, db, rows, cols, 1e-12f),
                    RV_OK);
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++)
            t[j] = (double)x[i * cols + j] + res[i * cols + j];
        ref_ln(t, r + i * cols, w, b, cols, 1e-12);
    }
    h = down(&e, out, rows * cols);
    RV_CHECK(maxdiff(h, r, rows * cols) <= 1e-5);
    free(h);
    rv_dbuf *dx2 = up(&e, x, rows * cols * 4);
    RV_CHECK_EQ_INT(D->layer_norm(e.ctx, dx2, dx2, dw, db, rows, cols, 1e-5f), RV_OK);
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++)
            t[j] = x[i * cols + j];
        ref_ln(t, r + i * cols, w, b, cols, 1e-5);
    }
    h = down(&e, dx2, rows * cols);
    RV_CHECK(maxdiff(h, r, rows * cols) <= 1e-5);
    free(h);
    /* add_bias, bias+gelu */
    dx2 = up(&e, x, rows * cols * 4);
    RV_CHECK_EQ_INT(D->add_bias(e.ctx, dx2, db, rows, cols), RV_OK);
    for (size_t i = 0; i < rows * cols; i++)
        r[i] = (double)x[i] + b[i % cols];
    h = down(&e, dx2, rows * cols);
    RV_CHECK(maxdiff(h, r, rows * cols) <= 1e-6);
    free(h);
    dx2 = up(&e, x, rows * cols * 4);
    RV_CHECK_EQ_INT(D->fused_bias_gelu(e.ctx, dx2, db, rows, cols), RV_OK);
    for (size_t i = 0; i < rows * cols; i++)
        r[i] = gelu((double)x[i] + b[i % cols]);
    h = down(&e, dx2, rows * cols);
    RV_CHECK(maxdiff(h, r, rows * cols) <= 2e-6);
    free(h);
    /* l2_normalize, including an all-zero row (stays zero, no NaN) */
    float *z = rnd(3 * cols, 1);
    memset(z + cols, 0, cols * sizeof *z);
    rv_dbuf *dz = up(&e, z, 3 * cols * 4);
    RV_CHECK_EQ_INT(D->l2_normalize(e.ctx, dz, 3, cols), RV_OK);
    h = down(&e, dz, 3 * cols);
    for (size_t i = 0; i < 3; i++) {
        double nn = 0, zz = 0;
        for (size_t j = 0; j < cols; j++)
            nn += (double)z[i * cols + j] * z[i * cols + j];
        for (size_t j = 0; j < cols; j++) {
            double want = nn > 0 ? z[i * cols + j] / sqrt(nn) : 0.0;
            zz = fmax(zz, fabs(h[i * cols + j] - want));
        }
        RV_CHECK(zz <= 1e-6);
    }
    free(h), free(z);
    free(x), free(res), free(w), free(b), free(table), free(r), free(t);
    env_close(&e);
}

/* Attention on a ragged batch: the fused per-sequence slot and the seed's
 * padded composition (pad, split, batched gemm, masked softmax, reshape,
 * unpad) against a direct reference; pooling on the same batch. */
RV_TEST(attention_paths_layout_ops_and_pooling_match_reference) {
    static const int32_t lens[] = {5, 1, 9, 3, 8};
    const size_t B = 5, heads = 3;
    static const size_t hds[] = {4, 8, 16, 24, 32};
    for (int threads = 1; threads <= 3; threads += 2)
        for (size_t hi = 0; hi < sizeof hds / sizeof hds[0]; hi++) {
            const size_t hd = hds[hi], H = heads * hd;
            env e;
            RV_CHECK(env_open(&e, threads));
            int32_t ids[26];
            for (size_t i = 0; i < 26; i++)
                ids[i] = (int32_t)i;
            rv_batch_inputs in;
            RV_CHECK_EQ_INT(D->prepare_batch(e.ctx, &in, ids, lens, B), RV_OK);
            RV_CHECK_EQ_INT(in.total_tokens, 26);
            RV_CHECK_EQ_INT(in.max_seq, 9);
            RV_CHECK_EQ_INT(in.seq_offsets[3], 15);
            const size_t T = in.total_tokens, S = in.max_seq, P = B * S;
            const float scale = 0.5f;
            float *qkv = rnd(T * 3 * H, 2);
            double *ref = calloc(T * H, sizeof *ref), *sc = malloc(S * sizeof *sc);
            for (size_t b = 0; b < B; b++) {
                size_t off = (size_t)in.seq_offsets[b], L = (size_t)lens[b];
                for (size_t h = 0; h < heads; h++)
                    for (size_t i = 0; i < L; i++) {
                        for (size_t j = 0; j < L; j++) {
                            double s = 0;
                            for (size_t d = 0; d < hd; d++)
                                s += (double)qkv[(off + i) * 3 * H + h * hd + d] *
                                     qkv[(off + j) * 3 * H + H + h * hd + d];
                            sc[j] = s;
                        }
                        ref_softmax(sc, NULL, L, scale);
                        for (size_t d = 0; d < hd; d++) {
                            double s = 0;
                            for (size_t j = 0; j < L; j++)
                                s += sc[j] * qkv[(off + j) * 3 * H + 2 * H + h * hd + d];
                            ref[(off + i) * H + h * hd + d] = s;
                        }
                    }
            }
            rv_dbuf *dqkv = up(&e, qkv, T * 3 * H * 4), *o1, *o2, *qp, *q, *k, *v, *scores, *att,
                    *ctxp;
            D->alloc(e.ctx, &o1, T * H * 4);
            D->alloc(e.ctx, &o2, T * H * 4);
            RV_CHECK_EQ_INT(D->attention(e.ctx, o1, dqkv, &in, heads, hd, scale), RV_OK);
            float *h1 = down(&e, o1, T * H);
            double d1 = maxdiff(h1, ref, T * H);
            RV_CHECK_MSG(d1 <= 1e-5, "fused attention threads=%d hd=%zu: %g", threads, hd, d1);
            D->alloc(e.ctx, &qp, P * 3 * H * 4);
            D->alloc(e.ctx, &q, P * H * 4);
            D->alloc(e.ctx, &k, P * H * 4);
            D->alloc(e.ctx, &v, P * H * 4);
            D->alloc(e.ctx, &scores, B * heads * S * S * 4);
            D->alloc(e.ctx, &att, P * H * 4);
            D->alloc(e.ctx, &ctxp, P * H * 4);
            RV_CHECK_EQ_INT(D->pad_to_batch(e.ctx, dqkv, qp, &in, 3 * H), RV_OK);
            float *hp = down(&e, qp, P * 3 * H); /* padding rows are zero */
            RV_CHECK(hp[(1 * S + 1) * 3 * H] == 0.0f &&
                     hp[(1 * S + 8) * 3 * H + 3 * H - 1] == 0.0f);
            RV_CHECK(hp[(2 * S + 0) * 3 * H + 5] == qkv[6 * 3 * H + 5]);
            free(hp);
            RV_CHECK_EQ_INT(D->qkv_split(e.ctx, q, k, v, qp, B, S, heads, hd), RV_OK);
            RV_CHECK_EQ_INT(
                D->gemm_batched(e.ctx, q, k, scores, S, S, hd, 1, S * hd, S * hd, S * S, B * heads),
                RV_OK);
            RV_CHECK_EQ_INT(
                D->fused_scale_mask_softmax(e.ctx, scores, in.float_mask, B, heads, S, scale),
                RV_OK);
            RV_CHECK_EQ_INT(D->gemm_batched(e.ctx, scores, v, att, S, hd, S, 0, S * S, S * hd,
                                            S * hd, B * heads),
                            RV_OK);
            RV_CHECK_EQ_INT(D->attn_reshape(e.ctx, ctxp, att, B, S, heads, hd), RV_OK);
            RV_CHECK_EQ_INT(D->unpad_from_batch(e.ctx, ctxp, o2, &in, H), RV_OK);
            float *h2 = down(&e, o2, T * H);
            double d2 = maxdiff(h2, ref, T * H);
            RV_CHECK_MSG(d2 <= 1e-5, "padded attention threads=%d: %g", threads, d2);
            /* pooling over the unpadded rows of o1 */
            rv_dbuf *pooled;
            D->alloc(e.ctx, &pooled, B * H * 4);
            RV_CHECK_EQ_INT(D->mean_pool(e.ctx, pooled, o1, &in, H), RV_OK);
            float *pm = down(&e, pooled, B * H);
            RV_CHECK_EQ_INT(D->cls_pool(e.ctx, pooled, o1, &in, H), RV_OK);
            float *pc = down(&e, pooled, B * H);
            for (size_t b = 0; b < B; b++) {
                size_t off = (size_t)in.seq_offsets[b];
                for (size_t c = 0; c < H; c++) {
                    double s = 0;
                    for (size_t i = 0; i < (size_t)lens[b]; i++)
                        s += h1[(off + i) * H + c];
                    RV_CHECK(fabs(pm[b * H + c] - s / lens[b]) <= 1e-6);
                    RV_CHECK(pc[b * H + c] == h1[off * H + c]);
                }
            }
            free(pm), free(pc), free(h1), free(h2), free(qkv), free(ref), free(sc);
            env_close(&e);
        }
}

/* Long sequences through the AVX2 head kernel (tails of 16-key blocks and of
 * 4-query groups) against the sgemm path of the same driver. */
RV_TEST(attention_kernel_matches_sgemm_path_on_long_sequences) {
    static const int32_t lens[] = {256, 17, 130, 1, 33};
    const size_t B = 5, heads = 12, hd = 32, H = heads * hd;
    env e;
    RV_CHECK(env_open(&e, 2));
    int32_t *ids = calloc(437, sizeof *ids);
    rv_batch_inputs in;
    RV_CHECK_EQ_INT(D->prepare_batch(e.ctx, &in, ids, lens, B), RV_OK);
    size_t T = in.total_tokens;
    float *qkv = rnd(T * 3 * H, 1.5f);
    rv_dbuf *dqkv = up(&e, qkv, T * 3 * H * 4), *o1, *o2;
    D->alloc(e.ctx, &o1, T * H * 4);
    D->alloc(e.ctx, &o2, T * H * 4);
    RV_CHECK_EQ_INT(D->attention(e.ctx, o1, dqkv, &in, heads, hd, 0.17677669f), RV_OK);
    /* hd 36 is not a multiple of 8: the same data seen as 12 heads of 36
     * would differ, so instead compare with the padded composition */
    rv_dbuf *qp, *q, *k, *v, *scores, *att, *ctxp;
    size_t S = in.max_seq, P = B * S;
    D->alloc(e.ctx, &qp, P * 3 * H * 4);
    D->alloc(e.ctx, &q, P * H * 4);
    D->alloc(e.ctx, &k, P * H * 4);
    D->alloc(e.ctx, &v, P * H * 4);
    D->alloc(e.ctx, &scores, B * heads * S * S * 4);
    D->alloc(e.ctx, &att, P * H * 4);
    D->alloc(e.ctx, &ctxp, P * H * 4);
    D->pad_to_batch(e.ctx, dqkv, qp, &in, 3 * H);
    D->qkv_split(e.ctx, q, k, v, qp, B, S, heads, hd);
    D->gemm_batched(e.ctx, q, k, scores, S, S, hd, 1, S * hd, S * hd, S * S, B * heads);
    D->fused_scale_mask_softmax(e.ctx, scores, in.float_mask, B, heads, S, 0.17677669f);
    D->gemm_batched(e.ctx, scores, v, att, S, hd, S, 0, S * S, S * hd, S * hd, B * heads);
    D->attn_reshape(e.ctx, ctxp, att, B, S, heads, hd);
    D->unpad_from_batch(e.ctx, ctxp, o2, &in, H);
    float *h1 = down(&e, o1, T * H), *h2 = down(&e, o2, T * H);
    double *r = malloc(T * H * sizeof *r);
    for (size_t i = 0; i < T * H; i++)
        r[i] = h2[i];
    double d = maxdiff(h1, r, T * H);
    RV_CHECK_MSG(d <= 2e-6, "fused vs padded attention: %g", d);
    free(h1), free(h2), free(r), free(qkv), free(ids);
    env_close(&e);
}

int main(void) {
    printf("  kernels in use: %s\n", rv_cpu_kernels_best()->name);
    RV_RUN(portable_kernels_match_reference);
    if (rv_cpu_has_avx2())
        RV_RUN(avx2_kernels_match_reference);
    else
        printf("not run: avx2_kernels_match_reference (no AVX2 on this CPU)\n");
    RV_RUN(gelu_is_exact_erf_at_known_points);
    RV_RUN(threadpool_runs_every_thread_once_per_run);
    RV_RUN(driver_table_is_complete);
    RV_RUN(pool_mark_reset_and_exhaustion);
    RV_RUN(gemm_and_linear_match_reference_at_odd_sizes);
    RV_RUN(f16_conversion_rounds_to_nearest_even);
    RV_RUN(packed_linear_kernels_match_reference_at_odd_sizes);
    RV_RUN(q7_quantizer_handles_extreme_rows);
    RV_RUN(q7f_quads_fit_weights_and_sum_exactly);
    RV_RUN(q8u_pairs_fit_int16_and_sum_exactly);
    RV_RUN(linear_slot_with_packed_weights_splits_across_threads);
    RV_RUN(gemm_batched_matches_reference);
    RV_RUN(elementwise_and_norm_ops_match_reference);
    RV_RUN(attention_paths_layout_ops_and_pooling_match_reference);
    RV_RUN(attention_kernel_matches_sgemm_path_on_long_sequences);
    return rv_test_summary();
}
