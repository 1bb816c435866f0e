/* The searcher API on a small tree made here: keyword-only and with the real
 * model (RIPVEC_TEST_MODEL or the cache), without the persistent index. */
#include "ripvec/search.h"
#include "rvtest.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_root[256];
static char g_model[1024];

static void put(const char *rel, const char *text) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", g_root, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    mkdir(p, 0755);
    *slash = '/';
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void make_tree(void) {
    put("math/fib.py", "def fibonacci(n):\n"
                       "    a, b = 0, 1\n"
                       "    for _ in range(n):\n"
                       "        a, b = b, a + b\n"
                       "    return a\n");
    put("net/client.go", "package net\n\n"
                         "func DownloadFile(url string, dest string) error {\n"
                         "\tresp, err := http.Get(url)\n"
                         "\tif err != nil {\n"
                         "\t\treturn err\n"
                         "\t}\n"
                         "\tdefer resp.Body.Close()\n"
                         "\treturn save(resp.Body, dest)\n"
                         "}\n");
    put("text/words.js", "function countWords(sentence) {\n"
                         "  return sentence.split(/\\s+/).filter(Boolean).length;\n"
                         "}\n");
    put("README.md", "# Demo\n\nA tiny project with a fibonacci helper and a downloader.\n");
}

static rv_searcher *open_searcher(const char *model_dir) {
    rv_search_config cfg = rv_search_default_config();
    cfg.root = g_root;
    cfg.model_dir = model_dir;
    cfg.use_index = 0;
    cfg.threads = 2;
    rv_searcher *s = NULL;
    rv_status st = rv_searcher_open(&s, &cfg);
    RV_CHECK_MSG(st == RV_OK, "%s", rv_error_last());
    if (st != RV_OK) return NULL;
    rv_refresh_stats stats;
    st = rv_searcher_refresh(s, &stats);
    RV_CHECK_MSG(st == RV_OK, "%s", rv_error_last());
    RV_CHECK_EQ_INT(stats.files, 4);
    RV_CHECK(stats.chunks >= 4);
    return s;
}

static int no_overlaps(const rv_result_list *r) {
    for (size_t i = 0; i < r->count; i++)
        for (size_t j = 0; j < i; j++) {
            const rv_chunk *a = r->items[i].chunk, *b = r->items[j].chunk;
            if (strcmp(a->path, b->path) == 0 && a->start_line <= b->end_line &&
                b->start_line <= a->end_line)
                return 0;
        }
    return 1;
}

RV_TEST(keyword_only_searcher) {
    rv_searcher *s = open_searcher(NULL);
    if (!s) return;
    RV_CHECK(!rv_searcher_has_model(s));
    RV_CHECK(rv_searcher_corpus(s)->vectors == NULL);
    rv_query q = rv_query_default();
    q.mode = RV_MODE_KEYWORD;
    q.text = "compute the fibonacci number";
    rv_result_list r = {0};
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK(r.count >= 2); /* fib.py and the README */
    if (r.count) {
        RV_CHECK_STR(r.items[0].chunk->path, "math/fib.py");
        RV_CHECK_EQ_INT(r.items[0].rank, 1);
    }
    for (size_t i = 1; i < r.count; i++)
        RV_CHECK(r.items[i - 1].score >= r.items[i].score);
    RV_CHECK(no_overlaps(&r));
    size_t all = r.count;
    const rv_chunk *second = all > 1 ? r.items[1].chunk : NULL;
    rv_result_list_free(&r);

    /* offset pages on; top_k limits */
    q.offset = 1;
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, all - 1);
    if (r.count && second) RV_CHECK(r.items[0].chunk == second);
    rv_result_list_free(&r);
    q.offset = 0;
    q.top_k = 1;
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 1);
    rv_result_list_free(&r);

    /* path filter */
    q.top_k = 10;
    q.path_glob = "*.md";
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 1);
    if (r.count) RV_CHECK_STR(r.items[0].chunk->path, "README.md");
    rv_result_list_free(&r);
    q.path_glob = NULL;

    /* threshold above every score: nothing */
    q.threshold = 1e9;
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 0);
    q.threshold = 0;

    /* no query term anywhere: empty, not an error */
    q.text = "zzzqqq";
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 0);

    /* semantic needs a model; empty query is an error */
    q.text = "fibonacci";
    q.mode = RV_MODE_SEMANTIC;
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_ERR_INVALID_ARG);
    q.mode = RV_MODE_KEYWORD;
    q.text = "";
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_ERR_INVALID_ARG);
    RV_CHECK_EQ_INT(rv_searcher_similar(s, "math/fib.py", 2, 3, &r), RV_ERR_INVALID_ARG);
    rv_searcher_close(s);
}

