/* The index as a new user meets it (issue 19), through the binary on
 * scratch trees: filters never shrink it, a read-only index is searchable,
 * rebuilds happen beside it, renames reuse vectors, the cache is kept tidy. */
#include "test_cli_common.h"

#include <dirent.h>
#include <sys/file.h>

/* Python that talks about backoff, and a short note that does too. */
static void put_two(scratch *s) {
    put_file(s, "retry.py",
             "def retry_with_backoff(fn, attempts=5):\n"
             "    \"\"\"Call fn, sleeping with exponential backoff between attempts.\"\"\"\n"
             "    delay = 0.1\n"
             "    for i in range(attempts):\n"
             "        try:\n"
             "            return fn()\n"
             "        except IOError:\n"
             "            time.sleep(delay)\n"
             "            delay *= 2\n");
    put_file(s, "notes.md", "# Notes\n\nUse backoff when retrying.\n");
    age_file(s, "retry.py", 3600);
    age_file(s, "notes.md", 3600);
}

static int status_files(const scratch *s) {
    char out[16384], v[64];
    const char *status[] = {"index", "status", "--model", g_model, s->root, NULL};
    if (run(s->cache, out, sizeof out, status) != 0) return -1;
    field(out, "files:", v, sizeof v);
    return atoi(v);
}

/* -t, -g and --max-filesize narrow the results, never the saved index. */
RV_TEST(filtered_search_keeps_the_whole_index) {
    scratch s;
    if (!begin(&s)) return;
    put_two(&s);
    char out[16384];
    const char *t_md[] = {"-q", "--model", g_model, "--mode", "keyword", "-t", "md",
                          "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, t_md), 0);
    RV_CHECK_MSG(strstr(out, "notes.md") && !strstr(out, "retry.py"), "%s", out);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    const char *g_py[] = {"-q", "--model", g_model, "--mode", "keyword", "-g", "*.py",
                          "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, g_py), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") && !strstr(out, "notes.md"), "%s", out);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    const char *small[] = {"-q", "--model", g_model, "--mode", "keyword", "--max-filesize", "100",
                           "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, small), 0);
    RV_CHECK_MSG(strstr(out, "notes.md") && !strstr(out, "retry.py"), "%s", out);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    /* A glob that keeps nothing finds nothing, and still keeps the index. */
    const char *none[] = {"-q", "--model", g_model, "--mode", "keyword", "-g", "*.rs",
                          "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, none), 1);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    scratch_close(&s);
}

/* chmod of the index's directory and everything in it. */
static void chmod_index_dir(const char *db_path, mode_t dir_mode, mode_t file_mode) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", db_path);
    char *slash = strrchr(dir, '/');
    if (!slash) return;
    *slash = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        chmod(p, file_mode);
    }
    if (d) closedir(d);
    chmod(dir, dir_mode);
}

