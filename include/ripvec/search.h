/*
 * ripvec/search.h — one root, searched: walk, chunk, embed (or load the
 * index), then rank queries against it. The CLI, MCP and LSP front ends all
 * drive this.
 *
 *   rv_search_config cfg = rv_search_default_config();
 *   cfg.root = "."; cfg.model_dir = dir;           // dir from rv_model_resolve
 *   rv_searcher *s;
 *   if (rv_searcher_open(&s, &cfg) != RV_OK) fail(rv_error_last());
 *   if (rv_searcher_refresh(s, NULL) != RV_OK) fail(rv_error_last());
 *   rv_query q = rv_query_default();
 *   q.text = "retry with exponential backoff";
 *   rv_result_list res = {0};
 *   if (rv_searcher_query(s, &q, &res) == RV_OK)
 *       for (size_t i = 0; i < res.count; i++)
 *           printf("%s:%d %.3f\n", res.items[i].chunk->path,
 *                  res.items[i].chunk->start_line, res.items[i].score);
 *   rv_result_list_free(&res);
 *   rv_searcher_close(s);
 *
 * Threading rule: a searcher is used by one thread at a time (it owns an
 * embedding context); open one per thread, or serialize calls. Results point
 * into the searcher's corpus and stay valid until the next
 * rv_searcher_refresh or rv_searcher_close.
 */
#ifndef RIPVEC_SEARCH_H
#define RIPVEC_SEARCH_H

#include "ripvec/common.h"
#include "ripvec/corpus.h"
#include "ripvec/embed.h"
#include "ripvec/rank.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rv_searcher rv_searcher;

/* Called for each file the walk leaves out (ignored files are not reported,
 * only odd ones: binary, too large, unreadable, bad symlink...). `why` is a
 * short word ("binary", "too-large", "io", "loop", ...), `detail` may be "". */
typedef void (*rv_search_skip_fn)(void *user, const char *path, const char *why,
                                  const char *detail);

typedef struct rv_search_config {
    const char *root;      /* directory (or single file) to search; required */
    const char *model_dir; /* model directory; NULL = keyword-only searcher */
    const char *device;    /* "cpu" (NULL), "cuda", "auto" */
    int threads;           /* threads that read, chunk and embed; 0 = all cores */
    /* Linear-layer weights (cpu device): fp32 (default), fp16 or int8. Part
     * of the model id, so each precision keeps an index of its own. */
    rv_precision precision;
    rv_driver_params driver; /* the driver's knobs (ripvec/driver.h, copied); zero: defaults */
    int use_index;         /* 1: persistent index (update it); 0: build in memory */
    const char *cache_dir; /* the cache root (ripvec/index.h); needed with use_index */
    int repo_level;        /* 1: one index at the enclosing repository root */
    /* 1: index everything again, beside the live index, which searches of
     * other processes keep using until the new one replaces it at once. */
    int rebuild;
    /* 1: with the index, rv_searcher_refresh embeds and writes nothing: it
     * answers from what is committed, and files not embedded yet are
     * searched by their keywords alone (rv_index_corpus_now). The caller
     * sees how many in rv_refresh_stats.files_pending and may bring the
     * index up to date elsewhere (a refresh without answer_now, e.g. in a
     * detached process). */
    int answer_now;
    /* Big trees and surprises (docs/INDEX.md): with the index, files are
     * not embedded by a refresh when the tree is estimated past max_chunks
     * chunks (rv_index_estimate) or its root is `home` or "/": the refresh
     * answers as answer_now does and sets rv_refresh_stats.over_limit.
     * 0: no limit (what `ripvec index PATH` asks). Default 200000. */
    size_t max_chunks;
    /* 1: a refresh that finds another process updating the index fails
     * with RV_ERR_BUSY at once (rv_index_params.if_idle). */
    int index_if_idle;
    /* Measurements only: rv_index_params.embed_limit. */
    size_t embed_limit;
    /* 1: with the index, load the model only when an embedding is needed
     * (changed files, a semantic/hybrid query): keyword queries on a fresh
     * index then skip the weights. Model errors surface at that point. */
    int lazy_model;
    /* With lazy_model: a query to prefetch (rv_searcher_prefetch_query) from
     * inside rv_searcher_open, before the index is opened; NULL = none. */
    const char *prefetch_query;
    /* Walk options (see ripvec/walk.h). */
    int hidden;                  /* include dot files */
    int no_ignore;               /* ignore .gitignore/.ignore files */
    int follow;                  /* follow symlinks */
    uint64_t max_filesize;       /* bytes; 0 = walker's default */
    const char *const *types;    /* language/type names to keep (-t); NULL-terminated or NULL */
    const char *const *globs;    /* -g globs ("!x" excludes); NULL-terminated or NULL */
    const char *home;            /* $HOME, $XDG_CONFIG_HOME for git's global */
    const char *xdg_config_home; /* excludes (see rv_walk_params); NULL: none */
    rv_progress_fn progress;     /* optional; called from the working thread */
    void *progress_user;
    rv_search_skip_fn on_skip; /* optional */
    void *skip_user;
    /* One-line notices (index rebuilt after corruption, ...); optional. */
    void (*note)(void *user, const char *msg);
    void *note_user;
    /* 1: phase timings as "trace: <phase> <ms>" notes (the CLI sets it from
     * RIPVEC_TRACE). */
    int trace;
    /* Notices for a verbose user (a read-only index not refreshed), called
     * with note_user; optional. */
    void (*info)(void *user, const char *msg);
    /* Where the model's packed layers may be kept between loads
     * (rv_model_params.pack_dir); NULL: in memory. */
    const char *pack_dir;
} rv_search_config;

