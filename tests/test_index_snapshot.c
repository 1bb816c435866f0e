/* The corpus snapshot next to the index ("<index>.corpus"): a warm update
 * maps it instead of reading every row, it equals what the store holds, and
 * it is never taken after a write (generation), when damaged, or after a
 * clear. Fake embedder; embed_text is not loaded (the snapshot has none). */
#include "test_index_common.h"

#include <sqlite3.h>

#define NFILES 9

static void make_tree(scratch *s) {
    char rel[64];
    for (int i = 0; i < NFILES; i++) {
        snprintf(rel, sizeof rel, "pkg%d/mod_%02d.py", i % 3, i);
        put_module(s, rel, 2 + i % 4, -1, i);
        age_file(s, rel, 3600);
    }
    put_file(s, "README.md", "# Title\n\nSome text.\n\n## Usage\n\nRun it.\n");
    put_file(s, "empty.txt", "%s", "");
    age_file(s, "README.md", 3600);
    age_file(s, "empty.txt", 3600);
}

static rv_index_params plain_params(const scratch *s, fake_embedder *fe) {
    rv_index_params p = params_for(s, fe);
    p.load_embed_text = 0;
    return p;
}

static char *snap_path_of(const rv_index_params *p) {
    char *db = NULL;
    if (rv_index_locate(&db, p->model_id, p) != RV_OK) return NULL;
    char *r = malloc(strlen(db) + 8);
    if (r) sprintf(r, "%s.corpus", db);
    free(db);
    return r;
}

/* The corpus read straight from the store (no update, no snapshot). */
static int store_corpus(const rv_index_params *base, rv_corpus *out) {
    rv_index_params p = *base;
    p.mode = RV_INDEX_INSPECT;
    rv_index *idx = NULL;
    int ok = rv_index_open(&idx, NULL, &p) == RV_OK && rv_index_corpus(idx, out) == RV_OK;
    rv_index_close(idx);
    return ok && out->backing == NULL ? 0 : -1;
}

/* What a from-scratch build of the tree gives (own cache, from the store). */
static int fresh_plain(const scratch *s, rv_corpus *out) {
    char cache[400];
    snprintf(cache, sizeof cache, "%s/fresh-XXXXXX", s->dir);
    if (!mkdtemp(cache)) return -1;
    fake_embedder fe = {0};
    rv_index_params p = plain_params(s, &fe);
    p.cache_dir = cache;
    return index_once(&p, NULL, out) == RV_OK ? 0 : -1;
}

static uint64_t generation_of(const rv_index_params *p) {
    char *db = NULL;
    uint64_t g = 0;
    if (rv_index_locate(&db, p->model_id, p) != RV_OK) return 0;
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = 'generation'", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        g = strtoull((const char *)sqlite3_column_text(q, 0), NULL, 16);
    sqlite3_finalize(q);
    sqlite3_close(h);
    free(db);
    return g;
}

static int exec_sql(const rv_index_params *p, const char *sql) {
    char *db = NULL;
    if (rv_index_locate(&db, p->model_id, p) != RV_OK) return 0;
    sqlite3 *h = NULL;
    int ok =
        sqlite3_open(db, &h) == SQLITE_OK && sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(h);
    free(db);
    return ok;
}

/* One update; *mapped says whether its corpus came from the snapshot. */
static rv_status run_once(const rv_index_params *p, rv_corpus *out, int *mapped) {
    rv_status st = index_once(p, NULL, out);
    *mapped = out->backing != NULL;
    return st;
}

static int read_all(const char *path, unsigned char **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = *buf && n >= 0 && fread(*buf, 1, (size_t)n, f) == (size_t)n ? (size_t)n : 0;
    fclose(f);
    return *len ? 0 : -1;
}

