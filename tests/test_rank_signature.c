/* A definition's parameters' names as weaker evidence beside its name:
 * which words a signature gives (names, not types or defaults, no
 * receiver), how they weigh in the match, and what the blend shows. */
#include "ripvec/rank.h"
#include "rvtest.h"
#include "sink/explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rv_chunk mk(const char *path, const char *lang, const char *name, const char *content,
                   int start) {
    rv_chunk c;
    memset(&c, 0, sizeof c);
    c.path = (char *)path;
    c.kind = (char *)"function";
    c.name = (char *)name;
    c.scope = (char *)"";
    c.language = lang;
    c.content = (char *)content;
    c.start_line = start;
    c.end_line = start + 5;
    return c;
}

/* The i-th definition's signature words, raw, space-joined into buf. */
static const char *sig_of(const rv_symtab *t, size_t i, char *buf, size_t cap) {
    const char *w;
    size_t n = rv_symtab_signature(t, i, &w), k = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < n; j++) {
        size_t l = strlen(w);
        if (k + l + 2 > cap) break;
        if (k) buf[k++] = ' ';
        memcpy(buf + k, w, l + 1);
        k += l;
        w += l + 1;
        w += strlen(w) + 1; /* the stem */
    }
    return buf;
}

RV_TEST(signature_words_are_parameter_names) {
    rv_chunk cs[] = {
        mk("s.py", "python", "mount",
           "@deco(x)\ndef mount(self, prefix: str, adapter=None) -> None:\n", 1),
        mk("a.go", "go", "Exec", "func (c *Cmd) Exec(cmdName string, writer io.Writer) error {\n",
           1),
        mk("p.c", "c", "parse_header", "static int parse_header(const char *text, size_t len) {\n",
           1),
        mk("m.rs", "rust", "fetch",
           "pub fn fetch<T: Into<Url>>(&self, url: T, mut retries: u32) {\n", 1),
        mk("v.py", "python", "Constant", "Constant = 3\n", 1), /* no parameter list */
    };
    rv_symtab *t = NULL;
    RV_CHECK(rv_symtab_build(&t, cs, 5) == RV_OK);
    RV_CHECK(rv_symtab_count_named(t) == 5);
    if (rv_symtab_count_named(t) == 5) {
        char b[256];
        RV_CHECK(strcmp(sig_of(t, 0, b, sizeof b), "prefix adapter") == 0);
        RV_CHECK(strcmp(sig_of(t, 1, b, sizeof b), "cmd name writer") == 0);
        RV_CHECK(strcmp(sig_of(t, 2, b, sizeof b), "text len") == 0);
        RV_CHECK(strcmp(sig_of(t, 3, b, sizeof b), "url retries") == 0);
        RV_CHECK(strcmp(sig_of(t, 4, b, sizeof b), "") == 0);
    }
    rv_symtab_free(t);
}

/* Any bytes after the name: no overrun (SAN build), a bounded word count. */
RV_TEST(signature_survives_any_bytes) {
    char text[520];
    unsigned seed = 777;
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(round % 5 == 0 ? 510 : round % 120);
        memcpy(text, "fx(", 3);
        for (size_t i = 3; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) & 0xff;
            text[i] = r < 220 ? "ab_C:=,<>()[]{} *&f9"[r % 20] : (char)r;
        }
        text[len < 3 ? 3 : len] = '\0';
        rv_chunk c = mk("x.go", round % 2 ? "go" : "python", "fx", text, 1);
        rv_symtab *t = NULL;
        RV_CHECK(rv_symtab_build(&t, &c, 1) == RV_OK && rv_symtab_count_named(t) == 1);
        const char *w;
        if (t && rv_symtab_count_named(t) == 1)
            RV_CHECK(rv_symtab_signature(t, 0, &w) <= RV_NAME_MAX_WORDS / 2);
        rv_symtab_free(t);
    }
    rv_chunk c = mk("x.py", "python", "fetch", "def fetch(url, retries) -> x:", 1);
    rv_symtab *t = NULL;
    RV_CHECK(rv_symtab_build(&t, &c, 1) == RV_OK && rv_symtab_count_named(t) == 1);
    char b[64];
    if (t && rv_symtab_count_named(t) == 1)
        RV_CHECK(strcmp(sig_of(t, 0, b, sizeof b), "url retries") == 0);
    rv_symtab_free(t);
}

