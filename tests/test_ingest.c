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

int main(void) {
    RV_RUN(memory_sink_collects_every_file);
    RV_RUN(freshness_follows_the_tree);
    RV_RUN(slicing_does_not_change_vectors);
    return rv_test_summary();
}
