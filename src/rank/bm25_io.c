/* The BM25F index on disk: one file, a fixed header and the arrays, laid out
 * exactly as in memory, so a warm query maps it and points into the mapping
 * instead of re-tokenizing the corpus or copying anything. The caller's key
 * decides whether a file still fits; a checksum over the arrays and linear
 * bounds checks of everything the scorer follows make a damaged or crafted
 * file an error, never a crash (at load or at any later score).
 *
 * Layout (native endianness; the file is a local cache): the header, then
 * these sections, each starting on an 8-byte boundary (zero padding):
 *   table      table_cap x u64   open-addressing term table
 *   post_off   (nterms+1) x u64  CSR offsets into post
 *   post       npost x posting   12-byte structs (bm25_int.h)
 *   term_off   nterms x u32
 *   norm[3]    3 x ndocs x f32
 *   term_len   nterms x u16
 *   chars      chars_len bytes
 *   doc_hash   ndocs x u64       each document's rv_bm25_doc_hash
 *   len[3]     3 x ndocs x u32   each document's tokens per field
 * The last two (format 3) let the next corpus's index be derived from
 * this one (bm25_incr.c); format 2 files are stale, so rebuilt once. */
#include "rank/bm25_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

/* The last byte is the format version: another one is stale, not damaged. */
#define RV_BM25_MAGIC "RVBM25\0\3"
#define RV_BM25_MAGIC_PREFIX 7
#define RV_BM25_MAX_FILE ((uint64_t)1 << 31)

typedef struct file_header {
    char magic[8];
    uint64_t key;
    uint64_t ndocs, nterms, chars_len, npost, table_cap;
    float k1, w[3], b[3];
    uint32_t flags;
    uint64_t payload_hash; /* XXH3 of everything after the header, seeded with
                              the XXH3 of the header's bytes before this field */
} file_header;

_Static_assert(sizeof(file_header) == 96, "file_header has no implicit padding");
_Static_assert(offsetof(file_header, payload_hash) == 88, "the hash ends the header");

/* The checksum covers the params and counts in the header too. */
static uint64_t header_seed(const file_header *fh) {
    return XXH3_64bits(fh, offsetof(file_header, payload_hash));
}
_Static_assert(sizeof(float) == 4, "f32 norms");

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

/* Each section's size (bytes[i], before padding) and byte offset in the
 * payload (off[NSEC] = payload size) for the header's counts; 0 when a
 * count is out of range or the file would be too large. Every count is
 * capped first, so no sum below can overflow. */
static int layout(const file_header *fh, uint64_t off[NSEC + 1], uint64_t bytes[NSEC]) {
    uint64_t t = fh->nterms, d = fh->ndocs, c = fh->chars_len, p = fh->npost, tc = fh->table_cap;
    if (t >= UINT32_MAX - 1 || d >= UINT32_MAX || c > UINT32_MAX || p > (uint64_t)1 << 40) return 0;
    if (tc <= t || tc > (uint64_t)1 << 33 || (tc & (tc - 1)) != 0) return 0;
    const uint64_t b[NSEC] = {
        tc * 8, (t + 1) * 8, p * sizeof(posting), t * 4, d * 4, d * 4, d * 4, t * 2, c,
        d * 8,  d * 4,       d * 4,               d * 4};
    uint64_t at = 0;
    for (int i = 0; i < NSEC; i++) {
        bytes[i] = b[i];
        off[i] = at;
        at += (b[i] + 7) & ~(uint64_t)7;
    }
    off[NSEC] = at;
    return at <= RV_BM25_MAX_FILE;
}

/* Feeds one string field to the hash, with its length so fields never run
 * together ("ab"+"c" differs from "a"+"bc"). */
static void hash_str(XXH3_state_t *h, const char *s) {
    uint64_t n = s ? (uint64_t)strlen(s) + 1 : 0;
    XXH3_64bits_update(h, &n, sizeof n);
    if (n) XXH3_64bits_update(h, s, (size_t)n);
}

/* Starts a key: a domain tag (so the two key kinds never share inputs), the
 * format and the params. */
