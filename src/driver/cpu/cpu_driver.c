/* The CPU driver: device, contexts, scratch pool, batch preparation and the
 * methods table (kernels live in cpu_ops.c, cpu_gemm.c, cpu_kernels*.c). */
#include "driver/cpu/cpu_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CPU_ALIGN = 64 };

/* Below this many "cost units" (roughly flops) an op runs on the calling
 * thread: waking the pool costs more than the work. */
#define CPU_PAR_MIN_COST 32768u

typedef struct par_job {
    rv_cpu_range_fn fn;
    void *arg;
    size_t rows;
} par_job;

static void par_trampoline(void *p, int tid, int n) {
    par_job *j = p;
    size_t b, e;
    rv_split_range(j->rows, n, tid, &b, &e);
    if (b < e) j->fn(j->arg, b, e);
}

void rv_cpu_parallel(rv_cpu_ctx *c, size_t rows, size_t cost_per_row, rv_cpu_range_fn fn,
                     void *arg) {
    if (rows == 0) return;
    if (c->nthreads == 1 || rows == 1 || rows * cost_per_row < CPU_PAR_MIN_COST) {
        fn(arg, 0, rows);
        return;
    }
    par_job j = {fn, arg, rows};
    rv_threadpool_run(c->tp, par_trampoline, &j);
}

static rv_status cpu_device_open(void **out_dev, int threads) {
    *out_dev = NULL;
    rv_cpu_device *d = calloc(1, sizeof *d);
    if (!d) return rv_error_set(RV_ERR_NOMEM, "cpu driver: out of memory");
    d->threads = threads > 0 ? threads : rv_cpu_count();
    d->isa = rv_cpu_isa_best();
    *out_dev = d;
    return RV_OK;
}

static void cpu_device_close(void *dev) {
    rv_cpu_device *d = dev;
    if (d) free(d->wrapped);
    free(d);
}

/* On the cpu a buffer is its host pointer, so a view needs no copy; the
 * device only remembers it so free_buf leaves the memory alone. */
static rv_status cpu_wrap_host(void *dev, rv_dbuf **out, const void *host, size_t bytes) {
    rv_cpu_device *d = dev;
    *out = NULL;
    if (!host)
        return rv_error_set(RV_ERR_INVALID_ARG, "cpu driver: wrap of NULL (%zu bytes)", bytes);
    if (d->n_wrapped == d->cap_wrapped) {
        size_t cap = d->cap_wrapped ? d->cap_wrapped * 2 : 64;
        const void **p = realloc(d->wrapped, cap * sizeof *p);
        if (!p) return rv_error_set(RV_ERR_NOMEM, "cpu driver: out of memory");
        d->wrapped = p;
        d->cap_wrapped = cap;
    }
    d->wrapped[d->n_wrapped++] = host;
    *out = CPU_BUF((void *)(uintptr_t)host);
    return RV_OK;
}

static int take_wrapped(rv_cpu_device *d, const void *p) {
    for (size_t i = d ? d->n_wrapped : 0; i-- > 0;)
        if (d->wrapped[i] == p) {
            d->wrapped[i] = d->wrapped[--d->n_wrapped];
            return 1;
        }
    return 0;
}

static rv_status cpu_upload(void *dev, rv_dbuf **out, const void *host, size_t bytes) {
    (void)dev;
    *out = NULL;
    size_t cap = (bytes + CPU_ALIGN - 1) / CPU_ALIGN * CPU_ALIGN;
    if (cap < bytes) return rv_error_set(RV_ERR_NOMEM, "cpu driver: size overflow");
    void *p = aligned_alloc(CPU_ALIGN, cap ? cap : CPU_ALIGN);
    if (!p) return rv_error_set(RV_ERR_NOMEM, "cpu driver: cannot allocate %zu bytes", bytes);
    if (bytes) memcpy(p, host, bytes);
    *out = CPU_BUF(p);
    return RV_OK;
}

static void cpu_free_buf(void *dev, rv_dbuf *buf) {
    if (!buf || take_wrapped(dev, buf)) return;
    if (rv_cpu_is_wpack(buf))
        rv_cpu_wpack_free((rv_cpu_wpack *)(void *)buf);
    else
        free(buf);
}

static void cpu_ctx_destroy(void *ctx) {
    rv_cpu_ctx *c = ctx;
    if (!c) return;
    rv_threadpool_free(c->tp);
    free(c->pool);
    free(c->attn_scratch);
    free(c->gemm_scratch);
    free(c);
}

