/* CPU driver: cblas_sgemm from OpenBLAS, loaded with dlopen on first use.
 *
 * Only paths that are not the default need a general sgemm (the composed
 * forward pass tests compare against, RIPVEC_CPU_GEMM=blas, attention heads
 * the AVX2 kernel does not cover), so the ripvec binary does not link
 * OpenBLAS: its loader and the threads it starts would cost every search
 * ~5 ms before main. When the library is missing, a portable loop computes
 * the same product (slower, same result up to rounding). */
#include "driver/cpu/cpu_internal.h"

#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef __typeof__(cblas_sgemm) sgemm_fn;
typedef __typeof__(openblas_set_num_threads) threads_fn;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static sgemm_fn *g_sgemm;
static char g_why[256];

static void blas_load(void) {
    static const char *const names[] = {"libopenblas.so.0", "libopenblas.so"};
    char first[200] = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !g_sgemm; i++) {
        /* RTLD_LOCAL: its symbols stay out of the global namespace */
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            const char *e = dlerror();
            if (!first[0]) snprintf(first, sizeof first, "%s", e ? e : names[i]);
            continue;
        }
        sgemm_fn *f = (sgemm_fn *)dlsym(h, "cblas_sgemm");
        threads_fn *t = (threads_fn *)dlsym(h, "openblas_set_num_threads");
        if (!f) {
            snprintf(first, sizeof first, "%s has no cblas_sgemm", names[i]);
            dlclose(h);
            continue;
        }
        /* Our pool already splits every product, so BLAS threads would only
         * fight ours for cores. Process-wide, hence once. */
        if (t) t(1);
        g_sgemm = f; /* the handle stays open for the process's life */
    }
    if (!g_sgemm) snprintf(g_why, sizeof g_why, "cannot load OpenBLAS: %s", first);
}

rv_status rv_cpu_blas_load(void) {
    pthread_once(&g_once, blas_load);
    if (g_sgemm) return RV_OK;
    return rv_error_set(RV_ERR_UNSUPPORTED, "%s", g_why);
}

/* c[m, n] = a[m, k] @ (tb ? b[n, k]^T : b[k, n]), row-major with leading
 * dimensions; the fallback when OpenBLAS is absent. */
static void portable_sgemm(const float *a, const float *b, float *c, size_t m, size_t n, size_t k,
                           int tb, size_t lda, size_t ldb, size_t ldc) {
    for (size_t i = 0; i < m; i++) {
        const float *ar = a + i * lda;
        float *cr = c + i * ldc;
        if (tb) {
            for (size_t j = 0; j < n; j++) {
                const float *br = b + j * ldb;
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                size_t p = 0;
                for (; p + 4 <= k; p += 4) {
                    s0 += ar[p] * br[p];
                    s1 += ar[p + 1] * br[p + 1];
                    s2 += ar[p + 2] * br[p + 2];
                    s3 += ar[p + 3] * br[p + 3];
                }
                for (; p < k; p++)
                    s0 += ar[p] * br[p];
                cr[j] = (s0 + s1) + (s2 + s3);
            }
        } else {
            for (size_t j = 0; j < n; j++)
                cr[j] = 0.0f;
            for (size_t p = 0; p < k; p++) {
                const float *br = b + p * ldb;
                float av = ar[p];
                for (size_t j = 0; j < n; j++)
                    cr[j] += av * br[j];
            }
        }
    }
}

void rv_cpu_sgemm(const float *a, const float *b, float *c, size_t m, size_t n, size_t k, int tb,
                  size_t lda, size_t ldb, size_t ldc) {
    pthread_once(&g_once, blas_load);
    if (g_sgemm && m <= INT32_MAX && n <= INT32_MAX && k <= INT32_MAX && lda <= INT32_MAX &&
        ldb <= INT32_MAX && ldc <= INT32_MAX) {
        g_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k,
                1.0f, a, (int)lda, b, (int)ldb, 0.0f, c, (int)ldc);
        return;
    }
    portable_sgemm(a, b, c, m, n, k, tb, lda, ldb, ldc);
}