rv_search_config rv_search_default_config(void);

/* rv_search_config.max_chunks by default: about 1.4 hours of embedding at
 * the 40 chunks/s of fp32 on 2 cores (docs/INDEX.md). */
#define RV_SEARCH_MAX_CHUNKS 200000

typedef struct rv_refresh_stats {
    size_t files;           /* files in the corpus */
    size_t chunks;          /* chunks in the corpus */
    size_t files_changed;   /* files (re)chunked this time */
    size_t chunks_embedded; /* chunks embedded this time */
    size_t files_skipped;   /* files the walk left out (binary, too large...) */
    size_t files_pending;   /* answer_now: files not embedded yet (keyword only) */
    size_t chunks_pending;  /* answer_now: their chunks */
    int over_limit;         /* files pending, left to keywords: past max_chunks or home/"/" */
    int big_root;           /* over_limit because the root is home or "/" */
    size_t chunks_estimate; /* with over_limit: the tree's chunks (estimated) */
    int stale;              /* 1: the corpus is not up to date (read-only index,
                               another process writing, files pending): a later
                               refresh may find more */
    double seconds;         /* wall time of the refresh */
} rv_refresh_stats;

typedef enum rv_search_mode {
    RV_MODE_HYBRID = 0,   /* the blended ranking of semantic and keyword (docs/SEARCH.md) */
    RV_MODE_SEMANTIC = 1, /* cosine similarity of embeddings */
    RV_MODE_KEYWORD = 2   /* BM25F over code-aware tokens */
} rv_search_mode;

/* "hybrid" | "semantic" | "keyword" -> mode; -1 when unknown. */
int rv_search_mode_parse(const char *name);
const char *rv_search_mode_name(rv_search_mode m);

typedef struct rv_query {
    const char *text;      /* required, non-empty */
    rv_search_mode mode;   /* default hybrid */
    size_t top_k;          /* results wanted (default 10); 0 = all */
    size_t offset;         /* skip this many (pagination) */
    /* Drop results scoring below; 0 keeps all; < 0 (the default) is the
     * mode's own: RV_SCORE_FLOOR for hybrid, none for semantic and keyword
     * (a keyword result holds a query term by construction). */
    double threshold;
    const char *path_glob; /* keep only chunks whose path matches (rv_glob_match); NULL = all */
    /* Results of one file that overlap, or are at most merge_gap lines apart,
     * are shown as one region (up to merge_max_lines long; default 3 and 60).
     * merge_gap < 0: only overlapping results are merged. */
    int merge_gap;
    int merge_max_lines;
    /* Hybrid and keyword ranking (docs/SEARCH.md). content: RV_CONTENT_ALL
     * (default) searches everything with code before documentation; CODE or
     * DOCS keep only that. explain: 1 fills rv_result.explain. steps: the
     * RV_STEP_* in effect (default all; fewer only to measure a step). */
    rv_content content;
    int explain;
    unsigned steps;
} rv_query;

rv_query rv_query_default(void);

/* Hybrid and keyword scores are in [0, 1] and carry how much the query
 * matched at all (docs/SEARCH.md): real queries' best results score well
 * above this, strings of random letters below, so in hybrid mode (the
 * default threshold) those find nothing. */
#define RV_SCORE_FLOOR 0.12

