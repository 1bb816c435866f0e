/* The background indexer as other processes see it (issue 22): its
 * progress in `index status` (plain and JSON), `index stop`, the order in
 * which files are embedded, big trees left to keywords, and the index it
 * leaves after kills, races and edits. The binary runs with the tiny test
 * model (tests/data/tiny_bert) to stay fast. */
#include "test_cli_common.h"

#include "pipes.h"

#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/resource.h>

#define TINY "tests/data/tiny_bert"

static int begin_tiny(scratch *s) {
    RV_CHECK_MSG(bin() != NULL, "RIPVEC_BIN is not set");
    char cwd[700];
    RV_CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(g_model, sizeof g_model, "%s/" TINY, cwd);
    char w[1100];
    snprintf(w, sizeof w, "%s/model.safetensors", g_model);
    RV_CHECK_MSG(access(w, F_OK) == 0, "%s missing (make %s)", w, TINY "/model.safetensors");
    if (!bin() || access(w, F_OK) != 0) return 0;
    int ok = scratch_open(s) == 0;
    RV_CHECK(ok);
    return ok;
}

/* The path of the index of s->root (from `index status`). */
static void index_path(const scratch *s, char *out, size_t cap) {
    char buf[16384];
    const char *status[] = {"index", "status", "--model", g_model, s->root, NULL};
    run(s->cache, buf, sizeof buf, status);
    field(buf, "path:", out, cap);
}

static int status_json(const scratch *s, char *out, size_t cap) {
    const char *status[] = {"index",   "status", "--format", "json",
                            "--model", g_model,  s->root,    NULL};
    return run(s->cache, out, cap, status);
}

static int stop(const scratch *s, char *out, size_t cap) {
    const char *a[] = {"index", "stop", "--model", g_model, s->root, NULL};
    return run(s->cache, out, cap, a);
}

/* A stand-in indexer: a child that holds the index's writer lock and
 * records itself in "<index>.progress" as an update does, until killed. */
static pid_t fake_indexer(const char *db) {
    int ready[2];
    if (pipe(ready) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        char p[1200];
        snprintf(p, sizeof p, "%s.lock", db);
        int fd = open(p, O_RDWR | O_CREAT, 0644);
        if (fd < 0 || flock(fd, LOCK_EX) != 0) _exit(1);
        snprintf(p, sizeof p, "%s.progress", db);
        FILE *f = fopen(p, "w");
        if (!f) _exit(1);
        fprintf(f,
                "pid %ld\nstarted %ld\nupdated %ld\ncomplete 0\nfiles_done 10\n"
                "files_total 40\nchunks_embedded 100\nchunks_chunked 120\n",
                (long)getpid(), (long)time(NULL) - 10, (long)time(NULL));
        fclose(f);
        if (write(ready[1], "x", 1) != 1) _exit(1);
        for (;;)
            pause();
    }
    close(ready[1]);
    char c;
    ssize_t k = read(ready[0], &c, 1);
    close(ready[0]);
    return k == 1 ? pid : -1;
}

/* status reports a running indexer with its progress, and a stale record
 * (dead pid, or no lock held) as not running; stop ends a running one and
 * exits 1 when none runs. */
