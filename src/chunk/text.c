/* chunk/text.c — normalised text, line index, token budget, chunk emission. */
#include "ripvec/text.h"
#include "chunk/chunk_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- normalisation ---------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid
 * (overlong, surrogate, > U+10FFFF, truncated). */
static size_t utf8_valid_len(const unsigned char *p, size_t n) {
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;
        if (c == 0xF4 && p[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

/* In place: NUL -> ' ', each byte of an invalid sequence -> '?'. Keeps
 * offsets, so lines and tree-sitter byte ranges stay valid. */
static void sanitize(char *t, size_t n) {
    unsigned char *u = (unsigned char *)t;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) {
            if (u[i] == 0) u[i] = ' ';
            i++;
            continue;
        }
        size_t k = utf8_valid_len(u + i, n - i);
        if (k == 0) {
            u[i++] = '?';
        } else {
            i += k;
        }
    }
}

/* UTF-16 (after its BOM) to UTF-8; unpaired surrogates become U+FFFD. Each
 * 2-byte unit yields at most 3 bytes, a pair at most 4: 3/2 * n bounds it. */
static rv_status utf16_to_utf8(char **out, size_t *out_len, const unsigned char *d, size_t n,
                               int big_endian) {
    size_t units = n / 2;
    if (units > (SIZE_MAX - 8) / 3) return rv_error_set(RV_ERR_NOMEM, "file too large");
    char *o = malloc(units * 3 + 8);
    if (!o) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    size_t w = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = big_endian ? ((uint32_t)d[2 * i] << 8 | d[2 * i + 1])
                                : ((uint32_t)d[2 * i + 1] << 8 | d[2 * i]);
        if (u >= 0xD800 && u < 0xDC00 && i + 1 < units) {
            uint32_t v = big_endian ? ((uint32_t)d[2 * i + 2] << 8 | d[2 * i + 3])
                                    : ((uint32_t)d[2 * i + 3] << 8 | d[2 * i + 2]);
            if (v >= 0xDC00 && v < 0xE000) {
                w += rv_utf8_put(0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00), o + w);
                i++;
                continue;
            }
        }
        if (u >= 0xD800 && u < 0xE000) u = 0xFFFD;
        w += rv_utf8_put(u, o + w);
    }
    o[w] = 0;
    *out = o;
    *out_len = w;
    return RV_OK;
}

rv_status rv_csrc_init(rv_csrc *s, rv_chunk_list *out, const char *path, const char *data,
                       size_t len, const rv_chunk_params *p) {
    rv_status st = RV_OK;
    memset(s, 0, sizeof *s);
    s->path = path;
    s->p = p;
    s->out = out;
    s->first_out = out->count;
    const unsigned char *u = (const unsigned char *)data;
    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        if ((st = utf16_to_utf8(&s->text, &s->len, u + 2, len - 2, u[0] == 0xFE)) != RV_OK)
            goto done;
    } else {
        if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
            data += 3;
            len -= 3;
        }
        if (len == SIZE_MAX || !(s->text = malloc(len + 1))) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (len) memcpy(s->text, data, len);
        s->text[len] = 0;
        s->len = len;
    }
    sanitize(s->text, s->len);
    if (s->len > (size_t)INT_MAX) {
        st = rv_error_set(RV_ERR_NOMEM, "%s: file too large to chunk", path);
        goto done;
    }
    /* Line starts: count first so the index is one exact allocation. */
    size_t n = 0;
    for (const char *q = s->text; (q = memchr(q, '\n', s->len - (size_t)(q - s->text)));) {
        n++;
        q++;
    }
    if (s->len && s->text[s->len - 1] != '\n') n++;
    s->nlines = (int)n;
    if (!(s->line_off = malloc((n + 1) * sizeof *s->line_off)) || !(s->cover = calloc(n + 1, 1))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t k = 0, off = 0;
    while (k < n) {
        s->line_off[k++] = off;
        const char *nl = memchr(s->text + off, '\n', s->len - off);
        off = nl ? (size_t)(nl - s->text) + 1 : s->len;
    }
    s->line_off[n] = s->len;
    /* Two tokens of the model's limit go to [CLS] and [SEP]. */
    s->limit = p->max_tokens - 2;
    if (s->limit < 8) s->limit = 8;
    s->adds_up = -1; /* asked when first needed: the answer may load a tokenizer */
done:
    return st;
}

