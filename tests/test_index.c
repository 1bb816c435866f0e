/* The persistent index: incremental updates equal a fresh build, reuse,
 * stat healing, formats and models. Uses the fake embedder (no model). */
#include "test_index_common.h"
#include "index/index_int.h"

#include <sqlite3.h>

static const char *const g_base[] = {"a.py", "b.py", "notes.txt", "sub/d.py", "sub/deep/e.go"};

static void make_base(scratch *s) {
    put_module(s, "a.py", 4, -1, 0);
    put_module(s, "b.py", 12, -1, 0);
    put_file(s, "notes.txt", "Some notes about retry with exponential backoff.\nLine two.\n");
    put_module(s, "sub/d.py", 3, -1, 0);
    put_file(s, "sub/deep/e.go",
             "package e\n\nfunc Retry(n int) int {\n\treturn n * 2\n}\n\nfunc Other() {}\n");
    age_tree(s, g_base, sizeof g_base / sizeof g_base[0], 3600);
}

RV_TEST(first_update_indexes_everything) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    rv_corpus c = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    RV_CHECK_EQ_INT(st.files_seen, 5);
    RV_CHECK_EQ_INT(st.files_added, 5);
    RV_CHECK_EQ_INT(st.files_changed, 0);
    RV_CHECK(st.chunks_total > 0);
    RV_CHECK_EQ_INT(st.chunks_total, c.chunks.count);
    RV_CHECK_EQ_INT(st.chunks_embedded + st.chunks_reused, st.chunks_total);
    RV_CHECK_EQ_INT(fe.texts, st.chunks_embedded);
    RV_CHECK_EQ_INT(c.dim, FAKE_DIM);
    /* Sorted by path; every chunk's vector is what the embedder gives for it. */
    for (size_t i = 1; i < c.chunks.count; i++)
        RV_CHECK(strcmp(c.chunks.items[i - 1].path, c.chunks.items[i].path) <= 0);
    fake_embedder fe2 = {0};
    for (size_t i = 0; i < c.chunks.count; i++) {
        float v[FAKE_DIM];
        const char *t = c.chunks.items[i].embed_text;
        fake_embed(&fe2, &t, NULL, 1, v);
        RV_CHECK(memcmp(v, c.vectors + i * FAKE_DIM, sizeof v) == 0);
    }
    rv_corpus_free(&c);
    scratch_close(&s);
}

RV_TEST(unchanged_tree_embeds_nothing) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    size_t first = fe.texts;
    rv_corpus c = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    RV_CHECK_EQ_INT(fe.texts, first);
    RV_CHECK_EQ_INT(st.files_seen, 5);
    RV_CHECK_EQ_INT(st.files_added + st.files_changed + st.files_removed + st.files_touched, 0);
    RV_CHECK_EQ_INT(st.chunks_embedded, 0);
    RV_CHECK_EQ_INT(c.chunks.count, st.chunks_total);
    rv_corpus_free(&c);
    scratch_close(&s);
}

RV_TEST(add_modify_touch_rename_delete_equals_rebuild) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);

    put_module(&s, "b.py", 12, 2, 1); /* modify one function */
    age_file(&s, "b.py", 1800);
    age_file(&s, "notes.txt", 60); /* touch: same bytes, new mtime */
    mv_file(&s, "sub/d.py", "sub/renamed.py");
    del_file(&s, "a.py");
    put_file(&s, "new.py", "def brand_new():\n    return 42\n");
    age_file(&s, "new.py", 1800);
    size_t before = fe.texts;
    rv_corpus inc = {0}, fresh = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, &inc), RV_OK);
    RV_CHECK_EQ_INT(st.files_seen, 5);
    RV_CHECK_EQ_INT(st.files_changed, 1); /* b.py */
    RV_CHECK_EQ_INT(st.files_touched, 1); /* notes.txt */
    RV_CHECK_EQ_INT(st.files_added, 2);   /* sub/renamed.py, new.py */
    RV_CHECK_EQ_INT(st.files_removed, 2); /* a.py, sub/d.py */
    RV_CHECK(st.chunks_embedded >= 2);    /* at least b.py's change and new.py */
    RV_CHECK(st.chunks_reused >= 1);      /* b.py's untouched functions */
    RV_CHECK_EQ_INT(fe.texts - before, st.chunks_embedded);
    RV_CHECK(fresh_corpus(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&inc, &fresh));
    for (size_t i = 0; i < inc.chunks.count; i++) {
        RV_CHECK(strcmp(inc.chunks.items[i].path, "a.py") != 0);
        RV_CHECK(strcmp(inc.chunks.items[i].path, "sub/d.py") != 0);
    }
    rv_corpus_free(&inc);
    rv_corpus_free(&fresh);
    scratch_close(&s);
}

