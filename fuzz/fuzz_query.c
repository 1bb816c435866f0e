/* libFuzzer target: a query's analysis and the name evidence of the
 * blended ranking. The input is a query, a newline, then definition names
 * (one per line; a tab starts the parameter list that follows the name).
 * Each name's words are split and matched against the query; every match
 * is a share in [0, 1], and the definitions table builds from the names. */
#include "ripvec/rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 64

static void check_share(float f) {
    if (isnan(f) || f < 0.0f || f > 1.0f) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *names = strchr(text, '\n');
    if (names) *names++ = '\0';
    static rv_query_info q;
    rv_query_analyze(&q, text);
    if (q.kind > RV_QK_MIXED || q.n_terms > RV_QUERY_MAX_WORDS * 2) abort();
    char key[RV_QUERY_WORD_MAX];
    if (rv_symbol_key(key, sizeof key, text, strlen(text)) >= sizeof key) abort();

    rv_chunk cs[MAX_NAMES];
    size_t n = 0;
    for (char *line = names; line && *line && n < MAX_NAMES; n++) {
        char *next = strchr(line, '\n');
        if (next) *next++ = '\0';
        char *params = strchr(line, '\t');
        if (params) *params++ = '\0';
        char w[RV_NAME_MAX_WORDS * 2 * RV_QUERY_WORD_MAX], s[sizeof w];
        size_t nw = rv_name_words(w, sizeof w, line, strlen(line));
        size_t ns = params ? rv_name_words(s, sizeof s, params, strlen(params)) : 0;
        check_share(rv_name_match(w, nw, &q));
        check_share(rv_name_match_sig(w, nw, s, ns, 0.5f, &q));
        memset(&cs[n], 0, sizeof cs[n]);
        cs[n].path = (char *)"a.c";
        cs[n].kind = (char *)(n % 3 == 2 ? "impl" : "function");
        cs[n].name = line;
        cs[n].scope = (char *)"";
        cs[n].language = "c";
        cs[n].content = params ? params : (char *)"";
        cs[n].start_line = (int)n * 10 + 1;
        cs[n].end_line = (int)n * 10 + 5;
        line = next;
    }
    rv_symtab *t = NULL;
    if (rv_symtab_build(&t, cs, n) == RV_OK) {
        size_t m = rv_symtab_count_named(t);
        if (m > n) abort();
        for (size_t i = 0; i < m; i++) {
            const char *w, *sig;
            size_t nw;
            uint32_t id = rv_symtab_named(t, i, &w, &nw);
            size_t ns = rv_symtab_signature(t, i, &sig);
            if (id >= n) abort();
            check_share(rv_name_match_sig(w, nw, sig, ns, 0.5f, &q));
        }
        rv_symtab_free(t);
    }
    free(text);
    return 0;
}
