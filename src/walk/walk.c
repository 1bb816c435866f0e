/* Directory traversal with ripgrep's ignore semantics (see ripvec/walk.h). */
#include "ripvec/walk.h"
#include "walk/gitcfg.h"
#include "walk/glob.h"
#include "walk/ignore.h"

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

/* The ignore files of one directory. For directories above the root,
 * `above` is the root's path relative to that directory plus '/', so a path
 * relative to the root becomes relative to the ignore file by prefixing it;
 * for directories in the walk, `strip` bytes (the directory's own relative
 * path and its '/') are dropped instead. */
typedef struct layer {
    rv_ignore *dot;  /* .ignore */
    rv_ignore *git;  /* .gitignore */
    rv_ignore *excl; /* .git/info/exclude */
    char *above;
    size_t above_len, strip;
    int has_git; /* a .git entry here: a repository's top */
    int in_repo; /* has_git here or in any directory above */
} layer;

typedef struct dent {
    const char *name; /* into frame.names, set once the listing is complete */
    size_t off;
    unsigned char type;
} dent;

typedef struct frame {
    layer ig;
    char *names; /* NUL-separated entry names */
    dent *ents;  /* sorted by name */
    size_t n, next;
    size_t rel_len; /* length of this directory's path relative to the root */
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
    layer *anc; /* ancestors of the root, outermost first */
    size_t nanc;
    frame *st;
    size_t nst, st_cap;
    rv_ignore *global;
    rv_ignore *globs; /* -g globs as gitignore lines; a "match" means include */
    size_t n_include_globs;
    rv_glob **type_yes, **type_no;
    size_t n_type_yes, n_type_no;
    char *scratch;
    size_t scratch_cap;
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

static int grow(char **buf, size_t *cap, size_t need) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need) {
        if (c > SIZE_MAX / 2) return -1;
        c *= 2;
    }
    char *b = realloc(*buf, c);
    if (!b) return -1;
    *buf = b;
    *cap = c;
    return 0;
}

static void layer_free(layer *l) {
    rv_ignore_free(l->dot);
    rv_ignore_free(l->git);
    rv_ignore_free(l->excl);
    free(l->above);
    memset(l, 0, sizeof *l);
}

/* Loads one ignore file; a failure is reported and the file left out. */
static rv_ignore *load_ignore(walker *w, const char *dir, const char *name) {
    rv_ignore *ig = NULL;
    size_t dl = strlen(dir), nl = strlen(name);
    char *path = malloc(dl + nl + 2);
    if (!path) return NULL;
    memcpy(path, dir, dl);
    path[dl] = '/';
    memcpy(path + dl + 1, name, nl + 1);
    if (rv_ignore_load(&ig, path) != RV_OK)
        note(w, path, RV_WALK_SKIP_IGNORE_FILE, rv_error_last());
    free(path);
    return ig;
}

/* Fills a layer for directory `dir`. `has` says which names exist there
 * (bit 0 .git, bit 1 .ignore, bit 2 .gitignore), so absent files cost no
 * syscall; in_repo_above comes from the enclosing directory. */
static void layer_load(walker *w, layer *l, const char *dir, unsigned has, int in_repo_above) {
    l->has_git = (has & 1) != 0;
    l->in_repo = in_repo_above || l->has_git;
    if (has & 2) l->dot = load_ignore(w, dir, ".ignore");
    if ((has & 4) && (l->in_repo || w->p.no_require_git))
        l->git = load_ignore(w, dir, ".gitignore");
    if (l->has_git) {
        char *dotgit = malloc(strlen(dir) + 6);
        if (dotgit) {
            sprintf(dotgit, "%s/.git", dir);
            char *excl = rv_gitcfg_info_exclude(dotgit);
            if (excl && rv_ignore_load(&l->excl, excl) != RV_OK)
                note(w, excl, RV_WALK_SKIP_IGNORE_FILE, rv_error_last());
            free(excl);
            free(dotgit);
        }
    }
}

