/* Path confinement (see path.h). */
#include "mcp/path.h"

#include "util/fs.h"
#include "walk/glob.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Lexical normalization shared by paths and globs. */
static rv_status normalize(char **out, const char *path, const char *what) {
    *out = NULL;
    if (!path || !*path) return rv_error_set(RV_ERR_INVALID_ARG, "%s is empty", what);
    if (path[0] == '/' || path[0] == '\\')
        return rv_error_set(RV_ERR_INVALID_ARG, "%s must be relative to the root", what);
    if (path[0] == '~')
        return rv_error_set(RV_ERR_INVALID_ARG, "%s must be relative to the root", what);
    size_t n = strlen(path);
    char *res = malloc(n + 1);
    if (!res) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    size_t w = 0;
    const char *p = path;
    while (*p) {
        const char *e = p;
        while (*e && *e != '/' && *e != '\\')
            e++;
        size_t len = (size_t)(e - p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            free(res);
            return rv_error_set(RV_ERR_INVALID_ARG, "%s may not contain '..'", what);
        }
        if (*e == '\\') {
            free(res);
            return rv_error_set(RV_ERR_INVALID_ARG, "%s may not contain '\\'", what);
        }
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (w) res[w++] = '/';
            memcpy(res + w, p, len);
            w += len;
        }
        p = *e ? e + 1 : e;
    }
    res[w] = '\0';
    if (w == 0) {
        free(res);
        return rv_error_set(RV_ERR_INVALID_ARG, "%s names the root itself", what);
    }
    *out = res;
    return RV_OK;
}

/* 1 when `real` is root_real or lies below it. */
static int inside(const char *root_real, const char *real) {
    size_t n = strlen(root_real);
    if (n == 1 && root_real[0] == '/') return 1;
    return strncmp(real, root_real, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

rv_status rv_mcp_confine_path(char **out, const char *root_real, const char *path) {
    rv_status st = normalize(out, path, "path");
    if (st != RV_OK) return st;
    char *full = rv_path_join(root_real, *out);
    if (!full) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* Resolve the longest existing prefix: a symlink anywhere along the way
     * that leaves the root is refused even when the rest does not exist. */
    for (;;) {
        char real[PATH_MAX];
        if (realpath(full, real)) {
            if (!inside(root_real, real))
                st = rv_error_set(RV_ERR_INVALID_ARG, "path '%s' resolves outside the root", path);
            break;
        }
        int err = errno;
        struct stat lst;
        if (err == ENOENT && lstat(full, &lst) == 0 && S_ISLNK(lst.st_mode)) {
            st = rv_error_set(RV_ERR_INVALID_ARG, "path '%s' is a dangling symlink", path);
            break;
        }
        if (err != ENOENT && err != ENOTDIR) {
            st = rv_error_set(RV_ERR_INVALID_ARG, "path '%s': %s", path, strerror(err));
            break;
        }
        char *slash = strrchr(full, '/');
        if (!slash || slash == full || (size_t)(slash - full) < strlen(root_real)) break;
        *slash = '\0';
    }
done:
    free(full);
    if (st != RV_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}

rv_status rv_mcp_confine_glob(char **out, const char *glob) {
    rv_status st = normalize(out, glob, "path_glob");
    rv_glob *g = NULL;
    if (st == RV_OK) st = rv_glob_compile(&g, *out, strlen(*out), 0);
    if (st == RV_OK && rv_glob_malformed(g))
        st = rv_error_set(RV_ERR_INVALID_ARG,
                          "path_glob '%s' is malformed (an unclosed '[' or a trailing '\\')", glob);
    rv_glob_free(g);
    if (st != RV_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}
