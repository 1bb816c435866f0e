/*
 * test_tokenizer — WordPiece tokenizer: parity with HF tokenizers on the
 * MiniLM golden set, each pipeline stage, hand-written and malformed
 * tokenizer.json files, the vocab.txt fallback, threads.
 */
#include "rvtest.h"
#include "tokenizer/tok_internal.h"
#include "util/fs.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define DATA "tests/data/tokenizer"

static char *model_dir(void) {
    const char *e = getenv("RIPVEC_TEST_MODEL");
    if (e && *e) return strdup(e);
    const char *x = getenv("XDG_CACHE_HOME");
    const char *h = getenv("HOME");
    char buf[4096];
    if (x && *x)
        snprintf(buf, sizeof buf, "%s/ripvec/models/all-minilm-l6-v2", x);
    else
        snprintf(buf, sizeof buf, "%s/.cache/ripvec/models/all-minilm-l6-v2", h ? h : "");
    return strdup(buf);
}

static rv_tokenizer *load_model(void) {
    char *dir = model_dir();
    rv_tokenizer *tk = NULL;
    rv_status st = rv_tokenizer_load(&tk, dir);
    RV_CHECK_MSG(st == RV_OK, "loading the model tokenizer from %s: %s (set RIPVEC_TEST_MODEL)",
                 dir, rv_error_last());
    free(dir);
    return tk;
}

/* ---- golden set ------------------------------------------------------- */

typedef struct {
    unsigned char *bytes;
    size_t len;
    int32_t *ids;
    size_t n_ids;
    size_t count;
} golden;

static size_t b64_decode(const char *s, unsigned char *out) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        const char *p = strchr(tbl, *s);
        if (!p) continue;
        acc = (acc << 6) | (unsigned)(p - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static golden *read_golden(size_t *count) {
    char *text = NULL;
    size_t len = 0;
    *count = 0;
    if (rv_read_file(&text, &len, DATA "/minilm_golden.jsonl", 8u << 20) != RV_OK) {
        RV_CHECK_MSG(0, "%s", rv_error_last());
        return NULL;
    }
    size_t cap = 0;
    golden *g = NULL;
    int first = 1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (first) { /* header: versions */
            first = 0;
            continue;
        }
        cJSON *o = cJSON_Parse(line);
        const cJSON *b = cJSON_GetObjectItem(o, "b64"), *ids = cJSON_GetObjectItem(o, "ids"),
                    *n = cJSON_GetObjectItem(o, "n");
        if (!cJSON_IsString(b) || !cJSON_IsArray(ids) || !cJSON_IsNumber(n)) {
            RV_CHECK_MSG(0, "bad golden line %zu", *count);
            cJSON_Delete(o);
            continue;
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 256;
            g = realloc(g, cap * sizeof *g);
        }
        golden *e = &g[(*count)++];
        e->bytes = malloc(strlen(b->valuestring) + 1);
        e->len = b64_decode(b->valuestring, e->bytes);
        e->n_ids = (size_t)cJSON_GetArraySize(ids);
        e->ids = malloc((e->n_ids + 1) * sizeof *e->ids);
        for (size_t i = 0; i < e->n_ids; i++)
            e->ids[i] = (int32_t)cJSON_GetArrayItem(ids, (int)i)->valueint;
        e->count = (size_t)n->valuedouble;
        cJSON_Delete(o);
    }
    free(text);
    return g;
}

static void free_golden(golden *g, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(g[i].bytes);
        free(g[i].ids);
    }
    free(g);
}

