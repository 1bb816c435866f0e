/* config.json and the sentence-transformers side files (see ripvec/modelfile.h). */
#include "ripvec/modelfile.h"
#include "util/fs.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RV_CFG_MAX_BYTES ((size_t)4 << 20)
#define RV_BGE_QUERY_PREFIX "Represent this sentence for searching relevant passages: "

/* Caps that keep a hostile config from asking the engine for absurd sizes. */
enum {
    RV_CFG_MAX_HIDDEN = 1 << 16,
    RV_CFG_MAX_LAYERS = 1024,
    RV_CFG_MAX_VOCAB = 1 << 24,
    RV_CFG_MAX_POS = 1 << 20,
};

static int contains_bge(const char *s, size_t n) {
    for (size_t i = 0; i + 3 <= n; i++)
        if (tolower((unsigned char)s[i]) == 'b' && tolower((unsigned char)s[i + 1]) == 'g' &&
            tolower((unsigned char)s[i + 2]) == 'e')
            return 1;
    return 0;
}

/* The bge name rule on a directory path: its own name, or for a hub snapshot
 * (".../models--BAAI--bge-small-en-v1.5/snapshots/<hash>") the repo folder. */
static int dir_says_bge(const char *dir) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    const char *comp[3] = {0};
    size_t clen[3] = {0};
    size_t end = n;
    for (int k = 0; k < 3 && end > 0; k++) {
        size_t b = end;
        while (b > 0 && dir[b - 1] != '/')
            b--;
        comp[k] = dir + b;
        clen[k] = end - b;
        end = b;
        while (end > 0 && dir[end - 1] == '/')
            end--;
    }
    if (comp[0] && contains_bge(comp[0], clen[0])) return 1;
    if (comp[1] && clen[1] == 9 && memcmp(comp[1], "snapshots", 9) == 0 && comp[2] &&
        contains_bge(comp[2], clen[2]))
        return 1;
    return 0;
}

/* A positive JSON integer no larger than cap. */
static int json_pos_int(const cJSON *it, int cap, int *out) {
    if (!cJSON_IsNumber(it)) return 0;
    double v = it->valuedouble;
    if (!(v >= 1.0) || v > (double)cap || floor(v) != v) return 0;
    *out = (int)v;
    return 1;
}

static rv_status need_int(const cJSON *root, const char *key, int cap, int *out) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!it) return rv_error_set(RV_ERR_FORMAT, "config.json: missing \"%s\"", key);
    if (!json_pos_int(it, cap, out))
        return rv_error_set(RV_ERR_FORMAT, "config.json: \"%s\" must be a positive integer (<= %d)",
                            key, cap);
    return RV_OK;
}

static rv_status opt_int(const cJSON *root, const char *key, int cap, int *out) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!it || cJSON_IsNull(it)) return RV_OK;
    if (!json_pos_int(it, cap, out))
        return rv_error_set(RV_ERR_FORMAT, "config.json: \"%s\" must be a positive integer (<= %d)",
                            key, cap);
    return RV_OK;
}

static rv_status opt_str(const cJSON *root, const char *key, char *dst, size_t cap) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!it || cJSON_IsNull(it)) return RV_OK;
    if (!cJSON_IsString(it))
        return rv_error_set(RV_ERR_FORMAT, "config.json: \"%s\" must be a string", key);
    if (strlen(it->valuestring) >= cap)
        return rv_error_set(RV_ERR_UNSUPPORTED, "config.json: \"%s\" value '%.40s' is too long",
                            key, it->valuestring);
    strcpy(dst, it->valuestring);
    return RV_OK;
}

