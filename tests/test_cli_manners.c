/* The command line as a grep user meets it: the one option table (every
 * subcommand, --help, completions, man page), file names on a terminal,
 * progress, -0, -c, --files, --type-list, several PATHs, the config file,
 * find-similar and repo-map. Runs $RIPVEC_BIN; the model is
 * $RIPVEC_TEST_MODEL or the default one in the cache. */
#include "rvtest.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_tmp[256], g_repo[300], g_cache[300], g_model[1024];
static const char *g_bin;

typedef struct run_out {
    int rc;
    char *out, *err;
    size_t out_len;
} run_out;

static void put(const char *dir, const char *rel, const char *text) {
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t n = 0, cap = 0;
    FILE *m = open_memstream(&b, &cap);
    char buf[4096];
    size_t k;
    while (f && (k = fread(buf, 1, sizeof buf, f)) > 0)
        n += fwrite(buf, 1, k, m);
    if (f) fclose(f);
    fclose(m);
    if (len) *len = n;
    return b;
}

static void child_env(const char *const *env) {
    unsetenv("NO_COLOR");
    unsetenv("RIPVEC_MODEL");
    setenv("RIPVEC_CONFIG_PATH", "", 1); /* no user config unless a test sets one */
    for (size_t i = 0; env && env[i]; i++)
        putenv((char *)env[i]);
}

/* Runs the binary with the NULL-terminated args, stdout and stderr to files. */
static run_out runv(const char *const *env, const char *const *args) {
    const char *argv[64];
    int argc = 0;
    argv[argc++] = g_bin;
    while (*args && argc < 63)
        argv[argc++] = *args++;
    argv[argc] = NULL;
    char outp[400], errp[400];
    snprintf(outp, sizeof outp, "%s/stdout", g_tmp);
    snprintf(errp, sizeof errp, "%s/stderr", g_tmp);
    run_out r = {2, NULL, NULL, 0};
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        child_env(env);
        execv(g_bin, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(outp, &r.out_len);
    r.err = slurp(errp, NULL);
    return r;
}

#define RUN(env, ...) runv(env, (const char *const[]){__VA_ARGS__, NULL})

/* The same on a pseudo-terminal: stdout and stderr both go to it (r.out). */
static run_out run_pty(const char *const *args) {
    const char *argv[64];
    int argc = 0;
    argv[argc++] = g_bin;
    while (*args && argc < 63)
        argv[argc++] = *args++;
    argv[argc] = NULL;
    run_out r = {2, NULL, strdup(""), 0};
    int master;
    fflush(stdout);
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    if (pid == 0) {
        child_env(NULL);
        setenv("TERM", "xterm", 1);
        execv(g_bin, (char *const *)argv);
        _exit(127);
    }
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    char chunk[4096];
    for (;;) {
        struct pollfd pfd = {master, POLLIN, 0};
        if (poll(&pfd, 1, 600000) <= 0) break; /* embedding under ASan is slow */
        ssize_t n = read(master, chunk, sizeof chunk);
        if (n <= 0) break; /* EIO once the child has gone */
        r.out_len += fwrite(chunk, 1, (size_t)n, m);
    }
    fclose(m);
    close(master);
    int st = 0;
    waitpid(pid, &st, 0);
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = buf;
    return r;
}

#define RUN_PTY(...) run_pty((const char *const[]){__VA_ARGS__, NULL})

static void run_free(run_out *r) {
    free(r->out);
    free(r->err);
}

static int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* A file name that retitles the window and clears the screen if printed raw. */
#define EVIL_NAME "x\x1b]0;PWNED\x07\x1b[2J.py"

RV_TEST(terminal_names_are_filtered) {
    char dir[400];
    snprintf(dir, sizeof dir, "%s/evil", g_tmp);
    mkdir(dir, 0755);
    put(dir, EVIL_NAME, "def zebrafunc():\n    return 1\n");
    for (int files_only = 0; files_only < 2; files_only++) {
        run_out r = files_only
                        ? RUN_PTY("--no-index", "-m", "keyword", "-q", "-l", "zebrafunc", dir)
                        : RUN_PTY("--no-index", "-m", "keyword", "-q", "--color", "never",
                                  "zebrafunc", dir);
        RV_CHECK_EQ_INT(r.rc, 0);
        RV_CHECK_MSG(strstr(r.out, "\x1b]0;") == NULL, "raw OSC in: %s", r.out);
        RV_CHECK_MSG(strstr(r.out, "\x1b[2J") == NULL, "raw clear-screen in output");
        RV_CHECK_MSG(strstr(r.out, "x?]0;PWNED??[2J.py") != NULL, "%s", r.out);
        run_free(&r);
    }
    /* piped with -0 the name goes out as it is, NUL-terminated */
    run_out r = RUN(NULL, "--no-index", "-m", "keyword", "-q", "-l", "-0", "zebrafunc", dir);
    RV_CHECK_EQ_INT(r.rc, 0);
    char want[600];
    int n = snprintf(want, sizeof want, "%s/" EVIL_NAME, dir);
    RV_CHECK_EQ_INT(r.out_len, (size_t)n + 1);
    RV_CHECK(r.out_len == (size_t)n + 1 && memcmp(r.out, want, (size_t)n + 1) == 0);
    run_free(&r);
}

RV_TEST(progress_has_totals_rate_and_eta) {
    char dir[400], cache[400];
    snprintf(dir, sizeof dir, "%s/many", g_tmp);
    snprintf(cache, sizeof cache, "%s/progress-cache", g_tmp);
    mkdir(dir, 0755);
    for (int i = 0; i < 60; i++) {
        char name[32], body[512];
        snprintf(name, sizeof name, "m%03d.py", i);
        snprintf(body, sizeof body,
                 "def parse_%d(text):\n    return text.split(%d)\n\n\n"
                 "def render_%d(rows):\n    return ','.join(rows) * %d\n\n\n"
                 "def check_%d(x):\n    assert x > %d\n    return x\n",
                 i, i, i, i, i, i);
        put(dir, name, body);
    }
    /* --wait: on a terminal a search answers at once by default (no embedding) */
    run_out r =
        RUN_PTY("--model", g_model, "--cache-dir", cache, "-j", "1", "--wait", "split text", dir);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_MSG(strstr(r.out, "chunks/s") != NULL, "%s", r.out);
    RV_CHECK_MSG(strstr(r.out, "ETA") != NULL, "%s", r.out);
    RV_CHECK_MSG(strstr(r.out, "/60 files") != NULL, "%s", r.out);
    RV_CHECK(strstr(r.out, "/0 ") == NULL);
    run_free(&r);
    /* not on a terminal: no progress at all */
    char few[400];
    snprintf(few, sizeof few, "%s/few", g_tmp);
    mkdir(few, 0755);
    put(few, "f.py", "def split_text(text):\n    return text.split()\n");
    r = RUN(NULL, "--model", g_model, "--cache-dir", cache, "split text", few);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strstr(r.err, "chunks/s") == NULL && strstr(r.err, "\r") == NULL);
    run_free(&r);
}

