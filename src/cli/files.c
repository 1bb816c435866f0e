/* The walk options of the front end: -t names, --type-list, --files, and
 * which config file -v names. */
#include "cli/cli.h"
#include "cli/opt.h"

#include "ripvec/walk.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void print_type_list(void) {
    size_t n = 0;
    const rv_walk_type *t = rv_walk_types(&n);
    for (size_t i = 0; i < n; i++) {
        printf("%s:", t[i].name);
        for (const char *const *g = t[i].globs; g && *g; g++)
            printf("%s %s", g == t[i].globs ? "" : ",", *g);
        putchar('\n');
    }
}

int rv_cli_setup_walk(rv_opts *o) {
    if (o->type_list) {
        print_type_list();
        return fflush(stdout) == 0 ? RV_EXIT_OK : rv_cli_fail("write error on standard output");
    }
    for (size_t i = 0; i < o->n_types; i++)
        if (!rv_walk_type_find(o->types[i]))
            return rv_cli_fail("unknown file type '%s' (see ripvec --type-list)", o->types[i]);
    if (o->verbose && !o->quiet && o->config_path) {
        fprintf(stderr, "ripvec: config %s:", o->config_path);
        for (size_t i = 0; i < o->n_config_args; i++)
            fprintf(stderr, " %s", o->config_args[i]);
        fputc('\n', stderr);
    }
    return RV_EXIT_OK;
}

typedef struct lister {
    const rv_opts *o;
    int terminal;
    size_t files;
} lister;

static int on_file(void *user, const rv_walk_entry *e) {
    lister *l = user;
    if (l->terminal && !l->o->sink.null_sep) {
        for (const char *c = e->path; *c; c++)
            putchar((unsigned char)*c < 0x20 || *c == 0x7F ? '?' : *c);
    } else {
        fputs(e->path, stdout);
    }
    putchar(l->o->sink.null_sep ? '\0' : '\n');
    l->files++;
    return ferror(stdout) != 0;
}

static void on_skip(void *user, const char *path, rv_walk_skip why, const char *detail) {
    (void)user;
    rv_cli_progress_skip(NULL, path, rv_walk_skip_name(why), detail);
}

int rv_cli_list_files(const rv_opts *o, const char *const *paths, size_t n) {
    rv_walk_params wp = rv_walk_default_params();
    wp.hidden = o->cfg.hidden;
    wp.no_ignore = o->cfg.no_ignore;
    wp.follow = o->cfg.follow;
    if (o->cfg.max_filesize) wp.max_filesize = o->cfg.max_filesize;
    wp.types = o->types;
    wp.n_types = o->n_types;
    wp.globs = o->globs;
    wp.n_globs = o->n_globs;
    wp.home = o->cfg.home;
    wp.xdg_config_home = o->cfg.xdg_config_home;
    lister l = {o, isatty(1), 0};
    for (size_t i = 0; i < n; i++) {
        rv_status st = rv_walk(paths[i], &wp, on_file, o->verbose ? on_skip : NULL, &l);
        if (st == RV_ERR_CANCELLED) return rv_cli_fail("write error on standard output");
        if (st != RV_OK) return rv_cli_fail("%s", rv_error_last());
    }
    if (fflush(stdout) != 0) return rv_cli_fail("write error on standard output");
    return l.files ? RV_EXIT_OK : RV_EXIT_NONE;
}
