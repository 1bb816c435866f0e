/* ClassicBert weights and forward pass over the driver table (see arch_bert.h
 * and the seed, classic_bert.rs). Linear layers run on the unpadded tokens;
 * attention runs through the driver's fused per-sequence slot when it has
 * one, else on the padded [batch, max_seq] layout as the seed does. */
#include "engine/arch_bert.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading ---------------------------------------------------------- */

static int mul_ok(size_t a, size_t b, size_t *out) {
    if (a && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

/* Finds `name`, else "bert." + name, else (for LayerNorm) the old
 * gamma/beta spelling; checks dtype and the expected shape. */
static rv_status find_tensor(const rv_safetensors *st, const char *name, int ndim, size_t d0,
                             size_t d1, const rv_tensor_info **out) {
    char buf[256];
    const rv_tensor_info *t = rv_safetensors_find(st, name);
    if (!t) {
        snprintf(buf, sizeof buf, "bert.%s", name);
        t = rv_safetensors_find(st, buf);
    }
    size_t nl = strlen(name);
    if (!t && nl > 7 && strstr(name, "LayerNorm.")) {
        const char *suffix = strrchr(name, '.') + 1;
        const char *alt = strcmp(suffix, "weight") == 0 ? "gamma" : "beta";
        for (int pre = 0; pre < 2 && !t; pre++) {
            snprintf(buf, sizeof buf, "%s%.*s%s", pre ? "bert." : "", (int)(suffix - name), name,
                     alt);
            t = rv_safetensors_find(st, buf);
        }
    }
    if (!t) return rv_error_set(RV_ERR_NOT_FOUND, "model weights: tensor '%s' is missing", name);
    if (t->dtype != RV_DTYPE_F32 && t->dtype != RV_DTYPE_F16 && t->dtype != RV_DTYPE_BF16)
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "model weights: tensor '%s' has dtype %s (want F32, F16 or BF16)",
                            t->name, rv_dtype_name(t->dtype));
    int ok =
        t->ndim == ndim && t->shape[0] == (int64_t)d0 && (ndim < 2 || t->shape[1] == (int64_t)d1);
    if (!ok) {
        char got[96] = "", want[64];
        size_t used = 0;
        for (int i = 0; i < t->ndim && used < sizeof got - 24; i++)
            used += (size_t)snprintf(got + used, sizeof got - used, "%s%lld", i ? ", " : "",
                                     (long long)t->shape[i]);
        if (ndim == 2)
            snprintf(want, sizeof want, "%zu, %zu", d0, d1);
        else
            snprintf(want, sizeof want, "%zu", d0);
        return rv_error_set(RV_ERR_FORMAT,
                            "model weights: tensor '%s' has shape [%s], config expects [%s]",
                            t->name, got, want);
    }
    *out = t;
    return RV_OK;
}

/* Reads one tensor (converted to f32) into host memory at dst. */
static rv_status read_into(const rv_safetensors *st, const char *name, int ndim, size_t d0,
                           size_t d1, float *dst) {
    const rv_tensor_info *t;
    rv_status s = find_tensor(st, name, ndim, d0, d1, &t);
    if (s != RV_OK) return s;
    s = rv_tensor_read_f32(t, dst, ndim == 2 ? d0 * d1 : d0);
    return s == RV_OK ? RV_OK : rv_error_prefix(s, name);
}

typedef struct loader {
    rv_bert *b;
    const rv_safetensors *st;
    float *tmp; /* host staging, big enough for the largest tensor */
    int zero_copy;
    const rv_bert_load_opts *opts; /* pack_take / pack_add */
} loader;

/* The tensor's f32 values in place in the mapped file, when they can be
 * used as they are: F32, 4-byte aligned, a little-endian host. Else NULL
 * (the caller converts through the staging buffer). */
static rv_status view_f32(loader *L, const char *name, int ndim, size_t d0, size_t d1,
                          const float **out) {
    const rv_tensor_info *t;
    *out = NULL;
    rv_status s = find_tensor(L->st, name, ndim, d0, d1, &t);
    if (s != RV_OK) return s;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (L->zero_copy && t->dtype == RV_DTYPE_F32 && ((uintptr_t)t->data & 3u) == 0) *out = t->data;
#endif
    return RV_OK;
}

/* Uploads a packed weight w [n, k] (nparts stacked matrices) for its role
 * in the driver's own storage. The LayerNorm tensors "<ln>.weight" /
 * "<ln>.bias" that feed it (ln may be NULL) go along: which format each
 * layer gets at a precision, and whether the input's range is moved into
 * the weights, is the driver's policy. */
static rv_status upload_layer(loader *L, rv_dbuf **dst, const float *w, size_t n, size_t k,
                              size_t nparts, rv_layer_role role, const char *ln) {
    rv_bert *b = L->b;
    const rv_driver *d = b->drv;
    if (!d->upload_linear_layer) return d->upload_linear_weight(b->dev, dst, w, n, k, b->wfmt);
    rv_linear_spec spec = {.precision = b->wfmt, .role = role, .nparts = nparts};
    float *buf = NULL;
    rv_status s = RV_OK;
    if (ln) {
        char name[160];
        if (!(buf = malloc(2 * k * sizeof *buf)))
            return rv_error_set(RV_ERR_NOMEM, "model: out of memory");
        snprintf(name, sizeof name, "%s.weight", ln);
        s = read_into(L->st, name, 1, k, 0, buf);
        snprintf(name, sizeof name, "%s.bias", ln);
        if (s == RV_OK) s = read_into(L->st, name, 1, k, 0, buf + k);
        spec.ln_w = buf;
        spec.ln_b = buf + k;
    }
    if (s == RV_OK) s = d->upload_linear_layer(b->dev, dst, w, n, k, &spec);
    free(buf);
    return s;
}

/* upload_layer, or the layer as the caller kept it (pack_take). */
static rv_status upload_packed(loader *L, rv_dbuf **dst, const float *w, size_t n, size_t k,
                               size_t nparts, rv_layer_role role, const char *ln) {
    const rv_bert_load_opts *o = L->opts;
    if (!o->pack_take) return upload_layer(L, dst, w, n, k, nparts, role, ln);
    rv_status s = o->pack_take(o->pack_user, dst, n, k);
    if (s != RV_OK || *dst) return s;
    if ((s = upload_layer(L, dst, w, n, k, nparts, role, ln)) != RV_OK) return s;
    return o->pack_add(o->pack_user, *dst, n, k);
}

/* A linear layer's weight [n, k] given as row blocks (Q, K, V for the fused
 * QKV weight): read in place when the driver can wrap host memory, else
 * staged (in L->tmp) and uploaded packed or plain. views[i] NULL means
 * block i must be converted; names[i] is its tensor. */
static rv_status load_linear(loader *L, rv_dbuf **dst, const char *const *names,
                             const float *const *views, size_t nparts, size_t rows, size_t k,
                             rv_layer_role role, const char *ln) {
    rv_bert *b = L->b;
    const rv_driver *d = b->drv;
    size_t part_rows[4], n = rows * nparts;
    int all = 1, contiguous = 1;
    for (size_t i = 0; i < nparts; i++) {
        part_rows[i] = rows;
        all = all && views[i];
        contiguous = contiguous && views[i] && views[i] == views[0] + i * rows * k;
    }
    if (all && b->packed && b->wfmt == RV_WFMT_F32 && d->wrap_linear_weight)
        return d->wrap_linear_weight(b->dev, dst, views, part_rows, nparts, k);
    if (all && contiguous && !b->packed && d->wrap_host)
        return d->wrap_host(b->dev, dst, views[0], n * k * sizeof(float));
    const float *w = views[0];
    if (!contiguous) {
        for (size_t i = 0; i < nparts; i++) {
            rv_status s = read_into(L->st, names[i], 2, rows, k, L->tmp + i * rows * k);
            if (s != RV_OK) return s;
        }
        w = L->tmp;
    }
    if (b->packed) return upload_packed(L, dst, w, n, k, nparts, role, ln);
    return d->upload(b->dev, dst, w, n * k * sizeof(float));
}

static rv_status load_one(loader *L, rv_dbuf **dst, const char *name, int ndim, size_t d0,
                          size_t d1) {
    const float *view;
    size_t bytes = (ndim == 2 ? d0 * d1 : d0) * sizeof(float);
    rv_status s = view_f32(L, name, ndim, d0, d1, &view);
    if (s != RV_OK) return s;
    if (view && L->b->drv->wrap_host) return L->b->drv->wrap_host(L->b->dev, dst, view, bytes);
    if (view) return L->b->drv->upload(L->b->dev, dst, view, bytes);
    if ((s = read_into(L->st, name, ndim, d0, d1, L->tmp)) != RV_OK) return s;
    return L->b->drv->upload(L->b->dev, dst, L->tmp, bytes);
}

static rv_status load_linear1(loader *L, rv_dbuf **dst, const char *name, size_t n, size_t k,
                              rv_layer_role role, const char *ln) {
    const float *view;
    rv_status s = view_f32(L, name, 2, n, k, &view);
    if (s != RV_OK) return s;
    return load_linear(L, dst, &name, &view, 1, n, k, role, ln);
}

static rv_status load_layer(loader *L, size_t i) {
    rv_bert *b = L->b;
    rv_bert_layer *ly = &b->layers[i];
    size_t H = b->hidden, I = b->inter;
    char n[3][128], ln[2][64];
    static const char *const qkv[3] = {"query", "key", "value"};
    rv_status s;
    /* the LayerNorms whose outputs feed QKV and the FFN input */
    if (i == 0)
        snprintf(ln[0], sizeof ln[0], "embeddings.LayerNorm");
    else
        snprintf(ln[0], sizeof ln[0], "encoder.layer.%zu.output.LayerNorm", i - 1);
    snprintf(ln[1], sizeof ln[1], "encoder.layer.%zu.attention.output.LayerNorm", i);
    /* Q, K, V stacked into one [3H, H] matrix so one GEMM makes all three. */
    const float *views[3];
    const char *names[3] = {n[0], n[1], n[2]};
    for (int j = 0; j < 3; j++) {
        snprintf(n[j], sizeof n[j], "encoder.layer.%zu.attention.self.%s.weight", i, qkv[j]);
        if ((s = view_f32(L, n[j], 2, H, H, &views[j])) != RV_OK) return s;
    }
    if ((s = load_linear(L, &ly->qkv_w, names, views, 3, H, H, RV_LAYER_QKV, ln[0])) != RV_OK)
        return s;
    for (int j = 0; j < 3; j++) {
        snprintf(n[j], sizeof n[j], "encoder.layer.%zu.attention.self.%s.bias", i, qkv[j]);
        if ((s = read_into(L->st, n[j], 1, H, 0, L->tmp + (size_t)j * H)) != RV_OK) return s;
    }
    if ((s = b->drv->upload(b->dev, &ly->qkv_b, L->tmp, 3 * H * sizeof(float))) != RV_OK) return s;
    struct {
        rv_dbuf **dst;
        const char *suffix;
        int ndim, linear; /* linear: 1 with its role */
        rv_layer_role role;
        size_t d0, d1;
        const char *ln;
    } rest[] = {
        {&ly->out_w, "attention.output.dense.weight", 2, 1, RV_LAYER_ATTN_OUT, H, H, NULL},
        {&ly->out_b, "attention.output.dense.bias", 1, 0, 0, H, 0, NULL},
        {&ly->ln1_w, "attention.output.LayerNorm.weight", 1, 0, 0, H, 0, NULL},
        {&ly->ln1_b, "attention.output.LayerNorm.bias", 1, 0, 0, H, 0, NULL},
        {&ly->ffn_in_w, "intermediate.dense.weight", 2, 1, RV_LAYER_FFN_IN, I, H, ln[1]},
        {&ly->ffn_in_b, "intermediate.dense.bias", 1, 0, 0, I, 0, NULL},
        {&ly->ffn_out_w, "output.dense.weight", 2, 1, RV_LAYER_FFN_OUT, H, I, NULL},
        {&ly->ffn_out_b, "output.dense.bias", 1, 0, 0, H, 0, NULL},
        {&ly->ln2_w, "output.LayerNorm.weight", 1, 0, 0, H, 0, NULL},
        {&ly->ln2_b, "output.LayerNorm.bias", 1, 0, 0, H, 0, NULL},
    };
    for (size_t r = 0; r < sizeof rest / sizeof rest[0]; r++) {
        snprintf(n[0], sizeof n[0], "encoder.layer.%zu.%s", i, rest[r].suffix);
        if (rest[r].linear) {
            s = load_linear1(L, rest[r].dst, n[0], rest[r].d0, rest[r].d1, rest[r].role,
                             rest[r].ln);
        } else {
            s = load_one(L, rest[r].dst, n[0], rest[r].ndim, rest[r].d0, rest[r].d1);
        }
        if (s != RV_OK) return s;
    }
    return RV_OK;
}

rv_status rv_bert_load(rv_bert **out, const rv_driver *drv, void *dev, const rv_bert_config *cfg,
                       const rv_safetensors *st) {
    return rv_bert_load_ex(out, drv, dev, cfg, st, NULL);
}

rv_status rv_bert_load_ex(rv_bert **out, const rv_driver *drv, void *dev, const rv_bert_config *cfg,
                          const rv_safetensors *st, const rv_bert_load_opts *opts) {
    *out = NULL;
    rv_status s = RV_OK;
    loader L = {0};
    rv_bert_load_opts def = {0};
    if (!opts) opts = &def;
    int can_pack = (drv->upload_linear_layer || drv->upload_linear_weight) && drv->linear;
    if (opts->wfmt != RV_WFMT_F32 &&
        (!can_pack || !rv_driver_supports(drv, dev, RV_CAP_PRECISION, (int)opts->wfmt)))
        return rv_error_set(RV_ERR_UNSUPPORTED, "model: device '%s' supports only fp32 weights",
                            drv->name);
    if (cfg->gelu_tanh)
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "model: hidden_act '%s' (tanh GELU) is not supported", cfg->hidden_act);
    if (cfg->hidden_size <= 0 || cfg->num_heads <= 0 || cfg->hidden_size % cfg->num_heads ||
        cfg->num_layers <= 0 || cfg->intermediate_size <= 0 || cfg->vocab_size <= 0 ||
        cfg->max_position_embeddings <= 0 || cfg->type_vocab_size <= 0)
        return rv_error_set(RV_ERR_FORMAT, "model: inconsistent config sizes");
    rv_bert *b = calloc(1, sizeof *b);
    if (!b) return rv_error_set(RV_ERR_NOMEM, "model: out of memory");
    b->drv = drv;
    b->dev = dev;
    b->cfg = *cfg;
    b->hidden = (size_t)cfg->hidden_size;
    b->heads = (size_t)cfg->num_heads;
    b->head_dim = b->hidden / b->heads;
    b->inter = (size_t)cfg->intermediate_size;
    b->vocab = (size_t)cfg->vocab_size;
    b->max_pos = (size_t)cfg->max_position_embeddings;
    b->type_vocab = (size_t)cfg->type_vocab_size;
    b->wfmt = opts->wfmt;
    b->packed = can_pack && (opts->pack || opts->wfmt != RV_WFMT_F32);
    b->cls_last_layer = opts->cls_last_layer;
    size_t H = b->hidden, biggest = 0, tmp;
    size_t rows[] = {b->vocab, b->max_pos, b->type_vocab, 3 * H, b->inter};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!mul_ok(rows[i], H, &tmp) || !mul_ok(tmp, sizeof(float), &tmp)) {
            s = rv_error_set(RV_ERR_NOMEM, "model: tensor size overflow");
            goto done;
        }
        if (tmp > biggest) biggest = tmp;
    }
    b->layers = calloc((size_t)cfg->num_layers, sizeof *b->layers);
    L.b = b;
    L.st = st;
    L.zero_copy = !opts->copy_weights;
    L.opts = opts;
    L.tmp = malloc(biggest);
    if (!b->layers || !L.tmp) {
        s = rv_error_set(RV_ERR_NOMEM, "model: out of memory loading weights");
        goto done;
    }
    if ((s = load_one(&L, &b->word_emb, "embeddings.word_embeddings.weight", 2, b->vocab, H)) ||
        (s = load_one(&L, &b->pos_emb, "embeddings.position_embeddings.weight", 2, b->max_pos,
                      H)) ||
        (s = load_one(&L, &b->type_emb, "embeddings.token_type_embeddings.weight", 2, b->type_vocab,
                      H)) ||
        (s = load_one(&L, &b->emb_ln_w, "embeddings.LayerNorm.weight", 1, H, 0)) ||
        (s = load_one(&L, &b->emb_ln_b, "embeddings.LayerNorm.bias", 1, H, 0)))
        goto done;
    for (size_t i = 0; i < (size_t)cfg->num_layers; i++)
        if ((s = load_layer(&L, i)) != RV_OK) goto done;
