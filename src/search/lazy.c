/* A searcher that loads its model only when something needs a forward pass:
 * a keyword query on a fresh index then costs no weight loading at all. The
 * index still needs the model's id, dim and token counts before that: the id
 * comes from the model files (the same recipe as rv_model_id, checked against
 * it once the model is loaded), the rest from config.json and the tokenizer. */
#include "search/internal.h"

#include "ripvec/modelfile.h"
#include "ripvec/tokenizer.h"
#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

/* rv_model_id for an fp32 model in dir, without loading the weights:
 * "<dir name>-<xxh64 of a tag, config.json and the weights' size>".
 * TODO(engine): replace with an engine call (see the report). */
static rv_status peek_id(char *out, size_t cap, const char *dir) {
    char *cfg_text = NULL, *cfg_path = rv_path_join(dir, "config.json");
    char *st_path = rv_path_join(dir, "model.safetensors");
    size_t cfg_len = 0;
    rv_status st = RV_OK;
    struct stat sb;
    if (!cfg_path || !st_path) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = rv_read_file(&cfg_text, &cfg_len, cfg_path, 1u << 20)) != RV_OK) goto done;
    if (stat(st_path, &sb) != 0) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "%s: not found", st_path);
        goto done;
    }
    XXH64_state_t *h = XXH64_createState();
    if (!h) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    XXH64_reset(h, 0);
    XXH64_update(h, "ripvec-bert-1", 13);
    XXH64_update(h, cfg_text, cfg_len);
    unsigned long long wsize = (unsigned long long)sb.st_size;
    XXH64_update(h, &wsize, sizeof wsize);
    unsigned long long hv = (unsigned long long)XXH64_digest(h);
    XXH64_freeState(h);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && dir[b - 1] != '/')
        b--;
    int len = (int)(n - b);
    if (len > 100) len = 100;
    snprintf(out, cap, "%.*s-%016llx", len, dir + b, hv);
done:
    free(cfg_text);
    free(cfg_path);
    free(st_path);
    return st;
}

rv_status rv_search_lazy_prepare(rv_searcher *s) {
    rv_bert_config cfg;
    rv_status st = rv_bert_config_load(&cfg, s->model_dir);
    if (st != RV_OK) return st;
    if (cfg.hidden_size <= 0 || cfg.max_seq_length < 2)
        return rv_error_set(RV_ERR_FORMAT, "%s: unusable config", s->model_dir);
    s->lazy_dim = (size_t)cfg.hidden_size;
    s->lazy_max_tokens = cfg.max_seq_length;
    return peek_id(s->lazy_id, sizeof s->lazy_id, s->model_dir);
}

rv_status rv_search_ensure_model(rv_searcher *s) {
    if (s->model) return RV_OK;
    if (!s->model_dir) return rv_error_set(RV_ERR_INVALID_ARG, "no model configured");
    rv_model_params mp = rv_model_default_params();
    if (s->device) mp.device = s->device;
    mp.threads = s->threads;
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

/* Token counts for the chunker before (or without) the model: the
 * tokenizer alone, loaded on first use. */
size_t rv_search_lazy_count(void *user, const char *text, size_t len) {
    rv_searcher *s = user;
    if (s->model) return rv_tokenizer_count(rv_model_tokenizer(s->model), text, len);
    if (!s->lazy_tk && rv_tokenizer_load(&s->lazy_tk, s->model_dir) != RV_OK) s->lazy_tk = NULL;
    /* no tokenizer: count bytes, an over-estimate, so chunks only get smaller */
    return s->lazy_tk ? rv_tokenizer_count(s->lazy_tk, text, len) : len;
}
