/* The searcher: owns the model, the index and the corpus of one root, and
 * answers queries with cosine, or BM25F and cosine blended (search/ranking.c;
 * the older reciprocal-rank fusion stays for measurements). */
#include "driver/threadpool.h"
#include "rank/bm25_incr.h"
#include "search/internal.h"

#include "ripvec/tokenizer.h"
#include "util/fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* RRF constant from Cormack et al.; the usual choice, not tuned. */
#define RV_RRF_K 60.0
/* List weights in the fusion: for natural-language queries the keyword list
 * is the noisier signal, so the semantic rank counts double (docs/SEARCH.md). */
#define RV_RRF_W_SEM 2.0
#define RV_RRF_W_KW 1.0
/* Candidates taken from each list before fusing and merging overlaps. */
#define RV_MIN_DEPTH 100
/* Neighbouring results (adjacent definitions, a few lines apart) read best
 * as one region; regions stay a screenful long. Measured in docs/SEARCH.md. */
#define RV_MERGE_GAP 3
#define RV_MERGE_MAX_LINES 60

static void index_chunked(void *user, const rv_corpus *c);

rv_search_config rv_search_default_config(void) {
    rv_search_config c;
    memset(&c, 0, sizeof c);
    c.use_index = 1;
    c.max_chunks = RV_SEARCH_MAX_CHUNKS;
    return c;
}

rv_query rv_query_default(void) {
    rv_query q;
    memset(&q, 0, sizeof q);
    q.mode = RV_MODE_HYBRID;
    q.top_k = 10;
    q.merge_gap = RV_MERGE_GAP;
    q.merge_max_lines = RV_MERGE_MAX_LINES;
    q.steps = ~0u;
    q.threshold = -1;
    return q;
}

int rv_search_mode_parse(const char *name) {
    if (!name) return -1;
    if (strcmp(name, "hybrid") == 0) return RV_MODE_HYBRID;
    if (strcmp(name, "semantic") == 0) return RV_MODE_SEMANTIC;
    if (strcmp(name, "keyword") == 0) return RV_MODE_KEYWORD;
    return -1;
}

const char *rv_search_mode_name(rv_search_mode m) {
    switch (m) {
    case RV_MODE_HYBRID: return "hybrid";
    case RV_MODE_SEMANTIC: return "semantic";
    case RV_MODE_KEYWORD: return "keyword";
    }
    return "?";
}

void rv_result_list_free(rv_result_list *l) {
    if (!l) return;
    for (size_t i = 0; i < l->n_owned; i++)
        rv_chunk_clear(&l->owned[i]);
    free(l->owned);
    free(l->items);
    free(l->explains);
    memset(l, 0, sizeof *l);
}

/* The index's walk reports what it leaves out as the in-memory build does:
 * counted, and passed on with the skip's name. */
static void index_skip(void *user, const char *path, rv_walk_skip why, const char *detail) {
    rv_searcher *s = user;
    s->index_skipped++;
    if (s->on_skip) s->on_skip(s->skip_user, path, rv_walk_skip_name(why), detail);
}

static char *dup_or_null(const char *s, int *oom) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = 1;
    return d;
}

static char **dup_list(const char *const *l, size_t *n, int *oom) {
    *n = 0;
    if (!l) return NULL;
    while (l[*n])
        (*n)++;
    char **d = calloc(*n + 1, sizeof *d);
    if (!d) {
        *oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < *n; i++)
        d[i] = dup_or_null(l[i], oom);
    return d;
}

static void free_list(char **l) {
    if (!l) return;
    for (size_t i = 0; l[i]; i++)
        free(l[i]);
    free(l);
}

