/* Chunker robustness: windows, gaps, token limits, hostile bytes, sizes,
 * threads. Inputs are generated here; expectations follow from the rules in
 * include/ripvec/chunk.h. */
#include "ripvec/chunk.h"
#include "ripvec/tokenizer.h"
#include "rvtest.h"
#include "util/fs.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Sanitizer builds run ~3x slower: the inputs that go through tree-sitter
 * shrink there (the properties checked do not depend on the size). */
#if defined(__SANITIZE_ADDRESS__)
#define RV_SCALE 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RV_SCALE 4
#endif
#endif
#ifndef RV_SCALE
#define RV_SCALE 1
#endif

static rv_chunk_params params(int max_tokens) {
    rv_chunk_params p = rv_chunk_default_params();
    if (max_tokens) p.max_tokens = max_tokens;
    return p;
}

/* The default estimate: 1 token per 3 bytes, rounded up. */
static size_t est(const char *t) {
    return (strlen(t) + 2) / 3;
}

static int valid_utf8(const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        int n = *u < 0x80 ? 1 : (*u >> 5) == 6 ? 2 : (*u >> 4) == 14 ? 3 : (*u >> 3) == 30 ? 4 : 0;
        if (n == 0 || (n == 2 && *u < 0xC2)) return 0;
        for (int i = 1; i < n; i++)
            if ((u[i] & 0xC0) != 0x80) return 0;
        u += n;
    }
    return 1;
}

/* A growable string for building inputs. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void puts_(buf *b, const char *s) {
    put(b, s, strlen(s));
}

static const rv_chunk *find(const rv_chunk_list *l, const char *name) {
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i].name, name) == 0) return &l->items[i];
    return NULL;
}

static const char *k_py = "import os\n"
                          "\n"
                          "def alpha(x):\n"
                          "    return x + 1\n"
                          "\n"
                          "\n"
                          "class Beta:\n"
                          "    \"\"\"Doc.\"\"\"\n"
                          "\n"
                          "    def gamma(self):\n"
                          "        return 2\n";

RV_TEST(crlf_counts_one_line_end) {
    buf b = {0};
    for (const char *p = k_py; *p; p++) {
        if (*p == '\n') puts_(&b, "\r");
        put(&b, p, 1);
    }
    rv_chunk_list lf = {0}, crlf = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&lf, "a.py", k_py, strlen(k_py), &p), RV_OK);
    RV_CHECK_EQ_INT(rv_chunk_file(&crlf, "a.py", b.p, b.n, &p), RV_OK);
    RV_CHECK_EQ_INT(lf.count, crlf.count);
    for (size_t i = 0; i < lf.count && i < crlf.count; i++) {
        RV_CHECK_EQ_INT(lf.items[i].start_line, crlf.items[i].start_line);
        RV_CHECK_EQ_INT(lf.items[i].end_line, crlf.items[i].end_line);
        RV_CHECK_STR(lf.items[i].name, crlf.items[i].name);
        size_t n = strlen(crlf.items[i].content);
        RV_CHECK(n > 0 && crlf.items[i].content[n - 1] != '\r');
    }
    const rv_chunk *g = find(&crlf, "gamma");
    RV_CHECK(g && g->start_line == 10 && g->end_line == 11);
    rv_chunk_list_free(&lf);
    rv_chunk_list_free(&crlf);
    free(b.p);
}

RV_TEST(unknown_language_gets_windows) {
    buf b = {0};
    char line[64];
    for (int i = 1; i <= 100; i++) {
        snprintf(line, sizeof line, "line %d\n", i);
        puts_(&b, line);
    }
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0); /* 40 lines, overlap 10 */
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "notes.txt", b.p, b.n, &p), RV_OK);
    RV_CHECK_EQ_INT(l.count, 3);
    if (l.count == 3) {
        RV_CHECK_EQ_INT(l.items[0].start_line, 1);
        RV_CHECK_EQ_INT(l.items[0].end_line, 40);
        RV_CHECK_EQ_INT(l.items[1].start_line, 31);
        RV_CHECK_EQ_INT(l.items[1].end_line, 70);
        RV_CHECK_EQ_INT(l.items[2].start_line, 61);
        RV_CHECK_EQ_INT(l.items[2].end_line, 100);
        RV_CHECK_STR(l.items[0].kind, "window");
        RV_CHECK_STR(l.items[0].language, "text");
        RV_CHECK(strncmp(l.items[1].content, "line 31\nline 32\n", 16) == 0);
        RV_CHECK_STR(l.items[0].embed_text + strlen("path: notes.txt\n"), l.items[0].content);
    }
    rv_chunk_list_free(&l);
    free(b.p);
}