void rv_csrc_free(rv_csrc *s) {
    free(s->text);
    free(s->line_off);
    free(s->line_tok);
    free(s->cover);
    memset(s, 0, sizeof *s);
}

size_t rv_csrc_line_end(const rv_csrc *s, int i) {
    size_t a = s->line_off[i], e = s->line_off[i + 1];
    if (e > a && s->text[e - 1] == '\n') e--;
    if (e > a && s->text[e - 1] == '\r') e--;
    return e;
}

int rv_csrc_blank(const rv_csrc *s, int i) {
    size_t e = rv_csrc_line_end(s, i);
    for (size_t k = s->line_off[i]; k < e; k++) {
        char c = s->text[k];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return 0;
    }
    return 1;
}

int rv_csrc_line_of(const rv_csrc *s, size_t off) {
    int lo = 0, hi = s->nlines - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (s->line_off[mid] <= off) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

/* ---- token budget ----------------------------------------------------- */

static size_t count_tok(const rv_csrc *s, const char *t, size_t n) {
    if (s->p->count_tokens) return s->p->count_tokens(s->p->count_user, t, n);
    return (n + 2) / 3;
}

/* No tokenizer makes more than one token of a byte, plus one for a
 * prefix it adds (a metaspace "▁") to each text counted: so n bytes
 * counted as k texts that fit this bound fit the budget without a count. */
static int fits_unread(const rv_csrc *s, size_t htok, size_t bytes, size_t texts) {
    return htok + bytes + texts <= (size_t)s->limit;
}

/* Per-line counts, computed on first need for the lines of [a, b] only
 * (ranges that fit by their bytes never need them; NOT_COUNTED marks the
 * rest). With a real counter a whitespace-splitting tokenizer makes them
 * additive; each emitted chunk is checked whole anyway (see emit_checked). */
#define NOT_COUNTED UINT32_MAX
static rv_status ensure_line_tok(rv_csrc *s, int a, int b) {
    if (!s->line_tok) {
        s->line_tok = malloc(((size_t)s->nlines + 1) * sizeof *s->line_tok);
        if (!s->line_tok) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        for (int i = 0; i <= s->nlines; i++)
            s->line_tok[i] = NOT_COUNTED;
    }
    for (int i = a; i <= b; i++) {
        if (s->line_tok[i] != NOT_COUNTED) continue;
        size_t e = rv_csrc_line_end(s, i), st = s->line_off[i];
        size_t t = s->p->count_tokens ? count_tok(s, s->text + st, e - st) : (e - st + 3) / 3;
        s->line_tok[i] = t >= NOT_COUNTED ? NOT_COUNTED - 1 : (uint32_t)t;
    }
    return RV_OK;
}

/* ---- chunk construction ----------------------------------------------- */

typedef struct meta {
    const char *kind, *name, *scope;
    char *header; /* "path: …\nkind scope.name\n" */
    size_t hlen;
    size_t htok;
} meta;

/* Appends at most `max` bytes of t, cut back to a UTF-8 boundary; keeps the
 * tail instead when `tail` (long paths: the file name matters most). */
static size_t put_clipped(char *o, const char *t, size_t max, int tail) {
    size_t n = strlen(t);
    if (n <= max) {
        memcpy(o, t, n);
        return n;
    }
    if (tail) {
        const char *q = t + n - max;
        while (*q && ((unsigned char)*q & 0xC0) == 0x80)
            q++;
        const char *slash = strchr(q, '/');
        if (slash && slash[1]) q = slash + 1;
        memcpy(o, "…/", 4);
        n = strlen(q);
        memcpy(o + 4, q, n);
        return n + 4;
    }
    while (max && ((unsigned char)t[max] & 0xC0) == 0x80)
        max--;
    memcpy(o, t, max);
    return max;
}

static int is_upper(unsigned char c) {
    return c >= 'A' && c <= 'Z';
}

static int is_lower_or_digit(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The words of a camelCase or PascalCase name, lowercase and space-separated
 * (`GenPowerShellFile` -> "gen power shell file", `HTTPAdapter` -> "http
 * adapter"), at most max bytes. The uncased model reads such a name as one
 * word cut into continuation pieces; snake_case is split by its underscores
 * already. Returns 0 for a name with no inner capital. */
static size_t put_name_words(char *o, const char *t, size_t max) {
    size_t w = 0, cuts = 0;
    for (size_t i = 0; t[i] && w + 2 < max;) {
        unsigned char c = (unsigned char)t[i], p = i ? (unsigned char)t[i - 1] : 0;
        if (c >= 0x80) { /* a whole UTF-8 character, or none: the header stays valid */
            size_t n = 1;
            while ((t[i + n] & 0xC0) == 0x80)
                n++;
            if (w + n + 1 >= max) break;
            memcpy(o + w, t + i, n);
            w += n;
            i += n;
            continue;
        }
        i++;
        if (c == '_' || c == '-') {
            if (w && o[w - 1] != ' ') o[w++] = ' ';
            continue;
        }
        /* aB, 1B, and the last capital of an acronym before a word (HTTPAdapter) */
        int cut = i > 1 && is_upper(c) &&
                  (is_lower_or_digit(p) || (is_upper(p) && t[i] >= 'a' && t[i] <= 'z'));
        if (cut && w && o[w - 1] != ' ') {
            o[w++] = ' ';
            cuts++;
        }
        o[w++] = is_upper(c) ? (char)(c - 'A' + 'a') : (char)c;
    }
    while (w && o[w - 1] == ' ')
        w--;
    return cuts ? w : 0;
}

/* The header keeps well under ~40 tokens: path tail, kind, qualified name
 * and the name's words. */
static rv_status make_header(rv_csrc *s, meta *m) {
    const size_t cap = 96;
    char *h = malloc(4 * cap + 64);
    if (!h) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    size_t w = 0;
    memcpy(h + w, "path: ", 6);
    w += 6;
    const char *hp = s->path ? s->path : "";
    if (s->p->header_skip && s->p->header_skip < strlen(hp)) hp += s->p->header_skip;
    w += put_clipped(h + w, hp, cap, 1);
    h[w++] = '\n';
    if (m->name && m->name[0]) {
        w += put_clipped(h + w, m->kind, 24, 0);
        h[w++] = ' ';
        if (m->scope && m->scope[0]) {
            w += put_clipped(h + w, m->scope, cap, 0);
            h[w++] = '.';
        }
        w += put_clipped(h + w, m->name, cap, 0);
        size_t nw = put_name_words(h + w + 2, m->name, cap);
        if (nw) { /* the words went in after room for " (" */
            memcpy(h + w, " (", 2);
            w += nw + 2;
            h[w++] = ')';
        }
        h[w++] = '\n';
    }
    h[w] = 0;
    m->header = h;
    m->hlen = w;
    m->htok = count_tok(s, h, w);
    /* A tiny budget cannot afford a header: embed the content alone. */
    if (m->htok * 2 > (size_t)s->limit) {
        h[0] = 0;
        m->hlen = 0;
        m->htok = 0;
    }
    return RV_OK;
}

static char *dup_or_empty(const char *t) {
    return strdup(t ? t : "");
}

static rv_status list_push(rv_chunk_list *l, rv_chunk **out) {
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        if (cap > SIZE_MAX / sizeof(rv_chunk)) return rv_error_set(RV_ERR_NOMEM, "too many chunks");
        rv_chunk *n = realloc(l->items, cap * sizeof *n);
        if (!n) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        l->items = n;
        l->cap = cap;
    }
    *out = &l->items[l->count];
    memset(*out, 0, sizeof **out);
    return RV_OK;
}

/* Appends one chunk of bytes [a, e) that lie on lines la..lb (0-based). */
static rv_status push_bytes(rv_csrc *s, const meta *m, int la, int lb, size_t a, size_t e) {
    rv_chunk *c = NULL;
    rv_status st = list_push(s->out, &c);
    if (st != RV_OK) return st;
    c->start_line = la + 1;
    c->end_line = lb + 1;
    c->language = s->language;
    c->path = dup_or_empty(s->path);
    c->kind = dup_or_empty(m->kind);
    c->name = dup_or_empty(m->name);
    c->scope = dup_or_empty(m->scope);
    c->content = malloc(e - a + 1);
    c->embed_text = malloc(m->hlen + (e - a) + 1);
    if (!c->path || !c->kind || !c->name || !c->scope || !c->content || !c->embed_text) {
        rv_chunk_clear(c);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    memcpy(c->content, s->text + a, e - a);
    c->content[e - a] = 0;
    memcpy(c->embed_text, m->header, m->hlen);
    memcpy(c->embed_text + m->hlen, s->text + a, e - a);
    c->embed_text[m->hlen + (e - a)] = 0;
    s->out->count++;
    return RV_OK;
}

/* Cuts one over-long line into pieces that each fit the budget, at UTF-8
 * boundaries (preferring a space within the last 64 bytes of a piece). */
static rv_status cut_line(rv_csrc *s, const meta *m, int line) {
    size_t a = s->line_off[line], e = rv_csrc_line_end(s, line);
    size_t budget = (size_t)s->limit > m->htok ? (size_t)s->limit - m->htok : 1;
    const unsigned char *t = (const unsigned char *)s->text;
    size_t guess = budget * 3; /* bytes; the estimate is exactly 3 bytes/token */
    while (a < e) {
        size_t n = e - a < guess ? e - a : guess;
        for (int tries = 0;; tries++) {
            size_t k = n;
            if (a + k < e) {
                while (k > 0 && (t[a + k] & 0xC0) == 0x80)
                    k--;
                for (size_t j = 0; j < 64 && j + 1 < k; j++)
                    if (t[a + k - j - 1] == ' ') {
                        k -= j;
                        break;
                    }
            }
            if (k == 0) { /* never stall: take one whole character */
                k = 1;
                while (a + k < e && (t[a + k] & 0xC0) == 0x80)
                    k++;
            }
            n = k;
            size_t got = count_tok(s, s->text + a, n);
            if (got <= budget || n <= 4 || tries > 40) break;
            /* Shrink proportionally, a little more than needed. */
            size_t nn = (size_t)((double)n * (double)budget / (double)got * 0.9);
            n = nn < n ? nn : n - 1;
            if (n == 0) n = 1;
        }
        rv_status st = push_bytes(s, m, line, line, a, a + n);
        if (st != RV_OK) return st;
        a += n;
        if (s->p->count_tokens == NULL) continue;
        guess = n + n / 4 + 16; /* the next piece is likely similar */
    }
    return RV_OK;
}

static int counts_add_up(rv_csrc *s) {
    const rv_chunk_params *p = s->p;
    if (s->adds_up < 0)
        s->adds_up = p->count_tokens && p->count_adds_up && p->count_adds_up(p->count_user);
    return s->adds_up;
}

static rv_status push_range(rv_csrc *s, const meta *m, int a, int b) {
    return push_bytes(s, m, a, b, s->line_off[a], rv_csrc_line_end(s, b));
}

/* Lines a..b, already estimated to fit. With a real counter the whole
 * embed_text is checked, and on a miss the range is halved. */
static rv_status emit_checked(rv_csrc *s, const meta *m, int a, int b) {
    size_t sa = s->line_off[a], se = rv_csrc_line_end(s, b);
    if (s->p->count_tokens && !fits_unread(s, m->htok, se - sa, 1)) {
        size_t got = m->htok + count_tok(s, s->text + sa, se - sa);
        if (got > (size_t)s->limit) {
            if (a == b) return cut_line(s, m, a);
            int mid = a + (b - a) / 2;
            rv_status st = emit_checked(s, m, a, mid);
            return st != RV_OK ? st : emit_checked(s, m, mid + 1, b);
        }
    }
    return push_range(s, m, a, b);
}

static rv_status emit_meta(rv_csrc *s, meta *m, int a, int b, int skip_blank) {
    /* Lines that fit as a whole by their bytes pack into one chunk whatever
     * their counts: the loop below would take them all at once. */
    if (s->p->count_tokens && a <= b &&
        fits_unread(s, m->htok, rv_csrc_line_end(s, b) - s->line_off[a], (size_t)(b - a + 1))) {
        int blank = skip_blank;
        for (int k = a; blank && k <= b; k++)
            blank = rv_csrc_blank(s, k);
        return blank ? RV_OK : emit_checked(s, m, a, b);
    }
    rv_status st = ensure_line_tok(s, a, b);
    if (st != RV_OK) return st;
    int i = a;
    while (i <= b) {
        size_t acc = m->htok + s->line_tok[i];
        if (acc > (size_t)s->limit) {
            if ((st = cut_line(s, m, i)) != RV_OK) return st;
            i++;
            continue;
        }
        int j = i;
        while (j < b && acc + s->line_tok[j + 1] <= (size_t)s->limit)
            acc += s->line_tok[++j];
        int blank = skip_blank;
        for (int k = i; blank && k <= j; k++)
            blank = rv_csrc_blank(s, k);
        /* Counts that add up make acc the whole text's count: it fits. */
        if (!blank &&
            (st = counts_add_up(s) ? push_range(s, m, i, j) : emit_checked(s, m, i, j)) != RV_OK)
            return st;
        i = j + 1;
    }
    return RV_OK;
}

rv_status rv_csrc_emit(rv_csrc *s, int a, int b, const char *kind, const char *name,
                       const char *scope) {
    if (a < 0) a = 0;
    if (b >= s->nlines) b = s->nlines - 1;
    if (a > b) return RV_OK;
    meta m = {kind, name, scope, NULL, 0, 0};
    rv_status st = make_header(s, &m);
    if (st == RV_OK) st = emit_meta(s, &m, a, b, 0);
    free(m.header);
    if (st == RV_OK) memset(s->cover + a, 1, (size_t)(b - a + 1));
    return st;
}

rv_status rv_csrc_windows(rv_csrc *s, int a, int b) {
    if (a < 0) a = 0;
    if (b >= s->nlines) b = s->nlines - 1;
    if (a > b) return RV_OK;
    int w = s->p->window_lines > 0 ? s->p->window_lines : 40;
    int ov = s->p->window_overlap;
    if (ov < 0 || ov >= w) ov = 0;
    int step = w - ov;
    meta m = {"window", "", "", NULL, 0, 0};
    rv_status st = make_header(s, &m);
    for (int i = a; st == RV_OK && i <= b; i += step) {
        int e = b - i < w - 1 ? b : i + w - 1;
        st = emit_meta(s, &m, i, e, 1);
        if (e == b) break;
    }
    free(m.header);
    return st;
}

rv_status rv_csrc_fill_gaps(rv_csrc *s) {
    int i = 0;
    while (i < s->nlines) {
        if (s->cover[i]) {
            i++;
            continue;
        }
        int j = i, nonblank = 0;
        while (j < s->nlines && !s->cover[j])
            nonblank += !rv_csrc_blank(s, j++);
        if (nonblank > RV_CHUNK_GAP_MIN_LINES) {
            rv_status st = rv_csrc_windows(s, i, j - 1);
            if (st != RV_OK) return st;
        }
        i = j;
    }
    return RV_OK;
}

static int cmp_chunk(const void *x, const void *y) {
    const rv_chunk *a = x, *b = y;
    if (a->start_line != b->start_line) return a->start_line < b->start_line ? -1 : 1;
    if (a->end_line != b->end_line) return a->end_line < b->end_line ? -1 : 1;
    return 0;
}

void rv_csrc_sort(rv_csrc *s) {
    /* Stable insertion sort: pieces of one cut line share their lines, so
     * order matters, and the input is nearly sorted (only a container's
     * summary comes after its members), so this is linear in practice. */
    rv_chunk *v = s->out->items + s->first_out;
    size_t n = s->out->count - s->first_out;
    for (size_t i = 1; i < n; i++) {
        if (cmp_chunk(&v[i - 1], &v[i]) <= 0) continue;
        rv_chunk x = v[i];
        size_t j = i;
        while (j > 0 && cmp_chunk(&v[j - 1], &x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}