RV_TEST(status_shows_progress_and_stop_ends_the_indexer) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_module(&s, "a.py", 3, 0, 0);
    char out[16384], db[1024];
    const char *update[] = {"index", "update", "-q", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, update), 0);
    RV_CHECK_EQ_INT(status_json(&s, out, sizeof out), 0);
    RV_CHECK_MSG(strstr(out, "\"running\":false") && strstr(out, "\"complete\":true"), "%s", out);
    RV_CHECK_EQ_INT(stop(&s, out, sizeof out), 1);
    RV_CHECK_MSG(strstr(out, "no indexer is running"), "%s", out);

    index_path(&s, db, sizeof db);
    pid_t pid = fake_indexer(db);
    RV_CHECK(pid > 0);
    RV_CHECK_EQ_INT(status_json(&s, out, sizeof out), 0);
    char want[64];
    snprintf(want, sizeof want, "\"pid\":%ld", (long)pid);
    RV_CHECK_MSG(strstr(out, "\"running\":true") && strstr(out, want) &&
                     strstr(out, "\"chunks_embedded\":100") && strstr(out, "\"eta_s\":"),
                 "%s", out);
    const char *plain[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, plain), 0);
    RV_CHECK_MSG(strstr(out, "indexer:     running (pid") && strstr(out, "chunks/s") &&
                     strstr(out, "left"),
                 "%s", out);
    RV_CHECK_EQ_INT(stop(&s, out, sizeof out), 0);
    RV_CHECK_MSG(strstr(out, "stopped the indexer"), "%s", out);
    int ws = 0;
    RV_CHECK(waitpid(pid, &ws, 0) == pid && WIFSIGNALED(ws));
    /* its record stays, naming a dead pid: not running, nothing to stop */
    RV_CHECK_EQ_INT(status_json(&s, out, sizeof out), 0);
    RV_CHECK_MSG(strstr(out, "\"running\":false") && strstr(out, "\"complete\":false"), "%s", out);
    RV_CHECK_EQ_INT(stop(&s, out, sizeof out), 1);
    /* a live pid that does not hold the lock (a recycled pid) is not an indexer */
    char p[1200];
    snprintf(p, sizeof p, "%s.progress", db);
    FILE *f = fopen(p, "w");
    RV_CHECK(f != NULL);
    if (f) {
        fprintf(f, "pid %ld\ncomplete 0\n", (long)getpid());
        fclose(f);
    }
    RV_CHECK_EQ_INT(status_json(&s, out, sizeof out), 0);
    RV_CHECK_MSG(strstr(out, "\"running\":false"), "%s", out);
    RV_CHECK_EQ_INT(stop(&s, out, sizeof out), 1);
    scratch_close(&s);
}

/* The files of the index in the order they were written (rowid order). */
static int written_order(const char *db, char *out, size_t cap) {
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    out[0] = 0;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, "SELECT rel FROM files ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
        sqlite3_close(h);
        return -1;
    }
    size_t len = 0;
    while (sqlite3_step(q) == SQLITE_ROW && len + 1 < cap)
        len += (size_t)snprintf(out + len, cap - len, "%s ", sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(h);
    return 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Waits for the indexer to end. It runs at nice 19, so a busy machine can
 * hold it back for minutes (two jobs at nice 0 on two cores kept it past
 * two minutes once); the bound only stops a hung one. */
static void wait_gone(long pid) {
    double t0 = now_s();
    while (pid > 0 && kill((pid_t)pid, 0) == 0 && now_s() - t0 < 300)
        usleep(20000);
}

static long started_pid(const char *out) {
    const char *p = strstr(out, "(pid ");
    return p ? atol(p + 5) : 0;
}

/* The background indexer embeds the files of the search's results first,
 * then source, then tests, then documents, whatever their names. */
RV_TEST(indexer_embeds_wanted_then_source_tests_docs) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_file(&s, "a_guide.md", "# Guide\n\nHow the pipeline runs.\n");
    put_file(&s, "b_tests/test_pipe.py", "def test_pipe():\n    assert run_pipe(2) == 4\n");
    put_file(&s, "c_core.py", "def run_pipe(x):\n    return x * 2\n");
    put_file(&s, "z_retry.py", "def retry_with_backoff(fn):\n    return fn()\n");
    const char *rels[] = {"a_guide.md", "b_tests/test_pipe.py", "c_core.py", "z_retry.py"};
    age_tree(&s, rels, 4, 3600);
    char out[16384], db[1024], order[4096];
    const char *now[] = {"--model", g_model, "--no-wait",          "--mode",
                         "keyword", "-v",    "retry_with_backoff", s.root,
                         NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, now), 0);
    long pid = started_pid(out);
    RV_CHECK_MSG(pid > 0 && strstr(out, "z_retry.py"), "%s", out);
    wait_gone(pid);
    index_path(&s, db, sizeof db);
    RV_CHECK_EQ_INT(written_order(db, order, sizeof order), 0);
    RV_CHECK_MSG(strcmp(order, "z_retry.py c_core.py b_tests/test_pipe.py a_guide.md ") == 0,
                 "written in the order: %s", order);
    scratch_close(&s);
}

