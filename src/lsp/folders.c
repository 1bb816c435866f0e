/* Workspace folders: a searcher each, indexed with $/progress, refreshed
 * after file changes once the debounce has run out; and the definitions of
 * each corpus sorted by name. */
#include "lsp/internal.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void note(lsp_server *s, const char *fmt, const char *a, const char *b) {
    if (!s->p.note) return;
    char line[1024];
    snprintf(line, sizeof line, fmt, a, b);
    s->p.note(s->p.note_user, line);
}

/* realpath of path, or of its directory + its name when it does not exist. */
static char *real_of(const char *path) {
    char *r = realpath(path, NULL);
    if (r) return r;
    char *d = strdup(path), *b = strdup(path);
    char *out = NULL;
    if (d && b) {
        char *dr = realpath(dirname(d), NULL);
        const char *base = basename(b);
        if (dr && strcmp(base, "..") != 0 && strcmp(base, ".") != 0 &&
            (out = malloc(strlen(dr) + strlen(base) + 2)))
            sprintf(out, "%s/%s", strcmp(dr, "/") ? dr : "", base);
        free(dr);
    }
    free(d);
    free(b);
    return out;
}

int rv_lsp_folder_of(const lsp_server *s, const char *path, char **rel) {
    *rel = NULL;
    if (path[0] != '/') return -1;
    char *real = real_of(path);
    if (!real) return -1;
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < s->n_folders; i++) {
        const lsp_folder *f = &s->folders[i];
        size_t n = strlen(f->root);
        int in = f->single_file ? strcmp(real, f->root) == 0
                                : strncmp(real, f->root, n) == 0 && real[n] == '/' && real[n + 1];
        if (in && n >= best_len) {
            best = (int)i;
            best_len = n;
        }
    }
    if (best >= 0) {
        const lsp_folder *f = &s->folders[best];
        *rel = strdup(f->single_file ? strrchr(real, '/') + 1 : real + best_len + 1);
        if (!*rel) best = -1;
    }
    free(real);
    return best;
}