RV_TEST(every_subcommand_takes_the_shared_options) {
    /* mcp lacked --hidden/-t/-g, index -t/-g */
    run_out r = RUN(NULL, "mcp", "--hidden", "-t", "py", "-g", "*.py", "--help");
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strstr(r.out, "usage: ripvec mcp") && strstr(r.out, "--glob GLOB"));
    run_free(&r);
    r = RUN(NULL, "index", "-t", "py", "-g", "*.py", "--help");
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strstr(r.out, "-t, --type TYPE") != NULL);
    run_free(&r);
    /* an option of another command is named as such */
    r = RUN(NULL, "index", "--no-warm", "status");
    RV_CHECK_EQ_INT(r.rc, 2);
    RV_CHECK_MSG(strstr(r.err, "does not apply to ripvec index") != NULL, "%s", r.err);
    run_free(&r);
    /* options before the subcommand */
    r = RUN(NULL, "--cache-dir", g_cache, "-q", "index", "--help");
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strncmp(r.out, "usage: ripvec index", 19) == 0);
    run_free(&r);
}

/* The MCP server walks by the same rules as a search: -t/-g/--hidden. */
RV_TEST(mcp_serves_with_walk_options) {
    char dir[400], in[600];
    snprintf(dir, sizeof dir, "%s/mcpwalk", g_tmp);
    mkdir(dir, 0755);
    put(dir, "z.py", "def zebra_py():\n    return 'zebra'\n");
    put(dir, "z.md", "# Zebra\n\nzebra zebra zebra\n");
    put(dir, ".hidden.py", "def zebra_hidden():\n    return 'zebra'\n");
    snprintf(in, sizeof in, "%s/mcp-in", g_tmp);
    put(g_tmp, "mcp-in",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
        "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":"
        "\"t\",\"version\":\"1\"}}}\n"
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
        "\"search_code\",\"arguments\":{\"query\":\"zebra\",\"mode\":\"keyword\"}}}\n");
    int fd = open(in, O_RDONLY);
    int saved = dup(0);
    dup2(fd, 0);
    run_out r = RUN(NULL, "mcp", "--model", g_model, "--no-index", "--no-warm", "--no-watch", "-q",
                    "-t", "py", "--hidden", dir);
    dup2(saved, 0);
    close(saved);
    close(fd);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_MSG(strstr(r.out, "z.py") && strstr(r.out, ".hidden.py"), "%s", r.out);
    RV_CHECK_MSG(strstr(r.out, "z.md") == NULL, "%s", r.out);
    run_free(&r);
}

