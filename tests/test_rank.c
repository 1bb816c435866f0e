/* Ranking primitives: tokenizer, BM25F (against a naive recomputation),
 * top-k, RRF, overlap merging. */
#include "ripvec/rank.h"
#include "rvtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct toks {
    char buf[4096];
    size_t len;
    int n;
} toks;

static void collect(void *user, const char *t, size_t n) {
    toks *k = user;
    if (k->len + n + 2 >= sizeof k->buf) return;
    if (k->len) k->buf[k->len++] = ' ';
    memcpy(k->buf + k->len, t, n);
    k->len += n;
    k->buf[k->len] = '\0';
    k->n++;
}

static const char *tok(const char *text, unsigned flags, toks *k) {
    memset(k, 0, sizeof *k);
    rv_code_tokenize(text, strlen(text), flags, collect, k);
    return k->buf;
}

RV_TEST(tokenize_splits_identifiers) {
    toks k;
    RV_CHECK_STR(tok("parseHTTPServerConfig", 0, &k),
                 "parsehttpserverconfig parse http server config");
    RV_CHECK_STR(tok("snake_case_name", 0, &k), "snake_case_name snake case name");
    RV_CHECK_STR(tok("kebab-case-name", 0, &k), "kebab-case-name kebab case name");
    RV_CHECK_STR(tok("utf8Decode", 0, &k), "utf8decode utf decode");
    RV_CHECK_STR(tok("sha256", 0, &k), "sha256 sha 256");
    RV_CHECK_STR(tok("__init__", 0, &k), "init");
    RV_CHECK_STR(tok("XMLHttpRequest", 0, &k), "xmlhttprequest xml http request");
    RV_CHECK_STR(tok("a = b-1; x", 0, &k), ""); /* single letters dropped, "b-1" not kebab */
    RV_CHECK_STR(tok("Foo.bar(baz)", 0, &k), "foo bar baz");
}

RV_TEST(tokenize_stems_and_stopwords) {
    toks k;
    /* the stemmer makes inflections meet */
    char a[64], b[64];
    snprintf(a, sizeof a, "%s", tok("parses", RV_TOK_STEM, &k));
    snprintf(b, sizeof b, "%s", tok("parsing", RV_TOK_STEM, &k));
    RV_CHECK_STR(a, b);
    snprintf(b, sizeof b, "%s", tok("parsed", RV_TOK_STEM, &k));
    RV_CHECK_STR(a, b);
    snprintf(b, sizeof b, "%s", tok("parse", RV_TOK_STEM, &k));
    RV_CHECK_STR(a, b);
    snprintf(a, sizeof a, "%s", tok("entries", RV_TOK_STEM, &k));
    snprintf(b, sizeof b, "%s", tok("entry", RV_TOK_STEM, &k));
    RV_CHECK_STR(a, b);
    snprintf(a, sizeof a, "%s", tok("headers", RV_TOK_STEM, &k));
    snprintf(b, sizeof b, "%s", tok("header", RV_TOK_STEM, &k));
    RV_CHECK_STR(a, b);
    /* not plurals, not stemmed to something short */
    RV_CHECK_STR(tok("status class string", RV_TOK_STEM, &k), "status class string");
    RV_CHECK_STR(tok("Return the value if it is in the list", RV_TOK_STOPWORDS, &k),
                 "return value list");
}

RV_TEST(tokenize_odd_input) {
    toks k;
    char longw[200];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = '\0';
    tok(longw, 0, &k);
    RV_CHECK_EQ_INT(k.n, 1);
    RV_CHECK_EQ_INT(k.len, 64);
    tok("caf\xc3\xa9Name \xff\xfe", 0, &k); /* non-ASCII bytes stay inside words */
    RV_CHECK_EQ_INT(k.n, 4);
    tok("", 0, &k);
    RV_CHECK_EQ_INT(k.n, 0);
    rv_code_tokenize(NULL, 5, 0, collect, &k); /* no crash */
}

static rv_chunk mk(const char *path, int s, int e, const char *name, const char *content) {
    rv_chunk c;
    memset(&c, 0, sizeof c);
    c.path = (char *)path;
    c.start_line = s;
    c.end_line = e;
    c.name = (char *)name;
    c.scope = (char *)"";
    c.kind = (char *)"function";
    c.language = "text";
    c.content = (char *)content;
    return c;
}

