/* The definitions lookup: symbol key -> chunks that define it, and file
 * stem -> chunks of that file, built in memory from the chunk metadata the
 * chunker stores (name, kind, path). */
#include "ripvec/rank.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    const char *k; /* into keys, set once every key is in */
    uint32_t key;  /* offset of the key in keys */
    uint32_t id;
} entry;

typedef struct table {
    entry *e;
    uint32_t *ids; /* e[i].id, in sorted order: what lookups hand out */
    size_t n;
} table;

typedef struct named {
    uint32_t id, words;  /* chunk id; offset of its name words in `words` */
    uint32_t n;          /* how many name words */
    uint32_t sig, n_sig; /* offset of its signature words; how many */
} named;

struct rv_symtab {
    char *keys; /* NUL-terminated keys, one after the other */
    size_t keys_len, keys_cap;
    table defs, files;
    named *names; /* definitions with name words, in chunk order */
    size_t n_names;
    char *words; /* rv_name_words pairs, one run per definition */
    size_t words_len, words_cap;
};

static int cmp_entry(const void *a, const void *b) {
    const entry *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    if (c) return c;
    return (x->id > y->id) - (x->id < y->id);
}

/* Chunks that define something: named, and not a heading, data key or window. */
static int defines(const rv_chunk *c) {
    if (!c->name || !c->name[0] || !c->kind) return 0;
    static const char *const skip[] = {"window", "section", "key", "table"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strcmp(c->kind, skip[i]) == 0) return 0;
    return 1;
}

/* Appends the key of name[0..len) and returns its offset, or UINT32_MAX on
 * allocation failure; an empty key is offset of "" (still valid). */
static uint32_t add_key(rv_symtab *t, const char *name, size_t len) {
    size_t need = t->keys_len + len + 1;
    if (need > UINT32_MAX) return UINT32_MAX;
    if (need > t->keys_cap) {
        size_t cap = t->keys_cap ? t->keys_cap * 2 : 4096;
        while (cap < need)
            cap *= 2;
        char *k = realloc(t->keys, cap);
        if (!k) return UINT32_MAX;
        t->keys = k;
        t->keys_cap = cap;
    }
    size_t off = t->keys_len;
    size_t kl = rv_symbol_key(t->keys + off, len + 1, name, len);
    t->keys_len += kl + 1;
    return (uint32_t)off;
}

/* The file's stem: its base name up to the first dot ("Validated.scala",
 * "index.d.ts" -> "index"). */
static void stem_of(const char *path, const char **s, size_t *len) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strchr(base + (base[0] == '.'), '.');
    *s = base;
    *len = dot ? (size_t)(dot - base) : strlen(base);
}

/* Where the signature's parameter list starts: the first '(' after the name
 * on the chunk's first lines, past generic arguments, '=', ':' and spaces
 * ("def mount(", "fn get<T>(", "const f = (", "func (c *C) Name("). */
#define SIG_SCAN 400 /* bytes of the chunk searched for the name */
#define SIG_MAX 300  /* bytes of a parameter list kept */

