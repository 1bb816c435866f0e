/*
 * tokenizer/tok_encode.c — the encoding pipeline, one streaming pass.
 *
 * Each input char is normalized as BertNormalizer would (every step is
 * char-local except NFD's canonical reordering, kept with a small buffer),
 * then fed to the pre-tokenizer, which collects a word and hands it to
 * WordPiece. ASCII takes a table-driven fast path. All scratch lives in a
 * per-call state (stack, heap only for unusually long words), so a shared
 * rv_tokenizer is never written.
 */
#include "tokenizer/tok_internal.h"
#include "ripvec/text.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

enum { MODE_IDS, MODE_NORM, MODE_WORDS };
enum { PEND_MAX = 64, WSTACK = 1024 };

typedef struct {
    const rv_tokenizer *tk;
    const rv_tok_trie *trie; /* NULL: longest match through the hash table */
    int mode;
    int32_t *ids;
    size_t cap, n;
    int stop_at_cap, done;
    char *w; /* current word (normalized UTF-8) */
    size_t wcap, wlen, wchars;
    int wover; /* more chars than max_chars: bytes no longer stored */
    uint32_t pend[PEND_MAX];
    unsigned char pccc[PEND_MAX];
    size_t npend;
    char *out; /* MODE_NORM / MODE_WORDS output */
    size_t olen, ocap;
    rv_status err;
    char wstack[WSTACK];
} state;

static void out_bytes(state *st, const char *s, size_t n) {
    if (st->err) return;
    if (st->olen + n + 1 > st->ocap) {
        size_t cap = st->ocap ? st->ocap : 256;
        while (cap < st->olen + n + 1)
            cap *= 2;
        char *p = realloc(st->out, cap);
        if (!p) {
            st->err = rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory");
            return;
        }
        st->out = p;
        st->ocap = cap;
    }
    memcpy(st->out + st->olen, s, n);
    st->olen += n;
    st->out[st->olen] = 0;
}

static void push_id(state *st, int32_t id) {
    if (st->n < st->cap) st->ids[st->n] = id;
    st->n++;
    if (st->stop_at_cap && st->n >= st->cap) st->done = 1;
}

/* Greedy longest-match-first, "##" continuations; the whole word becomes
 * [UNK] when one piece has no match, as HF's WordPiece::tokenize does. */
static void wordpiece(state *st) {
    const rv_tokenizer *tk = st->tk;
    if (st->wover || st->wchars > tk->max_chars) {
        push_id(st, tk->unk_id);
        return;
    }
    const char *w = st->w;
    size_t len = st->wlen, n0 = st->n, k = 0, start = 0;
    while (start < len && st->trie) {
        size_t used = len - start;
        /* The whole rest is the longest candidate: one hash probe settles
         * the common case of a word that is in the vocabulary as is. */
        int32_t id = used > (start ? tk->max_cont : tk->max_first)
                         ? -1
                         : rv_tok_vocab_get2(&tk->vocab, start ? tk->prefix : NULL,
                                             start ? tk->prefix_len : 0, w + start, used);
        if (id < 0)
            id = rv_tok_trie_longest(st->trie, start ? st->trie->cont : 0, w + start, len - start,
                                     &used);
        if (id < 0) {
            st->n = n0;
            push_id(st, tk->unk_id);
            return;
        }
        if (n0 + k < st->cap) st->ids[n0 + k] = id;
        k++;
        start += used;
    }
    while (start < len) {
        size_t maxb = start ? tk->max_cont : tk->max_first;
        size_t end = len - start > maxb ? start + maxb : len;
        /* Candidates longer than any key cannot match: start at the longest
         * possible one, on a char boundary. */
        while (end > start && end < len && ((unsigned char)w[end] & 0xC0) == 0x80)
            end--;
        int32_t id = -1;
        while (end > start) {
            id = start ? rv_tok_vocab_get2(&tk->vocab, tk->prefix, tk->prefix_len, w + start,
                                           end - start)
                       : rv_tok_vocab_get2(&tk->vocab, NULL, 0, w, end);
            if (id >= 0) break;
            do
                end--;
            while (end > start && ((unsigned char)w[end] & 0xC0) == 0x80);
        }
        if (id < 0) {
            st->n = n0;
            push_id(st, tk->unk_id);
            return;
        }
        if (n0 + k < st->cap) st->ids[n0 + k] = id;
        k++;
        start = end;
    }
    st->n = n0 + k;
    if (st->stop_at_cap && st->n >= st->cap) st->done = 1;
}