static int write_all_file(const char *path, const unsigned char *buf, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(buf, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static uint64_t get64(const unsigned char *b, size_t off) {
    uint64_t v;
    memcpy(&v, b + off, 8);
    return v;
}

/* Header fields (snapshot.h): count 32, rec_off 40, str_off 56, str_len 64,
 * body hash 96; the header is 128 bytes. Re-seals the body's checksum so a
 * damage gets past it to the checks behind. */
static void reseal(unsigned char *b, size_t len) {
    uint64_t h = XXH3_64bits(b + 128, len - 128);
    memcpy(b + 96, &h, 8);
}

RV_TEST(snapshot_equals_store_and_is_used_when_unchanged) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    char *snap = snap_path_of(&p);
    rv_corpus first = {0}, warm = {0}, store = {0}, fresh = {0};
    int mapped = -1;
    /* just written: read from the store and saved, or mapped from the
     * snapshot the embedding pass saved of its last commit (index/embed.c) */
    RV_CHECK_EQ_INT(run_once(&p, &first, &mapped), RV_OK);
    RV_CHECK_MSG(snap && access(snap, F_OK) == 0, "no snapshot at %s", snap);
    uint64_t g = generation_of(&p);
    RV_CHECK(g != 0);
    RV_CHECK_EQ_INT(run_once(&p, &warm, &mapped), RV_OK);
    RV_CHECK(mapped);
    RV_CHECK(generation_of(&p) == g); /* a warm run writes nothing */
    RV_CHECK(store_corpus(&p, &store) == 0);
    RV_CHECK(fresh_plain(&s, &fresh) == 0);
    RV_CHECK(warm.chunks.count > NFILES);
    RV_CHECK(corpus_equal(&warm, &store));
    RV_CHECK(corpus_equal(&warm, &first));
    RV_CHECK(corpus_equal(&warm, &fresh));
    for (size_t i = 0; i < warm.chunks.count && i < store.chunks.count; i++) {
        /* the same static language strings as the store's; no embed_text */
        RV_CHECK(warm.chunks.items[i].language == store.chunks.items[i].language);
        RV_CHECK(warm.chunks.items[i].embed_text == NULL);
        RV_CHECK(warm.chunks.items[i].name && warm.chunks.items[i].scope);
    }
    RV_CHECK(((uintptr_t)warm.vectors & 63) == 0);
    /* Mapped privately: a write to it is this process's alone. */
    if (warm.chunks.count && warm.chunks.items[0].content[0]) {
        warm.chunks.items[0].content[0] = '#';
        warm.vectors[0] = 42.0f;
    }
    rv_corpus again = {0};
    RV_CHECK_EQ_INT(run_once(&p, &again, &mapped), RV_OK);
    RV_CHECK(mapped);
    RV_CHECK(corpus_equal(&again, &store));
    rv_corpus_free(&first);
    rv_corpus_free(&warm);
    rv_corpus_free(&again);
    rv_corpus_free(&store);
    rv_corpus_free(&fresh);
    free(snap);
    scratch_close(&s);
}

/* Each kind of write gives a new generation; the update after it reads the
 * store (equal to a fresh build) and the one after that the new snapshot.
 * A touch only heals the file's stat: the corpus, its generation and its
 * snapshot stay. */
RV_TEST(every_write_bumps_generation_and_stale_snapshot_is_not_used) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    rv_corpus c = {0};
    int mapped;
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    rv_corpus_free(&c);
    for (int step = 0; step < 4; step++) {
        uint64_t before = generation_of(&p);
        if (step == 0) { /* modify */
            put_module(&s, "pkg1/mod_04.py", 2 + 4 % 4, 0, 7);
            age_file(&s, "pkg1/mod_04.py", 1800);
        } else if (step == 1) { /* add */
            put_file(&s, "pkg2/new.py", "def added():\n    return 'new'\n");
            age_file(&s, "pkg2/new.py", 1800);
        } else if (step == 2) { /* delete */
            del_file(&s, "pkg0/mod_03.py");
        } else { /* touch: same bytes, only the stat is healed */
            age_file(&s, "README.md", 600);
        }
        rv_corpus fresh = {0}, warm = {0};
        RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
        uint64_t after = generation_of(&p);
        if (step < 3) {
            RV_CHECK_MSG(!mapped, "step %d: the stale snapshot was used", step);
            RV_CHECK_MSG(after != before && after != 0, "step %d: generation unchanged", step);
        } else {
            RV_CHECK_MSG(mapped, "touch: the snapshot was not used");
            RV_CHECK_MSG(after == before, "touch: a new generation for a stat heal");
        }
        RV_CHECK(fresh_plain(&s, &fresh) == 0);
        RV_CHECK_MSG(corpus_equal(&c, &fresh), "step %d", step);
        RV_CHECK_EQ_INT(run_once(&p, &warm, &mapped), RV_OK);
        RV_CHECK_MSG(mapped, "step %d: the new snapshot was not used", step);
        RV_CHECK_MSG(corpus_equal(&warm, &fresh), "step %d", step);
        rv_corpus_free(&c);
        rv_corpus_free(&warm);
        rv_corpus_free(&fresh);
    }
    scratch_close(&s);
}

