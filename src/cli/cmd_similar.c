/* ripvec find-similar FILE:LINE [ROOT] and ripvec repo-map [ROOT]: the MCP
 * server's find_similar and get_repo_map tools on the command line. */
#include "cli/cli.h"
#include "cli/opt.h"

#include "ripvec/mcp.h"
#include "ripvec/model_store.h"
#include "ripvec/search.h"
#include "ripvec/sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* FILE as the user typed it, made relative to root when it starts with it. */
static const char *rel_to_root(const char *file, const char *root) {
    size_t n = strlen(root);
    if (strcmp(root, ".") != 0 && strncmp(file, root, n) == 0 &&
        (file[n] == '/' || root[n - 1] == '/'))
        file += n + (file[n] == '/');
    while (file[0] == '.' && file[1] == '/')
        file += 2;
    return file;
}

static int similar(rv_opts *o) {
    o->sink.color = o->sink.format == RV_SINK_PLAIN && rv_cli_use_color(1, o->color_mode);
    o->sink.terminal = isatty(1);
    if (o->n_pos < 1 || o->n_pos > 2)
        return rv_cli_fail("usage: ripvec find-similar [OPTIONS] FILE:LINE [ROOT]");
    const char *spec = o->pos[0], *root = o->n_pos > 1 ? o->pos[1] : ".";
    const char *colon = strrchr(spec, ':');
    char *end = NULL;
    long line = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == spec || !end || *end || end == colon + 1 || line < 1 || line > 100000000)
        return rv_cli_fail("expected FILE:LINE (a 1-based line), got '%s'", spec);
    char *file = strndup(spec, (size_t)(colon - spec)), *model_dir = NULL,
         *shown = rv_cli_display_root(root);
    rv_searcher *s = NULL;
    rv_result_list res = {0};
    rv_refresh_stats stats;
    rv_cli_progress ps = {.on = !o->quiet && isatty(2)};
    int rc = RV_EXIT_ERROR;
    if (!file || !shown) {
        rc = rv_cli_fail("out of memory");
        goto done;
    }
    if (rv_cli_resolve_model(&model_dir, o->model, 1, o->quiet, &ps) != RV_EXIT_OK) goto done;
    if ((rc = rv_cli_open_searcher(&s, &stats, o, root, model_dir, &ps)) != RV_EXIT_OK) goto done;
    if (o->verbose && !o->quiet) rv_cli_report_verbose(o, root, s, &stats);
    if (rv_searcher_similar(s, rel_to_root(file, root), (int)line, o->q.top_k, &res) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    rv_sink_opts so = o->sink;
    so.display_root = shown;
    if (rv_sink_write(stdout, &res, &so) != RV_OK)
        rc = rv_cli_fail("%s", rv_error_last());
    else
        rc = res.count ? RV_EXIT_OK : RV_EXIT_NONE;
done:
    rv_result_list_free(&res);
    rv_searcher_close(s);
    free(model_dir);
    free(shown);
    free(file);
    return rc;
}

int rv_cmd_similar(int argc, char **argv) {
    return rv_cli_main(RV_CMD_SIMILAR, argc, argv, similar);
}

/* The map needs chunks only: with the index the model is named (its id
 * names the index) but loads only when files changed. */
static int repo_map(rv_opts *o) {
    if (o->n_pos > 1) return rv_cli_fail("repo-map: only one ROOT may be given");
    const char *root = o->n_pos ? o->pos[0] : ".";
    char *model_dir = NULL, *map = NULL;
    rv_searcher *s = NULL;
    rv_refresh_stats stats;
    rv_cli_progress ps = {.on = !o->quiet && isatty(2)};
    int rc = RV_EXIT_ERROR;
    if (o->cfg.use_index &&
        rv_cli_resolve_model(&model_dir, o->model, 1, o->quiet, &ps) != RV_EXIT_OK)
        goto done;
    if ((rc = rv_cli_open_searcher(&s, &stats, o, root, model_dir, &ps)) != RV_EXIT_OK) goto done;
    rv_repo_map_info info;
    const char *focus = o->focus ? rel_to_root(o->focus, root) : NULL;
    if (rv_mcp_repo_map(&map, &info, &rv_searcher_corpus(s)->chunks, focus,
                        (size_t)o->max_tokens * 4) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    fputs(map, stdout);
    if (map[0] && map[strlen(map) - 1] != '\n') putchar('\n');
    if (o->verbose && !o->quiet)
        fprintf(stderr, "ripvec: %zu of %zu files shown%s\n", info.files_shown, info.files_total,
                info.truncated ? " (cut at --max-tokens)" : "");
    rc = fflush(stdout) == 0 ? (info.files_shown ? RV_EXIT_OK : RV_EXIT_NONE)
                             : rv_cli_fail("write error on standard output");
done:
    free(map);
    rv_searcher_close(s);
    free(model_dir);
    return rc;
}

int rv_cmd_repomap(int argc, char **argv) {
    return rv_cli_main(RV_CMD_REPOMAP, argc, argv, repo_map);
}
