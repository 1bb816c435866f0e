/*
 * libFuzzer target: the WordPiece tokenizer.
 *
 * The first byte picks what the rest is:
 *   even  -> a tokenizer.json for rv_tokenizer_load_json; when it loads, a
 *            few fixed texts are encoded with it;
 *   odd   -> text for rv_tokenizer_encode/count with a small built-in
 *            tokenizer whose normalizer flags come from that byte's bits.
 * Invariants checked on every encoding (abort() on violation): [CLS] first,
 * [SEP] last, length within max_len, ids inside the vocabulary, count()
 * consistent with the untruncated length, and truncation only cutting.
 */
#include "ripvec/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char k_json_fmt[] =
    "{\"added_tokens\": [{\"id\": 1, \"content\": \"[UNK]\", \"special\": true, \"normalized\": "
    "false}, {\"id\": 4, \"content\": \"[MASK]\", \"special\": true, \"normalized\": false,"
    " \"lstrip\": true}, {\"id\": 2, \"content\": \"[CLS]\", \"special\": true, \"normalized\": "
    "false, \"rstrip\": true}, {\"id\": 24, \"content\": \"<w>\", \"single_word\": true, "
    "\"normalized\": false}],"
    " \"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": %s,"
    " \"handle_chinese_chars\": %s, \"strip_accents\": %s, \"lowercase\": %s},"
    " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
    " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\","
    " \"continuing_subword_prefix\": \"##\", \"max_input_chars_per_word\": %d,"
    " \"vocab\": {\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2, \"[SEP]\": 3, \"[MASK]\": 4,"
    " \"a\": 5, \"##a\": 6, \"b\": 7, \"##b\": 8, \"ab\": 9, \"##ab\": 10, \"\\u00e9\": 11,"
    " \"##\\u00e9\": 12, \"\\u4e2d\": 13, \".\": 14, \"(\": 15, \")\": 16, \"e\": 17, \"##e\": 18,"
    " \"i\": 19, \"##\\u0307\": 20, \"the\": 21, \"##s\": 22, \"\\ud83d\\ude00\": 23, \"<w>\": "
    "24}}}";

static void check(const rv_tokenizer *tk, const char *text, size_t len) {
    static int32_t full[70000], cut[16];
    size_t nf = 0, nc = 0;
    size_t vs = rv_tokenizer_vocab_size(tk);
    /* An input byte yields well under 3 tokens; longer inputs get truncated. */
    size_t maxf = len < 23000 ? len * 3 + 2 : 70000;
    if (rv_tokenizer_encode(tk, text, len, full, maxf, &nf) != RV_OK) abort();
    if (nf < 2 || nf > maxf || full[0] != rv_tokenizer_special_id(tk, "cls") ||
        full[nf - 1] != rv_tokenizer_special_id(tk, "sep"))
        abort();
    for (size_t i = 0; i < nf; i++)
        if (full[i] < 0 || (size_t)full[i] >= vs) abort();
    size_t count = rv_tokenizer_count(tk, text, len);
    if (nf < maxf && count != nf - 2) abort();
    if (count < nf - 2) abort();
    size_t m = 2 + (len % 14);
    if (rv_tokenizer_encode(tk, text, len, cut, m, &nc) != RV_OK) abort();
    size_t want = count + 2 < m ? count + 2 : m;
    if (nc != want || cut[nc - 1] != full[nf - 1] || memcmp(cut, full, (nc - 1) * sizeof *cut))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    unsigned mode = data[0];
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    rv_tokenizer *tk = NULL;
    if (!(mode & 1)) {
        if (rv_tokenizer_load_json(&tk, rest, n) == RV_OK) {
            static const char *texts[] = {"", "Hello, World!", "caf\xc3\xa9 \xe4\xb8\xad [MASK]",
                                          "\xff\xfe bad \xe2\x82", "a\tb\nc\x01"};
            for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
                check(tk, texts[i], strlen(texts[i]));
        }
        rv_tokenizer_free(tk);
        return 0;
    }
    char json[sizeof k_json_fmt + 64];
    static const char *tf[] = {"false", "true"};
    snprintf(json, sizeof json, k_json_fmt, tf[(mode >> 1) & 1], tf[(mode >> 2) & 1],
             (mode >> 3) & 1 ? "null" : tf[(mode >> 4) & 1], tf[(mode >> 5) & 1],
             (mode >> 6) & 1 ? 4 : 100);
    if (rv_tokenizer_load_json(&tk, json, strlen(json)) != RV_OK) abort();
    check(tk, rest, n);
    rv_tokenizer_free(tk);
    return 0;
}