static void show_input(const golden *e) {
    printf("    input (%zu bytes): \"", e->len);
    for (size_t i = 0; i < e->len && i < 80; i++) {
        unsigned c = e->bytes[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            putchar((int)c);
        else
            printf("\\x%02x", c);
    }
    printf("%s\"\n", e->len > 80 ? "…" : "");
}

/* Returns the number of golden inputs whose ids differ. */
static size_t check_golden(const rv_tokenizer *tk, const char *what) {
    size_t n = 0, bad = 0, bad_count = 0;
    golden *g = read_golden(&n);
    int32_t ids[512];
    for (size_t i = 0; i < n; i++) {
        size_t got = 0;
        rv_status st = rv_tokenizer_encode(tk, (const char *)g[i].bytes, g[i].len, ids, 512, &got);
        int same =
            st == RV_OK && got == g[i].n_ids && memcmp(ids, g[i].ids, got * sizeof *ids) == 0;
        if (!same) {
            if (bad < 8) {
                size_t k = 0;
                while (k < got && k < g[i].n_ids && ids[k] == g[i].ids[k])
                    k++;
                printf("  %s: golden #%zu differs at id %zu (got %zu ids, want %zu):\n", what, i, k,
                       got, g[i].n_ids);
                show_input(&g[i]);
                printf("    got ");
                for (size_t j = k; j < got && j < k + 8; j++)
                    printf(" %d", ids[j]);
                printf("\n    want");
                for (size_t j = k; j < g[i].n_ids && j < k + 8; j++)
                    printf(" %d", g[i].ids[j]);
                printf("\n");
            }
            bad++;
        }
        size_t c = rv_tokenizer_count(tk, (const char *)g[i].bytes, g[i].len);
        if (c != g[i].count) {
            if (bad_count < 4)
                printf("  %s: golden #%zu count %zu, want %zu\n", what, i, c, g[i].count);
            bad_count++;
        }
    }
    printf("  %s: %zu/%zu identical, %zu/%zu counts identical\n", what, n - bad, n, n - bad_count,
           n);
    RV_CHECK(n >= 300);
    RV_CHECK_EQ_INT(bad, 0);
    RV_CHECK_EQ_INT(bad_count, 0);
    free_golden(g, n);
    return bad;
}

RV_TEST(golden_minilm_tokenizer_json) {
    rv_tokenizer *tk = load_model();
    if (!tk) return;
    RV_CHECK_EQ_INT(rv_tokenizer_vocab_size(tk), 30522);
    RV_CHECK_EQ_INT(rv_tokenizer_special_id(tk, "cls"), 101);
    RV_CHECK_EQ_INT(rv_tokenizer_special_id(tk, "sep"), 102);
    RV_CHECK_EQ_INT(rv_tokenizer_special_id(tk, "pad"), 0);
    RV_CHECK_EQ_INT(rv_tokenizer_special_id(tk, "unk"), 100);
    RV_CHECK_EQ_INT(rv_tokenizer_token_id(tk, "[MASK]"), 103);
    RV_CHECK_EQ_INT(rv_tokenizer_token_id(tk, "the"), 1996);
    RV_CHECK_EQ_INT(rv_tokenizer_token_id(tk, "no-such-token"), -1);
    check_golden(tk, "tokenizer.json");
    rv_tokenizer_free(tk);
}

/* The same vocabulary through the vocab.txt fallback gives the same ids. */
RV_TEST(golden_minilm_vocab_txt) {
    char *dir = model_dir();
    char *src = rv_path_join(dir, "vocab.txt");
    char tmpl[] = "/tmp/rvtok-XXXXXX";
    char *tmp = mkdtemp(tmpl);
    RV_CHECK(tmp != NULL);
    char *text = NULL;
    size_t len = 0;
    if (tmp && rv_read_file(&text, &len, src, 8u << 20) == RV_OK) {
        char *dst = rv_path_join(tmp, "vocab.txt");
        FILE *f = fopen(dst, "wb");
        fwrite(text, 1, len, f);
        fclose(f);
        rv_tokenizer *tk = NULL;
        RV_CHECK_MSG(rv_tokenizer_load(&tk, tmp) == RV_OK, "%s", rv_error_last());
        if (tk) check_golden(tk, "vocab.txt");
        rv_tokenizer_free(tk);
        unlink(dst);
        free(dst);
    } else {
        RV_CHECK_MSG(0, "cannot read %s", src);
    }
    if (tmp) rmdir(tmp);
    free(text);
    free(src);
    free(dir);
}

/* ---- stages ------------------------------------------------------------ */

RV_TEST(utf8_decode_replaces_like_python) {
    struct {
        const char *in;
        size_t len, used;
        uint32_t cp;
    } c[] = {
        {"a", 1, 1, 'a'},
        {"\xc3\xa9", 2, 2, 0xE9},
        {"\xe2\x82\xac", 3, 3, 0x20AC},
        {"\xf0\x9f\x98\x80", 4, 4, 0x1F600},
        {"\xff", 1, 1, 0xFFFD},
        {"\x80", 1, 1, 0xFFFD},
        {"\xc0\x80", 2, 1, 0xFFFD},     /* overlong lead: alone */
        {"\xe0\x80\x80", 3, 1, 0xFFFD}, /* E0 needs A0..BF */
        {"\xed\xa0\x80", 3, 1, 0xFFFD}, /* surrogate */
        {"\xe2\x82", 2, 2, 0xFFFD},     /* truncated: one U+FFFD for both */
        {"\xe2\x82x", 3, 2, 0xFFFD},
        {"\xf0\x9f\x98x", 4, 3, 0xFFFD},
        {"\xf4\x90\x80\x80", 4, 1, 0xFFFD}, /* above U+10FFFF */
        {"\xf5\x80", 2, 1, 0xFFFD},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        uint32_t cp = 0;
        size_t used = rv_tok_utf8_decode((const unsigned char *)c[i].in, c[i].len, &cp);
        RV_CHECK_MSG(used == c[i].used && cp == c[i].cp, "case %zu: used %zu cp %X", i, used,
                     (unsigned)cp);
    }
}

static const char *k_tiny =
    "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null,"
    " \"added_tokens\": [{\"id\": 0, \"content\": \"[PAD]\", \"special\": true, \"normalized\": "
    "false},"
    "  {\"id\": 1, \"content\": \"[UNK]\", \"special\": true, \"normalized\": false},"
    "  {\"id\": 2, \"content\": \"[CLS]\", \"special\": true, \"normalized\": false},"
    "  {\"id\": 3, \"content\": \"[SEP]\", \"special\": true, \"normalized\": false},"
    "  {\"id\": 4, \"content\": \"[MASK]\", \"special\": true, \"normalized\": false}],"
    " \"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true,"
    "  \"handle_chinese_chars\": true, \"strip_accents\": null, \"lowercase\": true},"
    " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
    " \"post_processor\": {\"type\": \"TemplateProcessing\","
    "  \"single\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}},"
    "   {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"SpecialToken\": {\"id\": \"[SEP]\", "
    "\"type_id\": 0}}],"
    "  \"special_tokens\": {\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [2], \"tokens\": [\"[CLS]\"]},"
    "   \"[SEP]\": {\"id\": \"[SEP]\", \"ids\": [3], \"tokens\": [\"[SEP]\"]}}},"
    " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "
    "\"continuing_subword_prefix\": \"##\","
    "  \"max_input_chars_per_word\": 10, \"vocab\": {\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2,"
    "  \"[SEP]\": 3, \"[MASK]\": 4, \"un\": 5, \"##aff\": 6, \"##able\": 7, \"hello\": 8, "
    "\"world\": 9,"
    "  \".\": 10, \"(\": 11, \")\": 12, \"foo\": 13, \"##bar\": 14, \"cafe\": 15, \"中\": 16, "
    "\"i\": 17,"
    "  \"##s\": 18, \"a\": 19, \"##a\": 20, \"x\": 21}}}";

static rv_tokenizer *tiny(void) {
    rv_tokenizer *tk = NULL;
    RV_CHECK_MSG(rv_tokenizer_load_json(&tk, k_tiny, strlen(k_tiny)) == RV_OK, "%s",
                 rv_error_last());
    return tk;
}

static void check_norm(const rv_tokenizer *tk, const char *in, const char *want) {
    char *out = NULL;
    size_t n = 0;
    RV_CHECK(rv_tok_normalize_str(tk, in, strlen(in), &out, &n) == RV_OK);
    RV_CHECK_STR(out, want);
    free(out);
}

static void check_words(const rv_tokenizer *tk, const char *in, const char *want) {
    char *out = NULL;
    size_t n = 0;
    RV_CHECK(rv_tok_pretokenize_str(tk, in, strlen(in), &out, &n) == RV_OK);
    RV_CHECK_STR(out, want);
    free(out);
}

static void check_ids(const rv_tokenizer *tk, const char *in, size_t max_len, const int32_t *want,
                      size_t nwant) {
    int32_t ids[64];
    size_t n = 0;
    RV_CHECK(rv_tokenizer_encode(tk, in, strlen(in), ids, max_len, &n) == RV_OK);
    RV_CHECK_MSG(n == nwant && memcmp(ids, want, n * sizeof *ids) == 0, "\"%s\": %zu ids", in, n);
}

RV_TEST(normalizer_stage) {
    rv_tokenizer *tk = tiny();
    if (!tk) return;
    check_norm(tk, "H\xc3\xa9llo\tW\xc3\xb6rld\x01!", "hello world!"); /* accents, tab, control */
    check_norm(tk,
               "a\xe4\xb8\xad"
               "b",
               "a \xe4\xb8\xad b");                           /* CJK gets spaces */
    check_norm(tk, "\xc4\xb0", "i");                          /* İ: NFD then drop U+0307 */
    check_norm(tk, "x\xe2\x80\x8by\xef\xbf\xbdz\x00", "xyz"); /* ZWSP, U+FFFD, NUL removed */
    check_norm(tk, "\xc2\xa0\xe3\x80\x80", "  ");             /* NBSP, ideographic space */
    check_norm(tk, "\x0b\x0c", "");                           /* VT/FF are controls first */
    /* NFD's canonical reordering of the combining chars that survive the Mn
     * filter (expected values from HF's BertNormalizer). */
    check_norm(tk,
               "a\xf0\x9d\x85\xad\xcc\x81\xf0\x9d\x85\xa5"
               "b",
               "a\xf0\x9d\x85\xa5\xf0\x9d\x85\xad"
               "b");
    check_norm(tk, "A\xcd\x85\xf0\x9d\x85\xad\xcc\x81\xf0\x9d\x85\xa5\xe1\xb7\xb6\xcc\x96",
               "a\xf0\x9d\x85\xa5\xf0\x9d\x85\xad\xe1\xb7\xb6");
    check_norm(tk, "\xce\xa3", "\xcf\x83"); /* Σ -> σ, no final-sigma rule */
    rv_tokenizer_free(tk);
    /* Without strip_accents, İ lowercases to two chars as Rust does. */
    const char *j = "{\"normalizer\": {\"type\": \"BertNormalizer\", \"strip_accents\": false},"
                    " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
                    " \"model\": {\"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2}}}";
    RV_CHECK(rv_tokenizer_load_json(&tk, j, strlen(j)) == RV_OK);
    if (tk) check_norm(tk, "\xc4\xb0\xc3\xa9", "i\xcc\x87\xc3\xa9");
    rv_tokenizer_free(tk);
}

RV_TEST(pretokenizer_stage) {
    rv_tokenizer *tk = tiny();
    if (!tk) return;
    check_words(tk, "foo.bar(baz)  x", "foo\n.\nbar\n(\nbaz\n)\nx\n");
    check_words(tk, "snake_case-id", "snake\n_\ncase\n-\nid\n");
    check_words(tk, "\xc2\xbfqu\xc3\xa9?", "\xc2\xbf\nque\n?\n"); /* ¿ is Unicode punctuation */
    check_words(tk, "a[MASK]b [mask]", "a\n[MASK]\nb\n[\nmask\n]\n"); /* added tokens on raw text */
    check_words(tk, "\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\n\xe6\x96\x87\n");
    check_words(tk, "", "");
    rv_tokenizer_free(tk);
}

RV_TEST(wordpiece_and_specials) {
    rv_tokenizer *tk = tiny();
    if (!tk) return;
    check_ids(tk, "unaffable", 64, (const int32_t[]){2, 5, 6, 7, 3}, 5);
    check_ids(tk, "Hello, WORLD.", 64, (const int32_t[]){2, 8, 1, 9, 10, 3}, 6);
    check_ids(tk, "foobar foobaz", 64, (const int32_t[]){2, 13, 14, 1, 3}, 5); /* whole word UNK */
    check_ids(tk, "aaaaaaaaaa aaaaaaaaaaa", 64,
              (const int32_t[]){2, 19, 20, 20, 20, 20, 20, 20, 20, 20, 20, 1, 3},
              13); /* 10 ok, 11 UNK */
    check_ids(tk, "Caf\xc3\xa9 \xe4\xb8\xad is", 64, (const int32_t[]){2, 15, 16, 17, 18, 3}, 6);
    check_ids(tk, "x [MASK] [UNK]", 64, (const int32_t[]){2, 21, 4, 1, 3}, 5);
    check_ids(tk, "", 64, (const int32_t[]){2, 3}, 2);
    /* Truncation keeps [CLS] and [SEP] inside max_len. */
    check_ids(tk, "unaffable", 4, (const int32_t[]){2, 5, 6, 3}, 4);
    check_ids(tk, "unaffable", 2, (const int32_t[]){2, 3}, 2);
    check_ids(tk, "x x x", 3, (const int32_t[]){2, 21, 3}, 3);
    RV_CHECK_EQ_INT(rv_tokenizer_count(tk, "unaffable x foobaz", 18), 5);
    RV_CHECK_EQ_INT(rv_tokenizer_count(tk, "", 0), 0);
    int32_t ids[4];
    size_t n = 99;
    RV_CHECK_EQ_INT(rv_tokenizer_encode(tk, "x", 1, ids, 1, &n), RV_ERR_INVALID_ARG);
    RV_CHECK_EQ_INT(n, 0);
    RV_CHECK_EQ_INT(rv_tokenizer_encode(tk, NULL, 3, ids, 4, &n), RV_ERR_INVALID_ARG);
    RV_CHECK_EQ_INT(rv_tokenizer_encode(tk, NULL, 0, ids, 4, &n), RV_OK);
    RV_CHECK_EQ_INT(n, 2);
    RV_CHECK_EQ_INT(rv_tokenizer_vocab_size(tk), 22);
    RV_CHECK_EQ_INT(rv_tokenizer_token_id(tk, "##able"), 7);
    RV_CHECK_EQ_INT(rv_tokenizer_special_id(tk, "mask"), -1);
    rv_tokenizer_free(tk);
    rv_tokenizer_free(NULL);
}

/* Counts add up across line breaks (the chunker then counts a chunk by its
 * lines alone), unless an added token holds whitespace and so can span two
 * lines: then rv_tokenizer_count_adds_up says no. */
RV_TEST(counts_add_up_across_line_breaks) {
    rv_tokenizer *tk = tiny();
    if (!tk) return;
    RV_CHECK(rv_tokenizer_count_adds_up(tk));
    const char *lines[] = {"unaffable x",
                           "  Hello, WORLD.",
                           "",
                           "foobar foobaz (x)",
                           "Caf\xc3\xa9 \xe4\xb8\xad is",
                           "[MASK] aaaaaaaaaaa",
                           "\t"};
    size_t nl = sizeof lines / sizeof *lines;
    for (size_t i = 0; i < nl; i++)
        for (size_t j = 0; j < nl; j++)
            for (int crlf = 0; crlf < 2; crlf++) {
                char joined[128];
                snprintf(joined, sizeof joined, "%s%s%s", lines[i], crlf ? "\r\n" : "\n", lines[j]);
                size_t whole = rv_tokenizer_count(tk, joined, strlen(joined));
                size_t sum = rv_tokenizer_count(tk, lines[i], strlen(lines[i])) +
                             rv_tokenizer_count(tk, lines[j], strlen(lines[j]));
                RV_CHECK_MSG(whole == sum, "\"%s\": %zu, lines %zu", joined, whole, sum);
            }
    rv_tokenizer_free(tk);
    /* An added token "x\nx": one token where its lines make two. */
    const char *mask = "\"[MASK]\", \"special\": true, \"normalized\": false}";
    const char *at = strstr(k_tiny, mask);
    RV_CHECK(at != NULL);
    if (!at) return;
    size_t head = (size_t)(at - k_tiny) + strlen(mask);
    char json[4096];
    snprintf(json, sizeof json,
             "%.*s, {\"id\": 22, \"content\": \"x\\nx\", \"special\": false, "
             "\"normalized\": false}%s",
             (int)head, k_tiny, k_tiny + head);
    tk = NULL;
    RV_CHECK_MSG(rv_tokenizer_load_json(&tk, json, strlen(json)) == RV_OK, "%s", rv_error_last());
    if (!tk) return;
    RV_CHECK(!rv_tokenizer_count_adds_up(tk));
    RV_CHECK_EQ_INT(rv_tokenizer_count(tk, "x\nx", 3), 1);
    RV_CHECK_EQ_INT(rv_tokenizer_count(tk, "x", 1), 1);
    rv_tokenizer_free(tk);
}

/* ---- malformed files -------------------------------------------------- */

static void expect_load_fails(const char *json, rv_status want) {
    rv_tokenizer *tk = (rv_tokenizer *)1;
    rv_status st = rv_tokenizer_load_json(&tk, json, strlen(json));
    RV_CHECK_MSG(st == want && tk == NULL, "%s -> %s (%s)", json, rv_status_name(st),
                 rv_error_last());
    RV_CHECK_MSG(strchr(rv_error_last(), '\n') == NULL && *rv_error_last(), "message one line");
}

#define PRE "\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, "
RV_TEST(malformed_tokenizer_json) {
    expect_load_fails("", RV_ERR_FORMAT);
    expect_load_fails("{", RV_ERR_FORMAT);
    expect_load_fails("{\"model\": {\"vocab\": {\"a\": 1}", RV_ERR_FORMAT);
    expect_load_fails("[1, 2]", RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"x\": 1}", RV_ERR_FORMAT); /* no model */
    expect_load_fails("{" PRE "\"model\": {\"type\": \"WordPiece\"}}",
                      RV_ERR_FORMAT); /* no vocab */
    expect_load_fails("{" PRE "\"model\": {\"vocab\": []}}", RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"model\": {\"vocab\": {}}}", RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"model\": {\"vocab\": {\"[UNK]\": \"0\"}}}", RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"model\": {\"vocab\": {\"[UNK]\": -1}}}", RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"model\": {\"vocab\": {\"[UNK]\": 1.5}}}", RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"model\": {\"vocab\": {\"[CLS]\": 0, \"[SEP]\": 1}}}",
                      RV_ERR_FORMAT); /* no [UNK] */
    expect_load_fails("{" PRE "\"model\": {\"vocab\": {\"[UNK]\": 0}}}",
                      RV_ERR_FORMAT); /* no CLS */
    expect_load_fails("{" PRE "\"model\": {\"unk_token\": 5, \"vocab\": {\"[UNK]\": 0}}}",
                      RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"model\": {\"max_input_chars_per_word\": \"x\", \"vocab\": {}}}",
                      RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"normalizer\": {\"type\": \"BertNormalizer\", \"lowercase\": 1},"
                      " \"model\": {\"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2}}}",
                      RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"normalizer\": 7,"
                      " \"model\": {\"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2}}}",
                      RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"added_tokens\": {},"
                      " \"model\": {\"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2}}}",
                      RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"added_tokens\": [{\"content\": \"x\"}],"
                      " \"model\": {\"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2}}}",
                      RV_ERR_FORMAT);
    expect_load_fails(
        "{" PRE "\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": "
        "[{\"SpecialToken\": {\"id\": \"[X]\"}}, 1, {\"SpecialToken\": {\"id\": \"[X]\"}}],"
        " \"special_tokens\": {}}, \"model\": {\"vocab\": {\"[UNK]\": 0}}}",
        RV_ERR_FORMAT);
    /* ids the post-processor names must be in the vocabulary */
    expect_load_fails("{" PRE "\"post_processor\": {\"type\": \"BertProcessing\", "
                      "\"cls\": [\"[CLS]\", 1], \"sep\": [\"[SEP]\", 3]},"
                      " \"model\": {\"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2}}}",
                      RV_ERR_FORMAT);
    expect_load_fails("{" PRE "\"model\": {\"type\": \"BPE\", \"vocab\": {}}}", RV_ERR_UNSUPPORTED);
    expect_load_fails("{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"vocab\": {}}}",
                      RV_ERR_UNSUPPORTED);
    expect_load_fails("{" PRE "\"normalizer\": {\"type\": \"Sequence\"}, \"model\": {}}",
                      RV_ERR_UNSUPPORTED);
    /* Every prefix of a valid file is malformed, never a crash. */
    size_t n = strlen(k_tiny);
    for (size_t cut = 0; cut < n; cut += 7) {
        rv_tokenizer *tk = NULL;
        rv_status st = rv_tokenizer_load_json(&tk, k_tiny, cut);
        RV_CHECK(st != RV_OK && tk == NULL);
    }
    rv_tokenizer *tk = NULL;
    RV_CHECK_EQ_INT(rv_tokenizer_load(&tk, "/nonexistent/dir"), RV_ERR_NOT_FOUND);
}

/* ---- vocab.txt fallback ---------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text) {
    char *p = rv_path_join(dir, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    free(p);
}

static void remove_file(const char *dir, const char *name) {
    char *p = rv_path_join(dir, name);
    unlink(p);
    free(p);
}

RV_TEST(vocab_txt_with_config) {
    char tmpl[] = "/tmp/rvtok-XXXXXX";
    char *dir = mkdtemp(tmpl);
    RV_CHECK(dir != NULL);
    if (!dir) return;
    write_file(dir, "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nHello\nhello\n##s\r\n");
    rv_tokenizer *tk = NULL;
    RV_CHECK_MSG(rv_tokenizer_load(&tk, dir) == RV_OK, "%s", rv_error_last());
    if (tk) {
        check_ids(tk, "Hellos [MASK]", 64, (const int32_t[]){2, 6, 7, 4, 3}, 5); /* lowercased */
        RV_CHECK_EQ_INT(rv_tokenizer_vocab_size(tk), 8);
    }
    rv_tokenizer_free(tk);
    write_file(dir, "tokenizer_config.json", "{\"do_lower_case\": false}");
    RV_CHECK(rv_tokenizer_load(&tk, dir) == RV_OK);
    if (tk) check_ids(tk, "Hellos", 64, (const int32_t[]){2, 5, 7, 3}, 4); /* cased */
    rv_tokenizer_free(tk);
    write_file(dir, "tokenizer_config.json", "{\"do_lower_case\": ");
    RV_CHECK_EQ_INT(rv_tokenizer_load(&tk, dir), RV_ERR_FORMAT);
    write_file(dir, "vocab.txt", "");
    RV_CHECK_EQ_INT(rv_tokenizer_load(&tk, dir), RV_ERR_FORMAT);
    write_file(dir, "tokenizer.json", "{\"model\": ");
    RV_CHECK_EQ_INT(rv_tokenizer_load(&tk, dir), RV_ERR_FORMAT);
    RV_CHECK(strstr(rv_error_last(), dir) != NULL);
    remove_file(dir, "vocab.txt");
    remove_file(dir, "tokenizer_config.json");
    remove_file(dir, "tokenizer.json");
    rmdir(dir);
}

