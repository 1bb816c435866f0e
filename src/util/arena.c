/* Bump allocator for per-batch scratch (see arena.h). */
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

enum { RV_ARENA_ALIGN = 64 };

struct rv_arena {
    unsigned char *base;
    size_t cap;
    size_t used;
    size_t high;
};

rv_status rv_arena_create(rv_arena **out, size_t capacity) {
    *out = NULL;
    rv_arena *a = calloc(1, sizeof *a);
    if (!a) return rv_error_set(RV_ERR_NOMEM, "arena: out of memory");
    size_t cap = (capacity + RV_ARENA_ALIGN - 1) / RV_ARENA_ALIGN * RV_ARENA_ALIGN;
    if (cap < capacity || cap == 0) cap = RV_ARENA_ALIGN;
    a->base = aligned_alloc(RV_ARENA_ALIGN, cap);
    if (!a->base) {
        free(a);
        return rv_error_set(RV_ERR_NOMEM, "arena: cannot reserve %zu bytes", capacity);
    }
    a->cap = cap;
    *out = a;
    return RV_OK;
}

void rv_arena_free(rv_arena *a) {
    if (!a) return;
    free(a->base);
    free(a);
}

void *rv_arena_alloc(rv_arena *a, size_t bytes) {
    size_t start = (a->used + RV_ARENA_ALIGN - 1) / RV_ARENA_ALIGN * RV_ARENA_ALIGN;
    if (start < a->used || bytes > a->cap || start > a->cap - bytes) {
        rv_error_set(RV_ERR_NOMEM, "arena: %zu bytes requested, %zu of %zu free", bytes,
                     a->cap - a->used, a->cap);
        return NULL;
    }
    a->used = start + bytes;
    if (a->used > a->high) a->high = a->used;
    return a->base + start;
}

void *rv_arena_calloc(rv_arena *a, size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) {
        rv_error_set(RV_ERR_NOMEM, "arena: size overflow");
        return NULL;
    }
    void *p = rv_arena_alloc(a, count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

size_t rv_arena_mark(const rv_arena *a) { return a->used; }
void rv_arena_reset_to(rv_arena *a, size_t mark) {
    if (mark <= a->used) a->used = mark;
}
size_t rv_arena_capacity(const rv_arena *a) { return a->cap; }
size_t rv_arena_high_water(const rv_arena *a) { return a->high; }
