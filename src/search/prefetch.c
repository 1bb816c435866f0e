/* The query's forward pass, started before the index is refreshed.
 *
 * A warm search spends about as long loading the model and embedding the
 * query as it does opening the index, checking the files and loading the
 * keyword index, and the two do not depend on each other. So a lazy
 * searcher can load the model and embed the query on a thread of its own
 * while the caller refreshes. The thread works on its own model and context;
 * they become the searcher's only at the join, so until then the searcher
 * reads exactly as a lazy one that has not loaded its model yet. Whatever
 * needs the model first joins: an embedding during the refresh (a file
 * changed), the query, or close. A failed prefetch is dropped and the model
 * is then loaded the ordinary way, which reports the error. */
#include "search/internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rv_search_prefetch {
    pthread_t thread;
    char *text;
    /* filled by the thread */
    rv_model *model;
    rv_embed_ctx *ctx;
    float *vec;
    rv_status st;
    double load_ms, embed_ms;
    /* the searcher's settings (strings owned by s, which close keeps
     * alive until it has joined) */
    const char *model_dir, *device;
    rv_model_params mp;
    int threads;
};

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

rv_status rv_search_embed_query(rv_model *m, rv_embed_ctx *ctx, const char *text, float *out) {
    const char *prefix = rv_model_query_prefix(m);
    size_t pl = prefix ? strlen(prefix) : 0, tl = strlen(text);
    char *buf = malloc(pl + tl + 1);
    if (!buf) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    if (pl) memcpy(buf, prefix, pl);
    memcpy(buf + pl, text, tl + 1);
    const char *texts[1] = {buf};
    rv_status st = rv_embed_texts(ctx, texts, NULL, 1, out);
    free(buf);
    return st;
}

static void *prefetch_main(void *arg) {
    rv_search_prefetch *pf = arg;
    double t0 = now_ms();
    pf->st = rv_model_load(&pf->model, pf->model_dir, &pf->mp);
    if (pf->st != RV_OK) return NULL;
    rv_embed_params ep = rv_embed_default_params();
    ep.threads = pf->threads;
    if ((pf->st = rv_embed_ctx_create(&pf->ctx, pf->model, &ep)) != RV_OK) return NULL;
    double t1 = now_ms();
    pf->load_ms = t1 - t0;
    pf->vec = malloc(rv_model_dim(pf->model) * sizeof *pf->vec);
    if (!pf->vec) {
        pf->st = RV_ERR_NOMEM;
        return NULL;
    }
    pf->st = rv_search_embed_query(pf->model, pf->ctx, pf->text, pf->vec);
    pf->embed_ms = now_ms() - t1;
    return NULL;
}

static void prefetch_free(rv_search_prefetch *pf) {
    if (!pf) return;
    rv_embed_ctx_free(pf->ctx);
    rv_model_free(pf->model);
    free(pf->vec);
    free(pf->text);
    free(pf);
}

rv_status rv_searcher_prefetch_query(rv_searcher *s, const char *text) {
    if (!s || !text || !text[0]) return rv_error_set(RV_ERR_INVALID_ARG, "prefetch: bad arguments");
    /* Only a lazy searcher has nothing loaded that the refresh could be
     * using; one prefetch at a time. */
    if (!s->lazy || s->model || s->pf) return RV_OK;
    rv_search_prefetch *pf = calloc(1, sizeof *pf);
    if (!pf || !(pf->text = strdup(text))) {
        free(pf);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    pf->model_dir = s->model_dir;
    pf->mp = rv_model_default_params();
    if (s->device) pf->mp.device = s->device;
    pf->mp.threads = s->threads;
    pf->mp.precision = s->precision;
    pf->mp.pack_dir = s->pack_dir;
    pf->threads = s->threads;
    if (pthread_create(&pf->thread, NULL, prefetch_main, pf) != 0) {
        prefetch_free(pf);
        return RV_OK; /* the query embeds in line instead */
    }
    s->pf = pf;
    return RV_OK;
}

void rv_search_prefetch_join(rv_searcher *s) {
    rv_search_prefetch *pf = s->pf;
    if (!pf) return;
    double t0 = now_ms();
    pthread_join(pf->thread, NULL);
    s->pf = NULL;
    if (s->trace) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "trace: prefetch: model load %.2f ms, query embed %.2f ms (waited %.2f ms)",
                 pf->load_ms, pf->embed_ms, now_ms() - t0);
        s->note(s->note_user, msg);
    }
    /* Adopt the model only if it is the one the index was opened for. */
    if (pf->st == RV_OK && !s->model && strcmp(rv_model_id(pf->model), s->lazy_id) == 0) {
        s->model = pf->model;
        s->ctx = pf->ctx;
        s->qvec = malloc(rv_model_dim(pf->model) * sizeof *s->qvec);
        if (s->qvec) {
            pf->model = NULL;
            pf->ctx = NULL;
            s->pf_text = pf->text;
            s->pf_vec = pf->vec;
            pf->text = NULL;
            pf->vec = NULL;
        } else {
            s->model = NULL;
            s->ctx = NULL;
        }
    }
    prefetch_free(pf);
}

int rv_search_take_prefetched(rv_searcher *s, const char *text) {
    int hit = s->pf_vec && s->qvec && strcmp(s->pf_text, text) == 0;
    if (hit) memcpy(s->qvec, s->pf_vec, rv_model_dim(s->model) * sizeof *s->qvec);
    free(s->pf_text);
    free(s->pf_vec);
    s->pf_text = NULL;
    s->pf_vec = NULL;
    return hit;
}
