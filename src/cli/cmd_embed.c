/* ripvec embed — placeholder until the subcommand lands. */
#include "cli/cli.h"

int rv_cmd_embed(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return rv_cli_fail("'embed' is not built yet");
}