/* Every long option --help shows is in the man page and each completion. */
RV_TEST(help_man_and_completions_share_the_table) {
    run_out man = RUN(NULL, "--generate", "man"), bash = RUN(NULL, "--generate", "bash");
    run_out zsh = RUN(NULL, "--generate", "zsh"), fish = RUN(NULL, "--generate", "fish");
    RV_CHECK(man.rc == 0 && bash.rc == 0 && zsh.rc == 0 && fish.rc == 0);
    RV_CHECK(strncmp(man.out, ".TH RIPVEC 1", 12) == 0);
    const char *cmds[] = {"",         "index", "mcp",      "find-similar",
                          "repo-map", "embed", "tokenize", "model"};
    int checked = 0;
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        run_out h = *cmds[c] ? RUN(NULL, cmds[c], "--help") : RUN(NULL, "--help");
        RV_CHECK_EQ_INT(h.rc, 0);
        for (const char *p = h.out; (p = strstr(p, "--")); p += 2) {
            char opt[64], roff[80];
            size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
            if (n == 0 || n > 40) continue;
            snprintf(opt, sizeof opt, "--%.*s", (int)n, p + 2);
            snprintf(roff, sizeof roff, "\\-\\-");
            for (size_t i = 0; i < n; i++)
                snprintf(roff + strlen(roff), sizeof roff - strlen(roff), "%s",
                         p[2 + i] == '-' ? "\\-" : (char[2]){p[2 + i], 0});
            RV_CHECK_MSG(strstr(bash.out, opt) != NULL, "bash lacks %s", opt);
            RV_CHECK_MSG(strstr(zsh.out, opt) != NULL, "zsh lacks %s", opt);
            char fl[80];
            snprintf(fl, sizeof fl, "-l %s", opt + 2);
            RV_CHECK_MSG(strstr(fish.out, fl) != NULL, "fish lacks %s", opt);
            RV_CHECK_MSG(strstr(man.out, roff) != NULL, "man lacks %s", opt);
            checked++;
        }
        run_free(&h);
    }
    RV_CHECK(checked > 60);
    char path[400];
    snprintf(path, sizeof path, "%s/completion.bash", g_tmp);
    put(g_tmp, "completion.bash", bash.out);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "bash -n '%s'", path);
    RV_CHECK_EQ_INT(system(cmd), 0);
    run_free(&man);
    run_free(&bash);
    run_free(&zsh);
    run_free(&fish);
}

RV_TEST(bad_values_say_what_is_expected) {
    const char *js[] = {"0", "100000"};
    for (int i = 0; i < 2; i++) {
        run_out r = RUN(NULL, "-j", js[i], "x", g_repo);
        RV_CHECK_EQ_INT(r.rc, 2);
        RV_CHECK_MSG(strstr(r.err, "from 1 to 4096") != NULL, "%s", r.err);
        run_free(&r);
    }
    char file[1200];
    snprintf(file, sizeof file, "%s/config.json", g_model);
    run_out r = RUN(NULL, "--model", file, "x", g_repo);
    RV_CHECK_EQ_INT(r.rc, 2);
    RV_CHECK_MSG(strstr(r.err, "is a file") && strstr(r.err, g_model), "%s", r.err);
    run_free(&r);
    r = RUN(NULL, "--no-index", "-m", "keyword", "-t", "nosuchtype", "x", g_repo);
    RV_CHECK_EQ_INT(r.rc, 2);
    RV_CHECK_MSG(strstr(r.err, "--type-list") != NULL, "%s", r.err);
    run_free(&r);
    r = RUN(NULL, "--type-list");
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK(strstr(r.out, "\npython: *.py") != NULL || strstr(r.out, "python: *.py") == r.out);
    run_free(&r);
}

