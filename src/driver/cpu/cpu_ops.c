/* CPU driver: element-wise, normalisation, layout and pooling primitives. */
#include "driver/cpu/cpu_internal.h"

#include <math.h>
#include <string.h>

typedef struct row_args {
    rv_cpu_ctx *c;
    float *out;
    const float *x, *y, *w, *b;
    const int32_t *ids;
    const rv_batch_inputs *in;
    size_t cols, seq, heads, head_dim;
    float eps, scale;
} row_args;

static void do_lookup(void *p, size_t r0, size_t r1) {
    row_args *a = p;
    for (size_t r = r0; r < r1; r++)
        memcpy(a->out + r * a->cols, a->x + (size_t)a->ids[r] * a->cols, a->cols * sizeof(float));
}

rv_status rv_cpu_embedding_lookup(void *ctx, rv_dbuf *out, const rv_dbuf *table, const rv_dbuf *ids,
                                  size_t rows, size_t cols) {
    row_args a = {
        .c = ctx, .out = CPU_F(out), .x = CPU_CF(table), .ids = CPU_CI(ids), .cols = cols};
    rv_cpu_parallel(ctx, rows, cols, do_lookup, &a);
    return RV_OK;
}

static void do_add_emb(void *p, size_t r0, size_t r1) {
    row_args *a = p;
    for (size_t r = r0; r < r1; r++)
        a->c->k->accumulate(a->out + r * a->cols, a->x + (size_t)a->ids[r] * a->cols, a->cols);
}

rv_status rv_cpu_add_embeddings(void *ctx, rv_dbuf *x, const rv_dbuf *table, const rv_dbuf *ids,
                                size_t rows, size_t cols) {
    row_args a = {.c = ctx, .out = CPU_F(x), .x = CPU_CF(table), .ids = CPU_CI(ids), .cols = cols};
    rv_cpu_parallel(ctx, rows, cols, do_add_emb, &a);
    return RV_OK;
}

static void do_ln(void *p, size_t r0, size_t r1) {
    row_args *a = p;
    for (size_t r = r0; r < r1; r++)
        a->c->k->layer_norm(a->out + r * a->cols, a->x + r * a->cols,
                            a->y ? a->y + r * a->cols : NULL, a->w, a->b, a->cols, a->eps);
}

rv_status rv_cpu_layer_norm(void *ctx, rv_dbuf *out, const rv_dbuf *in, const rv_dbuf *w,
                            const rv_dbuf *b, size_t rows, size_t cols, float eps) {
    row_args a = {.c = ctx,
                  .out = CPU_F(out),
                  .x = CPU_CF(in),
                  .w = CPU_CF(w),
                  .b = CPU_CF(b),
                  .cols = cols,
                  .eps = eps};
    rv_cpu_parallel(ctx, rows, 4 * cols, do_ln, &a);
    return RV_OK;
}

rv_status rv_cpu_fused_residual_layernorm(void *ctx, rv_dbuf *out, const rv_dbuf *x,
                                          const rv_dbuf *residual, const rv_dbuf *w,
                                          const rv_dbuf *b, size_t rows, size_t cols, float eps) {
    row_args a = {.c = ctx,
                  .out = CPU_F(out),
                  .x = CPU_CF(x),
                  .y = CPU_CF(residual),
                  .w = CPU_CF(w),
                  .b = CPU_CF(b),
                  .cols = cols,
                  .eps = eps};
    rv_cpu_parallel(ctx, rows, 4 * cols, do_ln, &a);
    return RV_OK;
}

static void do_bias(void *p, size_t r0, size_t r1) {
    row_args *a = p;
    for (size_t r = r0; r < r1; r++)
        a->c->k->add_bias(a->out + r * a->cols, a->b, a->cols);
}

rv_status rv_cpu_add_bias(void *ctx, rv_dbuf *x, const rv_dbuf *bias, size_t rows, size_t cols) {
    row_args a = {.c = ctx, .out = CPU_F(x), .b = CPU_CF(bias), .cols = cols};
    rv_cpu_parallel(ctx, rows, cols, do_bias, &a);
    return RV_OK;
}