RV_TEST(changed_file_keeps_vectors_of_unchanged_chunks) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    put_module(&s, "big.py", 20, -1, 0);
    age_file(&s, "big.py", 3600);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    size_t total = st.chunks_total;
    RV_CHECK(total >= 2);
    put_module(&s, "big.py", 20, 7, 5); /* same line count, one body differs */
    age_file(&s, "big.py", 1800);
    size_t before = fe.texts;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_changed, 1);
    RV_CHECK(st.chunks_embedded >= 1);
    RV_CHECK_MSG(st.chunks_embedded < total, "embedded %zu of %zu", st.chunks_embedded, total);
    RV_CHECK_EQ_INT(st.chunks_embedded + st.chunks_reused, st.chunks_total);
    RV_CHECK_EQ_INT(fe.texts - before, st.chunks_embedded);
    scratch_close(&s);
}

RV_TEST(touched_file_is_healed_not_reembedded) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    size_t before = fe.texts;
    age_file(&s, "b.py", 100);
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_touched, 1);
    RV_CHECK_EQ_INT(st.files_changed, 0);
    RV_CHECK_EQ_INT(fe.texts, before);
    /* Healed: the next run takes the stat fast path and reads nothing. */
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_touched, 0);
    scratch_close(&s);
}

RV_TEST(recent_file_is_hashed_again_once) {
    /* A file written just now may change again within the same mtime tick
     * (same size, same stat): the next run must hash it before trusting its
     * stat. The tick is simulated by restoring the first mtime. */
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    put_file(&s, "fresh.py", "X = 1\n");
    age_file(&s, "fresh.py", 1);
    char path[1024];
    snprintf(path, sizeof path, "%s/fresh.py", s.root);
    struct stat sb;
    RV_CHECK(stat(path, &sb) == 0);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    rv_corpus c = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    put_file(&s, "fresh.py", "X = 2\n");
    struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
    RV_CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    RV_CHECK_EQ_INT(st.files_changed, 1);
    RV_CHECK(c.chunks.count >= 1 && strstr(c.chunks.items[0].content, "X = 2") != NULL);
    rv_corpus_free(&c);
    scratch_close(&s);
}

RV_TEST(empty_and_removed_everything) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    put_file(&s, "empty.py", "%s", "");
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_added, 6);
    for (size_t i = 0; i < sizeof g_base / sizeof g_base[0]; i++)
        del_file(&s, g_base[i]);
    del_file(&s, "empty.py");
    rv_corpus c = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    RV_CHECK_EQ_INT(st.files_removed, 6);
    RV_CHECK_EQ_INT(c.chunks.count, 0);
    rv_corpus_free(&c);
    scratch_close(&s);
}

/* Replaces `from` by `to` (same length) in root/rel, in place (same inode);
 * with keep_mtime the mtime is put back: a change only the bytes show. */
