/* Result lists and the canned stub backend (see mcp.h). */
#include "mcp/mcp.h"
#include "ripvec/sink.h"
#include "util/vec.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

rv_status rv_mcp_hits_add(rv_mcp_hits *hits, const rv_chunk *c, double score) {
    rv_status st =
        rv_vec_reserve((void **)&hits->json, &hits->cap, hits->count + 1, sizeof *hits->json);
    if (st != RV_OK) return st;
    rv_chunk t = *c;
    if (!t.language) t.language = "text";
    rv_result r = {&t, score, hits->count + 1, NULL, NULL};
    rv_sink_opts o = rv_sink_default_opts();
    o.format = RV_SINK_JSON;
    o.max_chars = hits->max_chars;
    o.score_decimals = 4; /* more would only cost an agent tokens */
    o.with_rank = 1;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    rv_sink_json_result(f, &r, &o);
    if (fclose(f) != 0) {
        free(buf);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    hits->json[hits->count++] = buf;
    return RV_OK;
}

void rv_mcp_hits_free(rv_mcp_hits *hits) {
    if (!hits) return;
    for (size_t i = 0; i < hits->count; i++)
        free(hits->json[i]);
    free(hits->json);
    memset(hits, 0, sizeof *hits);
}

/* ---- stub backend -------------------------------------------------------- */

/* Case-insensitive count of the query's words found in text. */
static int words_found(const char *query, const char *text) {
    int found = 0;
    const char *p = query;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *w = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - w);
        if (n == 0) continue;
        for (const char *t = text; *t; t++)
            if (strncasecmp(t, w, n) == 0) {
                found++;
                break;
            }
    }
    return found;
}

static rv_status stub_search(void *ctx, const rv_mcp_query *q, rv_mcp_hits *out) {
    rv_mcp_stub *st = ctx;
    st->search_calls++;
    const rv_chunk_list *cl = st->chunks;
    int best = 0;
    for (size_t i = 0; i < cl->count; i++) {
        int f = words_found(q->text, cl->items[i].content ? cl->items[i].content : "");
        if (f > best) best = f;
    }
    /* Rank by words found (descending), then corpus order: stable and simple. */
    for (int f = best; f >= 1; f--)
        for (size_t i = 0; i < cl->count && out->count < (size_t)q->top_k; i++) {
            const rv_chunk *c = &cl->items[i];
            if (words_found(q->text, c->content ? c->content : "") != f) continue;
            if (q->path_glob && strncmp(c->path, q->path_glob, strcspn(q->path_glob, "*?[")))
                continue;
            rv_status s = rv_mcp_hits_add(out, c, (double)f / (f + 1));
            if (s != RV_OK) return s;
        }
    return RV_OK;
}

static rv_status stub_similar(void *ctx, const char *rel, int line, int top_k, rv_mcp_hits *out) {
    rv_mcp_stub *st = ctx;
    const rv_chunk_list *cl = st->chunks;
    size_t self = cl->count;
    for (size_t i = 0; i < cl->count && self == cl->count; i++)
        if (strcmp(cl->items[i].path, rel) == 0 && cl->items[i].start_line <= line &&
            line <= cl->items[i].end_line)
            self = i;
    if (self == cl->count)
        return rv_error_set(RV_ERR_NOT_FOUND, "no indexed chunk at %s:%d", rel, line);
    for (size_t i = 0; i < cl->count && out->count < (size_t)top_k; i++) {
        if (i == self) continue;
        rv_status s = rv_mcp_hits_add(out, &cl->items[i], 1.0 / (double)(out->count + 2));
        if (s != RV_OK) return s;
    }
    return RV_OK;
}

static rv_status stub_chunks(void *ctx, const rv_chunk_list **out) {
    *out = ((rv_mcp_stub *)ctx)->chunks;
    return RV_OK;
}

static void count_files(const rv_chunk_list *cl, size_t *files) {
    *files = 0;
    for (size_t i = 0; i < cl->count; i++)
        if (i == 0 || strcmp(cl->items[i].path, cl->items[i - 1].path) != 0) (*files)++;
}

static rv_status stub_reindex(void *ctx, rv_mcp_reindex_stats *out) {
    rv_mcp_stub *st = ctx;
    st->reindex_calls++;
    memset(out, 0, sizeof *out);
    count_files(st->chunks, &out->files);
    out->chunks = st->chunks->count;
    return RV_OK;
}

static rv_status stub_status(void *ctx, rv_mcp_status *out) {
    rv_mcp_stub *st = ctx;
    memset(out, 0, sizeof *out);
    out->ready = 1;
    count_files(st->chunks, &out->files);
    out->chunks = st->chunks->count;
    out->model = "stub";
    out->index_path = "";
    out->last_update = st->reindex_calls ? (double)time(NULL) : 0.0;
    return RV_OK;
}

rv_mcp_backend rv_mcp_stub_backend(rv_mcp_stub *stub) {
    rv_mcp_backend b = {stub, stub_search, stub_similar, stub_chunks, stub_reindex, stub_status};
    return b;
}
