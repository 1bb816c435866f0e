/* Packed linear weights and the portable GEMM over them (cpu_linear.h). */
#include "driver/cpu/cpu_linear.h"

#include "driver/cpu/cpu_kernels.h"
#include "driver/cpu/cpu_math.h"
#include "driver/cpu/cpu_neon.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* lrintf's rounding (to nearest, ties to even) in one instruction: lrintf
 * itself is a libm call here, and packing int8 weights makes 21 M of them. */
static inline long round_even(float x) {
#if defined(__SSE__)
    return _mm_cvtss_si32(_mm_set_ss(x));
#else
    return lrintf(x);
#endif
}

/* max(m, |x|), NaN ignored like fmaxf (also a libm call otherwise). */
static inline float max_abs(float m, float x) {
    float a = fabsf(x);
    return a > m ? a : m;
}

uint16_t rv_cpu_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) /* inf / nan */
        return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0));
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds past 65504 */
    if (ax < 0x38800000u) {                                   /* subnormal half or zero */
        if (ax < 0x33000000u) return (uint16_t)sign;
        uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - e; /* 14..24 */
        uint32_t h = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((ax - 0x38000000u) >> 13), rem = ax & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

float rv_cpu_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ffu, x;
    if (e == 0) {
        float f = ldexpf((float)m, -24);
        return sign ? -f : f;
    }
    if (e == 31)
        x = sign | 0x7f800000u | (m << 13);
    else
        x = sign | ((e + 112) << 23) | (m << 13);
    float f;
    memcpy(&f, &x, 4);
    return f;
}

/* k steps per int8 weight group: q8 pairs, 4 for the u8 formats (see cpu_linear.h). */
static size_t int_step(rv_wfmt fmt) {
    return fmt == RV_WFMT_Q8 ? 2 : rv_cpu_fmt_u8(fmt) ? 4 : 1;
}

static size_t kpad(size_t k, rv_wfmt fmt) {
    size_t st = fmt == RV_WFMT_Q7F ? 8 : fmt == RV_WFMT_BF16 ? 2 : int_step(fmt);
    return (k + st - 1) / st * st;
}

int32_t rv_cpu_q8_act_max(size_t k) {
    size_t kp = kpad(k, RV_WFMT_Q8),
           m = (size_t)INT32_MAX / ((size_t)RV_CPU_Q8_MAX * (kp ? kp : 1));
    return m > 32767 ? 32767 : m < 1 ? 1 : (int32_t)m;
}

void rv_cpu_quant_row_s16(const float *x, size_t k, size_t kp, int16_t *q, float *scale,
                          int32_t amax) {
    float mx = 0.0f;
    for (size_t i = 0; i < k; i++)
        mx = max_abs(mx, x[i]);
    float s = mx > 0.0f ? mx / (float)amax : 1.0f, inv = 1.0f / s;
    for (size_t i = 0; i < k; i++) {
        long v = round_even(x[i] * inv);
        q[i] = (int16_t)(v > amax ? amax : v < -amax ? -amax : v);
    }
    for (size_t i = k; i < kp; i++)
        q[i] = 0;
    *scale = s;
}

