/* The saved BM25F index (format 3, mapped in place): a round trip scores
 * exactly like the built index; another format version is stale; every
 * truncation, flipped byte and crafted out-of-range value (with its checksum
 * recomputed, so the bounds checks themselves are what refuse it) is
 * RV_ERR_CORRUPT; a loaded index's mapping goes away with it.
 *
 * The file layout is re-derived here from the format's description in
 * src/rank/bm25_io.c (a 96-byte header, then 8-aligned sections). */
#include "ripvec/rank.h"
#include "rvtest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/* ---- a synthetic corpus ---------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(uint32_t n) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *const stems[] = {
    "parse", "config", "retry",  "load",   "cache",  "token", "index", "search", "vector",
    "chunk", "file",   "path",   "buffer", "stream", "error", "query", "rank",   "score",
    "embed", "model",  "thread", "pool",   "lock",   "queue", "hash",  "table",  "walk"};
#define NSTEMS (sizeof stems / sizeof stems[0])

typedef struct corpus {
    rv_chunk *cs;
    char **strs; /* every string, for freeing */
    size_t n, nstrs;
} corpus;

static char *keep(corpus *c, char *s) {
    c->strs[c->nstrs++] = s;
    return s;
}

/* A word: a stem, sometimes camelCased or snake_cased with another and a
 * number, so the vocabulary runs into the thousands. */
static void word(char *out, size_t cap) {
    const char *a = stems[rnd(NSTEMS)], *b = stems[rnd(NSTEMS)];
    switch (rnd(4)) {
    case 0: snprintf(out, cap, "%s", a); break;
    case 1: snprintf(out, cap, "%s%c%s", a, b[0] - 32, b + 1); break;
    case 2: snprintf(out, cap, "%s_%s%u", a, b, rnd(40)); break;
    default: snprintf(out, cap, "%ss", a); break;
    }
}

static corpus make_corpus(size_t n) {
    corpus c;
    c.n = n;
    c.nstrs = 0;
    c.cs = calloc(n, sizeof *c.cs);
    c.strs = calloc(n * 4, sizeof *c.strs);
    for (size_t i = 0; i < n; i++) {
        char body[2048], w[64], name[64], path[96], scope[64];
        size_t len = 0, words = 5 + rnd(120);
        for (size_t k = 0; k < words && len + 80 < sizeof body; k++) {
            word(w, sizeof w);
            len +=
                (size_t)snprintf(body + len, sizeof body - len, "%s%s", w, rnd(8) ? " " : "(x);\n");
        }
        word(name, sizeof name);
        word(w, sizeof w);
        snprintf(path, sizeof path, "src/%s/%s_%zu.c", stems[rnd(NSTEMS)], w, i % 37);
        if (rnd(3))
            word(scope, sizeof scope);
        else
            scope[0] = '\0';
        rv_chunk *k = &c.cs[i];
        k->path = keep(&c, strdup(path));
        k->name = keep(&c, strdup(name));
        k->scope = keep(&c, strdup(scope));
        k->content = keep(&c, strdup(body));
        k->kind = (char *)"function";
        k->language = "c";
        k->start_line = (int)i * 10 + 1;
        k->end_line = (int)i * 10 + 9;
    }
    return c;
}

static void free_corpus(corpus *c) {
    for (size_t i = 0; i < c->nstrs; i++)
        free(c->strs[i]);
    free(c->strs);
    free(c->cs);
}

/* ---- the file, patched ----------------------------------------------------- */

enum {
    HDR = 96,
    H_NDOCS = 16,
    H_NTERMS = 24,
    H_CHARS = 32,
    H_NPOST = 40,
    H_TCAP = 48,
    H_HASH = 88
};
enum {
    S_TABLE,
    S_POST_OFF,
    S_POST,
    S_TERM_OFF,
    S_NORM0,
    S_NORM1,
    S_NORM2,
    S_TERM_LEN,
    S_CHARS,
    S_DOC_HASH,
    S_LEN0,
    S_LEN1,
    S_LEN2,
    NSEC
};

