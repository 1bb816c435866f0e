/* sink/explain.h — --explain: the signals behind a result (explain.c). */
#ifndef RV_SINK_EXPLAIN_H
#define RV_SINK_EXPLAIN_H

#include "ripvec/search.h"

#include <stdio.h>

/* One indented "why:" line of plain output. */
void rv_sink_explain_plain(FILE *f, const rv_rank_explain *x);
/* An ,"explain":{...} member to put inside a result's JSON object. */
void rv_sink_explain_json(FILE *f, const rv_rank_explain *x);

#endif
