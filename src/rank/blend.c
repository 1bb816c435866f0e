/* The blended ranking: per-query normalized cosine and BM25F, weighted by
 * query kind, plus definition, path and file-level evidence, code first,
 * path penalties and a per-file decay (docs/SEARCH.md). */
#include "ripvec/rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Weights of one query kind: the two lists and the boosts (docs/SEARCH.md
 * gives the reasons). The boosts are on the blend's scale, where the top
 * of both lists scores sem + kw. */
typedef struct weights {
    float sem, kw;    /* normalized cosine and BM25F */
    float def;        /* a chunk defining a queried identifier */
    float path;       /* the file or folder name holds query words */
    float file;       /* the file has several strong chunks */
    float name;       /* a definition named with the query's words */
} weights;

static const weights W_NATURAL = {0.65f, 0.35f, 0.30f, 0.35f, 0.20f, 0.40f};
static const weights W_MIXED = {0.55f, 0.45f, 0.50f, 0.35f, 0.20f, 0.40f};
static const weights W_SYMBOL = {0.30f, 0.70f, 1.00f, 0.00f, 0.00f, 0.00f};
static const weights W_PATH = {0.30f, 0.70f, 0.30f, 0.60f, 0.00f, 0.00f};

/* A definition outside both lists joins the candidates when its name and
 * the query describe each other at least this well. */
#define RV_NAME_JOIN 0.5f

/* A query word only a definition's parameters name (`mount(prefix,
 * adapter)` for "registers a connection adapter to a prefix") counts this
 * much of a word of its name: half, as an identifier written inside a
 * sentence gets half the definition boost. */
#define RV_SIG_WEIGHT 0.5f

/* A file's name matching a queried identifier counts this share of a definition. */
#define RV_FILE_DEF_SHARE 0.6f
/* A definition whose scope and path do not hold the query's qualifier. */
#define RV_QUAL_MISS 0.7f
/* A definition spelled otherwise than the query (`urlConvertible` for
 * `URLConvertible`) where another one is spelled as written. */
#define RV_DEF_SPELLING 0.8f
/* Documentation in code-first order. */
#define RV_CODE_FIRST 0.5f
/* A chunk is strong evidence for its file at this share of the best blend. */
#define RV_STRONG 0.6f
/* A file of up to this many chunks (a module of a few definitions) keeps
 * the whole file boost for a description; a bigger one's shrinks as
 * sqrt(RV_FILE_SMALL / chunks): more of its chunks pass the strong
 * threshold by chance alone. */
#define RV_FILE_SMALL 10.0f
/* Semantic evidence: the best cosine's distance above the corpus mean, in
 * standard deviations, from "no evidence" to "full evidence". */
#define RV_Z_NONE 2.0f
#define RV_Z_FULL 6.0f

typedef struct cand {
    rv_rank_explain x;
    const char *path;
    float raw; /* before diversity and evidence */
} cand;

typedef struct ranker {
    const rv_rank_input *in;
    weights w;
    cand *c;
    size_t n, cap;
    int32_t *slot; /* chunk id -> index in c, -1 */
    float cos_mean, cos_std, cos_top, bm_top;
    float cos_scale, bm_scale; /* the tops the two lists are normalized by */
} ranker;

/* One word that the corpus defines is a symbol query ("formatter", "monad"),
 * whatever its case. */
static rv_query_kind kind_of(const rv_rank_input *in) {
    const rv_query_info *q = in->query;
    const uint32_t *ids;
    if (q->kind == RV_QK_MIXED && q->n_idents == 1 && q->n_words <= 1 && in->symtab &&
        (in->steps & RV_STEP_DEFS) && rv_symtab_defs(in->symtab, q->ident[0], &ids) > 0)
        return RV_QK_SYMBOL;
    return q->kind;
}

