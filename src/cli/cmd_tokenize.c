/* ripvec tokenize — placeholder until the subcommand lands. */
#include "cli/cli.h"

int rv_cmd_tokenize(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return rv_cli_fail("'tokenize' is not built yet");
}
