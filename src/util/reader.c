/* Bounded line reader (see reader.h). */
#include "util/reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { RV_READ_CHUNK = 64 * 1024 };

void rv_line_reader_init(rv_line_reader *r, rv_read_fn read, void *user, size_t max) {
    memset(r, 0, sizeof *r);
    r->read = read;
    r->user = user;
    r->max = max;
}

void rv_line_reader_free(rv_line_reader *r) {
    if (!r) return;
    free(r->buf);
    r->buf = NULL;
    r->cap = r->start = r->end = r->scanned = 0;
}

ssize_t rv_read_fd(void *user, char *buf, size_t n) {
    int fd = *(const int *)user;
    for (;;) {
        ssize_t got = read(fd, buf, n);
        if (got >= 0 || errno != EINTR) return got;
    }
}

static void trim_cr(const char *line, size_t *len) {
    if (*len > 0 && line[*len - 1] == '\r') (*len)--;
}

/* Room for one more read; the buffer never exceeds max + one chunk. */
static rv_status make_room(rv_line_reader *r) {
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end < r->cap) return RV_OK;
    size_t limit = r->max + RV_READ_CHUNK + 1;
    if (limit < r->max) return rv_error_set(RV_ERR_NOMEM, "line limit overflows");
    size_t ncap = r->cap ? r->cap * 2 : RV_READ_CHUNK;
    if (ncap > limit || ncap < r->cap) ncap = limit;
    if (ncap <= r->end) return rv_error_set(RV_ERR_INTERNAL, "line buffer full");
    char *nb = realloc(r->buf, ncap);
    if (!nb) return rv_error_set(RV_ERR_NOMEM, "out of memory for a %zu-byte line", ncap);
    r->buf = nb;
    r->cap = ncap;
    return RV_OK;
}

int rv_line_reader_next(rv_line_reader *r, const char **line, size_t *len) {
    for (;;) {
        char *base = r->buf + r->start;
        size_t avail = r->end - r->start;
        if (r->discarding) {
            char *nl = avail ? memchr(base, '\n', avail) : NULL;
            if (nl) {
                r->start += (size_t)(nl - base) + 1;
                r->discarding = 0;
                r->scanned = 0;
                return RV_LINE_OVERSIZED;
            }
            r->start = r->end = 0;
        } else {
            char *nl =
                avail > r->scanned ? memchr(base + r->scanned, '\n', avail - r->scanned) : NULL;
            if (nl) {
                size_t n = (size_t)(nl - base);
                r->start += n + 1;
                r->scanned = 0;
                if (n > r->max) return RV_LINE_OVERSIZED;
                *line = base;
                *len = n;
                trim_cr(base, len);
                return RV_LINE_OK;
            }
            r->scanned = avail;
            if (avail > r->max) { /* drop what we hold; skip to the newline */
                r->start = r->end = r->scanned = 0;
                r->discarding = 1;
            }
        }
        if (r->eof) {
            if (r->discarding) {
                r->discarding = 0;
                return RV_LINE_OVERSIZED;
            }
            if (r->end > r->start) { /* a last line without '\n' */
                *line = r->buf + r->start;
                *len = r->end - r->start;
                r->start = r->end = r->scanned = 0;
                trim_cr(*line, len);
                return RV_LINE_OK;
            }
            return RV_LINE_EOF;
        }
        if (make_room(r) != RV_OK) return RV_LINE_ERROR;
        ssize_t got = r->read(r->user, r->buf + r->end, r->cap - r->end);
        if (got < 0) {
            rv_error_set(RV_ERR_IO, "read: %s", strerror(errno));
            return RV_LINE_ERROR;
        }
        if (got == 0) r->eof = 1;
        r->end += (size_t)got;
    }
}

static int hex4(const char *p, const char *end, unsigned *out) {
    unsigned v = 0;
    if (end - p < 4) return 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16) return 0;
        v = v * 16 + d;
    }
    *out = v;
    return 1;
}

unsigned rv_json_scan_strings(const char *text, size_t len, char *fixed) {
    unsigned flags = 0;
    const char *p = text, *end = text + len;
    int in_str = 0;
    if (fixed) memcpy(fixed, text, len);
    while (p < end) {
        char c = *p;
        if (!in_str) {
            in_str = c == '"';
            p++;
            continue;
        }
        if (c == '"') {
            in_str = 0;
            p++;
            continue;
        }
        if (c == '\0') flags |= RV_JSON_NUL;
        if (c != '\\') {
            p++;
            continue;
        }
        unsigned u, lo;
        if (end - p < 2 || p[1] != 'u' || !hex4(p + 2, end, &u)) {
            p += end - p < 2 ? 1 : 2; /* another escape; cJSON judges it */
            continue;
        }
        if (u == 0) flags |= RV_JSON_NUL;
        if (u >= 0xD800 && u <= 0xDBFF && end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
            hex4(p + 8, end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            p += 12; /* a whole pair */
            continue;
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            flags |= RV_JSON_LONE_SURROGATE;
            if (fixed) memcpy(fixed + (p - text) + 2, "FFFD", 4);
        }
        p += 6;
    }
    return flags;
}
