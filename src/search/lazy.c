/* A searcher that loads its model only when something needs a forward pass:
 * a keyword query on a fresh index then costs no weight loading at all. The
 * index still needs the model's id, dim and token counts before that: the id
 * comes from the model files (rv_model_id_for_dir, checked against rv_model_id
 * once the model is loaded), the rest from config.json and the tokenizer. */
#include "search/internal.h"

#include "ripvec/modelfile.h"
#include "ripvec/tokenizer.h"
#include "util/fs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rv_status rv_search_lazy_prepare(rv_searcher *s) {
    rv_bert_config cfg;
    rv_status st = rv_bert_config_load(&cfg, s->model_dir);
    if (st != RV_OK) return st;
    if (cfg.hidden_size <= 0 || cfg.max_seq_length < 2)
        return rv_error_set(RV_ERR_FORMAT, "%s: unusable config", s->model_dir);
    s->lazy_dim = (size_t)cfg.hidden_size;
    s->lazy_max_tokens = cfg.max_seq_length;
    return rv_model_id_for_dir(s->lazy_id, sizeof s->lazy_id, s->model_dir, s->precision);
}

rv_status rv_search_ensure_model(rv_searcher *s) {
    rv_search_prefetch_join(s);
    if (s->model) return RV_OK;
    if (!s->model_dir) return rv_error_set(RV_ERR_INVALID_ARG, "no model configured");
    rv_model_params mp = rv_search_model_params(s);
    rv_status st = rv_model_load(&s->model, s->model_dir, &mp);
    if (st != RV_OK) return st;
    rv_search_trace(s, "model load");
    if (s->lazy && strcmp(rv_model_id(s->model), s->lazy_id) != 0) {
        st = rv_error_set(RV_ERR_INTERNAL, "model id %s differs from the derived %s",
                          rv_model_id(s->model), s->lazy_id);
        goto fail;
    }
    rv_embed_params ep = rv_embed_default_params();
    ep.threads = s->threads;
    if ((st = rv_embed_ctx_create(&s->ctx, s->model, &ep)) != RV_OK) goto fail;
    rv_search_trace(s, "embed ctx");
    s->qvec = malloc(rv_model_dim(s->model) * sizeof *s->qvec);
    if (!s->qvec) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto fail;
    }
    return RV_OK;
fail:
    rv_embed_ctx_free(s->ctx);
    s->ctx = NULL;
    rv_model_free(s->model);
    s->model = NULL;
    return st;
}

rv_status rv_search_lazy_embed(void *user, const char *const *texts, const size_t *lens, size_t n,
                               float *out) {
    rv_searcher *s = user;
    rv_status st = rv_search_ensure_model(s);
    return st != RV_OK ? st : rv_embed_texts(s->ctx, texts, lens, n, out);
}

/* The tokenizer for the chunker's counts before (or without) the model:
 * the model's once loaded, else the tokenizer alone, loaded on first use,
 * or NULL when that failed. Chunking threads count every line: once the
 * load was tried they read the pointer without the lock. */
static const rv_tokenizer *lazy_tokenizer(rv_searcher *s) {
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    if (s->model) return rv_model_tokenizer(s->model);
    const rv_tokenizer *tk = __atomic_load_n(&s->lazy_tk, __ATOMIC_ACQUIRE);
    if (!tk && !__atomic_load_n(&s->lazy_tried, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&mu);
        if (!s->lazy_tried) {
            rv_tokenizer *t = NULL;
            if (rv_tokenizer_load(&t, s->model_dir) != RV_OK) t = NULL;
            __atomic_store_n(&s->lazy_tk, t, __ATOMIC_RELEASE);
            __atomic_store_n(&s->lazy_tried, 1, __ATOMIC_RELEASE);
        }
        tk = s->lazy_tk;
        pthread_mutex_unlock(&mu);
    }
    return tk;
}

size_t rv_search_lazy_count(void *user, const char *text, size_t len) {
    const rv_tokenizer *tk = lazy_tokenizer(user);
    /* no tokenizer: count bytes, an over-estimate, so chunks only get smaller */
    return tk ? rv_tokenizer_count(tk, text, len) : len;
}

int rv_search_lazy_adds_up(void *user) {
    const rv_tokenizer *tk = lazy_tokenizer(user);
    return tk && rv_tokenizer_count_adds_up(tk); /* bytes do not: line breaks count */
}
