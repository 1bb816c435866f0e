/*
 * tests/test_index_common.h — shared by the tests/test_index*.c binaries: a
 * scratch tree under mkdtemp, a fast deterministic fake embedder, and
 * corpus comparison.
 */
#ifndef RV_TEST_INDEX_COMMON_H
#define RV_TEST_INDEX_COMMON_H

#include "ripvec/index.h"
#include "rvtest.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#define FAKE_DIM 8

/* ---- fake embedder: vector = normalized hash bytes of the text ---- */

typedef struct fake_embedder {
    size_t calls, texts;    /* how much was asked */
    useconds_t delay_us;    /* per call, to widen kill windows */
    long crash_after_texts; /* >0: SIGKILL self once this many texts were embedded */
} fake_embedder;

static inline rv_status fake_embed(void *user, const char *const *texts, const size_t *lens,
                                   size_t n, float *out) {
    fake_embedder *fe = user;
    if (fe->delay_us) usleep(fe->delay_us);
    for (size_t i = 0; i < n; i++) {
        size_t len = lens ? lens[i] : strlen(texts[i]);
        float norm = 0;
        for (int k = 0; k < FAKE_DIM; k++) {
            uint64_t h = XXH3_64bits_withSeed(texts[i], len, (uint64_t)k + 1);
            float v = (float)((double)(h >> 11) / 9007199254740992.0) - 0.5f;
            out[i * FAKE_DIM + k] = v;
            norm += v * v;
        }
        norm = sqrtf(norm);
        for (int k = 0; k < FAKE_DIM; k++)
            out[i * FAKE_DIM + k] /= norm > 0 ? norm : 1;
    }
    fe->calls++;
    fe->texts += n;
    if (fe->crash_after_texts > 0 && (long)fe->texts >= fe->crash_after_texts) raise(SIGKILL);
    return RV_OK;
}

/* ---- scratch trees ---- */

typedef struct scratch {
    char dir[256];   /* mkdtemp */
    char root[300];  /* dir/tree: what gets indexed */
    char cache[300]; /* dir/cache */
} scratch;

static inline int scratch_open(scratch *s) {
    snprintf(s->dir, sizeof s->dir, "/tmp/rvidx-XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    snprintf(s->root, sizeof s->root, "%s/tree", s->dir);
    snprintf(s->cache, sizeof s->cache, "%s/cache", s->dir);
    return mkdir(s->root, 0755) || mkdir(s->cache, 0755) ? -1 : 0;
}

static inline int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void scratch_close(scratch *s) {
    nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void put_file(const scratch *s, const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void put_file(const scratch *s, const char *rel, const char *fmt, ...) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", s->root, rel);
    for (char *p = path + strlen(s->root) + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(path, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    if (!f) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

/* Sets a file's mtime `ago` seconds into the past (content untouched). */
static inline void age_file(const scratch *s, const char *rel, int ago) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", s->root, rel);
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= ago;
    ts[1] = ts[0];
    utimensat(AT_FDCWD, path, ts, 0);
}

static inline void age_tree(const scratch *s, const char *const *rels, size_t n, int ago) {
    for (size_t i = 0; i < n; i++)
        age_file(s, rels[i], ago);
}

static inline void del_file(const scratch *s, const char *rel) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", s->root, rel);
    unlink(path);
}

static inline void mv_file(const scratch *s, const char *from, const char *to) {
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/%s", s->root, from);
    snprintf(b, sizeof b, "%s/%s", s->root, to);
    rename(a, b);
}

/* A Python-ish source with n functions of 12 lines; `variant` changes one
 * constant in function `changed_fn` (same line count, so chunks elsewhere in
 * the file keep their text whether the chunker splits by definition or by
 * line windows). */
static inline void put_module(const scratch *s, const char *rel, int n, int changed_fn,
                              int variant) {
    char *buf = malloc((size_t)n * 512 + 64);
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(buf + len,
                               "def function_%d(x):\n"
                               "    \"\"\"Compute step %d of the pipeline.\"\"\"\n"
                               "    y = x * %d\n"
                               "    if y > 100:\n"
                               "        y = y - %d\n"
                               "    for k in range(3):\n"
                               "        y += k\n"
                               "    return y + %d\n"
                               "\n"
                               "\n"
                               "VALUE_%d = function_%d(%d)\n"
                               "\n",
                               i, i, i + 1, i * 7, i == changed_fn ? 1000 + variant : i, i, i, i);
    put_file(s, rel, "%s", buf);
    free(buf);
}

static inline rv_index_params params_for(const scratch *s, fake_embedder *fe) {
    rv_index_params p = rv_index_default_params();
    p.root = s->root;
    p.cache_dir = s->cache;
    p.model_id = "fake-model";
    p.dim = FAKE_DIM;
    p.embed = fake_embed;
    p.embed_user = fe;
    p.load_embed_text = 1;
    return p;
}

/* Opens, updates, closes; returns the update status. */
static inline rv_status index_once(const rv_index_params *p, rv_index_stats *stats,
                                   rv_corpus *corpus) {
    rv_index *idx = NULL;
    rv_status st = rv_index_open(&idx, NULL, p);
    if (st == RV_OK) st = rv_index_update(idx, NULL, NULL, NULL, NULL, stats);
    if (st == RV_OK && corpus) st = rv_index_corpus(idx, corpus);
    rv_index_close(idx);
    return st;
}

static inline int str_eq(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* 1 when both corpora hold the same chunks and vectors in the same order;
 * prints the first difference. */
static inline int corpus_equal(const rv_corpus *a, const rv_corpus *b) {
    if (a->chunks.count != b->chunks.count || a->dim != b->dim) {
        printf("  corpus sizes differ: %zu/%zu chunks, dim %zu/%zu\n", a->chunks.count,
               b->chunks.count, a->dim, b->dim);
        return 0;
    }
    for (size_t i = 0; i < a->chunks.count; i++) {
        const rv_chunk *x = &a->chunks.items[i], *y = &b->chunks.items[i];
        if (!str_eq(x->path, y->path) || x->start_line != y->start_line ||
            x->end_line != y->end_line || !str_eq(x->kind, y->kind) || !str_eq(x->name, y->name) ||
            !str_eq(x->scope, y->scope) || !str_eq(x->language, y->language) ||
            !str_eq(x->content, y->content) || !str_eq(x->embed_text, y->embed_text)) {
            printf("  chunk %zu differs: %s:%d vs %s:%d\n", i, x->path, x->start_line, y->path,
                   y->start_line);
            return 0;
        }
        if (memcmp(a->vectors + i * a->dim, b->vectors + i * b->dim, a->dim * sizeof(float))) {
            printf("  vector %zu differs (%s:%d)\n", i, x->path, x->start_line);
            return 0;
        }
    }
    return 1;
}

/* The corpus a from-scratch build of the same tree gives (own cache dir). */
static inline int fresh_corpus(const scratch *s, rv_corpus *out) {
    char cache[400];
    snprintf(cache, sizeof cache, "%s/fresh-XXXXXX", s->dir);
    if (!mkdtemp(cache)) return -1;
    fake_embedder fe = {0};
    rv_index_params p = params_for(s, &fe);
    p.cache_dir = cache;
    return index_once(&p, NULL, out) == RV_OK ? 0 : -1;
}

/* Collects notes into a buffer. */
typedef struct notes {
    char text[4096];
    int count;
} notes;

static inline void collect_note(void *user, const char *msg) {
    notes *n = user;
    size_t len = strlen(n->text);
    snprintf(n->text + len, sizeof n->text - len, "%s\n", msg);
    n->count++;
}

#endif
