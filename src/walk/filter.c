/* Ignore-file stack, globs, types and hidden rule (see walk/filter.h). */
#include "walk/filter.h"
#include "util/vec.h"
#include "walk/gitcfg.h"
#include "walk/glob.h"
#include "walk/ignore.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The ignore files of one directory. For directories above the root,
 * `above` is the root's path relative to that directory plus '/', so a path
 * relative to the root becomes relative to the ignore file by prefixing it;
 * for directories in the walk, `strip` bytes (the directory's own relative
 * path and its '/') are dropped instead. */
typedef struct layer {
    rv_ignore *rv;   /* .ripvecignore: out of ripvec, not out of other tools */
    rv_ignore *dot;  /* .ignore */
    rv_ignore *git;  /* .gitignore */
    rv_ignore *excl; /* .git/info/exclude */
    char *above;
    size_t above_len, strip;
    int has_git; /* a .git entry here: a repository's top */
    int in_repo; /* has_git here or in any directory above */
} layer;

struct rv_wfilter {
    int hidden, no_ignore, no_require_git;
    const char *home, *xdg_config_home; /* borrowed from the params */
    rv_wfilter_note_fn note_fn;
    void *ctx;
    layer *lv; /* the root's ancestors (outermost first), then the walk's directories */
    size_t nl, nanc, cap;
    rv_ignore *global;
    rv_ignore *globs; /* -g globs as gitignore lines; a "match" means include */
    size_t n_include_globs;
    rv_glob **type_yes, **type_no;
    size_t n_type_yes, n_type_no;
    char *scratch;
    size_t scratch_cap;
};

static void note(rv_wfilter *w, const char *path, rv_walk_skip why, const char *detail) {
    if (w->note_fn) w->note_fn(w->ctx, path, why, detail ? detail : "");
}

static rv_status reserve_layer(rv_wfilter *w) {
    if (w->nl < w->cap) return RV_OK;
    size_t cap = w->cap ? w->cap * 2 : 32;
    layer *g = realloc(w->lv, cap * sizeof *g);
    if (!g) return rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
    w->lv = g;
    w->cap = cap;
    return RV_OK;
}

static void layer_free(layer *l) {
    rv_ignore_free(l->rv);
    rv_ignore_free(l->dot);
    rv_ignore_free(l->git);
    rv_ignore_free(l->excl);
    free(l->above);
    memset(l, 0, sizeof *l);
}