static int stored_files(const scratch *s) {
    char out[16384], v[64];
    const char *status[] = {"index", "status", "--model", g_model, s->root, NULL};
    run(s->cache, out, sizeof out, status);
    field(out, "files:", v, sizeof v);
    return v[0] ? atoi(v) : 0;
}

/* A tree past --max-chunks, and a home directory, answer by keywords with a
 * one-line note of the cost, waiting or not, and embed nothing until
 * `ripvec index PATH` asks. */
RV_TEST(big_trees_and_home_get_keywords_and_a_note) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_module(&s, "a.py", 4, 0, 0);
    put_module(&s, "b.py", 4, 0, 1);
    char out[16384];
    const char *wait[] = {"--model", g_model,      "--max-chunks", "2", "--mode",
                          "keyword", "function_2", s.root,         NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, wait), 0);
    RV_CHECK_MSG(strstr(out, "function_2") && strstr(out, "past --max-chunks 2") &&
                     strstr(out, "ripvec index") && !strstr(out, "(pid "),
                 "%s", out);
    RV_CHECK_EQ_INT(stored_files(&s), 0);
    const char *now[] = {"--model", g_model,   "--no-wait",  "--max-chunks", "2",
                         "--mode",  "keyword", "function_2", s.root,         NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, now), 0);
    RV_CHECK_MSG(strstr(out, "past --max-chunks 2") && !strstr(out, "(pid "), "%s", out);
    RV_CHECK_EQ_INT(stored_files(&s), 0);
    /* the same tree as $HOME, under the default limit */
    const char *old = getenv("HOME");
    char keep[1024];
    snprintf(keep, sizeof keep, "%s", old ? old : "");
    setenv("HOME", s.root, 1);
    const char *home[] = {"--model", g_model, "--mode", "keyword", "function_2", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, home), 0);
    if (old)
        setenv("HOME", keep, 1);
    else
        unsetenv("HOME");
    RV_CHECK_MSG(strstr(out, "a home or root directory") && strstr(out, "function_2"), "%s", out);
    RV_CHECK_EQ_INT(stored_files(&s), 0);
    /* asked: embedded whatever the size */
    const char *ask[] = {"index", "-q", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, ask), 0);
    RV_CHECK_EQ_INT(stored_files(&s), 2);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, wait), 0);
    RV_CHECK_MSG(!strstr(out, "max-chunks"), "%s", out);
    scratch_close(&s);
}

/* A tree of n modules, aged (not racy). */
static void put_tree(const scratch *s, int n) {
    for (int i = 0; i < n; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "pkg%d/mod%d.py", i % 4, i);
        char dir[400];
        snprintf(dir, sizeof dir, "%s/pkg%d", s->root, i % 4);
        mkdir(dir, 0755);
        put_module(s, rel, 6, i % 6, i);
        age_file(s, rel, 3600);
    }
}

/* JSON results of a query over s->root in `cache`, with up to two options. */
static int search_json(const scratch *s, const char *cache, const char *o1, const char *o2,
                       char *out, size_t cap) {
    const char *a[16] = {"--model", g_model, "-n", "20", "--format", "json"};
    size_t n = 6;
    if (o1) a[n++] = o1;
    if (o2) a[n++] = o2;
    a[n++] = "compute step 3 of the pipeline";
    a[n++] = s->root;
    a[n] = NULL;
    return run(cache, out, cap, a);
}

/* The results of an index of s->root built at once, with --wait, in a
 * cache of its own. */
static int fresh_results(const scratch *s, char *out, size_t cap) {
    char other[400];
    snprintf(other, sizeof other, "%s/cache2", s->dir);
    mkdir(other, 0755);
    return search_json(s, other, "--wait", NULL, out, cap);
}

/* Runs `--no-wait -v` searches until none reports pending files, waiting
 * for each indexer it starts; 1 when the index is then complete. */
static int settle(const scratch *s) {
    char out[16384];
    const char *now[] = {"--model", g_model,    "--no-wait", "--mode", "keyword",
                         "-v",      "pipeline", s->root,     NULL};
    for (int round = 0; round < 5; round++) {
        if (run(s->cache, out, sizeof out, now) != 0) return 0;
        if (!strstr(out, "not embedded yet")) return 1;
        wait_gone(started_pid(out));
    }
    return 0;
}

