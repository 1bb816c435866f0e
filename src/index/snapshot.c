/* The corpus snapshot next to the index (see snapshot.h). */
#include "index/snapshot.h"

#include "index/store.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#define SNAP_MAGIC "RVCORPUS"
#define SNAP_VERSION 1u
#define SNAP_ORDER 0x01020304u
#define SNAP_HEADER 128
#define SNAP_ALIGN 64
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SNAP_LITTLE 1
#else
#define SNAP_LITTLE 0
#endif

typedef struct snap_header {
    char magic[8];
    uint32_t version;
    uint32_t byte_order; /* SNAP_ORDER as the writer stored it */
    uint64_t generation;
    uint64_t dim, count;
    uint64_t rec_off, rec_len;
    uint64_t str_off, str_len;
    uint64_t vec_off, vec_len;
    uint64_t file_size;
    uint64_t body_hash; /* XXH3-64 of bytes [SNAP_HEADER, file_size) */
    uint8_t reserved[SNAP_HEADER - 104];
} snap_header;

typedef struct snap_rec {
    int32_t start_line, end_line;
    uint32_t path, kind, name, scope, language, content;
} snap_rec;

_Static_assert(sizeof(snap_header) == SNAP_HEADER, "snapshot header size");
_Static_assert(sizeof(snap_rec) == 32, "snapshot record size");

/* ---- writing ---- */

typedef struct blob {
    char *p;
    size_t len, cap;
    int too_big;
} blob;

/* Appends s with its NUL; returns its offset (0, the shared "", for ""). */
static uint32_t blob_add(blob *b, const char *s) {
    if (!s || !*s) return 0;
    size_t n = strlen(s) + 1;
    if (b->len > (size_t)UINT32_MAX - n) {
        b->too_big = 1;
        return 0;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->too_big = -1;
            return 0;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    uint32_t off = (uint32_t)b->len;
    b->len += n;
    return off;
}

/* kind and language come from a few dozen values: stored once each. */
typedef struct dedup {
    const char *s[64];
    uint32_t off[64];
    size_t n;
} dedup;

static uint32_t blob_add_small(blob *b, dedup *d, const char *s) {
    if (!s || !*s) return 0;
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->s[i], s) == 0) return d->off[i];
    uint32_t off = blob_add(b, s);
    if (d->n < sizeof d->s / sizeof d->s[0]) {
        d->s[d->n] = s;
        d->off[d->n++] = off;
    }
    return off;
}

static int write_all(rv_writer *w, const void *p, size_t n, XXH3_state_t *h) {
    if (h) XXH3_64bits_update(h, p, n);
    return rv_writer_put(w, p, n);
}

