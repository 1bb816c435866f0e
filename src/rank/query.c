/* Query understanding: what a query looks like (an identifier, a qualified
 * name, a path, words, words with identifiers), from its text alone. */
#include "ripvec/rank.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

const char *rv_query_kind_name(rv_query_kind k) {
    switch (k) {
    case RV_QK_NATURAL: return "natural";
    case RV_QK_SYMBOL: return "symbol";
    case RV_QK_QUALIFIED: return "qualified";
    case RV_QK_PATH: return "path";
    case RV_QK_MIXED: return "mixed";
    }
    return "?";
}

size_t rv_symbol_key(char *out, size_t cap, const char *name, size_t len) {
    size_t k = 0;
    if (!cap) return 0;
    for (size_t i = 0; i < len && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '_' || c == '-' || c == '$') continue;
        out[k++] = (char)tolower(c);
    }
    out[k] = '\0';
    return k;
}

static int ident_char(unsigned char c) {
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Length of the qualifier separator at p ("::", "->", ".", "#", "\\"), 0 if none. */
static size_t qual_sep(const char *p) {
    if ((p[0] == ':' && p[1] == ':') || (p[0] == '-' && p[1] == '>')) return 2;
    if (p[0] == '.' || p[0] == '#' || p[0] == '\\') return 1;
    return 0;
}

/* A word written like code: snake_case, camelCase or an inner capital
 * ("FastAPI", "OAuth2"), a call "f()". */
static int code_shaped(const char *w, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c == '_' && i > 0 && i + 1 < n) return 1;
        if (i > 0 && isupper(c) && islower((unsigned char)w[i - 1])) return 1;
        if (c == '(' && i > 0) return 1;
    }
    return 0;
}

static int is_word(const char *w, size_t n, const char *const *list) {
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && strncasecmp(w, list[i], n) == 0) return 1;
    return 0;
}

/* The query's words that ask for documentation, tests or examples. */
static void note_intent(rv_query_info *q, const char *w, size_t n) {
    static const char *const prose[] = {"doc",      "docs",     "documentation", "readme",
                                        "changelog", "tutorial", "guide",         "manual",
                                        "reference", NULL};
    static const char *const tests[] = {"test", "tests", "testing", "spec", "specs", "unittest",
                                        NULL};
    static const char *const examples[] = {"example", "examples", "sample", "samples", "demo",
                                           NULL};
    if (is_word(w, n, prose)) q->wants_prose = 1;
    if (is_word(w, n, tests)) q->wants_tests = 1;
    if (is_word(w, n, examples)) q->wants_examples = 1;
}

/* A file or folder: a '/' inside, or a name ending in a known source or text
 * extension ("main.go", "CMakeLists.txt"); "obj.get" stays a qualified name. */
static int path_like(const char *w, size_t n) {
    if (memchr(w, '/', n)) return 1;
    const char *dot = NULL;
    for (size_t i = 0; i < n; i++)
        if (w[i] == '.') dot = w + i;
    if (!dot || dot == w) return 0;
    size_t ext = (size_t)(w + n - dot - 1);
    if (ext < 1 || ext > 4) return 0;
    for (const char *p = dot + 1; p < w + n; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p)) return 0;
    static const char *const exts[] = {"c",   "h",    "cc",  "cpp", "hpp", "go",  "py",  "rs",
                                       "js",  "ts",   "tsx", "jsx", "java", "kt", "rb",  "php",
                                       "cs",  "swift", "scala", "lua", "sh", "zig", "hs", "ex",
                                       "exs", "md",   "txt", "json", "yaml", "yml", "toml", "mk",
                                       "cfg", "ini",  "html", "css", "sql",  "m",   "mm", NULL};
    return is_word(dot + 1, ext, exts);
}

