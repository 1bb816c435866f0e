/*
 * libFuzzer target: a damaged index file on disk, opened through the public
 * index API (ripvec/index.h). The promise under test: a garbage, truncated
 * or bit-flipped index is an error or a rebuild, never a crash, a hang, or a
 * wrong answer.
 *
 * At start-up a valid index of a small scratch tree is built with a fake
 * embedder; its bytes are the template. The first input byte picks what the
 * rest is:
 *   bit 0 = 0: the index file's whole contents (raw garbage, or a mutated
 *              seed from fuzz/corpus/fuzz_index_open/);
 *   bit 0 = 1: patches over the template, so the mutations land inside a
 *              structurally valid SQLite file: records of
 *              [3-byte offset][1-byte len][len bytes] overwrite, and a
 *              record with len 0 truncates the file at that offset;
 *   bit 1 = 1: (raw mode) the bytes become the "-wal" file next to an
 *              intact template instead;
 *   bit 2 = 1: (raw mode, before bit 1) the bytes become the corpus
 *              snapshot "<index>.corpus" next to an intact template, with
 *              the template's generation written in (so they get past the
 *              staleness check); bit 3 also re-seals their checksum so the
 *              mutations reach the checks behind it;
 *   bit 4 = 1: the tree is left as indexed; otherwise (and unless bit 2)
 *              one file is touched first, so the update writes.
 * Then, for each input:
 *   1. rv_index_open(INSPECT) + rv_index_status + rv_index_corpus may fail,
 *      but only with a one-line message;
 *   2. rv_index_open(OPEN) + rv_index_update must succeed (a newer format
 *      may be refused with RV_ERR_UNSUPPORTED), and the corpus afterwards
 *      must equal the one built from scratch: nothing lost, nothing stale;
 *   3. a fresh read-only handle reads the same corpus back from disk;
 *   4. a second update, which takes the corpus snapshot written by the
 *      first ("<index>.corpus"), gives the same corpus again.
 * Each input starts without a snapshot: one made from the intact template
 * would (rightly) be taken for it, leaving the damage unseen until a write.
 * A snapshot input whose checksum holds is as good as one ripvec wrote, so
 * for it the corpus may differ; it must still load without a crash or an
 * out-of-bounds string (ASan), or be refused. Any other snapshot input must
 * be refused: the corpus equals the template's.
 */
#include "fuzz_files.h"
#include "ripvec/index.h"

#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define DIM 8
#define MODEL_ID "fuzz-fake-model"

static char g_dir[64], g_root[96], g_cache[96];
static char *g_db;                /* the index file's path */
static char g_wal[4200];          /* g_db + "-wal" */
static unsigned char *g_template; /* a valid index file */
static size_t g_template_len;
static char g_snap[4200];          /* g_db + ".corpus" */
static unsigned char *g_snap_good; /* the snapshot the template's update wrote */
static size_t g_snap_good_len;
static uint64_t g_expect; /* digest of the corpus built from scratch */
static size_t g_expect_n; /* its chunk count */

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
        norm = sqrtf(norm);
        for (int k = 0; k < DIM; k++)
            out[i * DIM + k] /= norm > 0 ? norm : 1;
    }
    return RV_OK;
}

static void check_note(void *user, const char *msg) {
    (void)user;
    if (!msg || !*msg || strchr(msg, '\n')) abort(); /* notes are one line */
}

static rv_index_params params(rv_index_mode mode) {
    rv_index_params p = rv_index_default_params();
    p.root = g_root;
    p.cache_dir = g_cache;
    p.model_id = MODEL_ID;
    p.dim = DIM;
    p.embed = fake_embed;
    p.note = check_note;
    p.mode = mode;
    return p;
}

static struct timespec g_old; /* the tree's mtime: an hour before start-up */

/* Sets a tree file's mtime to g_old, or to now. */
static void set_mtime(const char *rel, int old) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_root, rel);
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    if (old) ts[0] = g_old;
    ts[1] = ts[0];
    if (utimensat(AT_FDCWD, path, ts, 0) != 0) abort();
}

/* Writes a tree file, an hour old: a settled tree, whose update writes
 * nothing and leaves a corpus snapshot. */
static void put(const char *rel, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_root, rel);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) abort();
    set_mtime(rel, 1);
}

static uint64_t digest_str(uint64_t h, const char *s) {
    return XXH3_64bits_withSeed(s ? s : "", s ? strlen(s) + 1 : 0, h);
}

