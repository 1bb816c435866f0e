/* UTF-8 cleaning and clipping for snippets sent to clients (see internal.h).
 * JSON text must be valid UTF-8, but source files need not be. */
#include "mcp/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0; /* surrogates are not characters */
    return len;
}

char *rv_mcp_utf8_clip(const char *s, size_t len, size_t max_chars, int *truncated) {
    *truncated = 0;
    if (!s) s = "";
    if (len > (SIZE_MAX - 1) / 3) return NULL;
    char *out = malloc(len * 3 + 1); /* each bad byte may become 3 */
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, w = 0, chars = 0;
    while (i < len && p[i]) {
        if (max_chars && chars == max_chars) {
            *truncated = 1;
            break;
        }
        size_t n = utf8_seq(p + i, len - i);
        if (n == 0) {
            memcpy(out + w, "\xEF\xBF\xBD", 3);
            w += 3;
            i++;
        } else {
            memcpy(out + w, p + i, n);
            w += n;
            i += n;
        }
        chars++;
    }
    out[w] = '\0';
    return out;
}
