/*
 * walk/filter.h — the walker's judgement of names: the ignore files of each
 * directory on the current path (a stack pushed and popped with the walk,
 * plus the directories above the root and the global excludes file), the
 * -g globs, the -t/-T file types and the hidden rule, in ripgrep's order.
 *
 *   rv_wfilter *f = NULL;
 *   rv_wfilter_create(&f, &params, note_fn, ctx);
 *   rv_wfilter_enter_root(f, "proj");          // parents' files, global file
 *   rv_wfilter_push(f, "proj", 0, has);        // entering proj (rel "")
 *   if (!rv_wfilter_skip(f, "src", 3, "src", 1)) rv_wfilter_push(f, "proj/src", 3, has2);
 *   ...
 *   rv_wfilter_pop(f);                         // leaving a directory
 *   rv_wfilter_free(f);
 *
 * `has` tells which of .git, .ignore, .gitignore the directory's listing
 * holds, so absent files cost no syscall. Problems with ignore files go to
 * the note callback; they never stop the walk.
 */
#ifndef RV_WALK_FILTER_H
#define RV_WALK_FILTER_H

#include "ripvec/walk.h"

typedef struct rv_wfilter rv_wfilter;

typedef void (*rv_wfilter_note_fn)(void *ctx, const char *path, rv_walk_skip why,
                                   const char *detail);

enum {
    RV_WF_HAS_GIT = 1,
    RV_WF_HAS_IGNORE = 2,
    RV_WF_HAS_GITIGNORE = 4,
    RV_WF_HAS_RIPVECIGNORE = 8
};

/* Compiles globs and types from p (copied; the arrays are not kept).
 * RV_ERR_INVALID_ARG for an unknown type name. Caller frees. */
rv_status rv_wfilter_create(rv_wfilter **out, const rv_walk_params *p, rv_wfilter_note_fn note,
                            void *ctx);
void rv_wfilter_free(rv_wfilter *f);

/* Loads the global excludes file and the ignore files of the directories
 * above `root` (as ripgrep does). Call once, before the first push. */
rv_status rv_wfilter_enter_root(rv_wfilter *f, const char *root);

/* Entering directory `dir` (a path to open files under), whose path
 * relative to the root is rel_len bytes long (0 for the root). */
rv_status rv_wfilter_push(rv_wfilter *f, const char *dir, size_t rel_len, unsigned has);
void rv_wfilter_pop(rv_wfilter *f);

/* 1 when the entry rel (relative to the root; `name` is its last component)
 * in the most recently pushed directory is to be left out. */
int rv_wfilter_skip(rv_wfilter *f, const char *rel, size_t rel_len, const char *name, int is_dir);

#endif