typedef struct file {
    unsigned char *b;
    size_t len;
    uint64_t ndocs, nterms, chars_len, npost, table_cap;
    size_t sec[NSEC + 1]; /* absolute offsets; sec[NSEC] = end */
    size_t bytes[NSEC];
} file;

static uint64_t get64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static void put64(unsigned char *p, uint64_t v) {
    memcpy(p, &v, 8);
}
static void put32(unsigned char *p, uint32_t v) {
    memcpy(p, &v, 4);
}

static int read_all(file *f, const char *path) {
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    fseek(fp, 0, SEEK_END);
    f->len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->b = malloc(f->len);
    int ok = f->b && fread(f->b, 1, f->len, fp) == f->len;
    fclose(fp);
    if (!ok || f->len < HDR) return 0;
    f->ndocs = get64(f->b + H_NDOCS);
    f->nterms = get64(f->b + H_NTERMS);
    f->chars_len = get64(f->b + H_CHARS);
    f->npost = get64(f->b + H_NPOST);
    f->table_cap = get64(f->b + H_TCAP);
    size_t by[NSEC] = {f->table_cap * 8, (f->nterms + 1) * 8, f->npost * 12,
                       f->nterms * 4,    f->ndocs * 4,        f->ndocs * 4,
                       f->ndocs * 4,     f->nterms * 2,       f->chars_len,
                       f->ndocs * 8,     f->ndocs * 4,        f->ndocs * 4,
                       f->ndocs * 4};
    size_t at = HDR;
    for (int i = 0; i < NSEC; i++) {
        f->sec[i] = at;
        f->bytes[i] = by[i];
        at += (by[i] + 7) / 8 * 8;
    }
    f->sec[NSEC] = at;
    return at == f->len;
}

static void write_all(const file *f, const char *path, size_t len) {
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fwrite(f->b, 1, len, fp);
        fclose(fp);
    }
}

/* Writes f with its payload checksum recomputed: damage that only the bounds
 * checks can see. */
static void write_resealed(file *f, const char *path) {
    uint64_t seed = XXH3_64bits(f->b, H_HASH); /* the header before the hash */
    put64(f->b + H_HASH, XXH3_64bits_withSeed(f->b + HDR, f->len - HDR, seed));
    write_all(f, path, f->len);
}

static int mapped(const char *path) {
    FILE *m = fopen("/proc/self/maps", "r");
    char line[4096];
    int found = 0;
    if (!m) return -1;
    while (fgets(line, sizeof line, m))
        if (strstr(line, path)) found = 1;
    fclose(m);
    return found;
}

/* Loads path with key; checks the status, that nothing is handed out on
 * failure and that no mapping stays behind. */
static rv_status try_load(const char *path, uint64_t key) {
    rv_bm25 *bm = (rv_bm25 *)(uintptr_t)1;
    rv_status st = rv_bm25_load(&bm, key, path);
    if (st != RV_OK) {
        RV_CHECK(bm == NULL);
        RV_CHECK(rv_error_last()[0] != '\0');
    }
    rv_bm25_free(st == RV_OK ? bm : NULL);
    RV_CHECK_EQ_INT(mapped(path), 0);
    return st;
}

typedef struct fixture {
    corpus c;
    rv_bm25 *bm;
    uint64_t key;
    char dir[32], path[64], bad[64];
    file f;
} fixture;

static int setup(fixture *x, size_t n) {
    memset(x, 0, sizeof *x);
    rng_state = 0x9e3779b97f4a7c15u;
    x->c = make_corpus(n);
    snprintf(x->dir, sizeof x->dir, "/tmp/rv-bm25io-XXXXXX");
    if (!mkdtemp(x->dir)) return 0;
    snprintf(x->path, sizeof x->path, "%s/good.bm25", x->dir);
    snprintf(x->bad, sizeof x->bad, "%s/bad.bm25", x->dir);
    rv_bm25_params bp = rv_bm25_default_params();
    x->key = rv_bm25_key(x->c.cs, n, &bp);
    if (rv_bm25_build(&x->bm, x->c.cs, n, &bp) != RV_OK) return 0;
    if (rv_bm25_save(x->bm, x->key, x->path) != RV_OK) return 0;
    return read_all(&x->f, x->path);
}

