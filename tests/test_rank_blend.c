/* The blended ranking: query kinds, the definitions lookup, and what the
 * blend does with them (definitions first, code first, no file crowding the
 * list, a query with no evidence scoring near zero). */
#include "ripvec/rank.h"
#include "rvtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

RV_TEST(query_kinds) {
    rv_query_info q;
    rv_query_analyze(&q, "APIRouter");
    RV_CHECK(q.kind == RV_QK_SYMBOL);
    RV_CHECK(q.n_idents == 1 && strcmp(q.ident[0], "apirouter") == 0);
    rv_query_analyze(&q, "add_command");
    RV_CHECK(q.kind == RV_QK_SYMBOL && strcmp(q.ident[0], "addcommand") == 0);
    rv_query_analyze(&q, "cobra.Command");
    RV_CHECK(q.kind == RV_QK_QUALIFIED);
    RV_CHECK(strcmp(q.ident[0], "command") == 0 && strcmp(q.qual[0], "cobra") == 0);
    rv_query_analyze(&q, "fmt::detail::write_int");
    RV_CHECK(q.kind == RV_QK_QUALIFIED);
    RV_CHECK(strcmp(q.ident[0], "writeint") == 0 && strcmp(q.qual[0], "detail") == 0);
    rv_query_analyze(&q, "src/routing.py");
    RV_CHECK(q.kind == RV_QK_PATH);
    rv_query_analyze(&q, "how are routes registered");
    RV_CHECK(q.kind == RV_QK_NATURAL && q.n_idents == 0 && q.n_words >= 2);
    RV_CHECK(q.question && rv_rank_file_free(&q) == 1);
    rv_query_analyze(&q, "Returns the value of the flag, or how it was set");
    RV_CHECK(!q.question && rv_rank_file_free(&q) == 3); /* a description, not a question */
    rv_query_analyze(&q, " 'Where is parse_args called");
    RV_CHECK(q.question);
    rv_query_analyze(&q, "however");
    RV_CHECK(!q.question);
    rv_query_analyze(&q, "where is parse_args called");
    RV_CHECK(q.kind == RV_QK_MIXED && q.n_idents == 1 && strcmp(q.ident[0], "parseargs") == 0);
    rv_query_analyze(&q, "how Monad composes effects");
    RV_CHECK(q.kind == RV_QK_MIXED && strcmp(q.ident[0], "monad") == 0);
    rv_query_analyze(&q, "How routes work");
    RV_CHECK(q.kind == RV_QK_NATURAL); /* a sentence's capital is no type name */
    rv_query_analyze(&q, "where is the readme for tests");
    RV_CHECK(q.wants_prose && q.wants_tests && !q.wants_examples);
    rv_query_analyze(&q, "");
    RV_CHECK(q.kind == RV_QK_NATURAL && q.n_idents == 0 && q.n_words == 0);
    rv_query_analyze(&q, "((((.::->#");
    RV_CHECK(q.n_idents <= RV_QUERY_MAX_IDENTS);
}

static rv_chunk mk(const char *path, const char *kind, const char *name, const char *scope,
                   const char *lang) {
    rv_chunk c;
    memset(&c, 0, sizeof c);
    c.path = (char *)path;
    c.kind = (char *)kind;
    c.name = (char *)name;
    c.scope = (char *)scope;
    c.language = lang;
    c.content = (char *)"";
    c.start_line = c.end_line = 1;
    return c;
}

