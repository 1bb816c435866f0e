/* config.json loader: required fields, defaults, refusals, and the side files
 * that decide pooling, max_seq_length and the query prefix. */
#include "ripvec/modelfile.h"
#include "rvtest.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MINILM_JSON                                                                                \
    "{\"_name_or_path\": \"nreimers/MiniLM-L6-H384-uncased\", \"hidden_act\": \"gelu\", "          \
    "\"hidden_size\": 384, \"intermediate_size\": 1536, \"layer_norm_eps\": 1e-12, "               \
    "\"max_position_embeddings\": 512, \"model_type\": \"bert\", \"num_attention_heads\": 12, "    \
    "\"num_hidden_layers\": 6, \"type_vocab_size\": 2, \"vocab_size\": 30522}"

static char g_root[64];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void put(const char *dir, const char *rel, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* A fresh model directory named `name` under the test root. */
static const char *mkmodel(const char *name, const char *config) {
    static char dir[256];
    snprintf(dir, sizeof dir, "%s/%s", g_root, name);
    nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + strlen(g_root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    mkdir(dir, 0755);
    if (config) put(dir, "config.json", config);
    return dir;
}

static int parse_fails(const char *json, rv_status want, const char *needle) {
    rv_bert_config c;
    rv_status rc = rv_bert_config_parse(&c, json, strlen(json));
    int ok = rc == want && strstr(rv_error_last(), needle) != NULL;
    if (!ok) printf("  got %s: %s\n", rv_status_name(rc), rv_error_last());
    return ok;
}

RV_TEST(parses_minilm_like_config) {
    rv_bert_config c;
    RV_CHECK_EQ_INT(rv_bert_config_parse(&c, MINILM_JSON, strlen(MINILM_JSON)), RV_OK);
    RV_CHECK_EQ_INT(c.vocab_size, 30522);
    RV_CHECK_EQ_INT(c.hidden_size, 384);
    RV_CHECK_EQ_INT(c.num_layers, 6);
    RV_CHECK_EQ_INT(c.num_heads, 12);
    RV_CHECK_EQ_INT(c.intermediate_size, 1536);
    RV_CHECK_EQ_INT(c.max_position_embeddings, 512);
    RV_CHECK_EQ_INT(c.type_vocab_size, 2);
    RV_CHECK_NEAR(c.layer_norm_eps, 1e-12, 1e-18);
    RV_CHECK_STR(c.hidden_act, "gelu");
    RV_CHECK_STR(c.model_type, "bert");
    RV_CHECK_EQ_INT(c.gelu_tanh, 0);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_MEAN);
    RV_CHECK_EQ_INT(c.max_seq_length, 512);
    RV_CHECK_STR(c.query_prefix, "");
}

RV_TEST(applies_defaults) {
    const char *j = "{\"hidden_size\": 64, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                    " \"intermediate_size\": 128, \"vocab_size\": 100}";
    rv_bert_config c;
    RV_CHECK_EQ_INT(rv_bert_config_parse(&c, j, strlen(j)), RV_OK);
    RV_CHECK_EQ_INT(c.max_position_embeddings, 512);
    RV_CHECK_EQ_INT(c.type_vocab_size, 2);
    RV_CHECK_NEAR(c.layer_norm_eps, 1e-12, 1e-18);
    RV_CHECK_STR(c.hidden_act, "gelu");
    RV_CHECK_STR(c.model_type, "bert");
}

RV_TEST(refuses_invalid_json) {
    RV_CHECK(parse_fails("{\"hidden_size\": 384,", RV_ERR_FORMAT, "config.json"));
    RV_CHECK(parse_fails("[1]", RV_ERR_FORMAT, "not a JSON object"));
}

RV_TEST(refuses_missing_field) {
    const char *j = "{\"hidden_size\": 384, \"num_hidden_layers\": 6, \"intermediate_size\": 1536,"
                    " \"vocab_size\": 30522}";
    RV_CHECK(parse_fails(j, RV_ERR_FORMAT, "missing \"num_attention_heads\""));
}

RV_TEST(refuses_wrong_types) {
    const char *j = "{\"hidden_size\": \"384\", \"num_hidden_layers\": 6, \"num_attention_heads\":"
                    " 12, \"intermediate_size\": 1536, \"vocab_size\": 30522}";
    RV_CHECK(parse_fails(j, RV_ERR_FORMAT, "\"hidden_size\" must be a positive integer"));
    j = "{\"hidden_size\": 384, \"num_hidden_layers\": 6.5, \"num_attention_heads\": 12,"
        " \"intermediate_size\": 1536, \"vocab_size\": 30522}";
    RV_CHECK(parse_fails(j, RV_ERR_FORMAT, "num_hidden_layers"));
    j = "{\"hidden_size\": 384, \"num_hidden_layers\": 0, \"num_attention_heads\": 12,"
        " \"intermediate_size\": 1536, \"vocab_size\": 30522}";
    RV_CHECK(parse_fails(j, RV_ERR_FORMAT, "num_hidden_layers"));
    j = "{\"hidden_size\": 384, \"num_hidden_layers\": 6, \"num_attention_heads\": 12,"
        " \"intermediate_size\": 1536, \"vocab_size\": 30522, \"layer_norm_eps\": \"x\"}";
    RV_CHECK(parse_fails(j, RV_ERR_FORMAT, "layer_norm_eps"));
    j = "{\"hidden_size\": 384, \"num_hidden_layers\": 6, \"num_attention_heads\": 12,"
        " \"intermediate_size\": 1536, \"vocab_size\": 30522, \"hidden_act\": 3}";
    RV_CHECK(parse_fails(j, RV_ERR_FORMAT, "hidden_act"));
    j = "{\"hidden_size\": 1e12, \"num_hidden_layers\": 6, \"num_attention_heads\": 12,"
        " \"intermediate_size\": 1536, \"vocab_size\": 30522}";
    RV_CHECK(parse_fails(j, RV_ERR_FORMAT, "hidden_size"));
}

RV_TEST(refuses_hidden_not_divisible_by_heads) {
    const char *j = "{\"hidden_size\": 384, \"num_hidden_layers\": 6, \"num_attention_heads\": 7,"
                    " \"intermediate_size\": 1536, \"vocab_size\": 30522}";
    RV_CHECK(parse_fails(j, RV_ERR_FORMAT, "not a multiple"));
}

RV_TEST(activation_support) {
    const char *j = "{\"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                    " \"intermediate_size\": 16, \"vocab_size\": 10, \"hidden_act\": \"relu\"}";
    RV_CHECK(parse_fails(j, RV_ERR_UNSUPPORTED, "hidden_act 'relu'"));
    j = "{\"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
        " \"intermediate_size\": 16, \"vocab_size\": 10, \"hidden_act\": \"gelu_new\"}";
    rv_bert_config c;
    RV_CHECK_EQ_INT(rv_bert_config_parse(&c, j, strlen(j)), RV_OK);
    RV_CHECK_EQ_INT(c.gelu_tanh, 1);
    RV_CHECK_STR(c.hidden_act, "gelu_new");
    j = "{\"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
        " \"intermediate_size\": 16, \"vocab_size\": 10, \"model_type\": \"roberta\"}";
    RV_CHECK(parse_fails(j, RV_ERR_UNSUPPORTED, "model_type 'roberta'"));
    j = "{\"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
        " \"intermediate_size\": 16, \"vocab_size\": 10, \"position_embedding_type\": \"rotary\"}";
    RV_CHECK(parse_fails(j, RV_ERR_UNSUPPORTED, "position_embedding_type"));
}

RV_TEST(load_errors_name_the_file) {
    const char *d = mkmodel("broken", "{\"hidden_size\": 384,");
    rv_bert_config c;
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_ERR_FORMAT);
    RV_CHECK(strstr(rv_error_last(), "config.json") && strstr(rv_error_last(), d));
    d = mkmodel("missing", NULL);
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_ERR_NOT_FOUND);
    RV_CHECK(strstr(rv_error_last(), "config.json") != NULL);
    d = mkmodel("badpool", MINILM_JSON);
    put(d, "1_Pooling/config.json", "{nope");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_ERR_FORMAT);
    RV_CHECK(strstr(rv_error_last(), "1_Pooling/config.json") != NULL);
    put(d, "1_Pooling/config.json", "{\"pooling_mode_max_tokens\": true}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_ERR_UNSUPPORTED);
    put(d, "1_Pooling/config.json", "{\"pooling_mode_cls_token\": 1}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_ERR_FORMAT);
    d = mkmodel("badsbert", MINILM_JSON);
    put(d, "sentence_bert_config.json", "{\"max_seq_length\": \"long\"}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_ERR_FORMAT);
    RV_CHECK(strstr(rv_error_last(), "sentence_bert_config.json") != NULL);
}

RV_TEST(pooling_from_1_pooling) {
    rv_bert_config c;
    /* 1_Pooling wins over the name rule in both directions. */
    const char *d = mkmodel("bge-like-but-mean", MINILM_JSON);
    put(d, "1_Pooling/config.json",
        "{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": false, "
        "\"pooling_mode_mean_tokens\": true, \"pooling_mode_max_tokens\": false}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_MEAN);
    d = mkmodel("plain", MINILM_JSON);
    put(d, "1_Pooling/config.json",
        "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_CLS);
}

RV_TEST(pooling_without_1_pooling_follows_name_rule) {
    rv_bert_config c;
    const char *d = mkmodel("all-minilm", MINILM_JSON);
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_MEAN);
    RV_CHECK_EQ_INT(c.is_bge, 0);
    RV_CHECK_STR(c.query_prefix, "");

    d = mkmodel("BAAI_bge-small-en-v1.5/", MINILM_JSON);
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_CLS);
    RV_CHECK_STR(c.query_prefix, "Represent this sentence for searching relevant passages: ");

    /* Hugging Face hub layout: the name is two folders up. */
    d = mkmodel(
        "models--BAAI--bge-small-en-v1.5/snapshots/5c38ec7c405ec4b44b94cc5a9bb96e735b38267a",
        MINILM_JSON);
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_CLS);

    /* The name in config.json counts too. */
    d = mkmodel("anon", "{\"_name_or_path\": \"/cache/BAAI_BGE-base\", \"hidden_size\": 8,"
                        " \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                        " \"intermediate_size\": 16, \"vocab_size\": 10}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_CLS);
    RV_CHECK_EQ_INT(c.is_bge, 1);

    /* A "bge" higher up the path is not the model's name. */
    d = mkmodel("bge-parent/minilm", MINILM_JSON);
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_MEAN);
}

RV_TEST(max_seq_length_rules) {
    rv_bert_config c;
    const char *d = mkmodel("seq", MINILM_JSON);
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.max_seq_length, 512); /* nothing else: max_position_embeddings */
    put(d, "tokenizer_config.json", "{\"model_max_length\": 1000000000000000019884624838656}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.max_seq_length, 512); /* the "no limit" sentinel is ignored */
    put(d, "tokenizer_config.json", "{\"model_max_length\": 128}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.max_seq_length, 128);
    put(d, "sentence_bert_config.json", "{\"max_seq_length\": 256, \"do_lower_case\": false}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.max_seq_length, 256); /* sentence-transformers wins */
    put(d, "sentence_bert_config.json", "{\"max_seq_length\": 8192}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_EQ_INT(c.max_seq_length, 512); /* clipped */
}

RV_TEST(query_prefix_from_prompts) {
    rv_bert_config c;
    const char *d = mkmodel("e5ish", MINILM_JSON);
    put(d, "config_sentence_transformers.json",
        "{\"prompts\": {\"query\": \"query: \", \"document\": \"passage: \"}}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_STR(c.query_prefix, "query: ");
    put(d, "config_sentence_transformers.json", "{\"__version__\": {\"pytorch\": \"1.8.1\"}}");
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, d), RV_OK);
    RV_CHECK_STR(c.query_prefix, "");
}

static const char *real_model_dir(char *buf, size_t cap) {
    const char *env = getenv("RIPVEC_TEST_MODEL");
    if (env && *env) return env;
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg)
        snprintf(buf, cap, "%s/ripvec/models/all-minilm-l6-v2", xdg);
    else
        snprintf(buf, cap, "%s/.cache/ripvec/models/all-minilm-l6-v2", getenv("HOME"));
    return buf;
}

RV_TEST(real_minilm_config) {
    char buf[4096];
    rv_bert_config c;
    RV_CHECK_MSG(rv_bert_config_load(&c, real_model_dir(buf, sizeof buf)) == RV_OK, "%s",
                 rv_error_last());
    RV_CHECK_EQ_INT(c.num_layers, 6);
    RV_CHECK_EQ_INT(c.hidden_size, 384);
    RV_CHECK_EQ_INT(c.num_heads, 12);
    RV_CHECK_EQ_INT(c.vocab_size, 30522);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_MEAN);
    RV_CHECK_EQ_INT(c.max_seq_length, 256);
    RV_CHECK_STR(c.query_prefix, "");
}

int main(void) {
    snprintf(g_root, sizeof g_root, "/tmp/rv-cfg-XXXXXX");
    if (!mkdtemp(g_root)) return 1;
    RV_RUN(parses_minilm_like_config);
    RV_RUN(applies_defaults);
    RV_RUN(refuses_invalid_json);
    RV_RUN(refuses_missing_field);
    RV_RUN(refuses_wrong_types);
    RV_RUN(refuses_hidden_not_divisible_by_heads);
    RV_RUN(activation_support);
    RV_RUN(load_errors_name_the_file);
    RV_RUN(pooling_from_1_pooling);
    RV_RUN(pooling_without_1_pooling_follows_name_rule);
    RV_RUN(max_seq_length_rules);
    RV_RUN(query_prefix_from_prompts);
    RV_RUN(real_minilm_config);
    nftw(g_root, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
    return rv_test_summary();
}
