/* Public embedding API (ripvec/embed.h): model loading, per-thread contexts,
 * tokenization and token-budget batching over length-sorted inputs. */
#include "ripvec/embed.h"

#include "engine/arch_bert.h"
#include "engine/pack_cache.h"
#include "ripvec/modelfile.h"
#include "ripvec/tokenizer.h"
#include "util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

struct rv_model {
    const rv_driver *drv;
    void *dev;
    rv_bert *bert;
    rv_safetensors *st; /* mapped weights: the cpu driver reads them in place */
    rv_tokenizer *tk;
    rv_bert_config cfg;
    int threads;
    rv_precision precision;
    char id[176];
    rv_pack_cache *pack; /* the packed layers' file, or NULL */
};

struct rv_embed_ctx {
    const rv_model *m;
    void *dctx;
    size_t token_budget;
    unsigned flags; /* RV_BERT_* (tests) */
};

rv_model_params rv_model_default_params(void) {
    rv_model_params p = {.device = "cpu", .threads = 0, .precision = RV_PRECISION_FP32};
    return p;
}

const char *rv_precision_name(rv_precision p) {
    switch (p) {
    case RV_PRECISION_FP32: return "fp32";
    case RV_PRECISION_FP16: return "fp16";
    case RV_PRECISION_INT8: return "int8";
    case RV_PRECISION_BF16: return "bf16";
    }
    return NULL;
}

rv_status rv_precision_parse(rv_precision *out, const char *name) {
    static const rv_precision all[] = {RV_PRECISION_FP32, RV_PRECISION_FP16, RV_PRECISION_INT8,
                                         RV_PRECISION_BF16};
    for (size_t i = 0; name && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, rv_precision_name(all[i])) == 0) {
            *out = all[i];
            return RV_OK;
        }
    return rv_error_set(RV_ERR_INVALID_ARG, "unknown precision '%s' (use fp32, fp16, int8 or bf16)",
                        name ? name : "");
}

rv_embed_params rv_embed_default_params(void) {
    rv_embed_params p = {.threads = 0, .token_budget = 8192};
    return p;
}

/* "<dir name>-<xxh64 of config.json bytes and the weights' size>": the same
 * model copied elsewhere keeps its id; changed weights or config change it. */