RV_TEST(top_level_code_between_definitions_gets_windows) {
    buf b = {0};
    puts_(&b, "def first():\n    return 1\n\n");
    for (int i = 0; i < 8; i++)
        puts_(&b, "print('setting up the thing')\n"); /* lines 4-11 */
    puts_(&b, "\ndef second():\n    return 2\n");
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "s.py", b.p, b.n, &p), RV_OK);
    int windows = 0;
    for (size_t i = 0; i < l.count; i++)
        if (!strcmp(l.items[i].kind, "window")) {
            windows++;
            RV_CHECK(l.items[i].start_line == 3 || l.items[i].start_line == 4);
            RV_CHECK(l.items[i].end_line >= 11 && l.items[i].end_line <= 12);
        }
    RV_CHECK_EQ_INT(windows, 1);
    RV_CHECK(find(&l, "first") && find(&l, "second"));
    /* sorted by line */
    for (size_t i = 1; i < l.count; i++)
        RV_CHECK(l.items[i - 1].start_line <= l.items[i].start_line);
    rv_chunk_list_free(&l);
    free(b.p);
}

RV_TEST(oversized_definition_is_split_within_limit) {
    buf b = {0};
    puts_(&b, "def big(x):\n");
    char line[96];
    for (int i = 0; i < 300; i++) {
        snprintf(line, sizeof line, "    x = x + compute_something(x, %d)  # step %d\n", i, i);
        puts_(&b, line);
    }
    puts_(&b, "    return x\n");
    rv_chunk_list l = {0};
    rv_chunk_params p = params(128);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "big.py", b.p, b.n, &p), RV_OK);
    RV_CHECK(l.count > 10);
    int next = 1;
    for (size_t i = 0; i < l.count; i++) {
        const rv_chunk *c = &l.items[i];
        RV_CHECK_MSG(est(c->embed_text) <= 126, "chunk %zu: %zu tokens", i, est(c->embed_text));
        RV_CHECK_STR(c->name, "big");
        RV_CHECK_STR(c->kind, "function");
        RV_CHECK_EQ_INT(c->start_line, next); /* contiguous pieces, nothing lost */
        next = c->end_line + 1;
    }
    RV_CHECK_EQ_INT(next, 303);
    rv_chunk_list_free(&l);
    free(b.p);
}

/* A counter in words, to check the callback is what bounds the chunks. */
static size_t count_words(void *user, const char *t, size_t n) {
    size_t w = 0;
    int in = 0;
    (*(int *)user)++;
    for (size_t i = 0; i < n; i++) {
        int sp = t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r';
        if (!sp && !in) w++;
        in = !sp;
    }
    return w;
}

RV_TEST(token_counter_callback_bounds_chunks) {
    buf b = {0};
    puts_(&b, "function long() {\n");
    for (int i = 0; i < 200; i++)
        puts_(&b, "  a b c d e f g h i j;\n");
    puts_(&b, "}\n");
    int calls = 0;
    rv_chunk_list l = {0};
    rv_chunk_params p = params(64);
    p.count_tokens = count_words;
    p.count_user = &calls;
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "l.js", b.p, b.n, &p), RV_OK);
    RV_CHECK(calls > 0);
    RV_CHECK(l.count >= 200 * 10 / 62);
    for (size_t i = 0; i < l.count; i++) {
        int dummy = 0;
        size_t t = count_words(&dummy, l.items[i].embed_text, strlen(l.items[i].embed_text));
        RV_CHECK_MSG(t <= 62, "chunk %zu has %zu words", i, t);
    }
    rv_chunk_list_free(&l);
    free(b.p);
}

static int yes(void *user) {
    (void)user;
    return 1;
}

static size_t count_tk(void *user, const char *t, size_t n) {
    return rv_tokenizer_count(user, t, n);
}

static int same_chunks(const rv_chunk_list *a, const rv_chunk_list *b) {
    if (a->count != b->count) return 0;
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i].start_line != b->items[i].start_line ||
            a->items[i].end_line != b->items[i].end_line ||
            strcmp(a->items[i].embed_text, b->items[i].embed_text) != 0)
            return 0;
    return 1;
}

