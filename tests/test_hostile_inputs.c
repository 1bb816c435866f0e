/*
 * Malformed inputs through the CLI: a corrupt model directory, a broken
 * index file, malformed JSON Lines for `ripvec embed`. Each must give a clear
 * one-line error and exit 2, or (the index) be reported in one line and
 * rebuilt with the search still answering.
 *
 * Env: RIPVEC_BIN (the binary), RIPVEC_TEST_MODEL (model dir, else the cache
 * default).
 */
#include "test_hostile_common.h"

static char g_dir[256], g_tree[300], g_cache[300];
static const char *g_bin, *g_model;

enum { TIMEOUT_S = 240 };

/* stderr is exactly one non-empty "ripvec: ..." line. */
static int one_line(const hc_run *r) {
    return r->err_len > 9 && strncmp(r->err, "ripvec: ", 8) == 0 &&
           strchr(r->err, '\n') == r->err + r->err_len - 1;
}

static void run(hc_run *r, char *const argv[], const char *stdin_path) {
    hc_run_cmd(r, g_dir, argv, NULL, stdin_path, TIMEOUT_S);
}

/* ---- corrupt model directories ---- */

/* A copy of the real model dir made of symlinks, one file of which the
 * caller then replaces. */
static void model_copy(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/model-%s", g_dir, name);
    mkdir(out, 0755);
    DIR *d = opendir(g_model);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char src[4400], dst[4400];
        snprintf(src, sizeof src, "%s/%s", g_model, e->d_name);
        snprintf(dst, sizeof dst, "%s/%s", out, e->d_name);
        RV_CHECK(symlink(src, dst) == 0);
    }
    if (d) closedir(d);
}

static void model_replace(const char *dir, const char *file, const void *data, size_t len) {
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    unlink(p);
    RV_CHECK(hc_write(p, data, len) == 0);
}

/* The first `len` bytes of the real weights. */
static void truncated_weights(const char *dir, size_t len) {
    char src[4400];
    snprintf(src, sizeof src, "%s/model.safetensors", g_model);
    char *head = malloc(len);
    FILE *f = fopen(src, "rb");
    size_t got = f && head ? fread(head, 1, len, f) : 0;
    if (f) fclose(f);
    RV_CHECK(got == len);
    model_replace(dir, "model.safetensors", head, got);
    free(head);
}

static void expect_model_error(const char *what, const char *dir) {
    hc_run r;
    char *search[] = {(char *)g_bin,
                      (char *)"--model",
                      (char *)dir,
                      (char *)"--no-index",
                      (char *)"retry with backoff",
                      g_tree,
                      NULL};
    run(&r, search, NULL);
    RV_CHECK_MSG(r.code == 2 && !r.timed_out, "%s: search exit %d", what, r.code);
    RV_CHECK_MSG(one_line(&r), "%s: search stderr is not one line: [%s]", what, r.err);
    printf("  %-28s search: %s", what, r.err);
    hc_run_free(&r);

    char in[400];
    snprintf(in, sizeof in, "%s/one.jsonl", g_dir);
    hc_puts(in, "\"hello world\"\n");
    char *embed[] = {(char *)g_bin, (char *)"embed", (char *)"--model", (char *)dir, NULL};
    run(&r, embed, in);
    RV_CHECK_MSG(r.code == 2 && !r.timed_out, "%s: embed exit %d", what, r.code);
    RV_CHECK_MSG(one_line(&r), "%s: embed stderr is not one line: [%s]", what, r.err);
    RV_CHECK_EQ_INT(r.out_len, 0);
    hc_run_free(&r);
}

RV_TEST(corrupt_model_dirs_fail_in_one_line) {
    char dir[400];
    model_copy(dir, sizeof dir, "trunc-data");
    truncated_weights(dir, 200000); /* header intact, tensors cut short */
    expect_model_error("truncated weights", dir);

    model_copy(dir, sizeof dir, "trunc-header");
    truncated_weights(dir, 5);
    expect_model_error("5-byte weights", dir);

    model_copy(dir, sizeof dir, "huge-header");
    static const unsigned char huge[] = {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
    model_replace(dir, "model.safetensors", huge, sizeof huge);
    expect_model_error("header length 2^63", dir);

    model_copy(dir, sizeof dir, "garbage-config");
    unsigned char junk[777];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 131u + 7u);
    model_replace(dir, "config.json", junk, sizeof junk);
    expect_model_error("garbage config.json", dir);

    model_copy(dir, sizeof dir, "bad-heads");
    static const char bad_heads[] =
        "{\"model_type\":\"bert\",\"hidden_size\":385,\"num_attention_heads\":12,"
        "\"num_hidden_layers\":6,\"intermediate_size\":1536,\"vocab_size\":30522,"
        "\"max_position_embeddings\":512,\"hidden_act\":\"gelu\"}";
    model_replace(dir, "config.json", bad_heads, sizeof bad_heads - 1);
    expect_model_error("hidden 385 / 12 heads", dir);

    model_copy(dir, sizeof dir, "garbage-tokenizer");
    model_replace(dir, "tokenizer.json", junk, sizeof junk);
    expect_model_error("garbage tokenizer.json", dir);

    model_copy(dir, sizeof dir, "weights-dir");
    char p[4400];
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    unlink(p);
    RV_CHECK(mkdir(p, 0755) == 0);
    expect_model_error("weights are a directory", dir);

    snprintf(dir, sizeof dir, "%s/model-empty", g_dir);
    mkdir(dir, 0755);
    expect_model_error("empty directory", dir);
}

