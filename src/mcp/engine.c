/* The MCP backend over ripvec/search.h (see engine.h). */
#include "mcp/engine.h"
#include "mcp/watch.h"

#include "ripvec/index.h"
#include "ripvec/search.h"
#include "ripvec/sink.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* While files wait for the background indexer, the corpus is read again
 * (to take the vectors it committed) at most this often, so a search never
 * pays for that on every call. */
#define RV_MCP_PENDING_REFRESH_S 5.0

struct rv_mcp_engine {
    pthread_mutex_t mu; /* guards everything below, and every searcher call */
    pthread_t warm_thread;
    int warm_started;
    char *root, *model_dir, *model_name, *device, *cache_dir;
    char *index_root;     /* nested: the tree whose index serves root (NULL: root) */
    char *sub;            /* nested: root relative to index_root */
    rv_chunk *sub_chunks; /* nested: the corpus's chunks under sub, paths from root */
    rv_chunk_list sub_list;
    char model_id[160]; /* what index_status shows, ready or not */
    int threads, use_index, use_watch;
    rv_search_config rules; /* the same, as the searcher takes them */
    rv_precision precision;
    rv_mcp_watch *watch; /* NULL: walk before every call */
    int watch_tried;
    void (*note)(void *user, const char *line);
    void *note_user;
    rv_searcher *s;
    int fresh_valid; /* a refresh succeeded: the searcher can say if it is fresh */
    rv_refresh_stats last;
    int have_stats;
    double last_update;                          /* unix time of the last refresh */
    double last_note;                            /* monotonic time of the last progress note */
    int (*start_indexer)(void *user, long *pid); /* NULL: refreshes embed here */
    void *indexer_user;
    long indexer_pid;    /* the last indexer started (0: none) */
    double refreshed_at; /* monotonic time of the last refresh */
    int told_limit;      /* the big-tree note was given */
};