static rv_status cpu_ctx_create(void **out_ctx, void *dev, int threads) {
    *out_ctx = NULL;
    rv_cpu_device *d = dev;
    rv_cpu_ctx *c = calloc(1, sizeof *c);
    if (!c) return rv_error_set(RV_ERR_NOMEM, "cpu driver: out of memory");
    c->dev = d;
    c->k = rv_cpu_kernels_for(d->isa);
    c->lk = rv_cpu_linear_kernels_for(d->isa);
    rv_status st = rv_threadpool_create(&c->tp, threads > 0 ? threads : d->threads);
    if (st != RV_OK) {
        cpu_ctx_destroy(c);
        return st;
    }
    c->nthreads = rv_threadpool_size(c->tp);
    *out_ctx = c;
    return RV_OK;
}

static rv_status cpu_reserve(void *ctx, size_t bytes) {
    rv_cpu_ctx *c = ctx;
    if (bytes <= c->pool_cap) return RV_OK;
    if (c->pool_used != 0)
        return rv_error_set(RV_ERR_INTERNAL, "cpu driver: reserve with a non-empty pool");
    size_t cap = (bytes + CPU_ALIGN - 1) / CPU_ALIGN * CPU_ALIGN;
    if (cap < bytes) return rv_error_set(RV_ERR_NOMEM, "cpu driver: size overflow");
    void *p = aligned_alloc(CPU_ALIGN, cap);
    if (!p) return rv_error_set(RV_ERR_NOMEM, "cpu driver: cannot reserve %zu bytes", bytes);
    free(c->pool);
    c->pool = p;
    c->pool_cap = cap;
    return RV_OK;
}

static void *pool_take(rv_cpu_ctx *c, size_t bytes) {
    size_t start = (c->pool_used + CPU_ALIGN - 1) / CPU_ALIGN * CPU_ALIGN;
    if (start > c->pool_cap || bytes > c->pool_cap - start) {
        rv_error_set(RV_ERR_NOMEM,
                     "cpu driver: scratch pool exhausted (%zu of %zu bytes used, %zu asked)",
                     c->pool_used, c->pool_cap, bytes);
        return NULL;
    }
    c->pool_used = start + bytes;
    return c->pool + start;
}

static rv_status cpu_alloc(void *ctx, rv_dbuf **out, size_t bytes) {
    void *p = pool_take(ctx, bytes);
    *out = CPU_BUF(p);
    return p ? RV_OK : RV_ERR_NOMEM;
}

static size_t cpu_pool_mark(void *ctx) {
    return ((rv_cpu_ctx *)ctx)->pool_used;
}

static void cpu_pool_reset(void *ctx, size_t mark) {
    rv_cpu_ctx *c = ctx;
    if (mark <= c->pool_used) c->pool_used = mark;
}

static rv_status cpu_to_host(void *ctx, void *host, const rv_dbuf *src, size_t bytes) {
    (void)ctx;
    if (bytes) memcpy(host, src, bytes);
    return RV_OK;
}