static void do_gelu(void *p, size_t r0, size_t r1) {
    row_args *a = p;
    for (size_t r = r0; r < r1; r++)
        a->c->k->bias_gelu(a->out + r * a->cols, a->b, a->cols);
}

rv_status rv_cpu_fused_bias_gelu(void *ctx, rv_dbuf *x, const rv_dbuf *bias, size_t rows,
                                 size_t cols) {
    row_args a = {.c = ctx, .out = CPU_F(x), .b = CPU_CF(bias), .cols = cols};
    rv_cpu_parallel(ctx, rows, 16 * cols, do_gelu, &a);
    return RV_OK;
}

/* Layout moves run per sequence. */
static void do_pad(void *p, size_t b0, size_t b1) {
    row_args *a = p;
    const rv_batch_inputs *in = a->in;
    for (size_t b = b0; b < b1; b++) {
        size_t len = (size_t)in->seq_lengths[b], off = (size_t)in->seq_offsets[b];
        float *dst = a->out + b * in->max_seq * a->cols;
        memcpy(dst, a->x + off * a->cols, len * a->cols * sizeof(float));
        memset(dst + len * a->cols, 0, (in->max_seq - len) * a->cols * sizeof(float));
    }
}

rv_status rv_cpu_pad_to_batch(void *ctx, const rv_dbuf *src, rv_dbuf *dst,
                              const rv_batch_inputs *in, size_t cols) {
    row_args a = {.c = ctx, .out = CPU_F(dst), .x = CPU_CF(src), .in = in, .cols = cols};
    rv_cpu_parallel(ctx, in->batch, in->max_seq * cols, do_pad, &a);
    return RV_OK;
}

static void do_unpad(void *p, size_t b0, size_t b1) {
    row_args *a = p;
    const rv_batch_inputs *in = a->in;
    for (size_t b = b0; b < b1; b++) {
        size_t len = (size_t)in->seq_lengths[b], off = (size_t)in->seq_offsets[b];
        memcpy(a->out + off * a->cols, a->x + b * in->max_seq * a->cols,
               len * a->cols * sizeof(float));
    }
}

rv_status rv_cpu_unpad_from_batch(void *ctx, const rv_dbuf *src, rv_dbuf *dst,
                                  const rv_batch_inputs *in, size_t cols) {
    row_args a = {.c = ctx, .out = CPU_F(dst), .x = CPU_CF(src), .in = in, .cols = cols};
    rv_cpu_parallel(ctx, in->batch, in->max_seq * cols, do_unpad, &a);
    return RV_OK;
}

typedef struct split_args {
    float *q, *k, *v;
    const float *qkv;
    size_t seq, heads, head_dim;
} split_args;

static void do_split(void *p, size_t b0, size_t b1) {
    split_args *a = p;
    size_t hd = a->head_dim, H = a->heads * hd;
    for (size_t b = b0; b < b1; b++)
        for (size_t s = 0; s < a->seq; s++) {
            const float *row = a->qkv + (b * a->seq + s) * 3 * H;
            for (size_t h = 0; h < a->heads; h++) {
                size_t dst = ((b * a->heads + h) * a->seq + s) * hd;
                memcpy(a->q + dst, row + h * hd, hd * sizeof(float));
                memcpy(a->k + dst, row + H + h * hd, hd * sizeof(float));
                memcpy(a->v + dst, row + 2 * H + h * hd, hd * sizeof(float));
            }
        }
}

rv_status rv_cpu_qkv_split(void *ctx, rv_dbuf *q, rv_dbuf *k, rv_dbuf *v, const rv_dbuf *qkv,
                           size_t batch, size_t seq, size_t heads, size_t head_dim) {
    split_args a = {CPU_F(q), CPU_F(k), CPU_F(v), CPU_CF(qkv), seq, heads, head_dim};
    rv_cpu_parallel(ctx, batch, seq * heads * head_dim * 3, do_split, &a);
    return RV_OK;
}

