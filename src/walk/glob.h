/*
 * walk/glob.h — compiled glob patterns with git's wildmatch semantics
 * (WM_PATHNAME: '*', '?' and '[...]' never match '/'; "**" as a whole path
 * component crosses directories).
 *
 *   rv_glob *g;
 *   if (rv_glob_compile(&g, "a*.c", 4, 0) == RV_OK) {
 *       int hit = rv_glob_exec(g, "abc.c", 5);   // 1
 *       rv_glob_free(g);
 *   }
 *
 * Matching is a linear-state NFA simulation, O(pattern * text), so hostile
 * patterns cannot blow up the way recursive backtracking can. A malformed
 * bracket expression or a trailing lone backslash compiles to a pattern that
 * never matches (git does the same).
 */
#ifndef RV_WALK_GLOB_H
#define RV_WALK_GLOB_H

#include "ripvec/common.h"

typedef struct rv_glob rv_glob;

enum {
    /* Git quirk for path patterns: git compares the literal prefix (up to the
     * first of "*?[\") itself and hands only the rest to wildmatch, so a star
     * run right after that prefix counts as "at the start" ("foo**\/bar"
     * matches "foox/y/bar"). Set for .gitignore patterns that contain '/'. */
    RV_GLOB_GIT_PREFIX = 1
};

/* Compiles pattern[0..len). Caller frees with rv_glob_free. */
rv_status rv_glob_compile(rv_glob **out, const char *pattern, size_t len, unsigned flags);

/* 1 when the whole of text[0..len) matches, else 0. */
int rv_glob_exec(const rv_glob *g, const char *text, size_t len);

void rv_glob_free(rv_glob *g);

/* 1 when the pattern was malformed (it then never matches): callers that
 * take patterns from users refuse them instead. */
int rv_glob_malformed(const rv_glob *g);

#endif
