/*
 * ripvec/sink.h — the one renderer of search results: plain text for people
 * (colored on request), JSON Lines for programs, and the JSON objects the MCP
 * server sends. The CLI, MCP and LSP front ends all render through it.
 *
 *   rv_sink_opts o = rv_sink_default_opts();
 *   o.format = RV_SINK_JSON;
 *   rv_sink_write(stdout, &results, &o);
 *
 * Writes only to the FILE it is given; returns RV_ERR_IO when writing fails
 * (e.g. a closed pipe). Text from files never drives a terminal: in plain
 * output control bytes of content are shown as '?', and so are those of
 * paths and names when o.terminal is set; JSON escapes them.
 */
#ifndef RIPVEC_SINK_H
#define RIPVEC_SINK_H

#include "ripvec/search.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rv_sink_format { RV_SINK_PLAIN = 0, RV_SINK_JSON = 1 } rv_sink_format;

typedef enum rv_sink_sort {
    RV_SINK_SORT_SCORE = 0, /* rank order (default) */
    RV_SINK_SORT_PATH = 1   /* by path, then start line */
} rv_sink_sort;

typedef struct rv_sink_opts {
    rv_sink_format format;
    rv_sink_sort sort;
    int color;                /* ANSI colors (plain only) */
    int terminal;             /* plain output goes to a terminal: paths and names are
                                 filtered like content */
    int context_lines;        /* snippet lines per result (plain only; default 3) */
    int snippet;              /* 0: no snippet lines (plain only) */
    int files_only;           /* -l: each file once, in rank order, nothing else */
    int count;                /* -c: each file once with its number of results */
    int null_sep;             /* -0: with -l, names end in NUL (raw bytes), not newline */
    const char *display_root; /* plain/-l/-c: prefix joined to each relative path
                                 ("." or NULL = none); JSON paths stay relative */
    /* JSON objects (rv_sink_json_result): */
    size_t max_chars;   /* content clipped to this many characters, 0 = whole; when
                           set, a "truncated" member says whether it was */
    int score_decimals; /* digits of "similarity" (default 6) */
    int with_rank;      /* add a "rank" member (r->rank) */
} rv_sink_opts;

rv_sink_opts rv_sink_default_opts(void);

/* Renders the whole list (one line or block per result, or per file with
 * files_only/count). */
rv_status rv_sink_write(FILE *f, const rv_result_list *res, const rv_sink_opts *o);

/* One result as one JSON object without a newline: file_path, start_line,
 * end_line, name, scope (only when the chunk has one), kind, language,
 * similarity, content, then truncated (when o->max_chars) and rank (when
 * o->with_rank). Invalid UTF-8 becomes U+FFFD. */
void rv_sink_json_result(FILE *f, const rv_result *r, const rv_sink_opts *o);

/* Appends s as a JSON string literal (quotes included) with control
 * characters escaped and invalid UTF-8 replaced by U+FFFD. */
void rv_sink_json_string(FILE *f, const char *s);

/* The display name of a chunk: "scope.name" (or the bare name without a
 * scope), written to f; nothing when the chunk has no name. */
void rv_sink_write_name(FILE *f, const rv_chunk *c, int filter_controls);

/* One line of indexing progress, for a terminal or a log: the phase, files
 * and chunks done of their totals (when known), chunks/s and an ETA, e.g.
 * "embed: 12/36 files, 340/1223 chunks, 85 chunks/s, ETA 10s". The ETA
 * follows chunks when their total is known, else files. Returns buf. */
char *rv_sink_progress_line(char *buf, size_t cap, const rv_progress *p);

#ifdef __cplusplus
}
#endif
#endif