static void do_softmax(void *p, size_t r0, size_t r1) {
    row_args *a = p;
    /* row r is (b, h, i): its mask row is b's */
    for (size_t r = r0; r < r1; r++) {
        size_t b = r / (a->heads * a->seq);
        a->c->k->softmax(a->out + r * a->seq, a->x + b * a->seq, a->seq, a->scale);
    }
}

rv_status rv_cpu_fused_scale_mask_softmax(void *ctx, rv_dbuf *scores, const rv_dbuf *mask,
                                          size_t batch, size_t heads, size_t seq, float scale) {
    row_args a = {.c = ctx,
                  .out = CPU_F(scores),
                  .x = CPU_CF(mask),
                  .seq = seq,
                  .heads = heads,
                  .scale = scale};
    rv_cpu_parallel(ctx, batch * heads * seq, 8 * seq, do_softmax, &a);
    return RV_OK;
}

static void do_reshape(void *p, size_t b0, size_t b1) {
    split_args *a = p;
    size_t hd = a->head_dim, H = a->heads * hd;
    for (size_t b = b0; b < b1; b++)
        for (size_t h = 0; h < a->heads; h++)
            for (size_t s = 0; s < a->seq; s++)
                memcpy(a->q + (b * a->seq + s) * H + h * hd,
                       a->qkv + ((b * a->heads + h) * a->seq + s) * hd, hd * sizeof(float));
}

rv_status rv_cpu_attn_reshape(void *ctx, rv_dbuf *out, const rv_dbuf *in, size_t batch, size_t seq,
                              size_t heads, size_t head_dim) {
    split_args a = {
        .q = CPU_F(out), .qkv = CPU_CF(in), .seq = seq, .heads = heads, .head_dim = head_dim};
    rv_cpu_parallel(ctx, batch, seq * heads * head_dim, do_reshape, &a);
    return RV_OK;
}

rv_status rv_cpu_cls_pool(void *ctx, rv_dbuf *out, const rv_dbuf *hidden, const rv_batch_inputs *in,
                          size_t cols) {
    (void)ctx;
    for (size_t b = 0; b < in->batch; b++)
        memcpy(CPU_F(out) + b * cols, CPU_CF(hidden) + (size_t)in->seq_offsets[b] * cols,
               cols * sizeof(float));
    return RV_OK;
}

static void do_mean(void *p, size_t b0, size_t b1) {
    row_args *a = p;
    const rv_batch_inputs *in = a->in;
    for (size_t b = b0; b < b1; b++) {
        float *o = a->out + b * a->cols;
        size_t len = (size_t)in->seq_lengths[b], off = (size_t)in->seq_offsets[b];
        memset(o, 0, a->cols * sizeof(float));
        for (size_t i = 0; i < len; i++)
            a->c->k->accumulate(o, a->x + (off + i) * a->cols, a->cols);
        a->c->k->scale(o, a->cols, 1.0f / (float)len);
    }
}

rv_status rv_cpu_mean_pool(void *ctx, rv_dbuf *out, const rv_dbuf *hidden,
                           const rv_batch_inputs *in, size_t cols) {
    row_args a = {.c = ctx, .out = CPU_F(out), .x = CPU_CF(hidden), .in = in, .cols = cols};
    rv_cpu_parallel(ctx, in->batch, in->max_seq * cols, do_mean, &a);
    return RV_OK;
}

static void do_l2(void *p, size_t r0, size_t r1) {
    row_args *a = p;
    for (size_t r = r0; r < r1; r++) {
        float *x = a->out + r * a->cols;
        double n = sqrt(a->c->k->sumsq(x, a->cols));
        a->c->k->scale(x, a->cols, (float)(1.0 / (n > 1e-12 ? n : 1e-12)));
    }
}

rv_status rv_cpu_l2_normalize(void *ctx, rv_dbuf *x, size_t rows, size_t cols) {
    row_args a = {.c = ctx, .out = CPU_F(x), .cols = cols};
    rv_cpu_parallel(ctx, rows, 2 * cols, do_l2, &a);
    return RV_OK;
}
