/*
 * tokenizer/tok_internal.h — the pieces of the WordPiece tokenizer, shared by
 * its .c files and by tests/test_tokenizer*.c (which test each stage).
 *
 * Pipeline (as Hugging Face tokenizers runs it for BERT):
 *   bytes -> UTF-8 decode with replacement -> added-token split (raw text)
 *   -> BertNormalizer per piece (clean_text, CJK spacing, NFD + drop Mn,
 *      lowercase) -> BertPreTokenizer (whitespace split, isolate punctuation)
 *   -> WordPiece per word -> [CLS] … [SEP], truncation.
 */
#ifndef RV_TOKENIZER_TOK_INTERNAL_H
#define RV_TOKENIZER_TOK_INTERNAL_H

#include "ripvec/tokenizer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- vocabulary: string -> id, open addressing ------------------------ */

typedef struct rv_tok_vocab {
    char *blob; /* all keys back to back (not NUL-separated) */
    size_t blob_len, blob_cap;
    struct rv_tok_entry {
        uint32_t off, len;
        int32_t id;
    } * ent;
    size_t n, ent_cap;
    /* 0 = empty, else the key's high hash bits << 32 | (entry index + 1):
     * a probe rejects other keys without touching their entries. */
    uint64_t *slots;
    size_t nslots;  /* power of two */
    size_t max_key; /* longest key in bytes */
    int32_t max_id;
} rv_tok_vocab;

/* Sizes the entry arrays for about n entries of blob_bytes key bytes in all
 * (bulk loading: the table comes with rv_tok_vocab_index). */
rv_status rv_tok_vocab_reserve(rv_tok_vocab *v, size_t n, size_t blob_bytes);
/* Adds or replaces (later wins, as a Rust HashMap insert does). */
rv_status rv_tok_vocab_put(rv_tok_vocab *v, const char *key, size_t len, int32_t id);
/* Bulk loading: entries appended without the table, then rv_tok_vocab_index
 * builds it once (same result as a put of each, in order). No put or
 * lookup in between. */
rv_status rv_tok_vocab_append(rv_tok_vocab *v, const char *key, size_t len, int32_t id);
rv_status rv_tok_vocab_index(rv_tok_vocab *v);
/* Looks up the concatenation pre[0..plen) + s[0..slen); -1 if absent. */
int32_t rv_tok_vocab_get2(const rv_tok_vocab *v, const char *pre, size_t plen, const char *s,
                          size_t slen);
/* Longest key that starts with `pre`, minus plen (0 if none). */
size_t rv_tok_vocab_max_suffix(const rv_tok_vocab *v, const char *pre, size_t plen);
void rv_tok_vocab_release(rv_tok_vocab *v);

/* ---- byte trie over the vocabulary, for longest-prefix matching -------- */

/* Nodes are numbered from 0 (the root); edges live in one hash table keyed
 * by (node, byte), so finding the longest vocabulary entry that prefixes a
 * word costs one probe per byte instead of a hash of every candidate. */
typedef struct rv_tok_trie {
    int32_t *term; /* per node: the id of the key ending here, or -1 */
    size_t n_nodes;
    struct rv_tok_edge {
        uint32_t key; /* (node << 8 | byte) + 1; 0 = empty slot */
        uint32_t child;
    } * edges;
    size_t mask;   /* edge slots - 1 */
    int built;     /* 0 when the vocabulary was too big for it (hash path used) */
    uint32_t cont; /* node after the continuing prefix, or UINT32_MAX when no key has it */
} rv_tok_trie;

rv_status rv_tok_trie_build(rv_tok_trie *t, const rv_tok_vocab *v, const char *prefix, size_t plen);
/* The longest key that prefixes w[0..len) from `node` (0 for a word start,
 * t->cont for a continuation) and ends on a char boundary of w. Returns its
 * id (and *used bytes), or -1. */
int32_t rv_tok_trie_longest(const rv_tok_trie *t, uint32_t node, const char *w, size_t len,
                            size_t *used);
void rv_tok_trie_release(rv_tok_trie *t);

/* ---- Unicode: decoding and the character classes HF uses -------------- */

/* Decodes one code point from s[0..len) (len >= 1). Ill-formed input gives
 * U+FFFD for each maximal ill-formed subpart, as CPython's "replace" does.
 * Returns the bytes consumed (>= 1). */
size_t rv_tok_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* The UTF-8 encoder is rv_utf8_put (util/text.h). */