RV_TEST(symtab_defs_and_files) {
    rv_chunk cs[] = {
        mk("cmd/command.go", "struct", "Command", "", "go"),
        mk("cmd/command.go", "method", "AddCommand", "Command", "go"),
        mk("cmd/args.go", "function", "add_command", "", "go"),
        mk("README.md", "section", "Command", "", "markdown"),
        mk("cmd/args.go", "window", "", "", "go"),
        mk("fmt/format.h", "struct", "formatter<bytes>", "", "cpp"),
    };
    rv_symtab *t = NULL;
    RV_CHECK(rv_symtab_build(&t, cs, 6) == RV_OK);
    const uint32_t *ids;
    size_t n = rv_symtab_defs(t, "command", &ids);
    RV_CHECK(n == 1 && ids[0] == 0); /* the heading is no definition */
    n = rv_symtab_defs(t, "addcommand", &ids);
    RV_CHECK(n == 2 && ids[0] == 1 && ids[1] == 2); /* camel and snake meet */
    n = rv_symtab_files(t, "args", &ids);
    RV_CHECK(n == 2 && ids[0] == 2 && ids[1] == 4);
    n = rv_symtab_defs(t, "formatter", &ids); /* a specialization defines the template */
    RV_CHECK(n == 1 && ids[0] == 5);
    RV_CHECK(rv_symtab_defs(t, "missing", &ids) == 0 && ids == NULL);
    RV_CHECK(rv_symtab_defs(t, "", &ids) == 0);
    rv_symtab_free(t);
    RV_CHECK(rv_symtab_build(&t, NULL, 0) == RV_OK);
    RV_CHECK(rv_symtab_defs(t, "command", &ids) == 0);
    rv_symtab_free(t);
    rv_symtab_free(NULL);
}

/* A corpus of n chunks with given cosines and BM25 scores. */
typedef struct fixture {
    rv_chunk c[48];
    float cos[48], bm[48], cov[48];
    size_t n;
} fixture;

static void put(fixture *f, rv_chunk c, float cos, float bm, float cov) {
    f->c[f->n] = c;
    f->cos[f->n] = cos;
    f->bm[f->n] = bm;
    f->cov[f->n] = cov;
    f->n++;
}

static rv_rank_explain *blend_steps(const fixture *f, const char *query, rv_symtab *t,
                                    unsigned steps, size_t *n) {
    static rv_query_info q;
    rv_query_analyze(&q, query);
    rv_rank_input in;
    memset(&in, 0, sizeof in);
    in.chunks = f->c;
    in.n = f->n;
    in.cosine = f->cos;
    in.bm25 = f->bm;
    in.coverage = f->cov;
    in.symtab = t;
    in.query = &q;
    in.steps = steps;
    in.depth = 100;
    in.want = 10;
    rv_rank_explain *x = NULL;
    if (rv_rank_blend(&x, n, &in) != RV_OK) return NULL;
    return x;
}

static rv_rank_explain *blend(const fixture *f, const char *query, rv_symtab *t, size_t *n) {
    return blend_steps(f, query, t, ~0u, n);
}

RV_TEST(blend_puts_the_definition_first) {
    fixture f = {0};
    /* the callers mention the name more often than the definition does */
    put(&f, mk("a/use1.go", "function", "run", "", "go"), 0.50f, 9.0f, 1.0f);
    put(&f, mk("a/use2.go", "function", "start", "", "go"), 0.48f, 8.0f, 1.0f);
    put(&f, mk("a/router.go", "struct", "Router", "", "go"), 0.45f, 3.0f, 1.0f);
    for (int i = 0; i < 8; i++)
        put(&f, mk("a/other.go", "function", "x", "", "go"), 0.1f, 0.0f, 0.0f);
    rv_symtab *t = NULL;
    RV_CHECK(rv_symtab_build(&t, f.c, f.n) == RV_OK);
    size_t n = 0;
    rv_rank_explain *x = blend(&f, "Router", t, &n);
    RV_CHECK(x && n >= 3);
    if (x) {
        RV_CHECK(x[0].id == 2 && x[0].def_boost > 0);
        RV_CHECK(x[0].score > 0 && x[0].score <= 1.0f);
    }
    free(x);
    rv_symtab_free(t);
}

/* Two definitions share a lookup key; the one spelled as the query is
 * written comes first even where the other scores a little better. */
