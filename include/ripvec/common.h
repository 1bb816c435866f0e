/*
 * ripvec/common.h — status codes and the thread-local error message.
 *
 *   rv_status st = rv_something(&out, ...);
 *   if (st != RV_OK) fprintf(stderr, "ripvec: %s\n", rv_error_last());
 *
 * Every fallible library function returns an rv_status (0 = ok, negative =
 * error) and, on error, leaves a one-line message for the calling thread in
 * rv_error_last(). The library never prints and never calls exit().
 */
#ifndef RIPVEC_COMMON_H
#define RIPVEC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rv_status {
    RV_OK = 0,
    RV_ERR_IO = -1,          /* open/read/write/mmap failed */
    RV_ERR_FORMAT = -2,      /* malformed input file or message */
    RV_ERR_NOMEM = -3,       /* allocation failed or size overflow */
    RV_ERR_INVALID_ARG = -4, /* caller passed something unusable */
    RV_ERR_NOT_FOUND = -5,   /* file, tensor, model or key missing */
    RV_ERR_UNSUPPORTED = -6, /* valid but not handled (dtype, arch, …) */
    RV_ERR_CORRUPT = -7,     /* stored data fails its own checks */
    RV_ERR_BUSY = -8,        /* resource locked by someone else */
    RV_ERR_CANCELLED = -9,   /* stopped on request */
    RV_ERR_NO_DEVICE = -10,  /* requested backend/device not present */
    RV_ERR_INTERNAL = -11    /* a bug: invariant broken */
} rv_status;

/* The calling thread's last error message ("" if none). Valid until the
 * thread's next failing call. Never NULL. */
const char *rv_error_last(void);

/* A short fixed name for a status code ("io", "format", …). */
const char *rv_status_name(rv_status st);

/* Library-internal (but usable by front ends): record a printf-style message
 * for the calling thread and return `st` so callers can `return
 * rv_error_set(RV_ERR_FORMAT, "...")`. Newlines are replaced by spaces so the
 * message stays on one line. */
rv_status rv_error_set(rv_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prefix the current message with "what: " (e.g. a file path). Returns st. */
rv_status rv_error_prefix(rv_status st, const char *what);

void rv_error_clear(void);

/* ripvec's cache directory (indexes under "indexes", models under "models"),
 * computed from values the front end read (the library reads no
 * environment), malloc'd; caller frees. The CLI passes $RIPVEC_CACHE for
 * indexes (NULL for models), $XDG_CACHE_HOME and $HOME:
 *   ripvec_cache when set and non-empty, else
 *   xdg_cache_home/ripvec when it is an absolute path (as the XDG spec says),
 *   else home/.cache/ripvec, home falling back to the password database.
 * RV_ERR_NOT_FOUND when there is no home at all. */
rv_status rv_cache_root(char **out, const char *ripvec_cache, const char *xdg_cache_home,
                        const char *home);

#ifdef __cplusplus
}
#endif
#endif
