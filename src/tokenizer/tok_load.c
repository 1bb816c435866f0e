/*
 * tokenizer/tok_load.c — loading a tokenizer.json (or a bare vocab.txt with
 * BERT defaults) into an immutable rv_tokenizer.
 */
#include "tokenizer/tok_internal.h"
#include "util/fs.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FILE = 64u << 20 };

static char *dup_n(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static rv_status nomem(void) {
    return rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory");
}

/* ---- small typed getters: missing or null gives the default ----------- */

static rv_status get_bool(const cJSON *o, const char *key, int def, int *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = def;
        return RV_OK;
    }
    if (!cJSON_IsBool(v))
        return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: \"%s\" is not a boolean", key);
    *out = cJSON_IsTrue(v);
    return RV_OK;
}

static rv_status get_str(const cJSON *o, const char *key, const char *def, const char **out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = def;
        return RV_OK;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: \"%s\" is not a string", key);
    *out = v->valuestring;
    return RV_OK;
}

static int as_id(const cJSON *v, int32_t *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= 0 && d <= 2147483647.0) || floor(d) != d) return 0;
    *out = (int32_t)d;
    return 1;
}

/* Added tokens and vocabulary, the way Tokenizer::token_to_id looks. */
static int32_t lookup(const rv_tokenizer *tk, const char *s) {
    size_t n = strlen(s);
    for (size_t i = 0; i < tk->n_added; i++)
        if (tk->added[i].len == n && memcmp(tk->added[i].content, s, n) == 0)
            return tk->added[i].id;
    return rv_tok_vocab_get2(&tk->vocab, NULL, 0, s, n);
}

static rv_status add_added(rv_tokenizer *tk, const char *content, int32_t id, int lstrip,
                           int rstrip, int single_word, int normalized) {
    void *p = realloc(tk->added, (tk->n_added + 1) * sizeof *tk->added);
    if (!p) return nomem();
    tk->added = p;
    rv_tok_added *a = &tk->added[tk->n_added];
    memset(a, 0, sizeof *a);
    a->len = strlen(content);
    a->content = dup_n(content, a->len);
    if (!a->content) return nomem();
    a->id = id;
    a->lstrip = (unsigned char)lstrip;
    a->rstrip = (unsigned char)rstrip;
    a->single_word = (unsigned char)single_word;
    a->normalized = (unsigned char)normalized;
    tk->n_added++;
    return RV_OK;
}

const rv_tok_trie *rv_tok_trie_for(const rv_tokenizer *ctk, size_t len) {
    rv_tokenizer *tk = (rv_tokenizer *)(uintptr_t)ctk; /* only the lazy trie fields change */
    int s = atomic_load_explicit(&tk->trie_state, memory_order_acquire);
    if (s) return s == 1 ? &tk->trie : NULL;
    size_t seen = atomic_fetch_add_explicit(&tk->trie_seen, len, memory_order_relaxed);
    if (seen + len < RV_TOK_TRIE_AFTER || !tk->trie_mu_ok) return NULL;
    pthread_mutex_lock(&tk->trie_mu);
    if (!atomic_load_explicit(&tk->trie_state, memory_order_relaxed)) {
        /* too big (built == 0) or out of memory: the hash table serves */
        int ok = rv_tok_trie_build(&tk->trie, &tk->vocab, tk->prefix, tk->prefix_len) == RV_OK &&
                 tk->trie.built;
        atomic_store_explicit(&tk->trie_state, ok ? 1 : 2, memory_order_release);
    }
    pthread_mutex_unlock(&tk->trie_mu);
    return atomic_load_explicit(&tk->trie_state, memory_order_acquire) == 1 ? &tk->trie : NULL;
}

rv_status rv_tok_finish(rv_tokenizer *tk) {
    tk->max_first = tk->vocab.max_key;
    tk->max_cont = rv_tok_vocab_max_suffix(&tk->vocab, tk->prefix, tk->prefix_len);
    memset(tk->added_first, 0, sizeof tk->added_first);
    for (size_t i = 0; i < tk->n_added; i++)
        if (tk->added[i].len && !tk->added[i].normalized)
            tk->added_first[(unsigned char)tk->added[i].content[0]] = 1;
    for (uint32_t b = 0; b < 128; b++) {
        uint32_t c = b;
        if (tk->clean_text) {
            if (c == 0 || rv_tok_is_control(c)) {
                tk->asc_class[b] = RV_TOK_ASC_DROP;
                tk->asc_map[b] = 0;
                continue;
            }
            if (rv_tok_is_whitespace(c)) c = ' ';
        }
        if (tk->lowercase && c >= 'A' && c <= 'Z') c += 32;
        tk->asc_map[b] = (char)c;
        tk->asc_class[b] = rv_tok_is_whitespace(c) ? RV_TOK_ASC_SPACE
                           : rv_tok_is_punct(c)    ? RV_TOK_ASC_PUNCT
                                                   : RV_TOK_ASC_WORD;
    }
    tk->unk_id = rv_tok_vocab_get2(&tk->vocab, NULL, 0, tk->unk_token, strlen(tk->unk_token));
    if (tk->unk_id < 0)
        return rv_error_set(RV_ERR_FORMAT, "tokenizer: unk token \"%s\" is not in the vocabulary",
                            tk->unk_token);
    return RV_OK;
}

