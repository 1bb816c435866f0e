/* Directory traversal with ripgrep's ignore semantics (see ripvec/walk.h). */
#include "ripvec/walk.h"
#include "util/vec.h"
#include "walk/filter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RV_WALK_PEEK 8192 /* bytes examined for a NUL (binary detection) */
#define TYPE_OTHER (-1)   /* FIFO, socket, device: beside the DT_* values */

typedef struct dent {
    const char *name; /* into frame.names, set once the listing is complete */
    size_t off;
    unsigned char type;
} dent;

typedef struct frame {
    char *names; /* NUL-separated entry names */
    dent *ents;  /* sorted by name */
    size_t n, next;
    size_t rel_len;  /* length of this directory's path relative to the root */
    size_t repo_len; /* rv_walk_entry.repo_len of the files in it */
    dev_t dev;
    ino_t ino;
} frame;

typedef struct walker {
    rv_walk_params p;
    rv_walk_file_fn on_file;
    rv_walk_skip_fn on_skip;
    void *user;
    char *path; /* display path: root prefix + rel */
    size_t path_cap, rel_off;
    frame *st; /* the directories being walked, root first; one filter layer each */
    size_t nst, st_cap;
    rv_wfilter *filter;
    char peek[RV_WALK_PEEK];
} walker;

rv_walk_params rv_walk_default_params(void) {
    rv_walk_params p;
    memset(&p, 0, sizeof p);
    p.max_filesize = 1u << 20;
    return p;
}

static void note(walker *w, const char *path, rv_walk_skip why, const char *detail) {
    if (w->on_skip) w->on_skip(w->user, path, why, detail ? detail : "");
}

/* Bytewise (strcmp compares as unsigned char), so the order is stable
 * across locales and machines. */
static int cmp_dent(const void *a, const void *b) {
    return strcmp(((const dent *)a)->name, ((const dent *)b)->name);
}

static void frame_free(frame *f) {
    free(f->names);
    free(f->ents);
}

/* Opens a directory, reads and sorts its entries, loads its ignore files and
 * pushes it. Failures that only affect this directory are reported and
 * return RV_OK. `open_path` is what to open (the root as given, or w->path). */
static rv_status push_dir(walker *w, const char *open_path, size_t rel_len, int nofollow) {
    rv_status st = RV_OK;
    frame f;
    struct stat sb;
    DIR *d = NULL;
    size_t names_len = 0, names_cap = 0, ents_cap = 0;
    unsigned has = 0;
    memset(&f, 0, sizeof f);
    int fd = open(open_path,
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
    /* The root failing is the caller's error, not a note. */
    if (fd < 0) {
        int e = errno;
        if (w->nst == 0) return rv_error_set(RV_ERR_IO, "%s: %s", open_path, strerror(e));
        if (e == ENOENT)
            note(w, open_path, RV_WALK_SKIP_VANISHED, "vanished during the walk");
        else if (e == ENOTDIR || e == ELOOP)
            note(w, open_path, RV_WALK_SKIP_VANISHED, "changed type during the walk");
        else
            note(w, open_path, RV_WALK_SKIP_UNREADABLE, strerror(e));
        return RV_OK;
    }
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        if (w->nst == 0) return rv_error_set(RV_ERR_IO, "%s: %s", open_path, strerror(e));
        note(w, open_path, RV_WALK_SKIP_UNREADABLE, strerror(e));
        return RV_OK;
    }
    for (size_t i = 0; i < w->nst; i++) {
        if (w->st[i].dev == sb.st_dev && w->st[i].ino == sb.st_ino) {
            close(fd);
            note(w, open_path, RV_WALK_SKIP_LOOP, "directory loop: an ancestor of itself");
            return RV_OK;
        }
    }
    f.dev = sb.st_dev;
    f.ino = sb.st_ino;
    f.rel_len = rel_len;
    if (!(d = fdopendir(fd))) {
        int e = errno;
        close(fd);
        if (w->nst == 0) return rv_error_set(RV_ERR_IO, "%s: %s", open_path, strerror(e));
        note(w, open_path, RV_WALK_SKIP_UNREADABLE, strerror(e));
        return RV_OK;
    }
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno) note(w, open_path, RV_WALK_SKIP_UNREADABLE, strerror(errno));
            break;
        }
        const char *nm = de->d_name;
        if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))) continue;
        size_t nl = strlen(nm);
        if (rv_vec_reserve((void **)&f.names, &names_cap, names_len + nl + 1, 1) != RV_OK) {
            st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
            goto fail;
        }
        if (f.n == ents_cap) {
            size_t cap = ents_cap ? ents_cap * 2 : 32;
            dent *g = realloc(f.ents, cap * sizeof *g);
            if (!g) {
                st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
                goto fail;
            }
            f.ents = g;
            ents_cap = cap;
        }
        memcpy(f.names + names_len, nm, nl + 1);
        f.ents[f.n].off = names_len;
        f.ents[f.n].type = de->d_type;
        f.n++;
        names_len += nl + 1;
        if (strcmp(nm, ".git") == 0)
            has |= RV_WF_HAS_GIT;
        else if (strcmp(nm, ".ignore") == 0)
            has |= RV_WF_HAS_IGNORE;
        else if (strcmp(nm, ".gitignore") == 0)
            has |= RV_WF_HAS_GITIGNORE;
        else if (strcmp(nm, ".ripvecignore") == 0)
            has |= RV_WF_HAS_RIPVECIGNORE;
    }
    closedir(d);
    d = NULL;
    for (size_t i = 0; i < f.n; i++)
        f.ents[i].name = f.names + f.ents[i].off;
    if (f.n > 1) qsort(f.ents, f.n, sizeof *f.ents, cmp_dent);
    if (w->nst == w->st_cap) {
        size_t cap = w->st_cap ? w->st_cap * 2 : 16;
        frame *g = realloc(w->st, cap * sizeof *g);
        if (!g) {
            st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
            goto fail;
        }
        w->st = g;
        w->st_cap = cap;
    }
    /* A nested repository's top (not the root's own .git) names its files. */
    f.repo_len = (has & RV_WF_HAS_GIT) && w->nst > 0 && rel_len > 0 ? rel_len + 1
                 : w->nst > 0                                       ? w->st[w->nst - 1].repo_len
                                                                    : 0;
    if ((st = rv_wfilter_push(w->filter, open_path, rel_len, has)) != RV_OK) goto fail;
    w->st[w->nst++] = f;
    return RV_OK;
