/* The persistent index under stress: kill -9 at many moments, two writers at
 * once, readers during a write, corrupt and truncated files. Fake embedder. */
#include "test_index_common.h"

#include <sqlite3.h>

#define NFILES 24

static void make_tree(scratch *s) {
    char rel[64];
    for (int i = 0; i < NFILES; i++) {
        snprintf(rel, sizeof rel, "pkg%d/mod_%02d.py", i % 3, i);
        put_module(s, rel, 3 + i % 4, -1, i);
        age_file(s, rel, 3600);
    }
}

static size_t tree_chunks(const scratch *s) {
    rv_corpus c = {0};
    size_t n = fresh_corpus(s, &c) == 0 ? c.chunks.count : 0;
    rv_corpus_free(&c);
    return n;
}

typedef struct crash_plan {
    const char *point;
    int at, seen;
} crash_plan;

static void crash_hook(void *user, const char *point) {
    crash_plan *cp = user;
    if (strcmp(point, cp->point) == 0 && ++cp->seen == cp->at) raise(SIGKILL);
}

/* Runs one update in a child process; returns its wait status. */
static int child_update(const rv_index_params *p, int (*before)(void *), void *arg) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (before) before(arg);
        rv_index *idx = NULL;
        rv_status st = rv_index_open(&idx, NULL, p);
        if (st == RV_OK) st = rv_index_update(idx, NULL, NULL, NULL, NULL, NULL);
        rv_index_close(idx);
        _exit(st == RV_OK ? 0 : 10 + (-st));
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    return ws;
}

static void check_consistent(const rv_index_params *base, int64_t *files, int64_t *chunks) {
    rv_index_params p = *base;
    p.mode = RV_INDEX_INSPECT;
    rv_index *idx = NULL;
    rv_status st = rv_index_open(&idx, NULL, &p);
    *files = *chunks = 0;
    if (st == RV_ERR_NOT_FOUND) return; /* killed before the file was made */
    RV_CHECK_MSG(st == RV_OK, "%s", rv_error_last());
    if (st != RV_OK) return;
    rv_index_info info;
    RV_CHECK_EQ_INT(rv_index_status(idx, &info), RV_OK);
    RV_CHECK_MSG(info.consistent, "%s", info.problem);
    *files = info.files;
    *chunks = info.chunks;
    rv_index_close(idx);
}

/* After a crash: the index is consistent, the next run adds exactly the
 * files that were not committed (finished ones are not redone), and the
 * result equals a fresh build. */
static void check_recovery(scratch *s, const rv_index_params *p, size_t total_chunks) {
    int64_t files, chunks;
    check_consistent(p, &files, &chunks);
    fake_embedder fe = {0};
    rv_index_params q = *p;
    q.embed_user = &fe;
    q.test_hook = NULL;
    rv_index_stats st;
    rv_corpus c = {0}, fresh = {0};
    RV_CHECK_EQ_INT(index_once(&q, &st, &c), RV_OK);
    RV_CHECK_EQ_INT((int64_t)st.files_added, NFILES - files);
    RV_CHECK_EQ_INT(st.files_changed, 0);
    RV_CHECK((int64_t)st.chunks_embedded <= (int64_t)total_chunks - chunks);
    RV_CHECK(fresh_corpus(s, &fresh) == 0);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
}

RV_TEST(kill_at_hook_points_recovers) {
    static const crash_plan plans[] = {
        {"file-read", 1, 0},       {"file-read", 9, 0},       {"batch-embedded", 1, 0},
        {"batch-embedded", 4, 0},  {"file-written", 1, 0},    {"file-written", 5, 0},
        {"batch-committed", 1, 0}, {"batch-committed", 6, 0},
    };
    for (size_t k = 0; k < sizeof plans / sizeof plans[0]; k++) {
        scratch s;
        RV_CHECK(scratch_open(&s) == 0);
        make_tree(&s);
        size_t total = tree_chunks(&s);
        fake_embedder fe = {0};
        crash_plan plan = plans[k];
        rv_index_params p = params_for(&s, &fe);
        p.batch_chunks = 3;
        p.test_hook = crash_hook;
        p.test_hook_user = &plan;
        int ws = child_update(&p, NULL, NULL);
        RV_CHECK_MSG(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "plan %s#%d: status %d",
                     plan.point, plan.at, ws);
        check_recovery(&s, &p, total);
        scratch_close(&s);
    }
}