/* The coverage rule's ends: nothing embedded ranks exactly as keyword mode;
 * a complete index built in the background (answered at once, files in
 * wanted order, by a detached indexer) gives exactly the results of an
 * index built at once with --wait, and answering at once from it too. */
RV_TEST(coverage_ends_equal_keyword_mode_and_a_full_index) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 12);
    static char hy[65536], kw[65536], bg[65536], full[65536];
    RV_CHECK_EQ_INT(search_json(&s, s.cache, "--no-wait", "--no-background", hy, sizeof hy), 0);
    const char *k[] = {"--model",
                       g_model,
                       "-n",
                       "20",
                       "--format",
                       "json",
                       "--mode",
                       "keyword",
                       "--no-wait",
                       "--no-background",
                       "compute step 3 of the pipeline",
                       s.root,
                       NULL};
    RV_CHECK_EQ_INT(run(s.cache, kw, sizeof kw, k), 0);
    RV_CHECK_MSG(strcmp(hy, kw) == 0, "0%% coverage:\n%s\nkeyword mode:\n%s", hy, kw);
    RV_CHECK(settle(&s));
    RV_CHECK_EQ_INT(search_json(&s, s.cache, "--wait", NULL, bg, sizeof bg), 0);
    RV_CHECK_EQ_INT(fresh_results(&s, full, sizeof full), 0);
    RV_CHECK_MSG(strcmp(bg, full) == 0, "background:\n%s\n--wait:\n%s", bg, full);
    RV_CHECK_EQ_INT(search_json(&s, s.cache, "--no-wait", NULL, hy, sizeof hy), 0);
    RV_CHECK_MSG(strcmp(hy, full) == 0, "at once, complete:\n%s\n--wait:\n%s", hy, full);
    scratch_close(&s);
}

/* kill -9 of the indexer at random moments, then completion: the index is
 * consistent and complete, and searches as one built in one go. */
RV_TEST(kill_9_at_random_moments_then_completion) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 24);
    srand((unsigned)time(NULL));
    const char *update[] = {"index", "update", "-q", "--model", g_model, s.root, NULL};
    char out[16384];
    for (int i = 0; i < 6; i++) {
        bg_run r = run_start(s.cache, update);
        RV_CHECK(r.pid > 0);
        usleep((useconds_t)(rand() % 400) * 1000);
        kill(r.pid, SIGKILL);
        run_wait(r, out, sizeof out);
    }
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, update), 0);
    const char *status[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    RV_CHECK_MSG(strstr(out, "consistent:  yes") && strstr(out, "(100%)") &&
                     strstr(out, "files:       24"),
                 "%s", out);
    static char a[65536], b[65536];
    RV_CHECK_EQ_INT(search_json(&s, s.cache, "--wait", NULL, a, sizeof a), 0);
    RV_CHECK_EQ_INT(fresh_results(&s, b, sizeof b), 0);
    RV_CHECK_MSG(strcmp(a, b) == 0, "after kills:\n%s\nin one go:\n%s", a, b);
    scratch_close(&s);
}

/* The detached indexer runs at nice 19, and so does its session's
 * autogroup where the kernel has them: a group's nice, not the process's,
 * sets its share of the cores against the user's shell and searches. */
static int proc_nice_seen(long pid, int autogroup) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/autogroup", pid);
    for (int i = 0; i < 250; i++) { /* the grandchild lowers itself after the pid is known */
        errno = 0;
        int nice = getpriority(PRIO_PROCESS, (id_t)pid);
        if (errno) return 0; /* gone */
        int group = 19;
        FILE *f = autogroup ? fopen(path, "r") : NULL;
        if (f) {
            const char *n = fgets(buf, sizeof buf, f) ? strstr(buf, " nice ") : NULL;
            group = n ? atoi(n + 6) : 0;
            fclose(f);
        }
        if (nice == 19 && group == 19) return 1;
        usleep(20000);
    }
    return 0;
}