void rv_searcher_close(rv_searcher *s) {
    if (!s) return;
    rv_search_prefetch_join(s);
    free(s->pf_text);
    free(s->pf_vec);
    rv_bm25_free(s->bm);
    free(s->defs);
    free(s->fmask);
    rv_symtab_free(s->symtab);
    rv_corpus_free(&s->corpus);
    rv_ingest_memory_clear(&s->built);
    rv_index_close(s->idx);
    rv_index_wanted_free(s->wanted, s->n_wanted);
    rv_embed_ctx_free(s->ctx);
    rv_model_free(s->model);
    rv_tokenizer_free(s->lazy_tk);
    free(s->qvec);
    free(s->root);
    free(s->model_dir);
    free(s->device);
    free(s->cache_dir);
    free(s->kernels);
    free(s->cuda_lib);
    free(s->pack_dir);
    free(s->home);
    free(s->xdg_config_home);
    free_list(s->types);
    free_list(s->globs);
    free(s);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void rv_search_trace(rv_searcher *s, const char *phase) {
    if (!s->trace) return;
    double t = now_s();
    char msg[128];
    snprintf(msg, sizeof msg, "trace: %-14s %8.2f ms", phase, (t - s->trace_t) * 1e3);
    s->trace_t = t;
    s->note(s->note_user, msg);
}

static size_t count_tokens(void *user, const char *text, size_t len) {
    return rv_tokenizer_count((const rv_tokenizer *)user, text, len);
}

static int count_adds_up(void *user) {
    return rv_tokenizer_count_adds_up((const rv_tokenizer *)user);
}

rv_model_params rv_search_model_params(const rv_searcher *s) {
    rv_model_params mp = rv_model_default_params();
    if (s->device) mp.device = s->device;
    mp.threads = s->threads;
    mp.precision = s->precision;
    mp.driver = s->driver;
    mp.pack_dir = s->pack_dir;
    return mp;
}

rv_chunk_params rv_search_chunk_params(const rv_searcher *s) {
    rv_chunk_params cp = rv_chunk_default_params();
    if (s->model) {
        int mt = rv_model_max_tokens(s->model); /* the chunker keeps 2 for [CLS]/[SEP] */
        if (mt > 16) cp.max_tokens = mt;
        cp.count_tokens = count_tokens;
        cp.count_adds_up = count_adds_up;
        cp.count_user = (void *)rv_model_tokenizer(s->model);
    } else if (s->lazy) {
        if (s->lazy_max_tokens > 16) cp.max_tokens = s->lazy_max_tokens;
        cp.count_tokens = rv_search_lazy_count;
        cp.count_adds_up = rv_search_lazy_adds_up;
        cp.count_user = (void *)s;
    }
    return cp;
}

/* The home directory or "/": a search there is a surprise, not a request to
 * embed everything below. */
static int is_big_root(const char *root, const char *home) {
    char *r = realpath(root, NULL), *h = home && home[0] ? realpath(home, NULL) : NULL;
    int big = r && (strcmp(r, "/") == 0 || (h && strcmp(r, h) == 0));
    free(r);
    free(h);
    return big;
}

rv_status rv_searcher_open(rv_searcher **out, const rv_search_config *cfg) {
    rv_status st = RV_ERR_NOMEM;
    if (!out || !cfg || !cfg->root || !cfg->root[0])
        return rv_error_set(RV_ERR_INVALID_ARG, "searcher: no root given");
    *out = NULL;
    struct stat sb;
    if (stat(cfg->root, &sb) != 0)
        return rv_error_set(RV_ERR_NOT_FOUND, "%s: no such file or directory", cfg->root);
    int oom = 0;
    rv_searcher *s = calloc(1, sizeof *s);
    if (!s) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    s->root = dup_or_null(cfg->root, &oom);
    s->model_dir = dup_or_null(cfg->model_dir, &oom);
    s->device = dup_or_null(cfg->device, &oom);
    s->cache_dir = dup_or_null(cfg->cache_dir, &oom);
    s->kernels = dup_or_null(cfg->driver.kernels, &oom);
    s->cuda_lib = dup_or_null(cfg->driver.cuda_lib, &oom);
    s->pack_dir = dup_or_null(cfg->pack_dir, &oom);
    s->home = dup_or_null(cfg->home, &oom);
    s->xdg_config_home = dup_or_null(cfg->xdg_config_home, &oom);
    s->types = dup_list(cfg->types, &s->n_types, &oom);
    s->globs = dup_list(cfg->globs, &s->n_globs, &oom);
    if (oom) {
        rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    s->root_is_file = !S_ISDIR(sb.st_mode);
    s->threads = cfg->threads;
    s->precision = cfg->precision;
    s->driver = cfg->driver;
    s->driver.kernels = s->kernels;
    s->driver.cuda_lib = s->cuda_lib;
    /* A single file is read whole each time: an index of its own would be
     * one more folder in the cache forever. */
    s->use_index = cfg->use_index && !s->root_is_file;
    s->repo_level = cfg->repo_level;
    s->answer_now = cfg->answer_now;
    s->max_chunks = cfg->max_chunks;
    s->big_root = is_big_root(cfg->root, cfg->home);
    s->progress = cfg->progress;
    s->progress_user = cfg->progress_user;
    s->on_skip = cfg->on_skip;
    s->skip_user = cfg->skip_user;
    s->note = cfg->note;
    s->note_user = cfg->note_user;
    s->trace = s->note && cfg->trace;
    s->trace_t = now_s();
    s->walk = rv_walk_default_params();
    s->walk.hidden = cfg->hidden;
    s->walk.no_ignore = cfg->no_ignore;
    s->walk.follow = cfg->follow;
    s->walk.home = s->home;
    s->walk.xdg_config_home = s->xdg_config_home;
    if (cfg->max_filesize) s->walk.max_filesize = cfg->max_filesize;
    s->walk.types = (const char *const *)s->types;
    s->walk.n_types = s->n_types;
    s->walk.globs = (const char *const *)s->globs;
    s->walk.n_globs = s->n_globs;

    s->lazy = cfg->lazy_model && s->use_index && s->model_dir;
    if (s->lazy) {
        if ((st = rv_search_lazy_prepare(s)) != RV_OK) goto done;
        rv_search_trace(s, "model peek");
        if (cfg->prefetch_query && cfg->prefetch_query[0] &&
            (st = rv_searcher_prefetch_query(s, cfg->prefetch_query)) != RV_OK)
            goto done;
    } else if (s->model_dir) {
        if ((st = rv_search_ensure_model(s)) != RV_OK) goto done;
    }
    if (s->use_index) {
        if (!s->model && !s->lazy) {
            st = rv_error_set(RV_ERR_INVALID_ARG, "the index needs a model");
            goto done;
        }
        /* Filters that narrow the walk apply at query time: the index holds
         * the whole tree whatever one search asks for. */
        s->query_filter = rv_search_filters_narrow(cfg);
        s->filter_size = cfg->max_filesize && s->query_filter &&
                         cfg->max_filesize < rv_walk_default_params().max_filesize;
        rv_walk_params iw = s->walk;
        iw.types = iw.globs = NULL;
        iw.n_types = iw.n_globs = 0;
        if (s->filter_size) iw.max_filesize = rv_walk_default_params().max_filesize;
        rv_index_params ip = rv_index_default_params();
        ip.root = s->root;
        ip.cache_dir = s->cache_dir;
        ip.repo_level = s->repo_level;
        ip.walk = &iw;
        ip.on_skip = index_skip;
        ip.skip_user = s;
        ip.note = s->note;
        ip.note_user = s->note_user;
        ip.info = cfg->info;
        /* A search never waits for another process's writes when something
         * is committed: it answers from that. */
        ip.no_wait = !cfg->rebuild;
        ip.threads = s->threads;
        if (cfg->rebuild) ip.mode = RV_INDEX_REBUILD;
        ip.embed_limit = cfg->embed_limit;
        ip.if_idle = cfg->index_if_idle;
        ip.order = rv_search_file_order;
        ip.order_user = s;
        ip.on_chunked = index_chunked;
        ip.on_chunked_user = s;
        if (s->lazy) {
            ip.model_id = s->lazy_id;
            ip.dim = s->lazy_dim;
            ip.embed = rv_search_lazy_embed;
            ip.embed_user = s;
        }
        if ((st = rv_index_open(&s->idx, s->model, &ip)) != RV_OK) goto done;
        rv_search_trace(s, "index open");
    }
    *out = s;
    s = NULL;
    st = RV_OK;
done:
    rv_searcher_close(s);
    return st;
}

/* Whether this refresh may embed: not when files wait in a tree past the
 * limit or under a big root (then it answers as answer_now does). */
static int over_limit(rv_searcher *s, rv_refresh_stats *local) {
    if (!s->max_chunks || s->answer_now) return 0;
    size_t est = 0, pending = 0;
    /* best effort: a damaged store is the update's to report and rebuild */
    if (rv_index_estimate(s->idx, &est, &pending) != RV_OK) return 0;
    local->chunks_estimate = est;
    return pending > 0 && (s->big_root || est > s->max_chunks);
}

/* The corpus load's phases (CPU time; read and chunk summed over threads). */
static void trace_ingest(rv_searcher *s) {
    if (!s->trace) return;
    rv_index_times t = rv_index_last_times(s->idx);
    char msg[160];
    snprintf(msg, sizeof msg,
             "trace:   walk %.2f ms, read %.2f ms, chunk %.2f ms (cpu), commit %.2f ms",
             t.walk_s * 1e3, t.read_s * 1e3, t.chunk_s * 1e3, t.commit_s * 1e3);
    s->note(s->note_user, msg);
}

static size_t count_files(const rv_corpus *c) {
    size_t n = 0;
    for (size_t i = 0; i < c->chunks.count; i++)
        if (i == 0 || strcmp(c->chunks.items[i].path, c->chunks.items[i - 1].path) != 0) n++;
    return n;
}

rv_status rv_searcher_refresh(rv_searcher *s, rv_refresh_stats *stats) {
    if (!s) return rv_error_set(RV_ERR_INVALID_ARG, "searcher: NULL");
    rv_refresh_stats local;
    memset(&local, 0, sizeof local);
    double t0 = now_s();
    /* The old corpus stays in place until the new one is complete. */
    rv_corpus old = s->corpus;
    size_t old_files = s->files;
    memset(&s->corpus, 0, sizeof s->corpus);
    rv_status st;
    int keep_old = 0;
    if (s->idx) {
        rv_chunk_params cp = rv_search_chunk_params(s);
        rv_index_stats is;
        memset(&is, 0, sizeof is);
        s->index_skipped = 0;
        int over = over_limit(s, &local);
        if (s->answer_now || over) { /* embed nothing: pending files by keywords */
            st = rv_index_corpus_now(s->idx, &cp, &s->corpus, &local.files_pending,
                                     &local.chunks_pending);
            is.files_changed = local.files_pending;
            is.chunks_total = s->corpus.chunks.count;
            if (s->answer_now && s->max_chunks)
                over = s->big_root || is.chunks_total > s->max_chunks;
            over = over && local.files_pending; /* the estimate's stat may be racy */
            if (!local.chunks_estimate) local.chunks_estimate = is.chunks_total;
            local.over_limit = over;
            local.big_root = over && s->big_root;
        } else {
            rv_search_load_wanted(s); /* best effort: only the order depends on it */
            st = rv_index_update(s->idx, s->ctx, &cp, s->progress, s->progress_user, &is);
            local.files_skipped = s->index_skipped;
            rv_search_trace(s, "index update");
            if (st == RV_OK) st = rv_index_corpus(s->idx, &s->corpus);
        }
        rv_search_trace(s, "corpus load");
        trace_ingest(s);
        if (st != RV_OK) goto failed;
        /* Nothing changed: the loaded corpus (and its BM25 and definition
         * tables) is still exact, so keep it and drop the fresh copy. */
        keep_old = s->loaded && is.files_changed == 0 && is.files_added == 0 &&
                   is.files_removed == 0 && is.chunks_total == old.chunks.count &&
                   s->corpus.generation && s->corpus.generation == old.generation;
        local.files_changed = is.files_changed + is.files_added;
        local.stale = is.stale || local.files_pending;
        local.chunks_embedded = is.chunks_embedded;
        if (!keep_old) s->files = count_files(&s->corpus);
    } else {
        st = rv_search_build_memory(s, &local);
        if (st != RV_OK) goto failed;
    }
    if (keep_old) {
        rv_corpus_free(&s->corpus);
        s->corpus = old;
    } else {
        rv_bm25_free(s->bm);
        s->bm = NULL;
        free(s->defs);
        s->defs = NULL;
        free(s->fmask);
        s->fmask = NULL;
        rv_symtab_free(s->symtab);
        s->symtab = NULL;
        rv_corpus_free(&old);
    }
    s->loaded = 1;
    local.files = s->files;
    local.chunks = s->corpus.chunks.count;
    local.seconds = now_s() - t0;
    if (stats) *stats = local;
    return RV_OK;
failed:
    rv_corpus_free(&s->corpus);
    s->corpus = old;
    s->files = old_files;
    return st;
}

const rv_corpus *rv_searcher_corpus(const rv_searcher *s) {
    return s ? &s->corpus : NULL;
}

int rv_searcher_has_model(const rv_searcher *s) {
    return s && (s->model || s->lazy);
}

const char *rv_searcher_index_path(const rv_searcher *s) {
    return s && s->idx ? rv_index_path(s->idx) : NULL;
}

const char *rv_searcher_model_id(const rv_searcher *s) {
    if (!s) return NULL;
    return s->model ? rv_model_id(s->model) : s->lazy ? s->lazy_id : NULL;
}

const char *rv_searcher_device(const rv_searcher *s) {
    return s && s->model ? rv_model_device(s->model) : NULL;
}

static int cmp_score(const void *a, const void *b) {
    const rv_scored *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The keyword index of cs[0..n) into *bm: loaded when saved under key at
 * path (key 0: the chunks' own), else updated from the one saved there
 * (only the chunks whose text changed are tokenized), else built; saved
 * when not loaded. */
static rv_status obtain_bm25(rv_searcher *s, rv_bm25 **bm, const char *path, uint64_t key,
                             const rv_chunk *cs, size_t n) {
    rv_bm25_params bp = rv_bm25_default_params();
    rv_bm25_origin how;
    size_t tok = 0;
    rv_status st = rv_bm25_obtain(bm, &how, &tok, path, &key, cs, n, &bp,
                                  s->threads > 0 ? s->threads : rv_cpu_count());
    char phase[64];
    if (how == RV_BM25_LOADED)
        snprintf(phase, sizeof phase, "bm25 load");
    else
        snprintf(phase, sizeof phase, "bm25 %s %zu/%zu", how == RV_BM25_UPDATED ? "update" : "build",
                 tok, n);
    rv_search_trace(s, phase);
    if (st == RV_OK && how != RV_BM25_LOADED && path && key) {
        rv_bm25_save(*bm, key, path);
        rv_search_trace(s, "bm25 save");
    }
    return st;
}

/* The indexer's chunk pass is committed (rv_index_params.on_chunked): the
 * keyword index of that corpus, saved under its text generation, which
 * the commits of vectors that follow keep. Best effort. */
static void index_chunked(void *user, const rv_corpus *c) {
    rv_searcher *s = user;
    const char *ip = s->idx ? rv_index_path(s->idx) : NULL;
    rv_bm25_params bp = rv_bm25_default_params();
    uint64_t key = rv_bm25_key_generation(c->text_generation, &bp);
    char *path = ip ? malloc(strlen(ip) + 6) : NULL;
    rv_bm25 *bm = NULL;
    if (path && key) {
        sprintf(path, "%s.bm25", ip);
        obtain_bm25(s, &bm, path, key, c->chunks.items, c->chunks.count);
    }
    rv_bm25_free(bm);
    free(path);
}

/* With an index, the keyword index is saved next to it ("<index>.bm25") and
 * read back while the corpus is unchanged: a warm query then skips
 * tokenizing every chunk; after an edit only the changed chunks are
 * tokenized. Saving is best effort. */
rv_status rv_search_ensure_bm25(rv_searcher *s) {
    if (s->bm) return RV_OK;
    rv_bm25_params bp = rv_bm25_default_params();
    const rv_chunk *cs = s->corpus.chunks.items;
    size_t n = s->corpus.chunks.count;
    char *path = NULL;
    uint64_t key = 0; /* 0: the chunks' own key (hashing every chunk's text) */
    const char *ip = s->idx ? rv_index_path(s->idx) : NULL;
    if (ip && (path = malloc(strlen(ip) + 6)) != NULL) {
        sprintf(path, "%s.bm25", ip);
        /* A corpus read from the index is named by its store's text
         * generation (vectors filled in keep it), else its generation;
         * hashing every chunk's text would cost more than the load. */
        uint64_t gen = s->corpus.text_generation ? s->corpus.text_generation
                                                 : s->corpus.generation;
        if (gen && !(key = rv_bm25_key_generation(gen, &bp))) {
            free(path); /* out of memory: build, save nothing */
            path = NULL;
        }
    }
    rv_status st = obtain_bm25(s, &s->bm, path, key, cs, n);
    free(path);
    return st;
}

/* Lines [s, e] (1-based) of text, or NULL when the text has fewer lines.
 * Returns a pointer into text and the length. */
static const char *line_range(const char *text, size_t len, int s, int e, size_t *out_len) {
    const char *p = text, *end = text + len;
    for (int ln = 1; ln < s; ln++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        p = nl + 1;
    }
    const char *q = p;
    for (int ln = s; ln <= e; ln++) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) {
            if (ln < e || q == end) return NULL;
            q = end;
            break;
        }
        q = nl + 1;
    }
    *out_len = (size_t)(q - p);
    return p;
}

/* Fills `dst` as the region [sp->start_line, sp->end_line] around chunk
 * `best`, with the region's text read from the file. Returns 0 (and leaves
 * dst cleared) when the file is gone or no longer matches the chunk: the
 * caller then shows the chunk alone. */
static int make_region(const rv_searcher *s, const rv_chunk *best, const rv_span *sp,
                       rv_chunk *dst) {
    char *path = s->root_is_file ? strdup(s->root) : rv_path_join(s->root, best->path);
    char *text = NULL;
    size_t len = 0, n = 0, bn = 0;
    int ok = 0;
    memset(dst, 0, sizeof *dst);
    if (!path || rv_read_file(&text, &len, path, (size_t)64 << 20) != RV_OK) goto done;
    const char *b = line_range(text, len, best->start_line, best->end_line, &bn);
    /* the chunk's own lines must still read the same (the file may have
     * changed since it was indexed) */
    size_t cl = strlen(best->content);
    while (bn > cl && (b[bn - 1] == '\n' || b[bn - 1] == '\r'))
        bn--;
    while (cl > bn && (best->content[cl - 1] == '\n' || best->content[cl - 1] == '\r'))
        cl--;
    if (!b || bn != cl || memcmp(b, best->content, cl) != 0) goto done;
    const char *r = line_range(text, len, sp->start_line, sp->end_line, &n);
    if (!r) goto done;
    if (rv_chunk_copy(dst, best) != RV_OK) goto done;
    free(dst->content);
    dst->content = strndup(r, n);
    if (!dst->content) {
        rv_chunk_clear(dst);
        goto done;
    }
    dst->start_line = sp->start_line;
    dst->end_line = sp->end_line;
    ok = 1;
done:
    free(path);
    free(text);
    return ok;
}

/* Final list: threshold, grouping into regions, offset, top_k. Takes
 * ownership of `list`. */
/* The definition table rv_rank_group needs, built once per corpus. */
static rv_status ensure_defs(rv_searcher *s) {
    if (s->defs || !s->corpus.chunks.count) return RV_OK;
    rv_status st = rv_rank_definitions(&s->defs, s->corpus.chunks.items, s->corpus.chunks.count);
    if (st == RV_OK) rv_search_trace(s, "definitions");
    return st;
}

/* The explanation of chunk `id` in ex (n entries), or NULL. */
static const rv_rank_explain *find_explain(const rv_rank_explain *ex, size_t n, uint32_t id) {
    for (size_t i = 0; ex && i < n; i++)
        if (ex[i].id == id) return &ex[i];
    return NULL;
}

/* Diversity over files (rv_rank_spread), then the `want` best (0 = all). */
static rv_status spread_spans(const rv_searcher *s, const rv_query *q, rv_span *sp, size_t *nsp,
                              size_t want) {
    rv_query_info qi;
    rv_query_analyze(&qi, q->text);
    rv_rank_spread(sp, *nsp, want, rv_rank_file_free(&qi), s->corpus.chunks.items);
    if (want && *nsp > want) *nsp = want;
    return RV_OK;
}

/* ex (n entries, or NULL) explains the entries of list; copied per result. */
static rv_status finish(rv_searcher *s, rv_scored *list, size_t n, const rv_query *q,
                        const rv_rank_explain *ex, rv_result_list *out) {
    rv_status st = RV_OK;
    rv_span *sp = NULL;
    size_t m = 0, nsp = 0;
    double floor = q->threshold;
    if (floor < 0) floor = q->mode == RV_MODE_HYBRID && (q->steps & RV_STEP_BLEND) ? RV_SCORE_FLOOR : 0;
    for (size_t i = 0; i < n; i++)
        if (floor <= 0 || list[i].score >= floor) list[m++] = list[i];
    size_t want = q->top_k ? q->top_k + q->offset : 0;
    int max_lines = q->merge_max_lines > 0 ? q->merge_max_lines : RV_MERGE_MAX_LINES;
    if ((st = ensure_defs(s)) != RV_OK) goto done;
    /* the blended ranking spreads results over files: group every candidate,
     * so that one file's many regions cannot hide the other files */
    int spread = (q->steps & RV_STEP_BLEND) && (q->steps & RV_STEP_DIVERSE) &&
                 q->mode != RV_MODE_SEMANTIC;
    size_t group_want = spread ? 0 : want;
    st = rv_rank_group(&sp, &nsp, list, m, s->corpus.chunks.items, s->defs, q->merge_gap, max_lines,
                       group_want);
    if (st != RV_OK) goto done;
    if (spread && (st = spread_spans(s, q, sp, &nsp, want)) != RV_OK) goto done;
    if (q->offset >= nsp) goto done;
    size_t cnt = nsp - q->offset, merged = 0;
    for (size_t i = q->offset; i < nsp; i++)
        merged += sp[i].merged;
    out->items = calloc(cnt, sizeof *out->items);
    out->owned = merged ? calloc(merged, sizeof *out->owned) : NULL;
    out->explains = ex ? calloc(cnt, sizeof *out->explains) : NULL;
    if (!out->items || (merged && !out->owned) || (ex && !out->explains)) {
        rv_result_list_free(out);
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < cnt; i++) {
        const rv_span *p = &sp[q->offset + i];
        const rv_chunk *best = &s->corpus.chunks.items[p->id];
        out->items[i].chunk = best;
        if (p->merged && make_region(s, best, p, &out->owned[out->n_owned])) {
            out->items[i].chunk = &out->owned[out->n_owned++];
            out->items[i].best = best;
        }
        out->items[i].score = p->score;
        out->items[i].rank = i + 1;
        const rv_rank_explain *x = find_explain(ex, n, p->id);
        if (x) {
            out->explains[i] = *x;
            if (x->score > 0) out->explains[i].diversity = (float)(p->score / x->score);
            out->explains[i].score = p->score;
            out->items[i].explain = &out->explains[i];
        }
    }
    out->count = cnt;
    rv_search_trace(s, "group+regions");
done:
    free(sp);
    free(list);
    return st;
}

rv_status rv_searcher_query(rv_searcher *s, const rv_query *q, rv_result_list *out) {
    rv_status st = RV_OK;
    float *scores = NULL;
    unsigned char *keep = NULL;
    rv_scored *sem = NULL, *kw = NULL, *fused = NULL;
    rv_rank_explain *ex = NULL;
    size_t nsem = 0, nkw = 0, nfused = 0;
    if (!s || !q || !out) return rv_error_set(RV_ERR_INVALID_ARG, "query: bad arguments");
    out->items = NULL;
    out->count = 0;
    if (!q->text || !q->text[0]) return rv_error_set(RV_ERR_INVALID_ARG, "empty query");
    if (q->mode != RV_MODE_HYBRID && q->mode != RV_MODE_SEMANTIC && q->mode != RV_MODE_KEYWORD)
        return rv_error_set(RV_ERR_INVALID_ARG, "unknown search mode");
    int use_sem = q->mode != RV_MODE_KEYWORD, use_kw = q->mode != RV_MODE_SEMANTIC;
    if (use_sem && (!rv_searcher_has_model(s) || (!s->corpus.vectors && s->corpus.chunks.count)))
        return rv_error_set(RV_ERR_INVALID_ARG, "%s search needs a model",
                            rv_search_mode_name(q->mode));
    size_t n = s->corpus.chunks.count;
    if (n == 0) return use_sem ? rv_search_ensure_model(s) : RV_OK;
    const unsigned char *fm = NULL; /* -t/-g/--max-filesize over an index */
    if ((st = rv_search_filter_mask(s, &fm)) != RV_OK) goto done;
    if ((st = rv_search_keep(s, q, fm, &keep)) != RV_OK) goto done;
    size_t want = q->top_k ? q->top_k + q->offset : n;
    if (want > n) want = n;
    /* Extra depth so overlap merging and fusion still fill `want`. */
    size_t depth = want > SIZE_MAX / 4 ? n : want * 4;
    if (depth < RV_MIN_DEPTH) depth = RV_MIN_DEPTH;
    if (depth > n) depth = n;
    if (use_kw && (q->steps & RV_STEP_BLEND)) { /* the blended ranking */
        st = rv_search_rank(s, q, keep, depth, want, &fused, &nfused, q->explain ? &ex : NULL,
                            &out->query_kind);
        rv_query fq = *q; /* nothing embedded: keyword mode's floor too */
        if (s->by_keywords) fq.mode = RV_MODE_KEYWORD;
        if (st == RV_OK) st = finish(s, fused, nfused, &fq, ex, out);
        fused = NULL;
        goto done;
    }
    scores = malloc(n * sizeof *scores);
    if (!scores) goto oom;
    /* Keyword first: a prefetched query embedding may still be under way. */
    if (use_kw) {
        if ((st = rv_search_ensure_bm25(s)) != RV_OK) goto done;
        if ((st = rv_bm25_score(s->bm, q->text, scores)) != RV_OK) goto done;
        /* only chunks holding a query term */
        if ((st = rv_rank_top(&kw, &nkw, scores, n, depth, 1e-6f, keep)) != RV_OK) goto done;
        rv_search_trace(s, "bm25 score");
    }
    /* Built while a prefetch may still be running. */
    if ((st = ensure_defs(s)) != RV_OK) goto done;
    if (use_sem) {
        if ((st = rv_search_ensure_model(s)) != RV_OK) goto done;
        if (!rv_search_take_prefetched(s, q->text)) {
            st = rv_search_embed_query(s->model, s->ctx, q->text, s->qvec);
            if (st != RV_OK) goto done;
            rv_search_trace(s, "query embed");
        }
        rv_rank_cosine(scores, s->corpus.vectors, n, s->corpus.dim, s->qvec);
        if ((st = rv_rank_top(&sem, &nsem, scores, n, depth, -INFINITY, keep)) != RV_OK) goto done;
        rv_search_trace(s, "cosine rank");
    }
    if (q->mode == RV_MODE_HYBRID) {
        st = rv_rank_rrf(&fused, &nfused, sem, nsem, RV_RRF_W_SEM, kw, nkw, RV_RRF_W_KW, RV_RRF_K);
        if (st != RV_OK) goto done;
        /* 1.0 = first in both lists */
        double scale = (RV_RRF_K + 1.0) / (RV_RRF_W_SEM + RV_RRF_W_KW);
        for (size_t i = 0; i < nfused; i++) {
            fused[i].score = (float)(fused[i].score * scale);
            /* code before prose and tests; semantic and keyword stay pure */
            fused[i].score *= rv_rank_prior(&s->corpus.chunks.items[fused[i].id]);
        }
        qsort(fused, nfused, sizeof *fused, cmp_score);
        st = finish(s, fused, nfused, q, NULL, out);
        fused = NULL;
    } else if (q->mode == RV_MODE_SEMANTIC) {
        if (q->explain && (st = rv_search_explain_semantic(sem, nsem, &ex)) != RV_OK) goto done;
        st = finish(s, sem, nsem, q, ex, out);
        sem = NULL;
    } else {
        st = finish(s, kw, nkw, q, NULL, out);
        kw = NULL;
    }
    goto done;
oom:
    st = rv_error_set(RV_ERR_NOMEM, "out of memory");
done:
    free(scores);
    free(keep);
    free(sem);
    free(kw);
    free(fused);
    free(ex);
    return st;
}

static int same_path(const char *a, const char *b) {
    while (a[0] == '.' && a[1] == '/')
        a += 2;
    while (b[0] == '.' && b[1] == '/')
        b += 2;
    return strcmp(a, b) == 0;
}

rv_status rv_searcher_similar(rv_searcher *s, const char *rel_path, int line, size_t top_k,
                              rv_result_list *out) {
    if (!s || !rel_path || !out) return rv_error_set(RV_ERR_INVALID_ARG, "similar: bad arguments");
    out->items = NULL;
    out->count = 0;
    if (!rv_searcher_has_model(s) || !s->corpus.vectors)
        return rv_error_set(RV_ERR_INVALID_ARG, "similar search needs a model");
    size_t n = s->corpus.chunks.count;
    const rv_chunk *cs = s->corpus.chunks.items;
    size_t src = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (cs[i].start_line > line || cs[i].end_line < line || !same_path(cs[i].path, rel_path))
            continue;
        if (src == SIZE_MAX ||
            cs[i].end_line - cs[i].start_line < cs[src].end_line - cs[src].start_line)
            src = i;
    }
    if (src == SIZE_MAX)
        return rv_error_set(RV_ERR_NOT_FOUND, "no chunk covers %s:%d", rel_path, line);
    float *scores = malloc(n * sizeof *scores);
    if (!scores) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    const float *v = s->corpus.vectors + src * s->corpus.dim;
    rv_rank_cosine(scores, s->corpus.vectors, n, s->corpus.dim, v);
    scores[src] = INFINITY; /* first, so merging drops what overlaps it */
    size_t k = top_k ? top_k + 1 : 0;
    size_t depth = k ? (k * 4 < RV_MIN_DEPTH ? RV_MIN_DEPTH : k * 4) : n;
    rv_scored *list = NULL;
    size_t m = 0;
    rv_status st = rv_rank_top(&list, &m, scores, n, depth, -INFINITY, NULL);
    free(scores);
    if (st != RV_OK) return st;
    m = rv_rank_merge_overlaps(list, m, cs, k);
    /* drop the source itself (list[0]) */
    if (m) memmove(list, list + 1, (m - 1) * sizeof *list);
    rv_query fq = rv_query_default();
    fq.top_k = 0;
    fq.threshold = 0; /* cosines, every one of them */
    fq.steps = 0;     /* as ranked: no blending steps */
    fq.merge_gap = -1; /* neighbours of the source are answers, not context */
    return finish(s, list, m ? m - 1 : 0, &fq, NULL, out);
}
