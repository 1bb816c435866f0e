/*
 * tests/rvtest.h — the minimal test harness every tests/test_*.c uses.
 *
 *   RV_TEST(arena_reuses_space) { ... RV_CHECK(x == 3); RV_CHECK_EQ_INT(a, b); }
 *   int main(void) { RV_RUN(arena_reuses_space); return rv_test_summary(); }
 *
 * Each RV_RUN prints "ok <name>" or "FAIL <name>" (with the failing checks);
 * rv_test_summary prints "N passed, N failed" and returns the exit code.
 * tests/run.sh adds the binaries' counts up into the final line CI reads.
 */
#ifndef RV_TESTS_RVTEST_H
#define RV_TESTS_RVTEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int rvt_passed, rvt_failed, rvt_cur_failed;

#define RV_TEST(name) static void name(void)

#define RV_RUN(name)                                                                     \
    do {                                                                                 \
        rvt_cur_failed = 0;                                                              \
        name();                                                                          \
        if (rvt_cur_failed) {                                                            \
            rvt_failed++;                                                                \
            printf("FAIL %s\n", #name);                                                  \
        } else {                                                                         \
            rvt_passed++;                                                                \
            printf("ok   %s\n", #name);                                                  \
        }                                                                                \
        fflush(stdout);                                                                  \
    } while (0)

#define RV_CHECK(cond)                                                                   \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            rvt_cur_failed = 1;                                                          \
            printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);            \
        }                                                                                \
    } while (0)

#define RV_CHECK_MSG(cond, ...)                                                          \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            rvt_cur_failed = 1;                                                          \
            printf("  %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);            \
            printf(__VA_ARGS__);                                                         \
            printf("\n");                                                                \
        }                                                                                \
    } while (0)

#define RV_CHECK_EQ_INT(a, b)                                                            \
    do {                                                                                 \
        long long rvt_a = (long long)(a), rvt_b = (long long)(b);                        \
        if (rvt_a != rvt_b) {                                                            \
            rvt_cur_failed = 1;                                                          \
            printf("  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b,  \
                   rvt_a, rvt_b);                                                        \
        }                                                                                \
    } while (0)

#define RV_CHECK_STR(a, b)                                                               \
    do {                                                                                 \
        const char *rvt_sa = (a), *rvt_sb = (b);                                         \
        if (!rvt_sa || !rvt_sb || strcmp(rvt_sa, rvt_sb) != 0) {                         \
            rvt_cur_failed = 1;                                                          \
            printf("  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a,  \
                   #b, rvt_sa ? rvt_sa : "(null)", rvt_sb ? rvt_sb : "(null)");          \
        }                                                                                \
    } while (0)

#define RV_CHECK_NEAR(a, b, tol)                                                         \
    do {                                                                                 \
        double rvt_x = (double)(a), rvt_y = (double)(b);                                 \
        if (!(fabs(rvt_x - rvt_y) <= (tol))) {                                           \
            rvt_cur_failed = 1;                                                          \
            printf("  %s:%d: |%s - %s| <= %g failed: %.9g vs %.9g\n", __FILE__, __LINE__, \
                   #a, #b, (double)(tol), rvt_x, rvt_y);                                 \
        }                                                                                \
    } while (0)

static inline int rv_test_summary(void) {
    (void)rvt_cur_failed; /* a binary whose tests did not run uses no RV_RUN */
    printf("%d passed, %d failed\n", rvt_passed, rvt_failed);
    return rvt_failed ? 1 : 0;
}

#endif