void rv_cpu_quant_row_u8(const float *x, const float *colinv, size_t k, size_t kp, uint8_t *q,
                         float *scale, int32_t *zero) {
    float lo = 0.0f, hi = 0.0f;
    for (size_t i = 0; i < k; i++) {
        float y = colinv ? x[i] * colinv[i] : x[i];
        lo = y < lo ? y : lo;
        hi = y > hi ? y : hi;
    }
    /* a range too small for 1 / s to stay finite counts as none */
    float s = hi - lo > 1e-30f ? (hi - lo) / 255.0f : 1.0f, inv = 1.0f / s;
    long z = round_even(-lo * inv);
    z = z < 0 ? 0 : z > 255 ? 255 : z;
    for (size_t i = 0; i < k; i++) {
        long v = round_even((colinv ? x[i] * colinv[i] : x[i]) * inv) + z;
        q[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    for (size_t i = k; i < kp; i++)
        q[i] = 0;
    *scale = s;
    *zero = (int32_t)z;
}

size_t rv_cpu_linear_scratch_bytes(size_t k) {
    /* the larger of q8 (int16 rows, a scale) and q7 (u8 rows, scale and zero) */
    return RV_CPU_MC * (kpad(k, RV_WFMT_Q7F) * sizeof(int16_t) + 2 * sizeof(float)) + 192;
}

int rv_cpu_is_wpack(const void *p) {
    const rv_cpu_wpack *w = p;
    return w && w->magic == RV_CPU_WPACK_MAGIC && w->self == w;
}

void rv_cpu_wpack_free(rv_cpu_wpack *w) {
    if (!w) return;
    if (w->lazy) {
        free(w->data);
        pthread_mutex_destroy(&w->mu);
    }
    free(w);
}

static size_t al64(size_t x) {
    return (x + 63) / 64 * 64;
}

/* Row `row` of the logical weight [n, k] (row < n). */
static const float *src_row(const float *const *part, const size_t *part_rows, size_t row,
                            size_t k) {
    size_t i = 0;
    while (row >= part_rows[i])
        row -= part_rows[i++];
    return part[i] + row * k;
}

/* Sizes of the panel data and, for the integer formats, what lies behind
 * it (scales; for q7 / q8u row sums and column factors). */
static rv_status pack_sizes(size_t n, size_t k, rv_wfmt fmt, size_t *data, size_t *extra) {
    size_t panels = (n + RV_CPU_NR - 1) / RV_CPU_NR, np = panels * RV_CPU_NR;
    size_t kp = kpad(k, fmt);
    size_t esz = fmt == RV_WFMT_F32 ? 4 : fmt == RV_WFMT_F16 || fmt == RV_WFMT_BF16 ? 2 : 1;
    size_t kmax = fmt == RV_WFMT_Q8U ? RV_CPU_Q8U_KMAX : rv_cpu_fmt_u8(fmt) ? RV_CPU_Q7_KMAX : 0;
    if (kmax && k > kmax)
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "pack: weights against 8-bit activations need k <= %zu, not %zu", kmax,
                            k);
    if (kp > SIZE_MAX / np / esz / 2) return rv_error_set(RV_ERR_NOMEM, "pack: size overflow");
    *data = al64(np * kp * esz);
    *extra = fmt == RV_WFMT_Q8    ? al64(np * 4)
             : rv_cpu_fmt_u8(fmt) ? 2 * al64(np * 4) + al64(k * 4)
                                  : 0;
    return RV_OK;
}

/* The k offsets, within a block of 8, of the groups whose products the
 * AVX2 kernels sum in int16: q7f's quads and q8u's pairs (cpu_linear.h). */
static const uint8_t quad_at[8] = {0, 1, 4, 5, 2, 3, 6, 7};
static const uint8_t pair_at[8] = {0, 1, 2, 3, 4, 5, 6, 7};

/* Lowers the weights of each group of `size` (offsets `at` in blocks of 8,
 * r[0, len) of them present) whose positive or negative values sum past
 * RV_CPU_I16_SUM, one step at a time in turn so the cut is shared about
 * evenly. Returns the sum of the squared changes. */
static double fit_groups(int32_t *r, size_t len, const uint8_t *at8, size_t size) {
    double cut = 0;
    for (size_t b = 0; b < len; b += 8)
        for (size_t h = 0; h < 8; h += size)
            for (int32_t sign = -1; sign <= 1; sign += 2) {
                size_t at[4];
                int32_t tot = 0, was[4] = {0, 0, 0, 0};
                for (size_t e = 0; e < size; e++) {
                    at[e] = b + at8[h + e];
                    if (at[e] < len && sign * r[at[e]] > 0) tot += sign * (was[e] = r[at[e]]);
                }
                if (tot <= RV_CPU_I16_SUM) continue;
                while (tot > RV_CPU_I16_SUM)
                    for (size_t e = 0; e < size; e++)
                        if (tot > RV_CPU_I16_SUM && was[e] && sign * r[at[e]] > 0) {
                            r[at[e]] -= sign;
                            tot--;
                        }
                for (size_t e = 0; e < size; e++)
                    if (was[e]) cut += (double)(was[e] - r[at[e]]) * (was[e] - r[at[e]]);
            }
    return cut;
}

/* Integer formats: each row rounded to |q| <= qmax with its own scale
 * (after the column factors, if any), laid out in groups of `step` k
 * values; with fit, each group the AVX2 kernels sum in int16 (q7f's quads,
 * q8u's pairs) fitted to RV_CPU_I16_SUM. Returns the squared changes of
 * the fitting over the squared codes (0 without). */
static double pack_int_rows(rv_cpu_wpack *P, const float *const *part, const size_t *part_rows,
                            const float *colscale, int fit, int32_t qmax) {
    size_t n = P->n, k = P->k, kp = P->kp, np = P->panels * RV_CPU_NR, step = int_step(P->fmt);
    int8_t *q = P->data;
    double sig = 0, cut = 0;
    memset(q, 0, np * kp);
    if (P->colinv)
        for (size_t p = 0; p < k; p++)
            P->colinv[p] = 1.0f / colscale[p];
    for (size_t row = 0; row < np; row++) {
        size_t j = row / RV_CPU_NR, c = row % RV_CPU_NR;
        const float *w = row < n ? src_row(part, part_rows, row, k) : NULL;
        float amax = 0.0f, t[256];
        if (w && colscale)
            for (size_t p = 0; p < k; p++)
                amax = max_abs(amax, w[p] * colscale[p]);
        else if (w)
            for (size_t p = 0; p < k; p++)
                amax = max_abs(amax, w[p]);
        float s = amax > 0.0f ? amax / (float)qmax : 1.0f;
        int32_t sum = 0, r[256];
        /* w / s rounded, a piece at a time: four lanes at once where SSE
         * is there */
        for (size_t p0 = 0; w && p0 < k; p0 += 256) {
            size_t len = k - p0 < 256 ? k - p0 : 256, i = 0;
            if (colscale)
                for (size_t e = 0; e < len; e++)
                    t[e] = w[p0 + e] * colscale[p0 + e];
            else
                memcpy(t, w + p0, len * sizeof *t);
#if defined(__SSE2__)
            for (__m128 vs = _mm_set1_ps(s); i + 4 <= len; i += 4)
                _mm_storeu_si128((__m128i *)(void *)(r + i),
                                 _mm_cvtps_epi32(_mm_div_ps(_mm_loadu_ps(t + i), vs)));
#endif
            for (; i < len; i++)
                r[i] = (int32_t)round_even(t[i] / s);
            for (i = 0; i < len; i++)
                r[i] = r[i] > qmax ? qmax : r[i] < -qmax ? -qmax : r[i];
            for (i = 0; fit && i < len; i++)
                sig += (double)r[i] * r[i];
            if (fit)
                cut += P->fmt == RV_WFMT_Q8U ? fit_groups(r, len, pair_at, 2)
                                             : fit_groups(r, len, quad_at, 4);
            /* one store per group of `step` values (p0 is a multiple of 8) */
            for (i = 0; i < len; i += step) {
                int8_t grp[4] = {0, 0, 0, 0};
                for (size_t e = 0; e < step && i + e < len; e++) {
                    grp[e] = (int8_t)r[i + e];
                    sum += r[i + e];
                }
                int8_t *dst = q + (j * kp + p0 + i) * RV_CPU_NR + c * step;
                if (step == 4)
                    memcpy(dst, grp, 4);
                else
                    memcpy(dst, grp, 2);
            }
        }
        P->scale[row] = s;
        if (P->qsum) P->qsum[row] = sum;
    }
    return sig > 0 ? cut / sig : 0;
}

/* Packs the integer formats. q7f runs on quads, and q8u's pairs are
 * fitted, unless that would change more than RV_CPU_Q7_CUT of the weights'
 * energy (a flat weight distribution): then q7f is packed again as it
 * comes, for pairs, and q8u at 7 bits, whose pairs never pass int16. */
static void pack_int(rv_cpu_wpack *P, const float *const *part, const size_t *part_rows,
                     const float *colscale) {
    int q8 = P->fmt == RV_WFMT_Q8 || P->fmt == RV_WFMT_Q8U, fit = P->fmt != RV_WFMT_Q8;
    P->quads = P->fmt == RV_WFMT_Q7F;
    int32_t qmax = q8 ? RV_CPU_Q8_MAX : RV_CPU_Q7_MAX;
    if (pack_int_rows(P, part, part_rows, colscale, fit && (P->quads || q8), qmax) >
        RV_CPU_Q7_CUT) {
        P->quads = 0;
        pack_int_rows(P, part, part_rows, colscale, 0, RV_CPU_Q7_MAX);
    }
    if (P->fmt == RV_WFMT_Q8) P->act_max = rv_cpu_q8_act_max(P->k);
}

/* Fills P->data (and the q8/q7 extras) from the source rows. */
static void pack_panels(rv_cpu_wpack *P, const float *const *part, const size_t *part_rows,
                        const float *colscale) {
    size_t n = P->n, k = P->k, panels = P->panels;
    if (P->fmt == RV_WFMT_BF16) { /* pairs of k: [j][p / 2][c][p % 2] */
        uint16_t *b = P->data;
        memset(b, 0, panels * RV_CPU_NR * P->kp * sizeof *b);
        for (size_t row = 0; row < n; row++) {
            const float *w = src_row(part, part_rows, row, k);
            size_t j = row / RV_CPU_NR, c = row % RV_CPU_NR;
            for (size_t p = 0; p < k; p++)
                b[(j * P->kp + p / 2 * 2) * RV_CPU_NR + 2 * c + p % 2] = rv_cpu_f32_to_bf16(w[p]);
        }
        return;
    }
    if (P->fmt != RV_WFMT_F32 && P->fmt != RV_WFMT_F16) {
        pack_int(P, part, part_rows, colscale);
        return;
    }
    float *f = P->data;
    uint16_t *h = P->data;
    for (size_t j = 0; j < panels; j++)
        for (size_t c = 0; c < RV_CPU_NR; c++) {
            size_t row = j * RV_CPU_NR + c;
            const float *w = row < n ? src_row(part, part_rows, row, k) : NULL;
            for (size_t p = 0; p < k; p++) {
                size_t at = (j * k + p) * RV_CPU_NR + c;
                float v = w ? w[p] : 0.0f;
                if (P->fmt == RV_WFMT_F32)
                    f[at] = v;
                else
                    h[at] = rv_cpu_f32_to_f16(v);
            }
        }
}

static void header_init(rv_cpu_wpack *P, size_t n, size_t k, rv_wfmt fmt) {
    memset(P, 0, sizeof *P);
    P->magic = RV_CPU_WPACK_MAGIC;
    P->self = P;
    P->fmt = fmt;
    P->n = n;
    P->k = k;
    P->panels = (n + RV_CPU_NR - 1) / RV_CPU_NR;
    P->kp = kpad(k, fmt);
    atomic_init(&P->ready, 0);
}

rv_status rv_cpu_wpack_create_scaled(rv_cpu_wpack **out, const float *w, size_t n, size_t k,
                                     rv_wfmt fmt, const float *colscale) {
    *out = NULL;
    if (n == 0 || k == 0) return rv_error_set(RV_ERR_INVALID_ARG, "pack: empty weight");
    if (fmt != RV_WFMT_F32 && fmt != RV_WFMT_F16 && fmt != RV_WFMT_Q8 && fmt != RV_WFMT_BF16 &&
        !rv_cpu_fmt_u8(fmt))
        return rv_error_set(RV_ERR_UNSUPPORTED, "pack: unknown weight format %d", (int)fmt);
    if (colscale && !rv_cpu_fmt_u8(fmt))
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "pack: column factors need weights against 8-bit activations");
    for (size_t p = 0; colscale && p < k; p++)
        if (!(colscale[p] > 0.0f && colscale[p] < 1e30f))
            return rv_error_set(RV_ERR_INVALID_ARG, "pack: column factor %zu is %g", p,
                                (double)colscale[p]);
    size_t data, extra, hdr = al64(sizeof(rv_cpu_wpack));
    rv_status st = pack_sizes(n, k, fmt, &data, &extra);
    if (st != RV_OK) return st;
    unsigned char *mem = aligned_alloc(64, hdr + data + extra);
    if (!mem) return rv_error_set(RV_ERR_NOMEM, "pack: cannot allocate %zu bytes", data);
    rv_cpu_wpack *P = (rv_cpu_wpack *)(void *)mem;
    header_init(P, n, k, fmt);
    P->data = mem + hdr;
    if (fmt == RV_WFMT_Q8 || rv_cpu_fmt_u8(fmt)) {
        size_t rows4 = al64(P->panels * RV_CPU_NR * 4);
        P->scale = (float *)(void *)(mem + hdr + data);
        if (rv_cpu_fmt_u8(fmt)) {
            P->qsum = (int32_t *)(void *)(mem + hdr + data + rows4);
            if (colscale) P->colinv = (float *)(void *)(mem + hdr + data + 2 * rows4);
        }
    }
    const float *part[1] = {w};
    size_t rows[1] = {n};
    pack_panels(P, part, rows, colscale);
    atomic_store_explicit(&P->ready, 1, memory_order_release);
    *out = P;
    return RV_OK;
}

