/* chunk/data.c — line-based splitters: Markdown by heading, JSON/YAML/TOML by
 * top-level key. No grammar needed; each returns RV_ERR_NOT_FOUND when the
 * file has no such structure (the caller then uses windows). */
#include "chunk/chunk_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    int a, b;         /* lines, 0-based inclusive */
    size_t no, nlen;  /* name: bytes [no, no + nlen) of the text */
    const char *kind; /* static */
    int level;        /* markdown heading level */
} entry;

typedef struct entries {
    entry *v;
    size_t n, cap;
} entries;

static rv_status add(entries *e, int a, size_t no, size_t nlen, const char *kind, int level) {
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        entry *v = realloc(e->v, cap * sizeof *v);
        if (!v) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        e->v = v;
        e->cap = cap;
    }
    entry x = {a, a, no, nlen, kind, level};
    e->v[e->n++] = x;
    return RV_OK;
}

static const char *lstart(const rv_csrc *s, int i) {
    return s->text + s->line_off[i];
}

static size_t llen(const rv_csrc *s, int i) {
    return rv_csrc_line_end(s, i) - s->line_off[i];
}

static char *name_dup(const rv_csrc *s, size_t no, size_t n) {
    if (n > 200) n = 200;
    while (n && ((unsigned char)s->text[no + n] & 0xC0) == 0x80)
        n--;
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s->text + no, n);
        r[n] = 0;
    }
    return r;
}

/* Each entry runs to the line before the next one; the last to the end. */
static void close_ranges(const rv_csrc *s, entries *e) {
    for (size_t i = 0; i < e->n; i++)
        e->v[i].b = i + 1 < e->n ? e->v[i + 1].a - 1 : s->nlines - 1;
}

/* Runs of small entries (a few lines each) become one chunk named by their
 * keys, so a package.json does not become thirty one-line chunks. */
static rv_status emit_grouped(rv_csrc *s, const entries *e) {
    int maxg = s->p->window_lines > 1 ? s->p->window_lines / 2 : 20;
    rv_status st = RV_OK;
    size_t i = 0;
    char *name = NULL;
    while (st == RV_OK && i < e->n) {
        size_t j = i;
        if (e->v[i].b - e->v[i].a < 3)
            while (j + 1 < e->n && e->v[j + 1].kind == e->v[i].kind &&
                   e->v[j + 1].b - e->v[j + 1].a < 3 && e->v[j + 1].b - e->v[i].a < maxg)
                j++;
        size_t cap = 0;
        for (size_t k = i; k <= j; k++)
            cap += (e->v[k].nlen > 200 ? 200 : e->v[k].nlen) + 2;
        free(name);
        if (!(name = malloc(cap + 8))) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        size_t w = 0;
        for (size_t k = i; k <= j; k++) {
            char *nm = name_dup(s, e->v[k].no, e->v[k].nlen);
            if (!nm) {
                st = rv_error_set(RV_ERR_NOMEM, "out of memory");
                break;
            }
            if (w && w < 80) {
                memcpy(name + w, ", ", 2);
                w += 2;
            }
            size_t n = strlen(nm);
            if (w < 80) {
                memcpy(name + w, nm, n);
                w += n;
            }
            free(nm);
        }
        name[w] = 0;
        if (st == RV_OK) st = rv_csrc_emit(s, e->v[i].a, e->v[j].b, e->v[i].kind, name, "");
        i = j + 1;
    }
    free(name);
    return st;
}

/* ---- Markdown ----------------------------------------------------------- */

