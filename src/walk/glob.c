/* Glob compiler and matcher with git wildmatch semantics (see walk/glob.h). */
#include "walk/glob.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum tok_kind {
    TOK_LIT,   /* one byte */
    TOK_ANY,   /* '?': one byte, not '/' */
    TOK_CLASS, /* '[...]': one byte from a set, never '/' */
    TOK_STAR,  /* '*': any run without '/' */
    TOK_DSTAR, /* "**": any run at all */
    TOK_SKIP   /* zero-width; starts a "**" + "/" group: DSTAR, LIT '/'. Either
                * enters the group or jumps over all three (matches nothing) */
} tok_kind;

typedef struct tok {
    uint8_t kind;
    uint8_t ch;
    uint32_t cls; /* index into classes for TOK_CLASS */
} tok;

typedef enum glob_shape {
    SHAPE_GENERAL,
    SHAPE_NEVER,   /* malformed: matches nothing */
    SHAPE_LITERAL, /* plain bytes */
    SHAPE_SUFFIX,  /* '*' then plain bytes */
    SHAPE_PREFIX   /* plain bytes then trailing "**" */
} glob_shape;

struct rv_glob {
    glob_shape shape;
    tok *toks;
    size_t ntok;
    uint8_t (*classes)[32]; /* 256-bit sets */
    size_t ncls;
    char *lit; /* the plain bytes for the LITERAL/SUFFIX/PREFIX shapes */
    size_t litlen;
    /* Bit-parallel NFA (SHAPE_GENERAL): bit i of a W-word set is token
     * position i; position ntok accepts. */
    size_t words, minlen;
    uint64_t *consume;                               /* nuniq sets: positions that step on byte c */
    uint16_t cidx[256];                              /* byte -> its consume set */
    uint64_t *loop_any, *loop_noslash, *eps1, *eps3; /* one set each */
};

static int set_has(const uint8_t *set, unsigned c) {
    return (set[c >> 3] >> (c & 7)) & 1;
}
static void set_add(uint8_t *set, unsigned c) {
    set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

/* POSIX class names git accepts inside brackets; ASCII only, as git. */
static int add_named_class(uint8_t *set, const char *name, size_t n) {
    static const char *const names[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                        "lower", "print", "punct", "space", "upper", "xdigit"};
    int which = -1;
    for (int i = 0; i < 12; i++)
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0) which = i;
    if (which < 0) return -1;
    for (unsigned c = 0; c < 128; c++) {
        int up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z', dig = c >= '0' && c <= '9';
        int graph = c > 32 && c < 127, in = 0;
        switch (which) {
        case 0: in = up || lo || dig; break;
        case 1: in = up || lo; break;
        case 2: in = c == ' ' || c == '\t'; break;
        case 3: in = c < 32 || c == 127; break;
        case 4: in = dig; break;
        case 5: in = graph; break;
        case 6: in = lo; break;
        case 7: in = graph || c == ' '; break;
        case 8: in = graph && !(up || lo || dig); break;
        case 9: in = c == ' ' || (c >= '\t' && c <= '\r'); break;
        case 10: in = up; break;
        case 11: in = dig || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); break;
        }
        if (in) set_add(set, c);
    }
    return 0;
}

/* Parses a bracket expression starting at p[*pos] == '['. Returns 0 and
 * advances *pos past ']', or -1 when malformed (the whole glob then never
 * matches, as in git). Follows git's rules: '!' or '^' negates, a ']' first
 * is literal, "a-z" ranges, '\' escapes, "[:name:]" classes, and a "[:"
 * without a closing ":]" is a literal '['. */