rv_status rv_cpu_wpack_view(rv_cpu_wpack **out, const rv_cpu_wpack_shape *sh, const void *bytes,
                            size_t len) {
    *out = NULL;
    rv_wfmt fmt = sh->fmt;
    int u8 = rv_cpu_fmt_u8(fmt), integer = u8 || fmt == RV_WFMT_Q8;
    size_t data, extra;
    if (sh->n == 0 || sh->k == 0 || (!integer && fmt != RV_WFMT_F32 && fmt != RV_WFMT_F16 && fmt != RV_WFMT_BF16) ||
        (sh->quads && fmt != RV_WFMT_Q7F) || (sh->colinv && !u8) || ((uintptr_t)bytes & 63u) ||
        sh->n > ((size_t)1 << 30) || sh->k > ((size_t)1 << 30))
        return rv_error_set(RV_ERR_FORMAT, "packed weight: bad shape");
    if (pack_sizes(sh->n, sh->k, fmt, &data, &extra) != RV_OK || len != data + extra)
        return rv_error_set(RV_ERR_FORMAT, "packed weight: %zu bytes for a %zux%zu weight", len,
                            sh->n, sh->k);
    rv_cpu_wpack *P = aligned_alloc(64, al64(sizeof *P));
    if (!P) return rv_error_set(RV_ERR_NOMEM, "pack: out of memory");
    header_init(P, sh->n, sh->k, fmt);
    unsigned char *mem = (unsigned char *)(uintptr_t)bytes; /* read only, never written */
    size_t rows4 = al64(P->panels * RV_CPU_NR * 4);
    P->data = mem;
    if (integer) P->scale = (float *)(void *)(mem + data);
    if (u8) P->qsum = (int32_t *)(void *)(mem + data + rows4);
    if (sh->colinv) P->colinv = (float *)(void *)(mem + data + 2 * rows4);
    P->quads = sh->quads;
    if (fmt == RV_WFMT_Q8) P->act_max = rv_cpu_q8_act_max(sh->k);
    atomic_store_explicit(&P->ready, 1, memory_order_release);
    *out = P;
    return RV_OK;
}