/* ATX heading level (1..6) of a line, with the text span; 0 when none. */
static int atx(const char *t, size_t n, size_t *to, size_t *tn) {
    size_t i = 0;
    while (i < n && i < 3 && t[i] == ' ')
        i++;
    size_t h = 0;
    while (i + h < n && t[i + h] == '#')
        h++;
    if (h == 0 || h > 6) return 0;
    i += h;
    if (i < n && t[i] != ' ' && t[i] != '\t') return 0;
    while (i < n && (t[i] == ' ' || t[i] == '\t'))
        i++;
    size_t e = n;
    while (e > i && (t[e - 1] == ' ' || t[e - 1] == '\t'))
        e--;
    size_t c = e;
    while (c > i && t[c - 1] == '#')
        c--;
    if (c < e && (c == i || t[c - 1] == ' ' || t[c - 1] == '\t')) e = c;
    while (e > i && (t[e - 1] == ' ' || t[e - 1] == '\t'))
        e--;
    *to = i;
    *tn = e - i;
    return (int)h;
}

/* A fence opener/closer: returns its char and length, 0 when none. */
static int fence(const char *t, size_t n, size_t *flen) {
    size_t i = 0;
    while (i < n && i < 3 && t[i] == ' ')
        i++;
    if (i >= n || (t[i] != '`' && t[i] != '~')) return 0;
    char c = t[i];
    size_t k = 0;
    while (i + k < n && t[i + k] == c)
        k++;
    if (k < 3) return 0;
    *flen = k;
    return c;
}