/* A counter whose line counts add up (words; the test model's WordPiece)
 * gives the same chunks whether each packed chunk is counted again whole
 * or not, and the counter is called less. */
RV_TEST(counts_that_add_up_give_the_same_chunks_for_fewer_counts) {
    buf b = {0};
    puts_(&b, "function long() {\n");
    for (int i = 0; i < 300; i++)
        puts_(&b, i % 7 ? "  a b c d;\n" : "  a b c d e f g h i j k l m n o p q r s t;\n");
    puts_(&b, "}\n");
    int calls_whole = 0, calls_lines = 0;
    rv_chunk_list whole = {0}, lines = {0};
    rv_chunk_params p = params(48);
    p.count_tokens = count_words;
    p.count_user = &calls_whole;
    RV_CHECK_EQ_INT(rv_chunk_file(&whole, "l.js", b.p, b.n, &p), RV_OK);
    p.count_user = &calls_lines;
    p.count_adds_up = yes;
    RV_CHECK_EQ_INT(rv_chunk_file(&lines, "l.js", b.p, b.n, &p), RV_OK);
    RV_CHECK(whole.count > 10 && same_chunks(&whole, &lines));
    RV_CHECK_MSG(calls_lines < calls_whole, "%d counts against %d", calls_lines, calls_whole);
    rv_chunk_list_free(&whole);
    rv_chunk_list_free(&lines);
    free(b.p);
    /* Every language fixture, with the test model's tokenizer, small budgets. */
    rv_tokenizer *tk = NULL;
    RV_CHECK_MSG(rv_tokenizer_load(&tk, "tests/data/tiny_bert") == RV_OK, "%s", rv_error_last());
    if (!tk) return;
    RV_CHECK(rv_tokenizer_count_adds_up(tk));
    DIR *d = opendir("tests/data/chunk");
    RV_CHECK(d != NULL);
    struct dirent *e;
    int files = 0;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "tests/data/chunk/%s", e->d_name);
        size_t n = 0;
        char *src = NULL;
        if (rv_read_file(&src, &n, path, 1 << 20) != RV_OK) continue;
        for (int mt = 24; mt <= 96; mt *= 2) {
            rv_chunk_params q = params(mt);
            q.count_tokens = count_tk;
            q.count_user = tk;
            rv_chunk_list x = {0}, y = {0};
            RV_CHECK(rv_chunk_file(&x, e->d_name, src, n, &q) == RV_OK);
            q.count_adds_up = yes;
            RV_CHECK(rv_chunk_file(&y, e->d_name, src, n, &q) == RV_OK);
            RV_CHECK_MSG(same_chunks(&x, &y), "%s at %d tokens", e->d_name, mt);
            for (size_t i = 0; i < y.count; i++)
                RV_CHECK(count_tk(tk, y.items[i].embed_text, strlen(y.items[i].embed_text)) <=
                         (size_t)mt - 2);
            rv_chunk_list_free(&x);
            rv_chunk_list_free(&y);
        }
        files++;
        free(src);
    }
    if (d) closedir(d);
    RV_CHECK(files >= 20);
    rv_tokenizer_free(tk);
}

RV_TEST(invalid_utf8_and_nul_bytes) {
    static const char src[] = "def ok(x):\n"
                              "    s = '\xff\xfe bad \xc0\x80 \xed\xa0\x80'\n"
                              "    t = 'nul\0here'\n"
                              "    return x\n";
    size_t n = sizeof src - 1;
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "bad.py", src, n, &p), RV_OK);
    const rv_chunk *c = find(&l, "ok");
    RV_CHECK(c != NULL);
    if (c) {
        RV_CHECK_EQ_INT(c->start_line, 1);
        RV_CHECK_EQ_INT(c->end_line, 4);
        RV_CHECK_EQ_INT(strlen(c->content), n - 1); /* NUL kept as a byte, not a cut */
        RV_CHECK(strstr(c->content, "nul here") != NULL);
    }
    for (size_t i = 0; i < l.count; i++) {
        RV_CHECK(valid_utf8(l.items[i].content));
        RV_CHECK(valid_utf8(l.items[i].embed_text));
    }
    rv_chunk_list_free(&l);
    /* Pure garbage in a known language: no crash, text comes back. */
    unsigned char junk[4096];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)((x = x * 1103515245u + 12345u) >> 16);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "junk.rs", (const char *)junk, sizeof junk, &p), RV_OK);
    RV_CHECK(l.count > 0);
    for (size_t i = 0; i < l.count; i++)
        RV_CHECK(valid_utf8(l.items[i].embed_text));
    rv_chunk_list_free(&l);
}