static int parse_class(const char *p, size_t len, size_t *pos, uint8_t *set) {
    size_t j = *pos + 1;
    int neg = 0, first = 1, prev = -1;
    uint8_t tmp[32];
    memset(tmp, 0, sizeof tmp);
    if (j < len && (p[j] == '!' || p[j] == '^')) {
        neg = 1;
        j++;
    }
    for (;;) {
        if (j >= len) return -1;
        unsigned char c = (unsigned char)p[j];
        if (!first && c == ']') {
            j++;
            break;
        }
        first = 0;
        if (c == '\\') {
            if (++j >= len) return -1;
            c = (unsigned char)p[j++];
            set_add(tmp, c);
            prev = c;
        } else if (c == '-' && prev >= 0 && j + 1 < len && p[j + 1] != ']') {
            j++;
            unsigned char hi = (unsigned char)p[j];
            if (hi == '\\') {
                if (++j >= len) return -1;
                hi = (unsigned char)p[j];
            }
            j++;
            for (unsigned x = (unsigned)prev; x <= hi; x++)
                set_add(tmp, x);
            prev = -1;
        } else if (c == '[' && j + 1 < len && p[j + 1] == ':') {
            size_t s = j + 2, k = s;
            while (k < len && p[k] != ']')
                k++;
            if (k >= len) return -1;
            if (k == s || p[k - 1] != ':') { /* no ":]": a literal '[' */
                set_add(tmp, '[');
                prev = '[';
                j++;
                continue;
            }
            if (add_named_class(tmp, p + s, k - 1 - s) != 0) return -1;
            prev = -1;
            j = k + 1;
        } else {
            set_add(tmp, c);
            prev = c;
            j++;
        }
    }
    for (int i = 0; i < 32; i++)
        set[i] = neg ? (uint8_t)~tmp[i] : tmp[i];
    set['/' >> 3] &= (uint8_t) ~(1u << ('/' & 7));
    *pos = j;
    return 0;
}

static int is_special(char c) {
    return c == '*' || c == '?' || c == '[' || c == '\\';
}

static void classify(rv_glob *g);
static int build_nfa(rv_glob *g);

rv_status rv_glob_compile(rv_glob **out, const char *p, size_t len, unsigned flags) {
    rv_status st = RV_OK;
    rv_glob *g = NULL;
    size_t prefix = 0;
    if (!out || (!p && len)) return rv_error_set(RV_ERR_INVALID_ARG, "glob: null argument");
    *out = NULL;
    g = calloc(1, sizeof *g);
    /* At most one token per pattern byte, at most one class per '['. */
    if (!g || !(g->toks = malloc((len + 1) * sizeof *g->toks))) {
        st = rv_error_set(RV_ERR_NOMEM, "glob: out of memory");
        goto done;
    }
    if (flags & RV_GLOB_GIT_PREFIX)
        while (prefix < len && !is_special(p[prefix]))
            prefix++;
    for (size_t i = 0; i < len;) {
        char c = p[i];
        tok t = {TOK_LIT, (uint8_t)c, 0};
        if (c == '\\') {
            if (i + 1 >= len) {
                g->shape = SHAPE_NEVER;
                goto done;
            }
            t.ch = (uint8_t)p[i + 1];
            i += 2;
        } else if (c == '?') {
            t.kind = TOK_ANY;
            i++;
        } else if (c == '*') {
            size_t j = i;
            while (j < len && p[j] == '*')
                j++;
            int at_start =
                i == 0 || p[i - 1] == '/' || ((flags & RV_GLOB_GIT_PREFIX) && i == prefix);
            int slash_after = j < len && p[j] == '/';
            int esc_slash_after = j + 1 < len && p[j] == '\\' && p[j + 1] == '/';
            if (j - i >= 2 && at_start && j == len) {
                t.kind = TOK_DSTAR;
                i = j;
            } else if (j - i >= 2 && at_start && (slash_after || esc_slash_after)) {
                /* Empty, or anything ending in '/'. Three tokens from at
                 * least three pattern bytes, so the token bound holds. Two
                 * groups in a row mean no more than one. */
                i = j + (slash_after ? 1 : 2);
                if (g->ntok >= 3 && g->toks[g->ntok - 3].kind == TOK_SKIP &&
                    g->toks[g->ntok - 1].kind == TOK_LIT)
                    continue;
                g->toks[g->ntok++] = (tok){TOK_SKIP, 0, 0};
                g->toks[g->ntok++] = (tok){TOK_DSTAR, 0, 0};
                t.kind = TOK_LIT;
                t.ch = '/';
            } else {
                t.kind = TOK_STAR;
                i = j;
            }
        } else if (c == '[') {
            void *grown = realloc(g->classes, (g->ncls + 1) * sizeof *g->classes);
            if (!grown) {
                st = rv_error_set(RV_ERR_NOMEM, "glob: out of memory");
                goto done;
            }
            g->classes = grown;
            if (parse_class(p, len, &i, g->classes[g->ncls]) != 0) {
                g->shape = SHAPE_NEVER;
                goto done;
            }
            t.kind = TOK_CLASS;
            t.cls = (uint32_t)g->ncls++;
        } else {
            i++;
        }
        g->toks[g->ntok++] = t;
    }
    g->shape = SHAPE_GENERAL;
    classify(g);
    if (g->shape == SHAPE_GENERAL && build_nfa(g) != 0)
        st = rv_error_set(RV_ERR_NOMEM, "glob: out of memory");
done:
    if (st != RV_OK) {
        rv_glob_free(g);
        g = NULL;
    }
    *out = g;
    return st;
}

