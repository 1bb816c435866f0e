/* bf16 linear layers (cpu_linear.h): the rounding, the portable reference
 * kernel, and the row-block driver the vdpbf16ps and AMX kernels share. The
 * reference sums each pair of products as vdpbf16ps does (odd element,
 * then even, into the fp32 accumulator; the products of two bf16 values
 * are exact in fp32), k in order, so it is the function those kernels
 * compute up to their own order of additions. It also runs bf16 for the
 * kernel families that have no bf16 dot product: slow, but the vectors are
 * those of a bf16 index built elsewhere, so such an index still serves. */
#include "driver/cpu/cpu_linear.h"

#include <math.h>
#include <string.h>

uint16_t rv_cpu_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet NaN */
    x += 0x7fffu + ((x >> 16) & 1u); /* to nearest, ties to even (overflow rounds to inf) */
    return (uint16_t)(x >> 16);
}

float rv_cpu_bf16_to_f32(uint16_t b) {
    uint32_t x = (uint32_t)b << 16;
    float f;
    memcpy(&f, &x, 4);
    return f;
}

static float gelu1(float v) {
    return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
}

/* Row x[k] rounded to bf16 in q[kp], zero past k. */
static void round_row(const float *x, size_t k, size_t kp, uint16_t *q) {
    for (size_t p = 0; p < k; p++)
        q[p] = rv_cpu_f32_to_bf16(x[p]);
    for (size_t p = k; p < kp; p++)
        q[p] = 0;
}

void rv_cpu_bf16_run_portable(const rv_cpu_gemm_job *J) {
    const rv_cpu_wpack *W = J->w;
    size_t kp = W->kp;
    uint16_t *q = (uint16_t *)(((uintptr_t)J->scratch + 63) & ~(uintptr_t)63);
    for (size_t r = 0; r < J->m; r++) {
        round_row(J->x + r * J->ldx, W->k, kp, q);
        for (size_t j = J->p0; j < J->p1; j++) {
            const uint16_t *b = (const uint16_t *)W->data + j * kp * RV_CPU_NR;
            size_t col0 = j * RV_CPU_NR, ncols = W->n - col0 < RV_CPU_NR ? W->n - col0 : RV_CPU_NR;
            for (size_t c = 0; c < ncols; c++) {
                float acc = 0.0f;
                for (size_t g = 0; g < kp / 2; g++) {
                    const uint16_t *w = b + (g * RV_CPU_NR + c) * 2;
                    acc += rv_cpu_bf16_to_f32(q[2 * g + 1]) * rv_cpu_bf16_to_f32(w[1]);
                    acc += rv_cpu_bf16_to_f32(q[2 * g]) * rv_cpu_bf16_to_f32(w[0]);
                }
                float v = acc + (J->bias ? J->bias[col0 + c] : 0.0f);
                J->out[r * J->ldo + col0 + c] = J->act == RV_ACT_GELU ? gelu1(v) : v;
            }
        }
    }
}

void rv_cpu_run_bf16_tiles(const rv_cpu_gemm_job *J, int th, int max_np, rv_cpu_bf16_tile_fn tile,
                           rv_cpu_bf16_round_fn round) {
    const rv_cpu_wpack *W = J->w;
    size_t kp = W->kp, h = (size_t)th;
    uint16_t *qa = (uint16_t *)(((uintptr_t)J->scratch + 63) & ~(uintptr_t)63);
    for (size_t ic = 0; ic < J->m; ic += RV_CPU_MC) {
        size_t mc = J->m - ic < RV_CPU_MC ? J->m - ic : RV_CPU_MC;
        for (size_t r = 0; r < mc; r++)
            (round ? round : round_row)(J->x + (ic + r) * J->ldx, W->k, kp, qa + r * kp);
        for (size_t j = J->p0; j < J->p1;) {
            const uint16_t *bp = (const uint16_t *)W->data + j * kp * RV_CPU_NR;
            size_t col0 = j * RV_CPU_NR, ncols = W->n - col0 < 16 ? W->n - col0 : 16;
            int np = max_np > 1 && j + 1 < J->p1 && W->n - col0 >= 32 ? 2 : 1, edge = ncols < 16;
            /* the zero-padded last panel: bias padded once, tiles via a copy */
            float bb[16] = {0}, tile_out[16 * 16];
            const float *tb = J->bias ? J->bias + col0 : NULL;
            if (edge && tb) {
                memcpy(bb, tb, ncols * sizeof *bb);
                tb = bb;
            }
            for (size_t ir = 0; ir < mc; ir += h) {
                int mr = (int)(mc - ir < h ? mc - ir : h);
                float *c = J->out + (ic + ir) * J->ldo + col0, *dst = edge ? tile_out : c;
                tile(np, mr, qa + ir * kp, kp, bp, dst, edge ? 16 : J->ldo, tb, J->act);
                for (int r = 0; edge && r < mr; r++)
                    memcpy(c + (size_t)r * J->ldo, tile_out + r * 16, ncols * sizeof *c);
            }
            j += (size_t)np;
        }
    }
}
