/*
 * cli/cli.h — the subcommands of the ripvec binary and their shared manners.
 *
 * Exit codes follow grep: 0 = found / ok, 1 = nothing found, 2 = error.
 * Errors go to stderr as one line: "ripvec: <message>".
 */
#ifndef RV_CLI_H
#define RV_CLI_H

#include <stddef.h>

enum { RV_EXIT_OK = 0, RV_EXIT_NONE = 1, RV_EXIT_ERROR = 2 };

/* rv_cli_begin answered the command line itself (--help, --version,
 * --generate): exit 0 without doing anything else. */
enum { RV_CLI_DONE = -1 };

/* Each takes the arguments after its own name (argv[0] is the subcommand). */
int rv_cmd_search(int argc, char **argv); /* ripvec [OPTIONS] QUERY [PATH] */
int rv_cmd_model(int argc, char **argv);  /* ripvec model fetch|list|path */
int rv_cmd_tokenize(int argc, char **argv);
int rv_cmd_embed(int argc, char **argv);
int rv_cmd_index(int argc, char **argv); /* ripvec index status|clear|rebuild */
int rv_cmd_mcp(int argc, char **argv);
int rv_cmd_lsp(int argc, char **argv);     /* ripvec lsp [--stdio] */
int rv_cmd_similar(int argc, char **argv); /* ripvec find-similar FILE:LINE [ROOT] */
int rv_cmd_repomap(int argc, char **argv); /* ripvec repo-map [ROOT] */

struct rv_opts;
/* The start every subcommand shares: the config file's options that cmd
 * takes, then argv, parsed into o (rv_opts_init'ed here; the caller frees it
 * with rv_opts_free). 0 to go on, RV_CLI_DONE when --help, --version or
 * --generate was answered, 2 after an error line. */
int rv_cli_begin(struct rv_opts *o, unsigned cmd, int argc, char **argv);

/* A whole subcommand: rv_cli_begin, rv_cli_setup_walk, then body (unless
 * the command line was answered already), and the exit status. */
int rv_cli_main(unsigned cmd, int argc, char **argv, int (*body)(struct rv_opts *o));

/* "ripvec: <formatted message>\n" on stderr; returns RV_EXIT_ERROR. */
int rv_cli_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* 1 when stdout/stderr should be colored: a terminal, NO_COLOR unset, and
 * --color not forcing otherwise (mode: 0 auto, 1 always, -1 never). */
int rv_cli_use_color(int fd, int mode);

/* The progress line on a terminal (stderr), redrawn ~10 times a second at
 * most, and the notes that must clear it before they print. */
typedef struct rv_cli_progress {
    int on;      /* stderr is a terminal and progress was not turned off */
    int active;  /* a line is drawn */
    double last; /* elapsed_s of the last draw */
} rv_cli_progress;

struct rv_progress;
void rv_cli_progress_draw(void *user, const struct rv_progress *p); /* user: rv_cli_progress */
void rv_cli_progress_clear(rv_cli_progress *ps);
/* "ripvec: <msg>" on stderr, clearing the progress line (user: an
 * rv_cli_progress or NULL). */
void rv_cli_note(void *user, const char *msg);
/* "ripvec: skipped PATH: why (detail)" on stderr, the same way. */
void rv_cli_progress_skip(void *user, const char *path, const char *why, const char *detail);

/* After parsing, for the commands that walk: checks the -t names, answers
 * --type-list (o->type_list set: printed, exit 0), and with -v names the
 * config file read. Returns 0 or 2 after an error line. */
int rv_cli_setup_walk(struct rv_opts *o);

/* --files: the files a search of paths would look at, one per line (NUL
 * with -0). Exit 0 some, 1 none, 2 error. */
int rv_cli_list_files(const struct rv_opts *o, const char *const *paths, size_t n);

/* Opens a searcher on root with the options' walk, engine and index
 * settings, and refreshes it with progress and notes on stderr. 0 or 2. */
struct rv_searcher;
struct rv_refresh_stats;
int rv_cli_open_searcher(struct rv_searcher **out, struct rv_refresh_stats *stats,
                         const struct rv_opts *o, const char *root, const char *model_dir,
                         rv_cli_progress *ps);

/* -v: the device and what the refresh did, on stderr. */
void rv_cli_report_verbose(const struct rv_opts *o, const char *path, const struct rv_searcher *s,
                           const struct rv_refresh_stats *st);

/* How results below path are shown: path itself, or the directory of a file
 * (malloc'd; NULL when out of memory). */
char *rv_cli_display_root(const char *path);

/* The model directory for spec (--model or $RIPVEC_MODEL; NULL: the
 * default), fetching a known model when allowed, with fetch notes on stderr
 * (through ps, which may be NULL) unless quiet, and $RIPVEC_PYTHON for pip.
 * 0, or 2 after an error line. */
int rv_cli_resolve_model(char **dir, const char *spec, int allow_fetch, int quiet,
                         rv_cli_progress *ps);
/* Where the packed layers of the model resolved from spec into model_dir
 * are kept (rv_model_params.pack_dir): "<model_dir>/packed" for a model of
 * ripvec's cache, NULL for a directory the user gave (never written to).
 * Caller frees. */
char *rv_cli_pack_dir(const char *spec, const char *model_dir);

/* $RIPVEC_PYTHON, the interpreter that runs pip for a fetch (NULL: unset). */
const char *rv_cli_python(void);

/* ripvec's cache directory for the model store: rv_cache_root of
 * $XDG_CACHE_HOME and $HOME ($RIPVEC_CACHE and --cache-dir move the indexes
 * only), malloc'd; NULL without a home (the store then says so). */
char *rv_cli_model_cache(void);

/* What a detached indexer needs to update the index a search used. */
typedef struct rv_cli_indexer {
    const char *root, *model_dir, *cache_dir;
    int repo_level, hidden, no_ignore, follow;
    const char *precision; /* the search's, so the indexer fills its index */
} rv_cli_indexer;

/* Starts `ripvec index update` for ix->root detached from this process (new
 * session, lowest priority, no terminal); *pid its process id. 0 ok, -1
 * when it could not start (cli/background.c). */
int rv_cli_start_indexer(const rv_cli_indexer *ix, long *pid);

struct rv_model;
/* ripvec index status and stop for the index of root (cli/index_status.c):
 * exit codes as the subcommand's. */
int rv_cli_index_status(const struct rv_opts *o, const char *root, const struct rv_model *m);
int rv_cli_index_stop(const struct rv_opts *o, const char *root, const struct rv_model *m);

/* Nested roots (cli/nested.c): *root the directory above path whose index
 * path shares and *rel path relative to it (both malloc'd), or both NULL
 * when path uses its own index. Returns 0. */
int rv_cli_index_root(char **root, char **rel, const char *path, const char *model_dir,
                      const struct rv_opts *o);

#define RV_VERSION "0.1.0"

#endif
