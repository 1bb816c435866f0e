/*
 * ripvec/walk.h — the files a search should look at, found the way ripgrep
 * finds them. Knows nothing about embeddings.
 *
 *   static int on_file(void *user, const rv_walk_entry *e) {
 *       printf("%s (%llu bytes)\n", e->path, (unsigned long long)e->size);
 *       return 0;                                  // nonzero stops the walk
 *   }
 *   static void on_skip(void *user, const char *path, rv_walk_skip why, const char *detail) {
 *       fprintf(stderr, "skip %s: %s (%s)\n", path, rv_walk_skip_name(why), detail);
 *   }
 *   ...
 *   rv_walk_params p = rv_walk_default_params();
 *   const char *types[] = {"c", "rust"};
 *   p.types = types; p.n_types = 2;
 *   rv_status st = rv_walk("./proj", &p, on_file, on_skip, NULL);
 *   if (st != RV_OK && st != RV_ERR_CANCELLED) fprintf(stderr, "%s\n", rv_error_last());
 *
 * What is skipped (ripgrep's defaults):
 *  - paths matched by ignore files: .ripvecignore (for files to keep out of
 *    ripvec but not out of other tools; it beats .ignore, as ripgrep's
 *    .rgignore does) and .ignore in any directory (always, and it beats
 *    .gitignore); .gitignore, .git/info/exclude and the global git
 *    excludes file (core.excludesFile from ~/.gitconfig, else from
 *    $XDG_CONFIG_HOME/git/config, default $XDG_CONFIG_HOME/git/ignore or
 *    ~/.config/git/ignore) only for paths inside a git repository, i.e. with
 *    a .git directory or file at or above them. As in ripgrep, ignore files in
 *    the directories above the root apply too (a .gitignore only up to the
 *    repository's top), and outside any repository .gitignore files are not
 *    read at all unless `no_require_git` is set. A nested repository's own
 *    files decide for paths inside it. Precedence: .ripvecignore, .ignore,
 *    .gitignore, info/exclude, then the global file; within a kind the deepest file
 *    with a matching line decides, and in a file the last matching line.
 *    info/exclude and global patterns are relative to the repository's top
 *    (git's rule). Excluded directories are pruned, so nothing under them
 *    can be re-included (git's rule). Pattern syntax is git's, checked
 *    against `git check-ignore` in tests/test_walk_gitmatch.c;
 *  - hidden entries (name starts with '.') unless `hidden`; ".git" always;
 *  - symlinks unless `follow` (then directory loops are reported and cut);
 *  - FIFOs, sockets and devices (never opened); binary files (a NUL byte in
 *    the first 8 KiB); files over `max_filesize`; lock files (Cargo.lock,
 *    package-lock.json, yarn.lock, pnpm-lock.yaml, poetry.lock, Gemfile.lock,
 *    go.sum, composer.lock, Pipfile.lock, flake.lock);
 *  - files not selected by `types` / `globs` (see below).
 * Unreadable, vanished or changed entries are skipped and reported to on_skip;
 * the walk goes on. The root itself is never subject to ignore, hidden, type,
 * glob or lock-file rules; a root that is a file yields just that file
 * (unless binary or too large), a root that is a FIFO or device is reported
 * as special and not opened.
 *
 * Filters, in ripgrep's order: `globs` first ("GLOB" includes, "!GLOB"
 * excludes; gitignore syntax matched against the path relative to the root;
 * a glob without '/' matches the basename; the last matching glob wins; a
 * match here overrides the ignore files and the hidden rule; when any include
 * glob is given, files matching none are skipped, directories are not).
 * Then ignore files, then `types` (file type names, see rv_walk_types();
 * files must match one) and `types_not` (files matching one are skipped), then
 * the hidden rule (a file re-included by a '!' ignore line or selected by a
 * type is shown even when hidden, as in ripgrep).
 *
 * Known files: a caller that keeps what it saw last time (the index) can set
 * `known`. For a regular file (by d_type, or by lstat where the file system
 * gives none) that is not a symlink and passed every rule above, the walk
 * asks `known` for the stat the caller holds for its rel. Only when it holds
 * one does the walk lstat() the file (no open); when size, mtime (seconds
 * and nanoseconds) and inode all equal what is held, on_file gets the file
 * with that stat and it is never opened or read. So a held file that became
 * binary while keeping its stat is still delivered: the caller vouches for
 * it by its stat alone (as a stat fast path does). A held file over
 * `max_filesize` is reported as too large without being opened. Files not
 * held, or whose stat differs, symlinks (even followed ones), FIFOs and the
 * like, and a root that is a file take the usual path (opened O_NONBLOCK,
 * re-checked with fstat, NUL sniff), so a file the caller does not hold
 * costs no extra system call.
 *
 * Order is deterministic: each directory's entries in bytewise name order,
 * depth first (ripgrep --sort path). The walk holds no file descriptor per
 * level and no recursion, so depth is bounded only by PATH_MAX.
 * One thread; reentrant (no global state; the environment is not read).
 */
#ifndef RIPVEC_WALK_H
#define RIPVEC_WALK_H

#include "ripvec/common.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_walk_entry {
    const char *path; /* the root as given joined with rel: "./proj/src/a.c" */
    const char *rel;  /* relative to the root: "src/a.c" (a file root: its basename) */
    uint64_t size;
    int64_t mtime_sec;
    int32_t mtime_nsec;
    uint64_t dev, ino;
    /* Bytes of rel naming the innermost directory below the root that is a
     * git repository's top (a ".git" entry), with its '/': 6 for
     * "libA/src/a.c" when libA/.git exists; 0 when there is none. */
    size_t repo_len;
} rv_walk_entry;
/* The strings are valid only during the callback; copy what you keep. */