static void teardown(fixture *x) {
    unlink(x->path);
    unlink(x->bad);
    rmdir(x->dir);
    free(x->f.b);
    rv_bm25_free(x->bm);
    free_corpus(&x->c);
}

/* ---- tests ------------------------------------------------------------------ */

/* Built and loaded score alike for n chunks; *denser when the saved table
 * is more than half full (building keeps it at most half full: the save
 * wrote a compacted table). */
static void roundtrip(size_t n, int *denser) {
    fixture x;
    RV_CHECK(setup(&x, n));
    RV_CHECK(x.f.nterms > 1000 && x.f.npost > 2000);
    if (x.f.nterms * 2 > x.f.table_cap) *denser = 1;
    rv_bm25 *bl = NULL;
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, x.key, x.path), RV_OK);
    if (!bl) {
        teardown(&x);
        return;
    }
    RV_CHECK_EQ_INT(mapped(x.path), 1);
    RV_CHECK_EQ_INT(rv_bm25_vocab_size(bl), rv_bm25_vocab_size(x.bm));
    RV_CHECK_EQ_INT(rv_bm25_doc_count(bl), n);
    float *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
    int hits = 0;
    for (int q = 0; q < 200; q++) {
        char query[256], w[64];
        size_t len = 0;
        for (uint32_t k = 0, nw = 1 + rnd(4); k < nw; k++) {
            if (rnd(10))
                word(w, sizeof w);
            else
                snprintf(w, sizeof w, "absent%u", rnd(100));
            len += (size_t)snprintf(query + len, sizeof query - len, "%s ", w);
        }
        RV_CHECK_EQ_INT(rv_bm25_score(x.bm, query, a), RV_OK);
        RV_CHECK_EQ_INT(rv_bm25_score(bl, query, b), RV_OK);
        RV_CHECK_MSG(memcmp(a, b, n * sizeof *a) == 0, "query '%s'", query);
        for (size_t i = 0; i < n; i++)
            hits += a[i] > 0;
    }
    RV_CHECK(hits > (int)n); /* the queries do match */
    /* a loaded index saves back to the same bytes */
    RV_CHECK_EQ_INT(rv_bm25_save(bl, x.key, x.bad), RV_OK);
    file g;
    RV_CHECK(read_all(&g, x.bad));
    RV_CHECK(g.len == x.f.len && memcmp(g.b, x.f.b, g.len) == 0);
    free(g.b);
    /* every section 8-aligned, padding zero */
    for (int s = 0; s < NSEC; s++) {
        RV_CHECK(x.f.sec[s] % 8 == 0);
        for (size_t i = x.f.sec[s] + x.f.bytes[s]; i < x.f.sec[s + 1]; i++)
            RV_CHECK(x.f.b[i] == 0);
    }
    /* posting padding zero too */
    for (uint64_t i = 0; i < x.f.npost; i++)
        RV_CHECK(x.f.b[x.f.sec[S_POST] + i * 12 + 10] == 0 &&
                 x.f.b[x.f.sec[S_POST] + i * 12 + 11] == 0);
    rv_bm25_free(bl);
    RV_CHECK_EQ_INT(mapped(x.path), 0);
    free(a);
    free(b);
    teardown(&x);
}

RV_TEST(bm25_io_roundtrip_scores_identical) {
    int denser = 0;
    roundtrip(100, &denser);
    roundtrip(250, &denser);
    roundtrip(400, &denser);
    RV_CHECK(denser); /* the compacted table was exercised */
}