RV_TEST(blend_prefers_the_spelling_as_written) {
    fixture f = {0};
    put(&f, mk("src/Error.swift", "variable", "urlConvertible", "Error", "swift"), 0.50f, 9.0f,
        1.0f);
    put(&f, mk("src/URLConvertible.swift", "protocol", "URLConvertible", "", "swift"), 0.48f,
        8.5f, 1.0f);
    for (int i = 0; i < 8; i++)
        put(&f, mk("src/other.swift", "function", "x", "", "swift"), 0.1f, 0.0f, 0.0f);
    rv_symtab *t = NULL;
    RV_CHECK(rv_symtab_build(&t, f.c, f.n) == RV_OK);
    size_t n = 0;
    rv_rank_explain *x = blend(&f, "URLConvertible", t, &n);
    RV_CHECK(x && n >= 2);
    if (x) RV_CHECK(x[0].id == 1 && x[1].id == 0 && x[1].def_boost < x[0].def_boost);
    free(x);
    x = blend(&f, "urlconvertible", t, &n); /* nothing spelled so: both count fully */
    RV_CHECK(x && n >= 2);
    if (x) RV_CHECK(x[0].id == 0 && x[0].def_boost == x[1].def_boost);
    free(x);
    rv_symtab_free(t);
}

RV_TEST(blend_code_first) {
    fixture f = {0};
    put(&f, mk("docs/guide.md", "section", "Retry", "", "markdown"), 0.60f, 5.0f, 1.0f);
    for (int i = 0; i < 6; i++) /* one file with many good chunks: a file boost */
        put(&f, mk("src/retry.c", "function", "r", "", "c"), 0.58f - 0.01f * i, 4.0f, 1.0f);
    put(&f, mk("src/backoff.c", "function", "b", "", "c"), 0.50f, 3.0f, 1.0f);
    put(&f, mk("src/jitter.c", "function", "j", "", "c"), 0.49f, 3.0f, 1.0f);
    for (int i = 0; i < 4; i++)
        put(&f, mk("src/zz.c", "function", "z", "", "c"), 0.05f, 0.0f, 0.0f);
    size_t n = 0;
    rv_rank_explain *x = blend(&f, "retry with backoff", NULL, &n);
    RV_CHECK(x && n >= 5);
    if (x) {
        RV_CHECK(strcmp(f.c[x[0].id].path, "src/retry.c") == 0); /* code before the guide */
        for (size_t i = 1; i < n; i++)
            RV_CHECK(x[i - 1].score >= x[i].score || x[i].diversity < 1.0f ||
                     x[i - 1].diversity < 1.0f);
    }
    free(x);
}

/* In code-first order the best code chunk sets the lists' scales: a page of
 * prose closest to the query must not shrink every code chunk's share (it
 * made the ranking of a complete index worse than a partly embedded one's,
 * docs/INDEX.md). A query asking for prose keeps the overall tops. */
RV_TEST(blend_prose_sets_no_scale) {
    fixture f = {0};
    put(&f, mk("site/guide.md", "section", "Guide", "", "markdown"), 0.90f, 9.0f, 1.0f);
    put(&f, mk("src/gen.go", "function", "gen", "", "go"), 0.60f, 6.0f, 1.0f);
    put(&f, mk("src/other.go", "function", "other", "", "go"), 0.50f, 3.0f, 1.0f);
    for (int i = 0; i < 8; i++)
        put(&f, mk("src/zz.go", "function", "z", "", "go"), 0.10f, 0.0f, 0.0f);
    size_t n = 0;
    rv_rank_explain *x = blend(&f, "generate pages", NULL, &n);
    RV_CHECK(x && n >= 3);
    for (size_t i = 0; x && i < n; i++)
        if (x[i].id == 1) RV_CHECK(x[i].sem_norm > 0.99f && x[i].kw_norm > 0.99f);
    free(x);
    x = blend(&f, "generate pages docs", NULL, &n); /* asks for documentation */
    RV_CHECK(x && n >= 3);
    for (size_t i = 0; x && i < n; i++)
        if (x[i].id == 1) RV_CHECK(x[i].sem_norm < 0.9f && x[i].kw_norm < 0.9f);
    free(x);
}