/* Naive BM25F straight from the definition, for comparison. */
typedef struct bag {
    char t[64][32];
    int n;
} bag;
static void bag_add(void *user, const char *t, size_t n) {
    bag *b = user;
    if (b->n < 64 && n < 32) {
        memcpy(b->t[b->n], t, n);
        b->t[b->n][n] = '\0';
        b->n++;
    }
}
static int bag_count(const bag *b, const char *t) {
    int c = 0;
    for (int i = 0; i < b->n; i++)
        c += strcmp(b->t[i], t) == 0;
    return c;
}

RV_TEST(bm25_matches_naive_formula) {
    rv_chunk cs[4];
    cs[0] = mk("src/net/retry.py", 1, 5, "retry_request", "def retry_request(req):\n  backoff()");
    cs[1] =
        mk("src/net/http.py", 1, 9, "send", "def send(req):\n  return socket.send(req) # request");
    cs[2] = mk("docs/README.md", 1, 3, "", "How to retry a request with backoff and backoff");
    cs[3] = mk("src/util.py", 10, 20, "parse_config", "def parse_config(path): read config file");
    rv_bm25_params p = rv_bm25_default_params();
    rv_bm25 *bm = NULL;
    RV_CHECK_EQ_INT(rv_bm25_build(&bm, cs, 4, &p), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_doc_count(bm), 4);
    float sc[4];
    const char *query = "retry the request with backoff";
    RV_CHECK_EQ_INT(rv_bm25_score(bm, query, sc), RV_OK);

    bag fields[4][3];
    memset(fields, 0, sizeof fields);
    for (int d = 0; d < 4; d++) {
        rv_code_tokenize(cs[d].name, strlen(cs[d].name), p.flags, bag_add, &fields[d][0]);
        rv_code_tokenize(cs[d].path, strlen(cs[d].path), p.flags, bag_add, &fields[d][1]);
        rv_code_tokenize(cs[d].content, strlen(cs[d].content), p.flags, bag_add, &fields[d][2]);
    }
    bag q;
    memset(&q, 0, sizeof q);
    rv_code_tokenize(query, strlen(query), p.flags | RV_TOK_STOPWORDS, bag_add, &q);
    double avg[3] = {0, 0, 0};
    for (int d = 0; d < 4; d++)
        for (int f = 0; f < 3; f++)
            avg[f] += fields[d][f].n / 4.0;
    double w[3] = {p.w_name, p.w_path, p.w_body}, bb[3] = {p.b_name, p.b_path, p.b_body};
    for (int d = 0; d < 4; d++) {
        double want = 0;
        for (int i = 0; i < q.n; i++) {
            int dup = 0;
            for (int j = 0; j < i; j++)
                dup |= strcmp(q.t[i], q.t[j]) == 0;
            if (dup) continue;
            int df = 0;
            for (int e = 0; e < 4; e++)
                df += bag_count(&fields[e][0], q.t[i]) + bag_count(&fields[e][1], q.t[i]) +
                          bag_count(&fields[e][2], q.t[i]) >
                      0;
            if (!df) continue;
            double idf = log(1 + (4 - df + 0.5) / (df + 0.5));
            double tf = 0;
            for (int f = 0; f < 3; f++)
                tf += w[f] * bag_count(&fields[d][f], q.t[i]) /
                      (1 - bb[f] + bb[f] * fields[d][f].n / avg[f]);
            want += idf * tf * (p.k1 + 1) / (p.k1 + tf);
        }
        RV_CHECK_NEAR(sc[d], want, 1e-4);
    }
    /* the retry function beats the README (name weight), and the config parser scores 0 */
    RV_CHECK(sc[0] > sc[2]);
    RV_CHECK(sc[3] == 0.0f);
    /* a query with no known term scores nothing */
    RV_CHECK_EQ_INT(rv_bm25_score(bm, "zzz qqq", sc), RV_OK);
    for (int d = 0; d < 4; d++)
        RV_CHECK(sc[d] == 0.0f);
    rv_bm25_free(bm);
    rv_bm25_free(NULL);
}

