/* Real clients against $RIPVEC_BIN lsp: tests/lsp_client_test.py (pytest-lsp
 * over pygls, from third_party/venv-lsp) and tests/lsp_nvim_test.lua
 * (Debian's Neovim, headless). Both are provided by
 * scripts/setup.d/45-lsp-test.sh; when either is missing this test runs that
 * script, and fails (never skips) if they still cannot be had. */
#include "golden.h"
#include "rvtest.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { RV_CLIENT_TIMEOUT_S = 500 };

static char g_repo[PATH_MAX], g_model[PATH_MAX], g_tmp[64];

/* Runs argv (stdout/stderr shared with ours) with a deadline; its exit
 * status, or -1 when it could not run or was killed. */
static int run_child(char *const argv[], int timeout_s) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(1, 2);
        execvp(argv[0], argv);
        fprintf(stderr, "  cannot run %s\n", argv[0]);
        _exit(127);
    }
    int status = 0;
    time_t t0 = time(NULL);
    pid_t w;
    while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
        if (time(NULL) - t0 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            printf("  %s killed after %d s\n", argv[0], timeout_s);
            return -1;
        }
        usleep(100000);
    }
    return w == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The repository root (where make runs tests), from the working directory or
 * the parent of $RIPVEC_BUILD; the model (rv_test_model_dir). */
static int find_inputs(void) {
    char probe[PATH_MAX + 64];
    const char *b = getenv("RIPVEC_BUILD");
    if (!getcwd(g_repo, sizeof g_repo)) g_repo[0] = '\0';
    snprintf(probe, sizeof probe, "%s/tests/lsp_client_test.py", g_repo);
    if (access(probe, R_OK) != 0 && b && *b) {
        snprintf(g_repo, sizeof g_repo, "%s/..", b);
        snprintf(probe, sizeof probe, "%s/tests/lsp_client_test.py", g_repo);
    }
    RV_CHECK_MSG(access(probe, R_OK) == 0, "cannot find tests/lsp_client_test.py");
    char *m = rv_test_model_dir();
    snprintf(g_model, sizeof g_model, "%s", m ? m : "");
    free(m);
    snprintf(probe, sizeof probe, "%s/config.json", g_model);
    RV_CHECK_MSG(access(probe, R_OK) == 0, "model missing at %s (run `make model`)", g_model);
    const char *bin = getenv("RIPVEC_BIN");
    RV_CHECK_MSG(bin && access(bin, X_OK) == 0, "RIPVEC_BIN not set or not executable");
    return access(probe, R_OK) == 0 && bin && access(bin, X_OK) == 0 && access(g_repo, R_OK) == 0;
}

/* The client the set-up script provides: run it when `path` is missing. */
static int have_client(const char *path) {
    if (access(path, X_OK) == 0) return 1;
    char setup[PATH_MAX + 64];
    snprintf(setup, sizeof setup, "%s/scripts/setup.d/45-lsp-test.sh", g_repo);
    printf("  %s missing: running %s\n", path, setup);
    char *argv[] = {"bash", setup, NULL};
    run_child(argv, 600);
    RV_CHECK_MSG(access(path, X_OK) == 0, "%s still missing (see the setup output above)", path);
    return access(path, X_OK) == 0;
}

RV_TEST(pytest_lsp_client_drives_every_request) {
    char py[PATH_MAX + 64], script[PATH_MAX + 64];
    snprintf(py, sizeof py, "%s/third_party/venv-lsp/bin/python", g_repo);
    snprintf(script, sizeof script, "%s/tests/lsp_client_test.py", g_repo);
    if (!have_client(py)) return;
    setenv("RIPVEC_TEST_MODEL", g_model, 1);
    char *argv[] = {py,
                    "-m",
                    "pytest",
                    script,
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "-o",
                    "asyncio_mode=auto",
                    "-o",
                    "asyncio_default_fixture_loop_scope=function",
                    NULL};
    int rc = run_child(argv, RV_CLIENT_TIMEOUT_S);
    RV_CHECK_MSG(rc == 0, "pytest-lsp client test exited %d", rc);
}

RV_TEST(neovim_gets_symbols_and_a_definition) {
    const char *nvim = "/usr/bin/nvim";
    if (!have_client(nvim)) return;
    char ws[PATH_MAX + 64], real[PATH_MAX], cache[128], cmd[PATH_MAX + 64];
    snprintf(ws, sizeof ws, "%s/tests/data/lsp_ws", g_repo);
    RV_CHECK(realpath(ws, real) != NULL);
    snprintf(cache, sizeof cache, "%s/nvim-cache", g_tmp);
    snprintf(cmd, sizeof cmd, "luafile %s/tests/lsp_nvim_test.lua", g_repo);
    setenv("RIPVEC_TEST_MODEL", g_model, 1);
    setenv("RIPVEC_LSP_WS", real, 1);
    setenv("RIPVEC_LSP_CACHE", cache, 1);
    char *argv[] = {(char *)nvim, "--headless", "--clean", "-u", "NONE", "-c", cmd, NULL};
    int rc = run_child(argv, 300);
    RV_CHECK_MSG(rc == 0, "neovim client test exited %d", rc);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    strcpy(g_tmp, "/tmp/rv-lsp-client-XXXXXX");
    if (!mkdtemp(g_tmp)) return 1;
    if (find_inputs()) {
        RV_RUN(pytest_lsp_client_drives_every_request);
        RV_RUN(neovim_gets_symbols_and_a_definition);
    }
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", g_tmp);
    if (system(rm) != 0) printf("  could not remove %s\n", g_tmp);
    return rv_test_summary();
}