/* A setext underline ("===" or "---"): 1 or 2, else 0. */
static int setext(const char *t, size_t n) {
    size_t i = 0;
    while (i < n && i < 3 && t[i] == ' ')
        i++;
    if (i >= n || (t[i] != '=' && t[i] != '-')) return 0;
    char c = t[i];
    size_t k = 0;
    while (i < n && t[i] == c)
        i++, k++;
    while (i < n && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (i != n || k < 2) return 0;
    return c == '=' ? 1 : 2;
}

rv_status rv_chunk_markdown(rv_csrc *s) {
    entries e = {0};
    rv_status st = RV_OK;
    int start = 0;
    /* YAML front matter belongs to the preamble. */
    if (s->nlines > 1 && llen(s, 0) == 3 && memcmp(lstart(s, 0), "---", 3) == 0)
        for (int i = 1; i < s->nlines; i++)
            if (llen(s, i) == 3 &&
                (memcmp(lstart(s, i), "---", 3) == 0 || memcmp(lstart(s, i), "...", 3) == 0)) {
                start = i + 1;
                break;
            }
    int infence = 0;
    size_t flen = 0;
    int prev_text = 0; /* the previous line is paragraph text (setext candidate) */
    for (int i = start; i < s->nlines && st == RV_OK; i++) {
        const char *t = lstart(s, i);
        size_t n = llen(s, i), k = 0, to, tn;
        int c = fence(t, n, &k);
        if (infence) {
            if (c == infence && k >= flen) infence = 0;
            prev_text = 0;
            continue;
        }
        if (c) {
            infence = c;
            flen = k;
            prev_text = 0;
            continue;
        }
        int lv = atx(t, n, &to, &tn);
        if (lv) {
            st = add(&e, i, s->line_off[i] + to, tn, "section", lv);
            prev_text = 0;
            continue;
        }
        int sx = prev_text ? setext(t, n) : 0;
        if (sx) {
            size_t pn = llen(s, i - 1), a = 0;
            const char *pt = lstart(s, i - 1);
            while (a < pn && (pt[a] == ' ' || pt[a] == '\t'))
                a++;
            while (pn > a && (pt[pn - 1] == ' ' || pt[pn - 1] == '\t'))
                pn--;
            st = add(&e, i - 1, s->line_off[i - 1] + a, pn - a, "section", sx);
            prev_text = 0;
            continue;
        }
        /* Paragraph text can be underlined; list items, quotes, tables
         * and indented code cannot. */
        prev_text = !rv_csrc_blank(s, i) && t[0] != ' ' && t[0] != '\t' && t[0] != '>' &&
                    t[0] != '|' &&
                    !(n > 1 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && t[1] == ' ');
    }
    if (st != RV_OK || e.n == 0) {
        st = st != RV_OK ? st : RV_ERR_NOT_FOUND;
        goto done;
    }
    close_ranges(s, &e);
    /* Preamble before the first heading. */
    int pre_text = 0;
    for (int i = 0; i < e.v[0].a; i++)
        pre_text |= !rv_csrc_blank(s, i);
    if (pre_text && (st = rv_csrc_emit(s, 0, e.v[0].a - 1, "section", "", "")) != RV_OK) goto done;
    /* Scope: the enclosing headings' texts, outermost first, " > "-joined. */
    size_t stack[6] = {0};
    int depth[6] = {0}, ns = 0;
    for (size_t i = 0; i < e.n && st == RV_OK; i++) {
        while (ns > 0 && depth[ns - 1] >= e.v[i].level)
            ns--;
        size_t cap = 8;
        for (int k = 0; k < ns; k++)
            cap += (e.v[stack[k]].nlen > 200 ? 200 : e.v[stack[k]].nlen) + 3;
        char *scope = malloc(cap), *name = name_dup(s, e.v[i].no, e.v[i].nlen);
        if (!scope || !name) {
            free(scope);
            free(name);
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            break;
        }
        size_t w = 0;
        for (int k = 0; k < ns; k++) {
            char *nm = name_dup(s, e.v[stack[k]].no, e.v[stack[k]].nlen);
            if (!nm) continue;
            if (w) memcpy(scope + w, " > ", 3), w += 3;
            memcpy(scope + w, nm, strlen(nm));
            w += strlen(nm);
            free(nm);
        }
        scope[w] = 0;
        st = rv_csrc_emit(s, e.v[i].a, e.v[i].b, "section", name, scope);
        free(scope);
        free(name);
        if (ns < 6) {
            stack[ns] = i;
            depth[ns++] = e.v[i].level;
        }
    }
done:
    free(e.v);
    return st;
}

/* ---- JSON ------------------------------------------------------------- */

rv_status rv_chunk_json(rv_csrc *s) {
    entries e = {0};
    rv_status st = RV_OK;
    const char *t = s->text;
    size_t n = s->len, i = 0;
    int depth = 0, expect_key = 0, last_key_line = -1, closed_line = -1;
    while (i < n && st == RV_OK) {
        char c = t[i];
        if (c == '/' && i + 1 < n && t[i + 1] == '/') { /* JSONC comments */
            const char *nl = memchr(t + i, '\n', n - i);
            i = nl ? (size_t)(nl - t) : n;
            continue;
        }
        if (c == '/' && i + 1 < n && t[i + 1] == '*') {
            const char *end = memmem(t + i + 2, n - i - 2, "*/", 2);
            i = end ? (size_t)(end - t) + 2 : n;
            continue;
        }
        if (c == '"') {
            size_t a = ++i;
            while (i < n && t[i] != '"')
                i += (t[i] == '\\' && i + 1 < n) ? 2 : 1;
            if (depth == 1 && expect_key) {
                int line = rv_csrc_line_of(s, a);
                if (line == last_key_line) { /* minified: keys share lines */
                    st = RV_ERR_NOT_FOUND;
                    break;
                }
                last_key_line = line;
                st = add(&e, line, a, (i < n ? i : n) - a, "key", 0);
                expect_key = 0;
            }
            i++;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == 0 && c != '{') {
                st = RV_ERR_NOT_FOUND;
                break;
            }
            depth++;
            expect_key = depth == 1;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) {
                closed_line = rv_csrc_line_of(s, i);
                break;
            }
        } else if (c == ',' && depth == 1) {
            expect_key = 1;
        } else if (depth == 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            st = RV_ERR_NOT_FOUND;
            break;
        }
        i++;
    }
    if (st == RV_OK && e.n == 0) st = RV_ERR_NOT_FOUND;
    if (st == RV_OK) {
        (void)closed_line;
        close_ranges(s, &e);
        e.v[0].a = 0; /* the opening brace joins the first key */
        st = emit_grouped(s, &e);
    }
    free(e.v);
    return st;
}

/* ---- YAML / TOML ------------------------------------------------------ */

