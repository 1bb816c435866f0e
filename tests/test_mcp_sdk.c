/* Runs tests/mcp_client_test.py (the official MCP Python SDK as the client)
 * against $RIPVEC_BIN mcp, with third_party/venv-mcp's python. The venv is
 * made by scripts/setup.d/40-mcp-test.sh; when it is missing this test runs
 * that script, and fails (never skips) if the venv still cannot be had. */
#include "rvtest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { RV_SDK_TIMEOUT_S = 400 };

static int is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The repository root: the working directory (make runs tests from there),
 * else the parent of $RIPVEC_BUILD. */
static int find_repo(char *out, size_t n) {
    char probe[8192];
    if (getcwd(out, n)) {
        snprintf(probe, sizeof probe, "%s/tests/mcp_client_test.py", out);
        if (is_file(probe)) return 1;
    }
    const char *b = getenv("RIPVEC_BUILD");
    if (b && *b) {
        snprintf(out, n, "%s", b);
        char *slash = strrchr(out, '/');
        if (slash) *slash = '\0';
        snprintf(probe, sizeof probe, "%s/tests/mcp_client_test.py", out);
        if (is_file(probe)) return 1;
    }
    return 0;
}

static void model_dir(char *out, size_t n) {
    const char *m = getenv("RIPVEC_TEST_MODEL");
    if (m && *m) {
        snprintf(out, n, "%s", m);
        return;
    }
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(out, n, "%s/ripvec/models/all-minilm-l6-v2", xdg);
    else
        snprintf(out, n, "%s/.cache/ripvec/models/all-minilm-l6-v2", home ? home : "");
}

/* Runs argv, copying its output to ours with a "  | " prefix (so the
 * script's own summary line is not taken for ours). Exit status, or -1. */
static int run_prefixed(char *const argv[], int timeout_s) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    /* poll, so a silent hang still meets the deadline */
    time_t t0 = time(NULL);
    char buf[4096];
    int at_start = 1;
    for (;;) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int pr = poll(&pfd, 1, 1000);
        if (time(NULL) - t0 > timeout_s) {
            kill(pid, SIGKILL);
            printf("\n  killed after %d s\n", timeout_s);
            break;
        }
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue;
        ssize_t got = read(fds[0], buf, sizeof buf);
        if (got <= 0) break;
        for (ssize_t i = 0; i < got; i++) {
            if (at_start) fputs("  | ", stdout);
            putchar(buf[i]);
            at_start = buf[i] == '\n';
        }
    }
    fflush(stdout);
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

RV_TEST(official_sdk_client_lists_and_calls_every_tool) {
    const char *bin = getenv("RIPVEC_BIN");
    RV_CHECK_MSG(bin && *bin && access(bin, X_OK) == 0, "RIPVEC_BIN not set or not executable");
    if (!bin || access(bin, X_OK) != 0) return;
    char repo[4096];
    RV_CHECK_MSG(find_repo(repo, sizeof repo), "cannot find tests/mcp_client_test.py");
    char model[4096], probe[8192];
    model_dir(model, sizeof model);
    snprintf(probe, sizeof probe, "%s/config.json", model);
    RV_CHECK_MSG(is_file(probe), "model missing at %s (run `make model`)", model);

    char py[8192], script[8192], setup[8192];
    snprintf(py, sizeof py, "%s/third_party/venv-mcp/bin/python", repo);
    snprintf(script, sizeof script, "%s/tests/mcp_client_test.py", repo);
    snprintf(setup, sizeof setup, "%s/scripts/setup.d/40-mcp-test.sh", repo);
    if (access(py, X_OK) != 0) {
        printf("  venv missing: running %s\n", setup);
        char *sargv[] = {"/bin/bash", setup, NULL};
        run_prefixed(sargv, 600);
    }
    RV_CHECK_MSG(access(py, X_OK) == 0, "no MCP SDK venv at %s (see the setup output above)", py);
    if (access(py, X_OK) != 0 || !is_file(probe)) return;

    char *argv[] = {py, script, (char *)bin, model, NULL};
    int rc = run_prefixed(argv, RV_SDK_TIMEOUT_S);
    RV_CHECK_MSG(rc == 0, "mcp_client_test.py exited %d", rc);
}

int main(void) {
    RV_RUN(official_sdk_client_lists_and_calls_every_tool);
    return rv_test_summary();
}
