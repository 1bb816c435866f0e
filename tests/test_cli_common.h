/*
 * tests/test_cli_common.h — running the ripvec binary (env RIPVEC_BIN) with
 * the real model (env RIPVEC_TEST_MODEL or the cache) on scratch trees:
 * shared by the end-to-end index tests.
 */
#ifndef RV_TEST_CLI_COMMON_H
#define RV_TEST_CLI_COMMON_H

#include "test_index_common.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static inline const char *bin(void) {
    const char *b = getenv("RIPVEC_BIN");
    return b && *b ? b : NULL;
}

static char g_model[1024];
/* 1: the next run() child may not bypass file permissions, even as root
 * (so a read-only file is read-only to it). */
static int g_no_override;

static inline int find_model(void) {
    const char *m = getenv("RIPVEC_TEST_MODEL");
    if (m && *m) {
        snprintf(g_model, sizeof g_model, "%s", m);
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            snprintf(g_model, sizeof g_model, "%s/ripvec/models/all-minilm-l6-v2", xdg);
        else
            snprintf(g_model, sizeof g_model, "%s/.cache/ripvec/models/all-minilm-l6-v2",
                     home ? home : "");
    }
    char cfg[1100];
    snprintf(cfg, sizeof cfg, "%s/config.json", g_model);
    return access(cfg, F_OK) == 0;
}

/* Starts ripvec with args (NULL-terminated) and RIPVEC_CACHE=cache, its
 * stdout+stderr into a pipe; run_wait collects them. */
typedef struct bg_run {
    pid_t pid;
    int fd;
} bg_run;

static inline bg_run run_start(const char *cache, const char *const *args) {
    bg_run r = {-1, -1};
    int fds[2];
    if (pipe(fds) != 0) return r;
    fflush(stdout);
    r.pid = fork();
    if (r.pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        setenv("RIPVEC_CACHE", cache, 1);
        if (g_no_override && geteuid() == 0 &&
            (prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0 ||
             prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0) != 0))
            _exit(126);
        const char *argv[32];
        size_t n = 0;
        argv[n++] = bin();
        for (; args[n - 1] && n < 30; n++)
            argv[n] = args[n - 1];
        argv[n] = NULL;
        execv(bin(), (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    r.fd = fds[0];
    return r;
}

static inline int run_wait(bg_run r, char *out, size_t cap) {
    size_t len = 0;
    ssize_t k;
    while (len + 1 < cap && (k = read(r.fd, out + len, cap - 1 - len)) > 0)
        len += (size_t)k;
    out[len] = 0;
    char sink[256];
    while (read(r.fd, sink, sizeof sink) > 0) {
    }
    close(r.fd);
    int ws = 0;
    waitpid(r.pid, &ws, 0);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

/* Runs ripvec to the end; its output in out; returns the exit status (or
 * -1). */
static inline int run(const char *cache, char *out, size_t cap, const char *const *args) {
    bg_run r = run_start(cache, args);
    if (r.pid < 0) return -1;
    return run_wait(r, out, cap);
}

static inline void field(const char *out, const char *name, char *val, size_t cap) {
    val[0] = 0;
    const char *p = strstr(out, name);
    if (!p) return;
    p += strlen(name);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\n");
    snprintf(val, cap, "%.*s", (int)n, p);
}

/* The binary, the model and a scratch tree, each checked; 0 when one is missing. */
static inline int begin(scratch *s) {
    RV_CHECK_MSG(bin() != NULL, "RIPVEC_BIN is not set");
    RV_CHECK_MSG(find_model(), "model missing at %s (make model)", g_model);
    if (!bin() || !g_model[0]) return 0;
    int ok = scratch_open(s) == 0;
    RV_CHECK(ok);
    return ok;
}

#endif
