/* Plain, colored and JSON Lines rendering of search results. */
#include "sink/sink.h"

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

void rv_sink_json_string(FILE *f, const char *str) {
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    fputc('"', f);
    while (*s) {
        unsigned char c = *s;
        switch (c) {
        case '"':
            fputs("\\\"", f);
            s++;
            continue;
        case '\\':
            fputs("\\\\", f);
            s++;
            continue;
        case '\n':
            fputs("\\n", f);
            s++;
            continue;
        case '\r':
            fputs("\\r", f);
            s++;
            continue;
        case '\t':
            fputs("\\t", f);
            s++;
            continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", c);
            s++;
            continue;
        }
        size_t n = utf8_len(s);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", f);
            s++;
            continue;
        }
        fwrite(s, 1, n, f);
        s += n;
    }
    fputc('"', f);
}

static void write_path(FILE *f, const char *root, const char *rel) {
    if (root && *root && strcmp(root, ".") != 0 && strcmp(root, "./") != 0) {
        size_t n = strlen(root);
        fputs(root, f);
        if (root[n - 1] != '/' && rel[0]) fputc('/', f);
    }
    fputs(rel, f);
}

/* Plain text must not let file content drive the terminal: control bytes
 * (ESC in particular) are shown as '?'. */
static void write_safe(FILE *f, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc((c < 0x20 && c != '\t') || c == 0x7F ? '?' : c, f);
    }
}

static void write_plain(FILE *f, const rv_result *r, const rv_sink_opts *o) {
    const rv_chunk *c = r->chunk;
    int col = o->color;
    if (col) fputs(C_RANK, f);
    fprintf(f, "%zu.", r->rank);
    if (col) fputs(C_RESET, f);
    fputc(' ', f);
    if (c->name && c->name[0]) {
        if (col) fputs(C_NAME, f);
        write_safe(f, c->name, strlen(c->name));
        if (col) fputs(C_RESET, f);
        fputc(' ', f);
    }
    if (col) fputs(C_PATH, f);
    write_path(f, o->display_root, c->path);
    if (col) fputs(C_RESET, f);
    fprintf(f, ":%d-%d ", c->start_line, c->end_line);
    if (col) fputs(C_SCORE, f);
    fprintf(f, "%.3f", r->score);
    if (col) fputs(C_RESET, f);
    fputc('\n', f);
    if (r->explain) rv_sink_explain_plain(f, r->explain);
    if (!o->snippet || o->context_lines <= 0 || !c->content) return;
    const char *p = c->content;
    int width = snprintf(NULL, 0, "%d", c->start_line + o->context_lines);
    for (int i = 0; i < o->context_lines && *p; i++) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && p[n - 1] == '\r') n--;
        if (col) fputs(C_LINE, f);
        fprintf(f, "  %*d", width, c->start_line + i);
        if (col) fputs(C_RESET, f);
        fputs("  ", f);
        write_safe(f, p, n);
        fputc('\n', f);
        if (!e) break;
        p = e + 1;
    }
    fputc('\n', f);
}

static void write_json(FILE *f, const rv_result *r) {
    const rv_chunk *c = r->chunk;
    fputs("{\"file_path\":", f);
    rv_sink_json_string(f, c->path);
    fprintf(f, ",\"start_line\":%d,\"end_line\":%d,\"name\":", c->start_line, c->end_line);
    rv_sink_json_string(f, c->name);
    fputs(",\"kind\":", f);
    rv_sink_json_string(f, c->kind);
    fputs(",\"language\":", f);
    rv_sink_json_string(f, c->language);
    double s = r->score;
    if (!(s == s) || s > 1e30 || s < -1e30) s = 0; /* JSON has no NaN/Inf */
    fprintf(f, ",\"similarity\":%.6f,\"content\":", s);
    rv_sink_json_string(f, c->content);
    if (r->explain) rv_sink_explain_json(f, r->explain);
    fputs("}\n", f);
}

rv_status rv_sink_write(FILE *f, const rv_result_list *res, const rv_sink_opts *opts) {
    if (!f || !res) return rv_error_set(RV_ERR_INVALID_ARG, "sink: bad arguments");
    rv_sink_opts o = opts ? *opts : rv_sink_default_opts();
    for (size_t i = 0; i < res->count; i++) {
        const rv_result *r = &res->items[i];
        if (o.files_only) {
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = strcmp(res->items[j].chunk->path, r->chunk->path) == 0;
            if (seen) continue;
            if (o.format == RV_SINK_JSON) {
                fputs("{\"file_path\":", f);
                rv_sink_json_string(f, r->chunk->path);
                fputs("}\n", f);
            } else {
                if (o.color) fputs(C_PATH, f);
                write_path(f, o.display_root, r->chunk->path);
                if (o.color) fputs(C_RESET, f);
                fputc('\n', f);
            }
        } else if (o.format == RV_SINK_JSON) {
            write_json(f, r);
        } else {
            write_plain(f, r, &o);
        }
    }
    if (fflush(f) != 0 || ferror(f)) return rv_error_set(RV_ERR_IO, "writing results failed");
    return RV_OK;
}
