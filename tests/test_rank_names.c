/* A definition's name against a description: name words (identifier
 * boundaries, no whole identifiers), how they meet the query's words
 * (stems, abbreviations, joined neighbours), which chunks carry a name, and
 * what the blend does with it. */
#include "ripvec/rank.h"
#include "rvtest.h"
#include "sink/explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float match(const char *name, const char *query) {
    static rv_query_info q;
    char w[RV_NAME_MAX_WORDS * 2 * RV_QUERY_WORD_MAX];
    size_t n = rv_name_words(w, sizeof w, name, strlen(name));
    rv_query_analyze(&q, query);
    return rv_name_match(w, n, &q);
}

RV_TEST(name_words_split_without_the_whole) {
    char w[512];
    size_t n = rv_name_words(w, sizeof w, "GenHTTPServer_v2", 16);
    RV_CHECK(n == 3); /* gen, http, server; "v" and "2" are too short */
    RV_CHECK(strcmp(w, "gen") == 0 && strcmp(w + 4, "gen") == 0);
    RV_CHECK(strcmp(w + 8, "http") == 0);
    n = rv_name_words(w, sizeof w, "is_prepared", 11); /* "is" is a function word */
    RV_CHECK(n == 1 && strcmp(w, "prepared") == 0 && strcmp(w + 9, "prepar") == 0);
    n = rv_name_words(w, sizeof w, "formatter<bytes>", 16); /* generic arguments cut */
    RV_CHECK(n == 1 && strcmp(w, "formatter") == 0);
    RV_CHECK(rv_name_words(w, sizeof w, "", 0) == 0);
    RV_CHECK(rv_name_words(w, 4, "LongerThanFour", 14) == 0); /* no room: nothing */
}

RV_TEST(name_match_meets_abbreviations_and_joins) {
    /* every word of the name and every word of the query meet */
    float full = match("GenPowerShellCompletionFile", "generates powershell completion file");
    RV_CHECK(full > 0.99f);
    RV_CHECK(match("dict_from_cookiejar", "Returns a dictionary from a cookie jar") > 0.7f);
    RV_CHECK(match("init_poolmanager", "Initializes a pool manager") > 0.9f);
    /* the described definition over its sibling and a stranger */
    float want = match("ExactArgs", "returns an error if there are not exactly n args");
    float sibling = match("MinimumNArgs", "returns an error if there are not exactly n args");
    RV_CHECK(want > sibling && sibling > 0.0f);
    RV_CHECK(match("CompletionWithDesc", "returns a completion with a description") >
             match("Completion", "returns a completion with a description"));
    RV_CHECK(match("parse_header", "close the socket") == 0.0f);
    /* two letters stand for nothing: "is" must not meet "issue" */
    RV_CHECK(match("ab", "abstract issue") == 0.0f);
    RV_CHECK(match("Anything", "") == 0.0f);
}

RV_TEST(name_match_meets_words_run_together) {
    /* a lowercase name made of the query's words, in any order, with
     * abbreviations: as good as the same name with its words apart */
    float run = match("sdsfree", "Free an sds string");
    RV_CHECK(run > 0.79f && run == match("sds_free", "Free an sds string"));
    RV_CHECK(match("sdsnewlen", "Create a new sds string of the given length") >
             match("sdsnew", "Create a new sds string of the given length"));
    /* without "free" in the query only "sds" starts the name */
    RV_CHECK(match("sdsfree", "an sds string") < run);
    /* every piece must be a query word: "sdsfreeze" leaves "ze" over */
    RV_CHECK(match("sdsfreeze", "Free an sds string") < match("sdsfree", "Free an sds string"));
    /* one piece is no split, and two-letter prefixes stand for nothing */
    RV_CHECK(match("freedom", "Free the dom") > match("freedom", "Free the house"));
    RV_CHECK(match("frdo", "Free domain") == 0.0f);
}

static rv_chunk mk(const char *path, const char *kind, const char *name, int start) {
    rv_chunk c;
    memset(&c, 0, sizeof c);
    c.path = (char *)path;
    c.kind = (char *)kind;
    c.name = (char *)name;
    c.scope = (char *)"";
    c.language = "go";
    c.content = (char *)"";
    c.start_line = start;
    c.end_line = start + 9;
    return c;
}

