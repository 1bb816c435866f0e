/* Symbols: SymbolKind mapping, name positions, workspace/symbol (names
 * first, then hybrid search over definitions) and documentSymbol (a
 * hierarchy from the chunker's scopes). */
#include "lsp/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { WS_LIMIT = 100, WS_SEARCH_K = 60 };

int rv_lsp_symbol_kind(const char *kind) {
    static const struct {
        const char *kind;
        int lsp;
    } map[] = {
        {"function", 12}, {"method", 6},     {"constructor", 9}, {"class", 5},    {"struct", 23},
        {"enum", 10},     {"interface", 11}, {"trait", 11},      {"impl", 5},     {"module", 2},
        {"object", 19},   {"protocol", 11},  {"record", 23},     {"union", 23},   {"type", 26},
        {"macro", 12},    {"variable", 13},  {"constant", 14},   {"section", 15}, {"key", 20},
        {"table", 19},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(kind, map[i].kind) == 0) return map[i].lsp;
    return 13; /* Variable: the most neutral kind */
}

static int comment_line(const char *l, size_t n) {
    size_t i = 0;
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    const char *p = l + i;
    size_t k = n - i;
    if (k >= 2 && (!strncmp(p, "//", 2) || !strncmp(p, "/*", 2) || !strncmp(p, "--", 2))) return 1;
    if (k >= 1 && p[0] == '*') return 1;
    if (k >= 1 && p[0] == '#' && !(k >= 7 && !strncmp(p, "#define", 7))) return 1;
    return 0;
}

void rv_lsp_name_pos(const rv_chunk *c, int *line, size_t *col) {
    *line = c->start_line;
    *col = 0;
    size_t wl = strlen(c->name);
    const char *t = c->content;
    size_t n = strlen(t);
    int fallback = 0;
    size_t fcol = 0;
    const char *l;
    size_t ll;
    for (long k = 0; rv_lsp_line_at(t, n, k, &l, &ll); k++) {
        long at = rv_lsp_find_word(l, ll, 0, c->name, wl);
        if (at < 0) continue;
        if (!comment_line(l, ll)) {
            *line = c->start_line + (int)k;
            *col = (size_t)at;
            return;
        }
        if (!fallback) {
            fallback = c->start_line + (int)k;
            fcol = (size_t)at;
        }
        if (l + ll >= t + n) break;
    }
    if (fallback) {
        *line = fallback;
        *col = fcol;
    }
}

cJSON *rv_lsp_location(const char *root, const char *rel, int single_file, long l0, long c0,
                       long l1, long c1) {
    char *path = malloc(strlen(root) + strlen(rel) + 2);
    if (!path) return NULL;
    if (single_file)
        strcpy(path, root);
    else
        sprintf(path, "%s/%s", root, rel);
    char *uri = rv_lsp_path_to_uri(path);
    free(path);
    cJSON *loc = cJSON_CreateObject();
    cJSON *range = rv_lsp_range(l0, c0, l1, c1);
    if (!uri || !loc || !range || !cJSON_AddStringToObject(loc, "uri", uri)) {
        free(uri);
        cJSON_Delete(loc);
        cJSON_Delete(range);
        return NULL;
    }
    free(uri);
    cJSON_AddItemToObject(loc, "range", range);
    return loc;
}

/* Line `line` (1-based, a line of c) of c's content. */
static int chunk_line(const rv_chunk *c, int line, const char **l, size_t *ll) {
    return rv_lsp_line_at(c->content, strlen(c->content), line - c->start_line, l, ll);
}

/* Name range (0-based, UTF-16) of c. */
static void name_range(const rv_chunk *c, long *l0, long *c0, long *c1) {
    int line;
    size_t col;
    rv_lsp_name_pos(c, &line, &col);
    const char *l = "";
    size_t ll = 0;
    chunk_line(c, line, &l, &ll);
    size_t end = col + strlen(c->name);
    if (end > ll) end = ll;
    if (col > end) col = end;
    *l0 = line - 1;
    *c0 = rv_lsp_byte_to_utf16(l, col);
    *c1 = *c0 + rv_lsp_byte_to_utf16(l + col, end - col);
}

/* The UTF-16 length of c's last line. */
static long last_col(const rv_chunk *c) {
    const char *l = "";
    size_t ll = 0;
    chunk_line(c, c->end_line, &l, &ll);
    return rv_lsp_byte_to_utf16(l, ll);
}

