/* chunk/ts_arena.c — tree-sitter's allocator (its runtime is compiled with
 * ts_malloc & co. bound to these; mk/treesitter.mk). While a thread parses
 * one file, its allocations are carved from that thread's arena, a freed
 * block is pushed on a list of its size, and the tree is dropped with the
 * arena instead of node by node: malloc, free and the tree's release walk
 * were about a tenth of a cold search's instructions (docs/INDEX.md).
 * Outside a parse, or past the arena's cap, blocks come from the heap. */
#include "chunk/ts_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every block starts with this header: its size and where it lives. */
typedef struct head {
    size_t size;
    size_t in_arena;
} head;
_Static_assert(sizeof(head) == 16, "blocks stay 16-byte aligned");

typedef struct slab {
    struct slab *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
} slab;

enum {
    SLAB_MIN = 256 << 10, /* first slab of a parse */
    SLAB_MAX = 8 << 20,   /* slabs double up to this */
    ONE_MAX = 1 << 20,    /* larger blocks go to the heap */
    REUSE_MAX = 1024,     /* freed blocks up to this size are reused */
    NCLASS = REUSE_MAX / 16 + 1,
};
#define ARENA_CAP ((size_t)256 << 20) /* then the heap: a pathological parse */

typedef struct arena {
    slab *top;          /* newest slab; older ones follow */
    head *free[NCLASS]; /* freed blocks by size / 16, linked through their data */
    size_t total;       /* bytes in slabs */
    size_t heap_live;   /* heap blocks taken during the parse, not yet freed */
    int active;
} arena;

static _Thread_local arena g_arena;

static size_t round16(size_t n) {
    return (n + 15) & ~(size_t)15;
}

static head *from_heap(size_t n) {
    head *h = malloc(sizeof(head) + n);
    if (!h) return NULL;
    h->size = n;
    h->in_arena = 0;
    if (g_arena.active) g_arena.heap_live++;
    return h;
}

/* The parse frees much of what it takes (stack nodes, pooled subtrees):
 * small blocks are reused by size, so the arena stays near the live set. */
static head **free_list(size_t n) {
    return round16(n) <= REUSE_MAX ? &g_arena.free[round16(n) / 16] : NULL;
}

static head *from_arena(size_t n) {
    arena *a = &g_arena;
    if (n == 0) n = 1; /* room for the free list's link */
    head **fl = free_list(n);
    if (fl && *fl) {
        head *h = *fl;
        *fl = *(head **)(h + 1);
        h->size = n;
        return h;
    }
    size_t need = sizeof(head) + round16(n);
    slab *s = a->top;
    if (!s || s->cap - s->used < need) {
        size_t cap = s ? s->cap * 2 : SLAB_MIN;
        if (cap > SLAB_MAX) cap = SLAB_MAX;
        if (cap < need) cap = need;
        if (a->total + cap > ARENA_CAP) return NULL;
        slab *ns = malloc(sizeof(slab) + cap);
        if (!ns) return NULL;
        ns->next = s;
        ns->cap = cap;
        ns->used = 0;
        a->top = s = ns;
        a->total += cap;
    }
    head *h = (head *)(s->data + s->used);
    s->used += need;
    h->size = n;
    h->in_arena = 1;
    return h;
}

void *rv_ts_malloc(size_t n) {
    head *h = NULL;
    if (g_arena.active && n <= ONE_MAX) h = from_arena(n);
    if (!h) h = from_heap(n);
    return h ? h + 1 : NULL;
}

void *rv_ts_calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = rv_ts_malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void rv_ts_free(void *p) {
    if (!p) return;
    head *h = (head *)p - 1;
    if (h->in_arena) {
        head **fl = free_list(h->size);
        if (fl) { /* else reclaimed with the arena */
            *(head **)p = *fl;
            *fl = h;
        }
        return;
    }
    if (g_arena.active && g_arena.heap_live) g_arena.heap_live--;
    free(h);
}

/* The newest block of the newest slab grows in place when there is room. */
static int grow_in_place(head *h, size_t n) {
    slab *s = g_arena.top;
    if (!s) return 0;
    unsigned char *end = (unsigned char *)(h + 1) + round16(h->size);
    if (end != s->data + s->used) return 0;
    size_t extra = round16(n) - round16(h->size);
    if (s->cap - s->used < extra) return 0;
    s->used += extra;
    h->size = n;
    return 1;
}

void *rv_ts_realloc(void *p, size_t n) {
    if (!p) return rv_ts_malloc(n);
    head *h = (head *)p - 1;
    if (!h->in_arena) {
        head *nh = realloc(h, sizeof(head) + n);
        if (!nh) return NULL;
        nh->size = n;
        return nh + 1;
    }
    if (n <= h->size || grow_in_place(h, n)) return p;
    void *q = rv_ts_malloc(n);
    if (q) {
        memcpy(q, p, h->size);
        rv_ts_free(p);
    }
    return q;
}

void rv_ts_arena_begin(void) {
    g_arena.active = 1;
    g_arena.heap_live = 0;
}

int rv_ts_arena_only(void) {
    return g_arena.heap_live == 0;
}

void rv_ts_arena_end(void) {
    arena *a = &g_arena;
    while (a->top) {
        slab *next = a->top->next;
        free(a->top);
        a->top = next;
    }
    memset(a->free, 0, sizeof a->free);
    memset(a->free, 0, sizeof a->free);
    a->total = 0;
    a->heap_live = 0;
    a->active = 0;
}
