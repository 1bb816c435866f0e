/* Answering at once (rv_index_corpus_now, issue 22): before and while the
 * index is brought up to date, the corpus holds every walked file — stored
 * chunks with their vectors where the file is unchanged, fresh chunks with
 * zero vectors where it is not embedded yet — and nothing is written. */
#include "test_index_common.h"

static int zero_row(const float *v, size_t dim) {
    for (size_t k = 0; k < dim; k++)
        if (v[k] != 0) return 0;
    return 1;
}

/* Every chunk of `want` (a complete index's corpus) is in `now`, with the
 * same vector, or with a zero row when its file is in `pending`. */
static int same_chunks(const rv_corpus *now, const rv_corpus *want, const char *const *pending) {
    if (now->chunks.count != want->chunks.count) {
        printf("  %zu chunks, want %zu\n", now->chunks.count, want->chunks.count);
        return 0;
    }
    for (size_t i = 0; i < want->chunks.count; i++) {
        const rv_chunk *w = &want->chunks.items[i];
        int is_pending = 0;
        for (const char *const *p = pending; *p; p++)
            is_pending |= strcmp(*p, w->path) == 0;
        size_t j = 0;
        for (; j < now->chunks.count; j++) {
            const rv_chunk *c = &now->chunks.items[j];
            if (strcmp(c->path, w->path) == 0 && c->start_line == w->start_line &&
                strcmp(c->content, w->content) == 0)
                break;
        }
        if (j == now->chunks.count) {
            printf("  missing %s:%d\n", w->path, w->start_line);
            return 0;
        }
        const float *v = now->vectors + j * now->dim;
        if (is_pending ? !zero_row(v, now->dim)
                       : memcmp(v, want->vectors + i * want->dim, now->dim * sizeof *v) != 0) {
            printf("  %s:%d: wrong vector\n", w->path, w->start_line);
            return 0;
        }
    }
    return 1;
}

static rv_status now_of(const rv_index_params *p, rv_corpus *c, size_t *files, size_t *chunks) {
    rv_index *idx = NULL;
    rv_status st = rv_index_open(&idx, NULL, p);
    if (st == RV_OK) st = rv_index_corpus_now(idx, NULL, c, files, chunks);
    rv_index_close(idx);
    return st;
}

static int64_t stored_files(const rv_index_params *p) {
    rv_index_params q = *p;
    q.mode = RV_INDEX_INSPECT;
    rv_index *idx = NULL;
    rv_index_info info;
    int64_t n = -1;
    if (rv_index_open(&idx, NULL, &q) == RV_OK && rv_index_status(idx, &info) == RV_OK)
        n = info.files;
    rv_index_close(idx);
    return n;
}

RV_TEST(answer_now_covers_every_file_and_writes_nothing) {
    scratch s;
    RV_CHECK(scratch_open(&s) == 0);
    put_module(&s, "a.py", 4, 0, 0);
    put_module(&s, "b.py", 3, 1, 1);
    put_module(&s, "c.py", 2, 0, 2);
    const char *rels[] = {"a.py", "b.py", "c.py"};
    age_tree(&s, rels, 3, 3600);
    fake_embedder fe = {0};
    rv_index_params p = params_for(&s, &fe);
    rv_corpus now = {0}, full = {0};
    size_t files = 0, chunks = 0;

    /* nothing embedded yet: everything pending, by keywords */
    RV_CHECK_EQ_INT(now_of(&p, &now, &files, &chunks), RV_OK);
    RV_CHECK_EQ_INT(files, 3);
    RV_CHECK_EQ_INT(chunks, now.chunks.count);
    RV_CHECK_EQ_INT(fe.texts, 0);
    RV_CHECK_EQ_INT(stored_files(&p), 0);
    RV_CHECK(fresh_corpus(&s, &full) == 0);
    const char *all[] = {"a.py", "b.py", "c.py", NULL};
    RV_CHECK(same_chunks(&now, &full, all));
    rv_corpus_free(&now);
    rv_corpus_free(&full);

    /* complete: the committed corpus itself */
    RV_CHECK_EQ_INT(index_once(&p, NULL, &full), RV_OK);
    RV_CHECK_EQ_INT(now_of(&p, &now, &files, &chunks), RV_OK);
    RV_CHECK_EQ_INT(files, 0);
    RV_CHECK(now.generation != 0);
    RV_CHECK(corpus_equal(&now, &full));
    rv_corpus_free(&now);
    rv_corpus_free(&full);

    /* edited, added, removed, touched: only the first two are pending */
    put_module(&s, "b.py", 3, 1, 99);
    put_module(&s, "d.py", 2, 1, 5);
    del_file(&s, "c.py");
    age_file(&s, "a.py", 60); /* same content, new mtime */
    RV_CHECK_EQ_INT(now_of(&p, &now, &files, &chunks), RV_OK);
    RV_CHECK_EQ_INT(files, 2);
    size_t before = fe.texts;
    RV_CHECK_EQ_INT(index_once(&p, NULL, &full), RV_OK);
    RV_CHECK(fe.texts > before);
    const char *changed[] = {"b.py", "d.py", NULL};
    RV_CHECK(same_chunks(&now, &full, changed));
    rv_corpus_free(&now);
    rv_corpus_free(&full);
    scratch_close(&s);
}

int main(void) {
    RV_RUN(answer_now_covers_every_file_and_writes_nothing);
    return rv_test_summary();
}