RV_TEST(open_errors) {
    rv_search_config cfg = rv_search_default_config();
    rv_searcher *s = NULL;
    RV_CHECK_EQ_INT(rv_searcher_open(&s, &cfg), RV_ERR_INVALID_ARG);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/nope", g_root);
    cfg.root = missing;
    cfg.use_index = 0;
    RV_CHECK_EQ_INT(rv_searcher_open(&s, &cfg), RV_ERR_NOT_FOUND);
    cfg.root = g_root;
    cfg.use_index = 1; /* the index needs a model */
    RV_CHECK_EQ_INT(rv_searcher_open(&s, &cfg), RV_ERR_INVALID_ARG);
    RV_CHECK(s == NULL);
    rv_searcher_close(NULL);
    RV_CHECK_EQ_INT(rv_search_mode_parse("semantic"), RV_MODE_SEMANTIC);
    RV_CHECK_EQ_INT(rv_search_mode_parse("x"), -1);
    RV_CHECK_STR(rv_search_mode_name(RV_MODE_HYBRID), "hybrid");
}

RV_TEST(model_searcher_modes_and_similar) {
    rv_searcher *s = open_searcher(g_model);
    if (!s) return;
    const rv_corpus *c = rv_searcher_corpus(s);
    RV_CHECK(c->vectors != NULL && c->dim == 384);
    /* rows are unit length */
    for (size_t i = 0; i < c->chunks.count; i++) {
        double n2 = 0;
        for (size_t j = 0; j < c->dim; j++)
            n2 += c->vectors[i * c->dim + j] * c->vectors[i * c->dim + j];
        RV_CHECK_NEAR(n2, 1.0, 1e-3);
    }
    rv_query q = rv_query_default();
    rv_result_list r = {0};
    q.mode = RV_MODE_SEMANTIC;
    q.text = "fetch a url over http and write it to disk";
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK(r.count >= 4);
    if (r.count) {
        RV_CHECK_STR(r.items[0].chunk->path, "net/client.go");
        RV_CHECK(r.items[0].score > 0.2 && r.items[0].score <= 1.0001);
    }
    RV_CHECK(no_overlaps(&r));
    rv_result_list_free(&r);

    q.mode = RV_MODE_HYBRID;
    q.text = "count the words in a sentence";
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    if (r.count) {
        RV_CHECK_STR(r.items[0].chunk->path, "text/words.js");
        RV_CHECK(r.items[0].score > 0 && r.items[0].score <= 1.0001);
    }
    rv_result_list_free(&r);

    /* similar: the chunk covering fib.py:2 is excluded, others ranked */
    RV_CHECK_EQ_INT(rv_searcher_similar(s, "math/fib.py", 2, 3, &r), RV_OK);
    RV_CHECK(r.count >= 1 && r.count <= 3);
    for (size_t i = 0; i < r.count; i++)
        RV_CHECK(strcmp(r.items[i].chunk->path, "math/fib.py") != 0);
    rv_result_list_free(&r);
    RV_CHECK_EQ_INT(rv_searcher_similar(s, "math/fib.py", 999, 3, &r), RV_ERR_NOT_FOUND);
    RV_CHECK_EQ_INT(rv_searcher_similar(s, "nope.py", 1, 3, &r), RV_ERR_NOT_FOUND);

    /* refresh again picks up a new file */
    put("math/primes.py",
        "def is_prime(n):\n    return n > 1 and all(n % d for d in range(2, n))\n");
    rv_refresh_stats st;
    RV_CHECK_EQ_INT(rv_searcher_refresh(s, &st), RV_OK);
    RV_CHECK_EQ_INT(st.files, 5);
    q.mode = RV_MODE_SEMANTIC;
    q.text = "check whether a number is prime";
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    if (r.count) RV_CHECK_STR(r.items[0].chunk->path, "math/primes.py");
    rv_result_list_free(&r);
    rv_searcher_close(s);
}