static rv_status parse_root(rv_bert_config *c, const cJSON *root) {
    rv_status rc;
    memset(c, 0, sizeof *c);
    c->max_position_embeddings = 512;
    c->type_vocab_size = 2;
    c->layer_norm_eps = 1e-12f;
    strcpy(c->hidden_act, "gelu");
    strcpy(c->model_type, "bert");
    if (!cJSON_IsObject(root))
        return rv_error_set(RV_ERR_FORMAT, "config.json: top level is not a JSON object");
    if ((rc = need_int(root, "hidden_size", RV_CFG_MAX_HIDDEN, &c->hidden_size)) ||
        (rc = need_int(root, "num_hidden_layers", RV_CFG_MAX_LAYERS, &c->num_layers)) ||
        (rc = need_int(root, "num_attention_heads", RV_CFG_MAX_HIDDEN, &c->num_heads)) ||
        (rc = need_int(root, "intermediate_size", RV_CFG_MAX_HIDDEN * 8, &c->intermediate_size)) ||
        (rc = need_int(root, "vocab_size", RV_CFG_MAX_VOCAB, &c->vocab_size)) ||
        (rc = opt_int(root, "max_position_embeddings", RV_CFG_MAX_POS,
                      &c->max_position_embeddings)) ||
        (rc = opt_int(root, "type_vocab_size", 1 << 16, &c->type_vocab_size)) ||
        (rc = opt_str(root, "hidden_act", c->hidden_act, sizeof c->hidden_act)) ||
        (rc = opt_str(root, "model_type", c->model_type, sizeof c->model_type)))
        return rc;
    if (c->hidden_size % c->num_heads != 0)
        return rv_error_set(RV_ERR_FORMAT,
                            "config.json: hidden_size %d is not a multiple of "
                            "num_attention_heads %d",
                            c->hidden_size, c->num_heads);
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(root, "layer_norm_eps");
    if (eps && !cJSON_IsNull(eps)) {
        if (!cJSON_IsNumber(eps) || !(eps->valuedouble > 0.0) || !(eps->valuedouble < 1.0))
            return rv_error_set(RV_ERR_FORMAT,
                                "config.json: \"layer_norm_eps\" must be a number in (0, 1)");
        c->layer_norm_eps = (float)eps->valuedouble;
    }
    if (strcmp(c->hidden_act, "gelu_new") == 0 || strcmp(c->hidden_act, "gelu_pytorch_tanh") == 0)
        c->gelu_tanh = 1;
    else if (strcmp(c->hidden_act, "gelu") != 0)
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "config.json: hidden_act '%s' is not supported (only gelu)",
                            c->hidden_act);
    if (strcmp(c->model_type, "bert") != 0)
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "config.json: model_type '%s' is not supported (only bert)",
                            c->model_type);
    const cJSON *pet = cJSON_GetObjectItemCaseSensitive(root, "position_embedding_type");
    if (pet && !cJSON_IsNull(pet) &&
        (!cJSON_IsString(pet) || strcmp(pet->valuestring, "absolute") != 0))
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "config.json: position_embedding_type must be \"absolute\"");
    const cJSON *nop = cJSON_GetObjectItemCaseSensitive(root, "_name_or_path");
    if (cJSON_IsString(nop) && contains_bge(nop->valuestring, strlen(nop->valuestring)))
        c->is_bge = 1;
    c->pooling = c->is_bge ? RV_POOLING_CLS : RV_POOLING_MEAN;
    c->max_seq_length = c->max_position_embeddings;
    if (c->is_bge) strcpy(c->query_prefix, RV_BGE_QUERY_PREFIX);
    return RV_OK;
}

rv_status rv_bert_config_parse(rv_bert_config *out, const char *json, size_t len) {
    memset(out, 0, sizeof *out);
    if (!json) return rv_error_set(RV_ERR_INVALID_ARG, "config.json: NULL text");
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) return rv_error_set(RV_ERR_FORMAT, "config.json: not valid JSON");
    rv_bert_config c;
    rv_status rc = parse_root(&c, root);
    cJSON_Delete(root);
    if (rc == RV_OK) *out = c;
    return rc;
}

/* Parses dir/rel into *out. A missing file gives RV_ERR_NOT_FOUND without
 * touching the error message, so optional files can be skipped cheaply. */
static rv_status load_json(cJSON **out, const char *dir, const char *rel) {
    *out = NULL;
    char *path = rv_path_join(dir, rel);
    if (!path) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    rv_status rc = RV_OK;
    char *text = NULL;
    size_t len = 0;
    if (!rv_path_exists(path)) {
        rc = RV_ERR_NOT_FOUND;
        goto done;
    }
    if ((rc = rv_read_file(&text, &len, path, RV_CFG_MAX_BYTES)) != RV_OK) goto done;
    *out = cJSON_ParseWithLength(text, len);
    if (!*out) rc = rv_error_set(RV_ERR_FORMAT, "%s: not valid JSON", path);
done:
    free(text);
    free(path);
    return rc;
}