static void kill_hook(void *user, const char *point) {
    (void)user;
    if (strcmp(point, "batch-committed") == 0) raise(SIGKILL);
}

/* A writer killed right after committing, before it could load or save: the
 * old snapshot is still there but of the previous generation. Restoring an
 * old snapshot over a new one is the same case. */
RV_TEST(snapshot_of_another_generation_is_ignored) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    char *snap = snap_path_of(&p);
    rv_corpus c = {0};
    int mapped;
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    rv_corpus_free(&c);
    unsigned char *old = NULL;
    size_t old_len = 0;
    RV_CHECK(read_all(snap, &old, &old_len) == 0);

    put_module(&s, "pkg2/mod_05.py", 3, 1, 99);
    age_file(&s, "pkg2/mod_05.py", 1800);
    rv_index_params k = p;
    k.test_hook = kill_hook;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        rv_index *idx = NULL;
        if (rv_index_open(&idx, NULL, &k) == RV_OK)
            rv_index_update(idx, NULL, NULL, NULL, NULL, NULL);
        _exit(3); /* not reached: the hook kills it */
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    RV_CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
    unsigned char *now = NULL;
    size_t now_len = 0;
    RV_CHECK(read_all(snap, &now, &now_len) == 0);
    RV_CHECK(now_len == old_len && memcmp(now, old, old_len) == 0); /* untouched */
    free(now);
    rv_corpus fresh = {0};
    RV_CHECK(fresh_plain(&s, &fresh) == 0);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(!mapped);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    /* The current snapshot replaced by the old one again. */
    RV_CHECK(write_all_file(snap, old, old_len) == 0);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(!mapped);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(mapped);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
    free(old);
    free(snap);
    scratch_close(&s);
}

typedef enum {
    FLIP_STRING,
    FLIP_VECTOR,
    TRUNCATE,
    GARBAGE_HEADER,
    EMPTY_FILE,
    OFFSET_OUT_OF_RANGE,
    STRINGS_UNTERMINATED,
    COUNT_TOO_BIG,
    WRONG_DIM,
    NDAMAGE
} damage;

static const char *const g_damage_names[NDAMAGE] = {"flip-string",    "flip-vector",   "truncate",
                                                    "garbage-header", "empty-file",    "offset-out",
                                                    "unterminated",   "count-too-big", "wrong-dim"};

static void do_damage(unsigned char *b, size_t *len, damage d) {
    uint64_t count = get64(b, 32), rec_off = get64(b, 40), str_off = get64(b, 56),
             str_len = get64(b, 64);
    switch (d) {
    case FLIP_STRING: b[str_off + str_len / 2] ^= 0x20; break;
    case FLIP_VECTOR: b[*len - 5] ^= 0x01; break;
    case TRUNCATE: *len = *len / 2; break;
    case GARBAGE_HEADER:
        for (size_t i = 0; i < 128; i++)
            b[i] = (unsigned char)(i * 37 + 11);
        break;
    case EMPTY_FILE: *len = 0; break;
    case OFFSET_OUT_OF_RANGE: { /* the last record's content, past the strings */
        uint32_t off = (uint32_t)str_len + 7;
        memcpy(b + rec_off + (count - 1) * 32 + 28, &off, 4);
        reseal(b, *len);
        break;
    }
    case STRINGS_UNTERMINATED:
        b[str_off + str_len - 1] = 'x';
        reseal(b, *len);
        break;
    case COUNT_TOO_BIG: {
        uint64_t big = count + 1;
        memcpy(b + 32, &big, 8);
        break;
    }
    case WRONG_DIM: { /* sealed, same generation, vectors of another size */
        uint64_t dim = FAKE_DIM / 2;
        memcpy(b + 24, &dim, 8);
        break;
    }
    case NDAMAGE: break;
    }
}