static int count_of(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* A complete index that this user may not write is searched as it is; -v
 * says once that it was not refreshed. */
RV_TEST(read_only_index_is_searched_without_the_lock) {
    scratch s;
    if (!begin(&s)) return;
    put_two(&s);
    char out[16384], path[1024];
    const char *search[] = {"-q", "--model", g_model, "--mode", "keyword", "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    const char *status[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "path:", path, sizeof path);
    chmod_index_dir(path, 0555, 0444);
    struct stat before, after;
    RV_CHECK(stat(path, &before) == 0);
    g_no_override = 1;
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") && !strstr(out, "read-only"), "%s", out);
    const char *loud[] = {"-v", "--model", g_model, "--mode", "keyword", "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, loud), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") && count_of(out, "read-only") == 1, "%s", out);
    /* Hybrid needs the stored vectors and the model, nothing written. */
    const char *hybrid[] = {"-q", "--model", g_model, "sleep between attempts", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, hybrid), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") != NULL, "%s", out);
    g_no_override = 0;
    RV_CHECK(stat(path, &after) == 0);
    RV_CHECK(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
             before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    chmod_index_dir(path, 0755, 0644);
    scratch_close(&s);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A rebuild builds beside the live index: a search meanwhile neither waits
 * nor sees it empty, status shows the whole index, and a second rebuild
 * started meanwhile finds the work done instead of embedding it all again. */
RV_TEST(rebuild_beside_the_live_index) {
    scratch s;
    if (!begin(&s)) return;
    char out[65536], path[1024], v[64];
    for (int i = 0; i < 24; i++) { /* distinct texts: nothing to reuse */
        char rel[64], body[4096];
        size_t len = 0;
        for (int k = 0; k < 8; k++)
            len += (size_t)snprintf(body + len, sizeof body - len,
                                    "def compute_%d_%d(rows):\n"
                                    "    total = %d\n"
                                    "    for r in rows:\n"
                                    "        total += r * %d\n"
                                    "    return total\n\n",
                                    i, k, i * 31 + k, k + 2);
        snprintf(rel, sizeof rel, "src/m%02d.py", i);
        put_file(&s, rel, "%s", body);
        age_file(&s, rel, 3600);
    }
    const char *search[] = {"-q", "--model", g_model, "--mode", "keyword", "compute_3_1", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    const char *status[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "path:", path, sizeof path);
    field(out, "files:", v, sizeof v);
    int files = atoi(v);
    RV_CHECK(files >= 24);
    sleep(1); /* the rebuilt index is created in a later second */
    const char *rebuild[] = {"index", "rebuild", "--model", g_model, s.root, NULL};
    bg_run a = run_start(s.cache, rebuild);
    char next[1100];
    snprintf(next, sizeof next, "%s.next", path);
    double t0 = now_s();
    while (access(next, F_OK) != 0 && now_s() - t0 < 60)
        usleep(2000);
    RV_CHECK_MSG(access(next, F_OK) == 0, "no rebuild beside %s", path);
    bg_run b = run_start(s.cache, rebuild);
    /* While it runs: searches answer at once from the live index. */
    double t1 = now_s();
    const char *loud[] = {"--model", g_model, "--mode", "keyword", "compute_3_1", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, loud), 0);
    RV_CHECK_MSG(strstr(out, "m0") && !strstr(out, "waiting"), "%s", out);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "files:", v, sizeof v);
    RV_CHECK_EQ_INT(atoi(v), files);
    int still_running = access(next, F_OK) == 0;
    RV_CHECK_EQ_INT(run_wait(a, out, sizeof out), 0);
    RV_CHECK_MSG(still_running, "the rebuild ended before the search did (%.1fs)", now_s() - t1);
    RV_CHECK_MSG(strstr(out, "indexed") && !strstr(out, "(0 embedded,"), "%s", out);
    RV_CHECK_EQ_INT(run_wait(b, out, sizeof out), 0);
    RV_CHECK_MSG(strstr(out, "(0 embedded,") != NULL, "%s", out);
    RV_CHECK(access(next, F_OK) != 0);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "files:", v, sizeof v);
    RV_CHECK_EQ_INT(atoi(v), files);
    scratch_close(&s);
}

static int count_lines(const char *out, const char *needle) {
    int n = 0;
    for (const char *p = out; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (memmem(p, len, needle, strlen(needle))) n++;
        p += len + (nl != NULL);
    }
    return n;
}

/* Sets the mtime of every file of the index at db_path `ago` seconds back. */
static void age_index(const char *db_path, int ago) {
    static const char *const sfx[] = {"", "-wal", "-shm", ".corpus", ".bm25", ".lock"};
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= ago;
    ts[1] = ts[0];
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char p[1100];
        snprintf(p, sizeof p, "%s%s", db_path, sfx[i]);
        utimensat(AT_FDCWD, p, ts, 0);
    }
}

/* clear leaves nothing behind; list shows every index; gc drops those
 * whose root is gone or that went unused; a single file gets no index. */
