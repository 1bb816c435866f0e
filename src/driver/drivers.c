/* The table of drivers (see driver.h): the CPU driver is compiled in; the
 * CUDA driver, when built, is a shared object loaded on first request. */
#include "driver/driver.h"

#include <stdio.h>
#include <string.h>

#ifdef RV_HAVE_CUDA
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define RV_CUDA_LIB "libripvec_cuda.so"

static pthread_mutex_t g_cuda_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_cuda_tried;
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

/* lib (rv_driver_params.cuda_lib), else next to the executable or one level
 * up (build/ holds the library, build/tests/ and build/bench/ the programs
 * that use it). */
static void load_cuda(const char *lib) {
    if (lib && *lib) {
        try_load(lib);
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

/* The first request loads the library; later ones share what it found. */
static const rv_driver *cuda_driver(const char *lib) {
    pthread_mutex_lock(&g_cuda_mu);
    if (!g_cuda_tried) {
        g_cuda_tried = 1;
        load_cuda(lib);
    }
    pthread_mutex_unlock(&g_cuda_mu);
    if (!g_cuda) rv_error_set(RV_ERR_NO_DEVICE, "CUDA driver unavailable: %s", g_cuda_why);
    return g_cuda;
}
#endif

static const rv_driver *find(const char *name, const char *cuda_lib) {
    if (!name || !*name || strcmp(name, "cpu") == 0) return &rv_driver_cpu;
#ifdef RV_HAVE_CUDA
    if (strcmp(name, "cuda") == 0) return cuda_driver(cuda_lib);
    if (strcmp(name, "auto") == 0) {
        const rv_driver *c = cuda_driver(cuda_lib);
        return c ? c : &rv_driver_cpu;
    }
#else
    (void)cuda_lib;
    if (strcmp(name, "auto") == 0) return &rv_driver_cpu;
#endif
    return NULL;
}

const rv_driver *rv_driver_find(const char *name) {
    return find(name, NULL);
}

static rv_status open_one(const rv_driver *drv, void **out_dev, int threads,
                          const rv_driver_params *p) {
    if (drv->version < RV_DRIVER_VERSION)
        return rv_error_set(RV_ERR_NO_DEVICE, "driver '%s' is too old (version %u < %u)", drv->name,
                            (unsigned)drv->version, (unsigned)RV_DRIVER_VERSION);
    rv_status s = drv->device_open(out_dev, threads);
    if (s == RV_OK && drv->configure && (s = drv->configure(*out_dev, p)) != RV_OK) {
        if (drv->device_close) drv->device_close(*out_dev); /* configure's error stays */
        *out_dev = NULL;
    }
    return s;
}

rv_status rv_driver_open(const rv_driver **out_drv, void **out_dev, const char *name, int threads,
                         const rv_driver_params *p) {
    static const rv_driver_params def = {0};
    const char *want = name && *name ? name : "cpu";
    if (!p) p = &def;
    const rv_driver *drv = find(want, p->cuda_lib);
    *out_drv = NULL;
    *out_dev = NULL;
    if (!drv)
        return rv_error_set(RV_ERR_NO_DEVICE,
                            "device '%s' is not available in this build (use cpu%s)", want,
#ifdef RV_HAVE_CUDA
                            ", cuda or auto"
#else
                            " or auto"
#endif
        );
    rv_status s = open_one(drv, out_dev, threads, p);
    /* a knob the device cannot honour, or an unknown one: said as is */
    int knob = s == RV_ERR_UNSUPPORTED || s == RV_ERR_INVALID_ARG;
    if (s != RV_OK && !knob && strcmp(want, "auto") == 0 && drv != &rv_driver_cpu) {
        drv = &rv_driver_cpu; /* auto: no usable GPU, fall back */
        s = open_one(drv, out_dev, threads, p);
    }
    knob = s == RV_ERR_UNSUPPORTED || s == RV_ERR_INVALID_ARG;
    if (s != RV_OK && knob) return s;
    if (s != RV_OK)
        return s == RV_ERR_NO_DEVICE
                   ? s
                   : rv_error_set(RV_ERR_NO_DEVICE, "device '%s': %s", want, rv_error_last());
    *out_drv = drv;
    return RV_OK;
}