static float match_sig(const char *name, const char *sig, float weight, const char *query) {
    static rv_query_info q;
    char w[RV_NAME_MAX_WORDS * 2 * RV_QUERY_WORD_MAX], s[RV_NAME_MAX_WORDS * 2 * RV_QUERY_WORD_MAX];
    size_t n = rv_name_words(w, sizeof w, name, strlen(name));
    size_t ns = rv_name_words(s, sizeof s, sig, strlen(sig));
    rv_query_analyze(&q, query);
    return rv_name_match_sig(w, n, s, ns, weight, &q);
}

RV_TEST(signature_words_weigh_less_than_the_name) {
    const char *q = "Registers a connection adapter to a prefix";
    /* a name that holds none of the words, parameters that hold two */
    float by_sig = match_sig("mount", "prefix adapter", 0.5f, q);
    RV_CHECK(match_sig("mount", "prefix adapter", 0.0f, q) == 0.0f);
    RV_CHECK(by_sig > 0.3f && by_sig < 0.35f); /* a = 1/2, b = 1/4: 1/3 */
    /* the same two words in the name count more */
    RV_CHECK(match_sig("mount_adapter_prefix", "", 0.5f, q) > by_sig);
    /* parameters that hold nothing take nothing away */
    RV_CHECK(match_sig("get_adapter", "url timeout verify cert", 0.5f, q) ==
             match_sig("get_adapter", "", 0.5f, q));
    /* a word the name holds counts once, not again for the parameter */
    RV_CHECK(match_sig("get_adapter", "adapter", 0.5f, q) == match_sig("get_adapter", "", 0.5f, q));
    RV_CHECK(match_sig("close", "sock", 0.5f, q) == 0.0f);
}

/* The blend: parameters that name the query lift a definition over one
 * that ranks a little better in both lists; the step bit turns it off and
 * --explain shows the part the parameters gave. */
RV_TEST(blend_counts_the_parameters) {
    enum { N = 8 };
    rv_chunk cs[N];
    float cos[N], bm[N], cov[N];
    cs[0] = mk("s.py", "python", "mount", "def mount(self, prefix, adapter):\n", 1);
    cs[1] = mk("s.py", "python", "close", "def close(self):\n", 20);
    for (int i = 2; i < N; i++)
        cs[i] = mk("o.py", "python", "other", "def other(x):\n", i * 10);
    for (int i = 0; i < N; i++)
        cos[i] = 0.1f, bm[i] = 0.0f, cov[i] = 0.0f;
    cos[0] = 0.50f, bm[0] = 5.0f, cov[0] = 0.5f;
    cos[1] = 0.52f, bm[1] = 5.2f, cov[1] = 0.5f;
    rv_symtab *t = NULL;
    RV_CHECK(rv_symtab_build(&t, cs, N) == RV_OK);
    rv_query_info q;
    rv_query_analyze(&q, "registers a connection adapter to a prefix");
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
    in.depth = 4;
    in.want = 10;
    rv_rank_explain *x = NULL;
    size_t n = 0;
    RV_CHECK(rv_rank_blend(&x, &n, &in) == RV_OK && x && n >= 2);
    if (x && n >= 2) {
        RV_CHECK(x[0].id == 0 && x[0].name_boost > 0 && x[0].sig_boost == x[0].name_boost);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        RV_CHECK(f != NULL);
        if (f) {
            rv_sink_explain_plain(f, &x[0]);
            rv_sink_explain_json(f, &x[0]);
            fclose(f);
            RV_CHECK(strstr(buf, "(parameters +") != NULL);
            RV_CHECK(strstr(buf, "\"signature_boost\":0.") != NULL);
            free(buf);
        }
    }
    free(x);
    in.steps = ~0u & ~(unsigned)RV_STEP_SIGNATURE; /* without the step: the other first */
    RV_CHECK(rv_rank_blend(&x, &n, &in) == RV_OK && x && n >= 2);
    if (x) RV_CHECK(x[0].id == 1 && x[1].name_boost == 0.0f && x[1].sig_boost == 0.0f);
    free(x);
    rv_symtab_free(t);
}

int main(void) {
    RV_RUN(signature_words_are_parameter_names);
    RV_RUN(signature_survives_any_bytes);
    RV_RUN(signature_words_weigh_less_than_the_name);
    RV_RUN(blend_counts_the_parameters);
    return rv_test_summary();
}
