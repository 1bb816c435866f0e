/* Text synchronisation: open buffers are kept (full text), chunked lazily
 * when they differ from the index, and saves or watched-file events mark
 * their folder for a debounced refresh. */
#include "lsp/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rv_lsp_doc_free(lsp_doc *d) {
    free(d->path);
    free(d->rel);
    free(d->text);
    rv_chunk_list_free(&d->chunks);
    memset(d, 0, sizeof *d);
}

lsp_doc *rv_lsp_doc_find(lsp_server *s, const char *path) {
    for (size_t i = 0; i < s->n_docs; i++)
        if (strcmp(s->docs[i].path, path) == 0) return &s->docs[i];
    return NULL;
}

static lsp_doc *doc_of(lsp_server *s, const cJSON *params) {
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(td, "uri");
    char *path = cJSON_IsString(uri) ? rv_lsp_uri_to_path(uri->valuestring) : NULL;
    lsp_doc *d = path ? rv_lsp_doc_find(s, path) : NULL;
    free(path);
    return d;
}

static char *file_text(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 65536 > cap) {
            char *nb = realloc(buf, cap = (cap ? cap * 2 : 65536) + 65536);
            if (!nb) {
                free(buf);
                fclose(fp);
                return NULL;
            }
            buf = nb;
        }
        size_t k = fread(buf + n, 1, cap - n - 1, fp);
        n += k;
        if (k == 0) break;
    }
    fclose(fp);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static char *folder_path(const lsp_folder *f, const char *rel) {
    char *p = malloc(strlen(f->root) + strlen(rel) + 2);
    if (p) {
        if (f->single_file)
            strcpy(p, f->root);
        else
            sprintf(p, "%s/%s", f->root, rel);
    }
    return p;
}

char *rv_lsp_read_text(lsp_server *s, int folder, const char *rel, size_t *len) {
    for (size_t i = 0; i < s->n_docs; i++) {
        const lsp_doc *d = &s->docs[i];
        if (d->folder == folder && strcmp(d->rel, rel) == 0) {
            char *t = malloc(d->len + 1);
            if (t) {
                memcpy(t, d->text, d->len + 1);
                *len = d->len;
            }
            return t;
        }
    }
    char *path = folder_path(&s->folders[folder], rel);
    char *t = path ? file_text(path, len) : NULL;
    free(path);
    return t;
}

int rv_lsp_rel_ahead(lsp_server *s, int folder, const char *rel) {
    for (size_t i = 0; i < s->n_docs; i++)
        if (s->docs[i].ahead && s->docs[i].folder == folder && strcmp(s->docs[i].rel, rel) == 0)
            return 1;
    return 0;
}

static void doc_chunk(lsp_doc *d) {
    if (!d->chunks_stale) return;
    rv_chunk_list_free(&d->chunks);
    rv_chunk_params cp = rv_chunk_default_params();
    if (rv_chunk_file(&d->chunks, d->rel, d->text, d->len, &cp) != RV_OK)
        rv_chunk_list_free(&d->chunks);
    d->chunks_stale = 0;
}

size_t rv_lsp_file_chunks(lsp_server *s, int folder, const char *rel, const rv_chunk ***out) {
    *out = NULL;
    for (size_t i = 0; i < s->n_docs; i++) {
        lsp_doc *d = &s->docs[i];
        if (!d->ahead || d->folder != folder || strcmp(d->rel, rel) != 0) continue;
        doc_chunk(d);
        *out = malloc((d->chunks.count + 1) * sizeof **out);
        if (!*out) return 0;
        for (size_t k = 0; k < d->chunks.count; k++)
            (*out)[k] = &d->chunks.items[k];
        return d->chunks.count;
    }
    const rv_corpus *c = s->folders[folder].corpus;
    size_t n = 0;
    for (size_t k = 0; c && k < c->chunks.count; k++)
        if (strcmp(c->chunks.items[k].path, rel) == 0) n++;
    *out = malloc((n + 1) * sizeof **out);
    if (!*out) return 0;
    n = 0;
    for (size_t k = 0; c && k < c->chunks.count; k++)
        if (strcmp(c->chunks.items[k].path, rel) == 0) (*out)[n++] = &c->chunks.items[k];
    return n;
}