RV_TEST(cache_housekeeping) {
    scratch s;
    if (!begin(&s)) return;
    put_two(&s);
    char other[400], file[400], out[16384], path[1024], dir[1024];
    snprintf(other, sizeof other, "%s/other", s.dir);
    mkdir(other, 0755);
    snprintf(file, sizeof file, "%s/other/solo.py", s.dir);
    FILE *f = fopen(file, "w");
    if (f) {
        fputs("def solo_backoff():\n    return 2\n", f);
        fclose(f);
    }
    const char *a[] = {"-q", "--model", g_model, "--mode", "keyword", "backoff", s.root, NULL};
    const char *b[] = {"-q", "--model", g_model, "--mode", "keyword", "backoff", other, NULL};
    const char *one[] = {"-q", "--model", g_model, "--mode", "keyword", "backoff", file, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, one), 0);
    RV_CHECK_MSG(strstr(out, "solo.py") != NULL, "%s", out);
    const char *list[] = {"index", "list", NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, list), 0);
    RV_CHECK_MSG(count_lines(out, ".sqlite") == 0, "a single file made an index: %s", out);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, a), 0);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, b), 0);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, list), 0);
    RV_CHECK_MSG(count_lines(out, ".sqlite") == 2, "%s", out);
    RV_CHECK_MSG(count_lines(out, "/tree\t") == 1 && count_lines(out, "/other\t") == 1 &&
                     count_lines(out, "all-minilm-l6-v2") == 2,
                 "%s", out);

    /* clear: nothing of the index is left, its folder included */
    const char *status[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "path:", path, sizeof path);
    snprintf(dir, sizeof dir, "%s", path);
    if (strrchr(dir, '/')) *strrchr(dir, '/') = 0;
    const char *clear[] = {"index", "clear", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, clear), 0);
    RV_CHECK_MSG(access(dir, F_OK) != 0, "%s is still there", dir);

    /* gc: a root that is gone, then an index unused for 10 days */
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, a), 0);
    unlink(file);
    rmdir(other);
    const char *gc[] = {"index", "gc", "--older-than", "7", NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, gc), 0);
    RV_CHECK_MSG(strstr(out, "root gone") && strstr(out, "1 of 2"), "%s", out);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, list), 0);
    RV_CHECK_MSG(count_lines(out, ".sqlite") == 1, "%s", out);
    age_index(path, 10 * 86400);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, gc), 0);
    RV_CHECK_MSG(strstr(out, "unused") && strstr(out, "1 of 1"), "%s", out);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, list), 0);
    RV_CHECK_MSG(count_lines(out, ".sqlite") == 0, "%s", out);
    RV_CHECK(access(dir, F_OK) != 0);
    scratch_close(&s);
}

/* --no-wait (issue 22): the first search answers at once by keywords and
 * leaves the embedding to a detached indexer, which completes the index;
 * --no-background starts none. */
RV_TEST(no_wait_answers_at_once_and_indexes_in_the_background) {
    scratch s;
    if (!begin(&s)) return;
    put_two(&s);
    char out[16384];
    const char *quiet_now[] = {"--model", g_model, "--no-wait", "--no-background", "--mode",
                               "keyword", "-v", "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, quiet_now), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") &&
                     strstr(out, "2 of 2 chunks not embedded yet (2 files)") && !strstr(out, "pid"),
                 "%s", out);
    RV_CHECK_EQ_INT(status_files(&s), 0); /* nothing embedded, nothing written */
    const char *now[] = {"--model", g_model, "--no-wait", "--mode", "keyword", "-v",
                         "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, now), 0);
    const char *p = strstr(out, "(pid ");
    RV_CHECK_MSG(strstr(out, "retry.py") && p, "%s", out);
    long pid = p ? atol(p + 5) : 0;
    RV_CHECK(pid > 0);
    double t0 = now_s();
    while (pid > 0 && kill((pid_t)pid, 0) == 0 && now_s() - t0 < 120)
        usleep(20000);
    RV_CHECK_EQ_INT(status_files(&s), 2);
    /* complete now: nothing pending, nothing said */
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, now), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") && !strstr(out, "not embedded"), "%s", out);
    scratch_close(&s);
}

/* A search that finds another process holding the index's lock reads what
 * that writer committed and changes nothing: a file whose header the writer
 * is still writing reads as damaged, and a reader that "repaired" it
 * removed the index under the writer (a race two searches starting the
 * indexer at once could lose). Once the lock is free, the search takes it. */