static rv_status read_pooling(rv_bert_config *c, const char *dir) {
    cJSON *p = NULL;
    rv_status rc = load_json(&p, dir, "1_Pooling/config.json");
    if (rc == RV_ERR_NOT_FOUND) return RV_OK;
    if (rc != RV_OK) return rc;
    const char *modes[] = {"pooling_mode_cls_token",           "pooling_mode_mean_tokens",
                           "pooling_mode_max_tokens",          "pooling_mode_mean_sqrt_len_tokens",
                           "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"};
    int on[6] = {0}, n_on = 0;
    for (int i = 0; i < 6; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(p, modes[i]);
        if (it && !cJSON_IsBool(it)) {
            rc = rv_error_set(RV_ERR_FORMAT, "1_Pooling/config.json: \"%s\" must be true or false",
                              modes[i]);
            goto done;
        }
        on[i] = cJSON_IsTrue(it);
        n_on += on[i];
    }
    if (n_on == 1 && on[0])
        c->pooling = RV_POOLING_CLS;
    else if (n_on == 1 && on[1])
        c->pooling = RV_POOLING_MEAN;
    else
        rc = rv_error_set(RV_ERR_UNSUPPORTED,
                          "1_Pooling/config.json: only CLS or mean pooling (exactly one) is "
                          "supported");
done:
    cJSON_Delete(p);
    return rc;
}

static rv_status read_max_seq(rv_bert_config *c, const char *dir) {
    cJSON *j = NULL;
    rv_status rc = load_json(&j, dir, "sentence_bert_config.json");
    int v = 0;
    if (rc == RV_OK) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, "max_seq_length");
        if (it && !json_pos_int(it, INT_MAX, &v)) {
            rc = rv_error_set(RV_ERR_FORMAT,
                              "sentence_bert_config.json: \"max_seq_length\" must be a positive "
                              "integer");
            goto done;
        }
    } else if (rc != RV_ERR_NOT_FOUND) {
        goto done;
    }
    cJSON_Delete(j);
    j = NULL;
    if (v == 0) {
        rc = load_json(&j, dir, "tokenizer_config.json");
        if (rc == RV_OK) {
            /* Often a huge sentinel (1e30) meaning "no limit": ignore those. */
            int m;
            if (json_pos_int(cJSON_GetObjectItemCaseSensitive(j, "model_max_length"), INT_MAX,
                             &m) &&
                m <= c->max_position_embeddings)
                v = m;
        } else if (rc != RV_ERR_NOT_FOUND) {
            goto done;
        }
    }
    rc = RV_OK;
    if (v == 0 || v > c->max_position_embeddings) v = c->max_position_embeddings;
    c->max_seq_length = v;
done:
    cJSON_Delete(j);
    return rc;
}

static rv_status read_prompt(rv_bert_config *c, const char *dir) {
    if (c->is_bge) {
        strcpy(c->query_prefix, RV_BGE_QUERY_PREFIX);
        return RV_OK;
    }
    c->query_prefix[0] = '\0';
    cJSON *j = NULL;
    rv_status rc = load_json(&j, dir, "config_sentence_transformers.json");
    if (rc == RV_ERR_NOT_FOUND) return RV_OK;
    if (rc != RV_OK) return rc;
    const cJSON *prompts = cJSON_GetObjectItemCaseSensitive(j, "prompts");
    const cJSON *q =
        cJSON_IsObject(prompts) ? cJSON_GetObjectItemCaseSensitive(prompts, "query") : NULL;
    if (cJSON_IsString(q)) {
        if (strlen(q->valuestring) >= sizeof c->query_prefix)
            rc = rv_error_set(RV_ERR_UNSUPPORTED,
                              "config_sentence_transformers.json: query prompt longer than %zu "
                              "bytes",
                              sizeof c->query_prefix - 1);
        else
            strcpy(c->query_prefix, q->valuestring);
    }
    cJSON_Delete(j);
    return rc;
}

rv_status rv_bert_config_load(rv_bert_config *out, const char *model_dir) {
    memset(out, 0, sizeof *out);
    if (!model_dir) return rv_error_set(RV_ERR_INVALID_ARG, "model directory is NULL");
    cJSON *root = NULL;
    rv_bert_config c;
    rv_status rc = load_json(&root, model_dir, "config.json");
    if (rc == RV_ERR_NOT_FOUND) {
        rc = rv_error_set(RV_ERR_NOT_FOUND, "%s: no config.json in this directory", model_dir);
        goto done;
    }
    if (rc != RV_OK) goto done;
    if ((rc = parse_root(&c, root)) != RV_OK) {
        rv_error_prefix(rc, model_dir);
        goto done;
    }
    if (dir_says_bge(model_dir)) c.is_bge = 1;
    c.pooling = c.is_bge ? RV_POOLING_CLS : RV_POOLING_MEAN;
    if ((rc = read_pooling(&c, model_dir)) != RV_OK ||
        (rc = read_max_seq(&c, model_dir)) != RV_OK || (rc = read_prompt(&c, model_dir)) != RV_OK) {
        if (strstr(rv_error_last(), model_dir) != rv_error_last()) rv_error_prefix(rc, model_dir);
        goto done;
    }
    *out = c;
done:
    cJSON_Delete(root);
    return rc;
}
