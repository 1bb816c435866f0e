/* Chunks before vectors (issue 22): an update commits every file's chunks
 * first and embeds them afterwards, so a search meanwhile loads the whole
 * tree from the index (chunks without a vector rank by keywords) instead of
 * chunking it again; the keyword index's text generation survives commits
 * of vectors; and an index of the previous format (1) opens in place with
 * every vector kept. */
#include "test_index_common.h"

#include <sqlite3.h>

#define NMOD 6

static void make_tree(scratch *s) {
    for (int i = 0; i < NMOD; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "m%d.py", i);
        put_module(s, rel, 3 + i, 0, i);
        age_file(s, rel, 60); /* not racy: snapshots are saved */
    }
    put_file(s, "README.md", "# Notes\n\nHow the modules fit together.\n");
    age_file(s, "README.md", 60);
}

static rv_status failing_embed(void *user, const char *const *texts, const size_t *lens, size_t n,
                               float *out) {
    (void)texts, (void)lens, (void)n, (void)out;
    (*(int *)user)++;
    return rv_error_set(RV_ERR_IO, "embedder down");
}

static int zero_row(const float *v, size_t dim) {
    for (size_t k = 0; k < dim; k++)
        if (v[k] != 0) return 0;
    return 1;
}

static void status_of(const rv_index_params *base, rv_index_info *info) {
    rv_index_params p = *base;
    p.mode = RV_INDEX_INSPECT;
    rv_index *idx = NULL;
    memset(info, 0, sizeof *info);
    RV_CHECK_EQ_INT(rv_index_open(&idx, NULL, &p), RV_OK);
    if (idx) RV_CHECK_EQ_INT(rv_index_status(idx, info), RV_OK);
    rv_index_close(idx);
}

static rv_status now_of(const rv_index_params *p, rv_corpus *c, size_t *files, size_t *chunks) {
    rv_index *idx = NULL;
    rv_status st = rv_index_open(&idx, NULL, p);
    if (st == RV_OK) st = rv_index_corpus_now(idx, NULL, c, files, chunks);
    rv_index_close(idx);
    return st;
}

RV_TEST(chunks_are_committed_before_vectors) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    rv_corpus fresh = {0};
    RV_CHECK(fresh_corpus(&s, &fresh) == 0);
    size_t total = fresh.chunks.count;
    RV_CHECK(total > 10);

    /* The embedder fails at its first batch: every chunk is stored anyway. */
    int calls = 0;
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    p.embed = failing_embed;
    p.embed_user = &calls;
    RV_CHECK_EQ_INT(index_once(&p, NULL, NULL), RV_ERR_IO);
    RV_CHECK_EQ_INT(calls, 1);
    rv_index_info info;
    status_of(&p, &info);
    RV_CHECK_MSG(info.consistent, "%s", info.problem);
    RV_CHECK_EQ_INT(info.files, NMOD + 1);
    RV_CHECK_EQ_INT(info.chunks, 0); /* embedded: none */
    RV_CHECK_EQ_INT(info.chunks_stored, (int64_t)total); /* stored: all */

    /* Answering at once reads it all from the index: nothing is chunked
     * again (the committed corpus as it is, with its generations). */
    p.embed = fake_embed;
    p.embed_user = &fe;
    p.load_embed_text = 0;
    rv_corpus now = {0};
    size_t fp = 0, cp = 0;
    RV_CHECK_EQ_INT(now_of(&p, &now, &fp, &cp), RV_OK);
    RV_CHECK_EQ_INT(now.chunks.count, total);
    RV_CHECK_EQ_INT(fp, NMOD + 1);
    RV_CHECK_EQ_INT(cp, total);
    RV_CHECK(now.generation != 0 && now.text_generation != 0);
    for (size_t i = 0; i < now.chunks.count; i++) {
        RV_CHECK(zero_row(now.vectors + i * now.dim, now.dim));
        RV_CHECK(strcmp(now.chunks.items[i].path, fresh.chunks.items[i].path) == 0);
        RV_CHECK(strcmp(now.chunks.items[i].content, fresh.chunks.items[i].content) == 0);
    }
    uint64_t tgen = now.text_generation, gen = now.generation;
    rv_corpus_free(&now);

    /* An edited file alone is chunked again; the rest still waits. */
    put_module(&s, "m2.py", 5, 1, 2);
    age_file(&s, "m2.py", 60);
    RV_CHECK_EQ_INT(now_of(&p, &now, &fp, &cp), RV_OK);
    RV_CHECK_EQ_INT(now.generation, 0);
    RV_CHECK_EQ_INT(fp, NMOD + 1);
    rv_corpus_free(&now);
    put_module(&s, "m2.py", 3 + 2, 0, 2);
    age_file(&s, "m2.py", 60);

    /* The next update embeds what waits, re-chunking nothing; vectors
     * alone keep the text generation. */
    p.load_embed_text = 1;
    rv_index_stats st;
    rv_corpus c = {0};
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    RV_CHECK(st.chunks_embedded > 0 && st.chunks_embedded <= total);
    RV_CHECK(corpus_equal(&c, &fresh));
    RV_CHECK(c.generation != gen);
    /* m2.py is back as it was: only its stat is healed, its texts stay */
    RV_CHECK_EQ_INT(c.text_generation, tgen);
    uint64_t tgen2 = c.text_generation;
    rv_corpus_free(&c);
    status_of(&p, &info);
    RV_CHECK_EQ_INT(info.chunks, (int64_t)total);
    RV_CHECK_EQ_INT(info.chunks_stored, (int64_t)total);

    /* Nothing left: an update writes nothing and keeps both generations. */
    RV_CHECK_EQ_INT(index_once(&p, &st, &c), RV_OK);
    RV_CHECK_EQ_INT(st.chunks_embedded, 0);
    RV_CHECK_EQ_INT(c.text_generation, tgen2);
    rv_corpus_free(&c);
    rv_corpus_free(&fresh);
    scratch_close(&s);
}