/* A long camelCase name of multibyte letters: the words the header spells
 * for it stop at a character boundary. */
RV_TEST(long_unicode_name_keeps_the_header_valid) {
    buf b = {0};
    const char *head = "package p\n\nfunc aB", *tail = "() {}\n";
    put(&b, head, strlen(head));
    for (int i = 0; i < 60; i++)
        put(&b, "\xc3\xa9", 2); /* é */
    put(&b, tail, strlen(tail));
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "u.go", b.p, b.n, &p), RV_OK);
    size_t named = 0;
    for (size_t i = 0; i < l.count; i++) {
        named += strncmp(l.items[i].name, "aB", 2) == 0;
        RV_CHECK_MSG(valid_utf8(l.items[i].embed_text), "header: %.120s", l.items[i].embed_text);
    }
    RV_CHECK_EQ_INT(named, 1);
    rv_chunk_list_free(&l);
    free(b.p);
}

RV_TEST(utf16_with_bom_is_transcoded) {
    const char *py = "# h\xc3\xa9llo\ndef f():\n    return 1\n";
    buf b = {0};
    put(&b, "\xff\xfe", 2);
    for (const unsigned char *u = (const unsigned char *)py; *u;) {
        /* decode the ASCII/2-byte UTF-8 above into UTF-16LE */
        unsigned cp = *u < 0x80 ? *u++ : (unsigned)(((u[0] & 0x1F) << 6) | (u[1] & 0x3F));
        if (cp >= 0x80) u += 2;
        char le[2] = {(char)(cp & 0xFF), (char)(cp >> 8)};
        put(&b, le, 2);
    }
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "u16.py", b.p, b.n, &p), RV_OK);
    const rv_chunk *c = find(&l, "f");
    RV_CHECK(c != NULL);
    if (c) {
        RV_CHECK_EQ_INT(c->start_line, 1); /* the comment above joins it */
        RV_CHECK_EQ_INT(c->end_line, 3);
        RV_CHECK(strstr(c->content, "h\xc3\xa9llo") != NULL);
    }
    rv_chunk_list_free(&l);
    free(b.p);
}

/* A 5 MB single line (a minified bundle): every piece within the limit, the
 * pieces in order spell the line exactly. (50 MB: see the chunk.h notes.) */
RV_TEST(huge_single_line_is_cut_within_limit) {
    size_t n = 5u << 20;
    char *d = malloc(n);
    for (size_t i = 0; i < n; i++)
        d[i] = "abcdefghij;{}() "[(i * 7 + i / 13) % 16];
    memcpy(d + 1000, "\xc3\xa9\xe2\x82\xac", 5); /* multibyte chars must not be split */
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "bundle.min.js", d, n, &p), RV_OK);
    RV_CHECK(l.count > 1000);
    size_t off = 0;
    int ok_limit = 1, ok_utf8 = 1, ok_concat = 1;
    for (size_t i = 0; i < l.count; i++) {
        const rv_chunk *c = &l.items[i];
        ok_limit &= est(c->embed_text) <= 510;
        ok_utf8 &= valid_utf8(c->content);
        size_t cl = strlen(c->content);
        ok_concat &= c->start_line == 1 && off + cl <= n && memcmp(d + off, c->content, cl) == 0;
        off += cl;
    }
    RV_CHECK(ok_limit);
    RV_CHECK(ok_utf8);
    RV_CHECK(ok_concat);
    RV_CHECK_EQ_INT(off, n);
    rv_chunk_list_free(&l);
    free(d);
}

/* A 1 MB minified JS line goes through tree-sitter: many definitions on one
 * line must not each copy the line (quadratic blow-up). */
RV_TEST(minified_one_line_js_stays_linear) {
    buf b = {0};
    while (b.n < (1u << 20))
        puts_(&b, "function f(a){return a+1}var x=function(){return 2};");
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "m.js", b.p, b.n, &p), RV_OK);
    size_t total = 0;
    for (size_t i = 0; i < l.count; i++)
        total += strlen(l.items[i].content);
    RV_CHECK_MSG(total <= b.n * 2, "content total %zu for %zu input bytes", total, b.n);
    rv_chunk_list_free(&l);
    free(b.p);
}

