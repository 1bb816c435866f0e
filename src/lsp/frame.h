/*
 * lsp/frame.h — the LSP base protocol's framing: header fields ended by an
 * empty line ("Content-Length: N\r\n\r\n"), then N bytes of JSON.
 *
 *   rv_lsp_frame_reader r;
 *   rv_lsp_frame_reader_init(&r, rv_read_fd, &fd, RV_LSP_MAX_BODY);
 *   for (;;) {
 *       const char *body; size_t len;
 *       int ev = rv_lsp_frame_next(&r, &body, &len);
 *       if (ev == RV_FRAME_EOF || ev == RV_FRAME_ERROR) break;
 *       if (ev != RV_FRAME_OK) { reply_parse_error(); continue; }
 *       handle(body, len);              // valid until the next call
 *   }
 *   rv_lsp_frame_reader_free(&r);
 *
 * Bounded: a header block over RV_LSP_MAX_HEADER bytes or a body over max is
 * never held. After a header without a usable Content-Length the reader
 * skips to the next "Content-Length:", so one bad frame costs one error, not
 * the session. An oversized body is skipped as
 * it streams in.
 */
#ifndef RV_LSP_FRAME_H
#define RV_LSP_FRAME_H

#include "util/reader.h"

#include <stddef.h>

#define RV_LSP_MAX_BODY ((size_t)16 << 20)
#define RV_LSP_MAX_HEADER ((size_t)8192)

enum {
    RV_FRAME_OK = 1,
    RV_FRAME_EOF = 0,
    RV_FRAME_BAD_HEADER = 2, /* no/invalid Content-Length, or a header block too long */
    RV_FRAME_TOO_LARGE = 3,  /* Content-Length over max: the body is skipped */
    RV_FRAME_TRUNCATED = 4,  /* input ended inside a frame (EOF follows) */
    RV_FRAME_ERROR = -1      /* read error or out of memory (rv_error_last) */
};

typedef struct rv_lsp_frame_reader {
    rv_read_fn read;
    void *user;
    size_t max_body;
    char *buf; /* holds [start, end) unconsumed bytes */
    size_t cap, start, end;
    size_t skip; /* body bytes of an oversized frame still to drop */
    int resync;  /* after a bad header: drop input up to a Content-Length line */
    int eof;
} rv_lsp_frame_reader;

void rv_lsp_frame_reader_init(rv_lsp_frame_reader *r, rv_read_fn read, void *user, size_t max_body);
void rv_lsp_frame_reader_free(rv_lsp_frame_reader *r);

/* The next event; with RV_FRAME_OK, *body and *len are the frame's content. */
int rv_lsp_frame_next(rv_lsp_frame_reader *r, const char **body, size_t *len);

#endif
