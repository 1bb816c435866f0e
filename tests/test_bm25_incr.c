/* The keyword index updated from an earlier corpus's (rank/bm25_incr.c):
 * after files are removed, edited, added, reordered and duplicated, the
 * updated index holds the same terms, postings, field lengths and norms as
 * a full build over the new corpus, and scores every query bit for bit the
 * same (terms only in removed or only in added chunks included), also
 * after a save and load and over a chain of updates; rv_bm25_obtain loads,
 * updates or builds as the saved file allows. */
#include "rank/bm25_incr.h"
#include "rank/bm25_int.h"
#include "rvtest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

static uint64_t rng_state = 0x2545f4914f6cdd1du;
static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *const stems[] = {"parse",  "config", "retry",  "load",  "cache", "token",
                                    "index",  "search", "vector", "chunk", "file",  "path",
                                    "buffer", "stream", "error",  "query", "rank",  "score"};
#define NSTEMS (sizeof stems / sizeof stems[0])

/* Every string made, freed at the end. */
static char *strs[20000];
static size_t nstrs;
static char *keep(const char *s) {
    char *d = strdup(s);
    if (nstrs < sizeof strs / sizeof strs[0]) strs[nstrs++] = d;
    return d;
}
static void free_strs(void) {
    for (size_t i = 0; i < nstrs; i++)
        free(strs[i]);
    nstrs = 0;
}

static void word(char *out, size_t cap) {
    const char *a = stems[rnd(NSTEMS)], *b = stems[rnd(NSTEMS)];
    switch (rnd(3)) {
    case 0: snprintf(out, cap, "%s", a); break;
    case 1: snprintf(out, cap, "%s%c%s", a, b[0] - 32, b + 1); break;
    default: snprintf(out, cap, "%s_%s%u", a, b, rnd(30)); break;
    }
}

/* A chunk of file `path`, with `extra` (a word or NULL) in its body. */
static rv_chunk make_chunk(const char *path, const char *extra) {
    char body[1024], w[64], name[64];
    size_t len = 0, words = 3 + rnd(60);
    for (size_t k = 0; k < words && len + 80 < sizeof body; k++) {
        word(w, sizeof w);
        len += (size_t)snprintf(body + len, sizeof body - len, "%s%s", w, rnd(6) ? " " : "();\n");
    }
    if (extra) snprintf(body + len, sizeof body - len, " %s", extra);
    word(name, sizeof name);
    rv_chunk c;
    memset(&c, 0, sizeof c);
    c.path = keep(path);
    c.name = keep(rnd(4) ? name : "");
    c.scope = keep(rnd(3) ? "" : "Outer");
    c.content = keep(body);
    c.kind = (char *)"function";
    c.language = "c";
    return c;
}

/* Files of a few chunks each; a corpus lists them in some order. */
#define MAXF 64
#define MAXC 12
typedef struct file {
    rv_chunk c[MAXC];
    size_t n;
} file;
static file files[MAXF];

static void make_file(int f, const char *extra) {
    char path[64];
    snprintf(path, sizeof path, "src/m%d/file_%d.c", f % 5, f);
    files[f].n = 1 + rnd(MAXC - 1);
    for (size_t i = 0; i < files[f].n; i++)
        files[f].c[i] = make_chunk(path, i == 0 ? extra : NULL);
}

typedef struct corpus {
    rv_chunk cs[MAXF * MAXC];
    size_t n;
} corpus;

static void corpus_of(corpus *c, const int *order, size_t nf) {
    c->n = 0;
    for (size_t i = 0; i < nf; i++)
        for (size_t k = 0; k < files[order[i]].n; k++)
            c->cs[c->n++] = files[order[i]].c[k];
}

static const char *const queries[] = {"parse config",
                                      "retry load cache",
                                      "token index search",
                                      "vectorChunk",
                                      "file_path3",
                                      "buffer stream error",
                                      "query rank score",
                                      "Outer",
                                      "m3 file_4",
                                      "removedonlyterm",
                                      "addedonlyterm",
                                      "removedonlyterm addedonlyterm parse",
                                      "editedterm",
                                      "nothing_here_at_all",
                                      "score_rank12 searchIndex",
                                      "src"};
#define NQ (sizeof queries / sizeof queries[0])

/* up is the same index as full: same documents and terms, each term's
 * postings and every per-document array equal, every query's scores and
 * coverage equal bit for bit. */
