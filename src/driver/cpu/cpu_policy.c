/* The CPU driver's knobs, capabilities and precision policy: which of its
 * weight formats each linear layer gets at a precision, and the smoothing
 * factors of the 7-bit ones (driver.h: configure, supports,
 * upload_linear_layer). */
#include "driver/cpu/cpu_internal.h"

#include <math.h>
#include <stdlib.h>

rv_status rv_cpu_configure(void *dev, const rv_driver_params *p) {
    rv_cpu_device *d = dev;
    rv_cpu_isa isa;
    rv_status s = rv_cpu_isa_parse(&isa, p ? p->kernels : NULL);
    if (s != RV_OK) return s;
    if (p && p->blas && (s = rv_cpu_blas_load()) != RV_OK) return s;
    d->isa = isa;
    d->blas = p && p->blas;
    return RV_OK;
}

int rv_cpu_supports(void *dev, rv_cap cap, int arg) {
    const rv_cpu_device *d = dev;
    switch (cap) {
    case RV_CAP_PRECISION:
        return arg == RV_WFMT_F32 || arg == RV_WFMT_F16 || arg == RV_WFMT_Q8 || arg == RV_WFMT_BF16;
    case RV_CAP_PACKED_F32: return !d->blas;
    }
    return 0;
}

/* The storage of one linear layer at int8: layers mix formats. 7-bit
 * weights against 8-bit activations (twice the multiply rate without
 * VNNI), except for the FFN output, whose weights lose the most at 7 bits:
 * there int8 weights against 8-bit activations (Q8U, pairs fitted to
 * int16). On the 109 golden texts the mix (with the smoothing below)
 * measured a minimum cosine to fp32 of 0.9940 (bench/int8_emulation.py),
 * where 7-bit everywhere without smoothing gave 0.984. The layers fed by a
 * LayerNorm (QKV, the FFN input: 6/7 of the 7-bit work) take Q7F, whose
 * fitting cost the golden texts' mean cosine 0.00007; fitting the
 * attention output too cost 0.00017, so its weights stay exact Q7. */
static rv_wfmt layer_fmt(rv_wfmt precision, rv_layer_role role) {
    if (precision != RV_WFMT_Q8) return precision;
    switch (role) {
    case RV_LAYER_FFN_OUT: return RV_WFMT_Q8U;
    case RV_LAYER_ATTN_OUT: return RV_WFMT_Q7;
    default: return RV_WFMT_Q7F;
    }
}

/* SmoothQuant factors (alpha = 0.5) for a weight w [n, k] whose input is
 * the output of LayerNorm (gamma, beta): channel c of that output is about
 * gamma_c * N(0, 1) + beta_c, so |beta_c| + 3 |gamma_c| stands in for its
 * range without calibration data, and f_c = sqrt(range_c / wmax_c) splits
 * the range evenly between the activation and the weight column. w stacks
 * nparts matrices of n / nparts rows (Q, K, V) that share one quantized
 * input; wmax_c is the smallest of their column maxima, so no part's
 * column is shrunk past what its own factor would do. f holds 2k floats. */
static void smooth_factors(const float *w, size_t n, size_t k, size_t nparts, const float *gamma,
                           const float *beta, float *f) {
    float *part_max = f + k;
    for (size_t c = 0; c < k; c++)
        f[c] = INFINITY;
    for (size_t i = 0; i < nparts; i++) {
        const float *wp = w + i * (n / nparts) * k;
        for (size_t c = 0; c < k; c++)
            part_max[c] = 0.0f;
        /* plain compares: fmaxf is a libm call here, and this runs over
         * every weight while a query waits */
        for (size_t r = 0; r < n / nparts; r++)
            for (size_t c = 0; c < k; c++) {
                float a = fabsf(wp[r * k + c]);
                part_max[c] = a > part_max[c] ? a : part_max[c];
            }
        for (size_t c = 0; c < k; c++)
            f[c] = part_max[c] < f[c] ? part_max[c] : f[c];
    }
    for (size_t c = 0; c < k; c++) {
        float range = fabsf(beta[c]) + 3.0f * fabsf(gamma[c]);
        f[c] = sqrtf(fmaxf(range, 1e-5f) / fmaxf(f[c], 1e-5f));
    }
}

rv_status rv_cpu_upload_linear_layer(void *dev, rv_dbuf **out, const float *w, size_t n, size_t k,
                                     const rv_linear_spec *spec) {
    rv_wfmt fmt = layer_fmt(spec->precision, spec->role);
    *out = NULL;
    if ((fmt != RV_WFMT_Q7 && fmt != RV_WFMT_Q7F) || !spec->ln_w || !spec->ln_b)
        return rv_cpu_upload_linear_weight(dev, out, w, n, k, fmt);
    float *f = malloc(2 * k * sizeof *f);
    if (!f) return rv_error_set(RV_ERR_NOMEM, "cpu driver: out of memory");
    smooth_factors(w, n, k, spec->nparts ? spec->nparts : 1, spec->ln_w, spec->ln_b, f);
    rv_status s = rv_cpu_upload_linear_weight_scaled(dev, out, w, n, k, fmt, f);
    free(f);
    return s;
}