static weights weights_for(const rv_rank_input *in) {
    weights w = W_NATURAL;
    if (in->steps & RV_STEP_QUERY) {
        switch (kind_of(in)) {
        case RV_QK_NATURAL: w = W_NATURAL; break;
        case RV_QK_MIXED: w = W_MIXED; break;
        case RV_QK_SYMBOL:
        case RV_QK_QUALIFIED: w = W_SYMBOL; break;
        case RV_QK_PATH: w = W_PATH; break;
        }
    }
    if (!in->cosine) w.sem = 0, w.kw = 1.0f;
    if (!in->bm25) w.kw = 0, w.sem = 1.0f;
    return w;
}

static cand *add(ranker *r, uint32_t id) {
    if (r->slot[id] >= 0) return &r->c[r->slot[id]];
    if (r->in->keep && !r->in->keep[id]) return NULL;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        cand *c = realloc(r->c, cap * sizeof *c);
        if (!c) return NULL;
        r->c = c;
        r->cap = cap;
    }
    cand *c = &r->c[r->n];
    memset(c, 0, sizeof *c);
    c->x.id = id;
    c->path = r->in->chunks[id].path ? r->in->chunks[id].path : "";
    c->x.content = c->x.penalty = c->x.diversity = 1.0f;
    r->slot[id] = (int32_t)r->n++;
    return c;
}

/* The two lists' top `depth`, with their ranks. */
static rv_status take_lists(ranker *r) {
    const rv_rank_input *in = r->in;
    const float *lists[2] = {in->cosine, in->bm25};
    unsigned char *sem_keep = NULL; /* the cosine list: embedded chunks only */
    if (in->cosine && in->embedded) {
        if (!(sem_keep = malloc(in->n))) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < in->n; i++)
            sem_keep[i] = in->embedded[i] && (!in->keep || in->keep[i]);
    }
    for (int l = 0; l < 2; l++) {
        if (!lists[l]) continue;
        rv_scored *top = NULL;
        size_t nt = 0;
        rv_status st = rv_rank_top(&top, &nt, lists[l], in->n, in->depth,
                                   l == 0 ? -INFINITY : 1e-6f,
                                   l == 0 && sem_keep ? sem_keep : in->keep);
        if (st != RV_OK) {
            free(sem_keep);
            return st;
        }
        for (size_t i = 0; i < nt; i++) {
            cand *c = add(r, top[i].id);
            if (!c) {
                free(top);
                free(sem_keep);
                return rv_error_set(RV_ERR_NOMEM, "out of memory");
            }
            if (l == 0)
                c->x.sem_rank = (int)i + 1;
            else
                c->x.kw_rank = (int)i + 1;
        }
        if (l == 0 && nt) r->cos_top = top[0].score;
        if (l == 1 && nt) r->bm_top = top[0].score;
        free(top);
    }
    free(sem_keep);
    return RV_OK;
}

/* The tops each list is scaled by. In code-first order, the best code
 * chunk's: prose ranks below code, so a document whose vector stands
 * closest to the query must not shrink every code chunk's semantic share
 * (nor its keyword share) before the code-first factor applies. */
static void list_scales(ranker *r) {
    const rv_rank_input *in = r->in;
    r->cos_scale = r->cos_top;
    r->bm_scale = r->bm_top;
    if (!(in->steps & RV_STEP_CODE) || in->content != RV_CONTENT_ALL || in->query->wants_prose)
        return;
    float ct = -INFINITY, bt = 0;
    int code = 0;
    for (size_t i = 0; i < r->n; i++) {
        uint32_t id = r->c[i].x.id;
        if (rv_chunk_is_prose(&in->chunks[id])) continue;
        code = 1;
        if (in->cosine && r->c[i].x.sem_rank && in->cosine[id] > ct) ct = in->cosine[id];
        if (in->bm25 && r->c[i].x.kw_rank && in->bm25[id] > bt) bt = in->bm25[id];
    }
    if (!code) return;
    if (ct > -INFINITY) r->cos_scale = ct;
    if (bt > 0) r->bm_scale = bt;
}

/* Whether the chunk's name, generic arguments aside, is spelled as written. */
static int same_spelling(const rv_chunk *c, const char *raw) {
    size_t n = c->name ? strcspn(c->name, "<") : 0;
    return n && strlen(raw) == n && strncmp(c->name, raw, n) == 0;
}

