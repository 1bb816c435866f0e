/* A model's packed layers in one checked, mapped file (pack_cache.h). */
#include "engine/pack_cache.h"

#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

enum { HEAD = 256, KEY = 200, ALIGN = 64, VERSION = 1 };
static const char file_magic[8] = {'R', 'V', 'P', 'K', 'C', 'A', 'C', 'H'};

typedef struct file_head {
    char magic[8];
    uint32_t version, count;
    uint64_t size, hash; /* whole file; XXH3 of bytes [HEAD, size) */
    char key[KEY];       /* NUL-terminated */
} file_head;

typedef struct entry {
    uint64_t off, len, n, k;
} entry;

struct rv_pack_cache {
    char *path;
    char key[KEY];
    rv_mapped map; /* the file's layers, while valid */
    const entry *table;
    size_t count;
    rv_dbuf **bufs; /* every layer, in load order */
    entry *shape;   /* their n and k */
    size_t n, cap;
    int missed; /* a layer did not come from the file */
    char state[160];
};

/* Keeps the mapping when the file is whole and made for this key. */
static void check_file(rv_pack_cache *pc) {
    file_head h;
    const unsigned char *d = pc->map.data;
    const char *why = NULL;
    if (pc->map.size < HEAD)
        why = "damaged";
    else {
        memcpy(&h, d, sizeof h);
        if (memcmp(h.magic, file_magic, sizeof h.magic) != 0 || h.version != VERSION ||
            h.size != pc->map.size || h.count > (h.size - HEAD) / sizeof(entry))
            why = "damaged";
        else if (strncmp(h.key, pc->key, KEY) != 0)
            why = "stale key";
        else if (XXH3_64bits(d + HEAD, pc->map.size - HEAD) != h.hash)
            why = "damaged";
    }
    for (size_t i = 0; !why && i < h.count; i++) {
        entry e;
        memcpy(&e, d + HEAD + i * sizeof e, sizeof e);
        if (e.off % ALIGN || e.off > h.size || e.len > h.size - e.off) why = "damaged";
    }
    if (why) {
        snprintf(pc->state, sizeof pc->state, "rebuilt (%s)", why);
        rv_unmap_file(&pc->map);
        return;
    }
    pc->table = (const entry *)(const void *)(d + HEAD);
    pc->count = h.count;
    snprintf(pc->state, sizeof pc->state, "mapped");
}