RV_TEST(bm25_many_terms_grow) {
    /* enough distinct terms to force table and scratch growth several times */
    size_t n = 300;
    rv_chunk *cs = calloc(n, sizeof *cs);
    char(*bodies)[256] = calloc(n, 256);
    for (size_t i = 0; i < n; i++) {
        int off = 0;
        for (int j = 0; j < 20; j++)
            off += snprintf(bodies[i] + off, 256 - (size_t)off, "w%zux%d ", i, j);
        cs[i] = mk("f.txt", (int)i * 10 + 1, (int)i * 10 + 5, "", bodies[i]);
    }
    rv_bm25 *bm = NULL;
    RV_CHECK_EQ_INT(rv_bm25_build(&bm, cs, n, NULL), RV_OK);
    RV_CHECK(rv_bm25_vocab_size(bm) > 6000);
    float *sc = calloc(n, sizeof *sc);
    RV_CHECK_EQ_INT(rv_bm25_score(bm, "w123x7", sc), RV_OK);
    for (size_t i = 0; i < n; i++)
        RV_CHECK((sc[i] > 0) == (i == 123));
    free(sc);
    rv_bm25_free(bm);
    free(bodies);
    free(cs);
}

RV_TEST(bm25_empty_corpus) {
    rv_bm25 *bm = NULL;
    RV_CHECK_EQ_INT(rv_bm25_build(&bm, NULL, 0, NULL), RV_OK);
    float dummy;
    RV_CHECK_EQ_INT(rv_bm25_score(bm, "anything", &dummy), RV_OK);
    rv_bm25_free(bm);
    RV_CHECK(rv_bm25_build(NULL, NULL, 0, NULL) != RV_OK);
}

/* A saved index scores exactly like the built one; another key, damage and
 * truncation are reported, never trusted. */
RV_TEST(bm25_save_load_roundtrip) {
    size_t n = 200;
    rv_chunk *cs = calloc(n, sizeof *cs);
    char(*bodies)[256] = calloc(n, 256);
    char(*names)[32] = calloc(n, 32);
    for (size_t i = 0; i < n; i++) {
        snprintf(bodies[i], 256, "def parse_config%zu(path): return load(path) + retry_%zu * %zu",
                 i, i % 7, i % 13);
        snprintf(names[i], 32, "parseConfig%zu", i % 17);
        cs[i] = mk(i % 2 ? "src/a.py" : "lib/b.py", (int)i * 10 + 1, (int)i * 10 + 5, names[i],
                   bodies[i]);
    }
    char dir[] = "/tmp/rv-bm25-XXXXXX";
    RV_CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/x.bm25", dir);
    rv_bm25_params bp = rv_bm25_default_params();
    uint64_t key = rv_bm25_key(cs, n, &bp);
    RV_CHECK(key != 0);
    rv_bm25 *bm = NULL, *bl = NULL;
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, key, path), RV_ERR_NOT_FOUND);
    RV_CHECK_EQ_INT(rv_bm25_build(&bm, cs, n, &bp), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_save(bm, key, path), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, key, path), RV_OK);
    RV_CHECK(bl != NULL);
    if (!bl) return;
    RV_CHECK_EQ_INT(rv_bm25_vocab_size(bl), rv_bm25_vocab_size(bm));
    RV_CHECK_EQ_INT(rv_bm25_doc_count(bl), n);
    float *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
    const char *qs[] = {"parse config", "retry", "load path", "src", "nothing here"};
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        rv_bm25_score(bm, qs[k], a);
        rv_bm25_score(bl, qs[k], b);
        RV_CHECK(memcmp(a, b, n * sizeof *a) == 0);
    }
    rv_bm25_free(bl);
    bl = NULL;
    /* another corpus: the key differs, the file is not used */
    cs[5].content = (char *)"changed";
    uint64_t key2 = rv_bm25_key(cs, n, &bp);
    RV_CHECK(key2 != key);
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, key2, path), RV_ERR_NOT_FOUND);
    /* damage: one flipped byte in the arrays, then a truncation */
    FILE *f = fopen(path, "r+b");
    RV_CHECK(f != NULL);
    if (f) {
        fseek(f, 200, SEEK_SET);
        int c = fgetc(f);
        fseek(f, 200, SEEK_SET);
        fputc(c ^ 0x5a, f);
        fclose(f);
    }
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, key, path), RV_ERR_CORRUPT);
    RV_CHECK_EQ_INT(truncate(path, 100), 0);
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, key, path), RV_ERR_CORRUPT);
    RV_CHECK(bl == NULL);
    unlink(path);
    rmdir(dir);
    free(a);
    free(b);
    rv_bm25_free(bm);
    free(names);
    free(bodies);
    free(cs);
}