/* The stat a caller holds for a file (see "Known files" above). */
typedef struct rv_walk_held {
    uint64_t size;
    int64_t mtime_sec;
    int32_t mtime_nsec; /* 0..999999999 */
    uint64_t ino;
} rv_walk_held;

/* Optional: 1 with *held filled when the caller holds a stat for `rel`
 * (relative to the root, as in rv_walk_entry), else 0. */
typedef int (*rv_walk_known_fn)(void *user, const char *rel, rv_walk_held *held);

typedef struct rv_walk_params {
    int hidden;               /* also walk entries whose name starts with '.' */
    int no_ignore;            /* read no ignore files at all */
    int no_require_git;       /* apply .gitignore files outside git repositories too */
    int follow;               /* follow symlinks (with loop detection) */
    uint64_t max_filesize;    /* skip larger files; 0 = no limit; default 1 MiB */
    const char *const *types; /* type names to keep, e.g. "rust"; unknown -> error */
    size_t n_types;
    const char *const *types_not; /* type names to skip */
    size_t n_types_not;
    const char *const *globs; /* "GLOB" or "!GLOB", ripgrep -g syntax */
    size_t n_globs;
    rv_walk_known_fn known; /* NULL: every file is opened and sniffed */
    void *known_user;       /* passed to `known` */
    /* $HOME and $XDG_CONFIG_HOME, for git's global excludes file (the
     * library reads no environment; NULL: no global excludes). */
    const char *home;
    const char *xdg_config_home;
} rv_walk_params;

/* hidden 0, no_ignore 0, follow 0, max_filesize 1 MiB, no filters, no
 * `known` hook. */
rv_walk_params rv_walk_default_params(void);

typedef enum rv_walk_skip {
    RV_WALK_SKIP_BINARY,      /* NUL byte in the first 8 KiB */
    RV_WALK_SKIP_TOO_LARGE,   /* size > max_filesize */
    RV_WALK_SKIP_UNREADABLE,  /* open/read/opendir failed (detail: strerror) */
    RV_WALK_SKIP_LOOP,        /* followed symlink leads back to an ancestor */
    RV_WALK_SKIP_SPECIAL,     /* FIFO, socket, device */
    RV_WALK_SKIP_VANISHED,    /* removed or changed type during the walk */
    RV_WALK_SKIP_SYMLINK,     /* symlink, not followed (follow == 0) */
    RV_WALK_SKIP_BROKEN_LINK, /* followed symlink with no target */
    RV_WALK_SKIP_LOCKFILE,    /* Cargo.lock, package-lock.json, ... */
    RV_WALK_SKIP_IGNORE_FILE  /* an ignore file could not be read; its rules are not applied */
} rv_walk_skip;

/* A short fixed name: "binary", "too-large", "unreadable", ... */
const char *rv_walk_skip_name(rv_walk_skip why);

/* Called once per file to look at, in walk order. Nonzero stops the walk:
 * rv_walk then returns RV_ERR_CANCELLED. */
typedef int (*rv_walk_file_fn)(void *user, const rv_walk_entry *e);
/* Called for each notable skip (not for ignored, hidden or filtered paths).
 * `detail` is a short reason, never NULL. May be NULL. */
typedef void (*rv_walk_skip_fn)(void *user, const char *path, rv_walk_skip why, const char *detail);

/* Walks `root` (a directory or a file). params NULL = defaults.
 * Errors: RV_ERR_NOT_FOUND (root missing), RV_ERR_INVALID_ARG (unknown type
 * name, empty root, NULL on_file), RV_ERR_IO (root unreadable),
 * RV_ERR_NOMEM, RV_ERR_CANCELLED (on_file returned nonzero). */
rv_status rv_walk(const char *root, const rv_walk_params *params, rv_walk_file_fn on_file,
                  rv_walk_skip_fn on_skip, void *user);

/* ---- pattern matching, for reuse (MCP path filters, the index) ---- */

/* Git wildmatch of the whole text: '*', '?', '[...]' (ranges, '!'/'^'
 * negation, [:alpha:] classes) never match '/'; a "**" that is a whole path
 * component matches across directories (leading "**" + "/x", middle
 * "a/" + "**" + "/b", trailing "a/" + "**");
 * '\' escapes. 1 match, 0 not (a malformed pattern never matches). */
int rv_wildmatch(const char *pattern, const char *text);

/* One ripgrep -g style glob against a '/'-separated relative file path
 * (a leading "./" is ignored): without a '/' (a trailing one aside) it
 * matches the basename, otherwise the whole path (a leading '/' is
 * dropped). A trailing '/' makes it match files below a matching directory
 * ("src/" matches "src/a.c" and "x/src/b.c"). No '!' handling: negate the
 * result yourself. */
int rv_glob_match(const char *pattern, const char *path);

/* The built-in file types, for --type-list and validation. */
typedef struct rv_walk_type {
    const char *name;
    const char *const *globs; /* NULL-terminated, basename globs */
} rv_walk_type;

/* The table, sorted by name; *count gets its length. Static storage. */
const rv_walk_type *rv_walk_types(size_t *count);

/* The type called `name` (aliases like "py" and "md" included) or NULL. */
const rv_walk_type *rv_walk_type_find(const char *name);

/* Whether `name` is one of the lock files the walk skips. */
int rv_walk_is_lockfile(const char *basename);

#ifdef __cplusplus
}
#endif
#endif