/* The ignore files of the directories above the root, as ripgrep reads them. */
static rv_status load_ancestors(walker *w, const char *root) {
    char *abs = realpath(root, NULL);
    rv_status st = RV_OK;
    size_t len, nslash = 0;
    if (!abs) return RV_OK; /* no parents then; the walk itself still works */
    len = strlen(abs);
    for (size_t i = 0; i < len; i++)
        nslash += abs[i] == '/';
    if (len <= 1) goto done; /* the root is "/" */
    w->anc = calloc(nslash, sizeof *w->anc);
    if (!w->anc) {
        st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
        goto done;
    }
    /* Each '/' in abs ends an ancestor: "/" , "/a", "/a/b" for "/a/b/c". */
    int in_repo = 0;
    for (size_t i = 0; i < len; i++) {
        if (abs[i] != '/') continue;
        layer *l = &w->anc[w->nanc++];
        char save = abs[i > 0 ? i : 1];
        abs[i > 0 ? i : 1] = '\0';
        const char *dir = abs;
        unsigned has = 0;
        struct stat sb;
        char *probe = malloc(strlen(dir) + 12);
        if (!probe) {
            abs[i > 0 ? i : 1] = save;
            st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
            goto done;
        }
        const char *sep = i > 0 ? "/" : "";
        sprintf(probe, "%s%s.git", dir, sep);
        if (stat(probe, &sb) == 0) has |= 1;
        sprintf(probe, "%s%s.ignore", dir, sep);
        if (lstat(probe, &sb) == 0) has |= 2;
        sprintf(probe, "%s%s.gitignore", dir, sep);
        if (lstat(probe, &sb) == 0) has |= 4;
        free(probe);
        if (has && !w->p.no_ignore) {
            /* load_ignore joins with '/', so give "" for the filesystem root. */
            layer_load(w, l, i > 0 ? dir : "", has, in_repo);
        } else {
            l->has_git = (has & 1) != 0;
            l->in_repo = in_repo || l->has_git;
        }
        in_repo = l->in_repo;
        abs[i > 0 ? i : 1] = save;
        l->above_len = len - i - 1 + 1;
        l->above = malloc(l->above_len + 1);
        if (!l->above) {
            st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
            goto done;
        }
        memcpy(l->above, abs + i + 1, len - i - 1);
        l->above[len - i - 1] = '/';
        l->above[l->above_len] = '\0';
    }
done:
    free(abs);
    return st;
}

/* Matches `rel` (relative to the root) against one ignore file of a layer. */
static rv_ignore_result layer_match(walker *w, const layer *l, const rv_ignore *ig, const char *rel,
                                    size_t rel_len, int is_dir) {
    if (!ig) return RV_IGNORE_NONE;
    if (!l->above) return rv_ignore_match(ig, rel + l->strip, rel_len - l->strip, is_dir);
    if (grow(&w->scratch, &w->scratch_cap, l->above_len + rel_len + 1) != 0) return RV_IGNORE_NONE;
    memcpy(w->scratch, l->above, l->above_len);
    memcpy(w->scratch + l->above_len, rel, rel_len);
    return rv_ignore_match(ig, w->scratch, l->above_len + rel_len, is_dir);
}

static const layer *layer_at(const walker *w, size_t k) {
    /* k counts outward from the deepest walk directory into the ancestors. */
    return k < w->nst ? &w->st[w->nst - 1 - k].ig : &w->anc[w->nanc - 1 - (k - w->nst)];
}

/* ripgrep's precedence: .ignore beats .gitignore beats info/exclude beats
 * the global file; within a kind the deepest directory that has an opinion
 * wins; git kinds stop at the nearest repository top. */
static rv_ignore_result ignore_decision(walker *w, const char *rel, size_t rel_len, int is_dir) {
    rv_ignore_result m_dot = RV_IGNORE_NONE, m_git = RV_IGNORE_NONE, m_excl = RV_IGNORE_NONE;
    size_t nl = w->nst + w->nanc;
    const layer *repo = NULL;
    int any_git, saw_git = 0;
    if (w->p.no_ignore || nl == 0) return RV_IGNORE_NONE;
    any_git = w->p.no_require_git || layer_at(w, 0)->in_repo;
    for (size_t k = 0; k < nl; k++) {
        const layer *l = layer_at(w, k);
        if (!m_dot) m_dot = layer_match(w, l, l->dot, rel, rel_len, is_dir);
        if (any_git && !saw_git) {
            if (!m_git) m_git = layer_match(w, l, l->git, rel, rel_len, is_dir);
            if (!m_excl) m_excl = layer_match(w, l, l->excl, rel, rel_len, is_dir);
        }
        if (l->has_git && !repo) repo = l;
        saw_git = saw_git || l->has_git;
    }
    if (m_dot) return m_dot;
    if (m_git) return m_git;
    if (m_excl) return m_excl;
    if (any_git && w->global) {
        /* Global patterns are relative to the repository's top (git's rule). */
        if (repo) return layer_match(w, repo, w->global, rel, rel_len, is_dir);
        return rv_ignore_match(w->global, rel, rel_len, is_dir);
    }
    return RV_IGNORE_NONE;
}