/* A description names one definition: a big file's several near matches
 * say less about it than a small file's best match (its boost shrinks with
 * the file's size). A question about how things work keeps the whole boost. */
RV_TEST(blend_big_file_boost_shrinks_for_descriptions) {
    fixture f = {0};
    put(&f, mk("src/types.py", "function", "t", "", "python"), 0.56f, 5.0f, 1.0f);
    put(&f, mk("src/types.py", "function", "u", "", "python"), 0.10f, 0.0f, 0.0f);
    for (int i = 0; i < 4; i++) /* a big file's near matches */
        put(&f, mk("src/models.py", "function", "m", "", "python"), 0.52f - 0.01f * i, 4.0f, 1.0f);
    for (int i = 0; i < 36; i++)
        put(&f, mk("src/models.py", "function", "w", "", "python"), 0.10f, 0.0f, 0.0f);
    const char *desc = "Checks that a request is ready to send";
    size_t n = 0;
    rv_rank_explain *x = blend_steps(&f, desc, NULL, ~0u & ~(unsigned)RV_STEP_FILE_SIZE, &n);
    RV_CHECK(x && n >= 5);
    if (x) RV_CHECK(strcmp(f.c[x[0].id].path, "src/models.py") == 0 && x[0].file_boost > 0.19f);
    free(x);
    x = blend(&f, desc, NULL, &n); /* 40 chunks: the boost x sqrt(10 / 40) */
    RV_CHECK(x && n >= 5);
    if (x) {
        RV_CHECK(x[0].id == 0);
        for (size_t i = 0; i < n; i++)
            if (strcmp(f.c[x[i].id].path, "src/models.py") == 0 && x[i].file_boost > 0)
                RV_CHECK_MSG(fabsf(x[i].file_boost - 0.10f) < 0.001f, "%.4f", x[i].file_boost);
    }
    free(x);
    x = blend(&f, "how is a request checked before it is sent", NULL, &n);
    RV_CHECK(x && n >= 5);
    if (x) RV_CHECK(strcmp(f.c[x[0].id].path, "src/models.py") == 0 && x[0].file_boost > 0.19f);
    free(x);
}

RV_TEST(blend_no_evidence_scores_low) {
    fixture f = {0};
    /* flat cosines, no keyword hit: what a string of random letters gets */
    for (int i = 0; i < 12; i++)
        put(&f, mk("src/a.c", "function", "f", "", "c"), 0.20f + 0.001f * (float)i, 0, 0);
    size_t n = 0;
    rv_rank_explain *x = blend(&f, "qzxv wkpt", NULL, &n);
    RV_CHECK(x && n > 0);
    if (x) RV_CHECK_MSG(x[0].score < 0.12f, "top %.3f", x[0].score);
    free(x);
    /* the same corpus with a keyword hit covering the query */
    f.cos[3] = 0.25f;
    f.bm[3] = 4.0f;
    f.cov[3] = 1.0f;
    x = blend(&f, "parse config", NULL, &n);
    RV_CHECK(x && n > 0);
    if (x) RV_CHECK_MSG(x[0].score > 0.12f && x[0].id == 3, "top %.3f", x[0].score);
    free(x);
}

/* A corpus of one chunk (a search of one small file): its cosine is the
 * corpus mean and the top at once, and it must still count as the top of
 * the semantic list, or a query that shares no word with it scores zero. */