RV_TEST(top_k_matches_full_sort) {
    enum { N = 1000 };
    float sc[N];
    unsigned seed = 7;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        sc[i] = (float)((seed >> 8) % 500) / 10.0f; /* many ties */
    }
    rv_scored *all, *top;
    size_t na, nt;
    RV_CHECK_EQ_INT(rv_rank_top(&all, &na, sc, N, 0, -1e30f, NULL), RV_OK);
    RV_CHECK_EQ_INT(na, N);
    for (size_t i = 1; i < na; i++)
        RV_CHECK(all[i - 1].score > all[i].score ||
                 (all[i - 1].score == all[i].score && all[i - 1].id < all[i].id));
    RV_CHECK_EQ_INT(rv_rank_top(&top, &nt, sc, N, 25, -1e30f, NULL), RV_OK);
    RV_CHECK_EQ_INT(nt, 25);
    for (size_t i = 0; i < nt; i++)
        RV_CHECK(top[i].id == all[i].id);
    free(top);
    /* min and keep filter */
    unsigned char keep[N];
    for (int i = 0; i < N; i++)
        keep[i] = (unsigned char)(i % 2);
    RV_CHECK_EQ_INT(rv_rank_top(&top, &nt, sc, N, 10, 40.0f, keep), RV_OK);
    for (size_t i = 0; i < nt; i++)
        RV_CHECK(top[i].score >= 40.0f && top[i].id % 2 == 1);
    free(top);
    free(all);
    RV_CHECK_EQ_INT(rv_rank_top(&top, &nt, sc, N, 10, 1000.0f, NULL), RV_OK);
    RV_CHECK(nt == 0 && top == NULL);
}

RV_TEST(rrf_fuses_by_rank) {
    rv_scored a[3] = {{5, 0.9f}, {7, 0.8f}, {9, 0.1f}};
    rv_scored b[2] = {{9, 12.0f}, {5, 3.0f}};
    rv_scored *r;
    size_t n;
    RV_CHECK_EQ_INT(rv_rank_rrf(&r, &n, a, 3, 1.0, b, 2, 1.0, 60.0), RV_OK);
    RV_CHECK_EQ_INT(n, 3);
    /* 5: 1/61 + 1/62; 9: 1/63 + 1/61; 7: 1/62 */
    RV_CHECK_EQ_INT(r[0].id, 5);
    RV_CHECK_NEAR(r[0].score, 1.0 / 61 + 1.0 / 62, 1e-6);
    RV_CHECK_EQ_INT(r[1].id, 9);
    RV_CHECK_NEAR(r[1].score, 1.0 / 63 + 1.0 / 61, 1e-6);
    RV_CHECK_EQ_INT(r[2].id, 7);
    free(r);
    RV_CHECK_EQ_INT(rv_rank_rrf(&r, &n, NULL, 0, 1.0, NULL, 0, 1.0, 60.0), RV_OK);
    RV_CHECK(n == 0);
}

RV_TEST(merge_overlaps_keeps_better) {
    rv_chunk cs[5];
    cs[0] = mk("a.c", 10, 20, "f", "");
    cs[1] = mk("a.c", 15, 30, "g", ""); /* overlaps 0 */
    cs[2] = mk("b.c", 10, 20, "h", ""); /* same lines, other file */
    cs[3] = mk("a.c", 21, 25, "i", ""); /* touches neither 0's end... overlaps 1 only */
    cs[4] = mk("a.c", 1, 9, "j", "");
    rv_scored l[5] = {{0, 5}, {1, 4}, {2, 3}, {3, 2}, {4, 1}};
    size_t n = rv_rank_merge_overlaps(l, 5, cs, 0);
    RV_CHECK_EQ_INT(n, 4);
    RV_CHECK_EQ_INT(l[0].id, 0);
    RV_CHECK_EQ_INT(l[1].id, 2);
    RV_CHECK_EQ_INT(l[2].id, 3);
    RV_CHECK_EQ_INT(l[3].id, 4);
    rv_scored l2[5] = {{0, 5}, {1, 4}, {2, 3}, {3, 2}, {4, 1}};
    RV_CHECK_EQ_INT(rv_rank_merge_overlaps(l2, 5, cs, 2), 2);
}