static void check_same(const rv_bm25 *up, const rv_bm25 *full) {
    RV_CHECK_EQ_INT(rv_bm25_doc_count(up), rv_bm25_doc_count(full));
    RV_CHECK_EQ_INT(rv_bm25_vocab_size(up), rv_bm25_vocab_size(full));
    size_t n = full->ndocs;
    if (up->ndocs != n) return;
    for (int f = 0; f < NFIELDS; f++) {
        RV_CHECK(memcmp(up->len[f], full->len[f], n * sizeof *up->len[f]) == 0);
        RV_CHECK(memcmp(up->norm[f], full->norm[f], n * sizeof *up->norm[f]) == 0);
    }
    RV_CHECK(memcmp(up->doc_hash, full->doc_hash, n * sizeof *up->doc_hash) == 0);
    size_t bad = 0;
    for (size_t t = 0; t < full->nterms; t++) {
        const char *s = full->chars + full->term_off[t];
        size_t len = full->term_len[t];
        long u = rv_bm25_find_term(up, s, len, XXH3_64bits(s, len), NULL);
        if (u < 0) {
            bad++;
            continue;
        }
        uint64_t a = full->post_off[t], na = full->post_off[t + 1] - a;
        uint64_t b = up->post_off[u], nb = up->post_off[u + 1] - b;
        bad += na != nb || memcmp(full->post + a, up->post + b, na * sizeof(posting)) != 0;
    }
    RV_CHECK_EQ_INT(bad, 0);
    float *s1 = calloc(n + 1, sizeof *s1), *s2 = calloc(n + 1, sizeof *s2);
    float *c1 = calloc(n + 1, sizeof *c1), *c2 = calloc(n + 1, sizeof *c2);
    for (size_t q = 0; q < NQ; q++) {
        RV_CHECK_EQ_INT(rv_bm25_score_coverage(up, queries[q], s1, c1), RV_OK);
        RV_CHECK_EQ_INT(rv_bm25_score_coverage(full, queries[q], s2, c2), RV_OK);
        RV_CHECK_MSG(memcmp(s1, s2, n * sizeof *s1) == 0, "scores differ for '%s'", queries[q]);
        RV_CHECK_MSG(memcmp(c1, c2, n * sizeof *c1) == 0, "coverage differs for '%s'", queries[q]);
    }
    free(s1);
    free(s2);
    free(c1);
    free(c2);
}

static int hits(const rv_bm25 *bm, const char *q) {
    size_t n = rv_bm25_doc_count(bm);
    float *s = calloc(n + 1, sizeof *s);
    int h = 0;
    rv_bm25_score(bm, q, s);
    for (size_t i = 0; i < n; i++)
        h += s[i] > 0;
    free(s);
    return h;
}

/* Corpus A: files 0..19 (file 3 holds "removedonlyterm"). Corpus B: 3 and
 * 7 removed, 5 edited (one chunk changed, one dropped), 20 and 21 added
 * (21 with "addedonlyterm"), 10 and 15 swapped, a chunk of 12 repeated. */
static int order_a[20], order_b[20];
static size_t nb_files;
static size_t setup_ab(corpus *a, corpus *b) {
    for (int f = 0; f < 22; f++)
        make_file(f, f == 3 ? "removedonlyterm" : f == 21 ? "addedonlyterm" : NULL);
    for (int f = 0; f < 20; f++)
        order_a[f] = f;
    corpus_of(a, order_a, 20);
    size_t changed = files[20].n + files[21].n + 2; /* + the edit, + the repeat */
    files[5].c[0] = make_chunk(files[5].c[0].path, "editedterm");
    if (files[5].n > 1) files[5].n--;
    files[12].c[files[12].n++] = files[12].c[0];
    nb_files = 0;
    for (int f = 0; f < 22; f++)
        if (f != 3 && f != 7) order_b[nb_files++] = f == 10 ? 15 : f == 15 ? 10 : f;
    corpus_of(b, order_b, nb_files);
    return changed;
}

static char dir[] = "/tmp/rv-bm25incr-XXXXXX";
static char path[96];

RV_TEST(update_equals_a_full_build) {
    static corpus a, b;
    size_t changed = setup_ab(&a, &b);
    rv_bm25_params bp = rv_bm25_default_params();
    rv_bm25 *ba = NULL, *la = NULL, *up = NULL, *full = NULL;
    RV_CHECK_EQ_INT(rv_bm25_build(&ba, a.cs, a.n, &bp), RV_OK);
    RV_CHECK(hits(ba, "removedonlyterm") > 0 && hits(ba, "addedonlyterm") == 0);
    /* from the built index and from the saved one alike */
    RV_CHECK_EQ_INT(rv_bm25_save(ba, 1, path), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_load(&la, 1, path), RV_OK);
    const rv_bm25 *olds[2] = {ba, la};
    for (int i = 0; i < 2; i++) {
        size_t tok = 0;
        RV_CHECK_EQ_INT(rv_bm25_update(&up, olds[i], b.cs, b.n, &bp, 1, &tok), RV_OK);
        RV_CHECK_EQ_INT(tok, changed);
        RV_CHECK_EQ_INT(rv_bm25_build(&full, b.cs, b.n, &bp), RV_OK);
        if (up && full) check_same(up, full);
        RV_CHECK(hits(up, "removedonlyterm") == 0 && hits(up, "addedonlyterm") > 0);
        rv_bm25_free(up);
        rv_bm25_free(full);
        up = full = NULL;
    }
    /* on several threads too (the new chunks' part is built on them) */
    RV_CHECK_EQ_INT(rv_bm25_update(&up, la, b.cs, b.n, &bp, 3, NULL), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_build(&full, b.cs, b.n, &bp), RV_OK);
    if (up && full) check_same(up, full);
    rv_bm25_free(up);
    rv_bm25_free(full);
    rv_bm25_free(la);
    rv_bm25_free(ba);
    unlink(path);
    free_strs();
}