RV_TEST(search_leaves_the_file_a_writer_holds_alone) {
    scratch s;
    if (!begin(&s)) return;
    put_two(&s);
    char out[16384], path[1024], lock[1100];
    const char *search[] = {"--model", g_model, "--mode", "keyword", "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    const char *status[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "path:", path, sizeof path);
    snprintf(lock, sizeof lock, "%s.lock", path);
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char f[1200];
        snprintf(f, sizeof f, "%s%s", path, sfx[i]);
        unlink(f);
    }
    unsigned char head[4096] = "SQLite format 3"; /* the rest not written yet */
    FILE *f = fopen(path, "wb");
    RV_CHECK(f && fwrite(head, 1, sizeof head, f) == sizeof head);
    if (f) fclose(f);
    struct stat before, during;
    RV_CHECK(stat(path, &before) == 0);
    int fd = open(lock, O_RDWR | O_CREAT, 0644);
    RV_CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
    const char *now[] = {"--model", g_model, "--no-wait", "--no-background", "--mode", "keyword",
                         "backoff", s.root, NULL};
    bg_run r = run_start(s.cache, now);
    usleep(600000);
    RV_CHECK(stat(path, &during) == 0 && during.st_ino == before.st_ino &&
             during.st_size == before.st_size);
    flock(fd, LOCK_UN);
    close(fd);
    RV_CHECK_EQ_INT(run_wait(r, out, sizeof out), 0);
    RV_CHECK_MSG(strstr(out, "retry.py") != NULL, "%s", out);
    scratch_close(&s);
}

/* What docs/INDEX.md says of renames: the embedded text carries the path,
 * so a renamed file is embedded again, while a search with nothing changed
 * embeds nothing. */
RV_TEST(rename_embeds_the_file_again_as_documented) {
    scratch s;
    if (!begin(&s)) return;
    put_two(&s);
    char out[16384];
    const char *v[] = {"--model", g_model, "--mode", "keyword", "-v", "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, v), 0);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, v), 0);
    RV_CHECK_MSG(strstr(out, "(0 embedded now,") != NULL, "%s", out);
    mv_file(&s, "retry.py", "retry_moved.py");
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, v), 0);
    RV_CHECK_MSG(strstr(out, "retry_moved.py") && !strstr(out, "(0 embedded now,"), "%s", out);
    scratch_close(&s);
}

/* A directory where the index file belongs is reported once, plainly, and
 * left alone (it used to be called corrupt, "rebuilt", then fail). */
RV_TEST(directory_in_place_of_the_index_is_a_clear_error) {
    scratch s;
    if (!begin(&s)) return;
    put_two(&s);
    char out[16384], path[1024];
    const char *search[] = {"--model", g_model, "--mode", "keyword", "backoff", s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 0);
    const char *status[] = {"index", "status", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, status), 0);
    field(out, "path:", path, sizeof path);
    const char *clear[] = {"index", "clear", "--model", g_model, s.root, NULL};
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, clear), 0);
    char parent[1024];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (slash) *slash = '\0';
    mkdir(parent, 0755); /* clear may have removed the index's folder */
    RV_CHECK(mkdir(path, 0755) == 0);
    RV_CHECK_EQ_INT(run(s.cache, out, sizeof out, search), 2);
    RV_CHECK_MSG(strstr(out, "a directory, not an index file") && !strstr(out, "rebuilding"), "%s",
                 out);
    struct stat sb;
    RV_CHECK(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
    rmdir(path);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(filtered_search_keeps_the_whole_index);
    RV_RUN(read_only_index_is_searched_without_the_lock);
    RV_RUN(rebuild_beside_the_live_index);
    RV_RUN(cache_housekeeping);
    RV_RUN(no_wait_answers_at_once_and_indexes_in_the_background);
    RV_RUN(search_leaves_the_file_a_writer_holds_alone);
    RV_RUN(rename_embeds_the_file_again_as_documented);
    RV_RUN(directory_in_place_of_the_index_is_a_clear_error);
    return rv_test_summary();
}
