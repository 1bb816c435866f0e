/* textDocument/documentSymbol: the file's definitions as a hierarchy (a
 * class's members under it by their scope), split pieces joined. */
#include "lsp/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct outline_sym {
    const rv_chunk *c;
    char *key;  /* scope + separator + name */
    int l0, l1; /* 1-based lines, grown to cover the children */
    long last_col;
    int parent;
} outline_sym;

static const char *sep_of(const rv_chunk *c) {
    return strcmp(c->kind, "section") == 0 ? " > " : ".";
}

static char *key_of(const rv_chunk *c) {
    size_t n = strlen(c->scope) + strlen(c->name) + 4;
    char *k = malloc(n);
    if (k) {
        if (c->scope[0])
            snprintf(k, n, "%s%s%s", c->scope, sep_of(c), c->name);
        else
            snprintf(k, n, "%s", c->name);
    }
    return k;
}

static long col_end(const rv_chunk *c) {
    const char *l = "";
    size_t ll = 0;
    rv_lsp_line_at(c->content, strlen(c->content), c->end_line - c->start_line, &l, &ll);
    return rv_lsp_byte_to_utf16(l, ll);
}

static cJSON *symbol_json(const outline_sym *sy, size_t n, size_t i) {
    const outline_sym *me = &sy[i];
    const rv_chunk *c = me->c;
    int line;
    size_t col;
    rv_lsp_name_pos(c, &line, &col);
    const char *l = "";
    size_t ll = 0;
    rv_lsp_line_at(c->content, strlen(c->content), line - c->start_line, &l, &ll);
    size_t end = col + strlen(c->name) <= ll ? col + strlen(c->name) : ll;
    if (col > end) col = end;
    long c0 = rv_lsp_byte_to_utf16(l, col), c1 = rv_lsp_byte_to_utf16(l, end);
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "name", c->name);
    cJSON_AddStringToObject(o, "detail", c->kind);
    cJSON_AddNumberToObject(o, "kind", rv_lsp_symbol_kind(c->kind));
    cJSON_AddItemToObject(o, "range", rv_lsp_range(me->l0 - 1, 0, me->l1 - 1, me->last_col));
    cJSON_AddItemToObject(o, "selectionRange", rv_lsp_range(line - 1, c0, line - 1, c1));
    cJSON *kids = cJSON_AddArrayToObject(o, "children");
    for (size_t k = 0; k < n; k++)
        if (sy[k].parent == (int)i) cJSON_AddItemToArray(kids, symbol_json(sy, n, k));
    return o;
}

cJSON *rv_lsp_document_symbol(lsp_server *s, const cJSON *params, lsp_error *err) {
    int folder;
    char *rel = NULL;
    if (rv_lsp_document(s, params, &folder, &rel, err) != 0) return NULL;
    const rv_chunk **cs = NULL;
    size_t n = rv_lsp_file_chunks(s, folder, rel, &cs);
    outline_sym *sy = calloc(n + 1, sizeof *sy);
    cJSON *out = cJSON_CreateArray();
    size_t m = 0;
    if (!sy || !out || !cs) goto done;
    for (size_t i = 0; i < n; i++) {
        const rv_chunk *c = cs[i];
        if (!rv_lsp_is_definition(c)) continue;
        if (m > 0 && sy[m - 1].c->start_line <= c->start_line &&
            strcmp(sy[m - 1].c->name, c->name) == 0 && strcmp(sy[m - 1].c->scope, c->scope) == 0 &&
            strcmp(sy[m - 1].c->kind, c->kind) == 0 && sy[m - 1].l1 + 1 >= c->start_line) {
            sy[m - 1].l1 = c->end_line; /* a piece of a split definition */
            sy[m - 1].last_col = col_end(c);
            continue;
        }
        sy[m] = (outline_sym){c, key_of(c), c->start_line, c->end_line, col_end(c), -1};
        if (!sy[m].key) goto done;
        m++;
    }
    for (size_t i = 0; i < m; i++) /* the parent is the symbol named like my scope */
        for (size_t k = 0; sy[i].c->scope[0] && k < m; k++)
            if (k != i && strcmp(sy[k].key, sy[i].c->scope) == 0) {
                sy[i].parent = (int)k;
                break;
            }
    for (int pass = 0; pass < 8; pass++) /* parents cover their children */
        for (size_t i = 0; i < m; i++) {
            int p = sy[i].parent;
            if (p < 0) continue;
            if (sy[i].l1 > sy[p].l1 || (sy[i].l1 == sy[p].l1 && sy[i].last_col > sy[p].last_col)) {
                sy[p].l1 = sy[i].l1;
                sy[p].last_col = sy[i].last_col;
            }
            if (sy[i].l0 < sy[p].l0) sy[p].l0 = sy[i].l0;
        }
    for (size_t i = 0; i < m; i++)
        if (sy[i].parent < 0) cJSON_AddItemToArray(out, symbol_json(sy, m, i));
done:
    for (size_t i = 0; sy && i < m; i++)
        free(sy[i].key);
    free(sy);
    free(cs);
    free(rel);
    return out;
}