RV_TEST(indexer_runs_at_the_lowest_priority) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 40);
    int autogroup = access("/proc/self/autogroup", F_OK) == 0;
    if (!autogroup) printf("  (no autogroups on this kernel: the process's nice only)\n");
    char out[16384];
    const char *now[] = {"--model", g_model, "--no-wait", "-v", "compute the pipeline step", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, now), 0);
    long pid = started_pid(out);
    RV_CHECK_MSG(pid > 0, "%s", out);
    RV_CHECK_MSG(proc_nice_seen(pid, autogroup), "indexer %ld not seen at nice 19", pid);
    wait_gone(pid);
    scratch_close(&s);
}

/* Two searches racing to start the indexer: both answer at once, one
 * indexer does the work (the other leaves it to that one), and the index
 * completes, consistent. */
RV_TEST(two_searches_race_to_start_the_indexer) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 16);
    const char *now[] = {"--model", g_model,      "--no-wait", "--mode", "keyword",
                         "-v",      "function_3", s.root,      NULL};
    char o1[16384], o2[16384];
    bg_run r1 = run_start(s.cache, now), r2 = run_start(s.cache, now);
    RV_CHECK_EQ_INT(run_wait(r1, o1, sizeof o1), 0);
    RV_CHECK_EQ_INT(run_wait(r2, o2, sizeof o2), 0);
    long p1 = started_pid(o1), p2 = started_pid(o2); /* the second may find it all done */
    RV_CHECK_MSG((p1 > 0 || p2 > 0) && strstr(o1, "mod") && strstr(o2, "mod"), "%s\n%s", o1, o2);
    wait_gone(p1);
    wait_gone(p2);
    char out[16384];
    RV_CHECK_EQ_INT(status_json(&s, out, sizeof out), 0);
    /* the last run recorded embedded everything: nothing was left to a second */
    RV_CHECK_MSG(strstr(out, "\"consistent\":true") && strstr(out, "\"complete\":true") &&
                     strstr(out, "\"files\":16"),
                 "%s", out);
    char chunks[32], emb[32];
    const char *c = strstr(out, "\"chunks\":"), *e = strstr(out, "\"chunks_embedded\":");
    snprintf(chunks, sizeof chunks, "%ld", c ? atol(c + 9) : -1);
    snprintf(emb, sizeof emb, "%ld", e ? atol(e + 18) : -2);
    RV_CHECK_MSG(strcmp(chunks, emb) == 0, "%s chunks, the run embedded %s: %s", chunks, emb, out);
    scratch_close(&s);
}

/* A file edited while the background indexer runs is in the results, by
 * its vectors, once the indexing is complete. */
RV_TEST(file_edited_during_background_indexing_is_found_after) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 16);
    char out[16384];
    const char *now[] = {"--model", g_model,      "--no-wait", "--mode", "keyword",
                         "-v",      "function_2", s.root,      NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, now), 0);
    long pid = started_pid(out);
    RV_CHECK_MSG(pid > 0, "%s", out);
    put_file(&s, "pkg1/mod1.py", "def zebra_stripes_counter(n):\n    return n * 2\n");
    wait_gone(pid);
    RV_CHECK(settle(&s));
    const char *find[] = {"--model", g_model, "--no-wait", "-v", "zebra_stripes_counter",
                          s.root,    NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, find), 0);
    RV_CHECK_MSG(strstr(out, "pkg1/mod1.py") && !strstr(out, "not embedded"), "%s", out);
    RV_CHECK_EQ_INT(status_json(&s, out, sizeof out), 0);
    RV_CHECK_MSG(strstr(out, "\"consistent\":true") && strstr(out, "\"files\":16"), "%s", out);
    scratch_close(&s);
}

/* One MCP session on s->root: initialize, then `calls` (tools/call params,
 * ids 2, 3, ...), then end of input; the replies' structuredContent by id
 * into out[] (kept in *keep, a cJSON array to free). */
