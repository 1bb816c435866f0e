/*
 * util/arena.h — a bump allocator for per-batch scratch.
 *
 *   rv_arena *a; rv_arena_create(&a, 64u << 20);
 *   size_t mark = rv_arena_mark(a);
 *   float *tmp = rv_arena_alloc(a, n * sizeof(float));   // NULL when full
 *   rv_arena_reset_to(a, mark);                          // drop tmp
 *   rv_arena_free(a);
 *
 * Sized once for the worst case; never grows, so pointers stay valid until the
 * cursor is moved back past them. Allocations are 64-byte aligned.
 */
#ifndef RV_UTIL_ARENA_H
#define RV_UTIL_ARENA_H

#include "ripvec/common.h"

typedef struct rv_arena rv_arena;

/* Creates an arena of `capacity` bytes. Caller frees with rv_arena_free. */
rv_status rv_arena_create(rv_arena **out, size_t capacity);
void rv_arena_free(rv_arena *a);

/* 64-byte aligned, uninitialised; NULL (and an error message) when full. */
void *rv_arena_alloc(rv_arena *a, size_t bytes);
/* Same, zero-filled. */
void *rv_arena_calloc(rv_arena *a, size_t count, size_t size);

size_t rv_arena_mark(const rv_arena *a);
void rv_arena_reset_to(rv_arena *a, size_t mark);
size_t rv_arena_capacity(const rv_arena *a);
size_t rv_arena_high_water(const rv_arena *a);

#endif