/* ---- tokenizer.json --------------------------------------------------- */

static rv_status parse_normalizer(rv_tokenizer *tk, const cJSON *n) {
    if (!n || cJSON_IsNull(n)) return RV_OK; /* no normalizer: all steps off */
    const char *type;
    rv_status st;
    if (!cJSON_IsObject(n))
        return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: \"normalizer\" is not an object");
    if ((st = get_str(n, "type", "", &type))) return st;
    if (strcmp(type, "BertNormalizer") != 0)
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "tokenizer.json: normalizer \"%s\" is not supported", type);
    if ((st = get_bool(n, "clean_text", 1, &tk->clean_text))) return st;
    if ((st = get_bool(n, "handle_chinese_chars", 1, &tk->handle_chinese))) return st;
    if ((st = get_bool(n, "lowercase", 1, &tk->lowercase))) return st;
    /* strip_accents: null follows lowercase, as in the original BERT. */
    return get_bool(n, "strip_accents", tk->lowercase, &tk->strip_accents);
}

/* have_vocab: the fast scanner already put model.vocab (blanked in m). */
static rv_status parse_model(rv_tokenizer *tk, const cJSON *m, int have_vocab) {
    rv_status st;
    const char *type, *unk, *prefix;
    if (!cJSON_IsObject(m))
        return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: \"model\" is missing or not an object");
    if ((st = get_str(m, "type", "WordPiece", &type))) return st;
    if (strcmp(type, "WordPiece") != 0)
        return rv_error_set(RV_ERR_UNSUPPORTED, "tokenizer.json: model \"%s\" is not supported",
                            type);
    if ((st = get_str(m, "unk_token", "[UNK]", &unk))) return st;
    if ((st = get_str(m, "continuing_subword_prefix", "##", &prefix))) return st;
    tk->unk_token = dup_n(unk, strlen(unk));
    tk->prefix_len = strlen(prefix);
    tk->prefix = dup_n(prefix, tk->prefix_len);
    if (!tk->unk_token || !tk->prefix) return nomem();
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(m, "max_input_chars_per_word");
    tk->max_chars = 100;
    if (mc && !cJSON_IsNull(mc)) {
        if (!cJSON_IsNumber(mc) || !(mc->valuedouble >= 0))
            return rv_error_set(RV_ERR_FORMAT,
                                "tokenizer.json: \"max_input_chars_per_word\" is not a count");
        double d = mc->valuedouble;
        tk->max_chars = d > 1e12 ? (size_t)1e12 : (size_t)d;
    }
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(m, "vocab");
    if (!cJSON_IsObject(vocab))
        return rv_error_set(RV_ERR_FORMAT,
                            "tokenizer.json: model.vocab is missing or not an object");
    const cJSON *e;
    if (have_vocab) vocab = NULL; /* an empty object in what cJSON saw */
    cJSON_ArrayForEach(e, vocab) {
        int32_t id;
        if (!e->string || !as_id(e, &id))
            return rv_error_set(RV_ERR_FORMAT,
                                "tokenizer.json: vocab entry \"%.40s\" has no valid id",
                                e->string ? e->string : "");
        if ((st = rv_tok_vocab_put(&tk->vocab, e->string, strlen(e->string), id))) return st;
    }
    if (!tk->vocab.n) return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: model.vocab is empty");
    return RV_OK;
}

