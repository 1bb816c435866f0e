/* The cache of indexes as a whole: one index's files removed together, the
 * indexes under a cache directory listed, one removed by path. */
#include "index/index_int.h"

#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Files beside "<index>" that belong to it, besides the store's own. */
static const char *const g_side[] = {".bm25", ".progress", ".wanted", ".lock"};

static rv_status unlink_sfx(const char *path, const char *sfx) {
    char buf[4200];
    if (snprintf(buf, sizeof buf, "%s%s", path, sfx) >= (int)sizeof buf)
        return rv_error_set(RV_ERR_INVALID_ARG, "index path too long");
    if (unlink(buf) != 0 && errno != ENOENT)
        return rv_error_set(RV_ERR_IO, "%s: %s", buf, strerror(errno));
    return RV_OK;
}

rv_status rv_index_remove_all(const char *db_path) {
    char next[4200];
    snprintf(next, sizeof next, "%s.next", db_path);
    rv_status st = rv_store_remove_files(next);
    if (st == RV_OK) st = rv_store_remove_files(db_path);
    for (size_t i = 0; st == RV_OK && i < sizeof g_side / sizeof g_side[0]; i++)
        st = unlink_sfx(db_path, g_side[i]); /* the lock last: a waiter relocks */
    if (st != RV_OK) return st;
    char *dir = strdup(db_path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) {
        *slash = 0;
        rmdir(dir); /* only when nothing else is left in it */
    }
    free(dir);
    return RV_OK;
}

static int64_t add_file(const char *path, const char *sfx, int64_t *newest) {
    char buf[4200];
    struct stat sb;
    snprintf(buf, sizeof buf, "%s%s", path, sfx);
    if (stat(buf, &sb) != 0) return 0;
    if ((int64_t)sb.st_mtime > *newest) *newest = (int64_t)sb.st_mtime;
    return (int64_t)sb.st_size;
}

/* What is known of the index at path (its own files and meta). */
static rv_status describe(rv_index_entry *e, const char *path) {
    /* (the small .progress and .wanted are left out: their times are not uses) */
    static const char *const sfx[] = {"", "-wal", "-shm", ".corpus", ".bm25", ".lock"};
    memset(e, 0, sizeof *e);
    if (!(e->path = strdup(path))) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
        e->bytes += add_file(path, sfx[i], &e->last_used);
    rv_store *s = NULL;
    rv_store_info si;
    memset(&si, 0, sizeof si);
    if (rv_store_open(&s, path, NULL, RV_STORE_INSPECT, NULL, NULL) == RV_OK)
        rv_store_info_get(s, &si);
    rv_store_close(s);
    e->root = strdup(si.root);
    e->model_id = strdup(si.model_id);
    if (!e->root || !e->model_id) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    struct stat sb;
    e->root_exists = si.root[0] && stat(si.root, &sb) == 0;
    return RV_OK;
}

static int ends_with(const char *s, const char *sfx) {
    size_t n = strlen(s), k = strlen(sfx);
    return n > k && strcmp(s + n - k, sfx) == 0;
}

static int cmp_entry(const void *a, const void *b) {
    return strcmp(((const rv_index_entry *)a)->path, ((const rv_index_entry *)b)->path);
}

rv_status rv_index_list(rv_index_entry **out, size_t *n, const char *cache_dir) {
    *out = NULL;
    *n = 0;
    char *top = NULL;
    if (!cache_dir || !*cache_dir)
        return rv_error_set(RV_ERR_INVALID_ARG, "rv_index_list: cache_dir is not set (the cache "
                                                "root, see rv_cache_root)");
    if (!(top = rv_path_join(cache_dir, "indexes")))
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    rv_status st = RV_OK;
    rv_index_entry *v = NULL;
    size_t cnt = 0, cap = 0;
    DIR *d = opendir(top), *sub = NULL;
    struct dirent *e, *f;
    while (st == RV_OK && d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char *dir = rv_path_join(top, e->d_name);
        if (!dir || !(sub = opendir(dir))) {
            free(dir);
            continue;
        }
        while (st == RV_OK && (f = readdir(sub)) != NULL) {
            if (!ends_with(f->d_name, ".sqlite")) continue;
            if (cnt == cap) {
                cap = cap ? cap * 2 : 16;
                rv_index_entry *nv = realloc(v, cap * sizeof *nv);
                if (!nv) {
                    st = rv_error_set(RV_ERR_NOMEM, "out of memory");
                    break;
                }
                v = nv;
            }
            char *path = rv_path_join(dir, f->d_name);
            st = path ? describe(&v[cnt++], path) : rv_error_set(RV_ERR_NOMEM, "out of memory");
            free(path);
        }
        closedir(sub);
        free(dir);
    }
    if (d) closedir(d);
    free(top);
    if (st != RV_OK) {
        rv_index_list_free(v, cnt);
        return st;
    }
    if (cnt > 1) qsort(v, cnt, sizeof *v, cmp_entry);
    *out = v;
    *n = cnt;
    return RV_OK;
}

void rv_index_list_free(rv_index_entry *l, size_t n) {
    for (size_t i = 0; l && i < n; i++) {
        free(l[i].path);
        free(l[i].root);
        free(l[i].model_id);
    }
    free(l);
}

rv_status rv_index_remove(const char *db_path) {
    char lock_path[4200];
    snprintf(lock_path, sizeof lock_path, "%s.lock", db_path);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return rv_error_set(RV_ERR_IO, "%s: %s", lock_path, strerror(errno));
    rv_status st = RV_OK;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        st = rv_error_set(RV_ERR_IO, "%s: in use by another ripvec", db_path);
    else
        st = rv_index_remove_all(db_path);
    close(fd);
    return st;
}
