/* The Content-Length framing reader (see frame.h). */
#include "lsp/frame.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char g_cl[] = "content-length:";
enum { CL_LEN = sizeof g_cl - 1 };

void rv_lsp_frame_reader_init(rv_lsp_frame_reader *r, rv_read_fn read, void *user,
                              size_t max_body) {
    memset(r, 0, sizeof *r);
    r->read = read;
    r->user = user;
    r->max_body = max_body;
}

void rv_lsp_frame_reader_free(rv_lsp_frame_reader *r) {
    free(r->buf);
    r->buf = NULL;
}

/* Makes room for `want` unconsumed bytes and reads once. 1 read something,
 * 0 EOF, -1 error. */
static int fill(rv_lsp_frame_reader *r, size_t want) {
    if (r->eof) return 0;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (want < 4096) want = 4096;
    if (r->cap < want) {
        char *nb = realloc(r->buf, want);
        if (!nb) {
            rv_error_set(RV_ERR_NOMEM, "out of memory");
            return -1;
        }
        r->buf = nb;
        r->cap = want;
    }
    if (r->end == r->cap) return 1; /* full: the caller decides */
    ssize_t n = r->read(r->user, r->buf + r->end, r->cap - r->end);
    if (n < 0) {
        rv_error_set(RV_ERR_IO, "read failed");
        return -1;
    }
    if (n == 0) {
        r->eof = 1;
        return 0;
    }
    r->end += (size_t)n;
    return 1;
}

/* Drops input up to the next "Content-Length:" (anywhere: a bad frame's body
 * has no known end, and the next header follows it directly). 1 found, 0 EOF,
 * -1 error. */
static int resync(rv_lsp_frame_reader *r) {
    for (;;) {
        for (size_t i = r->start; i + CL_LEN <= r->end; i++) {
            if (strncasecmp(r->buf + i, g_cl, CL_LEN) == 0) {
                r->start = i;
                r->resync = 0;
                return 1;
            }
        }
        /* keep a tail that may be the start of the marker */
        if (r->end - r->start > CL_LEN) r->start = r->end - CL_LEN;
        int f = fill(r, r->cap);
        if (f <= 0) {
            r->start = r->end;
            return f;
        }
    }
}

/* Offset of the blank line ending the header block within [start, end), and
 * its length in *term; -1 when not there yet. */
static long header_end(const rv_lsp_frame_reader *r, size_t *term) {
    const char *b = r->buf + r->start;
    size_t n = r->end - r->start;
    for (size_t i = 0; i + 1 < n; i++) {
        if (b[i] != '\n') continue;
        if (b[i + 1] == '\n') {
            *term = 2;
            return (long)i;
        }
        if (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n') {
            *term = 3;
            return (long)i;
        }
    }
    return -1;
}

/* The Content-Length of a header block (hlen bytes); -1 when missing, not a
 * decimal number, or given twice with different values. */
static long long content_length(const char *h, size_t hlen) {
    long long found = -1;
    size_t i = 0;
    while (i < hlen) {
        size_t e = i;
        while (e < hlen && h[e] != '\n')
            e++;
        size_t le = e > i && h[e - 1] == '\r' ? e - 1 : e;
        if (le - i >= CL_LEN && strncasecmp(h + i, g_cl, CL_LEN) == 0) {
            size_t p = i + CL_LEN;
            while (p < le && (h[p] == ' ' || h[p] == '\t'))
                p++;
            size_t q = le;
            while (q > p && (h[q - 1] == ' ' || h[q - 1] == '\t'))
                q--;
            if (p == q || q - p > 18) return -1;
            long long v = 0;
            for (size_t k = p; k < q; k++) {
                if (h[k] < '0' || h[k] > '9') return -1;
                v = v * 10 + (h[k] - '0');
            }
            if (found >= 0 && found != v) return -1; /* two different lengths */
            found = v;
        }
        i = e + 1;
    }
    return found;
}

int rv_lsp_frame_next(rv_lsp_frame_reader *r, const char **body, size_t *len) {
    *body = NULL;
    *len = 0;
    for (;;) {
        if (r->skip > 0) { /* the rest of an oversized body */
            size_t have = r->end - r->start;
            size_t k = have < r->skip ? have : r->skip;
            r->start += k;
            r->skip -= k;
            if (r->skip > 0) {
                int f = fill(r, r->cap);
                if (f < 0) return RV_FRAME_ERROR;
                if (f == 0) return RV_FRAME_EOF;
            }
            continue;
        }
        if (r->resync) {
            int f = resync(r);
            if (f < 0) return RV_FRAME_ERROR;
            if (f == 0) return RV_FRAME_EOF;
        }
        /* line ends between frames are tolerated */
        while (r->start < r->end && (r->buf[r->start] == '\r' || r->buf[r->start] == '\n'))
            r->start++;
        size_t term = 0;
        long he = header_end(r, &term);
        if (he < 0) {
            if (r->end - r->start > RV_LSP_MAX_HEADER) {
                r->resync = 1;
                r->start = r->end;
                return RV_FRAME_BAD_HEADER;
            }
            int f = fill(r, r->end - r->start + 4096);
            if (f < 0) return RV_FRAME_ERROR;
            if (f == 0) {
                int partial = r->start < r->end;
                r->start = r->end;
                return partial ? RV_FRAME_TRUNCATED : RV_FRAME_EOF;
            }
            continue;
        }
        long long cl = content_length(r->buf + r->start, (size_t)he + 1);
        size_t hsize = (size_t)he + term;
        if ((size_t)he + 1 > RV_LSP_MAX_HEADER || cl == -1) {
            r->start += hsize;
            r->resync = 1;
            return RV_FRAME_BAD_HEADER;
        }
        if ((unsigned long long)cl > r->max_body) {
            r->start += hsize;
            r->skip = (size_t)cl;
            return RV_FRAME_TOO_LARGE;
        }
        size_t need = hsize + (size_t)cl;
        while (r->end - r->start < need) {
            int f = fill(r, need + 1);
            if (f < 0) return RV_FRAME_ERROR;
            if (f == 0) {
                r->start = r->end;
                return RV_FRAME_TRUNCATED;
            }
        }
        *body = r->buf + r->start + hsize;
        *len = (size_t)cl;
        r->start += need;
        return RV_FRAME_OK;
    }
}
