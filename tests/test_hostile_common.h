/*
 * tests/test_hostile_common.h — shared by tests/test_hostile_*.c: running the
 * ripvec binary as a child with a deadline (killed and reported when it runs
 * over), capturing its stdout/stderr and the most threads it had at once;
 * scratch directories; small file helpers.
 */
#ifndef RV_TEST_HOSTILE_COMMON_H
#define RV_TEST_HOSTILE_COMMON_H

#include "rvtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HC_ASAN 1
#endif
#endif
#ifndef HC_ASAN
#define HC_ASAN 0
#endif

static inline double hc_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The ripvec binary under test (env RIPVEC_BIN, set by `make unit`). */
static inline const char *hc_bin(void) {
    const char *b = getenv("RIPVEC_BIN");
    return b && *b && access(b, X_OK) == 0 ? b : NULL;
}

/* The real model directory: RIPVEC_TEST_MODEL, else the cache default. */
static inline const char *hc_model_dir(void) {
    static char buf[4096];
    const char *m = getenv("RIPVEC_TEST_MODEL");
    if (m && *m) {
        snprintf(buf, sizeof buf, "%s", m);
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            snprintf(buf, sizeof buf, "%s/ripvec/models/all-minilm-l6-v2", xdg);
        else
            snprintf(buf, sizeof buf, "%s/.cache/ripvec/models/all-minilm-l6-v2",
                     home ? home : "/root");
    }
    char cfg[4200];
    snprintf(cfg, sizeof cfg, "%s/config.json", buf);
    return access(cfg, R_OK) == 0 ? buf : NULL;
}

typedef struct hc_run {
    int code;      /* exit status; 128 + signal when killed by one; -1 no start */
    int timed_out; /* ran past the deadline and was killed */
    int max_tasks; /* most threads seen at once in /proc/<pid>/task */
    double seconds;
    char *out, *err; /* NUL-terminated captures (malloc'd) */
    size_t out_len, err_len;
} hc_run;

static inline void hc_run_free(hc_run *r) {
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

static inline char *hc_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (f) {
        for (;;) {
            if (cap - n < 65536) { /* geometric: big files stay linear */
                size_t nc = cap ? cap * 2 : 65536;
                char *g = realloc(buf, nc + 1);
                if (!g) break;
                buf = g;
                cap = nc;
            }
            size_t k = fread(buf + n, 1, cap - n, f);
            n += k;
            if (k == 0) break;
        }
        fclose(f);
    }
    if (!buf) buf = calloc(1, 1);
    if (buf) buf[n] = 0;
    if (len) *len = n;
    return buf;
}

static inline int hc_count_tasks(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* Runs argv (argv[0] a path) with `env` ("K=V" strings, NULL-terminated,
 * may be NULL) added, stdin from stdin_path (NULL: /dev/null), for at most
 * timeout_s seconds. Captures go through files in `scratch`. */
static inline void hc_run_cmd(hc_run *r, const char *scratch, char *const argv[],
                              const char *const *env, const char *stdin_path, int timeout_s) {
    memset(r, 0, sizeof *r);
    r->code = -1;
    char outp[512], errp[512];
    snprintf(outp, sizeof outp, "%s/.hc-out", scratch);
    snprintf(errp, sizeof errp, "%s/.hc-err", scratch);
    double t0 = hc_now();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
        int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || o < 0 || e < 0) _exit(127);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0) return;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) break;
        int t = hc_count_tasks(pid);
        if (t > r->max_tasks) r->max_tasks = t;
        if (hc_now() - t0 > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            r->timed_out = 1;
            break;
        }
        usleep(5000);
    }
    r->seconds = hc_now() - t0;
    if (WIFEXITED(status)) r->code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r->code = 128 + WTERMSIG(status);
    r->out = hc_slurp(outp, &r->out_len);
    r->err = hc_slurp(errp, &r->err_len);
    unlink(outp);
    unlink(errp);
}

/* Prints what a failed run said, so a CI log explains the failure. */
static inline void hc_dump(const char *what, const hc_run *r) {
    printf("  [%s] exit %d%s after %.1fs, %d threads max\n", what, r->code,
           r->timed_out ? " (TIMED OUT)" : "", r->seconds, r->max_tasks);
    const char *e = r->err ? r->err : "";
    size_t n = strlen(e);
    printf("  stderr (last 1500 bytes): %s\n", n > 1500 ? e + n - 1500 : e);
}

static inline int hc_rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR) chmod(p, 0700);
    (void)sb;
    return remove(p);
}

/* rm -rf that also takes unreadable (0000) directories. */
static inline void hc_rmtree(const char *dir) {
    nftw(dir, hc_rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

static inline int hc_write(const char *path, const void *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    const char *p = data;
    while (len) {
        ssize_t k = write(fd, p, len);
        if (k <= 0) {
            close(fd);
            return -1;
        }
        p += k;
        len -= (size_t)k;
    }
    return close(fd);
}

static inline int hc_puts(const char *path, const char *text) {
    return hc_write(path, text, strlen(text));
}

/* Number of lines of `s` that contain `needle`. */
static inline int hc_lines_with(const char *s, const char *needle) {
    int n = 0;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (memmem(s, len, needle, strlen(needle))) n++;
        s = nl ? nl + 1 : s + len;
    }
    return n;
}

#endif