static void end_word(state *st) {
    if (!st->wlen && !st->wover) return;
    if (st->mode == MODE_WORDS) {
        out_bytes(st, st->w, st->wlen);
        out_bytes(st, "\n", 1);
    } else {
        wordpiece(st);
    }
    st->wlen = 0;
    st->wchars = 0;
    st->wover = 0;
}

/* Room for `extra` more bytes in the word, or 0 once the word is too long
 * to matter (it will be [UNK]; only its char count is kept). */
static int word_room(state *st, size_t extra) {
    if (st->wover) return 0;
    if (st->wlen + extra <= st->wcap) return 1;
    if (st->wchars > st->tk->max_chars && st->mode != MODE_WORDS) {
        st->wover = 1;
        return 0;
    }
    size_t cap = st->wcap * 2;
    while (cap < st->wlen + extra)
        cap *= 2;
    char *p;
    if (st->w == st->wstack) {
        p = malloc(cap);
        if (p) memcpy(p, st->w, st->wlen);
    } else {
        p = realloc(st->w, cap);
    }
    if (!p) {
        st->err = rv_error_set(RV_ERR_NOMEM, "tokenizer: out of memory");
        st->done = 1;
        st->wover = 1;
        return 0;
    }
    st->w = p;
    st->wcap = cap;
    return 1;
}

static void word_add(state *st, uint32_t cp) {
    st->wchars++;
    if (!word_room(st, 4)) return;
    st->wlen += rv_utf8_put(cp, st->w + st->wlen);
}

/* A normalized char enters the pre-tokenizer. */
static void emit(state *st, uint32_t cp) {
    if (st->mode == MODE_NORM) {
        char b[4];
        out_bytes(st, b, rv_utf8_put(cp, b));
        return;
    }
    if (rv_tok_is_whitespace(cp)) {
        end_word(st);
    } else if (rv_tok_is_punct(cp)) {
        end_word(st);
        word_add(st, cp);
        end_word(st);
    } else {
        word_add(st, cp);
    }
}

static void stage_lower(state *st, uint32_t cp) {
    if (!st->tk->lowercase) {
        emit(st, cp);
        return;
    }
    uint32_t l[3];
    size_t n = rv_tok_lower(cp, l);
    for (size_t i = 0; i < n; i++)
        emit(st, l[i]);
}

static void flush_pending(state *st) {
    for (size_t i = 0; i < st->npend; i++)
        stage_lower(st, st->pend[i]);
    st->npend = 0;
}

/* NFD output, in order. Mn marks are dropped whatever their place, so only
 * the surviving combining chars need canonical (stable, by class) ordering. */
static void stage_strip(state *st, uint32_t cp) {
    int ccc = rv_tok_ccc(cp);
    if (ccc == 0) flush_pending(st);
    if (rv_tok_is_mark_nonspacing(cp)) return;
    if (ccc == 0) {
        stage_lower(st, cp);
        return;
    }
    if (st->npend == PEND_MAX) flush_pending(st);
    size_t i = st->npend;
    while (i > 0 && st->pccc[i - 1] > ccc) {
        st->pend[i] = st->pend[i - 1];
        st->pccc[i] = st->pccc[i - 1];
        i--;
    }
    st->pend[i] = cp;
    st->pccc[i] = (unsigned char)ccc;
    st->npend++;
}

static void stage_nfd(state *st, uint32_t cp) {
    if (!st->tk->strip_accents) {
        stage_lower(st, cp);
        return;
    }
    uint32_t d[8];
    size_t n = rv_tok_nfd(cp, d);
    for (size_t i = 0; i < n; i++)
        stage_strip(st, d[i]);
}

/* clean_text and CJK spacing for one (non-fast-path) char. */
static void process_cp(state *st, uint32_t cp) {
    const rv_tokenizer *tk = st->tk;
    if (tk->clean_text) {
        if (cp == 0 || cp == 0xFFFD || rv_tok_is_control(cp)) return;
        if (rv_tok_is_whitespace(cp)) cp = ' ';
    }
    if (tk->handle_chinese && rv_tok_is_chinese(cp)) {
        stage_nfd(st, ' ');
        stage_nfd(st, cp);
        stage_nfd(st, ' ');
        return;
    }
    stage_nfd(st, cp);
}