static int rewrite(const scratch *s, const char *rel, const char *from, const char *to, size_t n,
                   int keep_mtime) {
    char path[1024], buf[8192];
    struct stat before;
    snprintf(path, sizeof path, "%s/%s", s->root, rel);
    FILE *f = fopen(path, "r+b");
    if (!f || stat(path, &before) != 0) goto fail;
    size_t len = fread(buf, 1, sizeof buf, f);
    char *at = NULL;
    for (size_t i = 0; i + n <= len && !at; i++)
        if (memcmp(buf + i, from, n) == 0) at = buf + i;
    if (!at || fseek(f, at - buf, SEEK_SET) != 0 || fwrite(to, 1, n, f) != n) goto fail;
    if (fclose(f) != 0) return -1;
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    return keep_mtime ? utimensat(AT_FDCWD, path, ts, 0) : 0;
fail:
    if (f) fclose(f);
    return -1;
}

/* Replaces root/rel by a new file (new inode) of `text` with the old mtime,
 * as an editor's atomic save followed by a restored timestamp. */
static int replace_keep_mtime(const scratch *s, const char *rel, const char *text) {
    char path[1024], tmp[1100];
    struct stat before;
    snprintf(path, sizeof path, "%s/%s", s->root, rel);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (stat(path, &before) != 0) return -1;
    FILE *f = fopen(tmp, "wb");
    if (!f) return -1;
    fputs(text, f);
    fclose(f);
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    return utimensat(AT_FDCWD, tmp, ts, 0) || rename(tmp, path) ? -1 : 0;
}

RV_TEST(known_path_changes_equal_rebuild) {
    /* Unchanged files skip the walk's open and sniff (their stored stat
     * vouches for them); every kind of change must still be found. */
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    put_file(&s, "racy.py", "X = 1\n");
    age_file(&s, "racy.py", 1); /* stored RACY: written just now */
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_added, 6);
    char path[1024];
    snprintf(path, sizeof path, "%s/sub/deep/e.go", s.root);
    struct stat e_before;
    RV_CHECK(stat(path, &e_before) == 0);

    age_file(&s, "a.py", 60);                                           /* touched */
    RV_CHECK(rewrite(&s, "b.py", "VALUE_3 =", "VALUE_9 =", 9, 0) == 0); /* same size */
    age_file(&s, "b.py", 1700);
    RV_CHECK(rewrite(&s, "racy.py", "X = 1", "X = 2", 5, 1) == 0); /* same size and mtime */
    RV_CHECK(replace_keep_mtime(&s, "sub/deep/e.go",
                                "package e\n\nfunc Again(n int) int {\n\treturn n * 2\n}\n\n"
                                "func Other() {}\n") == 0); /* same size and mtime, new inode */
    struct stat e_after;
    RV_CHECK(stat(path, &e_after) == 0);
    RV_CHECK(e_after.st_size == e_before.st_size && e_after.st_ino != e_before.st_ino &&
             e_after.st_mtim.tv_sec == e_before.st_mtim.tv_sec &&
             e_after.st_mtim.tv_nsec == e_before.st_mtim.tv_nsec);
    put_file(&s, "new.py", "def brand_new():\n    return 42\n");
    age_file(&s, "new.py", 1700);
    del_file(&s, "notes.txt");
    mv_file(&s, "sub/d.py", "sub/moved.py");

    rv_corpus inc = {0}, fresh = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, &inc), RV_OK);
    RV_CHECK_EQ_INT(st.files_seen, 6);
    RV_CHECK_EQ_INT(st.files_touched, 1); /* a.py */
    RV_CHECK_EQ_INT(st.files_changed, 3); /* b.py, racy.py, sub/deep/e.go */
    RV_CHECK_EQ_INT(st.files_added, 2);   /* new.py, sub/moved.py */
    RV_CHECK_EQ_INT(st.files_removed, 2); /* notes.txt, sub/d.py */
    RV_CHECK(fresh_corpus(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&inc, &fresh));
    int saw_x2 = 0, saw_again = 0;
    for (size_t i = 0; i < inc.chunks.count; i++) {
        saw_x2 |= strstr(inc.chunks.items[i].content, "X = 2") != NULL;
        saw_again |= strstr(inc.chunks.items[i].content, "func Again") != NULL;
    }
    RV_CHECK(saw_x2 && saw_again);
    rv_corpus_free(&inc);

    /* Settled: the next run changes nothing and still equals the rebuild. */
    RV_CHECK_EQ_INT(index_once(&p, &st, &inc), RV_OK);
    RV_CHECK_EQ_INT(st.files_changed + st.files_added + st.files_removed, 0);
    RV_CHECK(corpus_equal(&inc, &fresh));
    rv_corpus_free(&inc);
    rv_corpus_free(&fresh);
    scratch_close(&s);
}

