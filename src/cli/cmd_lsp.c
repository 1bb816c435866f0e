/* ripvec lsp [--stdio] [OPTIONS] — a Language Server on stdio (see
 * ripvec/lsp.h and docs/LSP.md). stdout carries protocol frames only. */
#include "cli/cli.h"
#include "ripvec/lsp.h"
#include "ripvec/model_store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char g_usage[] =
    "usage: ripvec lsp [--stdio] [OPTIONS]\n"
    "\n"
    "Serves semantic code navigation to editors over the Language Server\n"
    "Protocol (3.17, stdio): workspace symbols by meaning, document symbols,\n"
    "definition, references, hover, ripvec/search and ripvec.findSimilar.\n"
    "The workspace folders come from the client. See docs/LSP.md.\n"
    "\n"
    "Options:\n"
    "      --stdio          talk on stdin/stdout (the only transport; accepted)\n"
    "      --model M        model name or directory (default $RIPVEC_MODEL or\n"
    "                       all-minilm-l6-v2)\n"
    "      --device D       cpu (default), cuda or auto\n"
    "      --threads N      engine threads (default: all cores)\n"
    "      --precision P    fp32 (default), fp16 or int8 weights (cpu)\n"
    "      --cache-dir DIR  where indexes live (default ~/.cache/ripvec)\n"
    "      --no-index       keep indexes in memory only\n"
    "  -q, --quiet          no log lines on stderr\n"
    "  -h, --help           this help\n";

static void log_line(void *user, const char *line) {
    (void)user;
    fprintf(stderr, "ripvec lsp: %s\n", line);
}

int rv_cmd_lsp(int argc, char **argv) {
    const char *model = getenv("RIPVEC_MODEL");
    int quiet = 0;
    rv_lsp_params p = rv_lsp_default_params();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(g_usage, stdout);
            return RV_EXIT_OK;
        } else if (!strcmp(a, "--stdio")) {
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--no-index")) {
            p.use_index = 0;
        } else if (!strcmp(a, "--model") || !strcmp(a, "--device") || !strcmp(a, "--threads") ||
                   !strcmp(a, "--cache-dir") || !strcmp(a, "--precision")) {
            if (!val) return rv_cli_fail("%s needs a value", a);
            i++;
            if (!strcmp(a, "--model")) {
                model = val;
            } else if (!strcmp(a, "--device")) {
                p.device = val;
            } else if (!strcmp(a, "--precision")) {
                if (rv_precision_parse(&p.precision, val) != RV_OK)
                    return rv_cli_fail("--precision: %s", rv_error_last());
            } else if (!strcmp(a, "--cache-dir")) {
                p.cache_dir = val;
            } else {
                char *end = NULL;
                long n = strtol(val, &end, 10);
                if (!*val || *end || n < 0 || n > 4096)
                    return rv_cli_fail("--threads: not a thread count: %s", val);
                p.threads = (int)n;
            }
        } else {
            return rv_cli_fail("lsp: unknown argument %s (see ripvec lsp --help)", a);
        }
    }
    /* A client that goes away must not kill us mid-write. */
    signal(SIGPIPE, SIG_IGN);
    char *model_dir = NULL;
    if (!quiet) rv_model_set_note_fn(log_line, NULL);
    if (rv_model_resolve(&model_dir, model, 1, quiet) != RV_OK)
        return rv_cli_fail("lsp: %s", rv_error_last());
    p.model_dir = model_dir;
    if (!quiet) {
        p.note = log_line;
        fprintf(stderr, "ripvec lsp: serving with model %s\n", model_dir);
    }
    int code = 1;
    rv_status st = rv_lsp_serve(&code, &p);
    free(model_dir);
    if (st != RV_OK) return rv_cli_fail("lsp: %s", rv_error_last());
    return code;
}
