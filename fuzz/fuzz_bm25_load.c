/*
 * libFuzzer target: a damaged saved keyword index (rv_bm25_load). The
 * promise under test: a garbage, truncated, bit-flipped or crafted file is
 * RV_ERR_CORRUPT / RV_ERR_NOT_FOUND with a message, or it loads and then
 * every rv_bm25_score stays inside the mapped arrays (ASan) and ends (no
 * endless probe in the term table).
 *
 * At start-up an index of a small synthetic corpus is built and saved; its
 * bytes are the template. The first input byte picks what the rest is:
 *   bit 0 = 0: the file's whole contents (raw bytes);
 *   bit 0 = 1: patches over the template: records of
 *              [3-byte offset][1-byte len][len bytes] overwrite, and a
 *              record with len 0 truncates the file at that offset;
 *   bit 1 = 1: the magic and the template's key are written over the first
 *              16 bytes (so raw inputs get past the key check);
 *   bit 2 = 1: the checksum is recomputed (so the mutations reach the
 *              bounds checks behind it).
 * A loaded index is scored with queries of the template's words and of the
 * input's own bytes, then updated to a changed corpus (rank/bm25_incr.c:
 * a document gone, one edited, one added) and scored again. The untouched
 * template must load and score exactly like the built index, and its
 * update like a build of the changed corpus.
 */
#include "fuzz_files.h"
#include "rank/bm25_incr.h"
#include "ripvec/rank.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NDOCS 24
#define HDR 96
#define HASH_AT 88

static char g_dir[64], g_path[96];
static unsigned char *g_template;
static size_t g_template_len;
static uint64_t g_key;
static rv_bm25 *g_built;
static float g_want[3][NDOCS];
/* the changed corpus: the template's chunks less the first, one edited,
 * one added; and its scores built from scratch */
static rv_chunk g_next[NDOCS];
static float g_want_next[3][NDOCS];
static const char *const g_queries[3] = {"parse config retry", "cache_get loadPath tokens",
                                         "nothing matches zzz"};

static void cleanup(void) {
    unlink(g_path);
    rmdir(g_dir);
    free(g_template);
    rv_bm25_free(g_built);
}

static void write_file(const void *d, size_t len) {
    int fd = open(g_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (len && write(fd, d, len) != (ssize_t)len) || close(fd) != 0) abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/rvfz-bm25-XXXXXX", base);
    if (!mkdtemp(g_dir)) abort();
    snprintf(g_path, sizeof g_path, "%s/x.bm25", g_dir);
    atexit(cleanup);
    static const char *const words[] = {"parse",  "config",     "retry", "cacheGet", "load_path",
                                        "tokens", "HTTPServer", "walk",  "index",    "score"};
    static char bodies[NDOCS][160], names[NDOCS][32], paths[NDOCS][32];
    rv_chunk cs[NDOCS];
    memset(cs, 0, sizeof cs);
    for (int i = 0; i < NDOCS; i++) {
        snprintf(bodies[i], sizeof bodies[i], "%s %s(%s) %s %d", words[i % 10],
                 words[(i * 3 + 1) % 10], words[(i * 7 + 2) % 10], words[(i + 5) % 10], i);
        snprintf(names[i], sizeof names[i], "%s%d", words[(i * 5) % 10], i % 4);
        snprintf(paths[i], sizeof paths[i], "src/%s.py", words[(i * 9) % 10]);
        cs[i].content = bodies[i];
        cs[i].name = names[i];
        cs[i].scope = (char *)"";
        cs[i].path = paths[i];
    }
    rv_bm25_params bp = rv_bm25_default_params();
    g_key = rv_bm25_key(cs, NDOCS, &bp);
    if (rv_bm25_build(&g_built, cs, NDOCS, &bp) != RV_OK || rv_bm25_save(g_built, g_key, g_path))
        abort();
    for (int q = 0; q < 3; q++)
        if (rv_bm25_score(g_built, g_queries[q], g_want[q]) != RV_OK) abort();
    memcpy(g_next, cs + 1, (NDOCS - 1) * sizeof *cs);
    g_next[5].content = (char *)"retry retry parse edited";
    g_next[NDOCS - 1] = cs[3];
    g_next[NDOCS - 1].content = (char *)"an added chunk: cacheGet tokens";
    rv_bm25 *next = NULL;
    if (rv_bm25_build(&next, g_next, NDOCS, &bp) != RV_OK) abort();
    for (int q = 0; q < 3; q++)
        if (rv_bm25_score(next, g_queries[q], g_want_next[q]) != RV_OK) abort();
    rv_bm25_free(next);
    g_template = rv_fuzz_read(g_path, HDR, &g_template_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t mode = data[0];
    data++, size--;
    unsigned char *buf;
    size_t len;
    if (mode & 1) {
        buf = rv_fuzz_patched(g_template, g_template_len, data, size, &len);
    } else {
        buf = malloc(size ? size : 1);
        if (!buf) abort();
        if (size) memcpy(buf, data, size);
        len = size;
    }
    if ((mode & 2) && len >= 16) {
        memcpy(buf, g_template, 8);
        memcpy(buf + 8, &g_key, 8);
    }
    if ((mode & 4) && len >= HDR) {
        uint64_t h = XXH3_64bits_withSeed(buf + HDR, len - HDR, XXH3_64bits(buf, HASH_AT));
        memcpy(buf + HASH_AT, &h, 8);
    }
    int changed = len != g_template_len || memcmp(buf, g_template, len) != 0;
    write_file(buf, len);
    rv_bm25 *bm = NULL;
    rv_status st = rv_bm25_load(&bm, g_key, g_path);
    if (st != RV_OK) {
        if (bm || !rv_error_last()[0] || (st != RV_ERR_CORRUPT && st != RV_ERR_NOT_FOUND)) abort();
        if (!changed) abort(); /* the template itself must load */
        free(buf);
        return 0;
    }
    size_t nd = rv_bm25_doc_count(bm);
    float *sc = malloc((nd ? nd : 1) * sizeof *sc);
    if (!sc) abort();
    for (int q = 0; q < 3; q++) {
        if (rv_bm25_score(bm, g_queries[q], sc) != RV_OK) abort();
        if (!changed && (nd != NDOCS || memcmp(sc, g_want[q], sizeof g_want[q]) != 0)) abort();
    }
    /* the input's bytes as a query: any term the table may hold */
    char *q = malloc(size + 1);
    if (!q) abort();
    if (size) memcpy(q, data, size);
    q[size] = '\0';
    if (rv_bm25_score(bm, q, sc) != RV_OK) abort();
    /* updated to the changed corpus: refused (other params, too much
     * changed) or an index that scores */
    rv_bm25 *up = NULL;
    float usc[NDOCS];
    st = rv_bm25_update(&up, bm, g_next, NDOCS, NULL, 1, NULL);
    if (st != RV_OK && (up || (st != RV_ERR_NOT_FOUND && st != RV_ERR_NOMEM))) abort();
    if (!changed && st != RV_OK) abort();
    for (int k = 0; up && k < 3; k++) {
        if (rv_bm25_score(up, g_queries[k], usc) != RV_OK) abort();
        if (!changed && memcmp(usc, g_want_next[k], sizeof usc) != 0) abort();
    }
    if (up && rv_bm25_score(up, q, usc) != RV_OK) abort();
    rv_bm25_free(up);
    free(q);
    free(sc);
    rv_bm25_free(bm);
    free(buf);
    return 0;
}