static void skip_note(void *user, const char *path, rv_walk_skip why, const char *detail) {
    notes *n = user;
    (void)detail;
    size_t len = strlen(n->text);
    snprintf(n->text + len, sizeof n->text - len, "%s:%s\n", strrchr(path, '/') + 1,
             rv_walk_skip_name(why));
    n->count++;
}

RV_TEST(stored_stat_vouches_for_content) {
    /* A file whose size, mtime and inode equal its stored row is not opened
     * by the walk, so bytes changed behind an unchanged stat go unseen (the
     * stat fast path's contract); a RACY row or a new mtime gets a look. */
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    put_file(&s, "racy.py", "X = 1\n");
    age_file(&s, "racy.py", 1);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    notes skips = {0};
    p.on_skip = skip_note;
    p.skip_user = &skips;
    rv_index_stats st;
    rv_corpus c = {0}, fresh = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    /* Both turn binary (a NUL), keeping size and mtime. */
    RV_CHECK(rewrite(&s, "notes.txt", "Some", "So\0e", 4, 1) == 0);
    RV_CHECK(rewrite(&s, "racy.py", "X", "\0", 1, 1) == 0);
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    /* notes.txt: not sniffed (no skip), kept as stored; racy.py: sniffed. */
    RV_CHECK_STR(skips.text, "racy.py:binary\n");
    RV_CHECK_EQ_INT(st.files_removed, 1);
    RV_CHECK_EQ_INT(st.files_changed + st.files_touched + st.files_added, 0);
    int saw_notes = 0;
    for (size_t i = 0; i < c.chunks.count; i++)
        saw_notes |= strstr(c.chunks.items[i].content, "exponential backoff") != NULL;
    RV_CHECK(saw_notes);
    rv_corpus_free(&c);
    /* Once its mtime moves, notes.txt is sniffed and dropped, as a rebuild
     * drops it. */
    age_file(&s, "notes.txt", 1700);
    skips.text[0] = 0;
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    RV_CHECK_EQ_INT(st.files_removed, 1);
    RV_CHECK(strstr(skips.text, "notes.txt:binary") != NULL);
    RV_CHECK(fresh_corpus(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&c, &fresh));
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
    scratch_close(&s);
}

static int set_meta(const char *db_path, const char *key, const char *value) {
    sqlite3 *db = NULL;
    int ok = sqlite3_open(db_path, &db) == SQLITE_OK;
    char *sql = sqlite3_mprintf("UPDATE meta SET value = %Q WHERE key = %Q", value, key);
    ok = ok && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK && sqlite3_changes(db) == 1;
    sqlite3_free(sql);
    sqlite3_close(db);
    return ok;
}

static char *index_path_of(const rv_index_params *p) {
    char *path = NULL;
    rv_index_locate(&path, p->model_id, p);
    return path;
}