cJSON *rv_lsp_chunk_location(const lsp_folder *f, const rv_chunk *c, int whole) {
    long l0, c0, c1;
    if (whole)
        return rv_lsp_location(f->root, c->path, f->single_file, c->start_line - 1, 0,
                               c->end_line - 1, last_col(c));
    name_range(c, &l0, &c0, &c1);
    return rv_lsp_location(f->root, c->path, f->single_file, l0, c0, l0, c1);
}

/* --- workspace/symbol --- */

typedef struct ws_acc {
    cJSON *out;
    const rv_chunk **seen;
    size_t n;
} ws_acc;

static void ws_add(ws_acc *a, const lsp_folder *f, const rv_chunk *c) {
    if (a->n >= WS_LIMIT) return;
    for (size_t i = 0; i < a->n; i++)
        if (a->seen[i] == c) return;
    cJSON *si = cJSON_CreateObject();
    cJSON *loc = rv_lsp_chunk_location(f, c, 0);
    if (!si || !loc) {
        cJSON_Delete(si);
        cJSON_Delete(loc);
        return;
    }
    cJSON_AddStringToObject(si, "name", c->name);
    cJSON_AddNumberToObject(si, "kind", rv_lsp_symbol_kind(c->kind));
    cJSON_AddItemToObject(si, "location", loc);
    if (c->scope && c->scope[0]) cJSON_AddStringToObject(si, "containerName", c->scope);
    cJSON_AddItemToArray(a->out, si);
    a->seen[a->n++] = c;
}

static int symbol_like(const char *q) {
    if (!*q) return 0;
    for (const char *p = q; *p; p++)
        if (!rv_lsp_is_ident((unsigned char)*p) && *p != '.' && *p != ':') return 0;
    return 1;
}

/* Definitions named like q: exact (case-sensitive), then equal ignoring
 * case, then by prefix; corpus copies of buffers that are ahead are left
 * out, the buffers' own chunks are taken instead. */
static void ws_names(lsp_server *s, ws_acc *a, const char *q) {
    const char *tail = q;
    for (const char *p = q; *p; p++)
        if (*p == '.' || *p == ':') tail = p + 1;
    size_t tl = strlen(tail);
    if (!tl) return;
    for (int pass = 0; pass < 3; pass++) {
        for (size_t fi = 0; fi < s->n_folders; fi++) {
            const lsp_folder *f = &s->folders[fi];
            if (!f->corpus) continue;
            const rv_chunk *items = f->corpus->chunks.items;
            size_t first;
            rv_lsp_defs_named(f, tail, &first);
            for (size_t k = first; k < f->n_defs; k++) {
                const rv_chunk *c = &items[f->defs[k]];
                if (strncasecmp(c->name, tail, tl) != 0) break;
                int exact = strcmp(c->name, tail) == 0, same = strcasecmp(c->name, tail) == 0;
                if ((pass == 0 && !exact) || (pass == 1 && (exact || !same)) || (pass == 2 && same))
                    continue;
                if (!rv_lsp_rel_ahead(s, (int)fi, c->path)) ws_add(a, f, c);
            }
        }
        for (size_t d = 0; d < s->n_docs; d++) {
            lsp_doc *doc = &s->docs[d];
            if (!doc->ahead || doc->folder < 0) continue;
            const rv_chunk **cs;
            size_t n = rv_lsp_file_chunks(s, doc->folder, doc->rel, &cs);
            for (size_t k = 0; k < n; k++) {
                const rv_chunk *c = cs[k];
                if (!rv_lsp_is_definition(c)) continue;
                int exact = strcmp(c->name, tail) == 0, same = strcasecmp(c->name, tail) == 0;
                int pre = strncasecmp(c->name, tail, tl) == 0;
                if ((pass == 0 && exact) || (pass == 1 && same && !exact) ||
                    (pass == 2 && pre && !same))
                    ws_add(a, &s->folders[doc->folder], c);
            }
            free(cs);
        }
    }
}

