/* A definition's name against a description: how much of the name is built
 * from the query's words and how much of the query the name holds
 * ("generates powershell completion file" ~ GenPowerShellCompletionFile).
 * Names abbreviate (gen, desc, init, info) and join words (PowerShell,
 * cookiejar), so parts meet by prefix and by joining neighbours. */
#include "ripvec/rank.h"

#include <ctype.h>
#include <string.h>

#define NAME_MAX_TEXT 512
/* The shorter side of a prefix match: "gen" ~ "generates"; two letters
 * ("is", "to") are too common to stand for a word. */
#define NAME_PREFIX_MIN 3

/* Text with a space at every identifier boundary (camelCase, acronyms,
 * '_', '-', letters/digits) and at every other byte that is no letter or
 * digit; generic arguments cut. */
static size_t spaced(char *dst, size_t cap, const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < cap && s[i] != '<'; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned char p = i ? (unsigned char)s[i - 1] : ' ';
        unsigned char nx = i + 1 < n ? (unsigned char)s[i + 1] : ' ';
        int cut = 0;
        if (isupper(c) && (islower(p) || (isupper(p) && islower(nx)))) cut = 1;
        if (!isdigit(c) != !isdigit(p) && (isalpha(c) || isalpha(p))) cut = 1;
        if (cut && k && dst[k - 1] != ' ') dst[k++] = ' ';
        dst[k++] = (isalnum(c) || c >= 0x80) ? (char)tolower(c) : ' ';
    }
    dst[k] = '\0';
    return k;
}

size_t rv_name_words(char *out, size_t cap, const char *name, size_t len) {
    char sp[NAME_MAX_TEXT];
    size_t sl = spaced(sp, sizeof sp, name, len), k = 0, n = 0;
    for (size_t i = 0; i < sl;) {
        while (i < sl && sp[i] == ' ')
            i++;
        size_t b = i;
        while (i < sl && sp[i] != ' ')
            i++;
        size_t wl = i - b;
        if (wl < 2 || wl >= RV_QUERY_WORD_MAX || rv_token_is_stopword(sp + b, wl)) continue;
        if (k + 2 * wl + 2 > cap) break;
        memcpy(out + k, sp + b, wl); /* raw */
        out[k + wl] = '\0';
        char *st = out + k + wl + 1; /* stem */
        memcpy(st, sp + b, wl);
        size_t stl = rv_token_stem(st, wl);
        st[stl] = '\0';
        k += wl + 1 + stl + 1;
        n++;
    }
    return n;
}

/* One short form standing for a longer one: equal, or the shorter (at least
 * NAME_PREFIX_MIN letters) starts the longer. */
static int prefix_meets(const char *x, const char *y) {
    size_t a = strlen(x), b = strlen(y);
    if (a == b) return strcmp(x, y) == 0;
    const char *s = a < b ? x : y, *l = a < b ? y : x;
    size_t n = a < b ? a : b;
    return n >= NAME_PREFIX_MIN && strncmp(s, l, n) == 0;
}

/* Two adjacent words joined make the third: Power+Shell ~ "powershell". */
static int joined(const char *a, const char *b, const char *w) {
    size_t la = strlen(a), lb = strlen(b);
    return la + lb == strlen(w) && strncmp(w, a, la) == 0 && strcmp(w + la, b) == 0;
}

typedef struct word {
    const char *raw, *stem;
} word;

static size_t split_pairs(word *w, size_t max, const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        w[k].raw = s;
        s += strlen(s) + 1;
        w[k].stem = s;
        s += strlen(s) + 1;
        k++;
    }
    return k;
}

static int meets(const word *a, const word *b) {
    return strcmp(a->stem, b->stem) == 0 || prefix_meets(a->raw, b->raw) ||
           prefix_meets(a->stem, b->stem);
}

/* A name word that is query words run together in any order (`sdsfree`
 * for "free an sds string", `sdsnewlen` for "a new sds of the given
 * length"): each piece equals a query word or starts one with at least
 * NAME_PREFIX_MIN letters. Returns 1 when the whole of w splits into two
 * or more pieces, and then marks the pieces' words in hit_q. */