rv_status rv_snapshot_save(const char *path, const rv_corpus *c, uint64_t generation, mode_t mode) {
#if !SNAP_LITTLE
    (void)path, (void)c, (void)generation, (void)mode;
    return rv_error_set(RV_ERR_UNSUPPORTED, "corpus snapshot: little-endian hosts only");
#else
    if (!path || !c || !generation || !c->dim || (c->chunks.count && !c->vectors))
        return rv_error_set(RV_ERR_INVALID_ARG, "corpus snapshot: bad arguments");
    size_t n = c->chunks.count;
    if (n > SIZE_MAX / sizeof(snap_rec) || n > SIZE_MAX / sizeof(float) / c->dim)
        return rv_error_set(RV_ERR_UNSUPPORTED, "corpus snapshot: too large");
    rv_status st = RV_OK;
    snap_rec *recs = malloc(n ? n * sizeof *recs : 1);
    blob b = {.p = malloc(1 << 16), .len = 1, .cap = 1 << 16}; /* offset 0: the shared "" */
    dedup kinds = {0}, langs = {0};
    char *tmp = NULL;
    int fd = -1;
    if (!recs || !b.p) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    b.p[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const rv_chunk *k = &c->chunks.items[i];
        snap_rec *r = &recs[i];
        r->start_line = k->start_line;
        r->end_line = k->end_line;
        /* A file's chunks are adjacent: its path is stored once. */
        if (i && k->path && c->chunks.items[i - 1].path &&
            strcmp(k->path, c->chunks.items[i - 1].path) == 0)
            r->path = recs[i - 1].path;
        else
            r->path = blob_add(&b, k->path);
        r->kind = blob_add_small(&b, &kinds, k->kind);
        r->name = blob_add(&b, k->name);
        r->scope = blob_add(&b, k->scope);
        r->language = blob_add_small(&b, &langs, k->language);
        r->content = blob_add(&b, k->content);
    }
    if (b.too_big) {
        st = b.too_big > 0 ? rv_error_set(RV_ERR_UNSUPPORTED, "corpus snapshot: too large")
                           : rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    snap_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, SNAP_MAGIC, 8);
    h.version = SNAP_VERSION;
    h.byte_order = SNAP_ORDER;
    h.generation = generation;
    h.dim = c->dim;
    h.count = n;
    h.rec_off = SNAP_HEADER;
    h.rec_len = n * sizeof(snap_rec);
    h.str_off = h.rec_off + h.rec_len;
    h.str_len = b.len;
    h.vec_off = (h.str_off + h.str_len + SNAP_ALIGN - 1) / SNAP_ALIGN * SNAP_ALIGN;
    h.vec_len = n * c->dim * sizeof(float);
    h.file_size = h.vec_off + h.vec_len;
    size_t pl = strlen(path);
    if (!(tmp = malloc(pl + 32))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* A private name in the same directory, then rename. */
    snprintf(tmp, pl + 32, "%s.tmp-%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 0777);
    if (fd < 0) {
        st = rv_error_set(RV_ERR_IO, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    fchmod(fd, mode & 0777); /* whatever the umask: like the index */
    static const char zeros[SNAP_ALIGN];
    XXH3_state_t hs;
    XXH3_64bits_reset(&hs);
    size_t pad = (size_t)(h.vec_off - h.str_off - h.str_len);
    /* Written in 2 MiB pieces, so that the snapshot is cached in 2 MiB folios
     * (each search maps all of it). */
    rv_writer w;
    if ((st = rv_writer_init(&w, fd)) != RV_OK) goto done;
    int werr = write_all(&w, &h, sizeof h, NULL) || write_all(&w, recs, (size_t)h.rec_len, &hs) ||
               write_all(&w, b.p, b.len, &hs) || write_all(&w, zeros, pad, &hs) ||
               write_all(&w, c->vectors, (size_t)h.vec_len, &hs);
    if (rv_writer_finish(&w) != 0 || werr) {
        st = rv_error_set(RV_ERR_IO, "%s: cannot write", tmp);
        goto done;
    }
    h.body_hash = XXH3_64bits_digest(&hs);
    if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        st = rv_error_set(RV_ERR_IO, "%s: cannot write", tmp);
        goto done;
    }
    int bad = close(fd) != 0;
    fd = -1;
    if (bad || rename(tmp, path) != 0) st = rv_error_set(RV_ERR_IO, "%s: cannot write", path);
done:
    if (fd >= 0) close(fd);
    if (st != RV_OK && tmp) unlink(tmp);
    free(tmp);
    free(b.p);
    free(recs);
    return st;
#endif
}

/* ---- reading ---- */

typedef struct snap_backing {
    rv_corpus_backing base; /* first: the corpus holds a pointer to it */
    void *map;
    size_t len;
} snap_backing;

static void snap_release(rv_corpus_backing *self) {
    snap_backing *sb = (snap_backing *)self;
    munmap(sb->map, sb->len);
    free(sb);
}

/* The sections follow each other exactly as the writer lays them out; any
 * other arrangement is damage. */
static int layout_ok(const snap_header *h, size_t size, size_t dim) {
    /* Bounded by the file's size first, so no sum below can wrap. */
    if (h->count > size / sizeof(snap_rec) || h->count > UINT64_MAX / sizeof(float) / dim ||
        h->str_len > size)
        return 0;
    uint64_t vec_len = h->count * dim * sizeof(float);
    return h->rec_off == SNAP_HEADER && h->rec_len == h->count * sizeof(snap_rec) &&
           h->str_off == h->rec_off + h->rec_len && h->str_len >= 1 &&
           h->str_len <= (uint64_t)UINT32_MAX + 1 && h->str_off + h->str_len <= size &&
           h->vec_off == (h->str_off + h->str_len + SNAP_ALIGN - 1) / SNAP_ALIGN * SNAP_ALIGN &&
           h->vec_len == vec_len && h->vec_off <= size && h->vec_len == size - h->vec_off &&
           h->file_size == size;
}

rv_status rv_snapshot_load(rv_corpus *out, const char *path, uint64_t generation, size_t dim) {
#if !SNAP_LITTLE
    (void)out, (void)path, (void)generation, (void)dim;
    return rv_error_set(RV_ERR_NOT_FOUND, "corpus snapshot: little-endian hosts only");
#else
    if (!generation || !dim) return rv_error_set(RV_ERR_NOT_FOUND, "%s: no generation", path);
    rv_status st = RV_OK;
    unsigned char *map = MAP_FAILED;
    size_t size = 0;
    snap_backing *owner = NULL;
    rv_chunk *items = NULL;
    snap_header h;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rv_error_set(RV_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < SNAP_HEADER ||
        (uint64_t)sb.st_size > SIZE_MAX || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        st = rv_error_set(RV_ERR_CORRUPT, "%s: truncated corpus snapshot", path);
        goto done;
    }
    size = (size_t)sb.st_size;
    /* Cheap refusals before mapping anything. */
    if (memcmp(h.magic, SNAP_MAGIC, 8) != 0 || h.version != SNAP_VERSION ||
        h.byte_order != SNAP_ORDER) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "%s: not a corpus snapshot of this format", path);
        goto done;
    }
    if (h.generation != generation || h.dim != dim) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "%s: stale corpus snapshot", path);
        goto done;
    }
    if (!layout_ok(&h, size, dim)) {
        st = rv_error_set(RV_ERR_CORRUPT, "%s: damaged corpus snapshot (layout)", path);
        goto done;
    }
    /* Private and writable: pages are shared with the page cache until
     * written, and a stray write changes only this process's copy. Mapped
     * read-only first so MAP_POPULATE maps every page in one call without
     * copying it (populating a writable private mapping would copy). */
    map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map != MAP_FAILED && mprotect(map, size, PROT_READ | PROT_WRITE) != 0) {
        munmap(map, size);
        map = MAP_FAILED;
    }
    if (map == MAP_FAILED) {
        st = rv_error_set(RV_ERR_NOMEM, "%s: mmap: %s", path, strerror(errno));
        goto done;
    }
    if (XXH3_64bits(map + SNAP_HEADER, size - SNAP_HEADER) != h.body_hash) {
        st = rv_error_set(RV_ERR_CORRUPT, "%s: damaged corpus snapshot (checksum)", path);
        goto done;
    }
    const char *strs = (const char *)map + h.str_off;
    size_t slen = (size_t)h.str_len, n = (size_t)h.count;
    if (strs[slen - 1] != 0) { /* so every offset below starts a bounded string */
        st = rv_error_set(RV_ERR_CORRUPT, "%s: damaged corpus snapshot (strings)", path);
        goto done;
    }
    if (!(items = malloc(n ? n * sizeof *items : 1)) || !(owner = malloc(sizeof *owner))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    const snap_rec *recs = (const snap_rec *)(map + h.rec_off);
    uint32_t lang_off = UINT32_MAX;
    const char *lang = NULL;
    for (size_t i = 0; i < n; i++) {
        const snap_rec *r = &recs[i];
        if (r->path >= slen || r->kind >= slen || r->name >= slen || r->scope >= slen ||
            r->language >= slen || r->content >= slen) {
            st = rv_error_set(RV_ERR_CORRUPT, "%s: damaged corpus snapshot (record %zu)", path, i);
            goto done;
        }
        rv_chunk *k = &items[i];
        k->path = (char *)strs + r->path;
        k->start_line = r->start_line;
        k->end_line = r->end_line;
        k->kind = (char *)strs + r->kind;
        k->name = (char *)strs + r->name;
        k->scope = (char *)strs + r->scope;
        /* language must be the process's static string, as from the store. */
        if (r->language != lang_off) {
            lang_off = r->language;
            lang = rv_store_intern_language(strs + r->language);
        }
        k->language = lang;
        k->content = (char *)strs + r->content;
        k->embed_text = NULL;
    }
    owner->base.release = snap_release;
    owner->map = map;
    owner->len = size;
    out->chunks.items = items;
    out->chunks.count = out->chunks.cap = n;
    out->vectors = (float *)(void *)(map + h.vec_off);
    out->dim = dim;
    out->backing = &owner->base;
    items = NULL;
    owner = NULL;
    map = MAP_FAILED;
done:
    close(fd);
    if (map != MAP_FAILED) munmap(map, size);
    free(items);
    free(owner);
    return st;
#endif
}