static int mcp_session_at(const scratch *s, const char *root, const char *const *calls, size_t n,
                          cJSON **keep, const cJSON **out) {
    char log[400];
    snprintf(log, sizeof log, "%s/mcp.log", s->dir);
    char *argv[] = {(char *)bin(),    "mcp",        "--model", g_model, "--cache-dir",
                    (char *)s->cache, (char *)root, NULL};
    rv_child c;
    if (!rv_child_start(&c, argv, log)) return 0;
    char msg[1024];
    const char *init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                       "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":"
                       "{\"name\":\"t\",\"version\":\"0\"}}}\n"
                       "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
    int ok = rv_child_write(&c, init, strlen(init));
    for (size_t i = 0; ok && i < n; i++) {
        snprintf(msg, sizeof msg,
                 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"tools/call\",\"params\":%s}\n",
                 i + 2, calls[i]);
        ok = rv_child_write(&c, msg, strlen(msg));
    }
    rv_child_close_input(&c);
    static char buf[1 << 18];
    size_t len = 0;
    ssize_t k;
    while (len + 1 < sizeof buf && (k = read(c.from, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)k;
    buf[len] = 0;
    rv_child_wait(&c, 60);
    *keep = cJSON_CreateArray();
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        if (!j) continue;
        cJSON_AddItemToArray(*keep, j);
        int id = rv_rpc_id(j);
        if (id >= 2 && (size_t)id < n + 2)
            out[id - 2] = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(j, "result"), "structuredContent");
    }
    return ok;
}

static int mcp_session(const scratch *s, const char *const *calls, size_t n, cJSON **keep,
                       const cJSON **out) {
    return mcp_session_at(s, s->root, calls, n, keep, out);
}

static double num(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* MCP during warm-up: search_code answers from what is embedded (nothing
 * yet: by keywords) while a detached indexer embeds the rest, and
 * index_status reports the coverage; once the indexer is done, coverage 1. */
RV_TEST(mcp_answers_during_warm_up_and_reports_coverage) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 12);
    const char *calls[] = {
        "{\"name\":\"search_code\",\"arguments\":{\"query\":\"compute step 3 of the pipeline\"}}",
        "{\"name\":\"index_status\",\"arguments\":{}}"};
    cJSON *keep = NULL;
    const cJSON *r[2] = {NULL, NULL};
    RV_CHECK(mcp_session(&s, calls, 2, &keep, r));
    const cJSON *hits = cJSON_GetObjectItemCaseSensitive(r[0], "results");
    RV_CHECK_MSG(cJSON_GetArraySize(hits) > 0, "search_code during warm-up: no results");
    double cov = num(r[1], "coverage"), chunks = num(r[1], "chunks");
    RV_CHECK_MSG(chunks > 0 && cov >= 0 && cov < 1 && num(r[1], "chunks_embedded") == cov * chunks,
                 "warm-up coverage %.2f of %.0f chunks", cov, chunks);
    cJSON_Delete(keep);
    char log[400], text[8192] = "";
    snprintf(log, sizeof log, "%s/mcp.log", s.dir);
    FILE *f = fopen(log, "r");
    if (f) {
        text[fread(text, 1, sizeof text - 1, f)] = 0;
        fclose(f);
    }
    long pid = started_pid(text);
    RV_CHECK_MSG(pid > 0, "no indexer started: %s", text);
    wait_gone(pid);
    r[0] = r[1] = NULL;
    RV_CHECK(mcp_session(&s, calls, 2, &keep, r));
    RV_CHECK_MSG(num(r[1], "coverage") == 1 &&
                     cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r[1], "indexing")),
                 "coverage %.2f after the indexer", num(r[1], "coverage"));
    cJSON_Delete(keep);
    scratch_close(&s);
}

