/* ripvec mcp — placeholder until the subcommand lands. */
#include "cli/cli.h"

int rv_cmd_mcp(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return rv_cli_fail("'mcp' is not built yet");
}