static rv_status parse_added(rv_tokenizer *tk, const cJSON *arr) {
    if (!arr || cJSON_IsNull(arr)) return RV_OK;
    if (!cJSON_IsArray(arr))
        return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: \"added_tokens\" is not an array");
    const cJSON *t;
    cJSON_ArrayForEach(t, arr) {
        rv_status st;
        const char *content;
        int32_t id;
        int special, lstrip, rstrip, single, normalized;
        if (!cJSON_IsObject(t) || !as_id(cJSON_GetObjectItemCaseSensitive(t, "id"), &id))
            return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: an added token has no valid id");
        if ((st = get_str(t, "content", NULL, &content))) return st;
        if (!content)
            return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: an added token has no content");
        if ((st = get_bool(t, "special", 0, &special)) ||
            (st = get_bool(t, "lstrip", 0, &lstrip)) || (st = get_bool(t, "rstrip", 0, &rstrip)) ||
            (st = get_bool(t, "single_word", 0, &single)) ||
            (st = get_bool(t, "normalized", !special, &normalized)))
            return st;
        if (!*content) continue;
        if ((st = add_added(tk, content, id, lstrip, rstrip, single, normalized))) return st;
    }
    return RV_OK;
}

/* The id a TemplateProcessing piece names, e.g. {"SpecialToken": {"id": "[CLS]"}}. */
static rv_status template_special(const cJSON *item, const cJSON *specials, int32_t *out) {
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(item, "SpecialToken");
    const cJSON *name = sp ? cJSON_GetObjectItemCaseSensitive(sp, "id") : NULL;
    if (!cJSON_IsString(name))
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "tokenizer.json: post_processor template is not [CLS] $A [SEP]");
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(specials, name->valuestring);
    const cJSON *ids = def ? cJSON_GetObjectItemCaseSensitive(def, "ids") : NULL;
    if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) != 1 ||
        !as_id(cJSON_GetArrayItem(ids, 0), out))
        return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: special token \"%.40s\" has no id",
                            name->valuestring);
    return RV_OK;
}

static rv_status parse_post(rv_tokenizer *tk, const cJSON *p) {
    tk->cls_id = lookup(tk, "[CLS]");
    tk->sep_id = lookup(tk, "[SEP]");
    if (p && !cJSON_IsNull(p)) {
        const char *type;
        rv_status st;
        if (!cJSON_IsObject(p))
            return rv_error_set(RV_ERR_FORMAT,
                                "tokenizer.json: \"post_processor\" is not an object");
        if ((st = get_str(p, "type", "", &type))) return st;
        if (strcmp(type, "TemplateProcessing") == 0) {
            const cJSON *single = cJSON_GetObjectItemCaseSensitive(p, "single");
            const cJSON *specials = cJSON_GetObjectItemCaseSensitive(p, "special_tokens");
            if (!cJSON_IsArray(single) || cJSON_GetArraySize(single) != 3 ||
                !cJSON_IsObject(specials))
                return rv_error_set(
                    RV_ERR_UNSUPPORTED,
                    "tokenizer.json: post_processor template is not [CLS] $A [SEP]");
            if ((st = template_special(cJSON_GetArrayItem(single, 0), specials, &tk->cls_id)) ||
                (st = template_special(cJSON_GetArrayItem(single, 2), specials, &tk->sep_id)))
                return st;
        } else if (strcmp(type, "BertProcessing") == 0) {
            const cJSON *cls = cJSON_GetObjectItemCaseSensitive(p, "cls");
            const cJSON *sep = cJSON_GetObjectItemCaseSensitive(p, "sep");
            if (!cJSON_IsArray(cls) || !cJSON_IsArray(sep) ||
                !as_id(cJSON_GetArrayItem(cls, 1), &tk->cls_id) ||
                !as_id(cJSON_GetArrayItem(sep, 1), &tk->sep_id))
                return rv_error_set(RV_ERR_FORMAT,
                                    "tokenizer.json: BertProcessing needs cls and sep");
        } else {
            return rv_error_set(RV_ERR_UNSUPPORTED,
                                "tokenizer.json: post_processor \"%s\" is not supported", type);
        }
    }
    if (tk->cls_id < 0 || tk->sep_id < 0)
        return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: no [CLS]/[SEP] token");
    /* The post-processor names ids directly: one past the vocabulary would
     * index past the model's embedding table. */
    size_t vocab = rv_tokenizer_vocab_size(tk);
    if ((size_t)tk->cls_id >= vocab || (size_t)tk->sep_id >= vocab)
        return rv_error_set(RV_ERR_FORMAT,
                            "tokenizer.json: post_processor's [CLS]/[SEP] id %d/%d is outside "
                            "the vocabulary (%zu ids)",
                            (int)tk->cls_id, (int)tk->sep_id, vocab);
    return RV_OK;
}