static int count_indexes(const scratch *s) {
    char dir[400];
    snprintf(dir, sizeof dir, "%s/indexes", s->cache);
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

/* Nested roots share one index and one indexer: a subdirectory of an
 * indexed tree is searched with the tree's index, narrowed to it, its paths
 * shown under it; its pending files go to the tree's indexer. */
RV_TEST(nested_roots_share_the_enclosing_index) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 8);
    char out[16384], sub[400];
    const char *ask[] = {"index", "-q", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, ask), 0);
    RV_CHECK_EQ_INT(count_indexes(&s), 1);
    snprintf(sub, sizeof sub, "%s/pkg1", s.root);
    const char *in_sub[] = {"--model", g_model,   "--format",   "json", "-n", "50",
                            "--mode",  "keyword", "function_2", sub,    NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, in_sub), 0);
    RV_CHECK_MSG(strstr(out, "\"file_path\":\"mod1.py\"") && !strstr(out, "pkg") &&
                     !strstr(out, "mod2.py"),
                 "%s", out);
    RV_CHECK_EQ_INT(count_indexes(&s), 1);
    /* status of the subdirectory: the enclosing tree's index */
    const char *st_sub[] = {"index", "status", "--model", g_model, sub, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, st_sub), 0);
    char want_root[460];
    snprintf(want_root, sizeof want_root, "root:        %s\n", s.root);
    RV_CHECK_MSG(strstr(out, want_root) && strstr(out, "files:       8"), "%s", out);
    /* an edit under it: the enclosing tree's indexer embeds it */
    put_file(&s, "pkg1/mod1.py", "def zebra_stripes_counter(n):\n    return n * 2\n");
    age_file(&s, "pkg1/mod1.py", 60);
    const char *now[] = {
        "--model", g_model, "--no-wait", "-v", "--mode", "keyword", "zebra_stripes_counter",
        sub,       NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, now), 0);
    long pid = started_pid(out);
    RV_CHECK_MSG(pid > 0 && strstr(out, "mod1.py"), "%s", out);
    wait_gone(pid);
    RV_CHECK_EQ_INT(count_indexes(&s), 1);
    RV_CHECK_EQ_INT(status_json(&s, out, sizeof out), 0);
    RV_CHECK_MSG(strstr(out, "\"complete\":true") && strstr(out, "\"files\":8"), "%s", out);
    scratch_close(&s);
}

/* The file_path of every result in r's "results" joined by spaces. */
static void result_paths(const cJSON *r, char *out, size_t cap) {
    size_t o = 0;
    out[0] = 0;
    const cJSON *hit;
    cJSON_ArrayForEach(hit, cJSON_GetObjectItemCaseSensitive(r, "results")) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(hit, "file_path");
        if (cJSON_IsString(p) && o + strlen(p->valuestring) + 2 < cap)
            o += (size_t)snprintf(out + o, cap - o, "%s ", p->valuestring);
    }
}

/* An MCP server started in a subdirectory of an indexed tree uses that
 * tree's index (no second index), narrowed to the subdirectory: search_code
 * (with and without path_glob), find_similar and get_repo_map see only its
 * files, with paths relative to it; index_status names the tree's index. */
RV_TEST(mcp_in_a_subdirectory_uses_the_enclosing_index) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 8);
    char out[16384], sub[400], db[1200];
    const char *ask[] = {"index", "-q", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, ask), 0);
    RV_CHECK_EQ_INT(count_indexes(&s), 1);
    index_path(&s, db, sizeof db);
    snprintf(sub, sizeof sub, "%s/pkg1", s.root);
    const char *calls[] = {
        "{\"name\":\"search_code\",\"arguments\":{\"query\":\"function_2 pipeline\","
        "\"mode\":\"keyword\",\"top_k\":50}}",
        "{\"name\":\"search_code\",\"arguments\":{\"query\":\"function_2 pipeline\","
        "\"mode\":\"keyword\",\"top_k\":50,\"path_glob\":\"mod5.py\"}}",
        "{\"name\":\"find_similar\",\"arguments\":{\"file_path\":\"mod1.py\",\"line\":1,"
        "\"top_k\":50}}",
        "{\"name\":\"get_repo_map\",\"arguments\":{}}",
        "{\"name\":\"index_status\",\"arguments\":{}}"};
    cJSON *keep = NULL;
    const cJSON *r[5] = {NULL};
    RV_CHECK(mcp_session_at(&s, sub, calls, 5, &keep, r));
    char paths[4096];
    result_paths(r[0], paths, sizeof paths);
    RV_CHECK_MSG(strstr(paths, "mod1.py") && strstr(paths, "mod5.py") && !strstr(paths, "pkg") &&
                     !strstr(paths, "mod2.py"),
                 "search_code: %s", paths);
    result_paths(r[1], paths, sizeof paths);
    RV_CHECK_MSG(strstr(paths, "mod5.py") && !strstr(paths, "mod1.py") && !strstr(paths, "pkg"),
                 "search_code path_glob: %s", paths);
    result_paths(r[2], paths, sizeof paths);
    RV_CHECK_MSG(paths[0] && !strstr(paths, "pkg") && !strstr(paths, "mod2.py"), "find_similar: %s",
                 paths);
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(r[3], "map");
    RV_CHECK_MSG(cJSON_IsString(map) && strstr(map->valuestring, "mod5.py") &&
                     !strstr(map->valuestring, "pkg") && !strstr(map->valuestring, "mod2.py"),
                 "repo map: %s", cJSON_IsString(map) ? map->valuestring : "?");
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(r[4], "index_path");
    RV_CHECK_MSG(cJSON_IsString(ip) && strcmp(ip->valuestring, db) == 0, "index_path %s, want %s",
                 cJSON_IsString(ip) ? ip->valuestring : "?", db);
    cJSON_Delete(keep);
    RV_CHECK_EQ_INT(count_indexes(&s), 1);
    scratch_close(&s);
}