fail:
    if (d) closedir(d);
    frame_free(&f);
    return st;
}

static void note_errno(walker *w, const char *path, int e, int nofollow) {
    if (e == ENOENT)
        note(w, path, RV_WALK_SKIP_VANISHED, "vanished during the walk");
    else if (e == ELOOP && nofollow)
        note(w, path, RV_WALK_SKIP_VANISHED, "became a symlink during the walk");
    else
        note(w, path, RV_WALK_SKIP_UNREADABLE, strerror(e));
}

static const char *special_kind(mode_t m) {
    if (S_ISFIFO(m)) return "fifo";
    if (S_ISSOCK(m)) return "socket";
    if (S_ISCHR(m)) return "character device";
    if (S_ISBLK(m)) return "block device";
    return "not a regular file";
}

/* Opens a file that looked regular, re-checks it on the descriptor, applies
 * the size and binary rules and hands it to on_file. O_NONBLOCK: should it
 * have been swapped for a FIFO, the open cannot hang. */
static rv_status visit_file(walker *w, const char *path, const char *rel, int nofollow) {
    struct stat sb;
    size_t got = 0;
    char detail[96];
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0) {
        note_errno(w, path, errno, nofollow);
        return RV_OK;
    }
    if (fstat(fd, &sb) != 0) {
        note(w, path, RV_WALK_SKIP_UNREADABLE, strerror(errno));
        goto skip;
    }
    if (S_ISDIR(sb.st_mode)) {
        note(w, path, RV_WALK_SKIP_VANISHED, "changed type during the walk");
        goto skip;
    }
    if (!S_ISREG(sb.st_mode)) {
        note(w, path, RV_WALK_SKIP_SPECIAL, special_kind(sb.st_mode));
        goto skip;
    }
    if (w->p.max_filesize && (uint64_t)sb.st_size > w->p.max_filesize) {
        snprintf(detail, sizeof detail, "%llu bytes > %llu", (unsigned long long)sb.st_size,
                 (unsigned long long)w->p.max_filesize);
        note(w, path, RV_WALK_SKIP_TOO_LARGE, detail);
        goto skip;
    }
    while (got < sizeof w->peek) {
        ssize_t r = read(fd, w->peek + got, sizeof w->peek - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            note(w, path, RV_WALK_SKIP_UNREADABLE, strerror(errno));
            goto skip;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    if (memchr(w->peek, '\0', got)) {
        note(w, path, RV_WALK_SKIP_BINARY, "NUL byte in the first 8 KiB");
        goto skip;
    }
    close(fd);
    {
        rv_walk_entry e;
        e.path = path;
        e.rel = rel;
        e.size = (uint64_t)sb.st_size;
        e.mtime_sec = (int64_t)sb.st_mtim.tv_sec;
        e.mtime_nsec = (int32_t)sb.st_mtim.tv_nsec;
        e.dev = (uint64_t)sb.st_dev;
        e.ino = (uint64_t)sb.st_ino;
        e.repo_len = w->nst ? w->st[w->nst - 1].repo_len : 0;
        if (w->on_file(w->user, &e) != 0)
            return rv_error_set(RV_ERR_CANCELLED, "walk stopped by the caller");
    }
    return RV_OK;
skip:
    close(fd);
    return RV_OK;
}

/* The `known` shortcut (see walk.h): a regular file, not a symlink, whose
 * lstat equals the stat the caller holds is handed over without open and
 * sniff. `have` is the lstat visit() already made, or NULL. Returns 1 when
 * the file was dealt with here (*st set), 0 to take visit_file. */
static int visit_known(walker *w, const char *path, const char *rel, const struct stat *have,
                       rv_status *st) {
    struct stat sb;
    char detail[96];
    rv_walk_held held;
    *st = RV_OK;
    memset(&held, 0, sizeof held);
    if (!w->p.known(w->p.known_user, rel, &held)) return 0; /* not held: no lstat */
    if (!have) {
        if (lstat(path, &sb) != 0) return 0; /* visit_file reports it */
        have = &sb;
    }
    if (!S_ISREG(have->st_mode)) return 0;
    if (w->p.max_filesize && (uint64_t)have->st_size > w->p.max_filesize) {
        snprintf(detail, sizeof detail, "%llu bytes > %llu", (unsigned long long)have->st_size,
                 (unsigned long long)w->p.max_filesize);
        note(w, path, RV_WALK_SKIP_TOO_LARGE, detail);
        return 1;
    }
    if ((uint64_t)have->st_size != held.size || (int64_t)have->st_mtim.tv_sec != held.mtime_sec ||
        (int32_t)have->st_mtim.tv_nsec != held.mtime_nsec || (uint64_t)have->st_ino != held.ino)
        return 0;
    rv_walk_entry e;
    e.path = path;
    e.rel = rel;
    e.size = (uint64_t)have->st_size;
    e.mtime_sec = (int64_t)have->st_mtim.tv_sec;
    e.mtime_nsec = (int32_t)have->st_mtim.tv_nsec;
    e.dev = (uint64_t)have->st_dev;
    e.ino = (uint64_t)have->st_ino;
    e.repo_len = w->nst ? w->st[w->nst - 1].repo_len : 0;
    if (w->on_file(w->user, &e) != 0)
        *st = rv_error_set(RV_ERR_CANCELLED, "walk stopped by the caller");
    return 1;
}

static int mode_to_dt(mode_t m) {
    if (S_ISREG(m)) return DT_REG;
    if (S_ISDIR(m)) return DT_DIR;
    if (S_ISLNK(m)) return DT_LNK;
    return TYPE_OTHER;
}

/* One directory entry; w->path holds its path, rel_len its relative length. */
static rv_status visit(walker *w, const char *name, unsigned char dtype, size_t rel_len) {
    const char *path = w->path, *rel = w->path + w->rel_off;
    struct stat sb;
    int type = dtype, is_link = 0, link_err = 0, have_sb = 0;
    mode_t mode = 0;
    if (strcmp(name, ".git") == 0) return RV_OK;
    if (type == DT_UNKNOWN || type == DT_LNK) {
        if (lstat(path, &sb) != 0) {
            note_errno(w, path, errno, 0);
            return RV_OK;
        }
        have_sb = 1;
        if (S_ISLNK(sb.st_mode)) {
            is_link = 1;
            if (w->p.follow && stat(path, &sb) != 0) link_err = errno;
        }
        if (!link_err) {
            mode = sb.st_mode;
            type = mode_to_dt(mode);
        }
    }
    if (type != DT_REG && type != DT_DIR && type != DT_LNK && !mode) {
        /* d_type said FIFO/socket/device: get the mode for the note. */
        if (lstat(path, &sb) == 0) mode = sb.st_mode;
        type = TYPE_OTHER;
    }
    int is_dir = type == DT_DIR;
    if (rv_wfilter_skip(w->filter, rel, rel_len, name, is_dir)) return RV_OK;
    if (is_link && !w->p.follow) {
        note(w, path, RV_WALK_SKIP_SYMLINK, "symlink not followed");
        return RV_OK;
    }
    if (link_err) {
        note(w, path, RV_WALK_SKIP_BROKEN_LINK, strerror(link_err));
        return RV_OK;
    }
    if (is_dir) return push_dir(w, path, rel_len, !is_link);
    if (type == DT_REG) {
        if (rv_walk_is_lockfile(name)) {
            note(w, path, RV_WALK_SKIP_LOCKFILE, "lock file");
            return RV_OK;
        }
        rv_status st;
        if (w->p.known && !is_link && visit_known(w, path, rel, have_sb ? &sb : NULL, &st))
            return st;
        return visit_file(w, path, rel, !is_link);
    }
    note(w, path, RV_WALK_SKIP_SPECIAL, special_kind(mode));
    return RV_OK;
}

static void on_filter_note(void *ctx, const char *path, rv_walk_skip why, const char *detail) {
    note(ctx, path, why, detail);
}

static void walker_free(walker *w) {
    for (size_t i = 0; i < w->nst; i++)
        frame_free(&w->st[i]);
    free(w->st);
    rv_wfilter_free(w->filter);
    free(w->path);
    free(w);
}

rv_status rv_walk(const char *root, const rv_walk_params *params, rv_walk_file_fn on_file,
                  rv_walk_skip_fn on_skip, void *user) {
    rv_status st = RV_OK;
    walker *w = NULL;
    struct stat sb;
    size_t rlen;
    if (!root || !root[0]) return rv_error_set(RV_ERR_INVALID_ARG, "walk: empty root path");
    if (!on_file) return rv_error_set(RV_ERR_INVALID_ARG, "walk: on_file is NULL");
    if (stat(root, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return rv_error_set(RV_ERR_NOT_FOUND, "%s: no such file or directory", root);
        return rv_error_set(RV_ERR_IO, "%s: %s", root, strerror(errno));
    }
    if (!(w = calloc(1, sizeof *w))) return rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
    w->p = params ? *params : rv_walk_default_params();
    w->on_file = on_file;
    w->on_skip = on_skip;
    w->user = user;
    if ((st = rv_wfilter_create(&w->filter, &w->p, on_filter_note, w)) != RV_OK) goto done;

    /* Display prefix: the root without trailing slashes ("/" stays "/"). */
    rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    if (rv_vec_reserve((void **)&w->path, &w->path_cap, rlen + 2, 1) != RV_OK) {
        st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
        goto done;
    }
    memcpy(w->path, root, rlen);
    w->path[rlen] = '\0';

    if (!S_ISDIR(sb.st_mode)) {
        if (!S_ISREG(sb.st_mode)) {
            note(w, root, RV_WALK_SKIP_SPECIAL, special_kind(sb.st_mode));
            goto done;
        }
        const char *slash = strrchr(w->path, '/');
        st = visit_file(w, root, slash ? slash + 1 : w->path, 0);
        goto done;
    }
    if (rlen == 1 && root[0] == '/') {
        w->rel_off = 1;
    } else {
        w->path[rlen] = '/';
        w->rel_off = rlen + 1;
    }
    w->path[w->rel_off] = '\0';
    if ((st = rv_wfilter_enter_root(w->filter, root)) != RV_OK) goto done;
    if ((st = push_dir(w, root, 0, 0)) != RV_OK) goto done;
    while (w->nst > 0) {
        frame *f = &w->st[w->nst - 1];
        if (f->next >= f->n) {
            frame_free(f);
            w->nst--;
            rv_wfilter_pop(w->filter);
            continue;
        }
        const dent *d = &f->ents[f->next++];
        size_t nl = strlen(d->name);
        size_t pos = w->rel_off + f->rel_len;
        if (rv_vec_reserve((void **)&w->path, &w->path_cap, pos + nl + 2, 1) != RV_OK) {
            st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
            goto done;
        }
        if (f->rel_len) w->path[pos++] = '/';
        memcpy(w->path + pos, d->name, nl + 1);
        /* visit may push a frame (realloc of w->st): f and d are dead after. */
        if ((st = visit(w, d->name, d->type, pos + nl - w->rel_off)) != RV_OK) goto done;
    }
done:
    walker_free(w);
    if (st == RV_OK) rv_error_clear(); /* drop notes left by expected misses */
    return st;
}