done:
    free(L.tmp);
    if (s != RV_OK) {
        rv_bert_free(b);
        return s;
    }
    *out = b;
    return RV_OK;
}

void rv_bert_free(rv_bert *b) {
    if (!b) return;
    void (*fr)(void *, rv_dbuf *) = b->drv->free_buf;
    if (fr) {
        rv_dbuf *top[] = {b->word_emb, b->pos_emb, b->type_emb, b->emb_ln_w, b->emb_ln_b};
        for (size_t i = 0; i < 5; i++)
            if (top[i]) fr(b->dev, top[i]);
        for (int l = 0; b->layers && l < b->cfg.num_layers; l++) {
            rv_bert_layer *ly = &b->layers[l];
            rv_dbuf *bufs[] = {ly->qkv_w,     ly->qkv_b,     ly->out_w,    ly->out_b,
                               ly->ln1_w,     ly->ln1_b,     ly->ffn_in_w, ly->ffn_in_b,
                               ly->ffn_out_w, ly->ffn_out_b, ly->ln2_w,    ly->ln2_b};
            for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
                if (bufs[i]) fr(b->dev, bufs[i]);
        }
    }
    free(b->layers);
    free(b);
}

/* ---- forward ---------------------------------------------------------- */

/* The pass runs twice per batch: once "measuring" (allocations only add up
 * bytes, no driver call is made) to size the pool, then for real. One body
 * keeps the sizing and the allocations from drifting apart. */