void rv_glob_free(rv_glob *g) {
    if (!g) return;
    free(g->toks);
    free(g->classes);
    free(g->lit);
    free(g->consume);
    free(g->loop_any);
    free(g);
}

int rv_glob_malformed(const rv_glob *g) {
    return g && g->shape == SHAPE_NEVER;
}

static void bit_set(uint64_t *set, size_t i) {
    set[i >> 6] |= 1ull << (i & 63);
}

/* Builds the per-byte step sets (deduplicated: most bytes behave alike) and
 * the loop / epsilon sets. Returns -1 on allocation failure. */
static int build_nfa(rv_glob *g) {
    size_t nt = g->ntok, W = (nt + 1 + 63) / 64, nuniq = 0;
    uint64_t *tmp = calloc(W, sizeof *tmp);
    g->words = W;
    g->loop_any = calloc(4 * W, sizeof *g->loop_any);
    g->consume = malloc(W * sizeof *g->consume); /* grows as unique sets appear */
    if (!tmp || !g->loop_any || !g->consume) {
        free(tmp);
        return -1;
    }
    g->loop_noslash = g->loop_any + W;
    g->eps1 = g->loop_any + 2 * W;
    g->eps3 = g->loop_any + 3 * W;
    g->minlen = 0;
    for (size_t i = 0; i < nt; i++) {
        const tok *t = &g->toks[i];
        switch ((tok_kind)t->kind) {
        case TOK_LIT:
            /* The '/' closing a "**" + "/" group may be skipped. */
            if (!(i >= 2 && g->toks[i - 2].kind == TOK_SKIP)) g->minlen++;
            break;
        case TOK_ANY:
        case TOK_CLASS: g->minlen++; break;
        case TOK_STAR:
            bit_set(g->loop_noslash, i);
            bit_set(g->eps1, i);
            break;
        case TOK_DSTAR:
            bit_set(g->loop_any, i);
            bit_set(g->eps1, i);
            break;
        case TOK_SKIP:
            bit_set(g->eps1, i);
            bit_set(g->eps3, i);
            break;
        }
    }
    for (unsigned c = 0; c < 256; c++) {
        memset(tmp, 0, W * sizeof *tmp);
        for (size_t i = 0; i < nt; i++) {
            const tok *t = &g->toks[i];
            int step = (t->kind == TOK_LIT && t->ch == c) || (t->kind == TOK_ANY && c != '/') ||
                       (t->kind == TOK_CLASS && set_has(g->classes[t->cls], c));
            if (step) bit_set(tmp, i);
        }
        size_t u = 0;
        while (u < nuniq && memcmp(g->consume + u * W, tmp, W * sizeof *tmp) != 0)
            u++;
        if (u == nuniq) {
            uint64_t *grown = realloc(g->consume, (nuniq + 1) * W * sizeof *grown);
            if (!grown) {
                free(tmp);
                return -1;
            }
            g->consume = grown;
            memcpy(g->consume + nuniq * W, tmp, W * sizeof *tmp);
            nuniq++;
        }
        g->cidx[c] = (uint16_t)u;
    }
    free(tmp);
    return 0;
}