rv_status rv_pack_cache_open(rv_pack_cache **out, const char *path, const char *key) {
    *out = NULL;
    rv_pack_cache *pc = calloc(1, sizeof *pc);
    if (!pc || (path && !(pc->path = strdup(path)))) {
        free(pc);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    snprintf(pc->key, sizeof pc->key, "%s", key ? key : "");
    snprintf(pc->state, sizeof pc->state, path ? "built" : "none");
    if (path && rv_map_file(&pc->map, path) == RV_OK) check_file(pc);
    *out = pc;
    return RV_OK;
}

rv_status rv_pack_cache_add(rv_pack_cache *pc, rv_dbuf *buf, size_t n, size_t k) {
    if (pc->n == pc->cap) {
        size_t cap = pc->cap ? 2 * pc->cap : 32;
        rv_dbuf **b = realloc(pc->bufs, cap * sizeof *b);
        if (b) pc->bufs = b;
        entry *e = b ? realloc(pc->shape, cap * sizeof *e) : NULL;
        if (!e) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        pc->shape = e;
        pc->cap = cap;
    }
    pc->shape[pc->n] = (entry){.n = n, .k = k};
    pc->bufs[pc->n++] = buf;
    return RV_OK;
}

rv_status rv_pack_cache_take(rv_pack_cache *pc, const rv_driver *drv, void *dev, rv_dbuf **out,
                             size_t n, size_t k) {
    *out = NULL;
    size_t i = pc->n;
    if (i < pc->count && pc->table[i].n == n && pc->table[i].k == k && drv->import_linear) {
        const entry *e = &pc->table[i];
        rv_dbuf *b = NULL;
        if (drv->import_linear(dev, &b, pc->map.data + e->off, (size_t)e->len, n, k) == RV_OK) {
            rv_status s = rv_pack_cache_add(pc, b, n, k);
            if (s != RV_OK) drv->free_buf(dev, b);
            else *out = b;
            return s;
        }
    }
    if (!pc->missed && pc->count) snprintf(pc->state, sizeof pc->state, "rebuilt (damaged)");
    pc->missed = 1;
    return RV_OK;
}

static size_t al(size_t x) {
    return (x + ALIGN - 1) / ALIGN * ALIGN;
}

/* The whole file in memory: head, table, layers. NULL when a layer cannot
 * be exported. */
static unsigned char *build(rv_pack_cache *pc, const rv_driver *drv, void *dev, size_t *size) {
    size_t off = al(HEAD + pc->n * sizeof(entry));
    entry *t = calloc(pc->n ? pc->n : 1, sizeof *t);
    for (size_t i = 0; t && i < pc->n; i++) {
        t[i] = pc->shape[i];
        t[i].off = off;
        t[i].len = drv->export_linear(dev, pc->bufs[i], NULL, 0);
        off = al(off + (size_t)t[i].len);
        if (!t[i].len) {
            free(t);
            return NULL;
        }
    }
    unsigned char *f = t ? calloc(1, off) : NULL;
    for (size_t i = 0; f && i < pc->n; i++)
        drv->export_linear(dev, pc->bufs[i], f + t[i].off, (size_t)t[i].len);
    if (f) {
        file_head h = {.version = VERSION, .count = (uint32_t)pc->n, .size = off};
        memcpy(h.magic, file_magic, sizeof h.magic);
        memcpy(h.key, pc->key, KEY);
        memcpy(f + HEAD, t, pc->n * sizeof *t);
        h.hash = XXH3_64bits(f + HEAD, off - HEAD);
        memcpy(f, &h, sizeof h);
    }
    free(t);
    *size = off;
    return f;
}

/* path written through a private name and a rename. */
static rv_status write_atomic(const char *path, const unsigned char *p, size_t len) {
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (!tmp) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    snprintf(tmp, pl + 32, "%s.tmp-%ld", path, (long)getpid());
    rv_status st = RV_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        st = rv_error_set(RV_ERR_IO, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            st = rv_error_set(RV_ERR_IO, "%s: %s", tmp, strerror(errno));
            break;
        }
        done += (size_t)w;
    }
    if (close(fd) != 0 && st == RV_OK) st = rv_error_set(RV_ERR_IO, "%s: cannot write", tmp);
    if (st == RV_OK && rename(tmp, path) != 0)
        st = rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
done:
    if (st != RV_OK) unlink(tmp);
    free(tmp);
    return st;
}

rv_status rv_pack_cache_save(rv_pack_cache *pc, const rv_driver *drv, void *dev) {
    if (pc->n != pc->count) pc->missed = 1; /* the file had layers to spare */
    if (!pc->path || !pc->missed || !pc->n || !drv->export_linear) return RV_OK;
    size_t size = 0;
    unsigned char *f = build(pc, drv, dev, &size);
    if (!f) {
        snprintf(pc->state, sizeof pc->state, "memory (layers not exportable)");
        return rv_error_set(RV_ERR_UNSUPPORTED, "%s: layers cannot be exported", pc->path);
    }
    char *dir = strdup(pc->path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash && slash != dir) *slash = '\0';
    rv_status st = !dir ? rv_error_set(RV_ERR_NOMEM, "out of memory")
                   : slash && slash != dir ? rv_mkdir_p(dir, 0755)
                                           : RV_OK;
    if (st == RV_OK) st = write_atomic(pc->path, f, size);
    if (st != RV_OK) snprintf(pc->state, sizeof pc->state, "memory (%s)", rv_error_last());
    free(dir);
    free(f);
    return st;
}

const char *rv_pack_cache_state(const rv_pack_cache *pc) {
    return pc->state;
}

void rv_pack_cache_free(rv_pack_cache *pc) {
    if (!pc) return;
    rv_unmap_file(&pc->map);
    free(pc->bufs);
    free(pc->shape);
    free(pc->path);
    free(pc);
}
