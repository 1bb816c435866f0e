/* Plain, colored and JSON Lines rendering of search results. */
#include "ripvec/sink.h"
#include "sink/explain.h"

#include <stdlib.h>
#include <string.h>

#define C_RESET "\x1b[0m"
#define C_RANK "\x1b[2m"
#define C_NAME "\x1b[1;33m"
#define C_PATH "\x1b[35m"
#define C_LINE "\x1b[32m"
#define C_SCORE "\x1b[36m"

rv_sink_opts rv_sink_default_opts(void) {
    rv_sink_opts o;
    memset(&o, 0, sizeof o);
    o.format = RV_SINK_PLAIN;
    o.context_lines = 3;
    o.snippet = 1;
    o.score_decimals = 6;
    return o;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at NUL */
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Writes str as a JSON string literal of at most max_chars characters
 * (0 = all); returns 1 when it was clipped. */
static int json_string_clip(FILE *f, const char *str, size_t max_chars) {
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t chars = 0;
    int cut = 0;
    fputc('"', f);
    for (; *s; chars++) {
        if (max_chars && chars == max_chars) {
            cut = 1;
            break;
        }
        unsigned char c = *s;
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                                      : NULL;
        if (esc) {
            fputs(esc, f);
            s++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", c);
            s++;
        } else {
            size_t n = utf8_len(s);
            if (n == 0) {
                fputs("\xEF\xBF\xBD", f);
                s++;
            } else {
                fwrite(s, 1, n, f);
                s += n;
            }
        }
    }
    fputc('"', f);
    return cut;
}

void rv_sink_json_string(FILE *f, const char *str) {
    json_string_clip(f, str, 0);
}

/* Plain text must not let file content drive the terminal: control bytes
 * (ESC in particular) are shown as '?'. */
static void write_safe(FILE *f, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc((c < 0x20 && c != '\t') || c == 0x7F ? '?' : c, f);
    }
}

/* A name or path: filtered like content when `filter` (a terminal), else as is. */
static void write_text(FILE *f, const char *s, int filter) {
    if (filter) {
        /* tabs too: a name has no business moving the cursor */
        for (; *s; s++)
            fputc((unsigned char)*s < 0x20 || *s == 0x7F ? '?' : *s, f);
    } else {
        fputs(s, f);
    }
}

static void write_path(FILE *f, const char *root, const char *rel, int filter) {
    if (root && *root && strcmp(root, ".") != 0 && strcmp(root, "./") != 0) {
        size_t n = strlen(root);
        write_text(f, root, filter);
        if (root[n - 1] != '/' && rel[0]) fputc('/', f);
    }
    write_text(f, rel, filter);
}

void rv_sink_write_name(FILE *f, const rv_chunk *c, int filter_controls) {
    if (!c->name || !c->name[0]) return;
    if (c->scope && c->scope[0]) {
        write_text(f, c->scope, filter_controls);
        /* markdown scopes are heading paths ("A > B") */
        fputs(strstr(c->scope, " > ") ? " > " : ".", f);
    }
    write_text(f, c->name, filter_controls);
}

/* The first context_lines lines of the result: of a merged region, those of
 * its best chunk (where the region's text reaches them), so the snippet
 * shows the code the header names. */
static void write_snippet(FILE *f, const rv_result *r, int first_line, const rv_sink_opts *o) {
    const rv_chunk *c = r->chunk;
    const char *p = c->content;
    for (int skip = first_line - c->start_line; skip > 0 && p; skip--) {
        p = strchr(p, '\n');
        if (p) p++;
    }
    if (!p) p = c->content, first_line = c->start_line;
    int width = snprintf(NULL, 0, "%d", first_line + o->context_lines);
    for (int i = 0; i < o->context_lines && *p; i++) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && p[n - 1] == '\r') n--;
        if (o->color) fputs(C_LINE, f);
        fprintf(f, "  %*d", width, first_line + i);
        if (o->color) fputs(C_RESET, f);
        fputs("  ", f);
        write_safe(f, p, n);
        fputc('\n', f);
        if (!e) break;
        p = e + 1;
    }
}