static XXH3_state_t *key_start(const char *domain, const rv_bm25_params *p) {
    rv_bm25_params def = rv_bm25_default_params();
    if (!p) p = &def;
    XXH3_state_t *h = XXH3_createState();
    if (!h) return NULL;
    XXH3_64bits_reset(h);
    hash_str(h, domain);
    XXH3_64bits_update(h, RV_BM25_MAGIC, 8);
    float pf[7] = {p->k1, p->w_name, p->w_path, p->w_body, p->b_name, p->b_path, p->b_body};
    XXH3_64bits_update(h, pf, sizeof pf);
    XXH3_64bits_update(h, &p->flags, sizeof p->flags);
    return h;
}

static uint64_t key_finish(XXH3_state_t *h) {
    uint64_t k = XXH3_64bits_digest(h);
    XXH3_freeState(h);
    return k ? k : 1;
}

uint64_t rv_bm25_key_of_hashes(const uint64_t *hashes, size_t n, const rv_bm25_params *p) {
    XXH3_state_t *h = key_start("ripvec bm25 chunks", p);
    if (!h) return 0;
    uint64_t nn = n;
    XXH3_64bits_update(h, &nn, sizeof nn);
    if (n) XXH3_64bits_update(h, hashes, n * sizeof *hashes);
    return key_finish(h);
}

/* The same as rv_bm25_key_of_hashes over every chunk's hash (a streamed
 * input hashes as the whole), without an array of them. */
uint64_t rv_bm25_key(const rv_chunk *chunks, size_t n, const rv_bm25_params *p) {
    XXH3_state_t *h = key_start("ripvec bm25 chunks", p);
    if (!h) return 0;
    uint64_t nn = n;
    XXH3_64bits_update(h, &nn, sizeof nn);
    /* each chunk's one-shot hash (what it gives the index): a streaming
     * state fed four short strings per chunk costs half as much again */
    uint64_t buf[256];
    for (size_t i = 0; i < n; i += 256) {
        size_t m = n - i < 256 ? n - i : 256;
        for (size_t k = 0; k < m; k++)
            buf[k] = rv_bm25_doc_hash(&chunks[i + k]);
        XXH3_64bits_update(h, buf, m * sizeof *buf);
    }
    return key_finish(h);
}

uint64_t rv_bm25_key_generation(uint64_t generation, const rv_bm25_params *p) {
    XXH3_state_t *h = key_start("ripvec bm25 store generation", p);
    if (!h) return 0;
    XXH3_64bits_update(h, &generation, sizeof generation);
    return key_finish(h);
}

static const unsigned char zeros[8];

/* The header of bm's file, and the term table to save when a smaller one
 * than the built index's holds the terms (*compact, malloc'd; NULL when the
 * table is saved as it is). 0 on allocation failure. */
static int fill_header(const rv_bm25 *bm, uint64_t key, file_header *fh, uint64_t **compact) {
    memset(fh, 0, sizeof *fh);
    memcpy(fh->magic, RV_BM25_MAGIC, 8);
    fh->key = key;
    fh->ndocs = bm->ndocs;
    fh->nterms = bm->nterms;
    fh->chars_len = bm->chars_len;
    fh->npost = bm->post_off[bm->nterms];
    fh->table_cap = bm->table_cap;
    fh->k1 = bm->p.k1;
    fh->w[0] = bm->p.w_name;
    fh->w[1] = bm->p.w_path;
    fh->w[2] = bm->p.w_body;
    fh->b[0] = bm->p.b_name;
    fh->b[1] = bm->p.b_path;
    fh->b[2] = bm->p.b_body;
    fh->flags = bm->p.flags;
    /* Building keeps the table at most half full; on disk it may be up to
     * two thirds full: a smaller file to checksum and check at every load,
     * and a query looks up only a few terms. */
    *compact = NULL;
    if (!bm->term_hash) return 1;
    size_t cap = 16;
    while (cap < bm->nterms + bm->nterms / 2 + 1)
        cap *= 2;
    if (cap >= bm->table_cap) return 1;
    if (!(*compact = rv_bm25_make_table(bm, cap))) return 0;
    fh->table_cap = cap;
    return 1;
}

/* Writes the header and the sections to a private name, then renames it
 * over path: readers see the old file or the new one. Through the 2 MiB
 * writer (each search maps the whole file), hashing as it goes; the header,
 * with the hash, is written over last. */