/* Chunks defining a queried identifier, and chunks of files named like it,
 * join the candidates (wherever they ranked) with a boost. */
static rv_status lookup_defs(ranker *r) {
    const rv_rank_input *in = r->in;
    const rv_query_info *q = in->query;
    if (!(in->steps & RV_STEP_DEFS) || !in->symtab) return RV_OK;
    rv_query_kind kind = kind_of(in);
    int strong = kind == RV_QK_SYMBOL || kind == RV_QK_QUALIFIED;
    float full = r->w.def * (strong ? 1.0f : 0.5f);
    for (size_t i = 0; i < q->n_idents; i++) {
        const uint32_t *ids;
        size_t m = rv_symtab_defs(in->symtab, q->ident[i], &ids);
        int found = m > 0, spelled = 0;
        for (size_t j = 0; j < m; j++)
            spelled |= same_spelling(&in->chunks[ids[j]], q->raw[i]);
        for (size_t j = 0; j < m; j++) {
            float b = full;
            if (spelled && !same_spelling(&in->chunks[ids[j]], q->raw[i])) b *= RV_DEF_SPELLING;
            if (q->qual[i][0]) { /* "Scope.name": the scope should agree */
                char sk[RV_QUERY_WORD_MAX];
                const char *scope = in->chunks[ids[j]].scope ? in->chunks[ids[j]].scope : "";
                rv_symbol_key(sk, sizeof sk, scope, strlen(scope));
                const char *path = in->chunks[ids[j]].path ? in->chunks[ids[j]].path : "";
                char pk[256];
                rv_symbol_key(pk, sizeof pk, path, strlen(path));
                if (!strstr(sk, q->qual[i]) && !strstr(pk, q->qual[i])) b *= RV_QUAL_MISS;
            }
            cand *c = add(r, ids[j]);
            if (!c && !(in->keep && !in->keep[ids[j]]))
                return rv_error_set(RV_ERR_NOMEM, "out of memory");
            if (c && b > c->x.def_boost) c->x.def_boost = b;
        }
        /* a file named like it stands in only where nothing defines it by
         * name (a language we chunk without names) */
        m = found ? 0 : rv_symtab_files(in->symtab, q->ident[i], &ids);
        for (size_t j = 0; j < m; j++) {
            cand *c = add(r, ids[j]);
            if (!c && !(in->keep && !in->keep[ids[j]]))
                return rv_error_set(RV_ERR_NOMEM, "out of memory");
            float b = full * RV_FILE_DEF_SHARE;
            if (c && b > c->x.def_boost) c->x.def_boost = b;
        }
    }
    return RV_OK;
}

/* Definitions named with the query's words: every candidate's name is
 * scored, and a well-named definition outside both lists joins them. */
static rv_status name_evidence(ranker *r) {
    const rv_rank_input *in = r->in;
    if (!(in->steps & RV_STEP_NAMES) || !in->symtab || r->w.name <= 0) return RV_OK;
    size_t m = rv_symtab_count_named(in->symtab);
    for (size_t i = 0; i < m; i++) {
        const char *words;
        size_t nw;
        uint32_t id = rv_symtab_named(in->symtab, i, &words, &nw);
        if (in->keep && !in->keep[id]) continue;
        const char *sig;
        size_t ns = rv_symtab_signature(in->symtab, i, &sig);
        float sw = (in->steps & RV_STEP_SIGNATURE) ? RV_SIG_WEIGHT : 0.0f;
        float f = rv_name_match_sig(words, nw, sig, ns, sw, in->query);
        if (f <= 0 || (r->slot[id] < 0 && f < RV_NAME_JOIN)) continue;
        cand *c = add(r, id);
        if (!c) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        /* a definition of a queried identifier has its name's evidence
         * already: the two are one evidence, the larger counts */
        c->x.name_boost = fmaxf(0.0f, r->w.name * f - c->x.def_boost);
        if (ns && sw > 0 && c->x.name_boost > 0) { /* what the signature added */
            float f0 = rv_name_match(words, nw, in->query);
            float b0 = fmaxf(0.0f, r->w.name * f0 - c->x.def_boost);
            c->x.sig_boost = fmaxf(0.0f, c->x.name_boost - b0);
        }
    }
    return RV_OK;
}

