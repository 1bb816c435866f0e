/* The ripvec binary: dispatches to a subcommand, or searches by default. */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rv_cli_fail(const char *fmt, ...) {
    va_list ap;
    fputs("ripvec: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return RV_EXIT_ERROR;
}

int rv_cli_use_color(int fd, int mode) {
    if (mode > 0) return 1;
    if (mode < 0) return 0;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc) return 0;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return 0;
    return isatty(fd);
}

static const struct {
    const char *name;
    int (*run)(int, char **);
} g_commands[] = {
    {"model", rv_cmd_model}, {"tokenize", rv_cmd_tokenize}, {"embed", rv_cmd_embed},
    {"index", rv_cmd_index}, {"mcp", rv_cmd_mcp},
    {"lsp", rv_cmd_lsp},
};

int main(int argc, char **argv) {
    if (argc >= 2) {
        for (size_t i = 0; i < sizeof g_commands / sizeof g_commands[0]; i++)
            if (strcmp(argv[1], g_commands[i].name) == 0)
                return g_commands[i].run(argc - 1, argv + 1);
    }
    /* Default: search. argv[0] stays the program name for its parser. */
    return rv_cmd_search(argc, argv);
}