static void classify(rv_glob *g) {
    size_t n = g->ntok, lo = 0, hi = n;
    glob_shape shape = SHAPE_LITERAL;
    if (n > 0 && g->toks[0].kind == TOK_STAR) {
        shape = SHAPE_SUFFIX;
        lo = 1;
    } else if (n > 0 && g->toks[n - 1].kind == TOK_DSTAR) {
        shape = SHAPE_PREFIX;
        hi = n - 1;
    }
    for (size_t i = lo; i < hi; i++)
        if (g->toks[i].kind != TOK_LIT) return;
    g->lit = malloc(hi - lo + 1);
    if (!g->lit) return; /* the general matcher still works */
    for (size_t i = lo; i < hi; i++)
        g->lit[i - lo] = (char)g->toks[i].ch;
    g->litlen = hi - lo;
    g->shape = shape;
}

/* set |= set << k, over W words (bit i moves to i + k). */
static void shl_or(uint64_t *dst, const uint64_t *src, const uint64_t *mask, size_t W, unsigned k) {
    uint64_t carry = 0;
    for (size_t w = 0; w < W; w++) {
        uint64_t v = src[w] & mask[w];
        dst[w] |= (v << k) | carry;
        carry = v >> (64 - k);
    }
}

/* Epsilon closure: STAR/DSTAR/SKIP positions also activate i + 1, SKIP
 * also i + 3. Chains are short (a group then a star at most), but loop to a
 * fixpoint rather than rely on that. */
static void close_set(const rv_glob *g, uint64_t *set, uint64_t *scratch) {
    size_t W = g->words;
    for (;;) {
        memcpy(scratch, set, W * sizeof *set);
        shl_or(set, scratch, g->eps1, W, 1);
        shl_or(set, scratch, g->eps3, W, 3);
        if (memcmp(scratch, set, W * sizeof *set) == 0) return;
    }
}

static int nfa_exec(const rv_glob *g, const unsigned char *s, size_t n) {
    size_t W = g->words, nt = g->ntok;
    uint64_t small[3 * 4];
    uint64_t *buf = small, *cur, *next, *scratch;
    int hit = 0;
    if (n < g->minlen) return 0;
    if (3 * W > sizeof small / sizeof small[0]) {
        buf = malloc(3 * W * sizeof *buf);
        if (!buf) return 0;
    }
    cur = buf;
    next = buf + W;
    scratch = buf + 2 * W;
    memset(cur, 0, W * sizeof *cur);
    cur[0] = 1;
    close_set(g, cur, scratch);
    for (size_t k = 0; k < n; k++) {
        unsigned c = s[k];
        const uint64_t *step = g->consume + (size_t)g->cidx[c] * W;
        uint64_t any = 0;
        /* Stars stay put: "**" on any byte, "*" on any but '/'. */
        for (size_t w = 0; w < W; w++) {
            uint64_t loop = g->loop_any[w];
            if (c != '/') loop |= g->loop_noslash[w];
            next[w] = cur[w] & loop;
        }
        shl_or(next, cur, step, W, 1);
        close_set(g, next, scratch);
        for (size_t w = 0; w < W; w++)
            any |= next[w];
        if (!any) goto done;
        uint64_t *t = cur;
        cur = next;
        next = t;
    }
    hit = (int)((cur[nt >> 6] >> (nt & 63)) & 1);
done:
    if (buf != small) free(buf);
    return hit;
}

int rv_glob_exec(const rv_glob *g, const char *text, size_t len) {
    if (!g || (!text && len)) return 0;
    switch (g->shape) {
    case SHAPE_NEVER: return 0;
    case SHAPE_LITERAL: return len == g->litlen && memcmp(text, g->lit, len) == 0;
    case SHAPE_SUFFIX:
        return len >= g->litlen && memcmp(text + len - g->litlen, g->lit, g->litlen) == 0 &&
               memchr(text, '/', len - g->litlen) == NULL;
    case SHAPE_PREFIX: return len >= g->litlen && memcmp(text, g->lit, g->litlen) == 0;
    case SHAPE_GENERAL: break;
    }
    return nfa_exec(g, (const unsigned char *)text, len);
}