typedef struct chunked_seen {
    int calls;
    size_t chunks, with_vectors;
    uint64_t text_generation;
} chunked_seen;

static void on_chunked(void *user, const rv_corpus *c) {
    chunked_seen *cs = user;
    cs->calls++;
    cs->chunks = c->chunks.count;
    cs->text_generation = c->text_generation;
    cs->with_vectors = 0;
    for (size_t i = 0; i < c->chunks.count; i++)
        cs->with_vectors += !zero_row(c->vectors + i * c->dim, c->dim);
}

RV_TEST(vectors_alone_keep_the_text_generation) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    int calls = 0;
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    p.embed = failing_embed;
    p.embed_user = &calls;
    p.load_embed_text = 0;
    chunked_seen seen = {0};
    p.on_chunked = on_chunked; /* the searcher builds its keyword index there */
    p.on_chunked_user = &seen;
    RV_CHECK_EQ_INT(index_once(&p, NULL, NULL), RV_ERR_IO);
    RV_CHECK_EQ_INT(seen.calls, 1);
    RV_CHECK(seen.chunks > 10);
    RV_CHECK_EQ_INT(seen.with_vectors, 0);
    rv_corpus now = {0};
    size_t fp = 0, cp = 0;
    RV_CHECK_EQ_INT(now_of(&p, &now, &fp, &cp), RV_OK);
    uint64_t tgen = now.text_generation, gen = now.generation;
    RV_CHECK_EQ_INT(seen.text_generation, tgen);
    RV_CHECK_EQ_INT(seen.chunks, now.chunks.count);
    rv_corpus_free(&now);
    p.embed = fake_embed;
    p.embed_user = &fe;
    p.batch_chunks = 4; /* several commits of vectors */
    rv_corpus c = {0};
    RV_CHECK_EQ_INT(index_once(&p, NULL, &c), RV_OK);
    RV_CHECK(fe.calls > 1);
    RV_CHECK(c.generation != gen);
    RV_CHECK_EQ_INT(c.text_generation, tgen);
    RV_CHECK_EQ_INT(seen.calls, 2); /* the second run had vectors to embed */
    rv_corpus_free(&c);
    RV_CHECK_EQ_INT(index_once(&p, NULL, &c), RV_OK);
    RV_CHECK_EQ_INT(seen.calls, 2); /* nothing left to embed: not called */
    rv_corpus_free(&c);
    scratch_close(&s);
}

/* The embedding pass keeps the snapshot of each generation it commits: a
 * search meanwhile maps it, and it equals what the store holds (checked
 * after a kill in the middle and at the end). */