/* Query words among the words of a path: the file's stem counts fully,
 * its folder half. Returns a share in [0, 1]. */
typedef struct path_words {
    const rv_query_info *q;
    size_t seen, hit;
} path_words;

static void path_sink(void *user, const char *t, size_t n) {
    path_words *p = user;
    p->seen++;
    for (size_t i = 0; i < p->q->n_words; i++)
        if (strlen(p->q->word[i]) == n && memcmp(p->q->word[i], t, n) == 0) {
            p->hit++;
            return;
        }
}

static float path_match(const char *path, const rv_query_info *q) {
    if (!path || !q->n_words) return 0;
    const char *base = strrchr(path, '/');
    const char *stem = base ? base + 1 : path;
    const char *dot = strchr(stem + (stem[0] == '.'), '.');
    size_t sl = dot ? (size_t)(dot - stem) : strlen(stem);
    path_words f = {q, 0, 0}, d = {q, 0, 0};
    rv_code_tokenize(stem, sl, RV_TOK_STEM, path_sink, &f);
    if (base) { /* the innermost folder */
        const char *dir = base;
        while (dir > path && dir[-1] != '/')
            dir--;
        rv_code_tokenize(dir, (size_t)(base - dir), RV_TOK_STEM, path_sink, &d);
    }
    float s = f.seen ? (float)f.hit / (float)f.seen : 0;
    float sd = d.seen ? (float)d.hit / (float)d.seen : 0;
    return (s + 0.5f * sd) / 1.5f;
}

/* How many chunks chunk id's file has (a file's chunks are contiguous:
 * they come in file order). */
static size_t file_chunks(const rv_rank_input *in, uint32_t id) {
    const char *p = in->chunks[id].path ? in->chunks[id].path : "";
    size_t lo = id, hi = (size_t)id + 1;
    while (lo > 0 && in->chunks[lo - 1].path && strcmp(in->chunks[lo - 1].path, p) == 0)
        lo--;
    while (hi < in->n && in->chunks[hi].path && strcmp(in->chunks[hi].path, p) == 0)
        hi++;
    return hi - lo;
}

/* The share of the file boost a file keeps. A description names one
 * definition, and a big file holds many near matches for any of them; a
 * question asks how a file works, and keeps the whole boost. */
static float file_size_share(const rv_rank_input *in, uint32_t id) {
    if (!(in->steps & RV_STEP_FILE_SIZE) || in->query->question) return 1.0f;
    float n = (float)file_chunks(in, id);
    return n > RV_FILE_SMALL ? sqrtf(RV_FILE_SMALL / n) : 1.0f;
}

static int cmp_cand_path(const void *a, const void *b) {
    const cand *x = *(const cand *const *)a, *y = *(const cand *const *)b;
    return strcmp(x->path, y->path);
}

/* File-level evidence: a file with several chunks near the best blend is
 * likely what a broad question is about; each of its chunks gets a share of
 * the file boost (the decay keeps the file from crowding the list). */
static rv_status file_evidence(ranker *r, float best) {
    if (!(r->in->steps & RV_STEP_DIVERSE) || r->w.file <= 0 || r->n == 0) return RV_OK;
    cand **by = malloc(r->n * sizeof *by);
    if (!by) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n; i++)
        by[i] = &r->c[i];
    qsort(by, r->n, sizeof *by, cmp_cand_path);
    for (size_t i = 0; i < r->n;) {
        size_t j = i, strong = 0;
        while (j < r->n && strcmp(by[j]->path, by[i]->path) == 0) {
            if (by[j]->x.blend >= RV_STRONG * best) strong++;
            j++;
        }
        float b = strong > 1 ? r->w.file * fminf(1.0f, (float)(strong - 1) / 3.0f) : 0;
        if (b > 0) b *= file_size_share(r->in, by[i]->x.id);
        for (size_t k = i; k < j; k++)
            by[k]->x.file_boost = b;
        i = j;
    }
    free(by);
    return RV_OK;
}

