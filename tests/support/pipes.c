/* Child processes over pipes for the server tests (see pipes.h). */
#include "pipes.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int rv_child_start(rv_child *c, char *const argv[], const char *log) {
    int in[2], out[2];
    c->pid = -1;
    c->to = c->from = -1;
    if (pipe(in) != 0) return 0;
    if (pipe(out) != 0) {
        close(in[0]);
        close(in[1]);
        return 0;
    }
    c->pid = fork();
    if (c->pid == 0) {
        int lf = log ? open(log, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (lf >= 0) dup2(lf, 2);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (c->pid < 0) {
        close(in[1]);
        close(out[0]);
        return 0;
    }
    c->to = in[1];
    c->from = out[0];
    return 1;
}

int rv_child_write(rv_child *c, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(c->to, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return 0;
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

void rv_child_close_input(rv_child *c) {
    if (c->to >= 0) close(c->to);
    c->to = -1;
}

int rv_child_wait(rv_child *c, int timeout_s) {
    rv_child_close_input(c);
    int status = 0;
    pid_t w = 0;
    time_t t0 = time(NULL);
    while (c->pid > 0 && (w = waitpid(c->pid, &status, WNOHANG)) == 0 &&
           time(NULL) - t0 < timeout_s)
        usleep(50000);
    if (c->pid > 0 && w == 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, &status, 0);
    }
    if (c->from >= 0) close(c->from);
    c->from = -1;
    int killed = c->pid <= 0 || w != c->pid;
    c->pid = -1;
    return !killed && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int rv_rpc_code(const cJSON *r) {
    const cJSON *c =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "error"), "code");
    return cJSON_IsNumber(c) ? c->valueint : 0;
}

int rv_rpc_id(const cJSON *r) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
    if (cJSON_IsNull(id)) return -1;
    return cJSON_IsNumber(id) ? id->valueint : -2;
}

void rv_test_write_file(const char *dir, const char *rel, const char *text) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

void rv_test_tmp_done(const char *tmp, int failed) {
    char path[1024];
    snprintf(path, sizeof path, "%s/stderr.log", tmp);
    FILE *f = failed ? fopen(path, "r") : NULL;
    char line[512];
    while (f && fgets(line, sizeof line, f))
        printf("  server: %s", line);
    if (f) fclose(f);
    snprintf(path, sizeof path, "rm -rf '%s'", tmp);
    if (system(path) != 0) printf("  could not remove %s\n", tmp);
}
