/* Unit tests for src/util: arena, error messages, file helpers. */
#include "rvtest.h"
#include "ripvec/common.h"
#include "util/arena.h"
#include "util/fs.h"

#include <stdint.h>
#include <stdlib.h>

RV_TEST(arena_aligns_and_reuses) {
    rv_arena *a = NULL;
    RV_CHECK(rv_arena_create(&a, 1000) == RV_OK);
    size_t m = rv_arena_mark(a);
    char *p = rv_arena_alloc(a, 10);
    char *q = rv_arena_alloc(a, 10);
    RV_CHECK(p && q && ((uintptr_t)p % 64) == 0 && ((uintptr_t)q % 64) == 0);
    RV_CHECK(q - p == 64);
    rv_arena_reset_to(a, m);
    RV_CHECK(rv_arena_alloc(a, 10) == p);
    rv_arena_free(a);
}

RV_TEST(arena_refuses_overflow) {
    rv_arena *a = NULL;
    RV_CHECK(rv_arena_create(&a, 128) == RV_OK);
    RV_CHECK(rv_arena_alloc(a, 129) == NULL);
    RV_CHECK(rv_arena_alloc(a, SIZE_MAX) == NULL);
    RV_CHECK(rv_arena_calloc(a, SIZE_MAX / 2, 4) == NULL);
    RV_CHECK(strstr(rv_error_last(), "arena") != NULL);
    rv_arena_free(a);
}

RV_TEST(error_message_is_one_line) {
    RV_CHECK(rv_error_set(RV_ERR_FORMAT, "bad\nthing %d", 3) == RV_ERR_FORMAT);
    RV_CHECK_STR(rv_error_last(), "bad thing 3");
    rv_error_prefix(RV_ERR_FORMAT, "file.json");
    RV_CHECK_STR(rv_error_last(), "file.json: bad thing 3");
}

RV_TEST(read_file_missing_is_io_error) {
    char *s = NULL;
    size_t n = 0;
    RV_CHECK(rv_read_file(&s, &n, "/nonexistent/ripvec", 100) == RV_ERR_IO);
    RV_CHECK(s == NULL);
}

int main(void) {
    RV_RUN(arena_aligns_and_reuses);
    RV_RUN(arena_refuses_overflow);
    RV_RUN(error_message_is_one_line);
    RV_RUN(read_file_missing_is_io_error);
    return rv_test_summary();
}