/* One piece of text between added tokens: normalized on its own, as HF does. */
static void process_text(state *st, const unsigned char *s, size_t len) {
    const rv_tokenizer *tk = st->tk;
    int fast = st->mode != MODE_NORM;
    size_t i = 0;
    while (i < len && !st->done) {
        unsigned b = s[i];
        if (b >= 0x80) {
            uint32_t cp;
            i += rv_tok_utf8_decode(s + i, len - i, &cp);
            process_cp(st, cp);
            continue;
        }
        unsigned cls = tk->asc_class[b];
        if (cls == RV_TOK_ASC_DROP) {
            i++;
            continue;
        }
        if (st->npend) flush_pending(st);
        if (!fast) {
            emit(st, (unsigned char)tk->asc_map[b]);
            i++;
            continue;
        }
        if (cls == RV_TOK_ASC_WORD) {
            size_t j = i + 1;
            while (j < len && s[j] < 0x80 && tk->asc_class[s[j]] == RV_TOK_ASC_WORD)
                j++;
            size_t n = j - i;
            st->wchars += n;
            if (word_room(st, n)) {
                char *o = st->w + st->wlen;
                for (size_t k = 0; k < n; k++)
                    o[k] = tk->asc_map[s[i + k]];
                st->wlen += n;
            }
            i = j;
        } else if (cls == RV_TOK_ASC_SPACE) {
            end_word(st);
            i++;
        } else {
            end_word(st);
            word_add(st, (unsigned char)tk->asc_map[b]);
            end_word(st);
            i++;
        }
    }
    if (!st->done) {
        flush_pending(st);
        end_word(st);
    }
}

static int is_word_char(uint32_t cp) {
    /* regex \w: alphabetic, marks, decimal digits, connector punctuation. */
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
               cp == '_';
    if (cp == 0x200C || cp == 0x200D) return 1;
    int c = utf8proc_category((utf8proc_int32_t)cp);
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ND) || c == UTF8PROC_CATEGORY_NL ||
           c == UTF8PROC_CATEGORY_PC;
}

static uint32_t last_cp(const unsigned char *s, size_t from, size_t end) {
    size_t i = end;
    while (i > from && (s[i - 1] & 0xC0) == 0x80 && end - i < 3)
        i--;
    if (i > from) i--;
    if (i < from || i >= end) return 0;
    uint32_t cp;
    size_t n = rv_tok_utf8_decode(s + i, end - i, &cp);
    return i + n == end ? cp : 0xFFFD;
}

/* Leftmost-longest match of a (non-normalized) added token at or after pos,
 * on the raw bytes: valid UTF-8 tokens match the same places in the
 * replacement-decoded text. */
static int find_added(const rv_tokenizer *tk, const unsigned char *s, size_t len, size_t pos,
                      size_t *ms, size_t *me, int32_t *id) {
    for (size_t p = pos; p < len; p++) {
        if (!tk->added_first[s[p]]) continue;
        const rv_tok_added *best = NULL;
        for (size_t k = 0; k < tk->n_added; k++) {
            const rv_tok_added *a = &tk->added[k];
            if (a->len <= len - p && (!best || a->len > best->len) &&
                memcmp(a->content, s + p, a->len) == 0)
                best = a;
        }
        if (!best) continue;
        size_t b = p, e = p + best->len;
        if (best->single_word) {
            uint32_t cpb = last_cp(s, 0, b), cpa = 0;
            if (e < len) rv_tok_utf8_decode(s + e, len - e, &cpa);
            if ((b > 0 && is_word_char(cpb)) || (e < len && is_word_char(cpa))) continue;
        }
        if (best->lstrip) {
            while (b > pos) {
                size_t q = b - 1;
                while (q > pos && (s[q] & 0xC0) == 0x80)
                    q--;
                uint32_t cp;
                rv_tok_utf8_decode(s + q, b - q, &cp);
                if (!rv_tok_is_whitespace(cp)) break;
                b = q;
            }
        }
        if (best->rstrip) {
            while (e < len) {
                uint32_t cp;
                size_t n = rv_tok_utf8_decode(s + e, len - e, &cp);
                if (!rv_tok_is_whitespace(cp)) break;
                e += n;
            }
        }
        *ms = b;
        *me = e;
        *id = best->id;
        return 1;
    }
    return 0;
}