static int run_together(const char *w, const word *qw, size_t nq, unsigned char *hit_q) {
    size_t wl = strlen(w);
    if (wl < 2 * NAME_PREFIX_MIN - 1 || wl >= RV_QUERY_WORD_MAX) return 0;
    size_t first = 0; /* most names start with no query word's letter: done */
    while (first < nq && qw[first].raw[0] != w[0])
        first++;
    if (first == nq) return 0;
    /* from[p]: the query word whose piece ends at p on some split, +1 (0: none) */
    unsigned char from[RV_QUERY_WORD_MAX + 1] = {0}, start[RV_QUERY_WORD_MAX + 1] = {0};
    from[0] = 1;
    for (size_t p = 0; p < wl; p++) {
        if (!from[p]) continue;
        for (size_t j = 0; j < nq; j++) {
            if (w[p] != qw[j].raw[0]) continue;
            size_t ql = strlen(qw[j].raw), n = 0;
            while (n < ql && p + n < wl && w[p + n] == qw[j].raw[n])
                n++;
            for (size_t len = n; len >= 2; len--) { /* pieces that end inside w */
                if (len < ql && len < NAME_PREFIX_MIN) break;
                if ((p == 0 && len == wl) || from[p + len]) continue; /* one piece is no split */
                from[p + len] = (unsigned char)(j + 1);
                start[p + len] = (unsigned char)p;
            }
        }
    }
    if (!from[wl]) return 0;
    for (size_t p = wl; p > 0; p = start[p])
        hit_q[from[p] - 1] = 1;
    return 1;
}

/* Marks the query words that name word i (or i with its neighbour) meets. */
static void meet_all(const word *nw, size_t nn, const word *qw, size_t nq, unsigned char *hit_n,
                     unsigned char *hit_q) {
    for (size_t i = 0; i < nn; i++)
        for (size_t j = 0; j < nq; j++) {
            if (nw[i].raw[0] != qw[j].raw[0]) continue; /* every way to meet starts alike */
            if (meets(&nw[i], &qw[j])) hit_n[i] = hit_q[j] = 1;
            if (i + 1 < nn && joined(nw[i].raw, nw[i + 1].raw, qw[j].raw))
                hit_n[i] = hit_n[i + 1] = hit_q[j] = 1;
            if (j + 1 < nq && joined(qw[j].raw, qw[j + 1].raw, nw[i].raw))
                hit_n[i] = hit_q[j] = hit_q[j + 1] = 1;
        }
    for (size_t i = 0; i < nn; i++)
        if (run_together(nw[i].raw, qw, nq, hit_q)) hit_n[i] = 1;
}

float rv_name_match_sig(const char *name_words, size_t n_name, const char *sig_words, size_t n_sig,
                        float sig_weight, const rv_query_info *q) {
    word nw[RV_NAME_MAX_WORDS], sw[RV_NAME_MAX_WORDS], qw[RV_QUERY_MAX_WORDS];
    size_t nn = split_pairs(nw, RV_NAME_MAX_WORDS, name_words, n_name);
    size_t ns =
        sig_words && sig_weight > 0 ? split_pairs(sw, RV_NAME_MAX_WORDS, sig_words, n_sig) : 0;
    size_t nq = split_pairs(qw, RV_QUERY_MAX_WORDS, q->terms, q->n_terms);
    if (!nn || !nq) return 0;
    unsigned char hit_n[RV_NAME_MAX_WORDS] = {0}, hit_s[RV_NAME_MAX_WORDS] = {0};
    unsigned char hit_q[RV_QUERY_MAX_WORDS] = {0}, hit_qs[RV_QUERY_MAX_WORDS] = {0};
    meet_all(nw, nn, qw, nq, hit_n, hit_q);
    if (ns) meet_all(sw, ns, qw, nq, hit_s, hit_qs);
    size_t mn = 0, mq = 0, ms = 0;
    for (size_t i = 0; i < nn; i++)
        mn += hit_n[i];
    for (size_t j = 0; j < nq; j++) {
        mq += hit_q[j];
        ms += !hit_q[j] && hit_qs[j]; /* a query word only the signature holds */
    }
    if (!mn && !ms) return 0;
    /* the signature's words add evidence at sig_weight; unmet ones take
     * nothing away (a long parameter list is no worse a name) */
    float extra = sig_weight * (float)ms;
    float a = ((float)mn + extra) / ((float)nn + extra), b = ((float)mq + extra) / (float)nq;
    return 2 * a * b / (a + b);
}

float rv_name_match(const char *name_words, size_t n_name, const rv_query_info *q) {
    return rv_name_match_sig(name_words, n_name, NULL, 0, 0, q);
}
