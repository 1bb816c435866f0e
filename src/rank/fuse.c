/* Cosine scores, top-k selection, reciprocal-rank fusion, overlap merging. */
#include "ripvec/rank.h"

#include <stdlib.h>
#include <string.h>

/* Dot product in 8 independent lanes (the compiler keeps them in vector
 * registers; no BLAS library is needed for one matrix-vector product). */
static float dot(const float *v, const float *q, size_t dim) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= dim; j += 8)
        for (size_t l = 0; l < 8; l++)
            acc[l] += v[j + l] * q[j + l];
    for (size_t l = 0; j < dim; j++, l++)
        acc[l] += v[j] * q[j];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void rv_rank_cosine(float *scores, const float *vectors, size_t n, size_t dim, const float *q) {
    for (size_t i = 0; i < n; i++)
        scores[i] = dot(vectors + i * dim, q, dim);
}

static int cmp_scored(const void *a, const void *b) {
    const rv_scored *x = a, *y = b;
    if (x->score > y->score) return -1;
    if (x->score < y->score) return 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Min-heap on (score, -id): the root is the worst entry kept so far. */
static int worse(const rv_scored *a, const rv_scored *b) {
    return cmp_scored(a, b) > 0;
}

static void sift_down(rv_scored *h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && worse(&h[l], &h[m])) m = l;
        if (r < n && worse(&h[r], &h[m])) m = r;
        if (m == i) return;
        rv_scored t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

rv_status rv_rank_top(rv_scored **out, size_t *n_out, const float *scores, size_t n, size_t k,
                      float min, const unsigned char *keep) {
    if (!out || !n_out || (!scores && n))
        return rv_error_set(RV_ERR_INVALID_ARG, "rank: bad arguments");
    *out = NULL;
    *n_out = 0;
    if (n > UINT32_MAX) return rv_error_set(RV_ERR_INVALID_ARG, "rank: too many entries");
    if (k == 0 || k > n) k = n;
    if (k == 0) return RV_OK;
    rv_scored *h = malloc(k * sizeof *h);
    if (!h) return rv_error_set(RV_ERR_NOMEM, "rank: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(scores[i] >= min) || (keep && !keep[i])) continue; /* also drops NaN */
        rv_scored e = {(uint32_t)i, scores[i]};
        if (m < k) {
            h[m++] = e;
            if (m == k) /* heapify once full */
                for (size_t j = k / 2; j-- > 0;)
                    sift_down(h, k, j);
        } else if (worse(&h[0], &e)) {
            h[0] = e;
            sift_down(h, k, 0);
        }
    }
    if (m == 0) {
        free(h);
        return RV_OK;
    }
    qsort(h, m, sizeof *h, cmp_scored);
    *out = h;
    *n_out = m;
    return RV_OK;
}

static int cmp_id(const void *a, const void *b) {
    const rv_scored *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

rv_status rv_rank_rrf(rv_scored **out, size_t *n_out, const rv_scored *a, size_t na, double wa,
                      const rv_scored *b, size_t nb, double wb, double k) {
    if (!out || !n_out || (!a && na) || (!b && nb))
        return rv_error_set(RV_ERR_INVALID_ARG, "rrf: bad arguments");
    *out = NULL;
    *n_out = 0;
    if (na > SIZE_MAX / 2 / sizeof(rv_scored) || nb > SIZE_MAX / 2 / sizeof(rv_scored))
        return rv_error_set(RV_ERR_NOMEM, "rrf: lists too long");
    size_t m = na + nb;
    if (m == 0) return RV_OK;
    rv_scored *r = malloc(m * sizeof *r);
    if (!r) return rv_error_set(RV_ERR_NOMEM, "rrf: out of memory");
    for (size_t i = 0; i < na; i++)
        r[i] = (rv_scored){a[i].id, (float)(wa / (k + (double)i + 1))};
    for (size_t i = 0; i < nb; i++)
        r[na + i] = (rv_scored){b[i].id, (float)(wb / (k + (double)i + 1))};
    /* Group by id and sum, then order by fused score. */
    qsort(r, m, sizeof *r, cmp_id);
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        if (w > 0 && r[w - 1].id == r[i].id)
            r[w - 1].score += r[i].score;
        else
            r[w++] = r[i];
    }
    qsort(r, w, sizeof *r, cmp_scored);
    *out = r;
    *n_out = w;
    return RV_OK;
}

size_t rv_rank_merge_overlaps(rv_scored *list, size_t n, const rv_chunk *chunks, size_t want) {
    size_t kept = 0;
    for (size_t i = 0; i < n && (want == 0 || kept < want); i++) {
        const rv_chunk *c = &chunks[list[i].id];
        int clash = 0;
        for (size_t j = 0; j < kept && !clash; j++) {
            const rv_chunk *o = &chunks[list[j].id];
            if (c->start_line <= o->end_line && o->start_line <= c->end_line &&
                strcmp(c->path, o->path) == 0)
                clash = 1;
        }
        if (!clash) list[kept++] = list[i];
    }
    return kept;
}

rv_status rv_rank_definitions(uint32_t **out, const rv_chunk *chunks, size_t n) {
    if (!out || (n && !chunks)) return rv_error_set(RV_ERR_INVALID_ARG, "defs: bad arguments");
    if (n > UINT32_MAX) return rv_error_set(RV_ERR_INVALID_ARG, "defs: too many chunks");
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out) return rv_error_set(RV_ERR_NOMEM, "defs: out of memory");
    for (size_t i = 0; i < n; i++) {
        int piece = i && rv_chunk_continues(&chunks[i - 1], &chunks[i]);
        (*out)[i] = piece ? (*out)[i - 1] : (uint32_t)i;
    }
    return RV_OK;
}

