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

int rv_cmd_mcp(int argc, char **argv) {
    rv_opts o;
    int rc = rv_cli_begin(&o, RV_CMD_MCP, argc, argv);
    if (rc == RV_EXIT_OK) rc = rv_cli_setup_walk(&o);
    if (rc != RV_EXIT_OK || o.type_list) goto done;
    rc = RV_EXIT_ERROR;
    if (o.n_pos > 1) {
        rv_cli_fail("mcp: only one ROOT may be given");
        goto done;
    }
    const char *root = o.n_pos ? o.pos[0] : getenv("RIPVEC_ROOT");
    if (!root || !*root) root = ".";
    /* A client that goes away must not kill us mid-write: EPIPE ends the loop. */
    signal(SIGPIPE, SIG_IGN);

    char *model_dir = NULL;
    void (*note)(void *, const char *) = o.quiet ? NULL : log_line;
    rv_model_fetch_opts fo = {0};
    fo.note = note;
    fo.python = rv_cli_python();
    if (rv_model_resolve_ex(&model_dir, o.model, 1, &fo) != RV_OK) {
        rv_cli_fail("mcp: %s", rv_error_last());
        goto done;
    }
    rv_mcp_run_params p = rv_mcp_run_default_params();
    p.search = o.cfg;
    p.search.root = root;
    p.search.model_dir = model_dir;
    p.model_name = o.model ? rv_model_canonical_name(o.model) : rv_model_default_name();
    p.watch = !o.no_watch;
    p.warm = !o.no_warm;
    p.version = RV_VERSION;
    p.note = note;
    size_t requests = 0;
    if (rv_mcp_run(&p, &requests) != RV_OK) {
        rv_cli_fail("mcp: %s", rv_error_last());
    } else {
        if (!o.quiet) fprintf(stderr, "ripvec mcp: end of input after %zu requests\n", requests);
        rc = RV_EXIT_OK;
    }
    free(model_dir);
done:
    rv_opts_free(&o);
    return rc == RV_CLI_DONE ? RV_EXIT_OK : rc;
}
