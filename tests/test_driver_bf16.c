/* bf16 in the CPU driver: the rounding (to nearest even, NaN kept, the
 * AVX-512 rounding equal to the portable one bit for bit), and the bf16
 * linear kernel of every kernel family this CPU has (vdpbf16ps, AMX tiles,
 * or the portable emulation), each forced in turn, against a double
 * reference over the same bf16 operands and against the exact fp32
 * product. Families the CPU lacks print "not run". */
#include "rvtest.h"

#include "driver/cpu/cpu_kernels.h"
#include "driver/cpu/cpu_linear.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t g_seed = 12345;
static uint32_t rnd32(void) {
    g_seed = g_seed * 1664525u + 1013904223u;
    return g_seed;
}
static float frand(void) { /* [-1, 1) */
    return (float)((rnd32() >> 8) * (1.0 / 8388608.0)) - 1.0f;
}
static float from_bits(uint32_t x) {
    float f;
    memcpy(&f, &x, 4);
    return f;
}

RV_TEST(bf16_rounds_to_nearest_even_and_keeps_nan_and_inf) {
    RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(1.0f), 0x3f80);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(1.0f + 1.0f / 256), 0x3f80); /* tie -> even (down) */
    RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(1.0f + 3.0f / 256), 0x3f82); /* tie -> even (up) */
    RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(1.0f + 1.0f / 256 + 1e-6f), 0x3f81);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(-2.0f), 0xc000);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(from_bits(0x7f7fffffu)), 0x7f80); /* FLT_MAX -> inf */
    RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(INFINITY), 0x7f80);
    RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(-INFINITY), 0xff80);
    /* a NaN whose payload sits only in the low bits stays a NaN */
    uint16_t n = rv_cpu_f32_to_bf16(from_bits(0x7f800001u));
    RV_CHECK((n & 0x7f80) == 0x7f80 && (n & 0x7f) != 0);
    for (uint32_t b = 0; b < 0x10000; b++) { /* every non-NaN bf16 survives a round trip */
        if ((b & 0x7f80) == 0x7f80 && (b & 0x7f)) continue;
        RV_CHECK_EQ_INT(rv_cpu_f32_to_bf16(rv_cpu_bf16_to_f32((uint16_t)b)), b);
    }
}

RV_TEST(avx512_bf16_rounding_equals_portable_bit_for_bit) {
    if (!rv_cpu_has_avx512bf16()) {
        printf("  not run: no AVX512-BF16 on this CPU\n");
        return;
    }
    enum { K = 1001, KP = 1004 };
    static float x[K];
    static uint16_t q[KP];
    for (int round = 0; round < 64; round++) {
        for (size_t i = 0; i < K; i++) /* any bits: NaNs, infinities, subnormals, ties */
            x[i] = from_bits(round & 1 ? rnd32() : (rnd32() & 0xffff8000u) | 0x8000u);
        memset(q, 0xab, sizeof q);
        size_t k = K - (size_t)round % 17;
        rv_cpu_avx512_round_bf16(x, k, KP, q);
        for (size_t i = 0; i < k; i++)
            RV_CHECK_MSG(q[i] == rv_cpu_f32_to_bf16(x[i]), "%08x: %04x", (unsigned)rnd32(), q[i]);
        for (size_t i = k; i < KP; i++)
            RV_CHECK_EQ_INT(q[i], 0);
    }
}

/* out[r, c] from the bf16 operands in double, and from the fp32 ones. */
static void refs(const float *x, const float *w, const float *bias, size_t m, size_t n, size_t k,
                 double *rb, double *rf) {
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < n; c++) {
            double sb = bias[c], sf = bias[c];
            for (size_t p = 0; p < k; p++) {
                sb += (double)rv_cpu_bf16_to_f32(rv_cpu_f32_to_bf16(x[r * k + p])) *
                      rv_cpu_bf16_to_f32(rv_cpu_f32_to_bf16(w[c * k + p]));
                sf += (double)x[r * k + p] * w[c * k + p];
            }
            rb[r * n + c] = sb;
            rf[r * n + c] = sf;
        }
}