/* A searcher over the tree as it is now, without model or index. */
static rv_searcher *open_keyword_only(void) {
    rv_search_config cfg = rv_search_default_config();
    cfg.root = g_root;
    cfg.use_index = 0;
    rv_searcher *s = NULL;
    RV_CHECK_EQ_INT(rv_searcher_open(&s, &cfg), RV_OK);
    if (!s) return NULL;
    RV_CHECK_EQ_INT(rv_searcher_refresh(s, NULL), RV_OK);
    return s;
}

RV_TEST(adjacent_results_become_one_region) {
    const char *text = "def reverse_words(s):\n"
                       "    return ' '.join(reversed(s.split()))\n"
                       "\n"
                       "\n"
                       "def reverse_chars(s):\n"
                       "    return s[::-1]\n";
    put("util/rev.py", text);
    rv_searcher *s = open_keyword_only();
    if (!s) return;
    rv_query q = rv_query_default();
    q.mode = RV_MODE_KEYWORD;
    q.text = "reverse";
    q.path_glob = "rev.py";
    rv_result_list r = {0};
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 1);
    if (r.count == 1) {
        const rv_chunk *c = r.items[0].chunk;
        RV_CHECK_EQ_INT(c->start_line, 1);
        RV_CHECK_EQ_INT(c->end_line, 6);
        RV_CHECK_STR(c->content, text);
        RV_CHECK(strncmp(c->name, "reverse_", 8) == 0); /* the better one's name */
        RV_CHECK_EQ_INT(r.n_owned, 1);
    }
    rv_result_list_free(&r);
    /* merging off: two results, each the definition itself */
    q.merge_gap = -1;
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 2);
    RV_CHECK_EQ_INT(r.n_owned, 0);
    rv_result_list_free(&r);
    /* a region whose file changed since chunking is shown as the chunk alone */
    put("util/rev.py", "# edited\n");
    q.merge_gap = 3;
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 1);
    if (r.count == 1) RV_CHECK(r.items[0].chunk->end_line - r.items[0].chunk->start_line < 3);
    RV_CHECK_EQ_INT(r.n_owned, 0);
    rv_result_list_free(&r);
    rv_searcher_close(s);
}

/* A file with many matching definitions fills at most part of the top 10:
 * the per-file spread sees every candidate, not only the first screenful
 * (which one file alone can fill). */
RV_TEST(one_file_does_not_fill_the_results) {
    char big[16384];
    size_t o = 0;
    for (int i = 0; i < 30 && o + 200 < sizeof big; i++) /* 5 lines apart: no regions */
        o += (size_t)snprintf(big + o, sizeof big - o,
                              "def parse_token_%d(text):\n    return parse_token(text)\n\n\n\n\n",
                              i);
    put("spread/many.py", big);
    put("spread/other.py", "def read_input(text):\n    return parse_token(text.strip())\n");
    rv_searcher *s = open_keyword_only();
    if (!s) return;
    rv_query q = rv_query_default();
    q.mode = RV_MODE_KEYWORD;
    q.text = "parse token";
    q.path_glob = "spread/*";
    q.top_k = 10;
    rv_result_list r = {0};
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 10);
    int other = 0;
    for (size_t i = 0; i < r.count; i++)
        other += strcmp(r.items[i].chunk->path, "spread/other.py") == 0;
    RV_CHECK_MSG(other == 1, "spread/other.py %d times in the top 10", other);
    rv_result_list_free(&r);
    rv_searcher_close(s);
}

