/* rv_mcp_run: the engine backend and the server wired together for a front
 * end (see ripvec/mcp.h). */
#include "mcp/engine.h"
#include "mcp/mcp.h"
#include "ripvec/mcp.h"

#include <stdio.h>
#include <string.h>

rv_mcp_run_params rv_mcp_run_default_params(void) {
    rv_mcp_run_params p;
    memset(&p, 0, sizeof p);
    p.search = rv_search_default_config();
    p.watch = 1;
    p.warm = 1;
    p.out_fd = 1;
    return p;
}

static void note(const rv_mcp_run_params *p, const char *line) {
    if (p->note) p->note(p->note_user, line);
}

rv_status rv_mcp_run(const rv_mcp_run_params *p, size_t *requests) {
    if (requests) *requests = 0;
    rv_mcp_engine_params ep = rv_mcp_engine_default_params();
    const rv_search_config *c = &p->search;
    ep.search = c;
    ep.model_name = p->model_name;
    ep.watch = p->watch;
    ep.note = p->note;
    ep.note_user = p->note_user;
    ep.start_indexer = p->start_indexer;
    ep.indexer_user = p->indexer_user;
    ep.index_root = p->index_root;
    rv_mcp_engine *eng = NULL;
    rv_mcp_server *srv = NULL;
    rv_status st = rv_mcp_engine_create(&eng, &ep);
    if (st != RV_OK) goto done;
    rv_mcp_backend be = rv_mcp_engine_backend(eng);
    rv_mcp_server_params sp = rv_mcp_server_default_params();
    sp.root = c->root;
    sp.backend = &be;
    sp.version = p->version;
    if ((st = rv_mcp_server_create(&srv, &sp)) != RV_OK) goto done;
    if (p->warm && (st = rv_mcp_engine_warm(eng)) != RV_OK) goto done;
    char line[8400];
    if (p->index_root)
        snprintf(line, sizeof line, "serving %s with model %s (the index of %s)", c->root,
                 c->model_dir, p->index_root);
    else
        snprintf(line, sizeof line, "serving %s with model %s", c->root, c->model_dir);
    note(p, line);
    st = rv_mcp_serve_fd(srv, p->in_fd, p->out_fd);
    if (requests) *requests = rv_mcp_server_requests(srv);
done:
    rv_mcp_server_free(srv);
    rv_mcp_engine_free(eng);
    return st;
}
