/*
 * sink/sink.h — renders search results for people (plain, colored) and
 * programs (JSON Lines).
 *
 *   rv_sink_opts o = rv_sink_default_opts();
 *   o.format = RV_SINK_JSON;
 *   rv_sink_write(stdout, &results, &o);
 *
 * Writes only to the FILE it is given; returns RV_ERR_IO when writing fails
 * (e.g. a closed pipe).
 */
#ifndef RV_SINK_SINK_H
#define RV_SINK_SINK_H

#include "ripvec/search.h"

#include <stdio.h>

typedef enum rv_sink_format { RV_SINK_PLAIN = 0, RV_SINK_JSON = 1 } rv_sink_format;

typedef struct rv_sink_opts {
    rv_sink_format format;
    int color;                /* ANSI colors (plain only) */
    int context_lines;        /* snippet lines per result (plain only; default 3) */
    int snippet;              /* 0: no snippet lines (plain only) */
    int files_only;           /* -l: each file once, in rank order, nothing else */
    const char *display_root; /* plain/-l: prefix joined to each relative path
                                 ("." or NULL = none); JSON paths stay relative */
} rv_sink_opts;

rv_sink_opts rv_sink_default_opts(void);

rv_status rv_sink_write(FILE *f, const rv_result_list *res, const rv_sink_opts *o);

/* Appends s as a JSON string literal (quotes included) with control
 * characters escaped and invalid UTF-8 replaced by U+FFFD. */
void rv_sink_json_string(FILE *f, const char *s);

/* --explain (src/sink/explain.c): one indented "why:" line, or an
 * ,"explain":{...} member to put inside a result's JSON object. */
void rv_sink_explain_plain(FILE *f, const rv_rank_explain *x);
void rv_sink_explain_json(FILE *f, const rv_rank_explain *x);

#endif