static void write_plain(FILE *f, const rv_result *r, const rv_sink_opts *o) {
    const rv_chunk *c = r->chunk;
    /* a region is named and placed by its best chunk */
    const rv_chunk *head = r->best ? r->best : c;
    int col = o->color;
    if (col) fputs(C_RANK, f);
    fprintf(f, "%zu.", r->rank);
    if (col) fputs(C_RESET, f);
    fputc(' ', f);
    if (head->name && head->name[0]) {
        if (col) fputs(C_NAME, f);
        rv_sink_write_name(f, head, 1);
        if (col) fputs(C_RESET, f);
        fputc(' ', f);
    }
    if (col) fputs(C_PATH, f);
    write_path(f, o->display_root, c->path, o->terminal);
    if (col) fputs(C_RESET, f);
    fprintf(f, ":%d-%d ", head->start_line, head->end_line);
    if (col) fputs(C_SCORE, f);
    fprintf(f, "%.3f", r->score);
    if (col) fputs(C_RESET, f);
    fputc('\n', f);
    if (r->explain) rv_sink_explain_plain(f, r->explain);
    if (!o->snippet || o->context_lines <= 0 || !c->content) return;
    write_snippet(f, r, head->start_line, o);
    fputc('\n', f);
}

void rv_sink_json_result(FILE *f, const rv_result *r, const rv_sink_opts *o) {
    const rv_chunk *c = r->chunk;
    fputs("{\"file_path\":", f);
    rv_sink_json_string(f, c->path);
    fprintf(f, ",\"start_line\":%d,\"end_line\":%d,\"name\":", c->start_line, c->end_line);
    rv_sink_json_string(f, c->name);
    if (c->scope && c->scope[0]) {
        fputs(",\"scope\":", f);
        rv_sink_json_string(f, c->scope);
    }
    fputs(",\"kind\":", f);
    rv_sink_json_string(f, c->kind);
    fputs(",\"language\":", f);
    rv_sink_json_string(f, c->language);
    double s = r->score;
    if (!(s == s) || s > 1e30 || s < -1e30) s = 0; /* JSON has no NaN/Inf */
    int digits = o->score_decimals > 0 && o->score_decimals < 17 ? o->score_decimals : 6;
    fprintf(f, ",\"similarity\":%.*f,\"content\":", digits, s);
    int cut = json_string_clip(f, c->content, o->max_chars);
    if (o->max_chars) fprintf(f, ",\"truncated\":%s", cut ? "true" : "false");
    if (o->with_rank) fprintf(f, ",\"rank\":%zu", r->rank);
    if (r->explain) rv_sink_explain_json(f, r->explain);
    fputc('}', f);
}

/* -l and -c: one line per file, in order of its first result. */
static void write_file_line(FILE *f, const rv_result *const *order, size_t n_res, size_t i,
                            const rv_sink_opts *o) {
    const char *path = order[i]->chunk->path;
    size_t n = 0;
    for (size_t j = 0; j < n_res; j++)
        if (strcmp(order[j]->chunk->path, path) == 0) {
            if (j < i) return; /* shown with its first result */
            n++;
        }
    if (o->format == RV_SINK_JSON) {
        fputs("{\"file_path\":", f);
        rv_sink_json_string(f, path);
        if (o->count) fprintf(f, ",\"count\":%zu", n);
        fputs("}\n", f);
        return;
    }
    if (o->color) fputs(C_PATH, f);
    write_path(f, o->display_root, path, o->terminal && !o->null_sep);
    if (o->color) fputs(C_RESET, f);
    if (o->count) fprintf(f, ":%zu", n);
    fputc(o->null_sep && !o->count ? '\0' : '\n', f);
}

static int by_path(const void *a, const void *b) {
    const rv_result *x = *(const rv_result *const *)a, *y = *(const rv_result *const *)b;
    int c = strcmp(x->chunk->path, y->chunk->path);
    if (c) return c;
    if (x->chunk->start_line != y->chunk->start_line)
        return x->chunk->start_line < y->chunk->start_line ? -1 : 1;
    return x < y ? -1 : x > y;
}

rv_status rv_sink_write(FILE *f, const rv_result_list *res, const rv_sink_opts *opts) {
    if (!f || !res) return rv_error_set(RV_ERR_INVALID_ARG, "sink: bad arguments");
    rv_sink_opts o = opts ? *opts : rv_sink_default_opts();
    const rv_result **order = malloc((res->count ? res->count : 1) * sizeof *order);
    if (!order) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < res->count; i++)
        order[i] = &res->items[i];
    if (o.sort == RV_SINK_SORT_PATH && res->count > 1)
        qsort(order, res->count, sizeof *order, by_path);
    for (size_t i = 0; i < res->count; i++) {
        if (o.files_only || o.count) {
            write_file_line(f, order, res->count, i, &o);
        } else if (o.format == RV_SINK_JSON) {
            rv_sink_json_result(f, order[i], &o);
            fputc('\n', f);
        } else {
            write_plain(f, order[i], &o);
        }
    }
    free(order);
    if (fflush(f) != 0 || ferror(f)) return rv_error_set(RV_ERR_IO, "writing results failed");
    return RV_OK;
}