static rv_status write_file(const char *path, file_header *fh, const uint64_t *off,
                            const uint64_t *bytes, const void *const *src) {
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (!tmp) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    snprintf(tmp, pl + 32, "%s.tmp-%ld", path, (long)getpid());
    rv_status st = RV_OK;
    rv_writer w;
    XXH3_state_t *h = NULL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        st = rv_error_set(RV_ERR_IO, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    /* From XXH3_createState, which clears the state's seed: a seeded reset of
     * a state left on the stack skips deriving its secret whenever the stale
     * seed there equals the new one (xxhash asks for XXH3_INITSTATE first). */
    if (!(h = XXH3_createState())) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = rv_writer_init(&w, fd)) != RV_OK) goto done;
    XXH3_64bits_reset_withSeed(h, header_seed(fh));
    int bad = rv_writer_put(&w, fh, sizeof *fh) != 0;
    for (int i = 0; i < NSEC && !bad; i++) {
        size_t padn = (size_t)(off[i + 1] - off[i] - bytes[i]);
        if (bytes[i]) XXH3_64bits_update(h, src[i], (size_t)bytes[i]);
        XXH3_64bits_update(h, zeros, padn);
        bad = (bytes[i] && rv_writer_put(&w, src[i], (size_t)bytes[i]) != 0) ||
              rv_writer_put(&w, zeros, padn) != 0;
    }
    bad |= rv_writer_finish(&w) != 0;
    fh->payload_hash = XXH3_64bits_digest(h);
    if (bad || pwrite(fd, fh, sizeof *fh, 0) != (ssize_t)sizeof *fh) {
        st = rv_error_set(RV_ERR_IO, "%s: cannot write", tmp);
        goto done;
    }
    bad = close(fd) != 0;
    fd = -1;
    if (bad || rename(tmp, path) != 0) st = rv_error_set(RV_ERR_IO, "%s: cannot write", path);
done:
    if (fd >= 0) close(fd);
    if (st != RV_OK) unlink(tmp);
    XXH3_freeState(h);
    free(tmp);
    return st;
}

rv_status rv_bm25_save(const rv_bm25 *bm, uint64_t key, const char *path) {
    if (!bm || !path) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    file_header fh;
    uint64_t *compact = NULL;
    if (!fill_header(bm, key, &fh, &compact)) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    uint64_t off[NSEC + 1], bytes[NSEC];
    if (!layout(&fh, off, bytes)) {
        free(compact);
        return rv_error_set(RV_ERR_INVALID_ARG, "bm25: index too large to save");
    }
    const void *src[NSEC] = {compact ? compact : bm->table,
                             bm->post_off,
                             bm->post,
                             bm->term_off,
                             bm->norm[0],
                             bm->norm[1],
                             bm->norm[2],
                             bm->term_len,
                             bm->chars,
                             bm->doc_hash,
                             bm->len[0],
                             bm->len[1],
                             bm->len[2]};
    rv_status st = write_file(path, &fh, off, bytes, src);
    free(compact);
    return st;
}

/* Everything the scorer follows, checked in one linear pass per array:
 * offsets monotonic and inside post, postings' docs < ndocs, term strings
 * inside chars, and the table holding exactly nterms entries, each a valid
 * term id (so with table_cap > nterms every probe meets an empty slot). */
static int valid(const rv_bm25 *bm, uint64_t npost) {
    const uint64_t *po = bm->post_off;
    size_t t = bm->nterms;
    if (po[0] != 0 || po[t] != npost) return 0;
    for (size_t i = 0; i < t; i++) {
        if (po[i + 1] < po[i]) return 0;
        if ((uint64_t)bm->term_off[i] + bm->term_len[i] > bm->chars_len) return 0;
    }
    uint32_t nd = (uint32_t)bm->ndocs, bad = 0;
    for (uint64_t i = 0; i < npost; i++)
        bad |= bm->post[i].doc >= nd; /* no branch: this loop is the longest */
    if (bad) return 0;
    /* Branch-free too: a third of the slots are full, at random. */
    uint64_t used = 0, out_of_range = 0;
    for (size_t i = 0; i < bm->table_cap; i++) {
        uint64_t v = bm->table[i];
        uint32_t id1 = (uint32_t)v - 1; /* term id; wraps for an empty or zero-id slot */
        used += v != 0;
        out_of_range |= (v != 0) & (id1 >= t);
    }
    if (out_of_range) return 0;
    return used == t;
}

