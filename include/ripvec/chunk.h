/*
 * ripvec/chunk.h — one file's bytes in, definitions (chunks) out.
 *
 *   rv_chunk_params p = rv_chunk_default_params();
 *   p.count_tokens = my_counter; p.count_user = tok;   // optional, for splitting
 *   rv_chunk_list list = {0};
 *   if (rv_chunk_file(&list, "src/a.py", data, len, &p) == RV_OK) {
 *       for (size_t i = 0; i < list.count; i++) use(&list.items[i]);
 *   }
 *   rv_chunk_list_free(&list);
 *
 * Pure function of its inputs: thread-safe, no global state after the first
 * call. Lines are 1-based and inclusive.
 */
#ifndef RIPVEC_CHUNK_H
#define RIPVEC_CHUNK_H

#include "ripvec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_chunk {
    char *path;       /* as given to rv_chunk_file (relative to the search root) */
    int start_line;   /* 1-based, inclusive */
    int end_line;     /* 1-based, inclusive */
    char *kind;       /* "function", "method", "class", "struct", … "window", "section" */
    char *name;       /* definition name, "" when none */
    char *scope;      /* enclosing class/impl/module, "" when none */
    const char *language; /* static string: "python", "go", … or "text" */
    char *content;    /* the exact source lines start..end (UTF-8 as in the file) */
    char *embed_text; /* what gets embedded: a short header + content */
} rv_chunk;

typedef struct rv_chunk_list {
    rv_chunk *items;
    size_t count;
    size_t cap;
} rv_chunk_list;

/* Counts model tokens in text (without [CLS]/[SEP]); used to split long
 * definitions so no chunk exceeds max_tokens. */
typedef size_t (*rv_token_counter)(void *user, const char *text, size_t len);

typedef struct rv_chunk_params {
    int max_tokens;     /* model limit for one chunk's embed_text (default 512) */
    int window_lines;   /* sliding window size for unstructured files (default 40) */
    int window_overlap; /* lines shared by consecutive windows (default 10) */
    rv_token_counter count_tokens; /* NULL: estimate 1 token per 3 bytes */
    void *count_user;
} rv_chunk_params;

rv_chunk_params rv_chunk_default_params(void);

/* Appends the chunks of one file to `out` (which may already hold chunks).
 * Never fails on odd content (invalid UTF-8, NULs, huge lines): it falls back
 * to windows. Errors only on allocation failure. */
rv_status rv_chunk_file(rv_chunk_list *out, const char *path, const char *data, size_t len,
                        const rv_chunk_params *params);

/* Frees every chunk's strings and the array; leaves *list zeroed. */
void rv_chunk_list_free(rv_chunk_list *list);

/* Deep-copies src into dst (dst's previous contents are not freed). */
rv_status rv_chunk_copy(rv_chunk *dst, const rv_chunk *src);
void rv_chunk_clear(rv_chunk *c);

/* The language for a path by its extension/name ("text" when unknown). */
const char *rv_chunk_language_for_path(const char *path);

#ifdef __cplusplus
}
#endif
#endif