static int set_text(lsp_doc *d, const char *text) {
    size_t n = strlen(text);
    char *t = malloc(n + 1);
    if (!t) return -1;
    memcpy(t, text, n + 1);
    free(d->text);
    d->text = t;
    d->len = n;
    d->chunks_stale = 1;
    return 0;
}

void rv_lsp_did_open(lsp_server *s, const cJSON *params) {
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(td, "uri");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(td, "text");
    if (!cJSON_IsString(uri) || !cJSON_IsString(text)) return;
    char *path = rv_lsp_uri_to_path(uri->valuestring);
    if (!path || rv_lsp_doc_find(s, path)) {
        free(path);
        return;
    }
    char *rel = NULL;
    int fi = rv_lsp_folder_of(s, path, &rel);
    int any_root = 0;
    for (size_t i = 0; i < s->n_folders; i++)
        any_root |= !s->folders[i].single_file;
    if (fi < 0 && !any_root && rv_lsp_folder_add(s, path, 1) == RV_OK) /* single-file mode */
        fi = rv_lsp_folder_of(s, path, &rel);
    lsp_doc *nd = fi >= 0 ? realloc(s->docs, (s->n_docs + 1) * sizeof *nd) : NULL;
    if (!nd) { /* outside every folder: not ours to serve */
        free(path);
        free(rel);
        return;
    }
    s->docs = nd;
    lsp_doc *d = &nd[s->n_docs];
    memset(d, 0, sizeof *d);
    d->path = path;
    d->rel = rel;
    d->folder = fi;
    if (set_text(d, text->valuestring) != 0) {
        rv_lsp_doc_free(d);
        return;
    }
    s->n_docs++;
    size_t dn = 0;
    char *disk = file_text(path, &dn);
    d->ahead = !disk || dn != d->len || memcmp(disk, d->text, dn) != 0;
    free(disk);
}

void rv_lsp_did_change(lsp_server *s, const cJSON *params) {
    lsp_doc *d = doc_of(s, params);
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "contentChanges");
    const cJSON *c, *last = NULL;
    if (!cJSON_IsArray(changes)) changes = NULL;
    cJSON_ArrayForEach(c, changes) {
        /* full sync: each change is the whole text; ranged ones are not ours */
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c, "text")) &&
            !cJSON_GetObjectItemCaseSensitive(c, "range"))
            last = c;
    }
    if (!d || !last) return;
    if (set_text(d, cJSON_GetObjectItemCaseSensitive(last, "text")->valuestring) == 0) d->ahead = 1;
}

static void mark_stale(lsp_server *s, int folder) {
    if (folder < 0 || (size_t)folder >= s->n_folders) return;
    lsp_folder *f = &s->folders[folder];
    f->stale = 1;
    f->failed = 0;
    f->stale_since = rv_lsp_now();
}

void rv_lsp_did_save(lsp_server *s, const cJSON *params) {
    lsp_doc *d = doc_of(s, params);
    if (!d) return;
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(params, "text");
    if (cJSON_IsString(text)) set_text(d, text->valuestring);
    d->ahead = 1; /* until the folder's refresh has embedded the saved file */
    mark_stale(s, d->folder);
}

void rv_lsp_did_close(lsp_server *s, const cJSON *params) {
    lsp_doc *d = doc_of(s, params);
    if (!d) return;
    if (d->ahead) mark_stale(s, d->folder); /* the file on disk is what counts again */
    size_t i = (size_t)(d - s->docs);
    rv_lsp_doc_free(d);
    memmove(&s->docs[i], &s->docs[i + 1], (s->n_docs - i - 1) * sizeof *s->docs);
    s->n_docs--;
}

void rv_lsp_watched_changed(lsp_server *s, const cJSON *params) {
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(params, "changes")) {
        const cJSON *uri = cJSON_GetObjectItemCaseSensitive(c, "uri");
        char *path = cJSON_IsString(uri) ? rv_lsp_uri_to_path(uri->valuestring) : NULL;
        char *rel = NULL;
        if (path) mark_stale(s, rv_lsp_folder_of(s, path, &rel));
        free(rel);
        free(path);
    }
}
