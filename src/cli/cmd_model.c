/* ripvec model — placeholder until the subcommand lands. */
#include "cli/cli.h"

int rv_cmd_model(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return rv_cli_fail("'model' is not built yet");
}