/* ---- a broken index file ---- */

static char g_found[4096];
static int find_sqlite(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    size_t n = strlen(p);
    if (flag == FTW_F && n > 7 && strcmp(p + n - 7, ".sqlite") == 0)
        snprintf(g_found, sizeof g_found, "%s", p);
    return 0;
}

static int has_result(const hc_run *r, const char *file) {
    return r->code == 0 && strstr(r->out, file) != NULL;
}

static void search_index(hc_run *r) {
    char *argv[] = {(char *)g_bin,
                    (char *)"--model",
                    (char *)g_model,
                    (char *)"--cache-dir",
                    g_cache,
                    (char *)"--json",
                    (char *)"-n",
                    (char *)"3",
                    (char *)"compute the CRC-32 checksum of a byte buffer",
                    g_tree,
                    NULL};
    run(r, argv, NULL);
}

static void index_status(hc_run *r) {
    char *argv[] = {(char *)g_bin,     (char *)"index", (char *)"status",
                    (char *)"--model", (char *)g_model, (char *)"--cache-dir",
                    g_cache,           g_tree,          NULL};
    run(r, argv, NULL);
}

typedef enum { GARBAGE_ALL, TRUNCATE_HALF, GARBAGE_MIDDLE, ZERO_HEADER } damage;

static void damage_index(const char *path, damage how) {
    size_t n = 0;
    char *data = hc_slurp(path, &n);
    RV_CHECK(n >= 8192);
    if (n < 8192) {
        free(data);
        return;
    }
    switch (how) {
    case GARBAGE_ALL:
        for (size_t i = 0; i < n; i++)
            data[i] = (char)(i * 2654435761u >> 13);
        break;
    case TRUNCATE_HALF: n = n / 2 + 100; break;
    case GARBAGE_MIDDLE: /* lands in a row, a b-tree page or free space */
        for (size_t i = n / 2; i < n / 2 + 4096; i++)
            data[i] = (char)(i * 40503u >> 7);
        break;
    case ZERO_HEADER: memset(data, 0, 100); break;
    }
    RV_CHECK(hc_write(path, data, n) == 0);
    free(data);
}