static void mean_cosine(ranker *r) {
    const rv_rank_input *in = r->in;
    double sum = 0, sq = 0;
    size_t m = 0;
    for (size_t i = 0; i < in->n; i++) {
        if ((in->keep && !in->keep[i]) || (in->embedded && !in->embedded[i])) continue;
        sum += in->cosine[i];
        sq += (double)in->cosine[i] * in->cosine[i];
        m++;
    }
    double mean = m ? sum / (double)m : 0;
    r->cos_mean = (float)mean;
    double var = m ? sq / (double)m - mean * mean : 0;
    r->cos_std = var > 0 ? (float)sqrt(var) : 0;
}

/* How much the query matched at all, in [0, 1]: the best chunk's keyword
 * coverage, or, for a query whose words the corpus does not use, how much
 * it is made of words at all (the model's vocabulary), weighed by how far
 * the best cosine stands above the corpus. The cosine alone cannot vouch
 * for a query: letter salad still lands near some vector. */
static float evidence(const ranker *r) {
    float cov = 0, sem = 0;
    if (r->in->coverage)
        for (size_t i = 0; i < r->n; i++)
            cov = fmaxf(cov, r->in->coverage[r->c[i].x.id]);
    if (r->in->cosine && r->cos_std > 0) {
        float z = (r->cos_top - r->cos_mean) / r->cos_std;
        sem = fminf(1.0f, fmaxf(0.0f, (z - RV_Z_NONE) / (RV_Z_FULL - RV_Z_NONE)));
    }
    float e = cov;
    if (r->in->cosine && r->in->lexical > 0)
        e = fmaxf(e, r->in->lexical * (0.5f + 0.5f * sem));
    for (size_t i = 0; i < r->n; i++) /* a definition of the queried name is evidence */
        if (r->c[i].x.def_boost > 0 && r->c[i].x.kw_rank) e = 1.0f;
    return fminf(1.0f, e);
}

static int cmp_raw(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->raw != y->raw) return x->raw > y->raw ? -1 : 1;
    return (x->x.id > y->x.id) - (x->x.id < y->x.id);
}