RV_TEST(two_hundred_thousand_lines) {
    buf b = {0};
    char line[64];
    for (int i = 0; i < 200000; i++) {
        snprintf(line, sizeof line, "entry %d value %d\n", i, i * 3);
        puts_(&b, line);
    }
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "big.log", b.p, b.n, &p), RV_OK);
    /* 30-line steps; some windows split on the token limit */
    RV_CHECK(l.count >= 200000 / 30 && l.count <= 200000 / 10);
    RV_CHECK_EQ_INT(l.items[l.count - 1].end_line, 200000);
    rv_chunk_list_free(&l);
    free(b.p);
    /* and a big source file that does go through tree-sitter */
    b = (buf){0};
    int nf = 20000 / RV_SCALE;
    for (int i = 0; i < nf; i++) {
        snprintf(line, sizeof line, "def f%d(x):\n    return x + %d\n\n", i, i);
        puts_(&b, line);
    }
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "many.py", b.p, b.n, &p), RV_OK);
    RV_CHECK_EQ_INT(l.count, nf);
    snprintf(line, sizeof line, "f%d", nf - 1);
    RV_CHECK((int)l.count == nf && !strcmp(l.items[nf - 1].name, line) &&
             l.items[nf - 1].start_line == 3 * nf - 2);
    rv_chunk_list_free(&l);
    free(b.p);
}

/* Found by fuzz_chunk: when a window is split on the token limit, its last
 * piece starts after the next (overlapping) window; output stays sorted. */
RV_TEST(split_windows_stay_sorted_regression) {
    buf b = {0};
    for (int i = 0; i < 12; i++)
        puts_(&b, i == 5 ? "a long line that alone nearly fills the whole budget of one chunk, "
                           "more or less\n"
                         : "short\n");
    rv_chunk_list l = {0};
    rv_chunk_params p = params(40);
    p.window_lines = 6;
    p.window_overlap = 2;
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "w.txt", b.p, b.n, &p), RV_OK);
    RV_CHECK(l.count >= 4);
    for (size_t i = 1; i < l.count; i++)
        RV_CHECK(l.items[i - 1].start_line <= l.items[i].start_line);
    rv_chunk_list_free(&l);
    free(b.p);
}

RV_TEST(deep_nesting_does_not_overflow) {
    size_t depth = 100000 / RV_SCALE;
    char *d = malloc(2 * depth + 16);
    memcpy(d, "x = ", 4);
    memset(d + 4, '[', depth);
    memset(d + 4 + depth, ']', depth);
    memcpy(d + 4 + 2 * depth, ";\n", 2);
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "deep.js", d, 2 * depth + 6, &p), RV_OK);
    RV_CHECK(l.count > 0);
    rv_chunk_list_free(&l);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "deep.py", d, 2 * depth + 6, &p), RV_OK);
    rv_chunk_list_free(&l);
    free(d);
}

RV_TEST(empty_blank_and_append) {
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "e.py", "", 0, &p), RV_OK);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "e.py", NULL, 0, &p), RV_OK);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "b.py", "\n\n  \n", 5, &p), RV_OK);
    RV_CHECK_EQ_INT(l.count, 0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "a.py", k_py, strlen(k_py), &p), RV_OK);
    size_t one = l.count;
    RV_CHECK(one >= 3);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "a.py", k_py, strlen(k_py), NULL), RV_OK);
    RV_CHECK_EQ_INT(l.count, 2 * one);
    /* a tiny file with no definitions still comes back as text */
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "t.py", "x = 1\n", 6, &p), RV_OK);
    RV_CHECK_EQ_INT(l.count, 2 * one + 1);
    RV_CHECK_EQ_INT(rv_chunk_file(NULL, "t.py", "x", 1, &p), RV_ERR_INVALID_ARG);
    rv_chunk_list_free(&l);
    RV_CHECK(l.items == NULL && l.count == 0);
    rv_chunk_list_free(NULL);
    rv_chunk_clear(NULL);
}