/* "(E embedded" of an `index -v` line; -1 when absent. */
static long embedded_of(const char *out) {
    const char *p = strstr(out, " chunks (");
    long e = -1;
    if (p) sscanf(p, " chunks (%ld embedded", &e);
    return e;
}

/* A directory above an existing index: the files of the child (a git
 * repository's top) are not embedded again (their texts are the same, so
 * their vectors are found in the child's index), and the parent's index
 * then gives exactly the results of a parent indexed with no child. */
RV_TEST(parent_index_reuses_the_vectors_of_child_indexes) {
    scratch s;
    if (!begin_tiny(&s)) return;
    put_tree(&s, 8);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/libA", s.root);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/libA/.git", s.root);
    mkdir(dir, 0755);
    for (int i = 0; i < 4; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "libA/lib%d.py", i);
        put_module(&s, rel, 5, i, 100 + i);
        age_file(&s, rel, 3600);
    }
    char child[400], out[16384];
    static char a[1 << 17], b[1 << 17];
    snprintf(child, sizeof child, "%s/libA", s.root);
    const char *ix_child[] = {"index", "-v", "--model", g_model, child, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, ix_child), 0);
    long child_chunks = embedded_of(out);
    RV_CHECK_MSG(child_chunks > 0, "%s", out);
    const char *ix_parent[] = {"index", "-v", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, ix_parent), 0);
    long parent_embedded = embedded_of(out), parent_chunks = -1;
    const char *p = strstr(out, "files, ");
    if (p) sscanf(p, "files, %ld chunks", &parent_chunks);
    RV_CHECK_MSG(parent_chunks > child_chunks && parent_embedded == parent_chunks - child_chunks,
                 "parent: %ld of %ld chunks embedded, child %ld: %s", parent_embedded,
                 parent_chunks, child_chunks, out);
    RV_CHECK_EQ_INT(count_indexes(&s), 2);
    /* the same results as a parent index built with no child, in its own cache */
    RV_CHECK_EQ_INT(search_json(&s, s.cache, "-n", "200", a, sizeof a), 0);
    char other[400];
    snprintf(other, sizeof other, "%s/cache3", s.dir);
    mkdir(other, 0755);
    RV_CHECK_EQ_INT(search_json(&s, other, "-n", "200", b, sizeof b), 0);
    RV_CHECK_MSG(strstr(a, "libA/lib") && strcmp(a, b) == 0, "with child:\n%s\nwithout:\n%s", a, b);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(nested_roots_share_the_enclosing_index);
    RV_RUN(mcp_answers_during_warm_up_and_reports_coverage);
    RV_RUN(mcp_in_a_subdirectory_uses_the_enclosing_index);
    RV_RUN(parent_index_reuses_the_vectors_of_child_indexes);
    RV_RUN(coverage_ends_equal_keyword_mode_and_a_full_index);
    RV_RUN(kill_9_at_random_moments_then_completion);
    RV_RUN(two_searches_race_to_start_the_indexer);
    RV_RUN(indexer_runs_at_the_lowest_priority);
    RV_RUN(file_edited_during_background_indexing_is_found_after);
    RV_RUN(big_trees_and_home_get_keywords_and_a_note);
    RV_RUN(indexer_embeds_wanted_then_source_tests_docs);
    RV_RUN(status_shows_progress_and_stop_ends_the_indexer);
    return rv_test_summary();
}
