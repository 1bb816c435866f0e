/* Code-aware tokenizer for BM25: identifiers split at case, underscore,
 * hyphen and digit boundaries, lowercased, optionally lightly stemmed. */
#include "ripvec/rank.h"

#include <string.h>

#define RV_TOK_MAX 64 /* longer words are emitted whole (hashes, base64, ...) */

static int is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}
static int is_alpha(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_upper(unsigned char c) {
    return c >= 'A' && c <= 'Z';
}
static int is_lower(unsigned char c) {
    return (c >= 'a' && c <= 'z') || c >= 0x80; /* non-ASCII counts as lowercase letters */
}
static int is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}
static unsigned char lower(unsigned char c) {
    return is_upper(c) ? (unsigned char)(c + 32) : c;
}

/* Function words dropped from queries: they carry no code meaning. Sorted. */
static const char *const g_stop[] = {
    "a",       "about",  "after", "all",    "also", "an",     "and",   "any",  "are",   "as",
    "at",      "be",     "been",  "being",  "both", "but",    "by",    "can",  "could", "did",
    "do",      "does",   "each",  "either", "for",  "from",   "had",   "has",  "have",  "having",
    "he",      "her",    "here",  "his",    "how",  "if",     "in",    "into", "is",    "it",
    "its",     "itself", "just",  "may",    "me",   "might",  "must",  "my",   "of",    "on",
    "onto",    "or",     "our",   "shall",  "she",  "should", "so",    "some", "such",  "than",
    "that",    "the",    "their", "them",   "then", "there",  "these", "they", "this",  "those",
    "to",      "upon",   "us",    "very",   "was",  "we",     "were",  "what", "when",  "where",
    "whether", "which",  "while", "who",    "whom", "whose",  "why",   "will", "with",  "within",
    "would",   "you",    "your",
};

static int is_stopword(const char *t, size_t n) {
    size_t lo = 0, hi = sizeof g_stop / sizeof g_stop[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(g_stop[mid], t, n);
        if (c == 0) c = g_stop[mid][n] == '\0' ? 0 : 1;
        if (c == 0) return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int is_vowel(char c) {
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static int ends(const char *t, size_t n, const char *suf) {
    size_t m = strlen(suf);
    return n >= m && memcmp(t + n - m, suf, m) == 0;
}

static int has_vowel(const char *t, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (is_vowel(t[i]) || t[i] == 'y') return 1;
    return 0;
}

/* Light suffix stripping so "parses", "parsed", "parsing" and "parse" meet,
 * as do "entries"/"entry". Only for lowercase ASCII letters; returns the new
 * length. Deliberately conservative: short words are left alone. */
static size_t stem(char *t, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (t[i] < 'a' || t[i] > 'z') return n;
    if (n < 4) return n;
    if (ends(t, n, "ies") && n > 4) {
        n -= 2; /* entries -> entri */
        t[n - 1] = 'i';
    } else if (ends(t, n, "sses")) {
        n -= 2;
    } else if (ends(t, n, "ss") || ends(t, n, "us") || ends(t, n, "is")) {
        /* class, status, analysis: not plurals */
    } else if (t[n - 1] == 's') {
        n -= 1;
    }
    if (ends(t, n, "ing") && n - 3 >= 4 && has_vowel(t, n - 3)) {
        n -= 3;
    } else if (ends(t, n, "ed") && n - 2 >= 3 && has_vowel(t, n - 2)) {
        n -= 2;
    } else {
        goto tail;
    }
    /* running -> runn -> run; but keep "call", "pass", "buzz" */
    if (n >= 3 && t[n - 1] == t[n - 2] && !is_vowel(t[n - 1]) && t[n - 1] != 'l' &&
        t[n - 1] != 's' && t[n - 1] != 'z')
        n -= 1;
tail:
    if (n >= 4 && t[n - 1] == 'y' && !is_vowel(t[n - 2])) t[n - 1] = 'i'; /* retry ~ retries */
    if (n >= 4 && t[n - 1] == 'e') n -= 1;                                /* parse ~ parsed */
    return n;
}

static void emit(const char *src, size_t n, unsigned flags, rv_token_sink sink, void *user) {
    char buf[RV_TOK_MAX + 1];
    if (n < 2 || n > RV_TOK_MAX) return;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)lower((unsigned char)src[i]);
    if ((flags & RV_TOK_STOPWORDS) && is_stopword(buf, n)) return;
    if (flags & RV_TOK_STEM) n = stem(buf, n);
    if (n >= 2) sink(user, buf, n);
}

/* The whole word with separators removed would lose information ("is_ascii"
 * vs "isascii" differ in code); it is emitted as written, lowercased. */
static void split_word(const char *w, size_t n, unsigned flags, rv_token_sink sink, void *user) {
    /* Trim leading/trailing separators (__init__ -> init). */
    while (n && (w[0] == '_' || w[0] == '-'))
        w++, n--;
    while (n && (w[n - 1] == '_' || w[n - 1] == '-'))
        n--;
    if (n == 0) return;
    if (n > RV_TOK_MAX) {
        if (!(flags & RV_TOK_STOPWORDS)) { /* documents: keep a truncated form */
            char buf[RV_TOK_MAX];
            for (size_t i = 0; i < RV_TOK_MAX; i++)
                buf[i] = (char)lower((unsigned char)w[i]);
            sink(user, buf, RV_TOK_MAX);
        }
        return;
    }
    size_t parts = 0, start = 0;
    size_t ps[RV_TOK_MAX], pe[RV_TOK_MAX];
    for (size_t i = 0; i <= n; i++) {
        int cut = 0, skip = 0;
        if (i == n) {
            cut = 1;
        } else {
            unsigned char c = (unsigned char)w[i];
            if (c == '_' || c == '-') {
                cut = 1;
                skip = 1;
            } else if (i > start) {
                unsigned char p = (unsigned char)w[i - 1];
                if (is_upper(c) && is_lower(p))
                    cut = 1;
                else if (is_upper(c) && is_upper(p) && i + 1 < n &&
                         is_lower((unsigned char)w[i + 1]) && (unsigned char)w[i + 1] < 0x80)
                    cut = 1; /* HTTPServer -> HTTP | Server */
                else if (is_digit(c) != is_digit(p) && (is_alpha(c) || is_alpha(p)))
                    cut = 1;
            }
        }
        if (cut) {
            if (i > start) {
                ps[parts] = start;
                pe[parts] = i;
                parts++;
            }
            start = skip ? i + 1 : i;
        }
    }
    if (parts > 1) emit(w, n, flags & ~(unsigned)RV_TOK_STEM, sink, user);
    for (size_t k = 0; k < parts; k++)
        emit(w + ps[k], pe[k] - ps[k], flags, sink, user);
}

void rv_code_tokenize(const char *text, size_t len, unsigned flags, rv_token_sink sink,
                      void *user) {
    if (!text || !sink) return;
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        if (!is_word_byte(s[i])) {
            i++;
            continue;
        }
        size_t b = i;
        for (;;) {
            while (i < len && is_word_byte(s[i]))
                i++;
            /* kebab-case: a hyphen between letters joins the word */
            if (i + 1 < len && s[i] == '-' && is_alpha(s[i - 1]) && is_alpha(s[i + 1])) {
                i++;
                continue;
            }
            break;
        }
        split_word(text + b, i - b, flags, sink, user);
    }
}