/* Loads one ignore file; a failure is reported and the file left out. */
static rv_ignore *load_ignore(rv_wfilter *w, const char *dir, const char *name) {
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

/* Fills a layer for directory `dir` ("" for "/"). `has` says which names
 * exist there (RV_WF_HAS_*); in_repo_above comes from the enclosing one. */
static void layer_load(rv_wfilter *w, layer *l, const char *dir, unsigned has, int in_repo_above) {
    l->has_git = (has & RV_WF_HAS_GIT) != 0;
    l->in_repo = in_repo_above || l->has_git;
    if (w->no_ignore) return;
    if (has & RV_WF_HAS_RIPVECIGNORE) l->rv = load_ignore(w, dir, ".ripvecignore");
    if (has & RV_WF_HAS_IGNORE) l->dot = load_ignore(w, dir, ".ignore");
    if ((has & RV_WF_HAS_GITIGNORE) && (l->in_repo || w->no_require_git))
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

/* The ignore files of the directories above the root, as ripgrep reads them:
 * each '/' in the canonical root path ends an ancestor ("/", "/a", "/a/b"
 * for "/a/b/c"). */
rv_status rv_wfilter_enter_root(rv_wfilter *w, const char *root) {
    char *abs = NULL, *probe = NULL;
    rv_status st = RV_OK;
    size_t len;
    int in_repo = 0;
    if (w->no_ignore) return RV_OK;
    char *gpath = rv_gitcfg_global_excludes(w->home, w->xdg_config_home);
    if (gpath && rv_ignore_load(&w->global, gpath) != RV_OK)
        note(w, gpath, RV_WALK_SKIP_IGNORE_FILE, rv_error_last());
    free(gpath);
    abs = realpath(root, NULL);
    if (!abs) return RV_OK; /* no parents then; the walk itself still works */
    len = strlen(abs);
    if (len <= 1) goto done; /* the root is "/" */
    if (!(probe = malloc(len + 16))) {
        st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
        goto done;
    }
    for (size_t i = 0; i < len; i++) {
        if (abs[i] != '/') continue;
        if ((st = reserve_layer(w)) != RV_OK) goto done;
        layer *l = &w->lv[w->nl++];
        memset(l, 0, sizeof *l);
        w->nanc++;
        /* dir: "" for "/" (joined with "/.git" etc. below), else abs[0..i). */
        char save = abs[i];
        abs[i] = '\0';
        const char *dir = abs;
        unsigned has = 0;
        struct stat sb;
        snprintf(probe, len + 16, "%s/.git", dir);
        if (stat(probe, &sb) == 0) has |= RV_WF_HAS_GIT;
        snprintf(probe, len + 16, "%s/.ignore", dir);
        if (lstat(probe, &sb) == 0) has |= RV_WF_HAS_IGNORE;
        snprintf(probe, len + 16, "%s/.ripvecignore", dir);
        if (lstat(probe, &sb) == 0) has |= RV_WF_HAS_RIPVECIGNORE;
        snprintf(probe, len + 16, "%s/.gitignore", dir);
        if (lstat(probe, &sb) == 0) has |= RV_WF_HAS_GITIGNORE;
        layer_load(w, l, dir, has, in_repo);
        abs[i] = save;
        in_repo = l->in_repo;
        /* The root relative to this ancestor, plus '/'. */
        l->above_len = len - i;
        if (!(l->above = malloc(l->above_len + 1))) {
            st = rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
            goto done;
        }
        memcpy(l->above, abs + i + 1, len - i - 1);
        l->above[len - i - 1] = '/';
        l->above[l->above_len] = '\0';
    }
done:
    free(probe);
    free(abs);
    return st;
}

rv_status rv_wfilter_push(rv_wfilter *w, const char *dir, size_t rel_len, unsigned has) {
    rv_status st = reserve_layer(w);
    if (st != RV_OK) return st;
    layer *l = &w->lv[w->nl];
    memset(l, 0, sizeof *l);
    layer_load(w, l, dir, has, w->nl ? w->lv[w->nl - 1].in_repo : 0);
    l->strip = rel_len ? rel_len + 1 : 0;
    w->nl++;
    return RV_OK;
}

void rv_wfilter_pop(rv_wfilter *w) {
    if (w->nl > w->nanc) layer_free(&w->lv[--w->nl]);
}

/* Matches `rel` (relative to the root) against one ignore file of a layer. */
static rv_ignore_result layer_match(rv_wfilter *w, const layer *l, const rv_ignore *ig,
                                    const char *rel, size_t rel_len, int is_dir) {
    if (!ig) return RV_IGNORE_NONE;
    if (!l->above) return rv_ignore_match(ig, rel + l->strip, rel_len - l->strip, is_dir);
    if (rv_vec_reserve((void **)&w->scratch, &w->scratch_cap, l->above_len + rel_len + 1, 1) !=
        RV_OK)
        return RV_IGNORE_NONE;
    memcpy(w->scratch, l->above, l->above_len);
    memcpy(w->scratch + l->above_len, rel, rel_len);
    return rv_ignore_match(ig, w->scratch, l->above_len + rel_len, is_dir);
}

/* k counts outward from the deepest directory into the ancestors. */
static const layer *layer_at(const rv_wfilter *w, size_t k) {
    return &w->lv[w->nl - 1 - k];
}

/* ripgrep's precedence, with .ripvecignore first (as ripgrep's own .rgignore):
 * .ripvecignore beats .ignore beats .gitignore beats info/exclude beats
 * the global file; within a kind the deepest directory that has an opinion
 * wins; git kinds stop at the nearest repository top. */
static rv_ignore_result ignore_decision(rv_wfilter *w, const char *rel, size_t rel_len,
                                        int is_dir) {
    rv_ignore_result m_rv = RV_IGNORE_NONE, m_dot = RV_IGNORE_NONE, m_git = RV_IGNORE_NONE,
                     m_excl = RV_IGNORE_NONE;
    size_t nl = w->nl;
    const layer *repo = NULL;
    int any_git, saw_git = 0;
    if (w->no_ignore || nl == 0) return RV_IGNORE_NONE;
    any_git = w->no_require_git || layer_at(w, 0)->in_repo;
    for (size_t k = 0; k < nl; k++) {
        const layer *l = layer_at(w, k);
        if (!m_rv) m_rv = layer_match(w, l, l->rv, rel, rel_len, is_dir);
        if (!m_dot) m_dot = layer_match(w, l, l->dot, rel, rel_len, is_dir);
        if (any_git && !saw_git) {
            if (!m_git) m_git = layer_match(w, l, l->git, rel, rel_len, is_dir);
            if (!m_excl) m_excl = layer_match(w, l, l->excl, rel, rel_len, is_dir);
        }
        if (l->has_git && !repo) repo = l;
        saw_git = saw_git || l->has_git;
    }
    if (m_rv) return m_rv;
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
int rv_wfilter_skip(rv_wfilter *w, const char *rel, size_t rel_len, const char *name, int is_dir) {
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
    return !whitelisted && !w->hidden && name[0] == '.';
}

static rv_status compile_types(const char *const *names, size_t n, rv_glob ***out, size_t *count) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const rv_walk_type *t = names[i] ? rv_walk_type_find(names[i]) : NULL;
        if (!t)
            return rv_error_set(RV_ERR_INVALID_ARG, "unknown file type '%s'",
                                names[i] ? names[i] : "(null)");
        for (const char *const *g = t->globs; *g; g++)
            total++;
    }
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

rv_status rv_wfilter_create(rv_wfilter **out, const rv_walk_params *p, rv_wfilter_note_fn note_fn,
                            void *ctx) {
    rv_status st = RV_OK;
    rv_wfilter *w;
    *out = NULL;
    if (!(w = calloc(1, sizeof *w))) return rv_error_set(RV_ERR_NOMEM, "walk: out of memory");
    w->hidden = p->hidden;
    w->no_ignore = p->no_ignore;
    w->no_require_git = p->no_require_git;
    w->home = p->home;
    w->xdg_config_home = p->xdg_config_home;
    w->note_fn = note_fn;
    w->ctx = ctx;
    if (p->n_globs) {
        if (!p->globs) {
            st = rv_error_set(RV_ERR_INVALID_ARG, "walk: globs is NULL");
            goto done;
        }
        if ((st = rv_ignore_create(&w->globs)) != RV_OK) goto done;
        for (size_t i = 0; i < p->n_globs; i++) {
            const char *g = p->globs[i];
            if (!g) {
                st = rv_error_set(RV_ERR_INVALID_ARG, "walk: NULL glob");
                goto done;
            }
            size_t before = rv_ignore_count(w->globs);
            if ((st = rv_ignore_add_line(w->globs, g, strlen(g))) != RV_OK) goto done;
            if (rv_ignore_count(w->globs) > before && g[0] != '!') w->n_include_globs++;
        }
    }
    if ((p->n_types && !p->types) || (p->n_types_not && !p->types_not)) {
        st = rv_error_set(RV_ERR_INVALID_ARG, "walk: types is NULL");
        goto done;
    }
    if ((st = compile_types(p->types, p->n_types, &w->type_yes, &w->n_type_yes)) != RV_OK)
        goto done;
    st = compile_types(p->types_not, p->n_types_not, &w->type_no, &w->n_type_no);
done:
    if (st != RV_OK) {
        rv_wfilter_free(w);
        w = NULL;
    }
    *out = w;
    return st;
}

void rv_wfilter_free(rv_wfilter *w) {
    if (!w) return;
    for (size_t i = 0; i < w->nl; i++)
        layer_free(&w->lv[i]);
    free(w->lv);
    rv_ignore_free(w->global);
    rv_ignore_free(w->globs);
    for (size_t i = 0; i < w->n_type_yes; i++)
        rv_glob_free(w->type_yes[i]);
    for (size_t i = 0; i < w->n_type_no; i++)
        rv_glob_free(w->type_no[i]);
    free(w->type_yes);
    free(w->type_no);
    free(w->scratch);
    free(w);
}