static rv_status parse_root(rv_tokenizer *tk, const cJSON *root, int have_vocab) {
    rv_status st;
    if (!cJSON_IsObject(root))
        return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: not a JSON object");
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    const char *pre_type = NULL;
    if (cJSON_IsObject(pre) && (st = get_str(pre, "type", "", &pre_type))) return st;
    if (!pre_type || strcmp(pre_type, "BertPreTokenizer") != 0)
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "tokenizer.json: pre_tokenizer must be BertPreTokenizer");
    if ((st = parse_normalizer(tk, cJSON_GetObjectItemCaseSensitive(root, "normalizer"))) ||
        (st = parse_model(tk, cJSON_GetObjectItemCaseSensitive(root, "model"), have_vocab)) ||
        (st = parse_added(tk, cJSON_GetObjectItemCaseSensitive(root, "added_tokens"))) ||
        (st = parse_post(tk, cJSON_GetObjectItemCaseSensitive(root, "post_processor"))))
        return st;
    const cJSON *pad = cJSON_GetObjectItemCaseSensitive(root, "padding");
    tk->pad_id = lookup(tk, "[PAD]");
    if (cJSON_IsObject(pad)) {
        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(pad, "pad_id");
        if (pid && !as_id(pid, &tk->pad_id))
            return rv_error_set(RV_ERR_FORMAT, "tokenizer.json: padding.pad_id is not an id");
    }
    return rv_tok_finish(tk);
}

static rv_tokenizer *tk_new(void) {
    rv_tokenizer *tk = calloc(1, sizeof *tk);
    if (!tk) return NULL;
    tk->unk_id = tk->cls_id = tk->sep_id = tk->pad_id = -1;
    atomic_init(&tk->trie_state, 0);
    atomic_init(&tk->trie_seen, 0);
    tk->trie_mu_ok = pthread_mutex_init(&tk->trie_mu, NULL) == 0;
    return tk;
}

rv_status rv_tokenizer_load_json(rv_tokenizer **out, const char *json, size_t len) {
    if (!out || (!json && len))
        return rv_error_set(RV_ERR_INVALID_ARG, "tokenizer: load_json needs out and json");
    *out = NULL;
    rv_status st = RV_OK;
    cJSON *root = NULL;
    char *rest = NULL;
    size_t vb = 0, ve = 0;
    int fast = 0;
    rv_tokenizer *tk = tk_new();
    if (!tk) return nomem();
    if ((st = rv_tok_json_vocab(&tk->vocab, json ? json : "", len, &vb, &ve, &fast)) != RV_OK)
        goto done;
    if (fast) {
        /* cJSON checks and reads everything else, the vocab object blanked */
        if (!(rest = malloc(len ? len : 1))) {
            st = nomem();
            goto done;
        }
        memcpy(rest, json, len);
        memset(rest + vb + 1, ' ', ve - vb - 2);
    }
    root = cJSON_ParseWithLength(fast ? rest : json ? json : "", len);
    if (!root) {
        st = rv_error_set(RV_ERR_FORMAT, "tokenizer.json: invalid JSON");
        goto done;
    }
    st = parse_root(tk, root, fast);
done:
    cJSON_Delete(root);
    free(rest);
    if (st != RV_OK) {
        rv_tokenizer_free(tk);
        return st;
    }
    *out = tk;
    return RV_OK;
}

/* ---- vocab.txt + tokenizer_config.json -------------------------------- */