RV_TEST(damaged_snapshot_is_ignored_and_rewritten) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    char *snap = snap_path_of(&p);
    rv_corpus c = {0}, ref = {0};
    int mapped;
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    rv_corpus_free(&c);
    RV_CHECK(store_corpus(&p, &ref) == 0);
    unsigned char *good = NULL;
    size_t good_len = 0;
    RV_CHECK(read_all(snap, &good, &good_len) == 0);
    RV_CHECK(good_len > 128);
    for (int d = 0; d < NDAMAGE && good; d++) {
        unsigned char *b = malloc(good_len);
        size_t len = good_len;
        memcpy(b, good, good_len);
        do_damage(b, &len, (damage)d);
        RV_CHECK(write_all_file(snap, b, len) == 0);
        free(b);
        RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
        RV_CHECK_MSG(!mapped, "%s: the damaged snapshot was used", g_damage_names[d]);
        RV_CHECK_MSG(corpus_equal(&c, &ref), "%s", g_damage_names[d]);
        rv_corpus_free(&c);
        /* ...and rewritten from the store: the next run takes it. */
        RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
        RV_CHECK_MSG(mapped, "%s: not rewritten", g_damage_names[d]);
        RV_CHECK_MSG(corpus_equal(&c, &ref), "%s", g_damage_names[d]);
        rv_corpus_free(&c);
    }
    free(good);
    rv_corpus_free(&ref);
    free(snap);
    scratch_close(&s);
}

/* Damage inside SQLite that leaves the generation as it was: the verified
 * snapshot still answers (correctly), and the next write, which reads the
 * store, finds the damage and rebuilds. */
RV_TEST(store_damage_behind_a_valid_snapshot) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    rv_corpus c = {0}, ref = {0}, fresh = {0};
    int mapped;
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    rv_corpus_free(&c);
    RV_CHECK(store_corpus(&p, &ref) == 0);
    RV_CHECK(exec_sql(&p, "UPDATE chunks SET vector = zeroblob(length(vector)) WHERE id = "
                          "(SELECT min(id) + 2 FROM chunks)"));
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(mapped);
    RV_CHECK(corpus_equal(&c, &ref));
    rv_corpus_free(&c);
    put_file(&s, "pkg0/late.py", "def late():\n    return 1\n");
    age_file(&s, "pkg0/late.py", 1800);
    notes n = {0};
    p.note = collect_note;
    p.note_user = &n;
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(!mapped);
    RV_CHECK_MSG(strstr(n.text, "corrupt") && strstr(n.text, "rebuilding"), "notes: %s", n.text);
    RV_CHECK(fresh_plain(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    rv_corpus_free(&ref);
    rv_corpus_free(&fresh);
    scratch_close(&s);
}

/* An index from before generations gets one at its next update (which
 * reads the store); from then on its snapshot is used. */
RV_TEST(index_without_generation) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    rv_corpus c = {0}, ref = {0};
    int mapped;
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    rv_corpus_free(&c);
    uint64_t g = generation_of(&p);
    RV_CHECK(exec_sql(&p, "DELETE FROM meta WHERE key = 'generation'"));
    RV_CHECK(generation_of(&p) == 0);
    RV_CHECK(store_corpus(&p, &ref) == 0);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(!mapped); /* the old snapshot (of generation g) is not taken */
    RV_CHECK(corpus_equal(&c, &ref));
    rv_corpus_free(&c);
    RV_CHECK(generation_of(&p) != 0 && generation_of(&p) != g);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(mapped);
    RV_CHECK(corpus_equal(&c, &ref));
    rv_corpus_free(&c);
    /* A damaged generation value counts as none. */
    RV_CHECK(exec_sql(&p, "UPDATE meta SET value = 'zz' WHERE key = 'generation'"));
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(!mapped);
    RV_CHECK(corpus_equal(&c, &ref));
    rv_corpus_free(&c);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(mapped);
    rv_corpus_free(&c);
    rv_corpus_free(&ref);
    scratch_close(&s);
}