/* With the index: accessors, a no-change refresh keeps the loaded corpus,
 * a failed refresh keeps answering from the old one. */
RV_TEST(indexed_refresh_keeps_corpus) {
    char base[] = "/tmp/rv-search-idx-XXXXXX";
    RV_CHECK(mkdtemp(base) != NULL);
    char root[300], cache[300], moved[300], file[400];
    snprintf(root, sizeof root, "%s/repo", base);
    snprintf(cache, sizeof cache, "%s/cache", base);
    snprintf(moved, sizeof moved, "%s/moved", base);
    RV_CHECK(mkdir(root, 0755) == 0);
    snprintf(file, sizeof file, "%s/fib.py", root);
    FILE *f = fopen(file, "wb");
    RV_CHECK(f != NULL);
    if (!f) return;
    fputs("def fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n"
          "        a, b = b, a + b\n    return a\n",
          f);
    fclose(f);
    rv_search_config cfg = rv_search_default_config();
    cfg.root = root;
    cfg.model_dir = g_model;
    cfg.cache_dir = cache;
    cfg.threads = 2;
    rv_searcher *s = NULL;
    RV_CHECK_EQ_INT(rv_searcher_open(&s, &cfg), RV_OK);
    if (!s) return;
    const char *ip = rv_searcher_index_path(s);
    RV_CHECK_MSG(ip && strncmp(ip, cache, strlen(cache)) == 0, "index path %s", ip ? ip : "NULL");
    const char *id = rv_searcher_model_id(s);
    RV_CHECK(id && strncmp(id, "all-minilm-l6-v2-", 17) == 0);
    RV_CHECK_STR(rv_searcher_device(s), "cpu");
    rv_refresh_stats st;
    RV_CHECK_EQ_INT(rv_searcher_refresh(s, &st), RV_OK);
    RV_CHECK_EQ_INT(st.files, 1);
    RV_CHECK_EQ_INT(st.files_changed, 1);
    const rv_corpus *c = rv_searcher_corpus(s);
    const rv_chunk *items = c->chunks.items;
    size_t n = c->chunks.count;
    RV_CHECK(n >= 1);
    rv_query q = rv_query_default();
    q.mode = RV_MODE_KEYWORD;
    q.text = "fibonacci";
    rv_result_list r = {0};
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK_EQ_INT(r.count, 1);
    /* nothing changed: same corpus memory, earlier results still valid */
    RV_CHECK_EQ_INT(rv_searcher_refresh(s, &st), RV_OK);
    RV_CHECK_EQ_INT(st.files_changed, 0);
    RV_CHECK_EQ_INT(st.chunks, n);
    RV_CHECK(rv_searcher_corpus(s)->chunks.items == items);
    if (r.count) RV_CHECK_STR(r.items[0].chunk->path, "fib.py");
    rv_result_list_free(&r);
    /* lazy model: the same index (same derived id, nothing re-embedded), a
     * keyword query without loading weights, the model on first semantic use */
    char eager_id[256];
    snprintf(eager_id, sizeof eager_id, "%s", id ? id : "");
    rv_search_config lc = cfg;
    lc.lazy_model = 1;
    rv_searcher *ls = NULL;
    RV_CHECK_EQ_INT(rv_searcher_open(&ls, &lc), RV_OK);
    if (ls) {
        RV_CHECK_STR(rv_searcher_model_id(ls), eager_id);
        RV_CHECK(rv_searcher_device(ls) == NULL);
        RV_CHECK_EQ_INT(rv_searcher_refresh(ls, &st), RV_OK);
        RV_CHECK_EQ_INT(st.chunks_embedded, 0);
        RV_CHECK_EQ_INT(st.chunks, n);
        q.mode = RV_MODE_KEYWORD;
        q.text = "fibonacci";
        RV_CHECK_EQ_INT(rv_searcher_query(ls, &q, &r), RV_OK);
        RV_CHECK_EQ_INT(r.count, 1);
        rv_result_list_free(&r);
        RV_CHECK(rv_searcher_device(ls) == NULL);
        q.mode = RV_MODE_SEMANTIC;
        q.text = "fibonacci numbers";
        RV_CHECK_EQ_INT(rv_searcher_query(ls, &q, &r), RV_OK);
        RV_CHECK(r.count >= 1);
        rv_result_list_free(&r);
        RV_CHECK_STR(rv_searcher_device(ls), "cpu");
        RV_CHECK_STR(rv_searcher_model_id(ls), eager_id);
        rv_searcher_close(ls);
    }
    /* the root is gone: the refresh fails, the old corpus stays */
    RV_CHECK(rename(root, moved) == 0);
    RV_CHECK(rv_searcher_refresh(s, &st) != RV_OK);
    RV_CHECK_EQ_INT(rv_searcher_corpus(s)->chunks.count, n);
    q.mode = RV_MODE_SEMANTIC;
    q.text = "fibonacci numbers";
    RV_CHECK_EQ_INT(rv_searcher_query(s, &q, &r), RV_OK);
    RV_CHECK(r.count >= 1);
    rv_result_list_free(&r);
    rv_searcher_close(s);
    /* in memory: no index path */
    cfg.root = moved;
    cfg.use_index = 0;
    RV_CHECK_EQ_INT(rv_searcher_open(&s, &cfg), RV_OK);
    RV_CHECK(s && rv_searcher_index_path(s) == NULL);
    rv_searcher_close(s);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", base, (char *)NULL);
        _exit(127);
    }
    int ws;
    waitpid(pid, &ws, 0);
}

