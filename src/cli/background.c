/* The background indexer of a search that answered at once (issue 22): a
 * detached `ripvec index update` of the same root, at the lowest CPU
 * priority. One per index at a time: the index's writer lock decides, and
 * a second one waits, then finds nothing to do. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Lowest priority for this process and, on Linux with autogroups, for the
 * new session's group too: setsid() gave it a group of its own, and a
 * group's nice, not the process's, sets its share against the user's
 * shell (without it the indexer took half the cores from searches). */
static void lower_priority(void) {
    setpriority(PRIO_PROCESS, 0, 19);
    int fd = open("/proc/self/autogroup", O_WRONLY);
    if (fd < 0) return; /* no autogroups: the nice above is enough */
    /* The kernel takes one such change per tenth of a second, system-wide. */
    for (int tries = 0; tries < 5; tries++) {
        if (write(fd, "19", 2) == 2 || errno != EAGAIN) break;
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    close(fd);
}

int rv_cli_start_indexer(const rv_cli_indexer *ix, long *pid_out) {
    *pid_out = 0;
    const char *argv[20];
    int n = 0;
    argv[n++] = "ripvec";
    argv[n++] = "index";
    argv[n++] = "update";
    argv[n++] = "-q";
    argv[n++] = "--no-wait"; /* another indexer at work: leave it to that one */
    if (ix->model_dir) argv[n++] = "--model", argv[n++] = ix->model_dir;
    if (ix->cache_dir) argv[n++] = "--cache-dir", argv[n++] = ix->cache_dir;
    if (ix->precision) argv[n++] = "--precision", argv[n++] = ix->precision;
    if (ix->repo_level) argv[n++] = "--repo-level";
    if (ix->hidden) argv[n++] = "--hidden";
    if (ix->no_ignore) argv[n++] = "--no-ignore";
    if (ix->follow) argv[n++] = "-L";
    argv[n++] = ix->root;
    argv[n] = NULL;
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(NULL);
    pid_t first = fork();
    if (first < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (first == 0) { /* detach: a new session, then a grandchild init adopts */
        close(fds[0]);
        setsid();
        pid_t second = fork();
        if (second != 0) {
            long p = second;
            if (write(fds[1], &p, sizeof p) != (ssize_t)sizeof p) _exit(1);
            _exit(0);
        }
        close(fds[1]);
        lower_priority();
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    long p = 0;
    ssize_t k = read(fds[0], &p, sizeof p);
    close(fds[0]);
    waitpid(first, NULL, 0);
    if (k != (ssize_t)sizeof p || p <= 0) return -1;
    *pid_out = p;
    return 0;
}
