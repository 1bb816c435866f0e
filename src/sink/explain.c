/* --explain: the signals behind a result, as one indented plain line or a
 * JSON object. */
#include "sink/explain.h"
#include "ripvec/sink.h"

#include <math.h>

static double num(double v) {
    return v == v && v < 1e30 && v > -1e30 ? v : 0;
}

void rv_sink_explain_plain(FILE *f, const rv_rank_explain *x) {
    fputs("   why:", f);
    if (x->sem_rank)
        fprintf(f, " semantic #%d cos %.3f (%.2f)", x->sem_rank, num(x->cosine),
                num(x->sem_norm));
    else
        fputs(" semantic -", f);
    if (x->kw_rank)
        fprintf(f, ", keyword #%d bm25 %.2f (%.2f) cover %.2f", x->kw_rank, num(x->bm25),
                num(x->kw_norm), num(x->coverage));
    else
        fputs(", keyword -", f);
    if (x->def_boost > 0) fprintf(f, ", definition +%.2f", x->def_boost);
    if (x->name_boost > 0) fprintf(f, ", name +%.2f", x->name_boost);
    if (x->sig_boost > 0) fprintf(f, " (parameters +%.2f)", x->sig_boost);
    if (x->path_boost > 0) fprintf(f, ", path +%.2f", x->path_boost);
    if (x->file_boost > 0) fprintf(f, ", file +%.2f", x->file_boost);
    if (x->content != 1.0f) fprintf(f, ", docs x%.2f", x->content);
    if (x->penalty != 1.0f) fprintf(f, ", penalty x%.2f", x->penalty);
    if (x->diversity != 1.0f) fprintf(f, ", same file x%.2f", x->diversity);
    fprintf(f, ", evidence %.2f\n", num(x->evidence));
}

void rv_sink_explain_json(FILE *f, const rv_rank_explain *x) {
    fprintf(f,
            ",\"explain\":{\"semantic_rank\":%d,\"cosine\":%.6f,\"semantic_norm\":%.6f,"
            "\"keyword_rank\":%d,\"bm25\":%.6f,\"keyword_norm\":%.6f,\"coverage\":%.6f,"
            "\"blend\":%.6f,\"definition_boost\":%.6f,\"path_boost\":%.6f,\"file_boost\":%.6f,"
            "\"name_boost\":%.6f,\"signature_boost\":%.6f,\"content_factor\":%.6f,\"path_penalty\":%.6f,\"diversity\":%.6f,"
            "\"evidence\":%.6f,\"score\":%.6f}",
            x->sem_rank, num(x->cosine), num(x->sem_norm), x->kw_rank, num(x->bm25),
            num(x->kw_norm), num(x->coverage), num(x->blend), num(x->def_boost),
            num(x->path_boost), num(x->file_boost), num(x->name_boost), num(x->sig_boost), num(x->content), num(x->penalty),
            num(x->diversity), num(x->evidence), num(x->score));
}