RV_TEST(blend_one_chunk_is_the_semantic_top) {
    fixture f = {0};
    put(&f, mk("a.py", "function", "retry", "", "python"), 0.6f, 0, 0);
    size_t n = 0;
    rv_rank_explain *x = blend(&f, "wait longer after each failure", NULL, &n);
    RV_CHECK(x && n == 1);
    if (x) RV_CHECK_MSG(x[0].sem_norm > 0.99f, "sem_norm %.3f", x[0].sem_norm);
    free(x);
    put(&f, mk("b.py", "function", "other", "", "python"), 0.6f, 0, 0); /* a tie */
    x = blend(&f, "wait longer after each failure", NULL, &n);
    RV_CHECK(x && n == 2);
    for (size_t i = 0; x && i < n; i++)
        RV_CHECK_MSG(x[i].sem_norm > 0.99f, "sem_norm %.3f", x[i].sem_norm);
    free(x);
}

/* A keyword query that matches nothing: an empty list, not an error (and no
 * qsort of a NULL array, which UBSan reports). */
RV_TEST(blend_keyword_no_match_is_empty) {
    fixture f = {0};
    for (int i = 0; i < 4; i++)
        put(&f, mk("src/a.c", "function", "f", "", "c"), 0, 0, 0);
    rv_query_info q;
    rv_query_analyze(&q, "zzqx");
    rv_rank_input in;
    memset(&in, 0, sizeof in);
    in.chunks = f.c;
    in.n = f.n;
    in.bm25 = f.bm;
    in.coverage = f.cov;
    in.query = &q;
    in.steps = ~0u;
    in.depth = 100;
    in.want = 10;
    rv_rank_explain *x = NULL;
    size_t n = 99;
    RV_CHECK(rv_rank_blend(&x, &n, &in) == RV_OK);
    RV_CHECK(n == 0 && x == NULL);
    free(x);
}

RV_TEST(spread_keeps_three_per_file_then_decays) {
    rv_chunk cs[] = {
        mk("a.c", "function", "a1", "", "c"), mk("a.c", "function", "a2", "", "c"),
        mk("a.c", "function", "a3", "", "c"), mk("a.c", "function", "a4", "", "c"),
        mk("a.c", "function", "a5", "", "c"), mk("b.c", "function", "b1", "", "c"),
    };
    rv_span sp[6];
    float score[6] = {1.0f, 0.95f, 0.9f, 0.85f, 0.8f, 0.7f};
    for (uint32_t i = 0; i < 6; i++)
        sp[i] = (rv_span){i, score[i], 1, 1, 0};
    rv_rank_spread(sp, 6, 0, 3, cs);
    /* a1..a3 stand; a4 (x0.6 = 0.51) and a5 fall below b1 */
    RV_CHECK(sp[0].id == 0 && sp[1].id == 1 && sp[2].id == 2 && sp[3].id == 5);
    RV_CHECK(sp[4].id == 3 && sp[4].score < 0.6f);
    for (size_t i = 1; i < 6; i++)
        RV_CHECK(sp[i - 1].score >= sp[i].score);
    rv_rank_spread(sp, 0, 0, 3, cs); /* nothing to do */
    /* a question: only a file's best result stands, b1 (0.7) passes a2 (0.57) */
    for (uint32_t i = 0; i < 6; i++)
        sp[i] = (rv_span){i, score[i], 1, 1, 0};
    rv_rank_spread(sp, 6, 2, 1, cs);
    RV_CHECK(sp[0].id == 0 && sp[1].id == 5);
}

int main(void) {
    RV_RUN(query_kinds);
    RV_RUN(symtab_defs_and_files);
    RV_RUN(blend_puts_the_definition_first);
    RV_RUN(blend_prefers_the_spelling_as_written);
    RV_RUN(blend_code_first);
    RV_RUN(blend_prose_sets_no_scale);
    RV_RUN(blend_big_file_boost_shrinks_for_descriptions);
    RV_RUN(blend_no_evidence_scores_low);
    RV_RUN(blend_one_chunk_is_the_semantic_top);
    RV_RUN(blend_keyword_no_match_is_empty);
    RV_RUN(spread_keeps_three_per_file_then_decays);
    return rv_test_summary();
}
