/*
 * cli/cli.h — the subcommands of the ripvec binary and their shared manners.
 *
 * Exit codes follow grep: 0 = found / ok, 1 = nothing found, 2 = error.
 * Errors go to stderr as one line: "ripvec: <message>".
 */
#ifndef RV_CLI_H
#define RV_CLI_H

enum { RV_EXIT_OK = 0, RV_EXIT_NONE = 1, RV_EXIT_ERROR = 2 };

/* Each takes the arguments after its own name (argv[0] is the subcommand). */
int rv_cmd_search(int argc, char **argv); /* ripvec [OPTIONS] QUERY [PATH] */
int rv_cmd_model(int argc, char **argv);  /* ripvec model fetch|list|path */
int rv_cmd_tokenize(int argc, char **argv);
int rv_cmd_embed(int argc, char **argv);
int rv_cmd_index(int argc, char **argv);  /* ripvec index status|clear|rebuild */
int rv_cmd_mcp(int argc, char **argv);

/* "ripvec: <formatted message>\n" on stderr; returns RV_EXIT_ERROR. */
int rv_cli_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* 1 when stdout/stderr should be colored: a terminal, NO_COLOR unset, and
 * --color not forcing otherwise (mode: 0 auto, 1 always, -1 never). */
int rv_cli_use_color(int fd, int mode);

/* What a detached indexer needs to update the index a search used. */
typedef struct rv_cli_indexer {
    const char *root, *model_dir, *cache_dir;
    int repo_level, hidden, no_ignore, follow;
} rv_cli_indexer;

/* Starts `ripvec index update` for ix->root detached from this process (new
 * session, lowest priority, no terminal); *pid its process id. 0 ok, -1
 * when it could not start (cli/background.c). */
int rv_cli_start_indexer(const rv_cli_indexer *ix, long *pid);

#define RV_VERSION "0.1.0"

#endif