static int any_glob(rv_glob *const *gs, size_t n, const char *name) {
    size_t nl = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (rv_glob_exec(gs[i], name, nl)) return 1;
    return 0;
}

/* 1 when the entry is filtered out. Order as in ripgrep: globs, ignore
 * files, types, hidden; a positive match on the way exempts from hidden. */
static int filtered(walker *w, const char *rel, size_t rel_len, const char *name, int is_dir) {
    int whitelisted = 0;
    if (w->globs) {
        rv_ignore_result r = rv_ignore_match(w->globs, rel, rel_len, is_dir);
        if (r == RV_IGNORE_EXCLUDE) return 0; /* a plain glob matched: include */
        if (r == RV_IGNORE_INCLUDE) return 1; /* a "!glob" matched: exclude */
        if (w->n_include_globs > 0 && !is_dir) return 1;
    }
    rv_ignore_result r = ignore_decision(w, rel, rel_len, is_dir);
    if (r == RV_IGNORE_EXCLUDE) return 1;
    if (r == RV_IGNORE_INCLUDE) whitelisted = 1;
    if (!is_dir) {
        if (w->n_type_no && any_glob(w->type_no, w->n_type_no, name)) return 1;
        if (w->n_type_yes) {
            if (!any_glob(w->type_yes, w->n_type_yes, name)) return 1;
            whitelisted = 1;
        }
    }
    return !whitelisted && !w->p.hidden && name[0] == '.';
}

/* Bytewise (strcmp compares as unsigned char), so the order is stable
 * across locales and machines. */
static int cmp_dent(const void *a, const void *b) {
    return strcmp(((const dent *)a)->name, ((const dent *)b)->name);
}

static void frame_free(frame *f) {
    layer_free(&f->ig);
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
        if (grow(&f.names, &names_cap, names_len + nl + 1) != 0) {
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
            has |= 1;
        else if (strcmp(nm, ".ignore") == 0)
            has |= 2;
        else if (strcmp(nm, ".gitignore") == 0)
            has |= 4;
    }
    closedir(d);
    d = NULL;
    for (size_t i = 0; i < f.n; i++)
        f.ents[i].name = f.names + f.ents[i].off;
    if (f.n > 1) qsort(f.ents, f.n, sizeof *f.ents, cmp_dent);
    {
        int in_repo_above =
            w->nst ? w->st[w->nst - 1].ig.in_repo : (w->nanc ? w->anc[w->nanc - 1].in_repo : 0);
        if (!w->p.no_ignore && has)
            layer_load(w, &f.ig, open_path, has, in_repo_above);
        else {
            f.ig.has_git = (has & 1) != 0;
            f.ig.in_repo = in_repo_above || f.ig.has_git;
        }
        f.ig.strip = rel_len ? rel_len + 1 : 0;
    }
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
        if (w->on_file(w->user, &e) != 0)
            return rv_error_set(RV_ERR_CANCELLED, "walk stopped by the caller");
    }
    return RV_OK;
skip:
    close(fd);
    return RV_OK;
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
    int type = dtype, is_link = 0, link_err = 0;
    mode_t mode = 0;
    if (strcmp(name, ".git") == 0) return RV_OK;
    if (type == DT_UNKNOWN || type == DT_LNK) {
        if (lstat(path, &sb) != 0) {
            note_errno(w, path, errno, 0);
            return RV_OK;
        }
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
    if (filtered(w, rel, rel_len, name, is_dir)) return RV_OK;
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
        return visit_file(w, path, rel, !is_link);
    }
    note(w, path, RV_WALK_SKIP_SPECIAL, special_kind(mode));
    return RV_OK;
}

