/* ripvec lsp [--stdio] [OPTIONS] — a Language Server on stdio (see
 * ripvec/lsp.h and docs/LSP.md). stdout carries protocol frames only. */
#include "cli/cli.h"
#include "cli/opt.h"
#include "ripvec/lsp.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static void log_line(void *user, const char *line) {
    (void)user;
    fprintf(stderr, "ripvec lsp: %s\n", line);
}

static int serve(rv_opts *o) {
    if (o->n_pos > 0)
        return rv_cli_fail("lsp: unexpected argument %s (see ripvec lsp --help)", o->pos[0]);
    /* A client that goes away must not kill us mid-write. */
    signal(SIGPIPE, SIG_IGN);
    char *model_dir = NULL;
    int rc = rv_cli_resolve_model(&model_dir, o->model, 1, o->quiet, NULL);
    if (rc != RV_EXIT_OK) return rc;
    rv_lsp_params p = rv_lsp_default_params();
    p.model_dir = model_dir;
    p.use_index = o->cfg.use_index;
    p.cache_dir = o->cfg.cache_dir;
    p.device = o->cfg.device;
    p.threads = o->cfg.threads;
    p.precision = o->cfg.precision;
    p.driver = o->cfg.driver;
    char *pack_dir = rv_cli_pack_dir(o->model, model_dir);
    p.pack_dir = pack_dir;
    if (!o->quiet) {
        p.note = log_line;
        fprintf(stderr, "ripvec lsp: serving with model %s\n", model_dir);
    }
    int code = 1;
    if (rv_lsp_serve(&code, &p) != RV_OK) code = rv_cli_fail("lsp: %s", rv_error_last());
    free(pack_dir);
    free(model_dir);
    return code;
}

int rv_cmd_lsp(int argc, char **argv) {
    return rv_cli_main(RV_CMD_LSP, argc, argv, serve);
}
