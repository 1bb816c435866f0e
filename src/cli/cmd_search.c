/* ripvec search — placeholder until the subcommand lands. */
#include "cli/cli.h"

int rv_cmd_search(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return rv_cli_fail("'search' is not built yet");
}