RV_TEST(embedding_pass_keeps_the_snapshot_current) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    rv_corpus fresh = {0};
    RV_CHECK(fresh_corpus(&s, &fresh) == 0);
    for (int round = 0; round < 2; round++) {
        fake_embedder fe = {.delay_us = 20000};
        if (round == 0) fe.crash_after_texts = (long)fresh.chunks.count / 2;
        rv_index_params p = params_for(&s, &fe);
        p.load_embed_text = 0;
        p.snapshot_share = 1; /* every batch, however slow this machine writes */
        p.batch_chunks = 4;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) _exit(index_once(&p, NULL, NULL) == RV_OK ? 0 : 1);
        int ws = 0;
        waitpid(pid, &ws, 0);
        RV_CHECK(round == 0 ? WIFSIGNALED(ws) : WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
        /* what a search loads (the snapshot) against the store's rows */
        rv_corpus now = {0}, stored = {0};
        size_t fp = 0, cp = 0;
        RV_CHECK_EQ_INT(now_of(&p, &now, &fp, &cp), RV_OK);
        RV_CHECK_MSG(now.backing != NULL, "round %d: not from the snapshot", round);
        rv_index_params q = p;
        q.load_embed_text = 1; /* bypasses the snapshot */
        rv_index *idx = NULL;
        RV_CHECK_EQ_INT(rv_index_open(&idx, NULL, &q), RV_OK);
        if (idx) RV_CHECK_EQ_INT(rv_index_corpus(idx, &stored), RV_OK);
        rv_index_close(idx);
        RV_CHECK_EQ_INT(now.chunks.count, stored.chunks.count);
        RV_CHECK_EQ_INT(now.generation, stored.generation);
        for (size_t i = 0; i < now.chunks.count && i < stored.chunks.count; i++)
            RV_CHECK(memcmp(now.vectors + i * now.dim, stored.vectors + i * now.dim,
                            now.dim * sizeof(float)) == 0);
        if (round == 0) RV_CHECK(cp > 0 && cp < fresh.chunks.count); /* part embedded */
        if (round == 1) RV_CHECK_EQ_INT(cp, 0);
        rv_corpus_free(&now);
        rv_corpus_free(&stored);
    }
    rv_corpus_free(&fresh);
    scratch_close(&s);
}

static int sql(const char *db_path, const char *text) {
    sqlite3 *db = NULL;
    int ok = sqlite3_open(db_path, &db) == SQLITE_OK &&
             sqlite3_exec(db, text, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

static int has_novec_index(const char *db_path) {
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int n = -1;
    if (sqlite3_open(db_path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM sqlite_master WHERE name = 'chunks_novec'", -1,
                           &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* Format 1 (the previous one) is format 2 without vector-less chunks, the
 * chunks_novec index and the text generation: such a file is written by
 * taking those away from a complete index. It opens in place, embedding
 * nothing and keeping its generation (so its snapshot and keyword index). */
RV_TEST(previous_format_opens_in_place_keeping_vectors) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    make_tree(&s);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_corpus before = {0}, after = {0};
    RV_CHECK_EQ_INT(index_once(&p, NULL, &before), RV_OK);
    char *path = NULL;
    RV_CHECK_EQ_INT(rv_index_locate(&path, p.model_id, &p), RV_OK);
    RV_CHECK(path && sql(path, "DROP INDEX chunks_novec;"
                               "DELETE FROM meta WHERE key = 'text_generation';"
                               "UPDATE meta SET value = '1' WHERE key = 'format_version';"));
    RV_CHECK_EQ_INT(has_novec_index(path), 0);
    /* read-only inspection reads it as it is */
    rv_index_info info;
    status_of(&p, &info);
    RV_CHECK_MSG(info.consistent, "%s", info.problem);
    RV_CHECK_EQ_INT(info.format_version, 1);
    RV_CHECK_EQ_INT(info.chunks, (int64_t)before.chunks.count);
    RV_CHECK_EQ_INT(info.chunks_stored, (int64_t)before.chunks.count);
    /* a writer migrates it: nothing embedded, every vector kept */
    notes n = {0};
    p.note = collect_note;
    p.note_user = &n;
    size_t texts = fe.texts;
    rv_index_stats st;
    RV_CHECK_EQ_INT(index_once(&p, &st, &after), RV_OK);
    RV_CHECK_EQ_INT(fe.texts, texts);
    RV_CHECK_EQ_INT(st.files_added, 0);
    RV_CHECK_EQ_INT(st.chunks_embedded, 0);
    RV_CHECK_MSG(!strstr(n.text, "rebuilding"), "%s", n.text);
    RV_CHECK(corpus_equal(&before, &after));
    RV_CHECK_EQ_INT(after.generation, before.generation);
    RV_CHECK_EQ_INT(after.text_generation, before.generation);
    RV_CHECK_EQ_INT(has_novec_index(path), 1);
    status_of(&p, &info);
    RV_CHECK_EQ_INT(info.format_version, 2);
    RV_CHECK(info.consistent);
    free(path);
    rv_corpus_free(&before);
    rv_corpus_free(&after);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(chunks_are_committed_before_vectors);
    RV_RUN(vectors_alone_keep_the_text_generation);
    RV_RUN(embedding_pass_keeps_the_snapshot_current);
    RV_RUN(previous_format_opens_in_place_keeping_vectors);
    return rv_test_summary();
}