static rv_status cpu_prepare_batch(void *ctx, rv_batch_inputs *out, const int32_t *ids,
                                   const int32_t *lens, size_t batch) {
    rv_cpu_ctx *c = ctx;
    memset(out, 0, sizeof *out);
    if (batch == 0) return rv_error_set(RV_ERR_INVALID_ARG, "prepare_batch: empty batch");
    size_t total = 0, max_seq = 0;
    for (size_t b = 0; b < batch; b++) {
        if (lens[b] < 1) return rv_error_set(RV_ERR_INVALID_ARG, "prepare_batch: empty sequence");
        total += (size_t)lens[b];
        if ((size_t)lens[b] > max_seq) max_seq = (size_t)lens[b];
    }
    if (total > INT32_MAX)
        return rv_error_set(RV_ERR_INVALID_ARG, "prepare_batch: too many tokens");
    if (batch > SIZE_MAX / 4 / max_seq)
        return rv_error_set(RV_ERR_NOMEM, "prepare_batch: size overflow");
    int32_t *tok = pool_take(c, total * sizeof(int32_t));
    int32_t *pos = pool_take(c, total * sizeof(int32_t));
    int32_t *typ = pool_take(c, total * sizeof(int32_t));
    int32_t *sl = pool_take(c, batch * sizeof(int32_t));
    int32_t *so = pool_take(c, (batch + 1) * sizeof(int32_t));
    float *mask = pool_take(c, batch * max_seq * sizeof(float));
    if (!tok || !pos || !typ || !sl || !so || !mask) return RV_ERR_NOMEM;
    memcpy(tok, ids, total * sizeof(int32_t));
    size_t off = 0;
    for (size_t b = 0; b < batch; b++) {
        sl[b] = lens[b];
        so[b] = (int32_t)off;
        for (int32_t i = 0; i < lens[b]; i++) {
            pos[off + (size_t)i] = i;
            typ[off + (size_t)i] = 0;
        }
        for (size_t i = 0; i < max_seq; i++)
            mask[b * max_seq + i] = i < (size_t)lens[b] ? 0.0f : -1e30f;
        off += (size_t)lens[b];
    }
    so[batch] = (int32_t)off;
    /* Per-thread score rows for rv_cpu_attention, sized here because this
     * runs once per forward pass, outside the layer loop. */
    size_t s16 = (max_seq + 15) / 16 * 16, need = rv_cpu_attn_stride_floats(s16);
    if (need > c->attn_cap) {
        float *s = NULL;
        if (need > SIZE_MAX / sizeof(float) / (size_t)c->nthreads ||
            !(s = aligned_alloc(CPU_ALIGN,
                                (need * (size_t)c->nthreads * sizeof(float) + CPU_ALIGN - 1) /
                                    CPU_ALIGN * CPU_ALIGN)))
            return rv_error_set(RV_ERR_NOMEM, "cpu driver: cannot allocate attention scratch");
        free(c->attn_scratch);
        c->attn_scratch = s;
        c->attn_cap = need;
    }
    c->attn_stride = c->attn_cap;
    out->batch = batch;
    out->total_tokens = total;
    out->max_seq = max_seq;
    out->seq_lengths = sl;
    out->seq_offsets = so;
    out->input_ids = CPU_BUF(tok);
    out->position_ids = CPU_BUF(pos);
    out->token_type_ids = CPU_BUF(typ);
    out->dev_seq_lengths = CPU_BUF(sl);
    out->dev_seq_offsets = CPU_BUF(so);
    out->float_mask = CPU_BUF(mask);
    return RV_OK;
}

const rv_driver rv_driver_cpu = {
    .version = RV_DRIVER_VERSION,
    .name = "cpu",
    .device_open = cpu_device_open,
    .device_close = cpu_device_close,
    .upload = cpu_upload,
    .free_buf = cpu_free_buf,
    .ctx_create = cpu_ctx_create,
    .ctx_destroy = cpu_ctx_destroy,
    .reserve = cpu_reserve,
    .alloc = cpu_alloc,
    .pool_mark = cpu_pool_mark,
    .pool_reset = cpu_pool_reset,
    .begin_batch = NULL,
    .end_batch = NULL,
    .to_host = cpu_to_host,
    .prepare_batch = cpu_prepare_batch,
    .embedding_lookup = rv_cpu_embedding_lookup,
    .add_embeddings = rv_cpu_add_embeddings,
    .layer_norm = rv_cpu_layer_norm,
    .gemm = rv_cpu_gemm,
    .gemm_batched = rv_cpu_gemm_batched,
    .add_bias = rv_cpu_add_bias,
    .fused_bias_gelu = rv_cpu_fused_bias_gelu,
    .fused_residual_layernorm = rv_cpu_fused_residual_layernorm,
    .pad_to_batch = rv_cpu_pad_to_batch,
    .unpad_from_batch = rv_cpu_unpad_from_batch,
    .qkv_split = rv_cpu_qkv_split,
    .fused_scale_mask_softmax = rv_cpu_fused_scale_mask_softmax,
    .attn_reshape = rv_cpu_attn_reshape,
    .cls_pool = rv_cpu_cls_pool,
    .mean_pool = rv_cpu_mean_pool,
    .l2_normalize = rv_cpu_l2_normalize,
    .linear = rv_cpu_linear,
    .attention = rv_cpu_attention,
    .upload_linear_weight = rv_cpu_upload_linear_weight,
    .upload_linear_weight_scaled = rv_cpu_upload_linear_weight_scaled,
    .wrap_host = cpu_wrap_host,
    .wrap_linear_weight = rv_cpu_wrap_linear_weight,
    .configure = rv_cpu_configure,
    .supports = rv_cpu_supports,
    .upload_linear_layer = rv_cpu_upload_linear_layer,
    .pack_key = rv_cpu_pack_key,
    .export_linear = rv_cpu_export_linear,
    .import_linear = rv_cpu_import_linear,
};