rv_status rv_model_id_for_dir(char *out, size_t cap, const char *model_dir,
                              rv_precision precision) {
    char *cfg_text = NULL, *cfg_path = rv_path_join(model_dir, "config.json");
    char *st_path = rv_path_join(model_dir, "model.safetensors");
    size_t cfg_len = 0;
    rv_status s = RV_OK;
    struct stat sb;
    if (!cfg_path || !st_path) {
        s = rv_error_set(RV_ERR_NOMEM, "model: out of memory");
        goto done;
    }
    if ((s = rv_read_file(&cfg_text, &cfg_len, cfg_path, 1u << 20)) != RV_OK) goto done;
    if (stat(st_path, &sb) != 0) {
        s = rv_error_set(RV_ERR_NOT_FOUND, "%s: %s", st_path, strerror(errno));
        goto done;
    }
    XXH64_state_t *h = XXH64_createState();
    if (!h) {
        s = rv_error_set(RV_ERR_NOMEM, "model: out of memory");
        goto done;
    }
    XXH64_reset(h, 0);
    XXH64_update(h, "ripvec-bert-1", 13);
    XXH64_update(h, cfg_text, cfg_len);
    unsigned long long wsize = (unsigned long long)sb.st_size;
    XXH64_update(h, &wsize, sizeof wsize);
    unsigned long long hv = (unsigned long long)XXH64_digest(h);
    XXH64_freeState(h);
    size_t n = strlen(model_dir);
    while (n > 1 && model_dir[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && model_dir[b - 1] != '/')
        b--;
    int len = (int)(n - b);
    if (len > 100) len = 100;
    /* fp32 keeps the id it always had, so existing indexes stay valid. int8
     * is "int8v5": v2 when its storage became the 7-bit / 8-bit mix, v3 when
     * the FFN output moved to 8-bit activations, v4 when the 7-bit weights
     * were fitted to quads, v5 when q8u's pairs were (each moved the
     * vectors, so indexes of an earlier int8 are not reused). */
    const char *tag = precision == RV_PRECISION_FP16   ? "-fp16"
                      : precision == RV_PRECISION_INT8 ? "-int8v5"
                      : precision == RV_PRECISION_BF16 ? "-bf16"
                                                       : "";
    snprintf(out, cap, "%.*s-%016llx%s", len, model_dir + b, hv, tag);
done:
    free(cfg_text);
    free(cfg_path);
    free(st_path);
    return s;
}

/* The cache file of m's packed layers in dir (NULL: none), for a driver
 * that can export them: "<precision>-<driver's pack key>.pack", keyed
 * inside by the model id as well. */
static rv_status open_pack_cache(rv_model *m, const char *dir) {
    const rv_driver *d = m->drv;
    if (!dir || !*dir || !d->pack_key || !d->export_linear || !d->import_linear) return RV_OK;
    const char *dkey = d->pack_key(m->dev);
    if (!dkey) return RV_OK;
    char name[128], key[256];
    snprintf(name, sizeof name, "%s-%s.pack", rv_precision_name(m->precision), dkey);
    snprintf(key, sizeof key, "%s %s %s", m->id, rv_precision_name(m->precision), dkey);
    char *path = rv_path_join(dir, name);
    if (!path) return rv_error_set(RV_ERR_NOMEM, "model: out of memory");
    rv_status s = rv_pack_cache_open(&m->pack, path, key);
    free(path);
    return s;
}

static rv_status pack_take(void *user, rv_dbuf **out, size_t n, size_t k) {
    rv_model *m = user;
    return rv_pack_cache_take(m->pack, m->drv, m->dev, out, n, k);
}

static rv_status pack_add(void *user, rv_dbuf *buf, size_t n, size_t k) {
    return rv_pack_cache_add(((rv_model *)user)->pack, buf, n, k);
}

const char *rv_model_pack_state(const rv_model *m) {
    return m->pack ? rv_pack_cache_state(m->pack) : "none";
}

rv_status rv_model_load(rv_model **out, const char *model_dir, const rv_model_params *p) {
    *out = NULL;
    rv_model_params def = rv_model_default_params();
    if (!p) p = &def;
    if (!model_dir || !*model_dir)
        return rv_error_set(RV_ERR_INVALID_ARG, "model: no directory given");
    rv_status s;
    rv_safetensors *st = NULL;
    char *st_path = NULL;
    rv_model *m = calloc(1, sizeof *m);
    if (!m) return rv_error_set(RV_ERR_NOMEM, "model: out of memory");
    m->threads = p->threads;
    m->precision = p->precision;
    if (!rv_precision_name(p->precision)) {
        s = rv_error_set(RV_ERR_INVALID_ARG, "model: unknown precision %d", (int)p->precision);
        goto done;
    }
    if ((s = rv_bert_config_load(&m->cfg, model_dir)) != RV_OK) goto done;
    if (m->cfg.max_seq_length < 2 || m->cfg.max_seq_length > m->cfg.max_position_embeddings) {
        s = rv_error_set(RV_ERR_FORMAT, "%s: max_seq_length %d is unusable", model_dir,
                         m->cfg.max_seq_length);
        goto done;
    }
    if ((s = rv_tokenizer_load(&m->tk, model_dir)) != RV_OK) goto done;
    if (rv_tokenizer_vocab_size(m->tk) > (size_t)m->cfg.vocab_size) {
        s = rv_error_set(RV_ERR_FORMAT, "%s: tokenizer has %zu ids but the model only %d",
                         model_dir, rv_tokenizer_vocab_size(m->tk), m->cfg.vocab_size);
        goto done;
    }
    if (!(st_path = rv_path_join(model_dir, "model.safetensors"))) {
        s = rv_error_set(RV_ERR_NOMEM, "model: out of memory");
        goto done;
    }
    if ((s = rv_safetensors_open(&st, st_path)) != RV_OK) goto done;
    m->st = st; /* the model owns the mapping from here: its weights may view it */
    st = NULL;
    if ((s = rv_driver_open(&m->drv, &m->dev, p->device, p->threads, &p->driver)) != RV_OK)
        goto done;
    if ((s = rv_model_id_for_dir(m->id, sizeof m->id, model_dir, m->precision)) != RV_OK) goto done;
    if ((s = open_pack_cache(m, p->pack_dir)) != RV_OK) goto done;
    rv_bert_load_opts lo = {.cls_last_layer = 1};
    if (m->pack) lo.pack_take = pack_take, lo.pack_add = pack_add, lo.pack_user = m;
    lo.wfmt = p->precision == RV_PRECISION_FP16   ? RV_WFMT_F16
              : p->precision == RV_PRECISION_INT8 ? RV_WFMT_Q8
              : p->precision == RV_PRECISION_BF16 ? RV_WFMT_BF16
                                                  : RV_WFMT_F32;
    lo.pack = rv_driver_supports(m->drv, m->dev, RV_CAP_PACKED_F32, 0);
    if ((s = rv_bert_load_ex(&m->bert, m->drv, m->dev, &m->cfg, m->st, &lo)) != RV_OK) {
        rv_error_prefix(s, st_path);
        goto done;
    }
    if (m->pack) rv_pack_cache_save(m->pack, m->drv, m->dev); /* else they stay in memory */
done:
    rv_safetensors_close(st);
    free(st_path);
    if (s != RV_OK) {
        rv_model_free(m);
        return s;
    }
    *out = m;
    return RV_OK;
}

void rv_model_free(rv_model *m) {
    if (!m) return;
    rv_bert_free(m->bert);
    rv_pack_cache_free(m->pack); /* after the layers that read it */
    if (m->dev && m->drv->device_close) m->drv->device_close(m->dev);
    rv_safetensors_close(m->st); /* after the buffers that view it */
    rv_tokenizer_free(m->tk);
    free(m);
}

size_t rv_model_dim(const rv_model *m) {
    return (size_t)m->cfg.hidden_size;
}
int rv_model_max_tokens(const rv_model *m) {
    return m->cfg.max_seq_length;
}
const char *rv_model_id(const rv_model *m) {
    return m->id;
}
const char *rv_model_query_prefix(const rv_model *m) {
    return m->cfg.query_prefix;
}
const char *rv_model_device(const rv_model *m) {
    return m->drv->name;
}
const rv_tokenizer *rv_model_tokenizer(const rv_model *m) {
    return m->tk;
}
rv_precision rv_model_precision(const rv_model *m) {
    return m->precision;
}

rv_status rv_embed_ctx_create(rv_embed_ctx **out, const rv_model *m, const rv_embed_params *p) {
    *out = NULL;
    rv_embed_params def = rv_embed_default_params();
    if (!p) p = &def;
    rv_embed_ctx *c = calloc(1, sizeof *c);
    if (!c) return rv_error_set(RV_ERR_NOMEM, "embed: out of memory");
    c->m = m;
    c->token_budget = p->token_budget ? p->token_budget : def.token_budget;
    rv_status s = m->drv->ctx_create(&c->dctx, m->dev, p->threads > 0 ? p->threads : m->threads);
    if (s != RV_OK) {
        free(c);
        return s;
    }
    *out = c;
    return RV_OK;
}

void rv_embed_ctx_free(rv_embed_ctx *c) {
    if (!c) return;
    if (c->dctx && c->m->drv->ctx_destroy) c->m->drv->ctx_destroy(c->dctx);
    free(c);
}

/* Internal (tests): forward flags for this context. */
void rv_embed_ctx_set_flags(rv_embed_ctx *c, unsigned flags);
void rv_embed_ctx_set_flags(rv_embed_ctx *c, unsigned flags) {
    c->flags = flags;
}

typedef struct seq_ref {
    size_t index; /* position in the caller's input */
    size_t len;
    const int32_t *ids;
} seq_ref;

/* Longest first; ties by input position, so batching is deterministic. */
static int cmp_seq(const void *a, const void *b) {
    const seq_ref *x = a, *y = b;
    if (x->len != y->len) return x->len > y->len ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Runs sorted sequences through the model in batches whose padded size
 * (count * longest) stays within the token budget; scatters rows to `out`. */
static rv_status embed_sorted(rv_embed_ctx *c, seq_ref *seqs, size_t n, float *out) {
    const rv_model *m = c->m;
    size_t dim = rv_model_dim(m), maxb = 0, maxt = 0;
    rv_status s = RV_OK;
    /* Scratch sized for the largest batch the budget allows. */
    for (size_t i = 0; i < n;) {
        size_t j = i, tokens = 0;
        while (j < n && (j == i || (j - i + 1) * seqs[i].len <= c->token_budget))
            tokens += seqs[j++].len;
        if (j - i > maxb) maxb = j - i;
        if (tokens > maxt) maxt = tokens;
        i = j;
    }
    int32_t *ids = malloc((maxt ? maxt : 1) * sizeof *ids);
    int32_t *lens = malloc((maxb ? maxb : 1) * sizeof *lens);
    float *vecs = malloc((maxb ? maxb : 1) * dim * sizeof *vecs);
    if (!ids || !lens || !vecs) {
        s = rv_error_set(RV_ERR_NOMEM, "embed: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i, tokens = 0;
        while (j < n && (j == i || (j - i + 1) * seqs[i].len <= c->token_budget)) {
            memcpy(ids + tokens, seqs[j].ids, seqs[j].len * sizeof *ids);
            lens[j - i] = (int32_t)seqs[j].len;
            tokens += seqs[j++].len;
        }
        if ((s = rv_bert_forward(m->bert, c->dctx, ids, lens, j - i, vecs, c->flags)) != RV_OK)
            goto done;
        for (size_t k = i; k < j; k++)
            memcpy(out + seqs[k].index * dim, vecs + (k - i) * dim, dim * sizeof *vecs);
        i = j;
    }
done:
    free(ids);
    free(lens);
    free(vecs);
    return s;
}

rv_status rv_embed_tokens(rv_embed_ctx *c, const int32_t *const *ids, const size_t *lens, size_t n,
                          float *out) {
    if (n == 0) return RV_OK;
    if (!ids || !lens || !out) return rv_error_set(RV_ERR_INVALID_ARG, "embed: NULL argument");
    size_t maxlen = (size_t)rv_model_max_tokens(c->m);
    seq_ref *seqs = malloc(n * sizeof *seqs);
    if (!seqs) return rv_error_set(RV_ERR_NOMEM, "embed: out of memory");
    rv_status s = RV_OK;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] < 1 || lens[i] > maxlen) {
            s = rv_error_set(RV_ERR_INVALID_ARG,
                             "embed: sequence %zu has %zu tokens (1..%zu allowed)", i, lens[i],
                             maxlen);
            goto done;
        }
        seqs[i] = (seq_ref){i, lens[i], ids[i]};
    }
    qsort(seqs, n, sizeof *seqs, cmp_seq);
    s = embed_sorted(c, seqs, n, out);
done:
    free(seqs);
    return s;
}

