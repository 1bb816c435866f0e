/* ripvec mcp [OPTIONS] [ROOT] — a Model Context Protocol server on stdio.
 * stdout carries protocol messages only; every log line goes to stderr. */
#include "cli/cli.h"
#include "cli/opt.h"
#include "ripvec/mcp.h"
#include "ripvec/model_store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void log_line(void *user, const char *line) {
    (void)user;
    fprintf(stderr, "ripvec mcp: %s\n", line);
}

/* The detached `ripvec index update` that embeds while the server answers. */
typedef struct mcp_indexer {
    const rv_opts *o;
    const char *root, *model_dir;
} mcp_indexer;

static int start_indexer(void *user, long *pid) {
    const mcp_indexer *m = user;
    const rv_search_config *c = &m->o->cfg;
    rv_cli_indexer ix = {m->root,   m->model_dir, c->cache_dir, c->repo_level,
                         c->hidden, c->no_ignore, c->follow,    rv_precision_name(c->precision)};
    return rv_cli_start_indexer(&ix, pid);
}

static int serve(rv_opts *o) {
    if (o->n_pos > 1) return rv_cli_fail("mcp: only one ROOT may be given");
    const char *root = o->n_pos ? o->pos[0] : getenv("RIPVEC_ROOT");
    if (!root || !*root) root = ".";
    /* A client that goes away must not kill us mid-write: EPIPE ends the loop. */
    signal(SIGPIPE, SIG_IGN);

    char *model_dir = NULL;
    rv_model_fetch_opts fo = {0};
    fo.note = o->quiet ? NULL : log_line;
    fo.python = rv_cli_python();
    char *cache = rv_cli_model_cache();
    fo.cache_dir = cache;
    rv_status st = rv_model_resolve_ex(&model_dir, o->model, 1, &fo);
    free(cache);
    if (st != RV_OK) return rv_cli_fail("mcp: %s", rv_error_last());
    /* A subdirectory of an indexed tree: that tree's index, narrowed (as a
     * search does), and that tree's indexer. */
    char *index_root = NULL, *rel = NULL;
    rv_cli_index_root(&index_root, &rel, root, model_dir, o);
    rv_mcp_run_params p = rv_mcp_run_default_params();
    p.search = o->cfg;
    p.search.root = root;
    p.index_root = index_root;
    p.search.model_dir = model_dir;
    char *pack_dir = rv_cli_pack_dir(o->model, model_dir);
    p.search.pack_dir = pack_dir;
    p.model_name = o->model ? rv_model_canonical_name(o->model) : rv_model_default_name();
    p.watch = !o->no_watch;
    p.warm = !o->no_warm;
    p.version = RV_VERSION;
    p.note = fo.note;
    mcp_indexer mi = {o, index_root ? index_root : root, model_dir};
    if (o->wait != 1 && o->cfg.use_index) { /* answer during warm-up unless --wait */
        p.start_indexer = start_indexer;
        p.indexer_user = &mi;
    }
    size_t requests = 0;
    int rc = RV_EXIT_OK;
    if (rv_mcp_run(&p, &requests) != RV_OK)
        rc = rv_cli_fail("mcp: %s", rv_error_last());
    else if (!o->quiet)
        fprintf(stderr, "ripvec mcp: end of input after %zu requests\n", requests);
    free(pack_dir);
    free(model_dir);
    free(index_root);
    free(rel);
    return rc;
}

int rv_cmd_mcp(int argc, char **argv) {
    return rv_cli_main(RV_CMD_MCP, argc, argv, serve);
}
