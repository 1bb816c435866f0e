/* definition, references and hover for the identifier under the cursor.
 * Definitions come only from the definitions table (never a semantic
 * guess); references are the identifier's occurrences in indexed chunks,
 * ranked by their chunk's similarity to the chunk under the cursor. */
#include "lsp/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEF_MAX = 20, SIG_LINES = 4 };

int rv_lsp_document(lsp_server *s, const cJSON *params, int *folder, char **rel, lsp_error *err) {
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(td, "uri");
    if (!cJSON_IsString(uri)) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "textDocument.uri must be a string");
        return -1;
    }
    char *path = rv_lsp_uri_to_path(uri->valuestring);
    if (!path) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "not a file:// URI");
        return -1;
    }
    *folder = rv_lsp_folder_of(s, path, rel);
    free(path);
    if (*folder < 0) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "the file is outside the workspace folders");
        return -1;
    }
    return 0;
}

void rv_lsp_pos_free(lsp_pos *p) {
    free(p->rel);
    free(p->line_text);
    memset(p, 0, sizeof *p);
}

int rv_lsp_position(lsp_server *s, const cJSON *params, lsp_pos *out, lsp_error *err) {
    memset(out, 0, sizeof *out);
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(pos, "line");
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(pos, "character");
    if (!cJSON_IsNumber(line) || !cJSON_IsNumber(ch) || line->valuedouble < 0 ||
        ch->valuedouble < 0 || line->valuedouble > 1e9 || ch->valuedouble > 1e9) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "position needs numbers line and character");
        return -1;
    }
    if (rv_lsp_document(s, params, &out->folder, &out->rel, err) != 0) return -1;
    size_t len = 0;
    char *text = rv_lsp_read_text(s, out->folder, out->rel, &len);
    const char *l = NULL;
    size_t ll = 0;
    out->line = (long)line->valuedouble;
    if (!text || !rv_lsp_line_at(text, len, out->line, &l, &ll)) {
        free(text);
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "position is outside the document");
        rv_lsp_pos_free(out);
        return -1;
    }
    out->line_text = malloc(ll + 1);
    if (out->line_text) {
        memcpy(out->line_text, l, ll);
        out->line_text[ll] = '\0';
    }
    out->line_len = ll;
    out->col = rv_lsp_utf16_to_byte(l, ll, (long)ch->valuedouble);
    free(text);
    if (!out->line_text) {
        rv_lsp_pos_free(out);
        return -1;
    }
    return 0;
}

/* The identifier at the cursor (or ending at it), malloc'd; NULL when none. */
char *rv_lsp_word_at(const lsp_pos *p) {
    const unsigned char *l = (const unsigned char *)p->line_text;
    size_t c = p->col;
    if (!(c < p->line_len && rv_lsp_is_ident(l[c]))) {
        if (c == 0 || !rv_lsp_is_ident(l[c - 1])) return NULL;
        c--;
    }
    size_t a = c, b = c;
    while (a > 0 && rv_lsp_is_ident(l[a - 1]))
        a--;
    while (b < p->line_len && rv_lsp_is_ident(l[b]))
        b++;
    if (l[a] >= '0' && l[a] <= '9') return NULL; /* a number */
    return strndup(p->line_text + a, b - a);
}

/* The innermost chunk of the cursor's file covering its line. */
const rv_chunk *rv_lsp_cursor_chunk(lsp_server *s, const lsp_pos *p) {
    const rv_chunk **cs;
    size_t n = rv_lsp_file_chunks(s, p->folder, p->rel, &cs);
    const rv_chunk *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const rv_chunk *c = cs[i];
        if (c->start_line <= p->line + 1 && p->line + 1 <= c->end_line &&
            (!best || c->end_line - c->start_line < best->end_line - best->start_line))
            best = c;
    }
    free(cs);
    return best;
}

typedef struct cand {
    const rv_chunk *c;
    int folder;
    int score;
} cand;

static int cmp_cand(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->score != y->score) return y->score - x->score;
    int c = strcmp(x->c->path, y->c->path);
    return c ? c : x->c->start_line - y->c->start_line;
}

static size_t dir_len(const char *p) {
    const char *sl = strrchr(p, '/');
    return sl ? (size_t)(sl - p) : 0;
}