RV_TEST(grep_manners) {
    /* --files: what would be searched, ignore rules applied */
    run_out r = RUN(NULL, "--files", g_repo);
    RV_CHECK_EQ_INT(r.rc, 0);
    char want[1200];
    snprintf(want, sizeof want, "%s/a.py\n%s/b.py\n%s/notes.md\n", g_repo, g_repo, g_repo);
    RV_CHECK_STR(r.out, want);
    run_free(&r);
    /* .ripvecignore: out of ripvec, even over a .ignore that keeps it */
    put(g_repo, ".ripvecignore", "notes.md\nb.py\n");
    put(g_repo, ".ignore", "skip.py\n!b.py\n");
    r = RUN(NULL, "--files", "-0", g_repo);
    snprintf(want, sizeof want, "%s/a.py", g_repo);
    RV_CHECK(r.rc == 0 && r.out_len == strlen(want) + 1 && strcmp(r.out, want) == 0);
    run_free(&r);
    unlink(strcat(strcpy(want, g_repo), "/.ripvecignore"));
    put(g_repo, ".ignore", "skip.py\n");
    /* -c: each file once with its count; --jsonl is --format json */
    r = RUN(NULL, "--no-index", "-m", "keyword", "-c", "zebra", g_repo);
    RV_CHECK_EQ_INT(r.rc, 0);
    snprintf(want, sizeof want, "%s/a.py:2\n", g_repo);
    RV_CHECK_MSG(strstr(r.out, want) != NULL, "%s", r.out);
    run_free(&r);
    run_out a = RUN(NULL, "--no-index", "-m", "keyword", "--jsonl", "zebra", g_repo);
    run_out b = RUN(NULL, "--no-index", "-m", "keyword", "--format", "json", "zebra", g_repo);
    RV_CHECK(a.rc == 0 && strcmp(a.out, b.out) == 0 && a.out[0] == '{');
    run_free(&a);
    run_free(&b);
    /* --sort path: a.py's results before b.py's, in line order */
    r = RUN(NULL, "--no-index", "-m", "keyword", "--sort", "path", "--no-snippet", "zebra", g_repo);
    RV_CHECK_EQ_INT(r.rc, 0);
    char *pa = strstr(r.out, "a.py:1-"), *pa2 = strstr(r.out, "a.py:14-"),
         *pb = strstr(r.out, "b.py");
    RV_CHECK_MSG(pa && pa2 && pb && pa < pa2 && pa2 < pb, "%s", r.out);
    run_free(&r);
    /* several PATHs: results of both, each under its PATH */
    char other[400];
    snprintf(other, sizeof other, "%s/other", g_tmp);
    mkdir(other, 0755);
    put(other, "c.py", "def zebra_crossing():\n    return 'zebra'\n");
    r = RUN(NULL, "--no-index", "-m", "keyword", "-l", "zebra", g_repo, other);
    RV_CHECK_EQ_INT(r.rc, 0);
    snprintf(want, sizeof want, "%s/c.py\n", other);
    RV_CHECK_MSG(strstr(r.out, want) != NULL, "%s", r.out);
    snprintf(want, sizeof want, "%s/a.py\n", g_repo);
    RV_CHECK_MSG(strstr(r.out, want) != NULL, "%s", r.out);
    run_free(&r);
}

/* A merged region is headed and snipped by its best chunk's own lines. */
RV_TEST(region_head_is_the_best_chunk) {
    char dir[400];
    snprintf(dir, sizeof dir, "%s/region", g_tmp);
    mkdir(dir, 0755);
    put(dir, "r.py",
        "class Codec:\n    def alpha(self):\n        return 1\n\n"
        "    def zebra_beta(self):\n        return 'zebra'\n");
    run_out r = RUN(NULL, "--no-index", "-m", "keyword", "-q", "-n", "1", "-C", "1", "zebra", dir);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_MSG(strstr(r.out, "1. Codec.zebra_beta ") && strstr(r.out, "/r.py:5-6 ") &&
                     strstr(r.out, "\n  5      def zebra_beta(self):\n"),
                 "%s", r.out);
    run_free(&r);
}