RV_TEST(broken_index_is_reported_and_rebuilt) {
    hc_run r;
    search_index(&r);
    RV_CHECK_MSG(has_result(&r, "checksum.c"), "first search: exit %d, out %s", r.code, r.out);
    hc_run_free(&r);
    g_found[0] = 0;
    nftw(g_cache, find_sqlite, 16, FTW_PHYS);
    RV_CHECK_MSG(g_found[0], "no .sqlite index under %s", g_cache);
    if (!g_found[0]) return;
    static const struct {
        damage how;
        const char *name;
        int must_note; /* damage SQLite cannot miss: a note is required */
    } cases[] = {{GARBAGE_ALL, "garbage over the whole file", 1},
                 {TRUNCATE_HALF, "truncated to half", 1},
                 {ZERO_HEADER, "zeroed header", 1},
                 {GARBAGE_MIDDLE, "garbage over the middle 4 KiB", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        damage_index(g_found, cases[i].how);
        search_index(&r);
        RV_CHECK_MSG(has_result(&r, "checksum.c"), "%s: exit %d, out [%s] err [%s]", cases[i].name,
                     r.code, r.out, r.err);
        int lines = hc_lines_with(r.err, "");
        int told = hc_lines_with(r.err, "rebuil");
        if (cases[i].must_note) {
            RV_CHECK_MSG(lines == 1 && told == 1 && one_line(&r), "%s: stderr [%s]", cases[i].name,
                         r.err);
        } else {
            RV_CHECK_MSG(lines <= 1 && (lines == 0 || one_line(&r)), "%s: stderr [%s]",
                         cases[i].name, r.err);
        }
        printf("  %-28s -> exit %d, %s", cases[i].name, r.code, lines ? r.err : "(silent)\n");
        hc_run_free(&r);
        index_status(&r);
        RV_CHECK_MSG(r.code == 0 && !strstr(r.out, "problem"), "%s: status after: %d [%s] [%s]",
                     cases[i].name, r.code, r.out, r.err);
        hc_run_free(&r);
    }
}

/* ---- malformed JSON Lines for ripvec embed ---- */

static void embed_input(hc_run *r, const void *data, size_t len) {
    char in[400];
    snprintf(in, sizeof in, "%s/in.jsonl", g_dir);
    RV_CHECK(hc_write(in, data, len) == 0);
    char *argv[] = {(char *)g_bin,
                    (char *)"embed",
                    (char *)"--model",
                    (char *)g_model,
                    (char *)"--threads",
                    (char *)"1",
                    in,
                    NULL};
    run(r, argv, NULL);
}

RV_TEST(embed_malformed_lines_name_the_line) {
    static const struct {
        const char *in;
        const char *where; /* ":N:" the error must name */
    } cases[] = {
        {"\"fine\"\n{\"text\":\"ok\"}\n{\"text\": 5}\n", ":3:"},
        {"\"a\"\n\n{bad json\n\"b\"\n", ":3:"},
        {"\"a\"\n{\"text\": \"abc", ":2:"},
        {"[1,2,3]\n", ":1:"},
        {"\"a\"\n\"b\"\nnull\n", ":3:"},
        {"{\"texts\":\"wrong key\"}\n", ":1:"},
        {"\"a\"\n\xff\xfe\xfd\n", ":2:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_run r;
        embed_input(&r, cases[i].in, strlen(cases[i].in));
        RV_CHECK_MSG(r.code == 2 && one_line(&r) && strstr(r.err, cases[i].where),
                     "case %zu: exit %d, stderr [%s]", i, r.code, r.err);
        RV_CHECK_MSG(r.out_len == 0, "case %zu: output before the error", i);
        hc_run_free(&r);
    }
    /* Odd but valid: no crash; NUL inside a line; invalid UTF-8 in a string;
     * a 2 MB text (truncated to the model's limit). */
    static const char nul[] = "\"ab\0cd\"\n\"x\"\n";
    hc_run r;
    embed_input(&r, nul, sizeof nul - 1);
    RV_CHECK_MSG((r.code == 0 || (r.code == 2 && one_line(&r))) && !r.timed_out,
                 "NUL line: exit %d [%s]", r.code, r.err);
    hc_run_free(&r);
    embed_input(&r, "\"\xff\xfe \xc3\x28\"\n", 8);
    RV_CHECK_MSG(r.code == 0 && hc_lines_with(r.out, "embedding") == 1,
                 "invalid UTF-8 text: exit %d [%s]", r.code, r.err);
    hc_run_free(&r);
    size_t big = 2u << 20;
    char *line = malloc(big + 4);
    RV_CHECK(line != NULL);
    if (!line) return;
    line[0] = '"';
    for (size_t i = 1; i <= big; i++)
        line[i] = "retry backoff "[i % 14];
    line[big + 1] = '"';
    line[big + 2] = '\n';
    embed_input(&r, line, big + 3);
    RV_CHECK_MSG(r.code == 0 && hc_lines_with(r.out, "embedding") == 1, "2 MB text: exit %d [%s]",
                 r.code, r.err);
    printf("  2 MB text embedded in %.1fs\n", r.seconds);
    hc_run_free(&r);
    free(line);
}

int main(void) {
    g_bin = hc_bin();
    g_model = hc_model_dir();
    if (!g_bin || !g_model) {
        printf("FAIL setup: %s\n0 passed, 1 failed\n",
               !g_bin ? "RIPVEC_BIN is not set to an executable"
                      : "the model is missing (RIPVEC_TEST_MODEL or cache)");
        return 1;
    }
    snprintf(g_dir, sizeof g_dir, "/tmp/rvinputs-XXXXXX");
    if (!mkdtemp(g_dir)) return 1;
    snprintf(g_tree, sizeof g_tree, "%s/tree", g_dir);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_dir);
    mkdir(g_tree, 0755);
    mkdir(g_cache, 0755);
    char p[400];
    snprintf(p, sizeof p, "%s/checksum.c", g_tree);
    hc_puts(p, "#include <stdint.h>\n#include <stddef.h>\n\n"
               "uint32_t crc32_checksum(const uint8_t *buf, size_t len) {\n"
               "    uint32_t crc = 0xFFFFFFFFu;\n"
               "    for (size_t i = 0; i < len; i++) {\n        crc ^= buf[i];\n"
               "        for (int k = 0; k < 8; k++)\n"
               "            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));\n    }\n"
               "    return ~crc;\n}\n");
    snprintf(p, sizeof p, "%s/server.py", g_tree);
    hc_puts(p, "import socket\n\n\ndef serve_forever(port):\n    s = socket.socket()\n"
               "    s.bind(('', port))\n    s.listen()\n    while True:\n"
               "        conn, _ = s.accept()\n        conn.close()\n");
    snprintf(p, sizeof p, "%s/README.md", g_tree);
    hc_puts(p, "# Tools\n\nA checksum helper and a tiny server.\n");

    RV_RUN(corrupt_model_dirs_fail_in_one_line);
    RV_RUN(broken_index_is_reported_and_rebuilt);
    RV_RUN(embed_malformed_lines_name_the_line);
    hc_rmtree(g_dir);
    return rv_test_summary();
}