typedef struct fwd {
    const rv_bert *b;
    const rv_driver *d;
    void *ctx;
    unsigned flags;
    int measure;
    size_t bytes;
} fwd;

static rv_dbuf *falloc(fwd *f, size_t floats) {
    size_t bytes = floats * sizeof(float);
    if (f->measure) {
        f->bytes += (bytes + RV_DRIVER_MAX_ALIGN - 1) / RV_DRIVER_MAX_ALIGN * RV_DRIVER_MAX_ALIGN;
        return NULL;
    }
    rv_dbuf *p = NULL;
    if (f->d->alloc(f->ctx, &p, bytes) != RV_OK) return NULL;
    return p;
}

#define ALLOC(var, nfloats)                                                                        \
    do {                                                                                           \
        var = falloc(f, (nfloats));                                                                \
        if (!f->measure && !var) {                                                                 \
            st = RV_ERR_NOMEM;                                                                     \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#define OP(expr)                                                                                   \
    do {                                                                                           \
        if (!f->measure && (st = (expr)) != RV_OK) goto done;                                      \
    } while (0)

/* out[m, n] = act(x[m, k] @ w[n, k]^T + bias) through the fused slot or
 * gemm + bias (+ GELU). */
static rv_status linear(fwd *f, const rv_dbuf *x, const rv_dbuf *w, const rv_dbuf *bias,
                        rv_dbuf *out, size_t m, size_t n, size_t k, rv_act act) {
    const rv_driver *d = f->d;
    /* packed weights are only readable by the driver's linear slot */
    if (d->linear && (f->b->packed || !(f->flags & RV_BERT_NO_FUSED_LINEAR)))
        return d->linear(f->ctx, x, w, bias, out, m, n, k, act);
    rv_status st = d->gemm(f->ctx, x, w, out, m, n, k, 1);
    if (st != RV_OK) return st;
    return act == RV_ACT_GELU ? d->fused_bias_gelu(f->ctx, out, bias, m, n)
                              : d->add_bias(f->ctx, out, bias, m, n);
}

/* Self-attention on the padded layout (the seed's path): qkv [T, 3H] ->
 * ctx_out [T, H]. */
static rv_status attention_padded(fwd *f, const rv_batch_inputs *in, const rv_dbuf *qkv,
                                  rv_dbuf *ctx_out) {
    const rv_bert *b = f->b;
    const rv_driver *d = f->d;
    rv_status st = RV_OK;
    size_t B = in->batch, S = in->max_seq, H = b->hidden, nh = b->heads, hd = b->head_dim;
    size_t P = B * S;
    float scale = 1.0f / sqrtf((float)hd);
    rv_dbuf *qkv_p, *q, *k, *v, *scores, *attn, *context;
    ALLOC(qkv_p, P * 3 * H);
    ALLOC(q, P * H);
    ALLOC(k, P * H);
    ALLOC(v, P * H);
    ALLOC(scores, B * nh * S * S);
    ALLOC(attn, P * H);
    ALLOC(context, P * H);
    OP(d->pad_to_batch(f->ctx, qkv, qkv_p, in, 3 * H));
    OP(d->qkv_split(f->ctx, q, k, v, qkv_p, B, S, nh, hd));
    OP(d->gemm_batched(f->ctx, q, k, scores, S, S, hd, 1, S * hd, S * hd, S * S, B * nh));
    OP(d->fused_scale_mask_softmax(f->ctx, scores, in->float_mask, B, nh, S, scale));
    OP(d->gemm_batched(f->ctx, scores, v, attn, S, hd, S, 0, S * S, S * hd, S * hd, B * nh));
    OP(d->attn_reshape(f->ctx, context, attn, B, S, nh, hd));
    /* Unpad before the output projection: the GEMM then skips padding rows. */
    OP(d->unpad_from_batch(f->ctx, context, ctx_out, in, H));
done:
    return st;
}

/* One encoder layer on hidden [T, H], in place. With cls_out set (the CLS
 * shortcut on the last layer) only the CLS rows go past attention and the
 * layer's output is those rows, written to cls_out [B, H]. */
static rv_status encoder_layer(fwd *f, const rv_batch_inputs *in, const rv_bert_layer *ly,
                               rv_dbuf *hidden, rv_dbuf *cls_out) {
    const rv_bert *b = f->b;
    const rv_driver *d = f->d;
    rv_status st = RV_OK;
    size_t T = in->total_tokens, H = b->hidden, I = b->inter, R = T;
    float eps = b->cfg.layer_norm_eps;
    size_t mark = f->measure ? 0 : d->pool_mark(f->ctx);
    rv_dbuf *big, *ctxb, *proj, *x, *resid, *dst = hidden;
    /* big holds QKV [T, 3H], later the FFN activations [T, I]. */
    ALLOC(big, T * (3 * H > I ? 3 * H : I));
    ALLOC(ctxb, T * H);
    ALLOC(proj, T * H);
    OP(linear(f, hidden, ly->qkv_w, ly->qkv_b, big, T, 3 * H, H, RV_ACT_NONE));
    if (d->attention && !(f->flags & RV_BERT_NO_FUSED_ATTENTION)) {
        OP(d->attention(f->ctx, ctxb, big, in, b->heads, b->head_dim,
                        1.0f / sqrtf((float)b->head_dim)));
    } else {
        st = attention_padded(f, in, big, ctxb);
        if (st != RV_OK) goto done;
    }
    x = ctxb;
    resid = hidden;
    if (cls_out) {
        /* every row below depends only on its own token: keep the CLS ones */
        R = in->batch;
        ALLOC(x, R * H);
        ALLOC(resid, R * H);
        OP(d->cls_pool(f->ctx, x, ctxb, in, H));
        OP(d->cls_pool(f->ctx, resid, hidden, in, H));
        dst = cls_out;
    }
    OP(linear(f, x, ly->out_w, ly->out_b, proj, R, H, H, RV_ACT_NONE));
    OP(d->fused_residual_layernorm(f->ctx, proj, proj, resid, ly->ln1_w, ly->ln1_b, R, H, eps));
    OP(linear(f, proj, ly->ffn_in_w, ly->ffn_in_b, big, R, I, H, RV_ACT_GELU));
    OP(linear(f, big, ly->ffn_out_w, ly->ffn_out_b, ctxb, R, H, I, RV_ACT_NONE));
    OP(d->fused_residual_layernorm(f->ctx, dst, ctxb, proj, ly->ln2_w, ly->ln2_b, R, H, eps));
done:
    /* Only `hidden` survives the layer; the next one reuses the same space. */
    if (!f->measure) d->pool_reset(f->ctx, mark);
    return st;
}

/* Embeddings, encoder layers, pooling, normalisation; *pooled_out [B, H]. */
static rv_status run_pass(fwd *f, const rv_batch_inputs *in, rv_dbuf **pooled_out) {
    const rv_bert *b = f->b;
    const rv_driver *d = f->d;
    rv_status st = RV_OK;
    size_t T = in->total_tokens, H = b->hidden, B = in->batch;
    rv_dbuf *hidden, *pooled;
    ALLOC(hidden, T * H);
    ALLOC(pooled, B * H);
    OP(d->embedding_lookup(f->ctx, hidden, b->word_emb, in->input_ids, T, H));
    OP(d->add_embeddings(f->ctx, hidden, b->pos_emb, in->position_ids, T, H));
    OP(d->add_embeddings(f->ctx, hidden, b->type_emb, in->token_type_ids, T, H));
    OP(d->layer_norm(f->ctx, hidden, hidden, b->emb_ln_w, b->emb_ln_b, T, H,
                     b->cfg.layer_norm_eps));
    int cls_short = b->cls_last_layer && b->cfg.pooling == RV_POOLING_CLS &&
                    !(f->flags & RV_BERT_NO_CLS_SHORTCUT);
    for (int l = 0; l < b->cfg.num_layers; l++) {
        size_t before = f->bytes;
        int last = l + 1 == b->cfg.num_layers;
        st = encoder_layer(f, in, &b->layers[l], hidden, last && cls_short ? pooled : NULL);
        if (st != RV_OK) goto done;
        if (f->measure && !last) f->bytes = before; /* count one layer (the last is largest) */
    }
    /* with the shortcut the last layer already wrote the CLS rows to pooled */
    if (!cls_short && b->cfg.pooling == RV_POOLING_CLS)
        OP(d->cls_pool(f->ctx, pooled, hidden, in, H));
    else if (!cls_short)
        OP(d->mean_pool(f->ctx, pooled, hidden, in, H));
    OP(d->l2_normalize(f->ctx, pooled, B, H));
    *pooled_out = pooled;
done:
    return st;
}

size_t rv_bert_scratch_bytes(const rv_bert *b, size_t batch, size_t total_tokens, size_t max_seq,
                             unsigned flags) {
    fwd f = {.b = b, .d = b->drv, .flags = flags, .measure = 1};
    rv_batch_inputs in = {.batch = batch, .total_tokens = total_tokens, .max_seq = max_seq};
    f.bytes = rv_prepare_batch_bytes(batch, total_tokens, max_seq);
    rv_dbuf *pooled;
    (void)run_pass(&f, &in, &pooled);
    return f.bytes;
}

rv_status rv_bert_forward(const rv_bert *b, void *dctx, const int32_t *ids, const int32_t *lens,
                          size_t batch, float *out, unsigned flags) {
    const rv_driver *d = b->drv;
    if (batch == 0) return RV_OK;
    size_t total = 0, max_seq = 0;
    for (size_t i = 0; i < batch; i++) {
        if (lens[i] < 1 || (size_t)lens[i] > b->max_pos)
            return rv_error_set(RV_ERR_INVALID_ARG,
                                "forward: sequence %zu has %d tokens (1..%zu allowed)", i,
                                (int)lens[i], b->max_pos);
        total += (size_t)lens[i];
        if ((size_t)lens[i] > max_seq) max_seq = (size_t)lens[i];
    }
    for (size_t i = 0; i < total; i++)
        if (ids[i] < 0 || (size_t)ids[i] >= b->vocab)
            return rv_error_set(RV_ERR_INVALID_ARG,
                                "forward: token id %d outside the vocabulary (%zu)", (int)ids[i],
                                b->vocab);
    d->pool_reset(dctx, 0);
    rv_status st = d->reserve(dctx, rv_bert_scratch_bytes(b, batch, total, max_seq, flags));
    if (st != RV_OK) return st;
    rv_batch_inputs in;
    fwd f = {.b = b, .d = d, .ctx = dctx, .flags = flags};
    rv_dbuf *pooled = NULL;
    if ((st = d->prepare_batch(dctx, &in, ids, lens, batch)) != RV_OK) goto done;
    if (d->begin_batch && (st = d->begin_batch(dctx)) != RV_OK) goto done;
    st = run_pass(&f, &in, &pooled);
    /* end_batch runs even after a failure, so the stream is left idle. */
    rv_status st_end = d->end_batch ? d->end_batch(dctx) : RV_OK;
    if (st == RV_OK) st = st_end;
    if (st == RV_OK) st = d->to_host(dctx, out, pooled, batch * b->hidden * sizeof(float));
done:
    d->pool_reset(dctx, 0);
    return st;
}