RV_TEST(bm25_io_empty_corpus_roundtrip) {
    char dir[] = "/tmp/rv-bm25io-XXXXXX", path[64];
    RV_CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/e.bm25", dir);
    rv_bm25 *bm = NULL, *bl = NULL;
    RV_CHECK_EQ_INT(rv_bm25_build(&bm, NULL, 0, NULL), RV_OK);
    uint64_t key = rv_bm25_key(NULL, 0, NULL);
    RV_CHECK_EQ_INT(rv_bm25_save(bm, key, path), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, key, path), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_doc_count(bl), 0);
    RV_CHECK_EQ_INT(rv_bm25_vocab_size(bl), 0);
    float dummy = 0;
    RV_CHECK_EQ_INT(rv_bm25_score(bl, "anything at all", &dummy), RV_OK);
    rv_bm25_free(bl);
    rv_bm25_free(bm);
    unlink(path);
    rmdir(dir);
}

RV_TEST(bm25_io_key_generation) {
    rv_bm25_params bp = rv_bm25_default_params(), bq = bp;
    bq.k1 = 1.5f;
    uint64_t k1 = rv_bm25_key_generation(0x1234, &bp);
    RV_CHECK(k1 != 0);
    RV_CHECK_EQ_INT(k1, rv_bm25_key_generation(0x1234, &bp));
    RV_CHECK_EQ_INT(k1, rv_bm25_key_generation(0x1234, NULL)); /* NULL = defaults */
    RV_CHECK(k1 != rv_bm25_key_generation(0x1235, &bp));
    RV_CHECK(k1 != rv_bm25_key_generation(0x1234, &bq));
    /* its own domain: not the chunk key of an empty corpus, for any small
     * generation (the closest inputs the two could share) */
    uint64_t ke = rv_bm25_key(NULL, 0, &bp);
    for (uint64_t g = 0; g < 1000; g++) {
        uint64_t k = rv_bm25_key_generation(g, &bp);
        RV_CHECK(k != 0 && k != ke);
    }
    /* it is a real key: a file saved under it loads with it, not another */
    corpus c = make_corpus(20);
    char dir[] = "/tmp/rv-bm25io-XXXXXX", path[64];
    RV_CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/g.bm25", dir);
    rv_bm25 *bm = NULL, *bl = NULL;
    RV_CHECK_EQ_INT(rv_bm25_build(&bm, c.cs, c.n, &bp), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_save(bm, k1, path), RV_OK);
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, rv_bm25_key_generation(0x1235, &bp), path), RV_ERR_NOT_FOUND);
    RV_CHECK_EQ_INT(rv_bm25_load(&bl, k1, path), RV_OK);
    rv_bm25_free(bl);
    rv_bm25_free(bm);
    unlink(path);
    rmdir(dir);
    free_corpus(&c);
}

/* Another format version (the previous ones wrote "RVBM25\0\1" and "\2") is stale,
 * so the caller rebuilds; a wrong magic is damage. */
RV_TEST(bm25_io_other_version_is_stale) {
    fixture x;
    RV_CHECK(setup(&x, 50));
    for (int v = 0; v < 256; v += 1) {
        if (v == 3) continue;
        x.f.b[7] = (unsigned char)v;
        write_all(&x.f, x.bad, x.f.len);
        RV_CHECK_EQ_INT(try_load(x.bad, x.key), RV_ERR_NOT_FOUND);
    }
    /* the version is read from a whole header only */
    write_all(&x.f, x.bad, 8);
    RV_CHECK_EQ_INT(try_load(x.bad, x.key), RV_ERR_CORRUPT);
    x.f.b[7] = 1;
    write_all(&x.f, x.bad, HDR);
    RV_CHECK_EQ_INT(try_load(x.bad, x.key), RV_ERR_NOT_FOUND);
    x.f.b[7] = 2;
    x.f.b[0] = 'X';
    write_all(&x.f, x.bad, x.f.len);
    RV_CHECK_EQ_INT(try_load(x.bad, x.key), RV_ERR_CORRUPT);
    x.f.b[0] = 'R';
    /* another key: not found; a missing file: not found */
    RV_CHECK_EQ_INT(try_load(x.path, x.key ^ 1), RV_ERR_NOT_FOUND);
    unlink(x.bad);
    RV_CHECK_EQ_INT(try_load(x.bad, x.key), RV_ERR_NOT_FOUND);
    RV_CHECK_EQ_INT(try_load(x.path, x.key), RV_OK);
    teardown(&x);
}

