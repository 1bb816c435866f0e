/* The ingest pipeline (src/ingest/) on its own: the in-memory sink, the
 * freshness question, and vectors that do not depend on how texts were
 * sliced for the embedder. A fake embedder; no model. */
#include "ingest/ingest.h"
#include "test_index_common.h"

static rv_status run_memory(const scratch *s, fake_embedder *fe, size_t slice,
                            rv_ingest_memory *m, rv_ingest_stats *st) {
    memset(m, 0, sizeof *m);
    rv_ingest_sink sink = rv_ingest_memory_sink(m);
    rv_ingest_params p = rv_ingest_default_params();
    p.root = s->root;
    p.embed = fake_embed;
    p.embed_user = fe;
    p.dim = FAKE_DIM;
    p.embed_slice = slice;
    p.walk_order = 1;
    rv_status rc = rv_ingest_run(&p, &sink, st);
    rv_ingest_memory_seal(m);
    return rc;
}

static int is_fresh(const scratch *s, rv_ingest_memory *m) {
    rv_ingest_sink sink = rv_ingest_memory_sink(m);
    rv_ingest_params p = rv_ingest_default_params();
    p.root = s->root;
    int fresh = -1;
    RV_CHECK_EQ_INT(rv_ingest_check(&p, &sink, &fresh), RV_OK);
    return fresh;
}

RV_TEST(memory_sink_collects_every_file) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    put_module(&s, "a.py", 4, 0, 0);
    put_module(&s, "sub/b.py", 3, 1, 7);
    put_file(&s, "empty.txt", "%s", "");
    fake_embedder fe = {0};
    rv_ingest_memory m;
    rv_ingest_stats st;
    RV_CHECK_EQ_INT(run_memory(&s, &fe, 0, &m, &st), RV_OK);
    RV_CHECK_EQ_INT(m.nfiles, 3);
    RV_CHECK_EQ_INT(st.files_added, 3);
    RV_CHECK(m.corpus.chunks.count >= 2);
    RV_CHECK(m.corpus.vectors != NULL && m.corpus.dim == FAKE_DIM);
    /* identical texts share one embedding */
    RV_CHECK_EQ_INT(st.chunks_embedded + st.chunks_reused, m.corpus.chunks.count);
    RV_CHECK_EQ_INT(fe.texts, st.chunks_embedded);
    rv_ingest_memory_clear(&m);
    scratch_close(&s);
}

RV_TEST(freshness_follows_the_tree) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    put_module(&s, "a.py", 4, 0, 0);
    put_module(&s, "b.py", 2, 0, 0);
    const char *rels[] = {"a.py", "b.py"};
    age_tree(&s, rels, 2, 3600);
    fake_embedder fe = {0};
    rv_ingest_memory m;
    rv_ingest_stats st;
    RV_CHECK_EQ_INT(run_memory(&s, &fe, 0, &m, &st), RV_OK);
    RV_CHECK_EQ_INT(is_fresh(&s, &m), 1);
    put_module(&s, "a.py", 4, 2, 5); /* edited */
    RV_CHECK_EQ_INT(is_fresh(&s, &m), 0);
    rv_ingest_memory_clear(&m);
    RV_CHECK_EQ_INT(run_memory(&s, &fe, 0, &m, &st), RV_OK);
    age_file(&s, "a.py", 3600);
    rv_ingest_memory_clear(&m);
    RV_CHECK_EQ_INT(run_memory(&s, &fe, 0, &m, &st), RV_OK);
    RV_CHECK_EQ_INT(is_fresh(&s, &m), 1);
    put_module(&s, "c.py", 1, 0, 0); /* added */
    RV_CHECK_EQ_INT(is_fresh(&s, &m), 0);
    del_file(&s, "c.py");
    RV_CHECK_EQ_INT(is_fresh(&s, &m), 1);
    del_file(&s, "b.py"); /* removed */
    RV_CHECK_EQ_INT(is_fresh(&s, &m), 0);
    rv_ingest_memory_clear(&m);
    scratch_close(&s);
}

RV_TEST(slicing_does_not_change_vectors) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    for (int i = 0; i < 6; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "m%d.py", i);
        put_module(&s, rel, 5 + i, i, i * 13);
    }
    fake_embedder fe1 = {0}, fe2 = {0};
    rv_ingest_memory whole, sliced;
    rv_ingest_stats st1, st2;
    RV_CHECK_EQ_INT(run_memory(&s, &fe1, 0, &whole, &st1), RV_OK);
    RV_CHECK_EQ_INT(run_memory(&s, &fe2, 3, &sliced, &st2), RV_OK);
    RV_CHECK(fe2.calls > fe1.calls);
    RV_CHECK(corpus_equal(&whole.corpus, &sliced.corpus));
    rv_ingest_memory_clear(&whole);
    rv_ingest_memory_clear(&sliced);
    scratch_close(&s);
}

/* A memory sink that also records each commit's files and chunk count. */
typedef struct recorder {
    rv_ingest_memory mem;
    rv_ingest_sink inner;
    char log[8192];
    size_t len;
} recorder;