/* Rust char::is_whitespace (Unicode White_Space). */
int rv_tok_is_whitespace(uint32_t cp);
/* BertNormalizer's control test: Cc, Cf or Co (HF's unicode_categories
 * tables), except \t \n \r. */
int rv_tok_is_control(uint32_t cp);
/* BertPreTokenizer's punctuation: ASCII punctuation or a P* category. */
int rv_tok_is_punct(uint32_t cp);
/* Mn as HF's strip_accents sees it. */
int rv_tok_is_mark_nonspacing(uint32_t cp);
/* The CJK ideograph ranges of the original BERT. */
int rv_tok_is_chinese(uint32_t cp);
/* Canonical decomposition (NFD of one code point); returns the count (<= 8). */
size_t rv_tok_nfd(uint32_t cp, uint32_t out[8]);
/* Canonical combining class. */
int rv_tok_ccc(uint32_t cp);
/* Rust char::to_lowercase; returns the count (1..3). */
size_t rv_tok_lower(uint32_t cp, uint32_t out[3]);

/* ---- the tokenizer ---------------------------------------------------- */

typedef struct rv_tok_added {
    char *content;
    size_t len;
    int32_t id;
    unsigned char lstrip, rstrip, single_word, normalized;
} rv_tok_added;

enum { RV_TOK_ASC_DROP = 0, RV_TOK_ASC_WORD, RV_TOK_ASC_SPACE, RV_TOK_ASC_PUNCT };

struct rv_tokenizer {
    rv_tok_vocab vocab;
    rv_tok_trie trie;
    int clean_text, handle_chinese, strip_accents, lowercase;
    char *unk_token;
    char *prefix; /* continuing_subword_prefix, "##" */
    size_t prefix_len;
    size_t max_chars; /* max_input_chars_per_word */
    size_t max_first, max_cont;
    int32_t unk_id, cls_id, sep_id, pad_id;
    rv_tok_added *added; /* matched on the raw text (normalized == 0 only) */
    size_t n_added;
    unsigned char added_first[256]; /* 1 when some matched added token starts with this byte */
    /* ASCII fast path, built from the flags at load. */
    unsigned char asc_class[128];
    char asc_map[128];
    /* The trie is built on demand, once RV_TOK_TRIE_AFTER bytes have been
     * encoded (indexing), under trie_mu: a short query's few words go
     * through the hash table, which gives the same pieces, and loading the
     * tokenizer skips the build (a few ms of cache misses). */
    pthread_mutex_t trie_mu;
    int trie_mu_ok;
    atomic_int trie_state;   /* 0 not built, 1 built (acquire), 2 not buildable */
    atomic_size_t trie_seen; /* bytes encoded before it was built */
};

enum { RV_TOK_TRIE_AFTER = 64 * 1024 };

/* The vocabulary trie if it is (or now gets) built, else NULL (use the
 * hash table). len: bytes about to be encoded. Thread-safe. */
const rv_tok_trie *rv_tok_trie_for(const rv_tokenizer *tk, size_t len);

/* tok_json.c: when tokenizer.json's model.vocab can be read by the fast
 * scanner, puts its entries into v (file order) and sets *handled, with
 * [*vb, *ve) the object's bytes; else leaves v empty and *handled 0. */
rv_status rv_tok_json_vocab(rv_tok_vocab *v, const char *json, size_t len, size_t *vb, size_t *ve,
                            int *handled);

/* Builds the derived fields (ASCII tables, max key lengths, added-token
 * index) once the loader has filled the rest. The trie comes later
 * (rv_tok_trie_for). */
rv_status rv_tok_finish(rv_tokenizer *tk);

/* Normalizes `text` with the tokenizer's BertNormalizer flags (no added
 * tokens, no splitting) into a malloc'd UTF-8 string; for tests. */
rv_status rv_tok_normalize_str(const rv_tokenizer *tk, const char *text, size_t len, char **out,
                               size_t *out_len);

/* Pre-tokenizes `text` (added tokens, normalizer, pre-tokenizer) into a
 * malloc'd string of words, each followed by '\n'; for tests. */
rv_status rv_tok_pretokenize_str(const rv_tokenizer *tk, const char *text, size_t len, char **out,
                                 size_t *out_len);

/* Runs everything but [CLS]/[SEP]: writes the first `cap` ids to ids (may be
 * NULL when cap == 0), returns the full count in *total unless stop_at_cap
 * is set, in which case it stops once cap ids are out. */
rv_status rv_tok_run(const rv_tokenizer *tk, const char *text, size_t len, int32_t *ids, size_t cap,
                     int stop_at_cap, size_t *total);

#endif