RV_TEST(bm25_io_truncated_or_extended_is_corrupt) {
    fixture x;
    RV_CHECK(setup(&x, 60));
    size_t cuts = 0;
    /* every byte of the header and around every section boundary, then a
     * stride through the rest */
    for (size_t cut = 0; cut < x.f.len; cut += cut < 2 * HDR ? 1 : 97) {
        write_all(&x.f, x.bad, cut);
        RV_CHECK_MSG(try_load(x.bad, x.key) == RV_ERR_CORRUPT, "cut at %zu", cut);
        cuts++;
    }
    for (int s = 0; s <= NSEC; s++)
        for (size_t d = 0; d < 10; d++) {
            size_t cut = x.f.sec[s] - 5 + d;
            if (cut >= x.f.len) continue;
            write_all(&x.f, x.bad, cut);
            RV_CHECK_MSG(try_load(x.bad, x.key) == RV_ERR_CORRUPT, "cut at %zu", cut);
        }
    RV_CHECK(cuts > 100);
    /* one byte more */
    unsigned char *longer = realloc(x.f.b, x.f.len + 8);
    RV_CHECK(longer != NULL);
    if (longer) {
        x.f.b = longer;
        memset(x.f.b + x.f.len, 0, 8);
        write_all(&x.f, x.bad, x.f.len + 1);
        RV_CHECK_EQ_INT(try_load(x.bad, x.key), RV_ERR_CORRUPT);
        write_all(&x.f, x.bad, x.f.len + 8);
        RV_CHECK_EQ_INT(try_load(x.bad, x.key), RV_ERR_CORRUPT);
    }
    teardown(&x);
}

RV_TEST(bm25_io_flipped_byte_is_corrupt) {
    fixture x;
    RV_CHECK(setup(&x, 60));
    /* each header field except the key (another key is "not found"): the
     * params too, which the checksum covers */
    static const size_t hdr_at[] = {16, 24, 32, 40, 48, 56, 60, 72, 84, 88, 95};
    for (size_t i = 0; i < sizeof hdr_at / sizeof hdr_at[0]; i++) {
        x.f.b[hdr_at[i]] ^= 0x10;
        write_all(&x.f, x.bad, x.f.len);
        RV_CHECK_MSG(try_load(x.bad, x.key) == RV_ERR_CORRUPT, "header byte %zu", hdr_at[i]);
        x.f.b[hdr_at[i]] ^= 0x10;
    }
    /* the first, middle and last byte of each section, and its padding */
    for (int s = 0; s < NSEC; s++) {
        size_t at[4] = {x.f.sec[s], x.f.sec[s] + x.f.bytes[s] / 2, x.f.sec[s] + x.f.bytes[s] - 1,
                        x.f.sec[s + 1] - 1};
        for (int k = 0; k < 4; k++) {
            if (at[k] >= x.f.sec[s + 1]) continue;
            for (int bit = 0; bit < 8; bit += 3) {
                x.f.b[at[k]] ^= (unsigned char)(1u << bit);
                write_all(&x.f, x.bad, x.f.len);
                RV_CHECK_MSG(try_load(x.bad, x.key) == RV_ERR_CORRUPT, "section %d byte %zu", s,
                             at[k]);
                x.f.b[at[k]] ^= (unsigned char)(1u << bit);
            }
        }
    }
    write_all(&x.f, x.bad, x.f.len);
    RV_CHECK_EQ_INT(try_load(x.bad, x.key), RV_OK); /* the helper restored it */
    teardown(&x);
}

/* Values with a valid checksum that would send the scorer out of bounds (or
 * into an endless probe): the bounds checks refuse each one. */
