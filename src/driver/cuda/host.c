/*
 * driver/cuda/host.c — what the CUDA driver library needs from the program
 * that loads it.
 *
 * The CUDA driver is a shared object (libripvec_cuda.so) that the engine
 * dlopen()s only when a CUDA device is asked for, so the ripvec binary never
 * loads cuBLAS (hundreds of MB, ~0.2 s) for a CPU search and runs where no
 * CUDA libraries exist. Errors set inside the library must reach the host's
 * thread-local rv_error_last(), so the host binds its rv_error_set here.
 */
#include "ripvec/common.h"

#include <stdarg.h>
#include <stdio.h>

typedef rv_status (*rv_error_set_fn)(rv_status, const char *, ...);

static rv_error_set_fn g_host_error_set;

__attribute__((visibility("default"))) void rv_cuda_bind_host(rv_error_set_fn error_set) {
    g_host_error_set = error_set;
}

/* This library's own rv_error_set (hidden), forwarding to the host's. */
rv_status rv_error_set(rv_status st, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return g_host_error_set ? g_host_error_set(st, "%s", msg) : st;
}
