/* URIs, UTF-16 columns, lines and identifiers (see internal.h). */
#include "lsp/internal.h"

#include <stdlib.h>
#include <string.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *rv_lsp_uri_to_path(const char *uri) {
    if (strncmp(uri, "file://", 7) != 0) return NULL;
    const char *p = uri + 7;
    if (*p != '/') { /* file://host/path: only an empty or local host */
        if (strncmp(p, "localhost/", 10) != 0) return NULL;
        p += 9;
    }
    size_t n = strlen(p);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            out[o++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else if (p[i] == '?' || p[i] == '#') {
            break;
        } else {
            out[o++] = p[i];
        }
    }
    out[o] = '\0';
    if (o == 0 || memchr(out, '\0', o)) { /* an encoded NUL */
        free(out);
        return NULL;
    }
    return out;
}

char *rv_lsp_path_to_uri(const char *path) {
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    char *out = malloc(7 + 3 * n + 1);
    if (!out) return NULL;
    memcpy(out, "file://", 7);
    size_t o = 7;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("/-._~!$&'()*+,;=@", c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

/* Length of the UTF-8 sequence at s (1 for a stray byte) and its UTF-16 units. */
static size_t utf8_step(const unsigned char *s, size_t left, int *units) {
    size_t n = 1;
    if (s[0] >= 0xF0 && s[0] < 0xF8)
        n = 4;
    else if (s[0] >= 0xE0)
        n = 3;
    else if (s[0] >= 0xC0)
        n = 2;
    if (n > left) n = 1;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xC0) != 0x80) n = 1;
    *units = n == 4 ? 2 : 1;
    return n;
}

size_t rv_lsp_utf16_to_byte(const char *line, size_t len, long col) {
    size_t i = 0;
    long u = 0;
    while (i < len && u < col) {
        int units;
        i += utf8_step((const unsigned char *)line + i, len - i, &units);
        u += units;
    }
    return i;
}

long rv_lsp_byte_to_utf16(const char *line, size_t off) {
    size_t i = 0;
    long u = 0;
    while (i < off) {
        int units;
        i += utf8_step((const unsigned char *)line + i, off - i, &units);
        u += units;
    }
    return u;
}

int rv_lsp_line_at(const char *text, size_t len, long line0, const char **out, size_t *out_len) {
    size_t i = 0;
    for (long l = 0; l < line0; l++) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl) return 0;
        i = (size_t)(nl - text) + 1;
    }
    if (i > len) return 0;
    const char *nl = memchr(text + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - text) : len;
    if (e > i && text[e - 1] == '\r') e--;
    *out = text + i;
    *out_len = e - i;
    return 1;
}

int rv_lsp_is_ident(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

long rv_lsp_find_word(const char *s, size_t n, size_t from, const char *word, size_t wlen) {
    if (wlen == 0) return -1;
    while (from + wlen <= n) {
        const char *hit = memmem(s + from, n - from, word, wlen);
        if (!hit) return -1;
        size_t at = (size_t)(hit - s);
        int before = at > 0 && rv_lsp_is_ident((unsigned char)s[at - 1]);
        int after = at + wlen < n && rv_lsp_is_ident((unsigned char)s[at + wlen]);
        if (!before && !after) return (long)at;
        from = at + 1;
    }
    return -1;
}

static cJSON *position(long line, long ch) {
    cJSON *p = cJSON_CreateObject();
    if (p && (!cJSON_AddNumberToObject(p, "line", (double)line) ||
              !cJSON_AddNumberToObject(p, "character", (double)ch))) {
        cJSON_Delete(p);
        return NULL;
    }
    return p;
}

cJSON *rv_lsp_range(long l0, long c0, long l1, long c1) {
    cJSON *r = cJSON_CreateObject();
    cJSON *a = position(l0, c0), *b = position(l1, c1);
    if (!r || !a || !b) {
        cJSON_Delete(r);
        cJSON_Delete(a);
        cJSON_Delete(b);
        return NULL;
    }
    cJSON_AddItemToObject(r, "start", a);
    cJSON_AddItemToObject(r, "end", b);
    return r;
}

int rv_lsp_utf8_valid(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = u[i];
        size_t k;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((u[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (u[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}
