/* The table of drivers (see driver.h): the CPU driver is compiled in; the
 * CUDA driver, when built, is a shared object loaded on first request. */
#include "engine/driver.h"

#include <string.h>

#ifdef RV_HAVE_CUDA
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define RV_CUDA_LIB "libripvec_cuda.so"

static pthread_once_t g_cuda_once = PTHREAD_ONCE_INIT;
static const rv_driver *g_cuda;
static char g_cuda_why[512];

typedef void (*bind_fn)(rv_status (*)(rv_status, const char *, ...));

static int try_load(const char *path) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(g_cuda_why, sizeof g_cuda_why, "%s", dlerror());
        return 0;
    }
    bind_fn bind = (bind_fn)dlsym(h, "rv_cuda_bind_host");
    const rv_driver *drv = dlsym(h, "rv_driver_cuda");
    if (!bind || !drv) {
        snprintf(g_cuda_why, sizeof g_cuda_why, "%s: not a ripvec CUDA driver", path);
        dlclose(h);
        return 0;
    }
    bind(rv_error_set);
    g_cuda = drv; /* kept loaded for the life of the process */
    return 1;
}

/* $RIPVEC_CUDA_LIB, else next to the executable or one level up (build/ holds
 * the library, build/tests/ and build/bench/ the programs that use it). */
static void load_cuda(void) {
    const char *env = getenv("RIPVEC_CUDA_LIB");
    if (env && *env) {
        try_load(env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(g_cuda_why, sizeof g_cuda_why, "cannot locate the executable");
        return;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    static const char *const rel[] = {"/" RV_CUDA_LIB, "/../" RV_CUDA_LIB,
                                      "/../lib/ripvec/" RV_CUDA_LIB};
    char path[PATH_MAX + 64];
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(path, sizeof path, "%s%s", exe, rel[i]);
        if (access(path, R_OK) == 0 && try_load(path)) return;
    }
    if (!g_cuda_why[0])
        snprintf(g_cuda_why, sizeof g_cuda_why, "%s not found next to %.400s", RV_CUDA_LIB, exe);
}

static const rv_driver *cuda_driver(void) {
    pthread_once(&g_cuda_once, load_cuda);
    if (!g_cuda) rv_error_set(RV_ERR_NO_DEVICE, "CUDA driver unavailable: %s", g_cuda_why);
    return g_cuda;
}
#endif

const rv_driver *rv_driver_find(const char *name) {
    if (!name || !*name || strcmp(name, "cpu") == 0) return &rv_driver_cpu;
#ifdef RV_HAVE_CUDA
    if (strcmp(name, "cuda") == 0) return cuda_driver();
    if (strcmp(name, "auto") == 0) {
        const rv_driver *c = cuda_driver();
        return c ? c : &rv_driver_cpu;
    }
#else
    if (strcmp(name, "auto") == 0) return &rv_driver_cpu;
#endif
    return NULL;
}