RV_TEST(symtab_names_first_pieces_only) {
    rv_chunk cs[] = {
        mk("a.go", "function", "ValidateRequiredFlags", 1),
        mk("a.go", "function", "ValidateRequiredFlags", 11), /* a later piece */
        mk("a.go", "window", "", 21),
        mk("b.go", "function", "ValidateRequiredFlags", 1), /* another file: its own */
        mk("README.md", "section", "Validate flags", 1),    /* a heading: no definition */
    };
    rv_symtab *t = NULL;
    RV_CHECK(rv_symtab_build(&t, cs, 5) == RV_OK);
    RV_CHECK(rv_symtab_count_named(t) == 2);
    if (rv_symtab_count_named(t) == 2) {
        const char *w;
        size_t n;
        RV_CHECK(rv_symtab_named(t, 0, &w, &n) == 0 && n == 3 && strcmp(w, "validate") == 0);
        RV_CHECK(rv_symtab_named(t, 1, &w, &n) == 3 && n == 3);
    }
    rv_symtab_free(t);
    RV_CHECK(rv_symtab_count_named(NULL) == 0);
    /* overloads of one name a blank line apart are definitions, not pieces:
     * the implementation after the signatures has its name too */
    rv_chunk ov[] = {
        mk("c.py", "method", "get_default", 1),
        mk("c.py", "method", "get_default", 12),
        mk("c.py", "method", "get_default", 23),
    };
    RV_CHECK(rv_symtab_build(&t, ov, 3) == RV_OK);
    RV_CHECK_EQ_INT((int)rv_symtab_count_named(t), 3);
    rv_symtab_free(t);
    /* an impl block (Rust's `impl fmt::Display for Error`, Haskell's
     * instance) is named for the type it serves: it defines the name for a
     * symbol query, but a description of the type's methods is not its own */
    rv_chunk im[] = {
        mk("e.rs", "struct", "Error", 1),
        mk("e.rs", "impl", "Error", 12),
        mk("e.rs", "method", "msg", 13),
    };
    RV_CHECK(rv_symtab_build(&t, im, 3) == RV_OK);
    RV_CHECK_EQ_INT((int)rv_symtab_count_named(t), 2);
    const uint32_t *ids;
    RV_CHECK_EQ_INT((int)rv_symtab_defs(t, "error", &ids), 2);
    for (size_t i = 0; i < rv_symtab_count_named(t); i++) {
        const char *w;
        size_t n;
        RV_CHECK(rv_symtab_named(t, i, &w, &n) != 1);
    }
    rv_symtab_free(t);
}

/* The blend: the definition whose name the description spells comes
 * first, even from outside both lists; a queried identifier's definition
 * takes the definition boost and no name boost on top. */