RV_TEST(newer_format_is_refused_until_rebuild) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    RV_CHECK_EQ_INT(index_once(&p, NULL, NULL), RV_OK);
    char *path = index_path_of(&p);
    RV_CHECK(path != NULL);
    RV_CHECK(set_meta(path, "format_version", "99"));
    rv_index *idx = NULL;
    RV_CHECK_EQ_INT(rv_index_open(&idx, NULL, &p), RV_ERR_UNSUPPORTED);
    RV_CHECK(idx == NULL);
    RV_CHECK_MSG(strstr(rv_error_last(), "index format 99 is newer than this ripvec (2); run "
                                         "`ripvec index rebuild` or upgrade") != NULL,
                 "%s", rv_error_last());
    p.mode = RV_INDEX_REBUILD;
    rv_index_stats st;
    rv_corpus c = {0}, fresh = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    RV_CHECK_EQ_INT(st.files_added, 5);
    RV_CHECK(fresh_corpus(&s, &fresh) == 0);
    RV_CHECK(corpus_equal(&c, &fresh));
    p.mode = RV_INDEX_OPEN;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_added, 0);
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
    free(path);
    scratch_close(&s);
}

RV_TEST(older_format_and_model_change_rebuild) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    RV_CHECK_EQ_INT(index_once(&p, NULL, NULL), RV_OK);
    char *path = index_path_of(&p);
    /* Same file, other model identity (as when a model directory changes in place). */
    RV_CHECK(set_meta(path, "model_id", "some-other-model"));
    notes n = {0};
    p.note = collect_note;
    p.note_user = &n;
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_added, 5);
    RV_CHECK_MSG(strstr(n.text, "some-other-model") && strstr(n.text, "rebuilding"), "%s", n.text);
    RV_CHECK(set_meta(path, "dim", "16"));
    n.text[0] = 0;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_added, 5);
    RV_CHECK(strstr(n.text, "rebuilding") != NULL);
    RV_CHECK(set_meta(path, "format_version", "0"));
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_added, 5);
    /* A different model id gets its own file next to this one. */
    p.model_id = "another-model";
    char *other = index_path_of(&p);
    RV_CHECK(other && strcmp(other, path) != 0);
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    RV_CHECK_EQ_INT(st.files_added, 5);
    free(other);
    free(path);
    scratch_close(&s);
}

RV_TEST(chunker_change_rechunks_but_reuses_vectors) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    RV_CHECK_EQ_INT(index_once(&p, NULL, NULL), RV_OK);
    rv_chunk_params cp = rv_chunk_default_params();
    cp.window_lines += 7; /* a different chunker signature */
    rv_index *idx = NULL;
    rv_index_stats st;
    RV_CHECK_EQ_INT(rv_index_open(&idx, NULL, &p), RV_OK);
    RV_CHECK_EQ_INT(rv_index_update(idx, NULL, &cp, NULL, NULL, &st), RV_OK);
    RV_CHECK_EQ_INT(st.files_changed, 5);
    RV_CHECK(st.chunks_reused > 0);
    RV_CHECK_EQ_INT(rv_index_update(idx, NULL, &cp, NULL, NULL, &st), RV_OK);
    RV_CHECK_EQ_INT(st.files_changed, 0);
    rv_index_close(idx);
    scratch_close(&s);
    /* the chunker's version is part of the signature: raising it re-chunks */
    char sig[256], want[32];
    rv_index_chunker_sig(sig, sizeof sig, NULL);
    snprintf(want, sizeof want, "chunk v%d ", RV_CHUNK_VERSION);
    RV_CHECK_MSG(strncmp(sig, want, strlen(want)) == 0 && RV_CHUNK_VERSION > 0, "%s", sig);
}