static rv_status load_vocab_txt(rv_tokenizer *tk, const char *dir) {
    rv_status st;
    char *vpath = rv_path_join(dir, "vocab.txt");
    char *cpath = rv_path_join(dir, "tokenizer_config.json");
    char *text = NULL, *cfg = NULL;
    cJSON *root = NULL;
    size_t n = 0, cn = 0;
    if (!vpath || !cpath) {
        st = nomem();
        goto done;
    }
    if ((st = rv_read_file(&text, &n, vpath, MAX_FILE))) {
        st = rv_error_prefix(st, vpath);
        goto done;
    }
    /* One token per line, id = line number; trailing whitespace trimmed. */
    int32_t id = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && text[j] != '\n')
            j++;
        size_t e = j;
        while (e > i && (text[e - 1] == ' ' || (text[e - 1] >= '\t' && text[e - 1] <= '\r')))
            e--;
        if ((st = rv_tok_vocab_put(&tk->vocab, text + i, e - i, id))) goto done;
        if (id == INT32_MAX) break;
        id++;
        i = j + 1;
    }
    if (!tk->vocab.n) {
        st = rv_error_set(RV_ERR_FORMAT, "%s: empty vocabulary", vpath);
        goto done;
    }
    tk->clean_text = 1;
    tk->handle_chinese = 1;
    tk->lowercase = 1;
    int strip = -1;
    if (rv_path_exists(cpath)) {
        if ((st = rv_read_file(&cfg, &cn, cpath, MAX_FILE))) {
            st = rv_error_prefix(st, cpath);
            goto done;
        }
        root = cJSON_ParseWithLength(cfg, cn);
        if (!cJSON_IsObject(root)) {
            st = rv_error_set(RV_ERR_FORMAT, "%s: invalid JSON", cpath);
            goto done;
        }
        if ((st = get_bool(root, "do_lower_case", 1, &tk->lowercase)) ||
            (st = get_bool(root, "tokenize_chinese_chars", 1, &tk->handle_chinese)) ||
            (st = get_bool(root, "strip_accents", -1, &strip))) {
            st = rv_error_prefix(st, cpath);
            goto done;
        }
    }
    tk->strip_accents = strip < 0 ? tk->lowercase : strip;
    tk->unk_token = dup_n("[UNK]", 5);
    tk->prefix = dup_n("##", 2);
    tk->prefix_len = 2;
    tk->max_chars = 100;
    if (!tk->unk_token || !tk->prefix) {
        st = nomem();
        goto done;
    }
    /* BertTokenizerFast registers its special tokens as non-normalized
     * added tokens. */
    static const char *const specials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        int32_t sid = rv_tok_vocab_get2(&tk->vocab, NULL, 0, specials[i], strlen(specials[i]));
        if (sid >= 0 && (st = add_added(tk, specials[i], sid, 0, 0, 0, 0))) goto done;
    }
    tk->cls_id = lookup(tk, "[CLS]");
    tk->sep_id = lookup(tk, "[SEP]");
    tk->pad_id = lookup(tk, "[PAD]");
    if (tk->cls_id < 0 || tk->sep_id < 0) {
        st = rv_error_set(RV_ERR_FORMAT, "%s: no [CLS]/[SEP] token", vpath);
        goto done;
    }
    if ((st = rv_tok_finish(tk))) st = rv_error_prefix(st, vpath);
done:
    cJSON_Delete(root);
    free(cfg);
    free(text);
    free(vpath);
    free(cpath);
    return st;
}

rv_status rv_tokenizer_load(rv_tokenizer **out, const char *model_dir) {
    if (!out || !model_dir)
        return rv_error_set(RV_ERR_INVALID_ARG, "tokenizer: load needs out and a directory");
    *out = NULL;
    rv_status st;
    char *text = NULL;
    size_t n = 0;
    rv_tokenizer *tk = NULL;
    char *path = rv_path_join(model_dir, "tokenizer.json");
    if (!path) return nomem();
    if (rv_path_exists(path)) {
        st = rv_read_file(&text, &n, path, MAX_FILE);
        if (st != RV_OK)
            st = rv_error_prefix(st, path);
        else if ((st = rv_tokenizer_load_json(&tk, text, n)) != RV_OK)
            st = rv_error_prefix(st, model_dir);
        goto done;
    }
    char *vpath = rv_path_join(model_dir, "vocab.txt");
    int have_vocab = vpath && rv_path_exists(vpath);
    free(vpath);
    if (!have_vocab) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "%s: no tokenizer.json or vocab.txt", model_dir);
        goto done;
    }
    if (!(tk = tk_new())) {
        st = nomem();
        goto done;
    }
    if ((st = load_vocab_txt(tk, model_dir))) {
        rv_tokenizer_free(tk);
        tk = NULL;
    }
done:
    free(text);
    free(path);
    *out = tk;
    return st;
}

int32_t rv_tokenizer_token_id(const rv_tokenizer *tk, const char *token) {
    return tk && token ? lookup(tk, token) : -1;
}

size_t rv_tokenizer_vocab_size(const rv_tokenizer *tk) {
    if (!tk) return 0;
    int32_t m = tk->vocab.max_id;
    for (size_t i = 0; i < tk->n_added; i++)
        if (tk->added[i].id > m) m = tk->added[i].id;
    return (size_t)m + 1;
}

int32_t rv_tokenizer_special_id(const rv_tokenizer *tk, const char *what) {
    if (!tk || !what) return -1;
    if (!strcmp(what, "cls")) return tk->cls_id;
    if (!strcmp(what, "sep")) return tk->sep_id;
    if (!strcmp(what, "pad")) return tk->pad_id;
    if (!strcmp(what, "unk")) return tk->unk_id;
    return -1;
}

void rv_tokenizer_free(rv_tokenizer *tk) {
    if (!tk) return;
    rv_tok_vocab_release(&tk->vocab);
    rv_tok_trie_release(&tk->trie);
    if (tk->trie_mu_ok) pthread_mutex_destroy(&tk->trie_mu);
    for (size_t i = 0; i < tk->n_added; i++)
        free(tk->added[i].content);
    free(tk->added);
    free(tk->unk_token);
    free(tk->prefix);
    free(tk);
}
