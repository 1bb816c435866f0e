/*
 * Regression (found by fuzz/fuzz_index_open.c): an index file whose SQLite
 * header says "schema format 5" (4 bytes at offset 44; SQLite knows 1-4) made
 * every open fail with "PRAGMA journal_mode=WAL: unsupported file format"
 * (exit 2 on every search, forever) instead of being reported and rebuilt
 * as index.h promises for a corrupt file. SQLite reports it as SQLITE_ERROR,
 * not SQLITE_CORRUPT/NOTADB, so the corruption path never ran.
 *
 * The neighbouring read/write version bytes (offsets 18/19; SQLite answers
 * "file is not a database" past 2) are pinned too.
 */
#include "ripvec/index.h"
#include "test_hostile_common.h"

#include <math.h>
#include <xxhash.h>

#define DIM 4

static rv_status fake_embed(void *user, const char *const *texts, const size_t *lens, size_t n,
                            float *out) {
    (void)user;
    for (size_t i = 0; i < n; i++) {
        size_t len = lens ? lens[i] : strlen(texts[i]);
        float norm = 0;
        for (int k = 0; k < DIM; k++) {
            uint64_t h = XXH3_64bits_withSeed(texts[i], len, (uint64_t)k + 1);
            out[i * DIM + k] = (float)((double)(h >> 11) / 9007199254740992.0) - 0.5f;
            norm += out[i * DIM + k] * out[i * DIM + k];
        }
        for (int k = 0; k < DIM; k++)
            out[i * DIM + k] /= norm > 0 ? sqrtf(norm) : 1;
    }
    return RV_OK;
}

static int g_notes;
static void count_note(void *user, const char *msg) {
    (void)user;
    (void)msg;
    g_notes++;
}

static char g_dir[64], g_root[96], g_cache[96];

static rv_index_params params(void) {
    rv_index_params p = rv_index_default_params();
    p.root = g_root;
    p.cache_dir = g_cache;
    p.model_id = "regress-fake";
    p.dim = DIM;
    p.embed = fake_embed;
    p.note = count_note;
    return p;
}

/* Opens, updates and reads the corpus; returns the chunk count or -1. */
static long index_once(rv_status *open_st) {
    rv_index_params p = params();
    rv_index *idx = NULL;
    *open_st = rv_index_open(&idx, NULL, &p);
    if (*open_st != RV_OK) {
        printf("  open: %s\n", rv_error_last());
        return -1;
    }
    long n = -1;
    rv_corpus c = {0};
    if (rv_index_update(idx, NULL, NULL, NULL, NULL, NULL) == RV_OK &&
        rv_index_corpus(idx, &c) == RV_OK)
        n = (long)c.chunks.count;
    else
        printf("  update/corpus: %s\n", rv_error_last());
    rv_corpus_free(&c);
    rv_index_close(idx);
    return n;
}

static void poke(const char *path, long off, const void *bytes, size_t n) {
    int fd = open(path, O_WRONLY);
    RV_CHECK(fd >= 0 && pwrite(fd, bytes, n, off) == (ssize_t)n);
    if (fd >= 0) close(fd);
}

static void damaged_header_is_rebuilt(const char *what, long off, const void *bytes, size_t n) {
    char *db = NULL;
    rv_index_params p = params();
    RV_CHECK(rv_index_locate(&db, "regress-fake", &p) == RV_OK);
    if (!db) return;
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) { /* each case starts from a fresh index */
        char side[4200];
        snprintf(side, sizeof side, "%s%s", db, sfx[i]);
        unlink(side);
    }
    rv_status st;
    long want = index_once(&st);
    RV_CHECK(want > 0);
    poke(db, off, bytes, n);
    g_notes = 0;
    long got = index_once(&st);
    RV_CHECK_MSG(st == RV_OK && got == want, "%s: open %d (%s), %ld chunks, want %ld", what, st,
                 rv_status_name(st), got, want);
    RV_CHECK_MSG(g_notes == 1, "%s: %d notes, want 1 (corrupt: rebuilding)", what, g_notes);
    free(db);
}

RV_TEST(index_header_schema_format_5_is_rebuilt) {
    static const unsigned char five[4] = {0, 0, 0, 5};
    damaged_header_is_rebuilt("schema format 5", 44, five, 4);
}

RV_TEST(index_header_read_version_3_is_rebuilt) {
    static const unsigned char three[2] = {3, 3};
    damaged_header_is_rebuilt("read/write version 3", 18, three, 2);
}

int main(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/rvregress-XXXXXX");
    if (!mkdtemp(g_dir)) return 1;
    snprintf(g_root, sizeof g_root, "%s/tree", g_dir);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_dir);
    mkdir(g_root, 0755);
    mkdir(g_cache, 0755);
    char p[200];
    snprintf(p, sizeof p, "%s/a.py", g_root);
    hc_puts(p, "def retry_with_backoff(fn):\n    return fn()\n\n\nclass Cache:\n"
               "    def get(self, key):\n        return self.d[key]\n");
    snprintf(p, sizeof p, "%s/b.c", g_root);
    hc_puts(p, "int parse_int(const char *s) {\n    return atoi(s);\n}\n");
    RV_RUN(index_header_schema_format_5_is_rebuilt);
    RV_RUN(index_header_read_version_3_is_rebuilt);
    hc_rmtree(g_dir);
    return rv_test_summary();
}