/* Results as "path:start-end score" lines, for comparing two searches. */
static void describe(char *buf, size_t cap, const rv_result_list *r) {
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->count && off + 1 < cap; i++) {
        int w =
            snprintf(buf + off, cap - off, "%s:%d-%d %.9g\n", r->items[i].chunk->path,
                     r->items[i].chunk->start_line, r->items[i].chunk->end_line, r->items[i].score);
        if (w < 0) break;
        off += (size_t)w;
    }
}

/* Which trace phases the last lazy_search reported. */
static int g_saw_prefetch, g_saw_query_embed;
/* 1: lazy_search prefetches with rv_searcher_prefetch_query after open;
 * 0: through cfg.prefetch_query (as the CLI does). */
static int g_prefetch_via_api;

static void on_trace(void *user, const char *msg) {
    (void)user;
    if (strstr(msg, "trace: prefetch:")) g_saw_prefetch = 1;
    if (strstr(msg, "trace: query embed")) g_saw_query_embed = 1;
}

/* Opens a lazy searcher on the index in `cache`, optionally prefetching
 * `pre` before the refresh, then runs `text` in `mode`. */
static rv_status lazy_search(const char *cache, const char *model, const char *pre,
                             const char *text, rv_search_mode mode, char *out, size_t cap) {
    g_saw_prefetch = g_saw_query_embed = 0;
    rv_search_config cfg = rv_search_default_config();
    cfg.trace = 1;
    cfg.note = on_trace;
    cfg.root = g_root;
    cfg.model_dir = model;
    cfg.cache_dir = cache;
    cfg.threads = 2;
    cfg.lazy_model = 1;
    if (!g_prefetch_via_api) cfg.prefetch_query = pre;
    rv_searcher *s = NULL;
    rv_status st = rv_searcher_open(&s, &cfg);
    if (st == RV_OK && pre && g_prefetch_via_api) st = rv_searcher_prefetch_query(s, pre);
    if (st == RV_OK) st = rv_searcher_refresh(s, NULL);
    rv_result_list r = {0};
    rv_query q = rv_query_default();
    q.text = text;
    q.mode = mode;
    if (st == RV_OK && text) st = rv_searcher_query(s, &q, &r);
    if (st == RV_OK && out) describe(out, cap, &r);
    rv_result_list_free(&r);
    rv_searcher_close(s);
    return st;
}