size_t rv_cpu_wpack_payload(const rv_cpu_wpack *P, rv_cpu_wpack_shape *sh, const void **bytes) {
    size_t data, extra;
    if (P->lazy || pack_sizes(P->n, P->k, P->fmt, &data, &extra) != RV_OK) return 0;
    *sh = (rv_cpu_wpack_shape){
        .fmt = P->fmt, .n = P->n, .k = P->k, .quads = P->quads, .colinv = P->colinv != NULL};
    *bytes = P->data;
    return data + extra;
}

rv_status rv_cpu_wpack_create(rv_cpu_wpack **out, const float *w, size_t n, size_t k, rv_wfmt fmt) {
    return rv_cpu_wpack_create_scaled(out, w, n, k, fmt, NULL);
}

rv_status rv_cpu_wpack_wrap(rv_cpu_wpack **out, const float *const *parts, const size_t *rows,
                            size_t nparts, size_t k) {
    *out = NULL;
    size_t n = 0;
    if (nparts == 0 || nparts > RV_CPU_WPARTS)
        return rv_error_set(RV_ERR_INVALID_ARG, "pack: %zu weight parts (1..%d allowed)", nparts,
                            (int)RV_CPU_WPARTS);
    for (size_t i = 0; i < nparts; i++) {
        if (!parts[i] || !rows[i] || rows[i] > SIZE_MAX / 8 - n)
            return rv_error_set(RV_ERR_INVALID_ARG, "pack: empty or NULL weight part");
        n += rows[i];
    }
    if (k == 0) return rv_error_set(RV_ERR_INVALID_ARG, "pack: empty weight");
    size_t data, extra;
    rv_status st = pack_sizes(n, k, RV_WFMT_F32, &data, &extra);
    if (st != RV_OK) return st;
    rv_cpu_wpack *P = aligned_alloc(64, al64(sizeof *P));
    if (!P) return rv_error_set(RV_ERR_NOMEM, "pack: out of memory");
    header_init(P, n, k, RV_WFMT_F32);
    P->lazy = 1;
    P->nparts = nparts;
    for (size_t i = 0; i < nparts; i++) {
        P->part[i] = parts[i];
        P->part_rows[i] = rows[i];
    }
    if (pthread_mutex_init(&P->mu, NULL) != 0) {
        free(P);
        return rv_error_set(RV_ERR_NOMEM, "pack: cannot create a lock");
    }
    *out = P;
    return RV_OK;
}