RV_TEST(embed_text_header_and_copy) {
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "pkg/a.py", k_py, strlen(k_py), &p), RV_OK);
    const rv_chunk *g = find(&l, "gamma");
    RV_CHECK(g != NULL);
    if (g) {
        const char *want = "path: pkg/a.py\nmethod Beta.gamma\n    def gamma(self):\n"
                           "        return 2";
        RV_CHECK_STR(g->embed_text, want);
        rv_chunk c;
        RV_CHECK_EQ_INT(rv_chunk_copy(&c, g), RV_OK);
        RV_CHECK(c.content != g->content);
        RV_CHECK_STR(c.content, g->content);
        RV_CHECK_STR(c.scope, "Beta");
        RV_CHECK(c.language == g->language);
        rv_chunk_clear(&c);
        RV_CHECK(c.content == NULL);
    }
    rv_chunk_list_free(&l);
    /* a very long path keeps its tail and the header stays short */
    char path[600];
    memset(path, 'd', sizeof path);
    for (int i = 50; i < 580; i += 50)
        path[i] = '/';
    memcpy(path + 580, "/file_name.py", 14);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, path, k_py, strlen(k_py), &p), RV_OK);
    RV_CHECK(l.count > 0);
    if (l.count) {
        const char *e = l.items[0].embed_text, *nl = strchr(e, '\n');
        RV_CHECK(nl && nl - e < 120);
        RV_CHECK(strstr(e, "file_name.py\n") != NULL);
        RV_CHECK_STR(l.items[0].path, path);
    }
    rv_chunk_list_free(&l);
}

RV_TEST(shebang_picks_language) {
    const char *src = "#!/usr/bin/env python3\n\ndef main():\n    pass\n";
    rv_chunk_list l = {0};
    rv_chunk_params p = params(0);
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "bin/tool", src, strlen(src), &p), RV_OK);
    RV_CHECK(find(&l, "main") != NULL);
    RV_CHECK(l.count && !strcmp(l.items[0].language, "python"));
    rv_chunk_list_free(&l);
}

typedef struct job {
    size_t count;
    int ok;
} job;

static void *chunk_many(void *arg) {
    job *j = arg;
    rv_chunk_params p = params(0);
    static const char *const files[] = {"sample.py", "sample.go", "sample.rs", "sample.ts",
                                        "sample.cs", "sample.kt", "sample.cpp"};
    j->ok = 1;
    for (int round = 0; round < 5; round++)
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
            char path[128];
            snprintf(path, sizeof path, "tests/data/chunk/%s", files[i]);
            FILE *f = fopen(path, "rb");
            if (!f) {
                j->ok = 0;
                continue;
            }
            char data[8192];
            size_t n = fread(data, 1, sizeof data, f);
            fclose(f);
            rv_chunk_list l = {0};
            if (rv_chunk_file(&l, files[i], data, n, &p) != RV_OK) j->ok = 0;
            j->count += l.count;
            rv_chunk_list_free(&l);
        }
    return NULL;
}

RV_TEST(concurrent_calls_agree) {
    job solo = {0, 0};
    chunk_many(&solo);
    RV_CHECK(solo.ok && solo.count > 0);
    pthread_t t[4];
    job jobs[4];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, chunk_many, &jobs[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        RV_CHECK(jobs[i].ok);
        RV_CHECK_EQ_INT(jobs[i].count, solo.count);
    }
}

int main(void) {
    RV_RUN(crlf_counts_one_line_end);
    RV_RUN(unknown_language_gets_windows);
    RV_RUN(top_level_code_between_definitions_gets_windows);
    RV_RUN(oversized_definition_is_split_within_limit);
    RV_RUN(token_counter_callback_bounds_chunks);
    RV_RUN(counts_that_add_up_give_the_same_chunks_for_fewer_counts);
    RV_RUN(invalid_utf8_and_nul_bytes);
    RV_RUN(long_unicode_name_keeps_the_header_valid);
    RV_RUN(utf16_with_bom_is_transcoded);
    RV_RUN(huge_single_line_is_cut_within_limit);
    RV_RUN(minified_one_line_js_stays_linear);
    RV_RUN(two_hundred_thousand_lines);
    RV_RUN(split_windows_stay_sorted_regression);
    RV_RUN(deep_nesting_does_not_overflow);
    RV_RUN(empty_blank_and_append);
    RV_RUN(embed_text_header_and_copy);
    RV_RUN(shebang_picks_language);
    RV_RUN(concurrent_calls_agree);
    return rv_test_summary();
}