static int cmp_ranked(const void *a, const void *b) {
    double x = ((const lsp_ranked *)a)->score, y = ((const lsp_ranked *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

size_t rv_lsp_ranked_search(lsp_server *s, const char *q, int mode, size_t top_k, int defs_only,
                            lsp_ranked **out, rv_result_list *lists) {
    size_t n = 0, cap = 0;
    lsp_ranked *r = NULL;
    double best = 0;
    for (size_t fi = 0; fi < s->n_folders; fi++) {
        lsp_folder *f = &s->folders[fi];
        if (!f->srch || !f->corpus) continue;
        rv_query rq = rv_query_default();
        rq.text = q;
        rq.top_k = top_k;
        rq.threshold = 0; /* an editor shows a list: keep every result, as MCP does */
        rq.merge_gap = -1;
        rq.mode = mode >= 0                        ? (rv_search_mode)mode
                  : rv_searcher_has_model(f->srch) ? RV_MODE_HYBRID
                                                   : RV_MODE_KEYWORD;
        if (rq.mode != RV_MODE_KEYWORD && !rv_searcher_has_model(f->srch))
            rq.mode = RV_MODE_KEYWORD;
        if (rv_searcher_query(f->srch, &rq, &lists[fi]) != RV_OK) continue;
        for (size_t k = 0; k < lists[fi].count; k++) {
            const rv_chunk *c = lists[fi].items[k].chunk;
            if ((defs_only && !rv_lsp_is_definition(c)) || rv_lsp_rel_ahead(s, (int)fi, c->path))
                continue;
            if (n == cap) {
                lsp_ranked *nr = realloc(r, (cap = cap ? cap * 2 : 64) * sizeof *r);
                if (!nr) break;
                r = nr;
            }
            r[n++] = (lsp_ranked){c, (int)fi, lists[fi].items[k].score};
            if (lists[fi].items[k].score > best) best = lists[fi].items[k].score;
        }
    }
    if (best <= 0) best = 1;
    for (size_t d = 0; d < s->n_docs; d++) { /* unsaved text: every word must be there */
        lsp_doc *doc = &s->docs[d];
        if (!doc->ahead || doc->folder < 0) continue;
        const rv_chunk **cs;
        size_t m = rv_lsp_file_chunks(s, doc->folder, doc->rel, &cs);
        for (size_t k = 0; k < m; k++) {
            const rv_chunk *c = cs[k];
            if (defs_only && !rv_lsp_is_definition(c)) continue;
            int all = 1, words = 0;
            char w[128];
            for (const char *p = q; *p && all;) {
                while (*p && !rv_lsp_is_ident((unsigned char)*p))
                    p++;
                size_t wl = 0;
                while (p[wl] && rv_lsp_is_ident((unsigned char)p[wl]))
                    wl++;
                if (!wl) break;
                snprintf(w, sizeof w, "%.*s", (int)(wl < 127 ? wl : 127), p);
                all = strcasestr(c->embed_text, w) != NULL;
                words++;
                p += wl;
            }
            if (!all || !words) continue;
            if (n == cap) {
                lsp_ranked *nr = realloc(r, (cap = cap ? cap * 2 : 64) * sizeof *r);
                if (!nr) break;
                r = nr;
            }
            r[n++] = (lsp_ranked){c, doc->folder, best};
        }
        free(cs);
    }
    if (n) qsort(r, n, sizeof *r, cmp_ranked);
    *out = r;
    return n;
}

cJSON *rv_lsp_workspace_symbol(lsp_server *s, const cJSON *params, lsp_error *err) {
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(params, "query");
    if (!cJSON_IsString(q)) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "workspace/symbol needs a string 'query'");
        return NULL;
    }
    ws_acc a = {cJSON_CreateArray(), malloc(WS_LIMIT * sizeof(rv_chunk *)), 0};
    if (!a.out || !a.seen) {
        cJSON_Delete(a.out);
        free(a.seen);
        return NULL;
    }
    const char *text = q->valuestring;
    while (*text == ' ')
        text++;
    if (!*text) { /* every definition, by name, up to the limit */
        for (size_t fi = 0; fi < s->n_folders && a.n < WS_LIMIT; fi++)
            for (size_t k = 0; k < s->folders[fi].n_defs && a.n < WS_LIMIT; k++)
                ws_add(&a, &s->folders[fi],
                       &s->folders[fi].corpus->chunks.items[s->folders[fi].defs[k]]);
    } else {
        /* A name is looked up, then filled up by keyword (no query embedding:
         * names come fast while typing); anything else is searched hybrid. */
        int name = symbol_like(text);
        if (name) ws_names(s, &a, text);
        rv_result_list *lists = calloc(s->n_folders + 1, sizeof *lists);
        lsp_ranked *r = NULL;
        size_t n = lists ? rv_lsp_ranked_search(s, text, name ? RV_MODE_KEYWORD : -1, WS_SEARCH_K,
                                                1, &r, lists)
                         : 0;
        for (size_t k = 0; k < n; k++)
            ws_add(&a, &s->folders[r[k].folder], r[k].c);
        free(r);
        for (size_t fi = 0; lists && fi < s->n_folders; fi++)
            rv_result_list_free(&lists[fi]);
        free(lists);
    }
    free(a.seen);
    return a.out;
}