RV_TEST(group_folds_neighbours) {
    rv_chunk cs[7];
    cs[0] = mk("a.c", 10, 20, "f", "");
    cs[1] = mk("a.c", 23, 30, "g", "");  /* 2 lines after f: folds (gap 3) */
    cs[2] = mk("b.c", 10, 20, "h", "");  /* other file */
    cs[3] = mk("a.c", 40, 50, "i", "");  /* 9 lines after the region: own span */
    cs[4] = mk("a.c", 1, 100, "j", "");  /* overlaps, union too long: dropped */
    cs[5] = mk("a.c", 52, 200, "k", ""); /* near i but too long to fold: own span */
    cs[6] = mk("b.c", 21, 22, "l", "");  /* touches h */
    rv_scored l[7] = {{0, 7}, {1, 6}, {2, 5}, {3, 4}, {4, 3}, {5, 2}, {6, 1}};
    rv_span *sp = NULL;
    size_t n = 0;
    RV_CHECK_EQ_INT(rv_rank_group(&sp, &n, l, 7, cs, NULL, 3, 60, 0), RV_OK);
    RV_CHECK_EQ_INT(n, 4);
    if (n == 4) {
        RV_CHECK(sp[0].id == 0 && sp[0].start_line == 10 && sp[0].end_line == 30 && sp[0].merged);
        RV_CHECK_NEAR(sp[0].score, 7, 1e-6);
        RV_CHECK(sp[1].id == 2 && sp[1].start_line == 10 && sp[1].end_line == 22 && sp[1].merged);
        RV_CHECK(sp[2].id == 3 && sp[2].start_line == 40 && sp[2].end_line == 50 && !sp[2].merged);
        RV_CHECK(sp[3].id == 5 && !sp[3].merged);
    }
    free(sp);
    /* gap < 0: only overlaps fold; g stays its own span */
    RV_CHECK_EQ_INT(rv_rank_group(&sp, &n, l, 7, cs, NULL, -1, 60, 0), RV_OK);
    RV_CHECK_EQ_INT(n, 6);
    free(sp);
    /* want = 1: one span, and lower entries (within 4 x want) still fold in */
    RV_CHECK_EQ_INT(rv_rank_group(&sp, &n, l, 7, cs, NULL, 3, 60, 1), RV_OK);
    RV_CHECK_EQ_INT(n, 1);
    if (n == 1) RV_CHECK(sp[0].id == 0 && sp[0].end_line == 30);
    free(sp);
    RV_CHECK_EQ_INT(rv_rank_group(&sp, &n, NULL, 0, cs, NULL, 3, 60, 1), RV_OK);
    RV_CHECK(n == 0 && sp == NULL);
}

RV_TEST(group_drops_other_pieces_of_a_definition) {
    rv_chunk cs[5];
    cs[0] = mk("a.go", 1, 40, "big", ""); /* a long function split in three */
    cs[1] = mk("a.go", 41, 80, "big", "");
    cs[2] = mk("a.go", 81, 120, "big", "");
    cs[3] = mk("a.go", 121, 125, "small", ""); /* right after: folds into piece 3 */
    cs[4] = mk("a.go", 130, 140, "big", "");   /* same name, not contiguous: its own */
    uint32_t *defs = NULL;
    RV_CHECK_EQ_INT(rv_rank_definitions(&defs, cs, 5), RV_OK);
    RV_CHECK(defs[0] == 0 && defs[1] == 0 && defs[2] == 0 && defs[3] == 3 && defs[4] == 4);
    rv_scored l[5] = {{1, 5}, {3, 4}, {0, 3}, {4, 2}, {2, 1}};
    rv_span *sp = NULL;
    size_t n = 0;
    RV_CHECK_EQ_INT(rv_rank_group(&sp, &n, l, 5, cs, defs, 3, 60, 0), RV_OK);
    /* piece 2 kept; small starts its own span (40 lines from piece 2); pieces
     * 1 and 3 are the same definition as piece 2 and the union would be 80
     * lines: dropped; the other "big" (4 lines after small) is kept */
    RV_CHECK_EQ_INT(n, 3);
    if (n == 3) {
        RV_CHECK(sp[0].id == 1 && sp[0].start_line == 41 && sp[0].end_line == 80);
        RV_CHECK(sp[1].id == 3 && sp[1].start_line == 121 && sp[1].end_line == 125);
        RV_CHECK(sp[2].id == 4);
    }
    free(sp);
    free(defs);
}

