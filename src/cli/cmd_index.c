/* ripvec index — placeholder until the subcommand lands. */
#include "cli/cli.h"

int rv_cmd_index(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return rv_cli_fail("'index' is not built yet");
}