RV_TEST(bm25_io_crafted_out_of_range_is_corrupt) {
    fixture x;
    RV_CHECK(setup(&x, 80));
    file *f = &x.f;
    unsigned char *save = malloc(f->len);
    RV_CHECK(save != NULL);
    if (!save) {
        teardown(&x);
        return;
    }
    memcpy(save, f->b, f->len);
#define RESTORE() memcpy(f->b, save, f->len)
#define EXPECT(st, what)                                                                           \
    do {                                                                                           \
        write_resealed(f, x.bad);                                                                  \
        RV_CHECK_MSG(try_load(x.bad, x.key) == (st), "%s", what);                                  \
        RESTORE();                                                                                 \
    } while (0)
    /* control: a harmless change resealed loads (and scores) */
    f->b[f->sec[S_NORM0] + 3] ^= 1;
    EXPECT(RV_OK, "a norm changed");
    unsigned char *tab = f->b + f->sec[S_TABLE];
    size_t full = SIZE_MAX, empty = SIZE_MAX;
    for (size_t i = 0; i < f->table_cap; i++) {
        uint64_t v = get64(tab + i * 8);
        if (v && full == SIZE_MAX) full = i;
        if (!v && empty == SIZE_MAX) empty = i;
    }
    RV_CHECK(full != SIZE_MAX && empty != SIZE_MAX);
    uint64_t v = get64(tab + full * 8);
    /* table entry pointing past the vocabulary */
    put64(tab + full * 8, (v >> 32 << 32) | (f->nterms + 1));
    EXPECT(RV_ERR_CORRUPT, "table id nterms + 1");
    put64(tab + full * 8, (v >> 32 << 32) | 0xffffffffu);
    EXPECT(RV_ERR_CORRUPT, "table id 2^32 - 2");
    put64(tab + full * 8, v >> 32 << 32); /* occupied, id -1 */
    EXPECT(RV_ERR_CORRUPT, "table id -1");
    put64(tab + full * 8, 0);
    EXPECT(RV_ERR_CORRUPT, "a term missing from the table");
    put64(tab + empty * 8, (uint64_t)1);
    EXPECT(RV_ERR_CORRUPT, "one entry too many");
    /* a full table (no empty slot would end a probe): every slot set */
    for (size_t i = 0; i < f->table_cap; i++)
        if (!get64(tab + i * 8)) put64(tab + i * 8, 1);
    EXPECT(RV_ERR_CORRUPT, "a full table");
    /* table_cap: not a power of two, or not above nterms (the size check
     * sees it first: the sections no longer fit the file) */
    put64(f->b + H_TCAP, f->table_cap - 1);
    EXPECT(RV_ERR_CORRUPT, "table_cap - 1");
    put64(f->b + H_TCAP, f->table_cap / 2);
    EXPECT(RV_ERR_CORRUPT, "table_cap / 2");
    /* post_off */
    unsigned char *po = f->b + f->sec[S_POST_OFF];
    put64(po, 1);
    EXPECT(RV_ERR_CORRUPT, "post_off[0] != 0");
    put64(po + f->nterms * 8, f->npost + 1);
    EXPECT(RV_ERR_CORRUPT, "post_off[nterms] past npost");
    put64(po + f->nterms * 8, f->npost - 1);
    EXPECT(RV_ERR_CORRUPT, "post_off[nterms] short of npost");
    {
        size_t t = f->nterms / 2;
        put64(po + t * 8, get64(po + (t + 1) * 8) + 1);
        EXPECT(RV_ERR_CORRUPT, "post_off decreasing");
        put64(po + t * 8, UINT64_MAX);
        EXPECT(RV_ERR_CORRUPT, "post_off huge");
    }
    /* a posting's doc */
    {
        unsigned char *p = f->b + f->sec[S_POST] + (f->npost / 3) * 12;
        put32(p, (uint32_t)f->ndocs);
        EXPECT(RV_ERR_CORRUPT, "doc == ndocs");
        put32(p, UINT32_MAX);
        EXPECT(RV_ERR_CORRUPT, "doc 2^32 - 1");
        put32(f->b + f->sec[S_POST] + (f->npost - 1) * 12, (uint32_t)f->ndocs + 5);
        EXPECT(RV_ERR_CORRUPT, "last doc");
    }
    /* a term string past chars */
    {
        size_t t = f->nterms - 1;
        put32(f->b + f->sec[S_TERM_OFF] + t * 4, (uint32_t)f->chars_len);
        EXPECT(RV_ERR_CORRUPT, "term_off at the end");
        put32(f->b + f->sec[S_TERM_OFF], UINT32_MAX);
        EXPECT(RV_ERR_CORRUPT, "term_off 2^32 - 1");
        uint16_t big = UINT16_MAX;
        memcpy(f->b + f->sec[S_TERM_LEN] + t * 2, &big, 2);
        EXPECT(RV_ERR_CORRUPT, "term_len huge");
    }
    /* counts that make the file too large, or overflow */
    put64(f->b + H_NPOST, UINT64_MAX / 12 + 2);
    EXPECT(RV_ERR_CORRUPT, "npost overflow");
    put64(f->b + H_NTERMS, UINT64_MAX);
    EXPECT(RV_ERR_CORRUPT, "nterms overflow");
    put64(f->b + H_NDOCS, (uint64_t)1 << 62);
    EXPECT(RV_ERR_CORRUPT, "ndocs overflow");
    put64(f->b + H_TCAP, (uint64_t)1 << 63);
    EXPECT(RV_ERR_CORRUPT, "table_cap 2^63");
    put64(f->b + H_TCAP, 0);
    EXPECT(RV_ERR_CORRUPT, "table_cap 0");
#undef EXPECT
#undef RESTORE
    free(save);
    teardown(&x);
}