RV_TEST(group_shows_a_bare_class_header_with_its_first_member) {
    rv_chunk cs[6];
    cs[0] = mk("a.py", 1, 2, "Bare", "@dataclass\nclass Bare:\n");
    cs[1] = mk("a.py", 3, 8, "__init__", "    def __init__(self):\n        pass");
    cs[1].scope = (char *)"Bare";
    cs[2] = mk("a.py", 10, 12, "Doc", "class Doc:\n    \"\"\"Says what it is.\"\"\"\n");
    cs[3] = mk("a.py", 13, 15, "run", "    def run(self):\n        pass");
    cs[3].scope = (char *)"Doc";
    cs[4] = mk("a.py", 20, 22, "stop", "    def stop(self):\n        pass");
    cs[4].scope = (char *)"Bare"; /* same scope name, but not right after its header */
    cs[5] = mk("b.py", 1, 3, "other", "def other():\n    pass");
    cs[5].scope = (char *)"Bare"; /* first chunk of another file */
    rv_scored l[4] = {{1, 4}, {3, 3}, {4, 2}, {5, 1}};
    rv_span *sp = NULL;
    size_t n = 0;
    RV_CHECK_EQ_INT(rv_rank_group(&sp, &n, l, 4, cs, NULL, 0, 60, 0), RV_OK);
    RV_CHECK_EQ_INT(n, 4);
    if (n == 4) {
        /* the member of a bare class starts at the class line */
        RV_CHECK(sp[0].id == 1 && sp[0].start_line == 1 && sp[0].end_line == 8 && sp[0].merged);
        /* a header with a docstring is a summary of its own: not folded */
        RV_CHECK(sp[1].id == 3 && sp[1].start_line == 13 && !sp[1].merged);
        RV_CHECK(sp[2].id == 4 && sp[2].start_line == 20 && !sp[2].merged);
        RV_CHECK(sp[3].id == 5 && sp[3].start_line == 1 && !sp[3].merged);
    }
    free(sp);
    /* exact definitions (gap < 0) keep the member's own lines */
    RV_CHECK_EQ_INT(rv_rank_group(&sp, &n, l, 4, cs, NULL, -1, 60, 0), RV_OK);
    if (n == 4) RV_CHECK(sp[0].start_line == 3 && !sp[0].merged);
    free(sp);
}

RV_TEST(cosine_is_dot) {
    float v[6] = {1, 0, 0, 0.6f, 0.8f, 0};
    float q[3] = {0.6f, 0.8f, 0};
    float s[2];
    rv_rank_cosine(s, v, 2, 3, q);
    RV_CHECK_NEAR(s[0], 0.6, 1e-6);
    RV_CHECK_NEAR(s[1], 1.0, 1e-6);
}

