/*
 * ripvec/tokenizer.h — BERT WordPiece tokenizer, id-for-id identical to the
 * Hugging Face `tokenizers` fast tokenizer (BertNormalizer, BertPreTokenizer,
 * WordPiece, [CLS] … [SEP], truncation).
 *
 *   rv_tokenizer *tk;
 *   if (rv_tokenizer_load(&tk, "/path/to/model") != RV_OK) die(rv_error_last());
 *   int32_t ids[512]; size_t n;
 *   rv_tokenizer_encode(tk, "fn main() {}", 12, ids, 512, &n);  // 101 … 102
 *   rv_tokenizer_free(tk);
 *
 * A loaded tokenizer is immutable: one handle may be shared by any number of
 * threads without locking; every call keeps its scratch on its own stack or
 * in its own short-lived heap buffer.
 *
 * Input text may be any bytes. Invalid UTF-8 is decoded with replacement the
 * way Python's bytes.decode("utf-8", "replace") does (one U+FFFD per maximal
 * ill-formed subpart); clean_text then removes the U+FFFD.
 *
 * Supported tokenizer.json pipelines: BertNormalizer (or none),
 * BertPreTokenizer, WordPiece, TemplateProcessing/BertProcessing with
 * [CLS] $A [SEP]. Added tokens with "normalized": false ([CLS], [MASK], …)
 * are matched in the raw text as HF does; "normalized": true added tokens
 * (none in BERT/MiniLM/BGE files) are not matched.
 */
#ifndef RIPVEC_TOKENIZER_H
#define RIPVEC_TOKENIZER_H

#include "ripvec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_tokenizer rv_tokenizer;

/* Loads `model_dir`/tokenizer.json, or when that is absent `model_dir`/vocab.txt
 * with BERT defaults (do_lower_case from tokenizer_config.json when present).
 * Malformed files give RV_ERR_FORMAT, other pipelines (BPE, …) RV_ERR_UNSUPPORTED.
 * Caller frees *out with rv_tokenizer_free. */
rv_status rv_tokenizer_load(rv_tokenizer **out, const char *model_dir);

/* Same from the bytes of a tokenizer.json (need not be NUL-terminated). */
rv_status rv_tokenizer_load_json(rv_tokenizer **out, const char *json, size_t len);

/* Encodes `text` (len bytes, any content) to ids with [CLS] first and [SEP]
 * last, truncated to at most `max_len` ids in all (max_len >= 2). Writes at
 * most max_len ids into ids[] and sets *n_ids. Thread-safe. */
rv_status rv_tokenizer_encode(const rv_tokenizer *tk, const char *text, size_t len, int32_t *ids,
                              size_t max_len, size_t *n_ids);

/* Number of tokens `text` encodes to without [CLS]/[SEP] and without
 * truncation (for sizing chunks). Thread-safe. */
size_t rv_tokenizer_count(const rv_tokenizer *tk, const char *text, size_t len);

/* 1 when counts add up across a line break: the count of two texts joined
 * by a line break is the sum of theirs, because no token can hold
 * whitespace (no added token does). The chunker then needs no count of a
 * chunk whose lines' counts fit. */
int rv_tokenizer_count_adds_up(const rv_tokenizer *tk);

/* Id of a token (vocabulary or added token such as "[MASK]"); -1 if absent. */
int32_t rv_tokenizer_token_id(const rv_tokenizer *tk, const char *token);

/* One more than the largest id the tokenizer can produce. */
size_t rv_tokenizer_vocab_size(const rv_tokenizer *tk);

/* The special ids the encoder uses; what = "cls", "sep", "pad" or "unk"
 * (-1 for anything else or when the model has none). */
int32_t rv_tokenizer_special_id(const rv_tokenizer *tk, const char *what);

void rv_tokenizer_free(rv_tokenizer *tk);

#ifdef __cplusplus
}
#endif
#endif