/* score: semantic = cosine similarity in [-1, 1]; hybrid and keyword = the
 * blended score in [0, 1] (docs/SEARCH.md: 1 = first in every list with
 * every boost of the query's kind, times the query's evidence). A merged
 * region has its best chunk's score, name and kind, the lines of the whole
 * region and their text. */
typedef struct rv_result {
    const rv_chunk *chunk; /* points into the searcher's corpus */
    double score;
    size_t rank; /* 1-based, after offset */
    /* A merged region's best chunk (its own lines lie inside chunk's); NULL
     * when the result is a single chunk. */
    const rv_chunk *best;
    /* With rv_query.explain: the signals that placed it (points into the
     * list's explains); NULL otherwise. */
    const rv_rank_explain *explain;
} rv_result;

typedef struct rv_result_list {
    rv_result *items;
    size_t count;
    rv_chunk *owned; /* regions made of several chunks (items point here) */
    size_t n_owned;
    rv_rank_explain *explains; /* count entries with rv_query.explain, else NULL */
    rv_query_kind query_kind;  /* how the query was read (hybrid and keyword) */
} rv_result_list;

void rv_result_list_free(rv_result_list *l); /* frees items and owned; zeroes *l */

/* Loads the model (when cfg->model_dir is set) and opens the index (when
 * cfg->use_index). Copies what it keeps from cfg. Caller frees with
 * rv_searcher_close. Nothing is walked until rv_searcher_refresh. */
rv_status rv_searcher_open(rv_searcher **out, const rv_search_config *cfg);

/* Brings the corpus up to date: with an index, re-chunks and embeds only
 * changed files; without one, walks, chunks and embeds everything. stats may
 * be NULL. The new corpus is built before the old one is dropped: on error
 * the searcher keeps answering from the old corpus. When the index reports
 * no change at all, the loaded corpus (and its keyword index) is kept.
 * Invalidates results of earlier queries (unless nothing changed). */
rv_status rv_searcher_refresh(rv_searcher *s, rv_refresh_stats *stats);

/* *fresh = 1 when rv_searcher_refresh would find nothing changed since the
 * last refresh (every file under root has the stat it had then and, with an
 * index, nobody wrote to the index since); 0 before the first refresh.
 * Walks the root but reads no file: cheaper than a refresh. */
rv_status rv_searcher_fresh(rv_searcher *s, int *fresh);

/* Optional, before rv_searcher_refresh: starts loading the model and
 * embedding `text` as a query on a thread of the searcher's own, so that a
 * one-shot search overlaps the forward pass with the refresh. The next
 * semantic or hybrid rv_searcher_query with the same text uses the vector.
 * Only a lazy searcher (cfg.lazy_model with an index) prefetches; otherwise,
 * and when the thread cannot start, this does nothing and returns RV_OK.
 * A failed prefetch is dropped: the model error surfaces where the model is
 * next needed, as without a prefetch. */
rv_status rv_searcher_prefetch_query(rv_searcher *s, const char *text);

/* Ranks the corpus for q. Semantic and hybrid modes need a model
 * (RV_ERR_INVALID_ARG otherwise). Nearby results in one file are merged into
 * regions (see rv_query.merge_gap), reading the file for the region's text;
 * an overlapping result that would make a region too long is dropped (the
 * better-ranked one stays). out is overwritten; free it with
 * rv_result_list_free. An empty list is RV_OK. */
rv_status rv_searcher_query(rv_searcher *s, const rv_query *q, rv_result_list *out);

/* Chunks most similar (cosine) to the chunk covering rel_path:line (the
 * innermost one), that chunk itself excluded. RV_ERR_NOT_FOUND when no chunk
 * covers it; needs a model. */
rv_status rv_searcher_similar(rv_searcher *s, const char *rel_path, int line, size_t top_k,
                              rv_result_list *out);

/* The current corpus (chunks and vectors); owned by the searcher. */
const rv_corpus *rv_searcher_corpus(const rv_searcher *s);

/* 1 when a model is configured (semantic/hybrid possible; a lazy one may
 * not be loaded yet). */
int rv_searcher_has_model(const rv_searcher *s);

/* The index's SQLite file, or NULL for an in-memory searcher (owned by s). */
const char *rv_searcher_index_path(const rv_searcher *s);

/* The model's index id (rv_model_id), or NULL without a model (owned by s). */
const char *rv_searcher_model_id(const rv_searcher *s);

/* The device the engine runs on ("cpu", "cuda"), or NULL while no model is
 * loaded. */
const char *rv_searcher_device(const rv_searcher *s);

void rv_searcher_close(rv_searcher *s); /* NULL ok */

#ifdef __cplusplus
}
#endif
#endif