RV_TEST(config_file_gives_defaults_flags_win) {
    put(g_tmp, "config", "# defaults\n-n\n1\n--no-snippet\n--no-warm\n");
    char env_cfg[600];
    snprintf(env_cfg, sizeof env_cfg, "RIPVEC_CONFIG_PATH=%s/config", g_tmp);
    const char *env[] = {env_cfg, NULL};
    run_out r = RUN(env, "--no-index", "-m", "keyword", "zebra", g_repo);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_EQ_INT(count_lines(r.out), 1); /* one result, no snippet; --no-warm left out */
    run_free(&r);
    r = RUN(env, "--no-index", "-m", "keyword", "-n", "2", "-v", "zebra", g_repo);
    RV_CHECK_EQ_INT(count_lines(r.out), 2);
    RV_CHECK_MSG(strstr(r.err, "config ") && strstr(r.err, "/config: -n 1 --no-snippet"), "%s",
                 r.err);
    run_free(&r);
}

RV_TEST(find_similar_and_repo_map_on_the_command_line) {
    run_out r = RUN(NULL, "repo-map", "--no-index", "-q", g_repo);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_MSG(strstr(r.out, "function zebra_one") != NULL, "%s", r.out);
    run_free(&r);
    r = RUN(NULL, "find-similar", "--model", g_model, "--cache-dir", g_cache, "-q", "-n", "2",
            "a.py:2", g_repo);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_MSG(strstr(r.out, "2. ") != NULL && strstr(r.out, "a.py:1-") == NULL, "%s", r.out);
    run_free(&r);
    r = RUN(NULL, "find-similar", "--model", g_model, "a.py", g_repo);
    RV_CHECK_EQ_INT(r.rc, 2);
    run_free(&r);
}

RV_TEST(verbose_reports_skipped_files_with_the_index) {
    /* A file over the index walk's 1 MiB limit (a smaller --max-filesize
     * filters at query time over the whole index, skipping nothing). */
    char dir[400];
    static char big[(1 << 20) + 4096];
    snprintf(dir, sizeof dir, "%s/skips", g_tmp);
    mkdir(dir, 0755);
    put(dir, "small.py", "def zebra():\n    return 1\n");
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    put(dir, "big.js", big);
    run_out r = RUN(NULL, "--model", g_model, "--cache-dir", g_cache, "-v", "zebra", dir);
    RV_CHECK_EQ_INT(r.rc, 0);
    RV_CHECK_MSG(strstr(r.err, "skipped") && strstr(r.err, "big.js: too-large"), "%s", r.err);
    /* once: the walk that sizes the update up reports nothing itself */
    const char *first = strstr(r.err, "big.js");
    RV_CHECK_MSG(first && !strstr(first + 1, "big.js"), "%s", r.err);
    run_free(&r);
}

static void rm_rf(const char *p) {
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", p, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
}

/* Becomes a user with no password entry: setuid when root, else a user
 * namespace mapping such a uid onto ours. 0 on success (in the child). */
static int become_homeless(uid_t uid) {
    if (geteuid() == 0) return setgroups(0, NULL) || setgid(uid) || setuid(uid);
    uid_t ou = geteuid();
    gid_t og = getegid();
    if (unshare(CLONE_NEWUSER) != 0) return -1;
    char m[64];
    int fd, ok = 1;
    if ((fd = open("/proc/self/setgroups", O_WRONLY)) >= 0) {
        ok &= write(fd, "deny", 4) == 4;
        close(fd);
    }
    snprintf(m, sizeof m, "%u %u 1", (unsigned)uid, (unsigned)ou);
    ok &= (fd = open("/proc/self/uid_map", O_WRONLY)) >= 0 && write(fd, m, strlen(m)) > 0;
    if (fd >= 0) close(fd);
    snprintf(m, sizeof m, "%u %u 1", (unsigned)uid, (unsigned)og);
    ok &= (fd = open("/proc/self/gid_map", O_WRONLY)) >= 0 && write(fd, m, strlen(m)) > 0;
    if (fd >= 0) close(fd);
    return ok ? 0 : -1;
}

/* Neither RIPVEC_CACHE, XDG_CACHE_HOME, HOME nor a password entry: one line
 * naming what to set (not the library's "cache_dir is not set"), exit 2. */