RV_TEST(prior_prefers_implementation) {
    static const char *const tests[] = {
        "tests/test_api.py", "test/util.c",        "src/__tests__/a.js", "spec/user_spec.rb",
        "pkg/cmd_test.go",   "a/b/test_models.py", "ui/button.test.tsx", "ui/button.spec.ts",
        "src/FooTest.java",  "src/FooTests.cs",    "Tests/x.swift",      "x/testdata/in.go",
    };
    static const char *const code[] = {
        "src/requests/sessions.py", "command.go", "contest.py", "attest/main.c",
        "src/testing_utils.c",      "latest.js",  "Test.java",  "lib/spec_helper_x/a.rb",
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        RV_CHECK_MSG(rv_path_is_test(tests[i]), "%s", tests[i]);
    for (size_t i = 0; i < sizeof code / sizeof code[0]; i++)
        RV_CHECK_MSG(!rv_path_is_test(code[i]), "%s", code[i]);
    RV_CHECK(!rv_path_is_test(NULL));

    rv_chunk c = {0};
    c.path = "src/api.py";
    c.language = "python";
    RV_CHECK(rv_rank_prior(&c) == 1.0f);
    c.path = "tests/test_api.py";
    float t = rv_rank_prior(&c);
    RV_CHECK(t > 0.0f && t < 1.0f);
    /* a test module inside a source file: Rust's `mod tests` */
    c.path = "src/lib.rs";
    c.language = "rust";
    c.scope = "tests";
    RV_CHECK(rv_chunk_is_test(&c) && rv_rank_prior(&c) < 1.0f);
    RV_CHECK(rv_rank_penalty(&c, NULL) < 1.0f);
    rv_query_info q;
    rv_query_analyze(&q, "the tests of add");
    RV_CHECK(q.wants_tests && rv_rank_penalty(&c, &q) == 1.0f);
    c.scope = "net::tests::helpers";
    RV_CHECK(rv_chunk_is_test(&c));
    static const char *const not_tests[] = {"attest", "Testing", "contests", "tester.run", ""};
    for (size_t i = 0; i < sizeof not_tests / sizeof not_tests[0]; i++) {
        c.scope = (char *)not_tests[i];
        RV_CHECK_MSG(!rv_chunk_is_test(&c) && rv_rank_penalty(&c, NULL) == 1.0f, "%s",
                     not_tests[i]);
    }
    c.scope = NULL;
    /* a typing overload is a signature without a body: a stub */
    static const char *const stubs[] = {"@overload\ndef f(x: int) -> int: ...",
                                        "    @t.overload\n    def f(self) -> None: ...",
                                        "# one of two\n@typing.overload\ndef f() -> str: ..."};
    static const char *const bodies[] = {"@functools.wraps(g)\ndef f(): return g()",
                                         "@overload_all\ndef f(): pass",
                                         "def f():\n    return 1  # not an @overload"};
    c.path = "src/api.py";
    c.language = "python";
    for (size_t i = 0; i < sizeof stubs / sizeof stubs[0]; i++) {
        c.content = (char *)stubs[i];
        RV_CHECK_MSG(rv_rank_penalty(&c, NULL) < 1.0f, "%s", stubs[i]);
    }
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        c.content = (char *)bodies[i];
        RV_CHECK_MSG(rv_rank_penalty(&c, NULL) == 1.0f, "%s", bodies[i]);
    }
    c.language = "typescript"; /* a decorator named so elsewhere is no stub */
    c.path = "src/api.ts";
    c.content = (char *)stubs[0];
    RV_CHECK(rv_rank_penalty(&c, NULL) == 1.0f);
    c.content = NULL;
    /* copies of code that lives elsewhere: vendored, amalgamated, or built
     * for distribution (a committed dist/ bundle repeats lib/ in full) */
    c.language = "javascript";
    static const char *const copies[] = {"vendor/a.js", "node_modules/x/index.js",
                                         "third_party/sqlite3.c", "src/sqlite3_amalgamation.c",
                                         "dist/axios.js", "packages/core/dist/esm/index.js"};
    static const char *const sources[] = {"lib/axios.js", "distutils/core.js", "src/distance.js",
                                          "lib/dist.js", "redistribute/a.js"};
    for (size_t i = 0; i < sizeof copies / sizeof copies[0]; i++) {
        c.path = (char *)copies[i];
        RV_CHECK_MSG(rv_rank_penalty(&c, NULL) < 1.0f, "%s", copies[i]);
    }
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        c.path = (char *)sources[i];
        RV_CHECK_MSG(rv_rank_penalty(&c, NULL) == 1.0f, "%s", sources[i]);
    }
    c.path = "docs/guide.rst";
    c.language = NULL;
    RV_CHECK(rv_rank_prior(&c) > 0.0f && rv_rank_prior(&c) < 1.0f);
    c.path = "README";
    c.language = "markdown";
    RV_CHECK(rv_rank_prior(&c) < 1.0f);
}

int main(void) {
    RV_RUN(tokenize_splits_identifiers);
    RV_RUN(tokenize_stems_and_stopwords);
    RV_RUN(tokenize_odd_input);
    RV_RUN(bm25_matches_naive_formula);
    RV_RUN(bm25_many_terms_grow);
    RV_RUN(bm25_empty_corpus);
    RV_RUN(bm25_save_load_roundtrip);
    RV_RUN(top_k_matches_full_sort);
    RV_RUN(rrf_fuses_by_rank);
    RV_RUN(merge_overlaps_keeps_better);
    RV_RUN(group_folds_neighbours);
    RV_RUN(group_drops_other_pieces_of_a_definition);
    RV_RUN(group_shows_a_bare_class_header_with_its_first_member);
    RV_RUN(cosine_is_dot);
    RV_RUN(prior_prefers_implementation);
    return rv_test_summary();
}
