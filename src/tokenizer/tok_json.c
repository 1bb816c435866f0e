/*
 * tokenizer/tok_json.c — a fast path for the one big part of a
 * tokenizer.json, model.vocab (30k "token": id pairs for BERT).
 *
 * cJSON makes two allocations and a strtod per entry, and freeing them
 * costs as much again; here the entries go straight into the vocabulary.
 * The scanner accepts a strict subset of what cJSON accepts and gives the
 * same result on it: plain keys at the top two levels, vocab keys with the
 * common escapes (no \u0000, surrogates only in pairs), ids as plain
 * digits. Anything else returns "not handled" and the caller parses the
 * whole text with cJSON as before. The caller still runs cJSON over the
 * rest of the document (the vocab object blanked out), so every other
 * field is validated the usual way.
 */
#include "tokenizer/tok_internal.h"
#include "ripvec/text.h"

#include <stdlib.h>
#include <string.h>

typedef struct scan {
    const char *p, *end;
} scan;

enum { MAX_DEPTH = 64 };

static void ws(scan *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* At '"': skips the string (escapes taken as two bytes); 0 if unterminated. */
static int skip_string(scan *s) {
    for (s->p++; s->p < s->end; s->p++) {
        if (*s->p == '\\') {
            if (++s->p >= s->end) return 0;
        } else if (*s->p == '"') {
            s->p++;
            return 1;
        }
    }
    return 0;
}

/* Skips one value of any kind (not validated: cJSON sees it later). */
static int skip_value(scan *s, int depth) {
    ws(s);
    if (s->p >= s->end || depth > MAX_DEPTH) return 0;
    char c = *s->p;
    if (c == '"') return skip_string(s);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        s->p++;
        ws(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 1;
        }
        for (;;) {
            if (c == '{') {
                ws(s);
                if (s->p >= s->end || *s->p != '"' || !skip_string(s)) return 0;
                ws(s);
                if (s->p >= s->end || *s->p++ != ':') return 0;
            }
            if (!skip_value(s, depth + 1)) return 0;
            ws(s);
            if (s->p >= s->end) return 0;
            if (*s->p == ',') {
                s->p++;
                continue;
            }
            if (*s->p++ == close) return 1;
            return 0;
        }
    }
    while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' ' &&
           *s->p != '\n' && *s->p != '\r' && *s->p != '\t')
        s->p++;
    return 1;
}

/* At '{': moves to the value of the first member named `key` (a key with
 * a backslash anywhere makes the scan give up: it might spell `key`). */
static int find_member(scan *s, const char *key) {
    size_t kl = strlen(key);
    s->p++;
    for (;;) {
        ws(s);
        if (s->p >= s->end || *s->p != '"') return 0;
        const char *k = s->p + 1;
        if (!skip_string(s)) return 0;
        size_t n = (size_t)(s->p - 1 - k);
        if (memchr(k, '\\', n)) return 0;
        ws(s);
        if (s->p >= s->end || *s->p++ != ':') return 0;
        ws(s);
        if (n == kl && memcmp(k, key, kl) == 0) return 1;
        if (!skip_value(s, 1)) return 0;
        ws(s);
        if (s->p >= s->end || *s->p++ != ',') return 0;
    }
}

/* At '"': decodes a key into buf[cap]; 0 = give up (also when too long,
 * \u0000 or a lone surrogate: cJSON then decides). */
static int read_key(scan *s, char *buf, size_t cap, size_t *len) {
    const char *after = rv_json_string(s->p, s->end, buf, cap, len, 1);
    if (!after) return 0;
    s->p = after;
    return 1;
}

rv_status rv_tok_json_vocab(rv_tok_vocab *v, const char *json, size_t len, size_t *vb, size_t *ve,
                            int *handled) {
    *handled = 0;
    scan s = {json, json + len};
    ws(&s);
    if (s.p >= s.end || *s.p != '{' || !find_member(&s, "model")) return RV_OK;
    if (s.p >= s.end || *s.p != '{' || !find_member(&s, "vocab")) return RV_OK;
    if (s.p >= s.end || *s.p != '{') return RV_OK;
    const char *start = s.p;
    char buf[1024]; /* longer keys are left to cJSON */
    rv_status st = RV_OK;
    int ok = 0;
    if ((st = rv_tok_vocab_reserve(v, len / 16 + 16, len / 3)) != RV_OK) goto done;
    s.p++;
    ws(&s);
    if (s.p < s.end && *s.p == '}') {
        s.p++;
        ok = 1;
        goto done;
    }
    for (;;) {
        ws(&s);
        if (s.p >= s.end || *s.p != '"') goto done;
        size_t kl;
        if (!read_key(&s, buf, sizeof buf, &kl)) goto done;
        ws(&s);
        if (s.p >= s.end || *s.p++ != ':') goto done;
        ws(&s);
        uint64_t id = 0;
        const char *d = s.p;
        while (s.p < s.end && *s.p >= '0' && *s.p <= '9' && s.p - d < 11)
            id = id * 10 + (uint64_t)(*s.p++ - '0');
        if (s.p == d || id > INT32_MAX) goto done;
        if ((st = rv_tok_vocab_append(v, buf, kl, (int32_t)id)) != RV_OK) goto done;
        ws(&s);
        if (s.p >= s.end) goto done;
        if (*s.p == ',') {
            s.p++;
            continue;
        }
        if (*s.p++ != '}') goto done;
        ok = 1;
        break;
    }
done:
    if (st != RV_OK) return st;
    if (!ok) {
        rv_tok_vocab_release(v); /* the cJSON path starts over */
        return RV_OK;
    }
    if ((st = rv_tok_vocab_index(v)) != RV_OK) return st;
    *vb = (size_t)(start - json);
    *ve = (size_t)(s.p - json);
    *handled = 1;
    return RV_OK;
}
