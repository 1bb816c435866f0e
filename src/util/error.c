/* Thread-local, one-line error messages (see ripvec/common.h). */
#include "ripvec/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { RV_ERR_MSG_MAX = 512 };

static _Thread_local char g_msg[RV_ERR_MSG_MAX];

static void one_line(char *s) {
    for (; *s; s++)
        if (*s == '\n' || *s == '\r') *s = ' ';
}

const char *rv_error_last(void) { return g_msg; }

void rv_error_clear(void) { g_msg[0] = '\0'; }

rv_status rv_error_set(rv_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    one_line(g_msg);
    return st;
}

rv_status rv_error_prefix(rv_status st, const char *what) {
    char tmp[2 * RV_ERR_MSG_MAX + 64];
    snprintf(tmp, sizeof tmp, "%.*s: %s", RV_ERR_MSG_MAX, what, g_msg);
    memcpy(g_msg, tmp, sizeof g_msg - 1);
    g_msg[sizeof g_msg - 1] = '\0';
    one_line(g_msg);
    return st;
}

const char *rv_status_name(rv_status st) {
    switch (st) {
    case RV_OK: return "ok";
    case RV_ERR_IO: return "io";
    case RV_ERR_FORMAT: return "format";
    case RV_ERR_NOMEM: return "nomem";
    case RV_ERR_INVALID_ARG: return "invalid-arg";
    case RV_ERR_NOT_FOUND: return "not-found";
    case RV_ERR_UNSUPPORTED: return "unsupported";
    case RV_ERR_CORRUPT: return "corrupt";
    case RV_ERR_BUSY: return "busy";
    case RV_ERR_CANCELLED: return "cancelled";
    case RV_ERR_NO_DEVICE: return "no-device";
    case RV_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}