static const char *params_of(const rv_chunk *c, size_t nl, size_t *len) {
    const char *t = c->content ? c->content : "";
    size_t tl = strnlen(t, SIG_SCAN);
    for (const char *at = t; nl && (at = memmem(at, tl - (size_t)(at - t), c->name, nl)); at++) {
        size_t i = (size_t)(at - t);
        if (i && (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_')) continue; /* "prefetch" */
        size_t j = i + nl, depth = 0;
        while (j < tl && (t[j] == ' ' || t[j] == '=' || t[j] == ':' || t[j] == '<' || depth)) {
            depth += t[j] == '<';
            if (t[j] == '>' && depth) depth--;
            j++;
        }
        if (j >= tl || t[j] != '(') continue;
        size_t b = ++j, d = 1, end = strnlen(t, b + SIG_MAX);
        for (; j < end && d; j++)
            d += (t[j] == '(') - (t[j] == ')');
        *len = j - b - (d == 0);
        return t + b;
    }
    return NULL;
}

/* Words that stand for the receiver, not a parameter. */
static int receiver_word(const char *w) {
    return !strcmp(w, "self") || !strcmp(w, "cls") || !strcmp(w, "this");
}

/* Appends the words of text (rv_name_words pairs; in a signature, receiver
 * words dropped; at most `max`) to t->words; returns how many, or -1 on
 * allocation failure. */
static int append_words(rv_symtab *t, const char *text, size_t n, size_t max, int sig) {
    char buf[RV_NAME_MAX_WORDS * 2 * RV_QUERY_WORD_MAX], tmp[SIG_MAX + 1];
    size_t tn = n < SIG_MAX ? n : SIG_MAX;
    for (size_t i = 0; i < tn; i++) /* in a signature, generic arguments are words */
        tmp[i] = sig && (text[i] == '<' || text[i] == '>') ? ' ' : text[i];
    size_t nw = rv_name_words(buf, sizeof buf, tmp, tn), kept = 0, len = 0;
    char out[sizeof buf];
    for (size_t i = 0, off = 0; i < nw && kept < max; i++) {
        const char *raw = buf + off, *stem = raw + strlen(raw) + 1;
        size_t pl = strlen(raw) + 1 + strlen(stem) + 1;
        off += pl;
        if (sig && receiver_word(raw)) continue;
        memcpy(out + len, raw, pl);
        len += pl;
        kept++;
    }
    if (t->words_len + len > UINT32_MAX) return 0;
    if (t->words_len + len > t->words_cap) {
        size_t cap = t->words_cap ? t->words_cap * 2 : 4096;
        while (cap < t->words_len + len)
            cap *= 2;
        char *w = realloc(t->words, cap);
        if (!w) return -1;
        t->words = w;
        t->words_cap = cap;
    }
    memcpy(t->words + t->words_len, out, len);
    t->words_len += len;
    return (int)kept;
}

/* The identifiers of p[b..e): their starts and ends, at most max. */
static size_t idents(const char *p, size_t b, size_t e, size_t *ws, size_t *we, size_t max) {
    size_t n = 0;
    for (size_t j = b; j < e && n < max;) {
        while (j < e && !(isalnum((unsigned char)p[j]) || p[j] == '_'))
            j++;
        size_t s0 = j;
        while (j < e && (isalnum((unsigned char)p[j]) || p[j] == '_'))
            j++;
        if (j > s0) ws[n] = s0, we[n++] = j;
    }
    return n;
}

/* The parameters' names alone, space-separated into out (types say less
 * about what a function does than the names its author gave): each
 * top-level comma-separated parameter without its default; "name: Type"
 * keeps the name, Go's "name Type" its first word, "Type name" (C, Java,
 * C#) its last. Returns the length written. */
static size_t param_names(char *out, size_t cap, const char *p, size_t n, const char *lang) {
    int go = lang && strcmp(lang, "go") == 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = i, e = SIZE_MAX;
        int depth = 0, colon = 0;
        for (; i < n; i++) {
            char ch = p[i];
            if (strchr("([<{", ch))
                depth++;
            else if (strchr(")]>}", ch) && depth)
                depth--;
            else if (!depth && ch == ',')
                break;
            else if (!depth &&
                     (ch == '=' || (ch == ':' && p[i + 1] != ':' && (i == b || p[i - 1] != ':'))) &&
                     e == SIZE_MAX) {
                e = i; /* the default or the type starts */
                colon = ch == ':';
            }
        }
        size_t ws[16], we[16];
        size_t m = idents(p, b, e < i ? e : i, ws, we, 16);
        if (!m) continue;
        size_t w = colon || !go ? m - 1 : 0; /* "mut name:", "Type name", Go's "name Type" */
        size_t l = we[w] - ws[w];
        if (k + l + 2 > cap) break;
        memcpy(out + k, p + ws[w], l);
        k += l;
        out[k++] = ' ';
    }
    out[k] = '\0';
    return k;
}

/* The name and signature words of chunk id; returns 0 on allocation failure. */
static int add_words(rv_symtab *t, const rv_chunk *c, uint32_t id) {
    size_t at = t->words_len;
    int n = append_words(t, c->name, strlen(c->name), RV_NAME_MAX_WORDS, 0);
    if (n < 0) return 0;
    if (n == 0) return 1;
    named *e = &t->names[t->n_names];
    *e = (named){id, (uint32_t)at, (uint32_t)n, (uint32_t)t->words_len, 0};
    size_t pl = 0;
    const char *p = params_of(c, strcspn(c->name, "<"), &pl);
    char pn[SIG_MAX + 1];
    int ns = 0;
    if (p) {
        pl = param_names(pn, sizeof pn, p, pl, c->language);
        ns = append_words(t, pn, pl, RV_NAME_MAX_WORDS / 2, 1);
    }
    if (ns < 0) return 0;
    e->n_sig = (uint32_t)ns;
    t->n_names++;
    return 1;
}

static rv_status finish_table(table *tb, const char *keys) {
    for (size_t i = 0; i < tb->n; i++)
        tb->e[i].k = keys + tb->e[i].key;
    if (tb->n) qsort(tb->e, tb->n, sizeof *tb->e, cmp_entry);
    tb->ids = malloc((tb->n ? tb->n : 1) * sizeof *tb->ids);
    if (!tb->ids) return RV_ERR_NOMEM;
    for (size_t i = 0; i < tb->n; i++)
        tb->ids[i] = tb->e[i].id;
    return RV_OK;
}

rv_status rv_symtab_build(rv_symtab **out, const rv_chunk *chunks, size_t n) {
    if (!out || (!chunks && n)) return rv_error_set(RV_ERR_INVALID_ARG, "symtab: bad arguments");
    *out = NULL;
    if (n > UINT32_MAX) return rv_error_set(RV_ERR_INVALID_ARG, "symtab: too many chunks");
    rv_symtab *t = calloc(1, sizeof *t);
    if (!t) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    t->defs.e = malloc((n ? n : 1) * sizeof *t->defs.e);
    t->files.e = malloc((n ? n : 1) * sizeof *t->files.e);
    t->names = malloc((n ? n : 1) * sizeof *t->names);
    if (!t->defs.e || !t->files.e || !t->names) goto oom;
    uint32_t file_key = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        const rv_chunk *c = &chunks[i];
        if (defines(c)) {
            /* generic arguments are no part of the name: a specialization
             * "formatter<bytes>" defines "formatter" */
            size_t nl = strcspn(c->name, "<");
            uint32_t k = add_key(t, c->name, nl ? nl : strlen(c->name));
            if (k == UINT32_MAX) goto oom;
            t->defs.e[t->defs.n++] = (entry){NULL, k, (uint32_t)i};
            /* a definition's name speaks for its first piece, the one
             * holding its signature */
            if (!(i > 0 && rv_chunk_continues(&chunks[i - 1], c)) && strcmp(c->kind, "impl") != 0 &&
                !add_words(t, c, (uint32_t)i))
                goto oom;
        }
        if (!c->path) continue;
        if (i == 0 || !chunks[i - 1].path || strcmp(c->path, chunks[i - 1].path) != 0) {
            const char *s;
            size_t len;
            stem_of(c->path, &s, &len);
            if ((file_key = add_key(t, s, len)) == UINT32_MAX) goto oom;
        }
        t->files.e[t->files.n++] = (entry){NULL, file_key, (uint32_t)i};
    }
    if (finish_table(&t->defs, t->keys) != RV_OK || finish_table(&t->files, t->keys) != RV_OK)
        goto oom;
    *out = t;
    return RV_OK;
oom:
    rv_symtab_free(t);
    return rv_error_set(RV_ERR_NOMEM, "out of memory");
}