RV_TEST(blend_names_the_described_definition) {
    enum { N = 12 };
    rv_chunk cs[N];
    float cos[N], bm[N], cov[N];
    cs[0] = mk("pkg/one.go", "function", "validateFlagGroups", 1);
    cs[1] = mk("pkg/two.go", "function", "ValidateRequiredFlags", 1);
    cs[2] = mk("pkg/three.go", "function", "MarkFlagRequired", 1);
    for (int i = 3; i < N; i++)
        cs[i] = mk("other.go", "function", "unrelated", i * 10);
    for (int i = 0; i < N; i++)
        cos[i] = 0.1f, bm[i] = 0.0f, cov[i] = 0.0f;
    cos[0] = 0.60f, bm[0] = 9.0f, cov[0] = 1.0f; /* the sibling matches best */
    cos[1] = 0.58f, bm[1] = 8.5f, cov[1] = 1.0f;
    cos[2] = 0.50f, bm[2] = 7.0f, cov[2] = 0.5f;
    rv_symtab *t = NULL;
    RV_CHECK(rv_symtab_build(&t, cs, N) == RV_OK);
    rv_query_info q;
    rv_query_analyze(&q, "validates all required flags are present");
    rv_rank_input in;
    memset(&in, 0, sizeof in);
    in.chunks = cs;
    in.n = N;
    in.cosine = cos;
    in.bm25 = bm;
    in.coverage = cov;
    in.symtab = t;
    in.query = &q;
    in.steps = ~0u;
    in.depth = 2; /* the lists hold the two best only */
    in.want = 10;
    rv_rank_explain *x = NULL;
    size_t n = 0;
    RV_CHECK(rv_rank_blend(&x, &n, &in) == RV_OK && x && n >= 3);
    if (x && n >= 3) {
        RV_CHECK(x[0].id == 1 && x[0].name_boost > x[1].name_boost);
        int joined = 0; /* MarkFlagRequired: outside the lists, named with two words of three */
        for (size_t i = 0; i < n; i++)
            joined |= x[i].id == 2 && x[i].name_boost > 0 && x[i].sem_rank == 0;
        RV_CHECK(joined);
    }
    free(x);
    /* without the step the sibling stays first */
    in.steps = ~0u & ~(unsigned)RV_STEP_NAMES;
    RV_CHECK(rv_rank_blend(&x, &n, &in) == RV_OK && x && n >= 2);
    if (x) RV_CHECK(x[0].id == 0 && x[0].name_boost == 0.0f);
    free(x);
    /* a queried identifier: the definition boost and the name's are one
     * evidence, the larger counts */
    in.steps = ~0u;
    rv_query_analyze(&q, "where is ValidateRequiredFlags called");
    RV_CHECK(rv_rank_blend(&x, &n, &in) == RV_OK && x && n >= 1);
    if (x) RV_CHECK(x[0].id == 1 && x[0].def_boost > 0 && x[0].name_boost < x[0].def_boost);
    free(x);
    rv_symtab_free(t);
}

/* Any bytes as a query or a name: no overrun (SAN build), matches in [0, 1],
 * and a name always meets itself as a query. */
RV_TEST(names_survive_any_bytes) {
    static rv_query_info q;
    char text[700], w[RV_NAME_MAX_WORDS * 2 * RV_QUERY_WORD_MAX];
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 7 == 0 ? 650 : round % 90);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) & 0xff;
            /* mostly identifier bytes, some of anything */
            text[i] = r < 200 ? "aZ_b-Cd9eF <x>y.Gz"[r % 18] : (char)(r == 200 ? 0x80 : r);
        }
        text[len] = '\0';
        rv_query_analyze(&q, text);
        RV_CHECK(q.n_terms <= RV_QUERY_MAX_WORDS);
        size_t n = rv_name_words(w, (size_t)(round % 5 == 0 ? 9 : sizeof w), text, strlen(text));
        float m = rv_name_match(w, n, &q);
        RV_CHECK(m >= 0.0f && m <= 1.0f);
    }
    size_t k = 0; /* many short words: the query keeps its first ones */
    while (k + 3 < sizeof text) {
        memcpy(text + k, "ab ", 3);
        k += 3;
    }
    text[k] = '\0';
    rv_query_analyze(&q, text);
    RV_CHECK(q.n_terms == RV_QUERY_MAX_WORDS);
    rv_query_analyze(&q, "parse_http_header_value");
    size_t n = rv_name_words(w, sizeof w, "ParseHTTPHeaderValue", 20);
    RV_CHECK(rv_name_match(w, n, &q) > 0.99f);
}

/* --explain names the boost, in plain and JSON output. */
RV_TEST(explain_shows_the_name_boost) {
    rv_rank_explain x;
    memset(&x, 0, sizeof x);
    x.name_boost = 0.25f;
    x.content = x.penalty = x.diversity = x.evidence = 1.0f;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    RV_CHECK(f != NULL);
    if (!f) return;
    rv_sink_explain_plain(f, &x);
    rv_sink_explain_json(f, &x);
    fclose(f);
    RV_CHECK(strstr(buf, ", name +0.25") != NULL);
    RV_CHECK(strstr(buf, "\"name_boost\":0.250000") != NULL);
    free(buf);
}

int main(void) {
    RV_RUN(name_words_split_without_the_whole);
    RV_RUN(name_match_meets_abbreviations_and_joins);
    RV_RUN(name_match_meets_words_run_together);
    RV_RUN(symtab_names_first_pieces_only);
    RV_RUN(blend_names_the_described_definition);
    RV_RUN(names_survive_any_bytes);
    RV_RUN(explain_shows_the_name_boost);
    return rv_test_summary();
}