rv_status rv_lsp_folder_add(lsp_server *s, const char *root, int single_file) {
    char *real = realpath(root, NULL);
    if (!real) return rv_error_set(RV_ERR_NOT_FOUND, "folder '%s' not found", root);
    for (size_t i = 0; i < s->n_folders; i++)
        if (strcmp(s->folders[i].root, real) == 0) {
            free(real);
            return RV_OK;
        }
    lsp_folder *nf = realloc(s->folders, (s->n_folders + 1) * sizeof *nf);
    if (!nf) {
        free(real);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    s->folders = nf;
    lsp_folder *f = &nf[s->n_folders++];
    memset(f, 0, sizeof *f);
    f->root = real;
    f->single_file = single_file;
    return RV_OK;
}

void rv_lsp_folder_close(lsp_folder *f) {
    rv_searcher_close(f->srch);
    free(f->prog);
    free(f->defs);
    free(f->root);
    memset(f, 0, sizeof *f);
}

void rv_lsp_folder_remove(lsp_server *s, size_t i) {
    rv_lsp_folder_close(&s->folders[i]);
    memmove(&s->folders[i], &s->folders[i + 1], (s->n_folders - i - 1) * sizeof *s->folders);
    s->n_folders--;
    for (size_t d = 0; d < s->n_docs; d++) { /* documents keep a folder index */
        if (s->docs[d].folder == (int)i)
            s->docs[d].folder = -1;
        else if (s->docs[d].folder > (int)i)
            s->docs[d].folder--;
    }
}

int rv_lsp_is_definition(const rv_chunk *c) {
    return c->name && c->name[0] && strcmp(c->kind, "window") != 0;
}

static int cmp_defs(const void *a, const void *b, void *ctx) {
    const rv_chunk *items = ctx;
    const char *x = items[*(const size_t *)a].name, *y = items[*(const size_t *)b].name;
    int c = strcasecmp(x, y);
    return c ? c : strcmp(x, y);
}

static void build_defs(lsp_folder *f) {
    free(f->defs);
    f->defs = NULL;
    f->n_defs = 0;
    const rv_chunk_list *cl = &f->corpus->chunks;
    f->defs = malloc((cl->count + 1) * sizeof *f->defs);
    if (!f->defs) return;
    for (size_t i = 0; i < cl->count; i++)
        if (rv_lsp_is_definition(&cl->items[i])) f->defs[f->n_defs++] = i;
    qsort_r(f->defs, f->n_defs, sizeof *f->defs, cmp_defs, cl->items);
}

size_t rv_lsp_defs_named(const lsp_folder *f, const char *name, size_t *first) {
    const rv_chunk *items = f->corpus ? f->corpus->chunks.items : NULL;
    size_t lo = 0, hi = f->n_defs;
    while (lo < hi) { /* first with name >= the query, case-insensitively */
        size_t mid = (lo + hi) / 2;
        if (strcasecmp(items[f->defs[mid]].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    size_t n = 0;
    while (lo + n < f->n_defs && strcasecmp(items[f->defs[lo + n]].name, name) == 0)
        n++;
    return n;
}

static void progress_send(lsp_server *s, const char *token, const char *kind, const char *title,
                          const char *message, int pct) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "token", token);
    cJSON *v = cJSON_AddObjectToObject(p, "value");
    cJSON_AddStringToObject(v, "kind", kind);
    if (title) cJSON_AddStringToObject(v, "title", title);
    if (message) cJSON_AddStringToObject(v, "message", message);
    if (pct >= 0) cJSON_AddNumberToObject(v, "percentage", pct);
    rv_lsp_notify(s, "$/progress", p);
}

static void on_progress(void *user, const rv_progress *p) {
    lsp_progress *pc = user;
    if (!pc->token[0]) return;
    double now = rv_lsp_now();
    if (now - pc->last < 0.2) return;
    pc->last = now;
    char msg[128];
    int pct = -1;
    if (p->chunks_total) {
        snprintf(msg, sizeof msg, "%s %zu/%zu chunks", p->phase, p->chunks_done, p->chunks_total);
        pct = (int)(100.0 * (double)p->chunks_done / (double)p->chunks_total);
    } else {
        snprintf(msg, sizeof msg, "%s %zu/%zu files", p->phase, p->files_done, p->files_total);
        if (p->files_total) pct = (int)(100.0 * (double)p->files_done / (double)p->files_total);
    }
    if (pct > 100) pct = 100;
    progress_send(pc->s, pc->token, "report", NULL, msg, pct);
}

static rv_status open_folder(lsp_server *s, lsp_folder *f, const char *model_dir) {
    rv_search_config cfg = rv_search_default_config();
    cfg.root = f->root;
    cfg.model_dir = model_dir;
    cfg.device = s->p.device;
    cfg.threads = s->p.threads;
    cfg.precision = s->p.precision;
    cfg.use_index = s->p.use_index;
    cfg.cache_dir = s->p.cache_dir;
    cfg.driver = s->p.driver;
    cfg.pack_dir = s->p.pack_dir;
    cfg.progress = on_progress;
    cfg.progress_user = f->prog;
    cfg.note = s->p.note;
    cfg.note_user = s->p.note_user;
    return rv_searcher_open(&f->srch, &cfg);
}

/* After a refresh, open buffers equal to their file again follow the index. */
static void docs_settle(lsp_server *s, int folder) {
    for (size_t i = 0; i < s->n_docs; i++) {
        lsp_doc *d = &s->docs[i];
        if (d->folder != folder || !d->ahead) continue;
        size_t n = 0;
        const lsp_folder *f = &s->folders[folder];
        char *path = malloc(strlen(f->root) + strlen(d->rel) + 2);
        if (!path) continue;
        if (f->single_file)
            strcpy(path, f->root);
        else
            sprintf(path, "%s/%s", f->root, d->rel);
        FILE *fp = fopen(path, "rb");
        char *disk = NULL;
        if (fp && (disk = malloc(d->len + 1))) n = fread(disk, 1, d->len + 1, fp);
        if (fp) fclose(fp);
        if (disk && n == d->len && memcmp(disk, d->text, n) == 0) d->ahead = 0;
        free(disk);
        free(path);
    }
}

void rv_lsp_folder_ready(lsp_server *s, size_t i, int force) {
    lsp_folder *f = &s->folders[i];
    if (f->failed && !force) return;
    if (f->srch && !force) return;
    if (!f->prog && !(f->prog = calloc(1, sizeof *f->prog))) return;
    lsp_progress *pc = f->prog;
    pc->s = s;
    pc->token[0] = '\0';
    if (s->client_progress) {
        snprintf(pc->token, sizeof pc->token, "ripvec-index-%ld", s->next_out_id + 1);
        cJSON *cp = cJSON_CreateObject();
        cJSON_AddStringToObject(cp, "token", pc->token);
        rv_lsp_request(s, "window/workDoneProgress/create", cp);
        progress_send(s, pc->token, "begin", "ripvec: indexing", f->root, 0);
    }
    rv_status st = RV_OK;
    if (!f->srch) st = open_folder(s, f, s->p.model_dir);
    if (st != RV_OK && !f->srch && s->p.model_dir) { /* names and keywords still work */
        note(s, "%s: %s; serving it by keyword only", f->root, rv_error_last());
        st = open_folder(s, f, NULL);
    }
    rv_refresh_stats rs = {0};
    if (st == RV_OK) st = rv_searcher_refresh(f->srch, &rs);
    f->failed = st != RV_OK;
    f->stale = 0;
    if (st == RV_OK) {
        f->corpus = rv_searcher_corpus(f->srch);
        build_defs(f);
        docs_settle(s, (int)i);
        char what[96];
        snprintf(what, sizeof what, "%zu files, %zu chunks", rs.files, rs.chunks);
        note(s, "indexed %s: %s", f->root, what);
    } else {
        note(s, "cannot index %s: %s", f->root, rv_error_last());
    }
    if (pc->token[0]) progress_send(s, pc->token, "end", NULL, st == RV_OK ? "ready" : "failed", -1);
    pc->token[0] = '\0';
}

void rv_lsp_refresh_stale(lsp_server *s, int now) {
    double t = rv_lsp_now();
    for (size_t i = 0; i < s->n_folders; i++) {
        lsp_folder *f = &s->folders[i];
        if (!f->srch && !f->failed)
            rv_lsp_folder_ready(s, i, 0);
        else if (f->stale && (now || (t - f->stale_since) * 1000.0 >= s->debounce_ms))
            rv_lsp_folder_ready(s, i, 1);
    }
}
