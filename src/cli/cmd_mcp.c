/* ripvec mcp [OPTIONS] [ROOT] — a Model Context Protocol server on stdio.
 * stdout carries protocol messages only; every log line goes to stderr. */
#include "cli/cli.h"
#include "mcp/engine.h"
#include "mcp/mcp.h"
#include "ripvec/model_store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char g_usage[] =
    "usage: ripvec mcp [OPTIONS] [ROOT]\n"
    "\n"
    "Serves the search engine to AI agents over the Model Context Protocol\n"
    "(JSON-RPC 2.0 on stdin/stdout, one message per line). Tools: search_code,\n"
    "find_similar, get_repo_map, reindex, index_status.\n"
    "\n"
    "ROOT defaults to $RIPVEC_ROOT, else the current directory.\n"
    "\n"
    "Options:\n"
    "      --model M        model name or directory (default $RIPVEC_MODEL or\n"
    "                       all-minilm-l6-v2)\n"
    "      --device D       cpu (default), cuda or auto\n"
    "      --threads N      engine threads (default: all cores)\n"
    "      --precision P    fp32 (default), fp16 or int8 weights (cpu)\n"
    "      --cache-dir DIR  where indexes live (default ~/.cache/ripvec)\n"
    "      --no-index       keep the index in memory only\n"
    "      --no-warm        load and index on the first tool call, not at start\n"
    "      --no-watch       no inotify: walk the root before every call to see changes\n"
    "  -q, --quiet          no log lines on stderr\n"
    "  -h, --help           this help\n";

static void log_line(void *user, const char *line) {
    (void)user;
    fprintf(stderr, "ripvec mcp: %s\n", line);
}

int rv_cmd_mcp(int argc, char **argv) {
    const char *root = NULL, *model = NULL;
    int quiet = 0, warm = 1;
    rv_mcp_engine_params ep = rv_mcp_engine_default_params();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(g_usage, stdout);
            return RV_EXIT_OK;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--no-index")) {
            ep.use_index = 0;
        } else if (!strcmp(a, "--no-watch")) {
            ep.watch = 0;
        } else if (!strcmp(a, "--no-warm")) {
            warm = 0;
        } else if (!strcmp(a, "--model") || !strcmp(a, "--device") || !strcmp(a, "--threads") ||
                   !strcmp(a, "--cache-dir") || !strcmp(a, "--precision")) {
            if (!val) return rv_cli_fail("%s needs a value", a);
            i++;
            if (!strcmp(a, "--model")) {
                model = val;
            } else if (!strcmp(a, "--device")) {
                ep.device = val;
            } else if (!strcmp(a, "--precision")) {
                if (rv_precision_parse(&ep.precision, val) != RV_OK)
                    return rv_cli_fail("--precision: %s", rv_error_last());
            } else if (!strcmp(a, "--cache-dir")) {
                ep.cache_dir = val;
            } else {
                char *end = NULL;
                long n = strtol(val, &end, 10);
                if (!*val || *end || n < 0 || n > 4096)
                    return rv_cli_fail("--threads: not a thread count: %s", val);
                ep.threads = (int)n;
            }
        } else if (a[0] == '-' && a[1]) {
            return rv_cli_fail("mcp: unknown option %s (see ripvec mcp --help)", a);
        } else if (!root) {
            root = a;
        } else {
            return rv_cli_fail("mcp: only one ROOT may be given");
        }
    }
    if (!root) {
        const char *env = getenv("RIPVEC_ROOT");
        root = env && *env ? env : ".";
    }
    /* A client that goes away must not kill us mid-write: EPIPE ends the loop. */
    signal(SIGPIPE, SIG_IGN);

    int rc = RV_EXIT_ERROR;
    char *model_dir = NULL;
    rv_mcp_engine *eng = NULL;
    rv_mcp_server *srv = NULL;
    if (!quiet) rv_model_set_note_fn(log_line, NULL);
    if (rv_model_resolve(&model_dir, model, 1, quiet) != RV_OK) {
        rv_cli_fail("mcp: %s", rv_error_last());
        goto done;
    }
    ep.root = root;
    ep.model_dir = model_dir;
    ep.model_name = model ? rv_model_canonical_name(model) : NULL;
    if (!ep.model_name && !model) ep.model_name = rv_model_default_name();
    if (!quiet) ep.note = log_line;
    if (rv_mcp_engine_create(&eng, &ep) != RV_OK) {
        rv_cli_fail("mcp: %s", rv_error_last());
        goto done;
    }
    rv_mcp_backend be = rv_mcp_engine_backend(eng);
    rv_mcp_server_params sp = rv_mcp_server_default_params();
    sp.root = root;
    sp.backend = &be;
    sp.version = RV_VERSION;
    if (rv_mcp_server_create(&srv, &sp) != RV_OK) {
        rv_cli_fail("mcp: %s", rv_error_last());
        goto done;
    }
    if (warm && rv_mcp_engine_warm(eng) != RV_OK) {
        rv_cli_fail("mcp: %s", rv_error_last());
        goto done;
    }
    if (!quiet) fprintf(stderr, "ripvec mcp: serving %s with model %s\n", root, model_dir);
    if (rv_mcp_serve_fd(srv, 0, 1) != RV_OK) {
        rv_cli_fail("mcp: %s", rv_error_last());
        goto done;
    }
    if (!quiet)
        fprintf(stderr, "ripvec mcp: end of input after %zu requests\n",
                rv_mcp_server_requests(srv));
    rc = RV_EXIT_OK;
done:
    rv_mcp_server_free(srv);
    rv_mcp_engine_free(eng);
    free(model_dir);
    return rc;
}
