/* The custom request ripvec/search and workspace/executeCommand
 * ripvec.findSimilar: the CLI's search as locations. */
#include "lsp/internal.h"

#include <stdlib.h>
#include <string.h>

enum { SEARCH_MAX_K = 1000 };

static cJSON *hit_json(const lsp_folder *f, const rv_chunk *c, double score) {
    cJSON *loc = rv_lsp_chunk_location(f, c, 1);
    if (!loc) return NULL;
    cJSON_AddStringToObject(loc, "name", c->name ? c->name : "");
    cJSON_AddStringToObject(loc, "kind", c->kind ? c->kind : "");
    cJSON_AddNumberToObject(loc, "score", score);
    return loc;
}

static int get_top_k(const cJSON *v, int def, lsp_error *err) {
    if (!v || cJSON_IsNull(v)) return def;
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > SEARCH_MAX_K) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "top_k must be a number in 1..%d",
                         SEARCH_MAX_K);
        return -1;
    }
    return (int)v->valuedouble;
}

cJSON *rv_lsp_search(lsp_server *s, const cJSON *params, lsp_error *err) {
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(params, "query");
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(params, "mode");
    if (!cJSON_IsString(q) || !q->valuestring[0]) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "ripvec/search needs a non-empty 'query'");
        return NULL;
    }
    int m = -1;
    if (mode && !cJSON_IsNull(mode)) {
        m = cJSON_IsString(mode) ? rv_search_mode_parse(mode->valuestring) : -1;
        if (m < 0) {
            rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS,
                             "mode must be \"hybrid\", \"semantic\" or \"keyword\"");
            return NULL;
        }
    }
    int k = get_top_k(cJSON_GetObjectItemCaseSensitive(params, "top_k"), 10, err);
    if (k < 0) return NULL;
    rv_result_list *lists = calloc(s->n_folders + 1, sizeof *lists);
    cJSON *out = cJSON_CreateArray();
    lsp_ranked *r = NULL;
    size_t n =
        lists && out ? rv_lsp_ranked_search(s, q->valuestring, m, (size_t)k, 0, &r, lists) : 0;
    for (size_t i = 0; i < n && i < (size_t)k; i++)
        cJSON_AddItemToArray(out, hit_json(&s->folders[r[i].folder], r[i].c, r[i].score));
    free(r);
    for (size_t fi = 0; lists && fi < s->n_folders; fi++)
        rv_result_list_free(&lists[fi]);
    free(lists);
    return out;
}

/* ripvec.findSimilar's arguments: [{textDocument:{uri}, position}] (a
 * TextDocumentPositionParams) or [uri, position]. */
static cJSON *similar_args(const cJSON *args) {
    const cJSON *a0 = cJSON_GetArrayItem(args, 0), *a1 = cJSON_GetArrayItem(args, 1);
    if (cJSON_IsObject(a0)) return cJSON_Duplicate(a0, 1);
    if (!cJSON_IsString(a0) || !cJSON_IsObject(a1)) return NULL;
    cJSON *p = cJSON_CreateObject();
    cJSON *td = cJSON_AddObjectToObject(p, "textDocument");
    cJSON_AddStringToObject(td, "uri", a0->valuestring);
    cJSON_AddItemToObject(p, "position", cJSON_Duplicate(a1, 1));
    return p;
}

cJSON *rv_lsp_execute(lsp_server *s, const cJSON *params, lsp_error *err) {
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(params, "command");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "arguments");
    if (!cJSON_IsString(cmd) || strcmp(cmd->valuestring, "ripvec.findSimilar") != 0) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS, "unknown command (ripvec.findSimilar only)");
        return NULL;
    }
    cJSON *tdp = cJSON_IsArray(args) ? similar_args(args) : NULL;
    if (!tdp) {
        rv_lsp_error_set(err, RV_LSP_INVALID_PARAMS,
                         "ripvec.findSimilar takes [uri, position] or [{textDocument, position}]");
        return NULL;
    }
    int k = get_top_k(cJSON_GetArrayItem(args, cJSON_IsObject(cJSON_GetArrayItem(args, 0)) ? 1 : 2),
                      10, err);
    lsp_pos pos = {0};
    cJSON *out = NULL;
    if (k < 0 || rv_lsp_position(s, tdp, &pos, err) != 0) goto done;
    lsp_folder *f = &s->folders[pos.folder];
    if (!f->srch || !rv_searcher_has_model(f->srch)) {
        rv_lsp_error_set(err, RV_LSP_REQUEST_FAILED, "findSimilar needs a model and an index");
        goto done;
    }
    rv_result_list res = {0};
    rv_status st = rv_searcher_similar(f->srch, pos.rel, (int)pos.line + 1, (size_t)k, &res);
    if (st == RV_ERR_NOT_FOUND) {
        out = cJSON_CreateArray(); /* nothing indexed there (yet) */
        goto done;
    }
    if (st != RV_OK) {
        rv_lsp_error_set(err, RV_LSP_REQUEST_FAILED, "findSimilar: %s", rv_error_last());
        goto done;
    }
    out = cJSON_CreateArray();
    for (size_t i = 0; out && i < res.count; i++)
        cJSON_AddItemToArray(out, hit_json(f, res.items[i].chunk, res.items[i].score));
    rv_result_list_free(&res);
done:
    rv_lsp_pos_free(&pos);
    cJSON_Delete(tdp);
    return out;
}
