/* get_repo_map: files and their definitions, most connected first, within a
 * character budget (see internal.h). Files are linked when one uses an
 * identifier the other defines; counting those links is a cheap stand-in
 * for a reference graph and needs nothing beyond the chunks. */
#include "mcp/internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RV_MIN_NAME = 3, RV_DEFS_PER_FILE = 40, RV_MAX_DEFINERS = 3 };

typedef struct map_file {
    const char *path;
    size_t first, count; /* range in the sorted chunk order */
    size_t defs;
    size_t indegree; /* files using a name this file defines */
    size_t links;    /* names shared with the focus file, either direction */
    int same_dir;    /* in the focus file's directory */
    int is_focus;
} map_file;

typedef struct name_slot {
    const char *name; /* borrowed from a chunk; NULL = empty slot */
    size_t len;
    uint64_t hash;
    size_t definer;   /* file index */
    size_t definers;  /* how many files define it (common names are noise) */
    size_t last_user; /* last file counted as using it, + 1 */
} name_slot;

typedef struct map_ctx {
    const rv_chunk_list *cl;
    const rv_chunk **order; /* chunks sorted by path, start line */
    map_file *files;
    size_t nfiles;
    name_slot *slots;
    size_t nslots; /* power of two */
} map_ctx;

static int cmp_chunk(const void *a, const void *b) {
    const rv_chunk *x = *(const rv_chunk *const *)a;
    const rv_chunk *y = *(const rv_chunk *const *)b;
    int c = strcmp(x->path, y->path);
    if (c) return c;
    if (x->start_line != y->start_line) return x->start_line < y->start_line ? -1 : 1;
    return x->end_line < y->end_line ? -1 : x->end_line > y->end_line;
}

static int is_definition(const rv_chunk *c) {
    return c->name && c->name[0] && c->kind && strcmp(c->kind, "window") != 0;
}

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static name_slot *find_slot(map_ctx *m, const char *s, size_t n, uint64_t h) {
    for (size_t i = h & (m->nslots - 1);; i = (i + 1) & (m->nslots - 1)) {
        name_slot *sl = &m->slots[i];
        if (!sl->name || (sl->hash == h && sl->len == n && memcmp(sl->name, s, n) == 0)) return sl;
    }
}

