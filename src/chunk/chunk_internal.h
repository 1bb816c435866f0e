/*
 * chunk/chunk_internal.h — shared state of one rv_chunk_file call.
 *
 *   rv_csrc s;                          // built by rv_csrc_init from the raw bytes
 *   rv_csrc_emit(&s, a, b, "function", "foo", "Cls");   // lines a..b (0-based), split if large
 *   rv_csrc_windows(&s, a, b);          // sliding windows over a..b
 *   rv_csrc_free(&s);
 *
 * The text is normalised once (UTF-16 transcoded, BOM dropped, NUL -> ' ',
 * each byte of an invalid UTF-8 sequence -> '?') so every offset in the
 * working copy is also an offset into what the chunks carry, and every string
 * handed out is valid UTF-8 without NULs.
 */
#ifndef RV_CHUNK_INTERNAL_H
#define RV_CHUNK_INTERNAL_H

#include "ripvec/chunk.h"

#include <stdint.h>

/* Above this size a file skips tree-sitter and goes straight to windows. */
#define RV_CHUNK_TS_MAX_BYTES ((size_t)2 << 20)
/* A gap between definitions gets windows when it has more non-blank lines. */
#define RV_CHUNK_GAP_MIN_LINES 5
/* Module-level variables become chunks from this many lines on. */
#define RV_CHUNK_VAR_MIN_LINES 3

typedef struct rv_csrc {
    const char *path;
    const char *language;
    char *text; /* normalised copy, NUL-terminated */
    size_t len;
    size_t *line_off; /* nlines + 1 entries; line i is [line_off[i], line_end(i)) */
    int nlines;
    const rv_chunk_params *p;
    int limit;            /* token budget of one embed_text */
    int adds_up;          /* the counter's line counts add up (count_adds_up); -1 not asked */
    uint32_t *line_tok;   /* per-line token estimate incl. the line break (lazy) */
    unsigned char *cover; /* per-line: 1 when a definition chunk holds it */
    rv_chunk_list *out;
    size_t first_out; /* out->count when this file started */
} rv_csrc;

rv_status rv_csrc_init(rv_csrc *s, rv_chunk_list *out, const char *path, const char *data,
                       size_t len, const rv_chunk_params *p);
void rv_csrc_free(rv_csrc *s);

/* Byte offset just past line i's content (before "\n" or "\r\n"). */
size_t rv_csrc_line_end(const rv_csrc *s, int i);
/* 1 when line i holds only spaces/tabs/\r/\f/\v. */
int rv_csrc_blank(const rv_csrc *s, int i);
/* The 0-based line that holds byte offset `off` (binary search). */
int rv_csrc_line_of(const rv_csrc *s, size_t off);

/* Emits lines a..b (0-based, inclusive) as one chunk, or as several line-snapped
 * pieces (a line longer than the budget is cut at UTF-8 boundaries) when the
 * embed_text would exceed the token budget. Marks the lines covered. */
rv_status rv_csrc_emit(rv_csrc *s, int a, int b, const char *kind, const char *name,
                       const char *scope);
/* Sliding windows over lines a..b (window_lines / window_overlap); windows of
 * blank lines only are skipped. Does not mark coverage. */
rv_status rv_csrc_windows(rv_csrc *s, int a, int b);
/* Windows over each uncovered run of lines with more than
 * RV_CHUNK_GAP_MIN_LINES non-blank lines. */
rv_status rv_csrc_fill_gaps(rv_csrc *s);
/* Sorts this file's chunks by (start_line, end_line), stable. */
void rv_csrc_sort(rv_csrc *s);

/* Definitions through tree-sitter. RV_ERR_UNSUPPORTED when the language has no
 * grammar, RV_ERR_CANCELLED when the parse timed out or failed: the caller then
 * falls back to windows (after dropping anything this call emitted). */
rv_status rv_chunk_ts(rv_csrc *s);
/* Line-based splitters for data and prose formats. */
rv_status rv_chunk_markdown(rv_csrc *s);
rv_status rv_chunk_json(rv_csrc *s);
rv_status rv_chunk_yaml(rv_csrc *s);
rv_status rv_chunk_toml(rv_csrc *s);

/* 1 when the language has a tree-sitter grammar linked in. */
int rv_chunk_ts_has(const char *language);
/* For tests: the first rule node type that the language's grammar does not
 * know (a typo in a table), or NULL when all resolve. */
const char *rv_chunk_ts_check_rules(const char *language);

/* Drops chunks appended since index `from` (freeing them). */
void rv_chunk_list_truncate(rv_chunk_list *l, size_t from);

#endif