int rv_cpu_wpack_ready(const rv_cpu_wpack *w) {
    return atomic_load_explicit(&((rv_cpu_wpack *)w)->ready, memory_order_acquire);
}

rv_status rv_cpu_wpack_ensure(rv_cpu_wpack *w) {
    if (rv_cpu_wpack_ready(w)) return RV_OK;
    rv_status st = RV_OK;
    pthread_mutex_lock(&w->mu);
    if (!atomic_load_explicit(&w->ready, memory_order_relaxed)) {
        size_t data, extra;
        void *mem = NULL;
        if ((st = pack_sizes(w->n, w->k, w->fmt, &data, &extra)) == RV_OK &&
            !(mem = aligned_alloc(64, data)))
            st = rv_error_set(RV_ERR_NOMEM, "pack: cannot allocate %zu bytes", data);
        if (st == RV_OK) {
            w->data = mem;
            pack_panels(w, w->part, w->part_rows, NULL);
            atomic_store_explicit(&w->ready, 1, memory_order_release);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return st;
}

/* ---- portable GEMM over packed weights ---- */

/* Finishes one output row segment: bias, activation, copy of valid columns. */
static void epilogue(float *dst, const float *acc, const float *bias, size_t ncols, rv_act act) {
    for (size_t c = 0; c < ncols; c++) {
        float v = acc[c] + (bias ? bias[c] : 0.0f);
        dst[c] = act == RV_ACT_GELU ? rv_gelu1(v) : v;
    }
}

static void portable_run(const rv_cpu_gemm_job *J) {
    const rv_cpu_wpack *W = J->w;
    if (W->fmt == RV_WFMT_BF16) {
        rv_cpu_bf16_run_portable(J);
        return;
    }
    size_t k = W->k, kp = W->kp;
    int16_t *q16 = NULL;
    uint8_t *q8u = NULL;
    if (W->fmt == RV_WFMT_Q8) q16 = J->scratch;
    if (rv_cpu_fmt_u8(W->fmt)) q8u = J->scratch;
    for (size_t r = 0; r < J->m; r++) {
        const float *x = J->x + r * J->ldx;
        float xs = 1.0f;
        int32_t zero = 0;
        if (q16) rv_cpu_quant_row_s16(x, k, kp, q16, &xs, W->act_max);
        if (q8u) rv_cpu_quant_row_u8(x, W->colinv, k, kp, q8u, &xs, &zero);
        for (size_t j = J->p0; j < J->p1; j++) {
            float acc[RV_CPU_NR];
            size_t col0 = j * RV_CPU_NR;
            size_t ncols = W->n - col0 < RV_CPU_NR ? W->n - col0 : RV_CPU_NR;
            if (q16 || q8u) {
                const int8_t *q = (const int8_t *)W->data + j * kp * RV_CPU_NR;
                size_t step = int_step(W->fmt);
                int32_t ia[RV_CPU_NR] = {0};
                for (size_t g = 0; g < kp / step; g++)
                    for (size_t c = 0; c < RV_CPU_NR; c++)
                        for (size_t t = 0; t < step; t++) {
                            const int8_t *b = q + (g * RV_CPU_NR + c) * step + t;
                            ia[c] += (q16 ? q16[g * step + t] : q8u[g * step + t]) * b[0];
                        }
                for (size_t c = 0; c < RV_CPU_NR; c++) {
                    int32_t v = q8u ? ia[c] - zero * W->qsum[col0 + c] : ia[c];
                    acc[c] = (float)v * (xs * W->scale[col0 + c]);
                }
            } else {
                for (size_t c = 0; c < RV_CPU_NR; c++)
                    acc[c] = 0.0f;
                if (W->fmt == RV_WFMT_F32) {
                    const float *b = (const float *)W->data + j * k * RV_CPU_NR;
                    for (size_t p = 0; p < k; p++)
                        for (size_t c = 0; c < RV_CPU_NR; c++)
                            acc[c] += x[p] * b[p * RV_CPU_NR + c];
                } else {
                    const uint16_t *b = (const uint16_t *)W->data + j * k * RV_CPU_NR;
                    for (size_t p = 0; p < k; p++)
                        for (size_t c = 0; c < RV_CPU_NR; c++)
                            acc[c] += x[p] * rv_cpu_f16_to_f32(b[p * RV_CPU_NR + c]);
                }
            }
            epilogue(J->out + r * J->ldo + col0, acc, J->bias ? J->bias + col0 : NULL, ncols,
                     J->act);
        }
    }
}

static void portable_rows(const rv_cpu_rows_job *J) {
    for (size_t j = 0; j < J->nrows; j++) {
        const float *w = J->w + j * J->k;
        for (size_t r = 0; r < J->m; r++) {
            const float *x = J->x + r * J->ldx;
            float acc[4] = {0, 0, 0, 0};
            size_t p = 0;
            for (; p + 4 <= J->k; p += 4)
                for (size_t t = 0; t < 4; t++)
                    acc[t] += x[p + t] * w[p + t];
            for (; p < J->k; p++)
                acc[0] += x[p] * w[p];
            J->out[r * J->ldo + j] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        }
    }
}

const rv_cpu_linear_kernels rv_cpu_linear_portable = {
    .name = "portable", .run = portable_run, .rows = portable_rows};

const rv_cpu_linear_kernels *rv_cpu_linear_kernels_for(rv_cpu_isa isa) {
    switch (isa) {
#if defined(__x86_64__) || defined(__i386__)
    case RV_CPU_ISA_AVX2: return &rv_cpu_linear_avx2;
    case RV_CPU_ISA_AVXVNNI: return &rv_cpu_linear_avxvnni;
    case RV_CPU_ISA_AVX512: return &rv_cpu_linear_avx512;
    case RV_CPU_ISA_AVX512VNNI:
        return rv_cpu_has_avx512bf16() ? &rv_cpu_linear_avx512_vnni_bf16
                                       : &rv_cpu_linear_avx512_vnni;
    case RV_CPU_ISA_AMX: return &rv_cpu_linear_amx;
#endif
#if defined(__aarch64__)
    case RV_CPU_ISA_NEON: return rv_cpu_linear_neon_best();
#endif
    default: break;
    }
    return &rv_cpu_linear_portable;
}

void (*rv_cpu_linear_run_for(const rv_cpu_linear_kernels *lk, rv_wfmt fmt))(const rv_cpu_gemm_job *) {
    if (fmt != RV_WFMT_BF16) return lk->run;
    return lk->run_bf16 ? lk->run_bf16 : rv_cpu_bf16_run_portable;
}

const rv_cpu_linear_kernels *rv_cpu_linear_kernels_best(void) {
    return rv_cpu_linear_kernels_for(rv_cpu_isa_best());
}