static rv_status compile_types(walker *w, const char *const *names, size_t n, rv_glob ***out,
                               size_t *count) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const rv_walk_type *t = names[i] ? rv_walk_type_find(names[i]) : NULL;
        if (!t)
            return rv_error_set(RV_ERR_INVALID_ARG, "unknown file type '%s'",
                                names[i] ? names[i] : "(null)");
        for (const char *const *g = t->globs; *g; g++)
            total++;
    }
    (void)w;
    if (total == 0) return RV_OK;
    *out = calloc(total, sizeof **out);
    if (!*out) return rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
    for (size_t i = 0; i < n; i++) {
        for (const char *const *g = rv_walk_type_find(names[i])->globs; *g; g++) {
            rv_status st = rv_glob_compile(&(*out)[*count], *g, strlen(*g), 0);
            if (st != RV_OK) return st;
            (*count)++;
        }
    }
    return RV_OK;
}

static rv_status setup_filters(walker *w) {
    rv_status st;
    if (w->p.n_globs) {
        if (!w->p.globs) return rv_error_set(RV_ERR_INVALID_ARG, "walk: globs is NULL");
        if ((st = rv_ignore_create(&w->globs)) != RV_OK) return st;
        for (size_t i = 0; i < w->p.n_globs; i++) {
            const char *g = w->p.globs[i];
            if (!g) return rv_error_set(RV_ERR_INVALID_ARG, "walk: NULL glob");
            size_t before = rv_ignore_count(w->globs);
            if ((st = rv_ignore_add_line(w->globs, g, strlen(g))) != RV_OK) return st;
            if (rv_ignore_count(w->globs) > before && g[0] != '!') w->n_include_globs++;
        }
    }
    if (w->p.n_types && !w->p.types) return rv_error_set(RV_ERR_INVALID_ARG, "walk: types is NULL");
    if (w->p.n_types_not && !w->p.types_not)
        return rv_error_set(RV_ERR_INVALID_ARG, "walk: types_not is NULL");
    if ((st = compile_types(w, w->p.types, w->p.n_types, &w->type_yes, &w->n_type_yes)) != RV_OK)
        return st;
    return compile_types(w, w->p.types_not, w->p.n_types_not, &w->type_no, &w->n_type_no);
}

static void walker_free(walker *w) {
    for (size_t i = 0; i < w->nst; i++)
        frame_free(&w->st[i]);
    free(w->st);
    for (size_t i = 0; i < w->nanc; i++)
        layer_free(&w->anc[i]);
    free(w->anc);
    rv_ignore_free(w->global);
    rv_ignore_free(w->globs);
    for (size_t i = 0; i < w->n_type_yes; i++)
        rv_glob_free(w->type_yes[i]);
    for (size_t i = 0; i < w->n_type_no; i++)
        rv_glob_free(w->type_no[i]);
    free(w->type_yes);
    free(w->type_no);
    free(w->path);
    free(w->scratch);
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
    if ((st = setup_filters(w)) != RV_OK) goto done;

    /* Display prefix: the root without trailing slashes ("/" stays "/"). */
    rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    if (grow(&w->path, &w->path_cap, rlen + 2) != 0) {
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
    if (!w->p.no_ignore) {
        char *gpath = rv_gitcfg_global_excludes();
        if (gpath && rv_ignore_load(&w->global, gpath) != RV_OK)
            note(w, gpath, RV_WALK_SKIP_IGNORE_FILE, rv_error_last());
        free(gpath);
        if ((st = load_ancestors(w, root)) != RV_OK) goto done;
    }
    if ((st = push_dir(w, root, 0, 0)) != RV_OK) goto done;
    while (w->nst > 0) {
        frame *f = &w->st[w->nst - 1];
        if (f->next >= f->n) {
            frame_free(f);
            w->nst--;
            continue;
        }
        const dent *d = &f->ents[f->next++];
        size_t nl = strlen(d->name);
        size_t pos = w->rel_off + f->rel_len;
        if (grow(&w->path, &w->path_cap, pos + nl + 2) != 0) {
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
