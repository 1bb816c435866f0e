/* Tree-sitter's per-parse arena (src/chunk/ts_arena.c): blocks keep their
 * contents through reallocation, large blocks come from the heap and are
 * tracked, and a big parse chunks the same way every time. The
 * sanitizer build runs these with every slab freed at the arena's end. */
#include "chunk/ts_arena.h"
#include "ripvec/chunk.h"
#include "rvtest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int filled(const unsigned char *p, size_t n, unsigned char v) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != v) return 0;
    return 1;
}

RV_TEST(outside_a_parse_blocks_are_the_heaps) {
    unsigned char *p = rv_ts_malloc(100);
    RV_CHECK(p && ((uintptr_t)p & 15) == 0);
    memset(p, 7, 100);
    p = rv_ts_realloc(p, 5000);
    RV_CHECK(p && filled(p, 100, 7));
    int *z = rv_ts_calloc(10, sizeof *z);
    RV_CHECK(z && z[0] == 0 && z[9] == 0);
    rv_ts_free(p);
    rv_ts_free(z);
    rv_ts_free(NULL);
}

RV_TEST(arena_blocks_keep_their_contents) {
    rv_ts_arena_begin();
    unsigned char *blocks[2000];
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(i % 97) * 13 + 1;
        blocks[i] = rv_ts_malloc(n);
        RV_CHECK(blocks[i] && ((uintptr_t)blocks[i] & 15) == 0);
        memset(blocks[i], i & 255, n);
        if (i % 3 == 0) rv_ts_free(blocks[i]), blocks[i] = NULL; /* a no-op in the arena */
    }
    for (int i = 0; i < 2000; i++)
        if (blocks[i]) RV_CHECK(filled(blocks[i], (size_t)(i % 97) * 13 + 1, i & 255));
    /* growing: the newest block in place, an older one by a copy */
    unsigned char *a = rv_ts_malloc(64), *b = rv_ts_malloc(64);
    memset(a, 1, 64);
    memset(b, 2, 64);
    unsigned char *b2 = rv_ts_realloc(b, 4096);
    RV_CHECK(b2 == b && filled(b2, 64, 2));
    unsigned char *a2 = rv_ts_realloc(a, 4096);
    RV_CHECK(a2 && a2 != a && filled(a2, 64, 1));
    RV_CHECK(rv_ts_realloc(a2, 10) == a2); /* shrinking keeps the block */
    RV_CHECK(rv_ts_arena_only());
    rv_ts_arena_end();
}

RV_TEST(large_blocks_come_from_the_heap_and_are_counted) {
    rv_ts_arena_begin();
    unsigned char *small = rv_ts_malloc(32);
    memset(small, 3, 32);
    RV_CHECK(rv_ts_arena_only());
    unsigned char *big = rv_ts_malloc((size_t)2 << 20);
    RV_CHECK(big != NULL);
    RV_CHECK(!rv_ts_arena_only());
    rv_ts_free(big);
    RV_CHECK(rv_ts_arena_only());
    /* an arena block grown past the limit moves to the heap */
    unsigned char *moved = rv_ts_realloc(small, (size_t)3 << 20);
    RV_CHECK(moved && filled(moved, 32, 3));
    RV_CHECK(!rv_ts_arena_only());
    rv_ts_free(moved);
    RV_CHECK(rv_ts_arena_only());
    rv_ts_arena_end();
}

/* A definition, n one-word statements, a definition: a big tree. */
static char *many_statements(size_t n, size_t *len) {
    char *s = malloc(n * 2 + 200);
    size_t k = 0;
    k += (size_t)sprintf(s + k, "def first(a):\n    return a + 1\n\n");
    for (size_t i = 0; i < n; i++)
        s[k++] = 'x', s[k++] = '\n';
    k += (size_t)sprintf(s + k, "\ndef last(b):\n    return b * 2\n");
    *len = k;
    return s;
}

RV_TEST(a_big_tree_chunks_the_same_twice) {
    size_t len = 0;
    char *src = many_statements(100000, &len);
    RV_CHECK(len < ((size_t)2 << 20)); /* below the size that skips tree-sitter */
    rv_chunk_params p = rv_chunk_default_params();
    rv_chunk_list a = {0}, b = {0};
    RV_CHECK(rv_chunk_file(&a, "big.py", src, len, &p) == RV_OK);
    RV_CHECK(rv_chunk_file(&b, "big.py", src, len, &p) == RV_OK);
    RV_CHECK(a.count > 2 && a.count == b.count);
    int found_first = 0, found_last = 0;
    for (size_t i = 0; i < a.count && i < b.count; i++) {
        RV_CHECK(a.items[i].start_line == b.items[i].start_line);
        RV_CHECK(strcmp(a.items[i].content, b.items[i].content) == 0);
        found_first |= strcmp(a.items[i].name, "first") == 0;
        found_last |= strcmp(a.items[i].name, "last") == 0;
    }
    RV_CHECK(found_first && found_last); /* parsed, not windows */
    rv_chunk_list_free(&a);
    rv_chunk_list_free(&b);
    free(src);
}

int main(void) {
    RV_RUN(outside_a_parse_blocks_are_the_heaps);
    RV_RUN(arena_blocks_keep_their_contents);
    RV_RUN(large_blocks_come_from_the_heap_and_are_counted);
    RV_RUN(a_big_tree_chunks_the_same_twice);
    return rv_test_summary();
}