rv_status rv_rank_blend(rv_rank_explain **out, size_t *n_out, const rv_rank_input *in) {
    if (!out || !n_out || !in || !in->query || (!in->chunks && in->n))
        return rv_error_set(RV_ERR_INVALID_ARG, "blend: bad arguments");
    *out = NULL;
    *n_out = 0;
    rv_status st = RV_OK;
    ranker r;
    memset(&r, 0, sizeof r);
    r.in = in;
    r.w = weights_for(in);
    if (in->n == 0) return RV_OK;
    r.slot = malloc(in->n * sizeof *r.slot);
    if (!r.slot) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    memset(r.slot, 0xff, in->n * sizeof *r.slot);
    if (in->cosine) mean_cosine(&r);
    if ((st = take_lists(&r)) != RV_OK || (st = lookup_defs(&r)) != RV_OK ||
        (st = name_evidence(&r)) != RV_OK)
        goto done;
    list_scales(&r);
    const rv_query_info *q = in->query;
    float best = 0;
    for (size_t i = 0; i < r.n; i++) {
        rv_rank_explain *x = &r.c[i].x;
        const rv_chunk *ch = &in->chunks[x->id];
        if (in->bm25) {
            x->bm25 = in->bm25[x->id];
            x->kw_norm = r.bm_scale > 0 ? fminf(1.0f, x->bm25 / r.bm_scale) : 0;
        }
        if (in->cosine && in->embedded && !in->embedded[x->id]) {
            x->sem_norm = x->kw_norm; /* no vector yet: its keywords stand in */
        } else if (in->cosine) {
            x->cosine = in->cosine[x->id];
            float span = r.cos_scale - r.cos_mean;
            if (span > 0)
                x->sem_norm = fminf(1.0f, fmaxf(0.0f, (x->cosine - r.cos_mean) / span));
            else /* one chunk, or every cosine the same: the top is still the top */
                x->sem_norm = x->cosine >= r.cos_scale ? 1.0f : 0.0f;
        }
        if (in->coverage) x->coverage = in->coverage[x->id];
        x->blend = r.w.sem * x->sem_norm + r.w.kw * x->kw_norm;
        if (x->blend > best) best = x->blend;
        if ((in->steps & RV_STEP_PATH) && r.w.path > 0) x->path_boost = r.w.path * path_match(ch->path, q);
        if ((in->steps & RV_STEP_CODE) && in->content == RV_CONTENT_ALL && !q->wants_prose &&
            rv_chunk_is_prose(ch))
            x->content = RV_CODE_FIRST;
        if (in->steps & RV_STEP_PENALTY)
            x->penalty = rv_rank_penalty(ch, q);
        else if (!q->wants_tests && rv_chunk_is_test(ch))
            x->penalty = rv_rank_prior(ch); /* today's test prior */
        if (!(in->steps & RV_STEP_CODE) && rv_chunk_is_prose(ch) && x->penalty == 1.0f)
            x->content = rv_rank_prior(ch); /* today's prose prior */
    }
    if (r.n == 0) goto done; /* nothing matched: an empty list */
    if ((st = file_evidence(&r, best)) != RV_OK) goto done;
    /* 1.0 = first in both lists with every boost of the query's kind in effect */
    float scale = r.w.sem + r.w.kw;
    if (in->steps & RV_STEP_DEFS) scale += r.w.def;
    if (in->steps & RV_STEP_PATH) scale += r.w.path;
    if (in->steps & RV_STEP_DIVERSE) scale += r.w.file;
    if (in->steps & RV_STEP_NAMES) scale += r.w.name;
    for (size_t i = 0; i < r.n; i++) {
        rv_rank_explain *x = &r.c[i].x;
        float sum = x->blend + x->def_boost + x->path_boost + x->file_boost + x->name_boost;
        r.c[i].raw = sum / scale * x->content * x->penalty;
    }
    qsort(r.c, r.n, sizeof *r.c, cmp_raw);
    float e = evidence(&r);
    rv_rank_explain *res = malloc(r.n * sizeof *res);
    if (!res) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < r.n; i++) {
        res[i] = r.c[i].x;
        res[i].evidence = e;
        res[i].score = r.c[i].raw * e;
    }
    *out = res;
    *n_out = r.n;
done:
    free(r.c);
    free(r.slot);
    return st;
}

/* A file's first `free` results stand as ranked; each further one keeps
 * RV_FILE_DECAY of its score per result of the file above it. A question
 * asks how something works across files: only its best chunk of a file
 * stands, so the top 10 holds more of the files involved. */
#define RV_FILE_FREE 3
#define RV_FILE_FREE_QUESTION 1
#define RV_FILE_DECAY 0.6f

size_t rv_rank_file_free(const rv_query_info *q) {
    return q && q->question ? RV_FILE_FREE_QUESTION : RV_FILE_FREE;
}

void rv_rank_spread(rv_span *sp, size_t n, size_t want, size_t free, const rv_chunk *chunks) {
    size_t places = want && want < n ? want : n;
    if (free < 1) free = 1;
    for (size_t i = 0; i < places; i++) {
        /* the best of the rest, each decayed once per result of its file above */
        size_t best = i;
        float best_s = -INFINITY;
        for (size_t j = i; j < n; j++) {
            float f = 1.0f;
            size_t same = 0;
            for (size_t k = 0; k < i; k++)
                if (strcmp(chunks[sp[k].id].path, chunks[sp[j].id].path) == 0 && ++same >= free)
                    f *= RV_FILE_DECAY;
            if (sp[j].score * f > best_s) {
                best = j;
                best_s = sp[j].score * f;
            }
        }
        rv_span t = sp[i];
        sp[i] = sp[best];
        sp[best] = t;
        sp[i].score = best_s;
    }
}