RV_TEST(kill_at_random_moments_recovers) {
    static const int delays_ms[] = {2, 15, 40, 90};
    for (size_t k = 0; k < sizeof delays_ms / sizeof delays_ms[0]; k++) {
        scratch s;
        RV_CHECK(scratch_open(&s) == 0);
        make_tree(&s);
        size_t total = tree_chunks(&s);
        fake_embedder fe = {.delay_us = 8000};
        rv_index_params p = params_for(&s, &fe);
        p.batch_chunks = 4;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            rv_index *idx = NULL;
            rv_status st = rv_index_open(&idx, NULL, &p);
            if (st == RV_OK) st = rv_index_update(idx, NULL, NULL, NULL, NULL, NULL);
            rv_index_close(idx);
            _exit(st == RV_OK ? 0 : 1);
        }
        usleep((useconds_t)delays_ms[k] * 1000);
        kill(pid, SIGKILL);
        int ws = 0;
        waitpid(pid, &ws, 0);
        RV_CHECK(WIFSIGNALED(ws) || (WIFEXITED(ws) && WEXITSTATUS(ws) == 0));
        check_recovery(&s, &p, total);
        scratch_close(&s);
    }
}

RV_TEST(embedder_crash_keeps_committed_batches) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    size_t total = tree_chunks(&s);
    fake_embedder fe = {.crash_after_texts = (long)total / 2};
    rv_index_params p = params_for(&s, &fe);
    p.batch_chunks = 4;
    int ws = child_update(&p, NULL, NULL);
    RV_CHECK(WIFSIGNALED(ws));
    int64_t files, chunks;
    check_consistent(&p, &files, &chunks);
    /* every file's chunks were committed before any vector; some batches
     * of vectors made it, not all */
    RV_CHECK_EQ_INT(files, NFILES);
    RV_CHECK(chunks > 0 && chunks < (int64_t)total);
    check_recovery(&s, &p, total);
    scratch_close(&s);
}