RV_TEST(no_home_names_the_variables_to_set) {
    uid_t uid = 54321;
    while (getpwuid(uid))
        uid++;
    const char *cases[][6] = {
        {"zebra", g_repo, NULL}, /* the model store */
        {"index", "list", NULL}, /* the index cache */
    };
    const char *want[] = {"set XDG_CACHE_HOME or HOME, or give --model DIR",
                          "set RIPVEC_CACHE, XDG_CACHE_HOME or HOME"};
    chmod(g_tmp, 0755); /* the new user runs in it */
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *argv[8] = {g_bin};
        for (int i = 0; cases[c][i]; i++)
            argv[i + 1] = cases[c][i];
        char errp[400];
        snprintf(errp, sizeof errp, "%s/stderr", g_tmp);
        pid_t pid = fork();
        if (pid == 0) {
            int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int nul = open("/dev/null", O_RDWR);
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(e, 2);
            clearenv();
            setenv("PATH", "/usr/bin:/bin", 1);
            setenv("RIPVEC_CONFIG_PATH", "", 1);
            if (become_homeless(uid) != 0) _exit(126);
            execv(g_bin, (char *const *)argv);
            _exit(127);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        char *err = slurp(errp, NULL);
        if (!err) err = strdup("");
        RV_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 2, "case %zu: status %d: %s", c, st, err);
        RV_CHECK_MSG(strstr(err, want[c]) && !strstr(err, "cache_dir"), "case %zu: %s", c, err);
        RV_CHECK_MSG(*err && strchr(err, '\n') == err + strlen(err) - 1, "one line: %s", err);
        free(err);
    }
    chmod(g_tmp, 0700);
}

int main(void) {
    g_bin = getenv("RIPVEC_BIN");
    if (!g_bin || access(g_bin, X_OK) != 0) {
        printf("FAIL setup: RIPVEC_BIN not set or not executable\n0 passed, 1 failed\n");
        return 1;
    }
    const char *m = getenv("RIPVEC_TEST_MODEL"), *x = getenv("XDG_CACHE_HOME");
    if (m && *m)
        snprintf(g_model, sizeof g_model, "%s", m);
    else if (x && *x)
        snprintf(g_model, sizeof g_model, "%s/ripvec/models/all-minilm-l6-v2", x);
    else
        snprintf(g_model, sizeof g_model, "%s/.cache/ripvec/models/all-minilm-l6-v2",
                 getenv("HOME") ? getenv("HOME") : "");
    snprintf(g_tmp, sizeof g_tmp, "/tmp/ripvec-cli-XXXXXX");
    if (!mkdtemp(g_tmp)) return 1;
    snprintf(g_repo, sizeof g_repo, "%s/repo", g_tmp);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_tmp);
    mkdir(g_repo, 0755);
    /* zebra_two at line 14: far enough from zebra_one not to share a region */
    put(g_repo, "a.py",
        "def zebra_one():\n    return 'zebra'\n\n\nA = 1\nB = 2\nC = 3\nD = 4\nE = 5\n"
        "F = 6\nG = 7\n\n\ndef zebra_two():\n    return 'zebra zebra'\n");
    put(g_repo, "b.py", "class Stripes:\n    def zebra(self):\n        return 1\n");
    put(g_repo, "notes.md", "# Notes\n\nNothing about animals.\n");
    put(g_repo, ".ignore", "skip.py\n");
    put(g_repo, "skip.py", "def zebra_hidden():\n    pass\n");
    RV_RUN(terminal_names_are_filtered);
    RV_RUN(progress_has_totals_rate_and_eta);
    RV_RUN(every_subcommand_takes_the_shared_options);
    RV_RUN(mcp_serves_with_walk_options);
    RV_RUN(help_man_and_completions_share_the_table);
    RV_RUN(bad_values_say_what_is_expected);
    RV_RUN(grep_manners);
    RV_RUN(region_head_is_the_best_chunk);
    RV_RUN(config_file_gives_defaults_flags_win);
    RV_RUN(find_similar_and_repo_map_on_the_command_line);
    RV_RUN(verbose_reports_skipped_files_with_the_index);
    RV_RUN(no_home_names_the_variables_to_set);
    rm_rf(g_tmp);
    return rv_test_summary();
}
