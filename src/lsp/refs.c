/* textDocument/references: every whole-word occurrence of the identifier in
 * the indexed chunks (open buffers from their text), chunks most similar to
 * the one under the cursor first. */
#include "lsp/internal.h"

#include <stdlib.h>
#include <string.h>

enum { REF_MAX = 1000 };

typedef struct occ {
    int folder;
    const char *path;
    long line, c0, c1;
    double score;
} occ;

typedef struct occ_list {
    occ *v;
    size_t n, cap;
} occ_list;

static int cmp_place(const void *a, const void *b) {
    const occ *x = a, *y = b;
    if (x->folder != y->folder) return x->folder - y->folder;
    int c = strcmp(x->path, y->path);
    if (c) return c;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->c0 < y->c0 ? -1 : x->c0 > y->c0;
}

static int cmp_rank(const void *a, const void *b) {
    const occ *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return cmp_place(a, b);
}

/* Adds c's occurrences of word; skips the definition's own name when asked. */
static void scan_chunk(occ_list *L, int folder, const rv_chunk *c, const char *word, double score,
                       int skip_decl) {
    size_t wl = strlen(word), n = strlen(c->content);
    int dline = 0;
    size_t dcol = 0;
    if (skip_decl && rv_lsp_is_definition(c) && strcmp(c->name, word) == 0)
        rv_lsp_name_pos(c, &dline, &dcol);
    const char *t = c->content;
    size_t line_start = 0;
    long line = c->start_line - 1, at;
    size_t from = 0;
    while ((at = rv_lsp_find_word(t, n, from, word, wl)) >= 0) {
        for (const char *nl; (nl = memchr(t + line_start, '\n', (size_t)at - line_start));) {
            line_start = (size_t)(nl - t) + 1;
            line++;
        }
        from = (size_t)at + wl;
        if (dline && line + 1 == dline && (size_t)at - line_start == dcol) continue;
        if (L->n == L->cap) {
            occ *nv = realloc(L->v, (L->cap = L->cap ? L->cap * 2 : 256) * sizeof *nv);
            if (!nv) return;
            L->v = nv;
        }
        long c0 = rv_lsp_byte_to_utf16(t + line_start, (size_t)at - line_start);
        L->v[L->n++] = (occ){folder, c->path, line, c0, c0 + rv_lsp_byte_to_utf16(word, wl), score};
    }
}

/* The vector of the corpus chunk under the cursor, or NULL. */
static const float *cursor_vector(lsp_server *s, const lsp_pos *p) {
    const rv_corpus *co = s->folders[p->folder].corpus;
    if (!co || !co->vectors || !co->dim) return NULL;
    const float *best = NULL;
    int span = 0;
    for (size_t i = 0; i < co->chunks.count; i++) {
        const rv_chunk *c = &co->chunks.items[i];
        if (c->start_line <= p->line + 1 && p->line + 1 <= c->end_line &&
            strcmp(c->path, p->rel) == 0 && (!best || c->end_line - c->start_line < span)) {
            best = co->vectors + i * co->dim;
            span = c->end_line - c->start_line;
        }
    }
    return best;
}

static void scan_all(lsp_server *s, const lsp_pos *p, const char *word, int skip_decl,
                     occ_list *L) {
    const float *cv = cursor_vector(s, p);
    for (size_t fi = 0; fi < s->n_folders; fi++) {
        const rv_corpus *co = s->folders[fi].corpus;
        for (size_t i = 0; co && i < co->chunks.count; i++) {
            const rv_chunk *c = &co->chunks.items[i];
            if (!strstr(c->content, word) || rv_lsp_rel_ahead(s, (int)fi, c->path)) continue;
            double sc = 0;
            if (cv && (int)fi == p->folder && co->vectors)
                for (size_t d = 0; d < co->dim; d++)
                    sc += (double)cv[d] * co->vectors[i * co->dim + d];
            scan_chunk(L, (int)fi, c, word, sc, skip_decl);
        }
    }
    for (size_t d = 0; d < s->n_docs; d++) { /* buffers ahead of the index: their text */
        lsp_doc *doc = &s->docs[d];
        if (!doc->ahead || doc->folder < 0) continue;
        const rv_chunk **cs;
        size_t m = rv_lsp_file_chunks(s, doc->folder, doc->rel, &cs);
        int mine = doc->folder == p->folder && strcmp(doc->rel, p->rel) == 0;
        for (size_t k = 0; k < m; k++)
            scan_chunk(L, doc->folder, cs[k], word, mine ? 2 : 0, skip_decl);
        free(cs);
    }
}

cJSON *rv_lsp_references(lsp_server *s, const cJSON *params, lsp_error *err) {
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(params, "context");
    const cJSON *incl = cJSON_GetObjectItemCaseSensitive(ctx, "includeDeclaration");
    if (ctx && !cJSON_IsObject(ctx)) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "context must be an object");
        return NULL;
    }
    lsp_pos p;
    if (rv_lsp_position(s, params, &p, err) != 0) return NULL;
    char *word = rv_lsp_word_at(&p);
    cJSON *out = cJSON_CreateArray();
    occ_list L = {0};
    if (word && out) scan_all(s, &p, word, cJSON_IsFalse(incl), &L);
    if (L.n) { /* one per place (windows overlap), the best score kept */
        qsort(L.v, L.n, sizeof *L.v, cmp_place);
        size_t w = 0;
        for (size_t i = 0; i < L.n; i++) {
            if (w && cmp_place(&L.v[w - 1], &L.v[i]) == 0) {
                if (L.v[i].score > L.v[w - 1].score) L.v[w - 1].score = L.v[i].score;
                continue;
            }
            L.v[w++] = L.v[i];
        }
        L.n = w;
        qsort(L.v, L.n, sizeof *L.v, cmp_rank);
    }
    for (size_t i = 0; out && i < L.n && i < REF_MAX; i++) {
        const lsp_folder *f = &s->folders[L.v[i].folder];
        cJSON_AddItemToArray(out, rv_lsp_location(f->root, L.v[i].path, f->single_file, L.v[i].line,
                                                  L.v[i].c0, L.v[i].line, L.v[i].c1));
    }
    free(L.v);
    free(word);
    rv_lsp_pos_free(&p);
    return out;
}