/* Lines of t with text, decorator and annotation lines (`@x`) aside. */
static int text_lines(const char *t) {
    int lines = 0, state = 0; /* 0 line start, 1 counted, 2 decorator */
    for (; *t; t++) {
        if (*t == '\n') {
            lines += state == 1;
            state = 0;
        } else if (state == 0 && *t != ' ' && *t != '\t' && *t != '\r') {
            state = *t == '@' ? 2 : 1;
        }
    }
    return lines + (state == 1);
}

/* A container whose summary chunk is its header alone (`class X:` or
 * `class X {`, perhaps under decorators: no docstring, no fields)
 * is shown with its first member, whose span then starts at the header: the
 * member reads with what it belongs to, and a result for the class holds its
 * first line. */
static void fold_bare_header(rv_span *s, const rv_chunk *chunks, int max_lines) {
    const rv_chunk *c = &chunks[s->id], *h = s->id ? &chunks[s->id - 1] : NULL;
    if (!h || s->start_line != c->start_line || !c->scope || !c->scope[0] || !h->name ||
        !h->name[0] || !h->content)
        return;
    if (strcmp(h->path, c->path) != 0 || h->end_line >= c->start_line ||
        c->start_line - h->end_line > 2 || s->end_line - h->start_line + 1 > max_lines)
        return;
    size_t sl = strlen(c->scope), nl = strlen(h->name); /* c's scope ends with h's name */
    if (sl < nl || strcmp(c->scope + sl - nl, h->name) != 0 ||
        (sl > nl && c->scope[sl - nl - 1] != '.'))
        return;
    if (text_lines(h->content) > 1) return;
    s->start_line = h->start_line;
    s->merged = 1;
}

rv_status rv_rank_group(rv_span **out, size_t *n_out, const rv_scored *list, size_t n,
                        const rv_chunk *chunks, const uint32_t *defs, int gap, int max_lines,
                        size_t want) {
    if (!out || !n_out || (n && (!list || !chunks)))
        return rv_error_set(RV_ERR_INVALID_ARG, "group: bad arguments");
    *out = NULL;
    *n_out = 0;
    if (n == 0) return RV_OK;
    rv_span *sp = malloc(n * sizeof *sp);
    if (!sp) return rv_error_set(RV_ERR_NOMEM, "group: out of memory");
    size_t m = 0;
    /* Once `want` spans exist, later entries may still fold into them (a
     * neighbour ranked a little lower belongs to the region) but start none;
     * they are looked at down to 4 x want. */
    size_t horizon = want && want <= n / 4 ? want * 4 : n;
    for (size_t i = 0; i < horizon; i++) {
        const rv_chunk *c = &chunks[list[i].id];
        int placed = 0; /* 1 folded, -1 dropped */
        int full = want && m >= want;
        for (size_t k = 0; k < m && !placed; k++) {
            const rv_chunk *b = &chunks[sp[k].id];
            if (strcmp(c->path, b->path) != 0) continue;
            int overlap = c->start_line <= sp[k].end_line && sp[k].start_line <= c->end_line;
            /* another piece of the same definition counts as overlapping */
            if (defs && defs[list[i].id] == defs[sp[k].id]) overlap = 1;
            /* lines strictly between the two ranges */
            long between = c->start_line > sp[k].end_line
                               ? (long)c->start_line - sp[k].end_line - 1
                               : (long)sp[k].start_line - c->end_line - 1;
            if (!overlap && (gap < 0 || between > gap)) continue;
            int lo = c->start_line < sp[k].start_line ? c->start_line : sp[k].start_line;
            int hi = c->end_line > sp[k].end_line ? c->end_line : sp[k].end_line;
            if ((long)hi - lo + 1 <= max_lines) {
                if (lo != sp[k].start_line || hi != sp[k].end_line) sp[k].merged = 1;
                sp[k].start_line = lo;
                sp[k].end_line = hi;
                placed = 1;
            } else if (overlap) {
                placed = -1;
            }
        }
        if (!placed && !full) {
            sp[m].id = list[i].id;
            sp[m].score = list[i].score;
            sp[m].start_line = c->start_line;
            sp[m].end_line = c->end_line;
            sp[m].merged = 0;
            m++;
        }
    }
    if (gap >= 0)
        for (size_t k = 0; k < m; k++)
            fold_bare_header(&sp[k], chunks, max_lines);
    *out = sp;
    *n_out = m;
    return RV_OK;
}