static int ident_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int ident_char(unsigned char c) {
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* Counts, for file f, every known name its chunks use once. */
static void scan_uses(map_ctx *m, size_t f, size_t focus) {
    const map_file *mf = &m->files[f];
    for (size_t k = mf->first; k < mf->first + mf->count; k++) {
        const char *p = m->order[k]->content;
        if (!p) continue;
        while (*p) {
            if (!ident_start((unsigned char)*p)) {
                p++;
                continue;
            }
            const char *w = p;
            while (ident_char((unsigned char)*p))
                p++;
            size_t n = (size_t)(p - w);
            if (n < RV_MIN_NAME) continue;
            name_slot *sl = find_slot(m, w, n, hash_bytes(w, n));
            if (!sl->name || sl->definers > RV_MAX_DEFINERS || sl->definer == f ||
                sl->last_user == f + 1)
                continue;
            sl->last_user = f + 1;
            m->files[sl->definer].indegree++;
            if (f == focus) m->files[sl->definer].links++;
            if (sl->definer == focus) m->files[f].links++;
        }
    }
}

static int cmp_file(const void *a, const void *b) {
    const map_file *x = a, *y = b;
    if (x->is_focus != y->is_focus) return y->is_focus - x->is_focus;
    if (x->links != y->links) return x->links > y->links ? -1 : 1;
    if (x->same_dir != y->same_dir) return y->same_dir - x->same_dir;
    if (x->indegree != y->indegree) return x->indegree > y->indegree ? -1 : 1;
    if (x->defs != y->defs) return x->defs > y->defs ? -1 : 1;
    return strcmp(x->path, y->path);
}

static size_t dir_len(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? (size_t)(s - p) : 0;
}

/* Appends to a growing buffer bounded by max. 0 when it would not fit. */
typedef struct out_buf {
    char *s;
    size_t len, max;
} out_buf;

static int put(out_buf *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int put(out_buf *o, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return 0;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (o->len + len > o->max) return 0;
    memcpy(o->s + o->len, line, len);
    o->len += len;
    o->s[o->len] = '\0';
    return 1;
}

/* The definitions of one file; 0 when the budget ran out. */
static int put_file(out_buf *o, const map_ctx *m, const map_file *f) {
    int unused = 0;
    char *path = rv_mcp_utf8_clip(f->path, strlen(f->path), 200, &unused);
    int ok = path && put(o, "%s\n", path);
    free(path);
    if (!ok) return 0;
    size_t shown = 0;
    const rv_chunk *prev = NULL;
    for (size_t k = f->first; k < f->first + f->count; k++) {
        const rv_chunk *c = m->order[k];
        if (!is_definition(c)) continue;
        /* A long definition split into parts shows once. */
        if (prev && !strcmp(prev->name, c->name) && !strcmp(prev->kind, c->kind)) continue;
        prev = c;
        if (!f->is_focus && shown == RV_DEFS_PER_FILE) {
            put(o, "  ... %zu more\n", f->defs - shown);
            return 1;
        }
        char *name = rv_mcp_utf8_clip(c->name, strlen(c->name), 120, &unused);
        char *scope = rv_mcp_utf8_clip(c->scope ? c->scope : "", c->scope ? strlen(c->scope) : 0,
                                       80, &unused);
        ok = name && scope &&
             put(o, "  %s %s%s%s (%d-%d)\n", c->kind, scope, scope[0] ? "." : "", name,
                 c->start_line, c->end_line);
        free(name);
        free(scope);
        if (!ok) return 0;
        shown++;
    }
    return 1;
}

rv_status rv_mcp_repo_map(char **out, rv_repo_map_info *info, const rv_chunk_list *cl,
                          const char *focus_rel, size_t max_chars) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    rv_status st = RV_OK;
    map_ctx m;
    memset(&m, 0, sizeof m);
    m.cl = cl;
    out_buf o = {NULL, 0, max_chars};
    size_t n = cl->count;
    if (n > SIZE_MAX / (4 * sizeof(name_slot)) || max_chars == SIZE_MAX)
        return rv_error_set(RV_ERR_NOMEM, "corpus too large");
    m.order = malloc((n ? n : 1) * sizeof *m.order);
    m.files = calloc(n ? n : 1, sizeof *m.files);
    o.s = malloc(max_chars + 1);
    if (!m.order || !m.files || !o.s) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    o.s[0] = '\0';
    for (size_t i = 0; i < n; i++)
        m.order[i] = &cl->items[i];
    qsort(m.order, n, sizeof *m.order, cmp_chunk);

    /* Files, and the names they define. */
    size_t ndefs = 0;
    for (size_t k = 0; k < n; k++) {
        const rv_chunk *c = m.order[k];
        if (m.nfiles == 0 || strcmp(m.files[m.nfiles - 1].path, c->path) != 0)
            m.files[m.nfiles++] = (map_file){c->path, k, 0, 0, 0, 0, 0, 0};
        m.files[m.nfiles - 1].count++;
        if (is_definition(c)) {
            m.files[m.nfiles - 1].defs++;
            ndefs++;
        }
    }
    size_t focus = m.nfiles;
    for (size_t f = 0; focus_rel && f < m.nfiles; f++)
        if (strcmp(m.files[f].path, focus_rel) == 0) focus = f;
    if (focus_rel && focus == m.nfiles) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "focus_file '%s' is not indexed", focus_rel);
        goto done;
    }
    m.nslots = 16;
    while (m.nslots < 2 * ndefs + 2)
        m.nslots *= 2;
    m.slots = calloc(m.nslots, sizeof *m.slots);
    if (!m.slots) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t f = 0; f < m.nfiles; f++)
        for (size_t k = m.files[f].first; k < m.files[f].first + m.files[f].count; k++) {
            const rv_chunk *c = m.order[k];
            size_t len = c->name ? strlen(c->name) : 0;
            if (!is_definition(c) || len < RV_MIN_NAME) continue;
            uint64_t h = hash_bytes(c->name, len);
            name_slot *sl = find_slot(&m, c->name, len, h);
            if (!sl->name) {
                *sl = (name_slot){c->name, len, h, f, 1, 0};
            } else if (sl->definer != f && sl->last_user != f + 1) {
                sl->definers++; /* last_user doubles as "counted this definer" here */
            }
            sl->last_user = f + 1;
        }
    for (size_t i = 0; i < m.nslots; i++)
        m.slots[i].last_user = 0;
    for (size_t f = 0; f < m.nfiles; f++)
        scan_uses(&m, f, focus);
    if (focus < m.nfiles) {
        size_t dl = dir_len(focus_rel);
        for (size_t f = 0; f < m.nfiles; f++) {
            m.files[f].same_dir =
                dir_len(m.files[f].path) == dl && strncmp(m.files[f].path, focus_rel, dl) == 0;
            m.files[f].is_focus = f == focus;
        }
    }
    qsort(m.files, m.nfiles, sizeof *m.files, cmp_file);

    info->files_total = m.nfiles;
    for (size_t f = 0; f < m.nfiles; f++) {
        size_t mark = o.len;
        if (!put_file(&o, &m, &m.files[f])) {
            /* Keep a file only whole: a cut-off list misleads. The focus
             * file is the exception, shown as far as it fits. */
            if (!m.files[f].is_focus) o.len = mark;
            o.s[o.len] = '\0';
            if (m.files[f].is_focus) info->files_shown++;
            info->truncated = 1;
            break;
        }
        info->files_shown++;
    }
    *out = o.s;
    o.s = NULL;
done:
    free(o.s);
    free(m.order);
    free(m.files);
    free(m.slots);
    return st;
}