static void state_init(state *st, const rv_tokenizer *tk, int mode) {
    memset(st, 0, offsetof(state, wstack));
    st->tk = tk;
    st->mode = mode;
    st->w = st->wstack;
    st->wcap = WSTACK;
}

static void state_done(state *st) {
    if (st->w != st->wstack) free(st->w);
}

static void run(state *st, const unsigned char *s, size_t len, int added) {
    st->trie = rv_tok_trie_for(st->tk, len);
    const rv_tokenizer *tk = st->tk;
    size_t pos = 0;
    while (pos < len && !st->done) {
        size_t ms, me;
        int32_t id;
        if (!added || !tk->n_added || !find_added(tk, s, len, pos, &ms, &me, &id)) {
            process_text(st, s + pos, len - pos);
            break;
        }
        if (ms > pos) process_text(st, s + pos, ms - pos);
        if (st->done) break;
        if (st->mode == MODE_WORDS) {
            out_bytes(st, (const char *)s + ms, me - ms);
            out_bytes(st, "\n", 1);
        } else {
            push_id(st, id);
        }
        pos = me;
    }
}

rv_status rv_tok_run(const rv_tokenizer *tk, const char *text, size_t len, int32_t *ids, size_t cap,
                     int stop_at_cap, size_t *total) {
    state st;
    state_init(&st, tk, MODE_IDS);
    st.ids = ids;
    st.cap = ids ? cap : 0;
    st.stop_at_cap = stop_at_cap;
    if (!(stop_at_cap && st.cap == 0)) run(&st, (const unsigned char *)text, len, 1);
    state_done(&st);
    *total = st.n;
    return st.err;
}

rv_status rv_tok_normalize_str(const rv_tokenizer *tk, const char *text, size_t len, char **out,
                               size_t *out_len) {
    state st;
    state_init(&st, tk, MODE_NORM);
    out_bytes(&st, "", 0);
    process_text(&st, (const unsigned char *)text, len);
    state_done(&st);
    if (st.err) {
        free(st.out);
        return st.err;
    }
    *out = st.out;
    *out_len = st.olen;
    return RV_OK;
}

rv_status rv_tok_pretokenize_str(const rv_tokenizer *tk, const char *text, size_t len, char **out,
                                 size_t *out_len) {
    state st;
    state_init(&st, tk, MODE_WORDS);
    out_bytes(&st, "", 0);
    run(&st, (const unsigned char *)text, len, 1);
    state_done(&st);
    if (st.err) {
        free(st.out);
        return st.err;
    }
    *out = st.out;
    *out_len = st.olen;
    return RV_OK;
}

rv_status rv_tokenizer_encode(const rv_tokenizer *tk, const char *text, size_t len, int32_t *ids,
                              size_t max_len, size_t *n_ids) {
    if (n_ids) *n_ids = 0;
    if (!tk || !ids || !n_ids || (!text && len))
        return rv_error_set(RV_ERR_INVALID_ARG, "tokenizer: encode needs a tokenizer and buffers");
    if (max_len < 2)
        return rv_error_set(RV_ERR_INVALID_ARG,
                            "tokenizer: max_len %zu leaves no room for "
                            "[CLS] and [SEP]",
                            max_len);
    size_t total = 0;
    ids[0] = tk->cls_id;
    rv_status st = rv_tok_run(tk, text ? text : "", len, ids + 1, max_len - 2, 1, &total);
    if (st != RV_OK) return st;
    size_t n = total < max_len - 2 ? total : max_len - 2;
    ids[1 + n] = tk->sep_id;
    *n_ids = n + 2;
    return RV_OK;
}

size_t rv_tokenizer_count(const rv_tokenizer *tk, const char *text, size_t len) {
    if (!tk || (!text && len)) return 0;
    size_t total = 0;
    (void)rv_tok_run(tk, text ? text : "", len, NULL, 0, 0, &total);
    return total;
}

int rv_tokenizer_count_adds_up(const rv_tokenizer *tk) {
    if (!tk) return 0;
    for (size_t i = 0; i < tk->n_added; i++)
        if (strpbrk(tk->added[i].content, " \t\n\r\v\f")) return 0;
    return 1; /* the pre-tokenizer splits words at whitespace, WordPiece each */
}