/* A file written just now is stored RACY and healed by the next run (a
 * write): no snapshot is saved meanwhile, or every query in the seconds
 * after an edit would write one only to find it stale. */
RV_TEST(racy_files_defer_the_snapshot) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    put_file(&s, "fresh.py", "def fresh():\n    return 0\n"); /* mtime: now */
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    char *snap = snap_path_of(&p);
    rv_corpus c = {0}, fresh = {0};
    int mapped;
    for (int i = 0; i < 2; i++) {
        RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
        RV_CHECK(!mapped);
        RV_CHECK_MSG(access(snap, F_OK) != 0, "run %d saved a snapshot", i);
        rv_corpus_free(&c);
    }
    age_file(&s, "fresh.py", 3600);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK); /* heals it, settled: saves */
    rv_corpus_free(&c);
    RV_CHECK(access(snap, F_OK) == 0);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(mapped);
    RV_CHECK(fresh_plain(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
    free(snap);
    scratch_close(&s);
}

RV_TEST(clear_and_rebuild_drop_the_snapshot) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    char *snap = snap_path_of(&p);
    rv_corpus c = {0};
    int mapped;
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    rv_corpus_free(&c);
    RV_CHECK(access(snap, F_OK) == 0);
    /* rebuild: the store starts over with a new generation */
    uint64_t g = generation_of(&p);
    rv_index_params r = p;
    r.mode = RV_INDEX_REBUILD;
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&r, &st, &c), RV_OK);
    RV_CHECK(c.backing == NULL);
    RV_CHECK(st.files_added == st.files_seen && st.files_added >= NFILES);
    RV_CHECK(generation_of(&p) != g);
    rv_corpus_free(&c);
    /* clear: the index and its snapshot are gone */
    rv_index *idx = NULL;
    RV_CHECK_EQ_INT(rv_index_open(&idx, NULL, &p), RV_OK);
    RV_CHECK_EQ_INT(rv_index_clear(idx), RV_OK);
    rv_index_close(idx);
    RV_CHECK_MSG(access(snap, F_OK) != 0, "%s survived the clear", snap);
    /* a corrupt store is rebuilt from scratch: the snapshot goes with it */
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    rv_corpus_free(&c);
    RV_CHECK(access(snap, F_OK) == 0);
    uint64_t g0 = generation_of(&p);
    char *db = NULL;
    RV_CHECK(rv_index_locate(&db, p.model_id, &p) == RV_OK);
    FILE *f = db ? fopen(db, "r+b") : NULL;
    RV_CHECK(f != NULL);
    if (f) {
        fputs("not a database", f);
        fclose(f);
    }
    rv_corpus fresh = {0};
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    /* the old snapshot is never taken for the rebuilt store; the embedding
     * pass saved one of the new generation, which a search may map */
    RV_CHECK(c.generation != g0 && c.generation == generation_of(&p));
    RV_CHECK(fresh_plain(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
    free(db);
    free(snap);
    scratch_close(&s);
}

RV_TEST(empty_index_snapshot) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    fake_embedder fe = {0};
    rv_index_params p = plain_params(&s, &fe);
    rv_corpus c = {0};
    int mapped;
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK_EQ_INT(c.chunks.count, 0);
    rv_corpus_free(&c);
    RV_CHECK_EQ_INT(run_once(&p, &c, &mapped), RV_OK);
    RV_CHECK(mapped);
    RV_CHECK_EQ_INT(c.chunks.count, 0);
    rv_corpus_free(&c);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(snapshot_equals_store_and_is_used_when_unchanged);
    RV_RUN(every_write_bumps_generation_and_stale_snapshot_is_not_used);
    RV_RUN(snapshot_of_another_generation_is_ignored);
    RV_RUN(damaged_snapshot_is_ignored_and_rewritten);
    RV_RUN(store_damage_behind_a_valid_snapshot);
    RV_RUN(index_without_generation);
    RV_RUN(racy_files_defer_the_snapshot);
    RV_RUN(clear_and_rebuild_drop_the_snapshot);
    RV_RUN(empty_index_snapshot);
    return rv_test_summary();
}