void rv_symtab_free(rv_symtab *t) {
    if (!t) return;
    free(t->keys);
    free(t->defs.e);
    free(t->defs.ids);
    free(t->files.e);
    free(t->files.ids);
    free(t->names);
    free(t->words);
    free(t);
}

/* The run of entries with `key`, by binary search. */
static size_t find(const rv_symtab *t, const table *tb, const char *key, const uint32_t **ids) {
    *ids = NULL;
    if (!t || !key || !key[0]) return 0;
    size_t lo = 0, hi = tb->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(tb->e[mid].k, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < tb->n && strcmp(tb->e[end].k, key) == 0)
        end++;
    if (end > lo) *ids = tb->ids + lo;
    return end - lo;
}

size_t rv_symtab_defs(const rv_symtab *t, const char *key, const uint32_t **ids) {
    return find(t, t ? &t->defs : NULL, key, ids);
}

size_t rv_symtab_files(const rv_symtab *t, const char *key, const uint32_t **ids) {
    return find(t, t ? &t->files : NULL, key, ids);
}

size_t rv_symtab_count_named(const rv_symtab *t) {
    return t ? t->n_names : 0;
}

uint32_t rv_symtab_named(const rv_symtab *t, size_t i, const char **words, size_t *n_words) {
    *words = t->words + t->names[i].words;
    *n_words = t->names[i].n;
    return t->names[i].id;
}

size_t rv_symtab_signature(const rv_symtab *t, size_t i, const char **words) {
    *words = t->words + t->names[i].sig;
    return t->names[i].n_sig;
}
