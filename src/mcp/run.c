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
    p.use_index = 1;
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
    ep.root = p->root;
    ep.model_dir = p->model_dir;
    ep.model_name = p->model_name;
    ep.device = p->device;
    ep.threads = p->threads;
    ep.precision = p->precision;
    ep.use_index = p->use_index;
    ep.cache_dir = p->cache_dir;
    ep.repo_level = p->repo_level;
    ep.watch = p->watch;
    ep.hidden = p->hidden;
    ep.no_ignore = p->no_ignore;
    ep.follow = p->follow;
    ep.max_filesize = p->max_filesize;
    ep.types = p->types;
    ep.globs = p->globs;
    ep.home = p->home;
    ep.xdg_config_home = p->xdg_config_home;
    ep.note = p->note;
    ep.note_user = p->note_user;
    rv_mcp_engine *eng = NULL;
    rv_mcp_server *srv = NULL;
    rv_status st = rv_mcp_engine_create(&eng, &ep);
    if (st != RV_OK) goto done;
    rv_mcp_backend be = rv_mcp_engine_backend(eng);
    rv_mcp_server_params sp = rv_mcp_server_default_params();
    sp.root = p->root;
    sp.backend = &be;
    sp.version = p->version;
    if ((st = rv_mcp_server_create(&srv, &sp)) != RV_OK) goto done;
    if (p->warm && (st = rv_mcp_engine_warm(eng)) != RV_OK) goto done;
    char line[4200];
    snprintf(line, sizeof line, "serving %s with model %s", p->root, p->model_dir);
    note(p, line);
    st = rv_mcp_serve_fd(srv, p->in_fd, p->out_fd);
    if (requests) *requests = rv_mcp_server_requests(srv);
done:
    rv_mcp_server_free(srv);
    rv_mcp_engine_free(eng);
    return st;
}
