/* Code-aware tokenizer for BM25: identifiers split at case, underscore,
 * hyphen and digit boundaries, lowercased, optionally lightly stemmed. */
#include "ripvec/rank.h"

#include <pthread.h>
#include <string.h>

#define RV_TOK_MAX 64 /* longer words are emitted whole (hashes, base64, ...) */

/* Byte classes, so the scanner does one table load per byte. Non-ASCII
 * bytes count as lowercase letters: they stay inside words and never split. */
enum { C_WORD = 1, C_ALPHA = 2, C_UPPER = 4, C_LOWER = 8, C_DIGIT = 16, C_SEP = 32 };

static unsigned char g_cls[256];
static pthread_once_t g_cls_once = PTHREAD_ONCE_INIT;

static void init_classes(void) {
    for (int c = 0; c < 256; c++) {
        unsigned char k = 0;
        if (c >= 'a' && c <= 'z')
            k = C_WORD | C_ALPHA | C_LOWER;
        else if (c >= 'A' && c <= 'Z')
            k = C_WORD | C_ALPHA | C_UPPER;
        else if (c >= '0' && c <= '9')
            k = C_WORD | C_DIGIT;
        else if (c == '_')
            k = C_WORD | C_SEP;
        else if (c == '-')
            k = C_SEP;
        else if (c >= 0x80)
            k = C_WORD | C_LOWER;
        g_cls[c] = k;
    }
}

static const unsigned char *classes(void) {
    pthread_once(&g_cls_once, init_classes);
    return g_cls;
}

static unsigned char lower(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
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

#define ends(t, n, suf)                                                                            \
    ((n) >= sizeof(suf) - 1 && memcmp((t) + (n) - (sizeof(suf) - 1), suf, sizeof(suf) - 1) == 0)

static int has_vowel(const char *t, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (is_vowel(t[i]) || t[i] == 'y') return 1;
    return 0;
}

/* Light suffix stripping so "parses", "parsed", "parsing" and "parse" meet,
 * as do "entries"/"entry". Only for lowercase ASCII letters; returns the new
 * length. Deliberately conservative: short words are left alone. */
static size_t stem(char *t, size_t n) {
    if (n < 4) return n;
    char last = t[n - 1];
    if (last != 's' && last != 'g' && last != 'd' && last != 'y' && last != 'e') return n;
    for (size_t i = 0; i < n; i++)
        if (t[i] < 'a' || t[i] > 'z') return n;
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

int rv_token_is_stopword(const char *t, size_t n) {
    return is_stopword(t, n);
}

size_t rv_token_stem(char *t, size_t n) {
    return n > RV_TOK_MAX ? n : stem(t, n);
}

/* t is lowercase already; stemming works on a copy. */
static void emit(const char *t, size_t n, unsigned flags, rv_token_sink sink, void *user) {
    if (n < 2) return;
    if ((flags & RV_TOK_STOPWORDS) && is_stopword(t, n)) return;
    if (flags & RV_TOK_STEM) {
        char buf[RV_TOK_MAX];
        memcpy(buf, t, n);
        n = stem(buf, n);
        if (n >= 2) sink(user, buf, n);
        return;
    }
    sink(user, t, n);
}

/* The whole word is kept too: "is_ascii" and "isascii" differ in code, and
 * an exact identifier in a query should match it best. */
static void split_word(const unsigned char *cls, const char *w, size_t n, unsigned flags,
                       rv_token_sink sink, void *user) {
    /* Trim leading/trailing separators (__init__ -> init). */
    while (n && (cls[(unsigned char)w[0]] & C_SEP))
        w++, n--;
    while (n && (cls[(unsigned char)w[n - 1]] & C_SEP))
        n--;
    if (n < 2) return;
    char low[RV_TOK_MAX];
    if (n > RV_TOK_MAX) { /* hashes, base64: documents keep a truncated form */
        if (flags & RV_TOK_STOPWORDS) return;
        for (size_t i = 0; i < RV_TOK_MAX; i++)
            low[i] = (char)lower((unsigned char)w[i]);
        sink(user, low, RV_TOK_MAX);
        return;
    }
    unsigned all = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        all |= cls[c];
        low[i] = (char)lower(c);
    }
    if (!(all & (C_UPPER | C_DIGIT | C_SEP))) { /* plain lowercase word: one part */
        emit(low, n, flags, sink, user);
        return;
    }
    size_t parts = 0, start = 0;
    unsigned char ps[RV_TOK_MAX], pe[RV_TOK_MAX];
    for (size_t i = 0; i <= n; i++) {
        int cut = 0, skip = 0;
        if (i == n) {
            cut = 1;
        } else {
            unsigned char c = cls[(unsigned char)w[i]];
            if (c & C_SEP) {
                cut = skip = 1;
            } else if (i > start) {
                unsigned char p = cls[(unsigned char)w[i - 1]];
                if ((c & C_UPPER) && (p & C_LOWER))
                    cut = 1;
                else if ((c & C_UPPER) && (p & C_UPPER) && i + 1 < n &&
                         (cls[(unsigned char)w[i + 1]] & (C_LOWER | C_ALPHA)) ==
                             (C_LOWER | C_ALPHA))
                    cut = 1; /* HTTPServer -> HTTP | Server */
                else if (((c ^ p) & C_DIGIT) && ((c | p) & C_ALPHA))
                    cut = 1; /* utf8 -> utf | 8 */
            }
        }
        if (cut) {
            if (i > start) {
                ps[parts] = (unsigned char)start;
                pe[parts] = (unsigned char)i;
                parts++;
            }
            start = skip ? i + 1 : i;
        }
    }
    if (parts > 1) emit(low, n, flags & ~(unsigned)RV_TOK_STEM, sink, user);
    for (size_t k = 0; k < parts; k++)
        emit(low + ps[k], (size_t)(pe[k] - ps[k]), flags, sink, user);
}

void rv_code_tokenize(const char *text, size_t len, unsigned flags, rv_token_sink sink,
                      void *user) {
    if (!text || !sink) return;
    const unsigned char *cls = classes();
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        if (!(cls[s[i]] & C_WORD)) {
            i++;
            continue;
        }
        size_t b = i;
        for (;;) {
            while (i < len && (cls[s[i]] & C_WORD))
                i++;
            /* kebab-case: a hyphen between letters joins the word */
            if (i + 1 < len && s[i] == '-' && (cls[s[i - 1]] & C_ALPHA) &&
                (cls[s[i + 1]] & C_ALPHA)) {
                i++;
                continue;
            }
            break;
        }
        split_word(cls, text + b, i - b, flags, sink, user);
    }
}