/* Pulls each entry's start up over the comment lines right above it. */
static void attach_comments(const rv_csrc *s, entries *e, char mark) {
    for (size_t k = 0; k < e->n; k++) {
        int lo = k ? e->v[k - 1].a + 1 : 0;
        int a = e->v[k].a;
        while (a - 1 >= lo && llen(s, a - 1) > 0 && lstart(s, a - 1)[0] == mark)
            a--;
        e->v[k].a = a;
    }
    if (e->n) e->v[0].a = 0; /* the preamble joins the first entry */
}

rv_status rv_chunk_yaml(rv_csrc *s) {
    entries e = {0};
    rv_status st = RV_OK;
    for (int i = 0; i < s->nlines && st == RV_OK; i++) {
        const char *t = lstart(s, i);
        size_t n = llen(s, i);
        if (n == 0 || t[0] == ' ' || t[0] == '\t' || t[0] == '#' || t[0] == '-' || t[0] == '%' ||
            t[0] == '.' || t[0] == '[' || t[0] == '{')
            continue;
        size_t k = 0;
        if (t[0] == '"' || t[0] == '\'') {
            k = 1;
            while (k < n && t[k] != t[0])
                k++;
            if (k < n) k++;
        }
        /* "key:" followed by a space or the end of the line. */
        while (k < n && !(t[k] == ':' && (k + 1 == n || t[k + 1] == ' ' || t[k + 1] == '\t')))
            k++;
        if (k >= n) continue;
        size_t no = 0, nl = k;
        if (nl >= 2 && (t[0] == '"' || t[0] == '\'')) no = 1, nl -= 2;
        st = add(&e, i, s->line_off[i] + no, nl, "key", 0);
    }
    if (st == RV_OK && e.n == 0) st = RV_ERR_NOT_FOUND;
    if (st == RV_OK) {
        attach_comments(s, &e, '#');
        close_ranges(s, &e);
        st = emit_grouped(s, &e);
    }
    free(e.v);
    return st;
}

/* Occurrences of a triple quote (""" or ''') in a line, to track multi-line
 * strings in TOML. */
static int triples(const char *t, size_t n, const char *q) {
    int c = 0;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(t + i, q, 3) == 0) {
            c++;
            i += 2;
        }
    return c;
}

rv_status rv_chunk_toml(rv_csrc *s) {
    entries e = {0};
    rv_status st = RV_OK;
    int in_dq = 0, in_sq = 0, seen_table = 0;
    for (int i = 0; i < s->nlines && st == RV_OK; i++) {
        const char *t = lstart(s, i);
        size_t n = llen(s, i);
        int was_in = in_dq || in_sq;
        if (triples(t, n, "\"\"\"") & 1) in_dq = !in_dq;
        if (triples(t, n, "'''") & 1) in_sq = !in_sq;
        if (was_in) continue;
        size_t k = 0;
        while (k < n && (t[k] == ' ' || t[k] == '\t'))
            k++;
        if (k >= n || t[k] == '#') continue;
        if (t[k] == '[') {
            size_t a = k;
            while (a < n && t[a] == '[')
                a++;
            size_t b = a;
            while (b < n && t[b] != ']')
                b++;
            while (a < b && t[a] == ' ')
                a++;
            while (b > a && t[b - 1] == ' ')
                b--;
            st = add(&e, i, s->line_off[i] + a, b - a, "table", 0);
            seen_table = 1;
        } else if (!seen_table && k == 0) {
            size_t b = 0;
            while (b < n && t[b] != '=')
                b++;
            if (b >= n) continue;
            while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t'))
                b--;
            st = add(&e, i, s->line_off[i], b, "key", 0);
        }
    }
    if (st == RV_OK && e.n == 0) st = RV_ERR_NOT_FOUND;
    if (st == RV_OK) {
        attach_comments(s, &e, '#');
        close_ranges(s, &e);
        st = emit_grouped(s, &e);
    }
    free(e.v);
    return st;
}