RV_TEST(prefetched_query_matches_inline) {
    char base[] = "/tmp/rv-search-pf-XXXXXX";
    RV_CHECK(mkdtemp(base) != NULL);
    char cache[300], want[4096], got[4096];
    snprintf(cache, sizeof cache, "%s/cache", base);
    const char *q1 = "compute fibonacci numbers", *q2 = "download a file over http";
    /* the index is built by the first search (no prefetch) */
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, NULL, q1, RV_MODE_SEMANTIC, want, sizeof want),
                    RV_OK);
    RV_CHECK(want[0] != '\0');
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, q1, q1, RV_MODE_SEMANTIC, got, sizeof got), RV_OK);
    RV_CHECK_STR(got, want);
    RV_CHECK(g_saw_prefetch && !g_saw_query_embed); /* the thread's vector was used */
    /* hybrid, and a prefetch of another text: the query is embedded anew */
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, NULL, q2, RV_MODE_HYBRID, want, sizeof want),
                    RV_OK);
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, q2, q2, RV_MODE_HYBRID, got, sizeof got), RV_OK);
    RV_CHECK_STR(got, want);
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, q1, q2, RV_MODE_HYBRID, got, sizeof got), RV_OK);
    RV_CHECK_STR(got, want);
    RV_CHECK(g_saw_prefetch && g_saw_query_embed);
    g_prefetch_via_api = 1; /* the same through the call after open */
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, q2, q2, RV_MODE_HYBRID, got, sizeof got), RV_OK);
    RV_CHECK_STR(got, want);
    RV_CHECK(g_saw_prefetch && !g_saw_query_embed);
    g_prefetch_via_api = 0;
    /* prefetched but never queried, or a keyword query: close joins */
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, q1, NULL, RV_MODE_SEMANTIC, NULL, 0), RV_OK);
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, q1, "fibonacci", RV_MODE_KEYWORD, got, sizeof got),
                    RV_OK);
    RV_CHECK(strstr(got, "math/fib.py") != NULL);
    /* a file changed: the refresh embeds it while (or after) the prefetch runs */
    put("math/fact.py", "def factorial(n):\n    return 1 if n < 2 else n * factorial(n - 1)\n");
    RV_CHECK_EQ_INT(lazy_search(cache, g_model, q1, q1, RV_MODE_SEMANTIC, got, sizeof got), RV_OK);
    char fresh[300];
    snprintf(fresh, sizeof fresh, "%s/fresh", base);
    RV_CHECK_EQ_INT(lazy_search(fresh, g_model, NULL, q1, RV_MODE_SEMANTIC, want, sizeof want),
                    RV_OK);
    RV_CHECK_STR(got, want);
    RV_CHECK(strstr(got, "math/fact.py") != NULL);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/math/fact.py", g_root);
    unlink(cmd);
    /* weights that do not load: the prefetch fails quietly, the search
     * reports the model's error */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/badmodel", base);
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && cp -r '%s'/. '%s'/ && head -c 5000 '%s/model.safetensors' > "
             "'%s/model.safetensors'",
             bad, g_model, bad, g_model, bad);
    RV_CHECK_EQ_INT(system(cmd), 0);
    snprintf(fresh, sizeof fresh, "%s/fresh2", base);
    RV_CHECK(lazy_search(fresh, bad, q1, q1, RV_MODE_SEMANTIC, got, sizeof got) != RV_OK);
    RV_CHECK_MSG(strstr(rv_error_last(), "safetensors") != NULL, "%s", rv_error_last());
    /* an eager searcher has its model loaded: the prefetch does nothing */
    rv_search_config cfg = rv_search_default_config();
    cfg.root = g_root;
    cfg.model_dir = g_model;
    cfg.use_index = 0;
    rv_searcher *s = NULL;
    RV_CHECK_EQ_INT(rv_searcher_open(&s, &cfg), RV_OK);
    if (s) RV_CHECK_EQ_INT(rv_searcher_prefetch_query(s, q1), RV_OK);
    rv_searcher_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    RV_CHECK_EQ_INT(system(cmd), 0);
}