RV_TEST(two_writers_serialize) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    size_t total = tree_chunks(&s);
    fake_embedder fe = {.delay_us = 3000};
    rv_index_params p = params_for(&s, &fe);
    p.batch_chunks = 4;
    int fds[2];
    RV_CHECK(pipe(fds) == 0);
    pid_t pids[2];
    fflush(stdout);
    for (int k = 0; k < 2; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            rv_index *idx = NULL;
            rv_index_stats st = {0};
            rv_status rc = rv_index_open(&idx, NULL, &p);
            if (rc == RV_OK) rc = rv_index_update(idx, NULL, NULL, NULL, NULL, &st);
            rv_index_close(idx);
            size_t msg[2] = {st.chunks_embedded, st.chunks_total};
            if (write(fds[1], msg, sizeof msg) != (ssize_t)sizeof msg) _exit(3);
            _exit(rc == RV_OK ? 0 : 1);
        }
    }
    /* A reader during the writes sees a consistent snapshot. */
    usleep(30000);
    int64_t files, chunks;
    check_consistent(&p, &files, &chunks);
    size_t embedded = 0;
    for (int k = 0; k < 2; k++) {
        int ws = 0;
        waitpid(pids[k], &ws, 0);
        RV_CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
        size_t msg[2];
        RV_CHECK(read(fds[0], msg, sizeof msg) == (ssize_t)sizeof msg);
        embedded += msg[0];
        RV_CHECK_EQ_INT(msg[1], total); /* both see the whole index at the end */
    }
    close(fds[0]);
    close(fds[1]);
    RV_CHECK_MSG(embedded <= total, "embedded %zu for %zu chunks", embedded, total);
    check_consistent(&p, &files, &chunks);
    RV_CHECK_EQ_INT(files, NFILES);
    rv_corpus c = {0}, fresh = {0};
    fake_embedder fe2 = {0};
    p.embed_user = &fe2;
    RV_CHECK_EQ_INT(index_once(&p, NULL, &c), RV_OK);
    RV_CHECK_EQ_INT(fe2.texts, 0);
    RV_CHECK(fresh_corpus(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
    scratch_close(&s);
}

/* ---- corruption ---- */

typedef enum {
    GARBAGE_MIDDLE,
    TRUNCATE_HALF,
    ALL_GARBAGE,
    DROP_TABLE,
    BAD_VECTOR,
    BAD_META,
    WRONG_FILE,
    SWAP_VECTORS,
    DUP_SEQ
} damage;

static void do_damage(const char *path, damage d) {
    struct stat sb;
    if (stat(path, &sb) != 0) return;
    if (d == GARBAGE_MIDDLE || d == ALL_GARBAGE) {
        FILE *f = fopen(path, "r+b");
        if (!f) return;
        off_t from = d == ALL_GARBAGE ? 0 : sb.st_size / 4,
              to = d == ALL_GARBAGE ? sb.st_size : sb.st_size * 3 / 4;
        fseeko(f, from, SEEK_SET);
        uint32_t x = 12345;
        for (off_t i = from; i < to; i++) {
            x = x * 1103515245u + 12345u;
            fputc((int)(x >> 16) & 0xff, f);
        }
        fclose(f);
    } else if (d == TRUNCATE_HALF) {
        if (truncate(path, sb.st_size / 2) != 0) return;
    } else {
        sqlite3 *db = NULL;
        sqlite3_open(path, &db);
        /* Damage SQLite cannot see: values that are well-formed but wrong. */
        const char *sql =
            d == DROP_TABLE   ? "DROP TABLE chunks"
            : d == BAD_VECTOR ? "UPDATE chunks SET vector = zeroblob(length(vector)) WHERE id = "
                                "(SELECT min(id) + 3 FROM chunks)"
            : d == BAD_META   ? "DELETE FROM meta WHERE key = 'format_version'"
            : d == WRONG_FILE
                ? "UPDATE chunks SET file_id = (SELECT max(id) FROM files) WHERE id = "
                  "(SELECT min(id) FROM chunks)"
            : d == SWAP_VECTORS
                ? "UPDATE chunks SET vector = (SELECT vector FROM chunks WHERE id = "
                  "(SELECT max(id) FROM chunks)) WHERE id = (SELECT min(id) FROM chunks)"
                : "UPDATE chunks SET seq = 0 WHERE id = (SELECT max(id) FROM chunks)";
        sqlite3_exec(db, sql, NULL, NULL, NULL);
        sqlite3_close(db);
    }
}

RV_TEST(corrupt_index_is_detected_and_rebuilt) {
    static const damage kinds[] = {GARBAGE_MIDDLE, TRUNCATE_HALF, ALL_GARBAGE,
                                   DROP_TABLE,     BAD_VECTOR,    BAD_META};
    static const char *const names[] = {"garbage",    "truncate",   "all-garbage",
                                        "drop-table", "bad-vector", "bad-meta"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        scratch s;
        RV_CHECK(scratch_open(&s) == 0);
        make_tree(&s);
        fake_embedder fe = {0};
        rv_index_params p = params_for(&s, &fe);
        RV_CHECK_EQ_INT(index_once(&p, NULL, NULL), RV_OK);
        char *path = NULL;
        rv_index_locate(&path, p.model_id, &p);
        do_damage(path, kinds[k]);
        /* status (read-only) reports it without repairing. */
        rv_index_params insp = p;
        insp.mode = RV_INDEX_INSPECT;
        rv_index *idx = NULL;
        rv_status st = rv_index_open(&idx, NULL, &insp);
        if (st == RV_OK) {
            rv_index_info info;
            RV_CHECK_EQ_INT(rv_index_status(idx, &info), RV_OK);
            RV_CHECK_MSG(!info.consistent, "%s: status says consistent", names[k]);
            rv_index_close(idx);
        } else {
            RV_CHECK_MSG(st == RV_ERR_CORRUPT, "%s: %s", names[k], rv_error_last());
        }
        notes n = {0};
        p.note = collect_note;
        p.note_user = &n;
        rv_index_stats stats;
        rv_corpus c = {0}, fresh = {0};
        st = index_once(&p, &stats, &c);
        RV_CHECK_MSG(st == RV_OK, "%s: %s", names[k], rv_error_last());
        RV_CHECK_MSG(n.count == 1 && strstr(n.text, "corrupt") && strstr(n.text, "rebuilding"),
                     "%s: notes: %s", names[k], n.text);
        RV_CHECK_MSG(strchr(n.text, '\n') == n.text + strlen(n.text) - 1, "one line");
        RV_CHECK_EQ_INT(stats.files_added, NFILES);
        RV_CHECK(fresh_corpus(&s, &fresh) == 0);
        RV_CHECK_MSG(corpus_equal(&c, &fresh), "%s", names[k]);
        int64_t files, chunks;
        check_consistent(&p, &files, &chunks);
        RV_CHECK_EQ_INT(files, NFILES);
        rv_corpus_free(&c);
        rv_corpus_free(&fresh);
        free(path);
        scratch_close(&s);
    }
}

RV_TEST(damaged_vector_is_never_reused) {
    /* A changed file whose unchanged chunk has damaged floats: the reuse
     * lookup must not copy them into the new row (where a fresh checksum
     * would hide them). */
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    put_module(&s, "m.py", 20, -1, 0);
    age_file(&s, "m.py", 3600);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    RV_CHECK_EQ_INT(index_once(&p, NULL, NULL), RV_OK);
    char *path = NULL;
    rv_index_locate(&path, p.model_id, &p);
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    RV_CHECK(sqlite3_exec(db, "UPDATE chunks SET vector = zeroblob(length(vector)) WHERE seq = 0",
                          NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    put_module(&s, "m.py", 20, 15, 1);
    age_file(&s, "m.py", 1800);
    notes n = {0};
    p.note = collect_note;
    p.note_user = &n;
    rv_corpus c = {0}, fresh = {0};
    RV_CHECK_EQ_INT(index_once(&p, NULL, &c), RV_OK);
    RV_CHECK_MSG(strstr(n.text, "corrupt") != NULL, "%s", n.text);
    RV_CHECK(fresh_corpus(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
    free(path);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(kill_at_hook_points_recovers);
    RV_RUN(kill_at_random_moments_recovers);
    RV_RUN(embedder_crash_keeps_committed_batches);
    RV_RUN(two_writers_serialize);
    RV_RUN(corrupt_index_is_detected_and_rebuilt);
    RV_RUN(damaged_vector_is_never_reused);
    return rv_test_summary();
}
