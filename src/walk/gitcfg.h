/*
 * walk/gitcfg.h — the bits of git's on-disk layout the walker needs: where
 * a repository keeps info/exclude, and where the user's global excludes
 * file is. Also the small non-blocking file reader those use.
 *
 *   char *p = rv_gitcfg_global_excludes(home, xdg);  // NULL without a home
 *   rv_ignore_load(&global, p); free(p);
 */
#ifndef RV_WALK_GITCFG_H
#define RV_WALK_GITCFG_H

#include "ripvec/common.h"

/* Reads a regular file of at most `max` bytes into a malloc'd NUL-terminated
 * buffer (caller frees). RV_ERR_NOT_FOUND when it is missing or not a regular
 * file (never blocks on a FIFO), RV_ERR_FORMAT when larger than max,
 * RV_ERR_IO otherwise. */
rv_status rv_gitcfg_read_file(char **out, size_t *out_len, const char *path, size_t max);

/* The global excludes file git would use: core.excludesFile from
 * ~/.gitconfig, else from $XDG_CONFIG_HOME/git/config (or
 * ~/.config/git/config), else $XDG_CONFIG_HOME/git/ignore (or
 * ~/.config/git/ignore). "~/" is expanded. home and xdg_config_home are
 * the values of HOME and XDG_CONFIG_HOME (the front end reads them; NULL or
 * "" when unset). malloc'd; NULL when neither is known. */
char *rv_gitcfg_global_excludes(const char *home, const char *xdg_config_home);

/* The path of the info/exclude file for the repository whose ".git" entry
 * (a directory, or a "gitdir: ..." file as in worktrees and submodules) is
 * at `dotgit`. malloc'd; NULL when it cannot be worked out. */
char *rv_gitcfg_info_exclude(const char *dotgit);

#endif