/* The saved keyword index is named by the index's store generation: an
 * edit must make the next search rebuild it, a warm search must reuse it. */
RV_TEST(saved_keyword_index_follows_changes) {
    char base[] = "/tmp/rv-search-kw-XXXXXX";
    RV_CHECK(mkdtemp(base) != NULL);
    char cache[300], got[4096], cmd[4096];
    snprintf(cache, sizeof cache, "%s/cache", base);
    put("num/seq.py", "def tribonacci(n):\n    a, b, c = 0, 0, 1\n    for _ in range(n):\n"
                      "        a, b, c = b, c, a + b + c\n    return a\n");
    RV_CHECK_EQ_INT(
        lazy_search(cache, g_model, NULL, "tribonacci", RV_MODE_KEYWORD, got, sizeof got), RV_OK);
    RV_CHECK(strstr(got, "num/seq.py") != NULL);
    RV_CHECK_EQ_INT(
        lazy_search(cache, g_model, NULL, "tribonacci", RV_MODE_KEYWORD, got, sizeof got), RV_OK);
    RV_CHECK(strstr(got, "num/seq.py") != NULL);
    /* same size, so only the content (and mtime) tell */
    put("num/seq.py", "def padovanseq(n):\n    a, b, c = 1, 1, 1\n    for _ in range(n):\n"
                      "        a, b, c = b, c, a + b + 0\n    return a\n");
    RV_CHECK_EQ_INT(
        lazy_search(cache, g_model, NULL, "tribonacci", RV_MODE_KEYWORD, got, sizeof got), RV_OK);
    RV_CHECK(strstr(got, "num/seq.py") == NULL);
    RV_CHECK_EQ_INT(
        lazy_search(cache, g_model, NULL, "padovanseq", RV_MODE_KEYWORD, got, sizeof got), RV_OK);
    RV_CHECK(strstr(got, "num/seq.py") != NULL);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s/num'", base, g_root);
    RV_CHECK_EQ_INT(system(cmd), 0);
}

int main(void) {
    const char *m = getenv("RIPVEC_TEST_MODEL");
    if (m && *m) {
        snprintf(g_model, sizeof g_model, "%s", m);
    } else {
        const char *x = getenv("XDG_CACHE_HOME");
        if (x && *x)
            snprintf(g_model, sizeof g_model, "%s/ripvec/models/all-minilm-l6-v2", x);
        else
            snprintf(g_model, sizeof g_model, "%s/.cache/ripvec/models/all-minilm-l6-v2",
                     getenv("HOME") ? getenv("HOME") : "");
    }
    snprintf(g_root, sizeof g_root, "/tmp/ripvec-search-XXXXXX");
    if (!mkdtemp(g_root)) {
        printf("FAIL setup: mkdtemp\n0 passed, 1 failed\n");
        return 1;
    }
    make_tree();
    RV_RUN(keyword_only_searcher);
    RV_RUN(open_errors);
    RV_RUN(model_searcher_modes_and_similar);
    RV_RUN(adjacent_results_become_one_region);
    RV_RUN(one_file_does_not_fill_the_results);
    RV_RUN(indexed_refresh_keeps_corpus);
    RV_RUN(prefetched_query_matches_inline);
    RV_RUN(saved_keyword_index_follows_changes);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", g_root, (char *)NULL);
        _exit(127);
    }
    int ws;
    waitpid(pid, &ws, 0);
    return rv_test_summary();
}