rv_status rv_embed_texts(rv_embed_ctx *c, const char *const *texts, const size_t *lens, size_t n,
                         float *out) {
    if (n == 0) return RV_OK;
    if (!texts || !out) return rv_error_set(RV_ERR_INVALID_ARG, "embed: NULL argument");
    size_t maxlen = (size_t)rv_model_max_tokens(c->m), cap = 0, used = 0;
    int32_t *all = NULL;
    size_t *offs = malloc(n * sizeof *offs), *nids = malloc(n * sizeof *nids);
    const int32_t **ptrs = malloc(n * sizeof *ptrs);
    int32_t *one = malloc(maxlen * sizeof *one);
    rv_status s = RV_OK;
    if (!offs || !nids || !ptrs || !one) {
        s = rv_error_set(RV_ERR_NOMEM, "embed: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *t = texts[i] ? texts[i] : "";
        size_t tl = lens ? lens[i] : strlen(t);
        if ((s = rv_tokenizer_encode(c->m->tk, t, tl, one, maxlen, &nids[i])) != RV_OK) goto done;
        if (used + nids[i] > cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            while (ncap < used + nids[i])
                ncap *= 2;
            int32_t *g = realloc(all, ncap * sizeof *g);
            if (!g) {
                s = rv_error_set(RV_ERR_NOMEM, "embed: out of memory");
                goto done;
            }
            all = g;
            cap = ncap;
        }
        memcpy(all + used, one, nids[i] * sizeof *one);
        offs[i] = used;
        used += nids[i];
    }
    for (size_t i = 0; i < n; i++)
        ptrs[i] = all + offs[i];
    s = rv_embed_tokens(c, ptrs, nids, n, out);
done:
    free(all);
    free(offs);
    free(nids);
    free(ptrs);
    free(one);
    return s;
}