RV_TEST(bf16_linear_of_every_family_matches_reference) {
    static const size_t dims[][3] = {{1, 1, 1},    {3, 5, 7},     {17, 16, 31},  {13, 33, 64},
                                     {6, 17, 130}, {97, 48, 300}, {200, 20, 65}, {5, 384, 385}};
    for (int i = 0; i < RV_CPU_ISA_COUNT; i++) {
        rv_cpu_isa isa = (rv_cpu_isa)i;
        if (!rv_cpu_isa_has(isa)) {
            printf("  bf16 kernels %s: not on this CPU, not run\n", rv_cpu_isa_name(isa));
            continue;
        }
        const rv_cpu_linear_kernels *lk = rv_cpu_linear_kernels_for(isa);
        printf("  bf16 kernels %s: %s\n", rv_cpu_isa_name(isa),
               lk->run_bf16 ? "its own" : "portable emulation");
        for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
            size_t m = dims[di][0], n = dims[di][1], k = dims[di][2];
            float *x = malloc(m * k * sizeof *x), *w = malloc(n * k * sizeof *w),
                  *bias = malloc(n * sizeof *bias), *out = malloc(m * n * sizeof *out);
            double *rb = malloc(m * n * sizeof *rb), *rf = malloc(m * n * sizeof *rf);
            void *scratch = aligned_alloc(64, (rv_cpu_linear_scratch_bytes(k) + 63) / 64 * 64);
            for (size_t e = 0; e < m * k; e++)
                x[e] = 2 * frand();
            for (size_t e = 0; e < n * k; e++)
                w[e] = 0.3f * frand();
            for (size_t e = 0; e < n; e++)
                bias[e] = frand();
            refs(x, w, bias, m, n, k, rb, rf);
            rv_cpu_wpack *P = NULL;
            RV_CHECK_EQ_INT(rv_cpu_wpack_create(&P, w, n, k, RV_WFMT_BF16), RV_OK);
            rv_cpu_gemm_job J = {.x = x,
                                 .ldx = k,
                                 .w = P,
                                 .bias = bias,
                                 .out = out,
                                 .ldo = n,
                                 .m = m,
                                 .p0 = 0,
                                 .p1 = P->panels,
                                 .act = RV_ACT_NONE,
                                 .scratch = scratch};
            memset(out, 0xff, m * n * sizeof *out);
            rv_cpu_linear_run_for(lk, RV_WFMT_BF16)(&J);
            double db = 0, df = 0, scale = 0;
            for (size_t e = 0; e < m * n; e++) {
                double a = out[e];
                db = a != a ? 1e30 : fmax(db, fabs(a - rb[e]));
                df = a != a ? 1e30 : fmax(df, fabs(a - rf[e]));
                scale = fmax(scale, fabs(rf[e]));
            }
            /* fp32 sums of exact products; bf16's 8-bit significands */
            RV_CHECK_MSG(db <= 2e-6 * (double)k + 1e-6, "%s %zux%zux%zu: %g off the bf16 reference",
                         lk->name, m, n, k, db);
            RV_CHECK_MSG(df <= 1.5e-2 * (scale + 1), "%s %zux%zux%zu: %g off exact (scale %g)",
                         lk->name, m, n, k, df, scale);
            rv_cpu_wpack_free(P);
            free(x), free(w), free(bias), free(out), free(rb), free(rf), free(scratch);
        }
    }
}

int main(void) {
    RV_RUN(bf16_rounds_to_nearest_even_and_keeps_nan_and_inf);
    RV_RUN(avx512_bf16_rounding_equals_portable_bit_for_bit);
    RV_RUN(bf16_linear_of_every_family_matches_reference);
    return rv_test_summary();
}
