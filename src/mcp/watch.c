/* inotify change detection for the MCP engine (see watch.h). */
#include "mcp/watch.h"

#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define RV_WATCH_MASK                                                                              \
    (IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |            \
     IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)

/* wd -> directory path, for adding watches under newly created directories. */
typedef struct wd_path {
    int wd;
    char *path;
} wd_path;

struct rv_mcp_watch {
    int fd;
    wd_path *dirs;
    size_t count, cap;
    int broken; /* a watch could not be added: report changes forever */
};

static int remember(rv_mcp_watch *w, int wd, const char *path) {
    for (size_t i = 0; i < w->count; i++)
        if (w->dirs[i].wd == wd) return 1; /* same directory again (moved) */
    if (w->count == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 64;
        wd_path *nd = realloc(w->dirs, ncap * sizeof *nd);
        if (!nd) return 0;
        w->dirs = nd;
        w->cap = ncap;
    }
    char *p = strdup(path);
    if (!p) return 0;
    w->dirs[w->count++] = (wd_path){wd, p};
    return 1;
}

/* Watches dir and, depth first, the directories below it. 0 on failure. */
static int add_tree(rv_mcp_watch *w, const char *dir) {
    int wd = inotify_add_watch(w->fd, dir, RV_WATCH_MASK);
    if (wd < 0) return errno == ENOENT || errno == ENOTDIR; /* vanished: fine */
    if (!remember(w, wd, dir)) return 0;
    DIR *d = opendir(dir);
    if (!d) return 1;
    int ok = 1;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue; /* ".", "..", .git and other hidden dirs */
        int is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;
            char *p = rv_path_join(dir, e->d_name);
            is_dir = p && lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
            free(p);
        }
        if (!is_dir) continue;
        char *sub = rv_path_join(dir, e->d_name);
        ok = sub && add_tree(w, sub);
        free(sub);
    }
    closedir(d);
    return ok;
}

rv_status rv_mcp_watch_create(rv_mcp_watch **out, const char *root) {
    *out = NULL;
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
        return rv_error_set(RV_ERR_UNSUPPORTED, "%s is not a directory", root);
    rv_mcp_watch *w = calloc(1, sizeof *w);
    if (!w) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        free(w);
        return rv_error_set(RV_ERR_UNSUPPORTED, "inotify: %s", strerror(errno));
    }
    if (!add_tree(w, root)) {
        rv_status err =
            rv_error_set(RV_ERR_UNSUPPORTED, "inotify watch on %s: %s", root, strerror(errno));
        rv_mcp_watch_free(w);
        return err;
    }
    *out = w;
    return RV_OK;
}

static const char *dir_of(const rv_mcp_watch *w, int wd) {
    for (size_t i = 0; i < w->count; i++)
        if (w->dirs[i].wd == wd) return w->dirs[i].path;
    return NULL;
}

int rv_mcp_watch_changed(rv_mcp_watch *w) {
    int changed = w->broken;
    _Alignas(struct inotify_event) char buf[16384];
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* EAGAIN: drained */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            changed = 1;
            if (ev->mask & IN_Q_OVERFLOW) continue;
            if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && (ev->mask & IN_ISDIR) && ev->len &&
                ev->name[0] != '.') {
                const char *parent = dir_of(w, ev->wd);
                char *sub = parent ? rv_path_join(parent, ev->name) : NULL;
                if (!sub || !add_tree(w, sub)) w->broken = 1;
                free(sub);
            }
        }
    }
    return changed;
}

void rv_mcp_watch_free(rv_mcp_watch *w) {
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    for (size_t i = 0; i < w->count; i++)
        free(w->dirs[i].path);
    free(w->dirs);
    free(w);
}