/* Scores definition c against the cursor: same file, same language,
 * nearest scope, same directory, same folder. */
static int score_def(const lsp_pos *p, const rv_chunk *cur, int folder, const rv_chunk *c) {
    int sc = 0;
    int same_folder = folder == p->folder;
    if (same_folder && strcmp(c->path, p->rel) == 0) sc += 8;
    if (strcmp(c->language, rv_chunk_language_for_path(p->rel)) == 0) sc += 4;
    if (cur && c->scope[0]) {
        size_t n = strlen(cur->scope);
        if (strcmp(c->scope, cur->scope) == 0 ||
            (strncmp(c->scope, cur->scope, n) == 0 && c->scope[n] == '.' &&
             strcmp(c->scope + n + 1, cur->name) == 0) ||
            (!cur->scope[0] && strcmp(c->scope, cur->name) == 0))
            sc += 2;
    }
    if (same_folder && dir_len(c->path) == dir_len(p->rel) &&
        strncmp(c->path, p->rel, dir_len(p->rel)) == 0)
        sc += 1;
    if (same_folder) sc += 1;
    return sc;
}

static size_t def_candidates(lsp_server *s, const lsp_pos *p, const char *word, cand **out) {
    const rv_chunk *cur = rv_lsp_cursor_chunk(s, p);
    size_t n = 0, cap = 16;
    cand *cs = malloc(cap * sizeof *cs);
    if (!cs) return 0;
    for (size_t fi = 0; fi < s->n_folders; fi++) {
        const lsp_folder *f = &s->folders[fi];
        size_t first = 0, m = f->corpus ? rv_lsp_defs_named(f, word, &first) : 0;
        for (size_t k = first; k < first + m; k++) {
            const rv_chunk *c = &f->corpus->chunks.items[f->defs[k]];
            if (strcmp(c->name, word) != 0 || rv_lsp_rel_ahead(s, (int)fi, c->path)) continue;
            if (n == cap) {
                cand *nc = realloc(cs, (cap *= 2) * sizeof *cs);
                if (!nc) break;
                cs = nc;
            }
            cs[n] = (cand){c, (int)fi, 0};
            cs[n].score = score_def(p, cur, (int)fi, c);
            n++;
        }
    }
    for (size_t d = 0; d < s->n_docs; d++) {
        lsp_doc *doc = &s->docs[d];
        if (!doc->ahead || doc->folder < 0) continue;
        const rv_chunk **dc;
        size_t m = rv_lsp_file_chunks(s, doc->folder, doc->rel, &dc);
        for (size_t k = 0; k < m; k++) {
            if (!rv_lsp_is_definition(dc[k]) || strcmp(dc[k]->name, word) != 0) continue;
            if (n == cap) {
                cand *nc = realloc(cs, (cap *= 2) * sizeof *cs);
                if (!nc) break;
                cs = nc;
            }
            cs[n] = (cand){dc[k], doc->folder, score_def(p, cur, doc->folder, dc[k])};
            n++;
        }
        free(dc);
    }
    if (n) qsort(cs, n, sizeof *cs, cmp_cand);
    *out = cs;
    return n;
}

cJSON *rv_lsp_definition(lsp_server *s, const cJSON *params, lsp_error *err) {
    lsp_pos p;
    if (rv_lsp_position(s, params, &p, err) != 0) return NULL;
    char *word = rv_lsp_word_at(&p);
    cJSON *out = cJSON_CreateArray();
    cand *cs = NULL;
    size_t n = word && out ? def_candidates(s, &p, word, &cs) : 0;
    for (size_t i = 0; i < n && i < DEF_MAX; i++)
        cJSON_AddItemToArray(out, rv_lsp_chunk_location(&s->folders[cs[i].folder], cs[i].c, 0));
    free(cs);
    free(word);
    rv_lsp_pos_free(&p);
    return out;
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *np = realloc(b->p, cap);
        if (!np) return;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* A comment line's text without its markers; NULL when not a comment. */
static const char *comment_text(const char *l, size_t ll, size_t *n) {
    size_t i = 0;
    while (i < ll && (l[i] == ' ' || l[i] == '\t'))
        i++;
    static const char *const marks[] = {"///", "//!", "//", "/**", "/*", "*/", "*", "#", "--"};
    for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
        size_t k = strlen(marks[m]);
        if (ll - i >= k && strncmp(l + i, marks[m], k) == 0) {
            i += k;
            while (i < ll && l[i] == ' ')
                i++;
            size_t e = ll;
            while (e > i && (l[e - 1] == ' ' || l[e - 1] == '\t'))
                e--;
            if (e >= i + 2 && strncmp(l + e - 2, "*/", 2) == 0) e -= 2;
            while (e > i && (l[e - 1] == ' ' || l[e - 1] == '\t'))
                e--;
            *n = e - i;
            return l + i;
        }
    }
    return NULL;
}