/* Load timing, printed (not asserted): this corpus's file, 50 loads. */
RV_TEST(bm25_io_load_timing) {
    fixture x;
    RV_CHECK(setup(&x, 400));
    double best = 1e9, sum = 0;
    for (int r = 0; r < 50; r++) {
        struct timespec t0, t1;
        rv_bm25 *bl = NULL;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        RV_CHECK_EQ_INT(rv_bm25_load(&bl, x.key, x.path), RV_OK);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        rv_bm25_free(bl);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        sum += ms;
        if (ms < best) best = ms;
    }
    printf("  bm25 load: %zu bytes, %llu terms, %llu postings: best %.3f ms, mean %.3f ms\n",
           x.f.len, (unsigned long long)x.f.nterms, (unsigned long long)x.f.npost, best, sum / 50);
    teardown(&x);
}

/* Built on 1, 2 and 5 threads (the documents split in ranges), the index
 * saves to the same bytes: same term ids, postings and norms. */
RV_TEST(bm25_threads_build_the_same_bytes) {
    fixture x;
    RV_CHECK(setup(&x, 12000));
    rv_bm25_params bp = rv_bm25_default_params();
    static const int counts[] = {2, 5};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        rv_bm25 *bm = NULL;
        RV_CHECK_EQ_INT(rv_bm25_build_threads(&bm, x.c.cs, x.c.n, &bp, counts[i]), RV_OK);
        RV_CHECK_EQ_INT(rv_bm25_save(bm, x.key, x.bad), RV_OK);
        file f;
        memset(&f, 0, sizeof f);
        RV_CHECK(read_all(&f, x.bad));
        RV_CHECK_EQ_INT(f.len, x.f.len);
        RV_CHECK_MSG(f.len == x.f.len && memcmp(f.b, x.f.b, f.len) == 0, "%d threads differ",
                     counts[i]);
        free(f.b);
        rv_bm25_free(bm);
    }
    teardown(&x);
}

int main(void) {
    RV_RUN(bm25_io_roundtrip_scores_identical);
    RV_RUN(bm25_io_empty_corpus_roundtrip);
    RV_RUN(bm25_io_key_generation);
    RV_RUN(bm25_threads_build_the_same_bytes);
    RV_RUN(bm25_io_other_version_is_stale);
    RV_RUN(bm25_io_truncated_or_extended_is_corrupt);
    RV_RUN(bm25_io_flipped_byte_is_corrupt);
    RV_RUN(bm25_io_crafted_out_of_range_is_corrupt);
    RV_RUN(bm25_io_load_timing);
    return rv_test_summary();
}