/* A chain of updates, each saved and loaded: what an updated index saves
 * (its documents' hashes and lengths) is right for the next update. */
RV_TEST(chained_updates_equal_a_full_build) {
    static corpus a, b, c;
    setup_ab(&a, &b);
    rv_bm25 *cur = NULL, *next = NULL, *full = NULL;
    RV_CHECK_EQ_INT(rv_bm25_build(&cur, a.cs, a.n, NULL), RV_OK);
    const corpus *steps[3] = {&b, &c, &a};
    for (int s = 0; s < 3; s++) {
        if (s == 1) { /* C: B with file 0 gone, 3 back, 8 edited, the order reversed */
            files[8].c[files[8].n - 1] = make_chunk(files[8].c[0].path, "editedterm");
            int order[24];
            size_t n = 0;
            for (size_t i = nb_files; i-- > 0;)
                if (order_b[i] != 0) order[n++] = order_b[i];
            order[n++] = 3;
            corpus_of(&c, order, n);
        }
        RV_CHECK_EQ_INT(rv_bm25_save(cur, 7, path), RV_OK);
        rv_bm25_free(cur);
        cur = NULL;
        RV_CHECK_EQ_INT(rv_bm25_load(&cur, 7, path), RV_OK);
        RV_CHECK_EQ_INT(rv_bm25_update(&next, cur, steps[s]->cs, steps[s]->n, NULL, 2, NULL),
                        RV_OK);
        RV_CHECK_EQ_INT(rv_bm25_build(&full, steps[s]->cs, steps[s]->n, NULL), RV_OK);
        if (next && full) check_same(next, full);
        rv_bm25_free(full);
        rv_bm25_free(cur);
        cur = next;
        full = next = NULL;
    }
    rv_bm25_free(cur);
    unlink(path);
    free_strs();
}

/* Updates refused (RV_ERR_NOT_FOUND, so the caller builds): other params,
 * most documents new. An update to nothing is an empty index. */
RV_TEST(update_refuses_other_params_and_big_changes) {
    static corpus a, b;
    setup_ab(&a, &b);
    rv_bm25_params bp = rv_bm25_default_params(), bq = bp;
    bq.b_body = 0.5f;
    rv_bm25 *ba = NULL, *up = NULL;
    RV_CHECK_EQ_INT(rv_bm25_build(&ba, a.cs, a.n, &bp), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_update(&up, ba, b.cs, b.n, &bq, 1, NULL), RV_ERR_NOT_FOUND);
    RV_CHECK(up == NULL);
    /* a corpus of files 10..21: more than half of its chunks are new */
    static corpus d;
    int order[12];
    for (int f = 0; f < 12; f++)
        order[f] = 10 + f;
    for (int f = 10; f < 20; f++)
        files[f].c[0] = make_chunk(files[f].c[0].path, NULL);
    for (int f = 10; f < 20; f++)
        for (size_t k = 1; k < files[f].n; k++)
            files[f].c[k] = make_chunk(files[f].c[k].path, NULL);
    corpus_of(&d, order, 12);
    RV_CHECK_EQ_INT(rv_bm25_update(&up, ba, d.cs, d.n, &bp, 1, NULL), RV_ERR_NOT_FOUND);
    RV_CHECK(up == NULL);
    size_t tok = 99;
    RV_CHECK_EQ_INT(rv_bm25_update(&up, ba, NULL, 0, &bp, 1, &tok), RV_OK);
    RV_CHECK_EQ_INT(tok, 0);
    RV_CHECK_EQ_INT(rv_bm25_doc_count(up), 0);
    RV_CHECK_EQ_INT(rv_bm25_vocab_size(up), 0);
    float dummy = 0;
    RV_CHECK_EQ_INT(rv_bm25_score(up, "parse config", &dummy), RV_OK);
    rv_bm25_free(up);
    rv_bm25_free(ba);
    free_strs();
}