RV_TEST(locations_cache_dir_and_repo_level) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    char *path = index_path_of(&p);
    RV_CHECK(path && strncmp(path, s.cache, strlen(s.cache)) == 0);
    RV_CHECK(path && strstr(path, "/indexes/tree-") != NULL);
    free(path);
    /* No cache_dir: an error naming it, whatever $RIPVEC_CACHE says (the
     * library reads no environment; the front end passes the cache root). */
    char env[400];
    snprintf(env, sizeof env, "%s/envcache", s.dir);
    setenv("RIPVEC_CACHE", env, 1);
    p.cache_dir = NULL;
    path = (char *)0x1;
    RV_CHECK_EQ_INT(rv_index_locate(&path, p.model_id, &p), RV_ERR_INVALID_ARG);
    RV_CHECK(path == NULL && strstr(rv_error_last(), "cache_dir") != NULL);
    rv_index_entry *list = NULL;
    size_t n = 1;
    RV_CHECK_EQ_INT(rv_index_list(&list, &n, NULL), RV_ERR_INVALID_ARG);
    RV_CHECK(list == NULL && n == 0);
    unsetenv("RIPVEC_CACHE");
    /* Repo level: <root>/.ripvec/, kept out of the walk, side files ignored. */
    p.repo_level = 1;
    p.walk = NULL;
    rv_walk_params wp = rv_walk_default_params();
    wp.hidden = 1; /* even when dot files are searched */
    p.walk = &wp;
    rv_index_stats st;
    rv_index *idx = NULL;
    RV_CHECK_EQ_INT(rv_index_open(&idx, NULL, &p), RV_OK);
    RV_CHECK(idx && strstr(rv_index_path(idx), "/tree/.ripvec/") != NULL);
    RV_CHECK_EQ_INT(rv_index_update(idx, NULL, NULL, NULL, NULL, &st), RV_OK);
    RV_CHECK_EQ_INT(st.files_seen, 5); /* .ripvec/ itself is never indexed */
    rv_index_close(idx);
    char gi[400];
    snprintf(gi, sizeof gi, "%s/.ripvec/.gitignore", s.root);
    RV_CHECK(access(gi, F_OK) == 0);
    scratch_close(&s);
}

RV_TEST(status_and_clear) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_base(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, NULL), RV_OK);
    p.mode = RV_INDEX_INSPECT;
    rv_index *idx = NULL;
    RV_CHECK_EQ_INT(rv_index_open(&idx, NULL, &p), RV_OK);
    rv_index_info info;
    RV_CHECK_EQ_INT(rv_index_status(idx, &info), RV_OK);
    RV_CHECK(info.consistent);
    RV_CHECK_EQ_INT(info.files, 5);
    RV_CHECK_EQ_INT(info.chunks, st.chunks_total);
    RV_CHECK_EQ_INT(info.format_version, 2);
    RV_CHECK_STR(info.model_id, "fake-model");
    RV_CHECK(info.updated >= info.created && info.created > 0);
    RV_CHECK_EQ_INT(rv_index_update(idx, NULL, NULL, NULL, NULL, NULL), RV_ERR_INVALID_ARG);
    char path[4096];
    snprintf(path, sizeof path, "%s", rv_index_path(idx));
    RV_CHECK_EQ_INT(rv_index_clear(idx), RV_OK);
    RV_CHECK(access(path, F_OK) != 0);
    rv_index_close(idx);
    idx = NULL;
    RV_CHECK_EQ_INT(rv_index_open(&idx, NULL, &p), RV_ERR_NOT_FOUND);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(first_update_indexes_everything);
    RV_RUN(unchanged_tree_embeds_nothing);
    RV_RUN(add_modify_touch_rename_delete_equals_rebuild);
    RV_RUN(changed_file_keeps_vectors_of_unchanged_chunks);
    RV_RUN(touched_file_is_healed_not_reembedded);
    RV_RUN(recent_file_is_hashed_again_once);
    RV_RUN(empty_and_removed_everything);
    RV_RUN(known_path_changes_equal_rebuild);
    RV_RUN(stored_stat_vouches_for_content);
    RV_RUN(newer_format_is_refused_until_rebuild);
    RV_RUN(older_format_and_model_change_rebuild);
    RV_RUN(chunker_change_rechunks_but_reuses_vectors);
    RV_RUN(locations_cache_dir_and_repo_level);
    RV_RUN(status_and_clear);
    return rv_test_summary();
}