/* Order-sensitive digest of everything a search reads from the corpus. */
static uint64_t digest(const rv_corpus *c) {
    uint64_t h = c->chunks.count;
    for (size_t i = 0; i < c->chunks.count; i++) {
        const rv_chunk *k = &c->chunks.items[i];
        int lines[2] = {k->start_line, k->end_line};
        h = XXH3_64bits_withSeed(lines, sizeof lines, h);
        h = digest_str(h, k->path);
        h = digest_str(h, k->kind);
        h = digest_str(h, k->name);
        h = digest_str(h, k->scope);
        h = digest_str(h, k->language);
        h = digest_str(h, k->content);
        h = digest_str(h, k->embed_text);
    }
    if (c->chunks.count && c->vectors)
        h = XXH3_64bits_withSeed(c->vectors, c->chunks.count * c->dim * sizeof(float), h);
    return h;
}

static void remove_index_files(void) {
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal", ".corpus"};
    char path[4300];
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(path, sizeof path, "%s%s", g_db, sfx[i]);
        unlink(path);
    }
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void cleanup(void) {
    nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const void *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || close(fd) != 0) abort();
}

/* With $env set, writes `data` behind the mode byte as a seed input there. */
static void write_seed(const char *env, unsigned char mode, const unsigned char *data, size_t len) {
    const char *out = getenv(env);
    if (!out || !*out) return;
    unsigned char *raw = malloc(len + 1);
    if (!raw) abort();
    raw[0] = mode;
    memcpy(raw + 1, data, len);
    write_file(out, raw, len + 1);
    free(raw);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/rvfz-idx-XXXXXX", base);
    if (!mkdtemp(g_dir)) abort();
    atexit(cleanup);
    snprintf(g_root, sizeof g_root, "%s/tree", g_dir);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_dir);
    if (mkdir(g_root, 0755) || mkdir(g_cache, 0755)) abort();
    clock_gettime(CLOCK_REALTIME, &g_old);
    g_old.tv_sec -= 3600;
    put("retry.py", "import time\n\n\ndef retry_with_backoff(fn, tries=5):\n"
                    "    for i in range(tries):\n        try:\n            return fn()\n"
                    "        except OSError:\n            time.sleep(2 ** i)\n\n\n"
                    "class Cache:\n    def get(self, key):\n        return self.d.get(key)\n");
    put("parse.c", "#include <stdlib.h>\n\nint parse_int(const char *s) {\n"
                   "    return atoi(s);\n}\n\nstatic void free_all(void **p, int n) {\n"
                   "    for (int i = 0; i < n; i++) free(p[i]);\n}\n");
    put("NOTES.md", "# Notes\n\nThe index keeps chunks and vectors.\n\n## Second\n\nMore.\n");

    rv_index_params p = params(RV_INDEX_OPEN);
    if (rv_index_locate(&g_db, MODEL_ID, &p) != RV_OK) abort();
    snprintf(g_wal, sizeof g_wal, "%s-wal", g_db);
    snprintf(g_snap, sizeof g_snap, "%s.corpus", g_db);
    rv_index *idx = NULL;
    rv_index_stats stats;
    if (rv_index_open(&idx, NULL, &p) != RV_OK ||
        rv_index_update(idx, NULL, NULL, NULL, NULL, &stats) != RV_OK) {
        fprintf(stderr, "fuzz_index_open: cannot build the template: %s\n", rv_error_last());
        abort();
    }
    rv_index_close(idx);
    /* A fresh handle reads the corpus back from disk, as a later run does. */
    rv_corpus c = {0};
    if (rv_index_open(&idx, NULL, &p) != RV_OK || rv_index_corpus(idx, &c) != RV_OK) abort();
    g_expect = digest(&c);
    g_expect_n = c.chunks.count;
    if (g_expect_n < 3) abort();
    rv_corpus_free(&c);
    rv_index_close(idx);
    /* The index keeps its WAL file between runs, emptied by the checkpoint
     * at close: anything left in it means the template is incomplete. */
    struct stat wsb;
    if (stat(g_wal, &wsb) == 0 && wsb.st_size > 0) {
        fprintf(stderr, "fuzz_index_open: a WAL outlived close; template incomplete\n");
        abort();
    }
    g_template = rv_fuzz_read(g_db, 1, &g_template_len);
    /* The snapshot the first update wrote: its header carries the
     * generation every snapshot input gets. */
    g_snap_good = rv_fuzz_read(g_snap, 128, &g_snap_good_len);
    /* The templates, when asked to, become seeds (how
     * fuzz/corpus/fuzz_index_open/ was made). */
    write_seed("RIPVEC_FUZZ_WRITE_SEED", 0, g_template, g_template_len);
    write_seed("RIPVEC_FUZZ_WRITE_SNAPSHOT_SEED", 4, g_snap_good, g_snap_good_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    uint8_t mode = data[0];
    data++, size--;
    remove_index_files();
    /* Unless the input says the tree is settled (and always for a snapshot
     * input, which a write would make stale), one file was just touched:
     * step 2 then re-reads it and writes (a heal, a new generation) into
     * whatever damage there is. */
    set_mtime("retry.py", (mode & 4) || (mode & 16));
    int sealed = 0; /* a snapshot input that passes its checksum */
    if (mode & 1) {
        size_t len;
        unsigned char *buf = rv_fuzz_patched(g_template, g_template_len, data, size, &len);
        write_file(g_db, buf, len);
        free(buf);
    } else if (mode & 4) {
        write_file(g_db, g_template, g_template_len);
        unsigned char *snap = malloc(size ? size : 1);
        if (!snap) abort();
        if (size) memcpy(snap, data, size);
        if (size >= 24) memcpy(snap + 16, g_snap_good + 16, 8); /* generation */
        if (size >= 128) {
            uint64_t h = XXH3_64bits(snap + 128, size - 128);
            if (mode & 8) memcpy(snap + 96, &h, 8); /* body hash */
            sealed = memcmp(snap + 96, &h, 8) == 0;
        }
        write_file(g_snap, snap, size);
        free(snap);
    } else if (mode & 2) {
        write_file(g_db, g_template, g_template_len);
        write_file(g_wal, data, size);
    } else {
        write_file(g_db, data, size);
    }

    /* 1. read-only inspection: any outcome but a crash, errors explained. */
    rv_index_params p = params(RV_INDEX_INSPECT);
    rv_index *idx = NULL;
    rv_status st = rv_index_open(&idx, NULL, &p);
    if (st != RV_OK) {
        if (idx || !rv_error_last()[0]) abort();
    } else {
        rv_index_info info;
        if (rv_index_status(idx, &info) == RV_OK && !info.consistent && !info.problem[0]) abort();
        rv_corpus c = {0};
        st = rv_index_corpus(idx, &c);
        if (st == RV_OK && c.chunks.count && (!c.vectors || !c.dim)) abort();
        if (st != RV_OK && !rv_error_last()[0]) abort();
        rv_corpus_free(&c);
        rv_index_close(idx);
    }

    /* 2. the normal path repairs whatever it finds. */
    p = params(RV_INDEX_OPEN);
    idx = NULL;
    st = rv_index_open(&idx, NULL, &p);
    if (st == RV_ERR_UNSUPPORTED) return 0; /* a "newer format" is refused, by design */
    if (st != RV_OK) {
        fprintf(stderr, "open did not repair: %s\n", rv_error_last());
        abort();
    }
    rv_index_stats stats;
    if ((st = rv_index_update(idx, NULL, NULL, NULL, NULL, &stats)) != RV_OK) {
        fprintf(stderr, "update did not repair: %s\n", rv_error_last());
        abort();
    }
    rv_corpus c = {0};
    if ((st = rv_index_corpus(idx, &c)) != RV_OK) {
        fprintf(stderr, "corpus after update: %s\n", rv_error_last());
        abort();
    }
    if (c.chunks.count && (!c.vectors || c.dim != DIM)) abort();
    uint64_t got = digest(&c); /* reads every string: ASan checks their bounds */
    if (!sealed && (c.chunks.count != g_expect_n || got != g_expect)) {
        fprintf(stderr, "corpus after repair differs: %zu chunks, want %zu\n", c.chunks.count,
                g_expect_n);
        abort();
    }
    rv_corpus_free(&c);
    rv_index_close(idx);

    /* 3. and what it wrote reads back the same in a new handle. */
    p = params(RV_INDEX_INSPECT);
    if (rv_index_open(&idx, NULL, &p) != RV_OK || rv_index_corpus(idx, &c) != RV_OK) {
        fprintf(stderr, "reading the repaired index: %s\n", rv_error_last());
        abort();
    }
    if (c.chunks.count != g_expect_n || digest(&c) != g_expect) {
        fprintf(stderr, "repaired index reads back different: %zu chunks, want %zu\n",
                c.chunks.count, g_expect_n);
        abort();
    }
    rv_corpus_free(&c);
    rv_index_close(idx);

    /* 4. the snapshot the repair left reads back the same. */
    p = params(RV_INDEX_OPEN);
    if (rv_index_open(&idx, NULL, &p) != RV_OK ||
        rv_index_update(idx, NULL, NULL, NULL, NULL, &stats) != RV_OK ||
        rv_index_corpus(idx, &c) != RV_OK) {
        fprintf(stderr, "second update: %s\n", rv_error_last());
        abort();
    }
    got = digest(&c);
    if (!sealed && (c.chunks.count != g_expect_n || got != g_expect)) {
        fprintf(stderr, "second update reads back different: %zu chunks, want %zu\n",
                c.chunks.count, g_expect_n);
        abort();
    }
    rv_corpus_free(&c);
    rv_index_close(idx);
    return 0;
}