/* rv_bm25_obtain: no file, build; a file of another corpus, update (only
 * the new chunks tokenized); saved under the key, load; a damaged file or
 * one of other params, build. */
RV_TEST(obtain_loads_updates_or_builds) {
    static corpus a, b;
    size_t changed = setup_ab(&a, &b);
    rv_bm25_params bp = rv_bm25_default_params();
    rv_bm25 *bm = NULL, *full = NULL;
    rv_bm25_origin how;
    size_t tok = 0;
    uint64_t k11 = 11, k12 = 12, k13 = 13, k0 = 0;
    unlink(path);
    RV_CHECK_EQ_INT(rv_bm25_obtain(&bm, &how, &tok, path, &k11, a.cs, a.n, &bp, 1), RV_OK);
    RV_CHECK_EQ_INT(how, RV_BM25_BUILT);
    RV_CHECK_EQ_INT(tok, a.n);
    RV_CHECK_EQ_INT(rv_bm25_save(bm, 11, path), RV_OK);
    rv_bm25_free(bm);
    RV_CHECK_EQ_INT(rv_bm25_obtain(&bm, &how, &tok, path, &k12, b.cs, b.n, &bp, 1), RV_OK);
    RV_CHECK_EQ_INT(how, RV_BM25_UPDATED);
    RV_CHECK_EQ_INT(tok, changed);
    RV_CHECK_EQ_INT(rv_bm25_build(&full, b.cs, b.n, &bp), RV_OK);
    if (bm && full) check_same(bm, full);
    RV_CHECK_EQ_INT(rv_bm25_save(bm, 12, path), RV_OK);
    rv_bm25_free(bm);
    RV_CHECK_EQ_INT(rv_bm25_obtain(&bm, &how, &tok, path, &k12, b.cs, b.n, &bp, 1), RV_OK);
    RV_CHECK_EQ_INT(how, RV_BM25_LOADED);
    RV_CHECK_EQ_INT(tok, 0);
    if (bm && full) check_same(bm, full);
    rv_bm25_free(bm);
    rv_bm25_params bq = bp;
    bq.k1 = 2.0f;
    RV_CHECK_EQ_INT(rv_bm25_obtain(&bm, &how, NULL, path, &k13, b.cs, b.n, &bq, 1), RV_OK);
    RV_CHECK_EQ_INT(how, RV_BM25_BUILT);
    rv_bm25_free(bm);
    FILE *f = fopen(path, "r+b");
    RV_CHECK(f != NULL);
    if (f) {
        fseek(f, 200, SEEK_SET);
        int ch = fgetc(f);
        fseek(f, 200, SEEK_SET);
        fputc(0x5a ^ ch, f);
        fclose(f);
    }
    RV_CHECK_EQ_INT(rv_bm25_obtain(&bm, &how, NULL, path, &k13, b.cs, b.n, &bp, 1), RV_OK);
    RV_CHECK_EQ_INT(how, RV_BM25_BUILT);
    if (bm && full) check_same(bm, full);
    rv_bm25_free(bm);
    RV_CHECK_EQ_INT(rv_bm25_obtain(&bm, &how, NULL, NULL, &k0, b.cs, b.n, &bp, 1), RV_OK);
    RV_CHECK_EQ_INT(how, RV_BM25_BUILT);
    RV_CHECK_EQ_INT(k0, 0);
    rv_bm25_free(bm);
    /* *key 0: the chunks' own key, set here; A's index updated from B's
     * saved one, then saved under that key: the next obtain loads it */
    RV_CHECK_EQ_INT(rv_bm25_save(full, 12, path), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_obtain(&bm, &how, &tok, path, &k0, a.cs, a.n, &bp, 1), RV_OK);
    RV_CHECK_EQ_INT(k0, rv_bm25_key(a.cs, a.n, &bp));
    RV_CHECK_EQ_INT(how, RV_BM25_UPDATED);
    RV_CHECK_EQ_INT(rv_bm25_save(bm, k0, path), RV_OK);
    rv_bm25_free(bm);
    k0 = 0;
    RV_CHECK_EQ_INT(rv_bm25_obtain(&bm, &how, &tok, path, &k0, a.cs, a.n, &bp, 1), RV_OK);
    RV_CHECK_EQ_INT(how, RV_BM25_LOADED);
    rv_bm25_free(bm);
    rv_bm25_free(full);
    unlink(path);
    free_strs();
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/i.bm25", dir);
    RV_RUN(update_equals_a_full_build);
    RV_RUN(chained_updates_equal_a_full_build);
    RV_RUN(update_refuses_other_params_and_big_changes);
    RV_RUN(obtain_loads_updates_or_builds);
    rmdir(dir);
    return rv_test_summary();
}