static rv_status rec_commit(void *self, rv_ingest_batch *b) {
    recorder *r = self;
    r->len += (size_t)snprintf(r->log + r->len, sizeof r->log - r->len, "[%zu:", b->chunks.count);
    for (size_t i = 0; i < b->nfiles && r->len < sizeof r->log; i++)
        r->len += (size_t)snprintf(r->log + r->len, sizeof r->log - r->len, " %s", b->files[i].rel);
    if (r->len < sizeof r->log)
        r->len += (size_t)snprintf(r->log + r->len, sizeof r->log - r->len, "]");
    return r->inner.commit(r->inner.self, b);
}

static rv_status run_threads(const scratch *s, int threads, recorder *r) {
    memset(r, 0, sizeof *r);
    r->inner = rv_ingest_memory_sink(&r->mem);
    rv_ingest_sink sink = {.self = r, .commit = rec_commit};
    fake_embedder fe = {0};
    rv_ingest_params p = rv_ingest_default_params();
    p.root = s->root;
    p.embed = fake_embed;
    p.embed_user = &fe;
    p.dim = FAKE_DIM;
    p.batch_chunks = 7;
    p.threads = threads;
    return rv_ingest_run(&p, &sink, NULL);
}

/* Reading and chunking on several threads changes nothing: the same
 * batches of the same files, the same chunks in the same order. */
RV_TEST(threads_do_not_change_batches_or_chunks) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    for (int i = 0; i < 70; i++) { /* more files than one window of 2 threads */
        char rel[32];
        snprintf(rel, sizeof rel, "d%d/m%02d.py", i % 3, i);
        put_module(&s, rel, 1 + i % 5, i % 4, i);
    }
    put_file(&s, "notes.md", "# Title\n\nSome text.\n\n## More\n\nOther text.\n");
    recorder one, two, many;
    RV_CHECK_EQ_INT(run_threads(&s, 1, &one), RV_OK);
    RV_CHECK_EQ_INT(run_threads(&s, 2, &two), RV_OK);
    RV_CHECK_EQ_INT(run_threads(&s, 5, &many), RV_OK);
    RV_CHECK(one.mem.corpus.chunks.count > 70);
    RV_CHECK(strchr(one.log + 1, '[') != NULL); /* several batches */
    RV_CHECK_STR(one.log, two.log);
    RV_CHECK_STR(one.log, many.log);
    RV_CHECK(corpus_equal(&one.mem.corpus, &two.mem.corpus));
    RV_CHECK(corpus_equal(&one.mem.corpus, &many.mem.corpus));
    rv_ingest_memory_clear(&one.mem);
    rv_ingest_memory_clear(&two.mem);
    rv_ingest_memory_clear(&many.mem);
    scratch_close(&s);
}

/* An index built with one thread and one built with four hold the same rows. */
RV_TEST(index_threads_same_rows) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    for (int i = 0; i < 40; i++) {
        char rel[32];
        snprintf(rel, sizeof rel, "pkg/m%02d.py", i);
        put_module(&s, rel, 2 + i % 3, i % 2, i);
    }
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    p.threads = 1;
    rv_corpus a = {0}, b = {0};
    RV_CHECK_EQ_INT(index_once(&p, NULL, &a), RV_OK);
    char cache[400];
    snprintf(cache, sizeof cache, "%s/four-XXXXXX", s.dir);
    RV_CHECK(mkdtemp(cache) != NULL);
    p.cache_dir = cache;
    p.threads = 4;
    RV_CHECK_EQ_INT(index_once(&p, NULL, &b), RV_OK);
    RV_CHECK(a.chunks.count > 40);
    RV_CHECK(corpus_equal(&a, &b));
    rv_corpus_free(&a);
    rv_corpus_free(&b);
    scratch_close(&s);
}

/* The run's chunk total scales by the bytes read, not the files: the first
 * files read (search results, source) may be the big ones. */
RV_TEST(chunk_estimate_scales_by_bytes_then_files) {
    rv_progress p = {.files_done = 2, .files_total = 57, .chunks_done = 100, .chunks_total = 365,
                     .bytes_done = 150000, .bytes_total = 800000};
    RV_CHECK_EQ_INT((int)rv_progress_chunks_estimate(&p), 1947); /* 365 * 800000 / 150000 */
    p.bytes_done = p.bytes_total = 0; /* no byte counts (an older record): by files */
    RV_CHECK_EQ_INT((int)rv_progress_chunks_estimate(&p), 10403); /* 365 * 57 / 2 */
    p.files_done = p.files_total = 57; /* all read: what was chunked */
    RV_CHECK_EQ_INT((int)rv_progress_chunks_estimate(&p), 365);
    p.chunks_done = 400; /* never below what is embedded */
    RV_CHECK_EQ_INT((int)rv_progress_chunks_estimate(&p), 400);
}

int main(void) {
    RV_RUN(memory_sink_collects_every_file);
    RV_RUN(freshness_follows_the_tree);
    RV_RUN(slicing_does_not_change_vectors);
    RV_RUN(threads_do_not_change_batches_or_chunks);
    RV_RUN(index_threads_same_rows);
    RV_RUN(chunk_estimate_scales_by_bytes_then_files);
    return rv_test_summary();
}