static void add_ident(rv_query_info *q, const char *w, size_t n) {
    if (q->n_idents >= RV_QUERY_MAX_IDENTS) return;
    while (n && (w[n - 1] == ')' || w[n - 1] == '(' || w[n - 1] == ',' || w[n - 1] == '?'))
        n--;
    /* the name is the part after the last qualifier separator */
    size_t name_at = 0, qual_end = 0;
    for (size_t i = 0; i < n;) {
        size_t sl = qual_sep(w + i);
        if (sl && i > 0 && i + sl < n) {
            qual_end = i;
            name_at = i + sl;
            i += sl;
        } else {
            i++;
        }
    }
    char key[RV_QUERY_WORD_MAX];
    if (!rv_symbol_key(key, sizeof key, w + name_at, n - name_at)) return;
    for (size_t i = 0; i < q->n_idents; i++)
        if (strcmp(q->ident[i], key) == 0) return;
    memcpy(q->ident[q->n_idents], key, sizeof key);
    size_t rl = n - name_at < RV_QUERY_WORD_MAX - 1 ? n - name_at : RV_QUERY_WORD_MAX - 1;
    memcpy(q->raw[q->n_idents], w + name_at, rl);
    q->raw[q->n_idents][rl] = '\0';
    /* the qualifier's own last part: "a.b.c" -> "b" */
    size_t qs = 0;
    for (size_t i = 0; i < qual_end;) {
        size_t sl = qual_sep(w + i);
        if (sl && i > 0) {
            qs = i + sl;
            i += sl;
        } else {
            i++;
        }
    }
    rv_symbol_key(q->qual[q->n_idents], RV_QUERY_WORD_MAX, w + qs, qual_end > qs ? qual_end - qs : 0);
    q->n_idents++;
}

static void word_sink(void *user, const char *t, size_t n) {
    rv_query_info *q = user;
    if (q->n_words >= RV_QUERY_MAX_WORDS || n >= RV_QUERY_WORD_MAX) return;
    for (size_t i = 0; i < q->n_words; i++)
        if (strlen(q->word[i]) == n && memcmp(q->word[i], t, n) == 0) return;
    memcpy(q->word[q->n_words], t, n);
    q->word[q->n_words][n] = '\0';
    q->n_words++;
}

/* A question word first ("how", "what", "where", "why", "which"). */
static int first_word_asks(const char *text) {
    static const char *const ask[] = {"how", "what", "where", "why", "which", NULL};
    const char *w = text + strspn(text, " \t\r\n\"'`(");
    size_t n = 0;
    while (isalpha((unsigned char)w[n]))
        n++;
    return is_word(w, n, ask);
}

void rv_query_analyze(rv_query_info *q, const char *text) {
    memset(q, 0, sizeof *q);
    if (!text) return;
    rv_code_tokenize(text, strlen(text), RV_TOK_STEM | RV_TOK_STOPWORDS, word_sink, q);
    size_t nwords = 0, nident = 0, npath = 0, nqual = 0;
    for (const char *p = text; *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p) break;
        const char *w = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - w);
        /* trailing punctuation of a sentence is not part of the word */
        while (n > 1 && strchr(",;:!?\"'", w[n - 1]))
            n--;
        size_t lead = 0;
        while (lead < n && strchr("\"'`(", w[lead]))
            lead++;
        w += lead;
        n -= lead;
        if (!n) continue;
        nwords++;
        note_intent(q, w, n);
        if (path_like(w, n)) {
            npath++;
            continue;
        }
        int qualified = 0, identish = 1;
        for (size_t i = 0; i < n; i++) {
            size_t sl = qual_sep(w + i);
            if (sl && i > 0 && i + sl < n && ident_char((unsigned char)w[i + sl])) {
                qualified = 1;
                i += sl - 1;
            } else if (!ident_char((unsigned char)w[i]) && !(w[i] == '(' || w[i] == ')')) {
                identish = 0;
            }
        }
        if (!identish) continue;
        /* capitalized words read as type names ("how Monad composes", "Depends"),
         * except a sentence's first word */
        int alone = nwords == 1 && !p[strspn(p, " \t\r\n")];
        int capital = (nwords > 1 || alone) && isupper((unsigned char)w[0]);
        if (qualified || code_shaped(w, n) || capital) {
            nident++;
            nqual += (size_t)qualified;
            add_ident(q, w, n);
        } else if (alone) {
            /* one lowercase word: an identifier as much as a word */
            add_ident(q, w, n);
        }
    }
    q->question = first_word_asks(text);
    q->n_terms = rv_name_words(q->terms, sizeof q->terms, text, strlen(text));
    if (q->n_terms > RV_QUERY_MAX_WORDS) q->n_terms = RV_QUERY_MAX_WORDS;
    if (npath && nwords <= 2)
        q->kind = RV_QK_PATH;
    else if (nwords == 1 && nqual)
        q->kind = RV_QK_QUALIFIED;
    else if (nwords == 1 && nident)
        q->kind = RV_QK_SYMBOL;
    else if (nident || (nwords == 1 && q->n_idents))
        q->kind = RV_QK_MIXED;
    else
        q->kind = RV_QK_NATURAL;
}