/* A Python docstring starting on line k of t: appended to b. */
static void put_docstring(sbuf *b, const char *t, size_t n, long k) {
    const char *l;
    size_t ll, i = 0;
    if (!rv_lsp_line_at(t, n, k, &l, &ll)) return;
    while (i < ll && (l[i] == ' ' || l[i] == '\t'))
        i++;
    if (ll - i < 3 || (strncmp(l + i, "\"\"\"", 3) && strncmp(l + i, "'''", 3))) return;
    char quote[4];
    memcpy(quote, l + i, 3);
    quote[3] = '\0';
    for (long j = k; j < k + 12 && rv_lsp_line_at(t, n, j, &l, &ll); j++) {
        size_t a = 0;
        while (a < ll && (l[a] == ' ' || l[a] == '\t'))
            a++;
        put(b, "\n", 1);
        put(b, l + a, ll - a);
        const char *from = j == k ? l + a + 3 : l;
        if (memmem(from, (size_t)(l + ll - from), quote, 3)) break;
    }
}

/* Markdown: the definition's signature in a code block, then its doc comment. */
static char *hover_text(const rv_chunk *c) {
    sbuf b = {0};
    int line;
    size_t col;
    rv_lsp_name_pos(c, &line, &col);
    const char *t = c->content, *l;
    size_t n = strlen(t), ll;
    long first = line - c->start_line;
    put(&b, "```", 3);
    put(&b, c->language, strlen(c->language));
    put(&b, "\n", 1);
    long k = first;
    for (; k < first + SIG_LINES && rv_lsp_line_at(t, n, k, &l, &ll); k++) {
        const char *brace = memchr(l, '{', ll);
        size_t e = brace ? (size_t)(brace - l) : ll;
        while (e > 0 && (l[e - 1] == ' ' || l[e - 1] == '\t'))
            e--;
        put(&b, l, e);
        put(&b, "\n", 1);
        if (brace || (ll && (l[ll - 1] == ':' || l[ll - 1] == ';' || l[ll - 1] == ')'))) break;
    }
    put(&b, "```\n", 4);
    for (long j = 0; j < first && rv_lsp_line_at(t, n, j, &l, &ll); j++) {
        size_t cn;
        const char *ct = comment_text(l, ll, &cn);
        if (!ct) continue;
        put(&b, "\n", 1);
        put(&b, ct, cn);
    }
    put_docstring(&b, t, n, k + 1);
    char where[512];
    snprintf(where, sizeof where, "\n\n*%s*%s%.200s \u2014 %.200s:%d", c->kind,
             c->scope[0] ? " in " : "", c->scope, c->path, line);
    put(&b, where, strlen(where));
    return b.p;
}

cJSON *rv_lsp_hover(lsp_server *s, const cJSON *params, lsp_error *err) {
    lsp_pos p;
    if (rv_lsp_position(s, params, &p, err) != 0) return NULL;
    char *word = rv_lsp_word_at(&p);
    cand *cs = NULL;
    size_t n = word ? def_candidates(s, &p, word, &cs) : 0;
    cJSON *out = NULL;
    char *md = n ? hover_text(cs[0].c) : NULL;
    if (!md) {
        out = cJSON_CreateNull();
    } else if ((out = cJSON_CreateObject())) {
        cJSON *mc = cJSON_AddObjectToObject(out, "contents");
        cJSON_AddStringToObject(mc, "kind", "markdown");
        cJSON_AddStringToObject(mc, "value", md);
    }
    free(md);
    free(cs);
    free(word);
    rv_lsp_pos_free(&p);
    return out;
}
