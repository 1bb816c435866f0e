/* The CPU driver's knobs, capability answers and precision policy
 * (driver.h version 7: configure, supports, upload_linear_layer). */
#include "driver/cpu/cpu_internal.h"
#include "driver/driver.h"
#include "rvtest.h"

#include <stdio.h>
#include <stdlib.h>

static const rv_driver *D = &rv_driver_cpu;

RV_TEST(configure_forces_each_kernel_family_the_cpu_has) {
    for (int i = 0; i < RV_CPU_ISA_COUNT; i++) {
        rv_cpu_isa isa = (rv_cpu_isa)i;
        void *dev = NULL, *ctx = NULL;
        rv_driver_params p = {.kernels = rv_cpu_isa_name(isa)};
        RV_CHECK_EQ_INT(D->device_open(&dev, 1), RV_OK);
        rv_status s = D->configure(dev, &p);
        if (!rv_cpu_isa_has(isa)) {
            RV_CHECK_EQ_INT(s, RV_ERR_UNSUPPORTED);
            printf("  %s: not on this CPU (refused, not run)\n", p.kernels);
        } else {
            RV_CHECK_EQ_INT(s, RV_OK);
            RV_CHECK_EQ_INT(D->ctx_create(&ctx, dev, 1), RV_OK);
            if (ctx) {
                const rv_cpu_ctx *c = ctx;
                RV_CHECK(c->k == rv_cpu_kernels_for(isa));
                RV_CHECK(c->lk == rv_cpu_linear_kernels_for(isa));
            }
            D->ctx_destroy(ctx);
        }
        D->device_close(dev);
    }
    void *dev = NULL;
    RV_CHECK_EQ_INT(D->device_open(&dev, 1), RV_OK);
    rv_driver_params bad = {.kernels = "sse9"};
    RV_CHECK_EQ_INT(D->configure(dev, &bad), RV_ERR_INVALID_ARG);
    rv_driver_params def = {0};
    RV_CHECK_EQ_INT(D->configure(dev, &def), RV_OK);
    RV_CHECK_EQ_INT(((rv_cpu_device *)dev)->isa, rv_cpu_isa_best());
    D->device_close(dev);
}

RV_TEST(supports_answers_precisions_and_blas_turns_packing_off) {
    void *dev = NULL;
    RV_CHECK_EQ_INT(D->device_open(&dev, 1), RV_OK);
    RV_CHECK(D->supports(dev, RV_CAP_PRECISION, RV_WFMT_F32));
    RV_CHECK(D->supports(dev, RV_CAP_PRECISION, RV_WFMT_F16));
    RV_CHECK(D->supports(dev, RV_CAP_PRECISION, RV_WFMT_Q8));
    RV_CHECK(D->supports(dev, RV_CAP_PRECISION, RV_WFMT_BF16)); /* emulated where no bf16 path */
    RV_CHECK(!D->supports(dev, RV_CAP_PRECISION, 99));
    RV_CHECK(D->supports(dev, RV_CAP_PACKED_F32, 0));
    rv_driver_params p = {.blas = 1};
    if (D->configure(dev, &p) == RV_OK)
        RV_CHECK(!D->supports(dev, RV_CAP_PACKED_F32, 0));
    else
        printf("  OpenBLAS does not load here: the blas knob's answer not run\n");
    D->device_close(dev);
    /* a driver without the slot is fp32 only */
    rv_driver bare = rv_driver_cpu;
    bare.supports = NULL;
    RV_CHECK(rv_driver_supports(&bare, NULL, RV_CAP_PRECISION, RV_WFMT_F32));
    RV_CHECK(!rv_driver_supports(&bare, NULL, RV_CAP_PRECISION, RV_WFMT_Q8));
}

/* int8 mixes formats by role: 7-bit fitted weights where a LayerNorm feeds
 * the layer, exact 7-bit on the attention output, int8 on the FFN output;
 * the LayerNorm-fed ones carry smoothing factors. */
RV_TEST(int8_policy_picks_each_layers_format) {
    enum { N = 48, K = 64 };
    float *w = malloc(N * K * sizeof *w), lnw[K], lnb[K];
    for (size_t i = 0; i < N * K; i++)
        w[i] = (float)((int)(i * 7919 % 255) - 127) / 300.0f;
    for (size_t c = 0; c < K; c++)
        lnw[c] = 1.0f + (float)c / K, lnb[c] = (float)c / (4.0f * K);
    struct {
        rv_layer_role role;
        int ln;
        rv_wfmt want;
    } cases[] = {{RV_LAYER_QKV, 1, RV_WFMT_Q7F},
                 {RV_LAYER_ATTN_OUT, 0, RV_WFMT_Q7},
                 {RV_LAYER_FFN_IN, 1, RV_WFMT_Q7F},
                 {RV_LAYER_FFN_OUT, 0, RV_WFMT_Q8U}};
    void *dev = NULL;
    RV_CHECK_EQ_INT(D->device_open(&dev, 1), RV_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rv_linear_spec spec = {.precision = RV_WFMT_Q8,
                               .role = cases[i].role,
                               .nparts = cases[i].role == RV_LAYER_QKV ? 3 : 1,
                               .ln_w = cases[i].ln ? lnw : NULL,
                               .ln_b = cases[i].ln ? lnb : NULL};
        rv_dbuf *b = NULL;
        RV_CHECK_EQ_INT(D->upload_linear_layer(dev, &b, w, N, K, &spec), RV_OK);
        const rv_cpu_wpack *P = (const rv_cpu_wpack *)(const void *)b;
        RV_CHECK(P && rv_cpu_is_wpack(P));
        if (P) {
            RV_CHECK_EQ_INT(P->fmt, cases[i].want);
            RV_CHECK((P->colinv != NULL) == cases[i].ln);
        }
        D->free_buf(dev, b);
    }
    rv_linear_spec f32 = {.precision = RV_WFMT_F32, .role = RV_LAYER_QKV, .nparts = 3};
    rv_dbuf *b = NULL;
    RV_CHECK_EQ_INT(D->upload_linear_layer(dev, &b, w, N, K, &f32), RV_OK);
    RV_CHECK(b && ((const rv_cpu_wpack *)(const void *)b)->fmt == RV_WFMT_F32);
    D->free_buf(dev, b);
    D->device_close(dev);
    free(w);
}

int main(void) {
    RV_RUN(configure_forces_each_kernel_family_the_cpu_has);
    RV_RUN(supports_answers_precisions_and_blas_turns_packing_off);
    RV_RUN(int8_policy_picks_each_layers_format);
    return rv_test_summary();
}