rv_mcp_engine_params rv_mcp_engine_default_params(void) {
    rv_mcp_engine_params p;
    memset(&p, 0, sizeof p);
    p.watch = 1;
    return p;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void notef(rv_mcp_engine *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void notef(rv_mcp_engine *e, const char *fmt, ...) {
    if (!e->note) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    e->note(e->note_user, line);
}

static void on_note(void *user, const char *msg) {
    notef(user, "%s", msg);
}

/* Indexing progress, at most every two seconds. */
static void on_progress(void *user, const rv_progress *p) {
    rv_mcp_engine *e = user;
    double now = mono_s();
    if (now - e->last_note < 2.0 && strcmp(p->phase, "done") != 0) return;
    e->last_note = now;
    char line[200];
    notef(e, "indexing: %s", rv_sink_progress_line(line, sizeof line, p));
}

static char *dup_opt(const char *s, int *oom) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = 1;
    return d;
}

/* The searcher's settings the engine keeps (its freshness question goes to
 * the searcher): the rules, repo_level and the driver's knobs. */
static void set_rules(rv_mcp_engine *e, const rv_search_config *r) {
    const rv_search_config def = rv_search_default_config();
    rv_search_config *c = &e->rules;
    *c = def;
    c->repo_level = r->repo_level;
    c->driver = r->driver;
    c->hidden = r->hidden;
    c->no_ignore = r->no_ignore;
    c->follow = r->follow;
    c->max_filesize = r->max_filesize;
    c->types = r->types;
    c->globs = r->globs;
    c->home = r->home;
    c->xdg_config_home = r->xdg_config_home;
    c->max_chunks = r->max_chunks;
}

/* The engine's own strings, and the engine (what create made before its lock). */
static void free_parts(rv_mcp_engine *e) {
    free(e->root);
    free(e->model_dir);
    free(e->model_name);
    free(e->device);
    free(e->cache_dir);
    free(e->index_root);
    free(e->sub);
    free(e->sub_chunks);
    free(e);
}

rv_status rv_mcp_engine_create(rv_mcp_engine **out, const rv_mcp_engine_params *p) {
    *out = NULL;
    const rv_search_config *sc = p ? p->search : NULL;
    if (!sc || !sc->root || !sc->model_dir)
        return rv_error_set(RV_ERR_INVALID_ARG, "mcp engine needs a root and a model directory");
    rv_mcp_engine *e = calloc(1, sizeof *e);
    if (!e) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    int oom = 0;
    e->root = dup_opt(sc->root, &oom);
    e->model_dir = dup_opt(sc->model_dir, &oom);
    const char *name = p->model_name;
    if (!name) {
        const char *slash = strrchr(sc->model_dir, '/');
        name = slash && slash[1] ? slash + 1 : sc->model_dir;
    }
    e->model_name = dup_opt(name, &oom);
    e->device = dup_opt(sc->device, &oom);
    e->cache_dir = dup_opt(sc->cache_dir, &oom);
    if (p->index_root) {
        rv_status st = rv_mcp_sub_of(&e->sub, sc->root, p->index_root);
        if (st != RV_OK && st != RV_ERR_NOMEM) {
            free_parts(e);
            return st;
        }
        oom |= st != RV_OK;
        e->index_root = dup_opt(p->index_root, &oom);
    }
    e->threads = sc->threads;
    e->precision = sc->precision;
    e->use_index = sc->use_index;
    e->use_watch = p->watch;
    set_rules(e, sc);
    e->note = p->note;
    e->note_user = p->note_user;
    e->start_indexer = p->start_indexer;
    e->indexer_user = p->indexer_user;
    /* The id the searcher will use, known before it loads anything; the
     * name when the model's files cannot be read (it never gets ready then). */
    if (e->model_dir && e->model_name &&
        rv_model_id_for_dir(e->model_id, sizeof e->model_id, e->model_dir, e->precision) != RV_OK)
        snprintf(e->model_id, sizeof e->model_id, "%s", e->model_name);
    if (oom || pthread_mutex_init(&e->mu, NULL) != 0) {
        free_parts(e);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    *out = e;
    return RV_OK;
}

void rv_mcp_engine_free(rv_mcp_engine *e) {
    if (!e) return;
    if (e->warm_started) pthread_join(e->warm_thread, NULL);
    rv_searcher_close(e->s);
    rv_mcp_watch_free(e->watch);
    pthread_mutex_destroy(&e->mu);
    free_parts(e);
}

/* ---- freshness ------------------------------------------------------------ */

static rv_status ensure_open(rv_mcp_engine *e) {
    if (e->s) return RV_OK;
    rv_search_config cfg = e->rules;
    cfg.root = e->index_root ? e->index_root : e->root;
    cfg.model_dir = e->model_dir;
    cfg.device = e->device;
    cfg.threads = e->threads;
    cfg.precision = e->precision;
    cfg.use_index = e->use_index;
    cfg.cache_dir = e->cache_dir;
    cfg.progress = on_progress;
    cfg.progress_user = e;
    cfg.note = on_note;
    cfg.note_user = e;
    cfg.answer_now = e->start_indexer != NULL && e->use_index;
    return rv_searcher_open(&e->s, &cfg);
}

static int alive(long pid) {
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Files wait for embedding: the indexer runs in its own process (one per
 * index: its writer lock decides), started again only once the last is gone. */
static void start_indexer(rv_mcp_engine *e) {
    if (alive(e->indexer_pid)) return;
    long pid = 0;
    if (e->start_indexer(e->indexer_user, &pid) == 0) {
        e->indexer_pid = pid;
        notef(e,
              "%zu of %zu files not embedded yet (%zu chunks): keyword results for them; "
              "embedding in the background (pid %ld)",
              e->last.files_pending, e->last.files, e->last.chunks_pending, pid);
    } else {
        e->indexer_pid = 0;
        notef(e, "the background indexer did not start");
    }
}

/* Opens the searcher if needed and refreshes it when the files changed (or
 * always, with force; never to take new vectors with same_corpus, so the
 * pages of one ranking come from one corpus). Called with e->mu held. */
static rv_status ensure_fresh_ex(rv_mcp_engine *e, int force, int same_corpus) {
    rv_status st = ensure_open(e);
    if (st != RV_OK) return st;
    if (!e->watch_tried) { /* before the first walk, so nothing slips between */
        e->watch_tried = 1;
        const char *tree = e->index_root ? e->index_root : e->root; /* what refreshes walk */
        if (e->use_watch && rv_mcp_watch_create(&e->watch, tree) != RV_OK) {
            notef(e, "no change watch (%s): walking the root before each call", rv_error_last());
            e->watch = NULL;
        }
    }
    int dirty = e->watch ? rv_mcp_watch_changed(e->watch) : 1;
    if (!force && !dirty && e->fresh_valid) return RV_OK;
    if (!force && e->have_stats && e->last.files_pending && !(dirty && e->watch) &&
        (same_corpus || mono_s() - e->refreshed_at < RV_MCP_PENDING_REFRESH_S))
        return RV_OK; /* warming up: what was there a moment ago */
    int fresh = 0;
    if (!force && e->fresh_valid && rv_searcher_fresh(e->s, &fresh) == RV_OK && fresh) return RV_OK;
    rv_refresh_stats rs;
    memset(&rs, 0, sizeof rs);
    st = rv_searcher_refresh(e->s, &rs);
    if (st != RV_OK) {
        e->fresh_valid = 0; /* try again next call */
        return st;
    }
    e->fresh_valid = !rs.stale; /* answered from a writer's last commit: look again */
    e->last = rs;
    e->have_stats = 1;
    e->last_update = (double)time(NULL);
    e->refreshed_at = mono_s();
    if (rs.files_pending && !rs.over_limit) start_indexer(e);
    if (rs.over_limit && !e->told_limit++)
        notef(e,
              "%s: ~%zu chunks (%s): keyword results for the %zu files not embedded; "
              "run `ripvec index %s` to embed them",
              e->root, rs.chunks_estimate,
              rs.big_root ? "a home or root directory" : "past --max-chunks", rs.files_pending,
              e->root);
    if (rs.files_changed && !rs.files_pending)
        notef(e, "index updated: %zu files changed, %zu chunks embedded, %.2fs", rs.files_changed,
              rs.chunks_embedded, rs.seconds);
    return RV_OK;
}

static rv_status ensure_fresh(rv_mcp_engine *e, int force) {
    return ensure_fresh_ex(e, force, 0);
}

static void *warm_main(void *arg) {
    rv_mcp_engine *e = arg;
    pthread_mutex_lock(&e->mu);
    double t0 = mono_s();
    if (ensure_fresh(e, 0) == RV_OK)
        notef(e, "ready: %zu files, %zu chunks (%.1fs)", e->last.files, e->last.chunks,
              mono_s() - t0);
    else
        notef(e, "warm-up failed: %s", rv_error_last());
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

rv_status rv_mcp_engine_warm(rv_mcp_engine *e) {
    if (e->warm_started) return RV_OK;
    if (pthread_create(&e->warm_thread, NULL, warm_main, e) != 0)
        return rv_error_set(RV_ERR_INTERNAL, "could not start the warm-up thread");
    e->warm_started = 1;
    return RV_OK;
}

/* ---- backend slots -------------------------------------------------------- */

/* Nested: the path of a tree-relative chunk path below sub relative to
 * the server's root; NULL when it is not below sub. */
static const char *under_sub(const rv_mcp_engine *e, const char *path) {
    if (!e->sub) return path;
    size_t n = strlen(e->sub);
    return strncmp(path, e->sub, n) == 0 && path[n] == '/' ? path + n + 1 : NULL;
}

/* Rendered while the lock is held: the corpus may change after it. At most
 * max results (nested: those below sub), their paths from the root. */
static rv_status push_results(const rv_mcp_engine *e, rv_mcp_hits *out, const rv_result_list *res,
                              size_t max) {
    for (size_t i = 0, n = 0; i < res->count && n < max; i++) {
        rv_chunk c = *res->items[i].chunk;
        if (!(c.path = (char *)under_sub(e, c.path))) continue;
        rv_status st = rv_mcp_hits_add(out, &c, res->items[i].score);
        if (st != RV_OK) return st;
        n++;
    }
    return RV_OK;
}

static rv_status eng_search(void *ctx, const rv_mcp_query *mq, rv_mcp_hits *out) {
    rv_mcp_engine *e = ctx;
    rv_result_list res = {0};
    pthread_mutex_lock(&e->mu);
    char *glob = NULL;
    rv_status st = ensure_fresh_ex(e, 0, mq->next_page);
    if (st == RV_OK && e->sub) st = rv_mcp_sub_glob(&glob, e->sub, mq->path_glob);
    if (st == RV_OK) {
        rv_query q = rv_query_default();
        q.text = mq->text;
        q.mode = mq->mode;
        q.top_k = (size_t)mq->top_k;
        q.offset = 0;    /* the server pages after ranking */
        q.threshold = 0; /* every result: the agent pages, the score says how good */
        q.path_glob = glob ? glob : mq->path_glob;
        st = rv_searcher_query(e->s, &q, &res);
    }
    if (st == RV_OK) st = push_results(e, out, &res, res.count);
    rv_result_list_free(&res);
    free(glob);
    pthread_mutex_unlock(&e->mu);
    return st;
}

static rv_status eng_similar(void *ctx, const char *rel, int line, int top_k, rv_mcp_hits *out) {
    rv_mcp_engine *e = ctx;
    rv_result_list res = {0};
    pthread_mutex_lock(&e->mu);
    char *full = NULL;
    size_t ask = (size_t)top_k;
    rv_status st = ensure_fresh(e, 0);
    if (st == RV_OK && e->sub) { /* the tree's path; more asked, those below sub kept */
        if (!(full = malloc(strlen(e->sub) + strlen(rel) + 2)))
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        if (full) sprintf(full, "%s/%s", e->sub, rel);
        ask = rv_searcher_corpus(e->s)->chunks.count;
    }
    if (st == RV_OK) st = rv_searcher_similar(e->s, full ? full : rel, line, ask, &res);
    if (st == RV_OK) st = push_results(e, out, &res, (size_t)top_k);
    rv_result_list_free(&res);
    free(full);
    pthread_mutex_unlock(&e->mu);
    return st;
}

/* The corpus stays valid after the unlock: besides the server's own thread
 * only the warm-up touches the searcher, and it has finished once we got the
 * lock after it. */
static rv_status eng_chunks(void *ctx, const rv_chunk_list **out) {
    rv_mcp_engine *e = ctx;
    pthread_mutex_lock(&e->mu);
    rv_status st = ensure_fresh(e, 0);
    *out = st == RV_OK ? &rv_searcher_corpus(e->s)->chunks : NULL;
    if (st == RV_OK && e->sub) { /* nested: the chunks below sub, paths from root */
        const rv_chunk_list *all = *out;
        free(e->sub_chunks);
        e->sub_chunks = malloc((all->count ? all->count : 1) * sizeof *e->sub_chunks);
        memset(&e->sub_list, 0, sizeof e->sub_list);
        *out = e->sub_chunks ? &e->sub_list : NULL;
        if (!e->sub_chunks) st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        for (size_t i = 0; e->sub_chunks && i < all->count; i++) {
            rv_chunk c = all->items[i];
            if (!(c.path = (char *)under_sub(e, c.path))) continue;
            e->sub_chunks[e->sub_list.count++] = c;
        }
        e->sub_list.items = e->sub_chunks;
        e->sub_list.cap = e->sub_list.count;
    }
    pthread_mutex_unlock(&e->mu);
    return st;
}

static rv_status eng_reindex(void *ctx, rv_mcp_reindex_stats *out) {
    rv_mcp_engine *e = ctx;
    pthread_mutex_lock(&e->mu);
    rv_status st = ensure_fresh(e, 1);
    if (st == RV_OK) {
        out->files = e->last.files;
        out->chunks = e->last.chunks;
        out->files_changed = e->last.files_changed;
        out->seconds = e->last.seconds;
    }
    pthread_mutex_unlock(&e->mu);
    return st;
}

/* Never waits for a refresh in progress: reports "not ready" instead. */
static rv_status eng_status(void *ctx, rv_mcp_status *out) {
    rv_mcp_engine *e = ctx;
    memset(out, 0, sizeof *out);
    out->model = e->model_id;
    out->index_path = "";
    if (pthread_mutex_trylock(&e->mu) != 0) return RV_OK;
    /* The path lives as long as the searcher, which lives as long as e. */
    const char *ip = rv_searcher_index_path(e->s);
    if (ip) out->index_path = ip;
    out->ready = e->s && e->have_stats;
    out->files = e->last.files;
    out->chunks = e->last.chunks;
    out->last_update = e->last_update;
    out->chunks_pending = e->last.chunks_pending;
    out->eta_s = -1;
    rv_index_progress pr;
    if (ip && rv_index_progress_get(&pr, ip) == RV_OK && pr.running) {
        out->indexing = 1;
        out->indexer_pid = pr.pid;
        out->rate = pr.rate;
        out->eta_s = pr.eta_s;
    }
    pthread_mutex_unlock(&e->mu);
    return RV_OK;
}

rv_mcp_backend rv_mcp_engine_backend(rv_mcp_engine *e) {
    rv_mcp_backend b = {e, eng_search, eng_similar, eng_chunks, eng_reindex, eng_status};
    return b;
}