/* ---- threads ------------------------------------------------------------ */

typedef struct {
    const rv_tokenizer *tk;
    int ok;
} thr_arg;

static void *thr_main(void *p) {
    thr_arg *a = p;
    const char *text =
        "Retry with exponential backoff: caf\xc3\xa9 \xe4\xb8\xad unaffable [MASK] x";
    int32_t ref[64], ids[64];
    size_t nref = 0, n = 0;
    a->ok = rv_tokenizer_encode(a->tk, text, strlen(text), ref, 64, &nref) == RV_OK;
    for (int i = 0; i < 2000 && a->ok; i++)
        a->ok = rv_tokenizer_encode(a->tk, text, strlen(text), ids, 64, &n) == RV_OK && n == nref &&
                memcmp(ids, ref, n * sizeof *ids) == 0;
    return NULL;
}

RV_TEST(shared_across_threads) {
    rv_tokenizer *tk = tiny();
    if (!tk) return;
    pthread_t t[4];
    thr_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i].tk = tk;
        pthread_create(&t[i], NULL, thr_main, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        RV_CHECK(a[i].ok);
    }
    rv_tokenizer_free(tk);
}

/* The bulk build (append, then index) gives the table a put of each key in
 * order would: the same lookups, the same entries, later ids winning. */
RV_TEST(vocab_bulk_index_equals_puts) {
    rv_tok_vocab a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    char key[32];
    unsigned x = 12345;
    size_t nkeys = 5000;
    for (size_t i = 0; i < nkeys; i++) {
        x = x * 1103515245u + 12345u;
        /* ~1 in 8 keys repeats an earlier one (a small key space) */
        unsigned k = (x >> 8) % (nkeys - nkeys / 8);
        int len = snprintf(key, sizeof key, "%s%u", (k & 1) ? "##" : "", k);
        RV_CHECK_EQ_INT(rv_tok_vocab_put(&a, key, (size_t)len, (int32_t)i), RV_OK);
        RV_CHECK_EQ_INT(rv_tok_vocab_append(&b, key, (size_t)len, (int32_t)i), RV_OK);
    }
    RV_CHECK_EQ_INT(rv_tok_vocab_append(&b, "", 0, 7), RV_OK); /* the empty key too */
    RV_CHECK_EQ_INT(rv_tok_vocab_put(&a, "", 0, 7), RV_OK);
    RV_CHECK_EQ_INT(rv_tok_vocab_index(&b), RV_OK);
    RV_CHECK(a.n < nkeys); /* there were repeats */
    RV_CHECK_EQ_INT(b.n, a.n);
    RV_CHECK_EQ_INT(b.max_id, a.max_id);
    RV_CHECK_EQ_INT(b.max_key, a.max_key);
    for (size_t i = 0; i < a.n && i < b.n; i++) { /* same entries, same order */
        RV_CHECK_EQ_INT(b.ent[i].len, a.ent[i].len);
        RV_CHECK_EQ_INT(b.ent[i].id, a.ent[i].id);
        RV_CHECK(memcmp(b.blob + b.ent[i].off, a.blob + a.ent[i].off, a.ent[i].len) == 0);
        RV_CHECK_EQ_INT(rv_tok_vocab_get2(&b, "", 0, a.blob + a.ent[i].off, a.ent[i].len),
                        a.ent[i].id);
    }
    for (unsigned k = 0; k < nkeys; k++) { /* absent keys stay absent */
        int len = snprintf(key, sizeof key, "%s%u", (k & 1) ? "" : "##", k);
        RV_CHECK_EQ_INT(rv_tok_vocab_get2(&b, "", 0, key, (size_t)len),
                        rv_tok_vocab_get2(&a, "", 0, key, (size_t)len));
    }
    RV_CHECK_EQ_INT(rv_tok_vocab_get2(&b, "##", 2, "1", 1), rv_tok_vocab_get2(&a, "##1", 3, "", 0));
    /* puts on top of a bulk-built table still work */
    RV_CHECK_EQ_INT(rv_tok_vocab_put(&b, "[NEW]", 5, 999999), RV_OK);
    RV_CHECK_EQ_INT(rv_tok_vocab_get2(&b, "[NEW]", 5, "", 0), 999999);
    rv_tok_vocab_release(&a);
    rv_tok_vocab_release(&b);
}

int main(void) {
    RV_RUN(utf8_decode_replaces_like_python);
    RV_RUN(normalizer_stage);
    RV_RUN(pretokenizer_stage);
    RV_RUN(wordpiece_and_specials);
    RV_RUN(malformed_tokenizer_json);
    RV_RUN(vocab_txt_with_config);
    RV_RUN(shared_across_threads);
    RV_RUN(vocab_bulk_index_equals_puts);
    RV_RUN(golden_minilm_tokenizer_json);
    RV_RUN(golden_minilm_vocab_txt);
    RV_RUN(counts_add_up_across_line_breaks);
    return rv_test_summary();
}