/* key NULL: any corpus's. */
static rv_status load_file(rv_bm25 **out, const uint64_t *key, const char *path) {
    if (!out || !path) return rv_error_set(RV_ERR_INVALID_ARG, "bm25: bad arguments");
    *out = NULL;
    rv_mapped map;
    if (rv_map_file(&map, path) != RV_OK || map.size > RV_BM25_MAX_FILE + sizeof(file_header)) {
        rv_unmap_file(&map);
        return rv_error_set(RV_ERR_NOT_FOUND, "%s: no saved keyword index", path);
    }
    const unsigned char *data = map.data; /* page-aligned: the sections' alignment holds */
    size_t len = map.size;
    rv_status st = RV_OK;
    rv_bm25 *bm = NULL;
    file_header fh;
    uint64_t off[NSEC + 1];
    if (len < sizeof fh) goto corrupt;
    memcpy(&fh, data, sizeof fh);
    if (memcmp(fh.magic, RV_BM25_MAGIC, RV_BM25_MAGIC_PREFIX) != 0) goto corrupt;
    if (fh.magic[7] != RV_BM25_MAGIC[7]) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "%s: keyword index of another format version", path);
        goto done;
    }
    if (key && fh.key != *key) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "%s: saved for another corpus", path);
        goto done;
    }
    uint64_t bytes[NSEC];
    if (!layout(&fh, off, bytes) || len - sizeof fh != off[NSEC]) goto corrupt;
    const unsigned char *pl = data + sizeof fh;
    if ((uintptr_t)pl % 8 != 0) goto corrupt; /* mmap gives pages; sections are 8-aligned */
    if (XXH3_64bits_withSeed(pl, (size_t)off[NSEC], header_seed(&fh)) != fh.payload_hash)
        goto corrupt;
    bm = calloc(1, sizeof *bm);
    if (!bm) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    bm->p.k1 = fh.k1;
    bm->p.w_name = fh.w[0];
    bm->p.w_path = fh.w[1];
    bm->p.w_body = fh.w[2];
    bm->p.b_name = fh.b[0];
    bm->p.b_path = fh.b[1];
    bm->p.b_body = fh.b[2];
    bm->p.flags = fh.flags;
    bm->ndocs = (size_t)fh.ndocs;
    bm->nterms = bm->terms_cap = (size_t)fh.nterms;
    bm->chars_len = bm->chars_cap = (size_t)fh.chars_len;
    bm->table_cap = (size_t)fh.table_cap;
    /* Borrowed, not copied; the casts drop const, but a loaded index is
     * immutable (nothing writes its arrays) and the mapping is read-only. */
    bm->table = (uint64_t *)(uintptr_t)(pl + off[S_TABLE]);
    bm->post_off = (uint64_t *)(uintptr_t)(pl + off[S_POST_OFF]);
    bm->post = (posting *)(uintptr_t)(pl + off[S_POST]);
    bm->term_off = (uint32_t *)(uintptr_t)(pl + off[S_TERM_OFF]);
    for (int f = 0; f < NFIELDS; f++)
        bm->norm[f] = (float *)(uintptr_t)(pl + off[S_NORM0 + f]);
    bm->term_len = (uint16_t *)(uintptr_t)(pl + off[S_TERM_LEN]);
    bm->chars = (char *)(uintptr_t)(pl + off[S_CHARS]);
    bm->doc_hash = (uint64_t *)(uintptr_t)(pl + off[S_DOC_HASH]);
    for (int f = 0; f < NFIELDS; f++)
        bm->len[f] = (uint32_t *)(uintptr_t)(pl + off[S_LEN0 + f]);
    bm->map = map;
    map.data = NULL; /* bm owns it now */
    if (!valid(bm, fh.npost)) goto corrupt;
    *out = bm;
    bm = NULL;
    goto done;
corrupt:
    st = rv_error_set(RV_ERR_CORRUPT, "%s: damaged keyword index", path);
done:
    rv_bm25_free(bm);
    rv_unmap_file(&map);
    return st;
}

rv_status rv_bm25_load(rv_bm25 **out, uint64_t key, const char *path) {
    return load_file(out, &key, path);
}

rv_status rv_bm25_load_any(rv_bm25 **out, const char *path) {
    return load_file(out, NULL, path);
}
