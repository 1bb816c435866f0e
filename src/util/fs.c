/* Whole-file reads and read-only mappings (see fs.h). */
#define _POSIX_C_SOURCE 200809L
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

rv_status rv_map_file(rv_mapped *out, const char *path) {
    out->data = NULL;
    out->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    rv_status rc = RV_OK;
    if (fstat(fd, &st) != 0) {
        rc = rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = rv_error_set(RV_ERR_IO, "%s: not a regular file", path);
        goto done;
    }
    if (st.st_size == 0) goto done;
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        rc = rv_error_set(RV_ERR_IO, "%s: mmap: %s", path, strerror(errno));
        goto done;
    }
    /* Large files (model weights, index sections): should the kernel read
     * them back after an eviction, let it use 2 MiB page-cache folios, which
     * this mapping then maps one PMD at a time. Touching and unmapping 90 MB
     * of weights in 4 KiB pages costs ~10 + 6 ms; in 2 MiB pages < 1 ms. */
    if ((size_t)st.st_size >= RV_HUGE_FILE_BYTES) madvise(p, (size_t)st.st_size, MADV_HUGEPAGE);
    out->data = p;
    out->size = (size_t)st.st_size;
done:
    close(fd);
    return rc;
}

void rv_unmap_file(rv_mapped *m) {
    if (m && m->data) munmap((void *)m->data, m->size);
    if (m) {
        m->data = NULL;
        m->size = 0;
    }
}

rv_status rv_writer_init(rv_writer *w, int fd) {
    w->fd = fd;
    w->len = 0;
    w->err = 0;
    w->buf = malloc(RV_HUGE_FILE_BYTES);
    return w->buf ? RV_OK : rv_error_set(RV_ERR_NOMEM, "out of memory");
}

static int writer_drain(rv_writer *w) {
    const char *c = w->buf;
    size_t n = w->len;
    while (n && !w->err) {
        ssize_t k = write(w->fd, c, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            w->err = k < 0 ? errno : EIO;
        else {
            c += k;
            n -= (size_t)k;
        }
    }
    w->len = 0;
    return w->err ? -1 : 0;
}

int rv_writer_put(rv_writer *w, const void *p, size_t n) {
    const char *c = p;
    while (n && !w->err) {
        size_t take = RV_HUGE_FILE_BYTES - w->len;
        if (take > n) take = n;
        memcpy(w->buf + w->len, c, take);
        w->len += take;
        c += take;
        n -= take;
        if (w->len == RV_HUGE_FILE_BYTES) writer_drain(w);
    }
    if (w->err) errno = w->err;
    return w->err ? -1 : 0;
}

int rv_writer_finish(rv_writer *w) {
    int rc = writer_drain(w);
    if (rc) errno = w->err;
    free(w->buf);
    w->buf = NULL;
    return rc;
}

rv_status rv_read_file(char **out, size_t *out_len, const char *path, size_t max_bytes) {
    *out = NULL;
    if (out_len) *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
    rv_status rc = RV_OK;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        rc = rv_error_set(RV_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap > max_bytes) {
                rc = rv_error_set(RV_ERR_FORMAT, "%s: larger than %zu bytes", path, max_bytes);
                goto done;
            }
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = rv_error_set(RV_ERR_NOMEM, "%s: out of memory", path);
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    if (ferror(f)) {
        rc = rv_error_set(RV_ERR_IO, "%s: read error", path);
        goto done;
    }
    if (len > max_bytes) {
        rc = rv_error_set(RV_ERR_FORMAT, "%s: larger than %zu bytes", path, max_bytes);
        goto done;
    }
    buf[len] = '\0';
    *out = buf;
    if (out_len) *out_len = len;
    buf = NULL;
done:
    free(buf);
    fclose(f);
    return rc;
}

char *rv_path_join(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    int slash = la > 0 && a[la - 1] != '/';
    char *s = malloc(la + lb + 2);
    if (!s) return NULL;
    memcpy(s, a, la);
    if (slash) s[la] = '/';
    memcpy(s + la + slash, b, lb + 1);
    return s;
}

rv_status rv_mkdir_p(const char *path, unsigned mode) {
    size_t n = strlen(path);
    char *tmp = malloc(n + 1);
    if (!tmp) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    memcpy(tmp, path, n + 1);
    rv_status rc = RV_OK;
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0') continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST) {
            rc = rv_error_set(RV_ERR_IO, "mkdir %s: %s", tmp, strerror(errno));
            break;
        }
        tmp[i] = c;
    }
    free(tmp);
    return rc;
}

int rv_path_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

rv_status rv_cache_root(char **out, const char *ripvec_cache, const char *xdg_cache_home,
                        const char *home) {
    *out = NULL;
    if (ripvec_cache && *ripvec_cache) {
        *out = strdup(ripvec_cache);
        return *out ? RV_OK : rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    if (xdg_cache_home && xdg_cache_home[0] == '/') {
        *out = rv_path_join(xdg_cache_home, "ripvec");
        return *out ? RV_OK : rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    char buf[4096];
    struct passwd pw, *res = NULL;
    if ((!home || !*home) && getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res)
        home = res->pw_dir;
    if (!home || !*home)
        return rv_error_set(RV_ERR_NOT_FOUND, "cannot find the cache directory: set HOME, "
                                              "XDG_CACHE_HOME or RIPVEC_CACHE");
    *out = rv_path_join(home, ".cache/ripvec");
    return *out ? RV_OK : rv_error_set(RV_ERR_NOMEM, "out of memory");
}
