/* UTF-8 encoding and JSON string literals (see text.h). */
#include "ripvec/text.h"

size_t rv_utf8_put(uint32_t cp, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hex4(const char *p, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

static int is_high(uint32_t cp) {
    return cp >= 0xD800 && cp <= 0xDBFF;
}
static int is_low(uint32_t cp) {
    return cp >= 0xDC00 && cp <= 0xDFFF;
}

const char *rv_json_string(const char *s, const char *end, char *out, size_t cap, size_t *out_len,
                           int strict) {
    size_t n = 0;
    const char *p = s + 1;
    while (p < end && *p != '"') {
        if (cap - n < 4) return NULL; /* one step writes at most 4 bytes */
        unsigned char c = (unsigned char)*p;
        if (c < 0x20) return NULL;
        if (c != '\\') {
            out[n++] = (char)c;
            p++;
            continue;
        }
        if (end - p < 2) return NULL;
        char e = p[1];
        p += 2;
        switch (e) {
        case '"': out[n++] = '"'; continue;
        case '\\': out[n++] = '\\'; continue;
        case '/': out[n++] = '/'; continue;
        case 'b': out[n++] = '\b'; continue;
        case 'f': out[n++] = '\f'; continue;
        case 'n': out[n++] = '\n'; continue;
        case 'r': out[n++] = '\r'; continue;
        case 't': out[n++] = '\t'; continue;
        case 'u': break;
        default: return NULL;
        }
        uint32_t cp, lo;
        if (end - p < 4 || !hex4(p, &cp)) return NULL;
        p += 4;
        if (is_high(cp) && end - p >= 6 && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) &&
            is_low(lo)) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        } else if (is_high(cp) || is_low(cp)) {
            if (strict) return NULL;
            cp = 0xFFFD; /* a lone surrogate has no UTF-8 form */
        } else if (cp == 0 && strict) {
            return NULL;
        }
        /* \uXXXX is 6 input bytes (12 for a pair), at most 4 output bytes */
        n += rv_utf8_put(cp, out + n);
    }
    if (p >= end) return NULL;
    *out_len = n;
    return p + 1;
}
