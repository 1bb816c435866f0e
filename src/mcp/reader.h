/*
 * mcp/reader.h — a bounded line reader: one JSON-RPC message per line.
 *
 *   rv_line_reader r;
 *   rv_line_reader_init(&r, my_read, &fd, RV_MCP_MAX_MESSAGE);
 *   for (;;) {
 *       const char *line; size_t len;
 *       int ev = rv_line_reader_next(&r, &line, &len);
 *       if (ev == RV_LINE_EOF) break;
 *       if (ev == RV_LINE_OVERSIZED) { reply_error(); continue; }
 *       if (ev == RV_LINE_ERROR) fail();
 *       handle(line, len);            // valid until the next call
 *   }
 *   rv_line_reader_free(&r);
 *
 * Never holds more than max bytes of one line: a longer line is dropped as
 * it streams in (the rest up to its newline is discarded) and reported once.
 */
#ifndef RV_MCP_READER_H
#define RV_MCP_READER_H

#include "ripvec/common.h"

#include <stddef.h>
#include <sys/types.h>

/* Reads up to n bytes into buf: bytes read, 0 at EOF, -1 on error (errno). */
typedef ssize_t (*rv_read_fn)(void *user, char *buf, size_t n);

typedef struct rv_line_reader {
    rv_read_fn read;
    void *user;
    size_t max; /* longest accepted line, without '\n' */
    char *buf;  /* holds [start, end) unconsumed bytes */
    size_t cap, start, end;
    size_t scanned; /* bytes from start already known to hold no '\n' */
    int eof;
    int discarding; /* inside an oversized line */
} rv_line_reader;

enum { RV_LINE_OK = 1, RV_LINE_EOF = 0, RV_LINE_OVERSIZED = 2, RV_LINE_ERROR = -1 };

void rv_line_reader_init(rv_line_reader *r, rv_read_fn read, void *user, size_t max);
void rv_line_reader_free(rv_line_reader *r);

/* Next line without its '\n' (and without a trailing '\r'). Empty lines are
 * returned too (callers skip them). A last line without '\n' before EOF is
 * returned as a line. RV_LINE_ERROR sets rv_error_last(). */
int rv_line_reader_next(rv_line_reader *r, const char **line, size_t *len);

/* An rv_read_fn over a file descriptor (user points to an int), retrying EINTR. */
ssize_t rv_read_fd(void *user, char *buf, size_t n);

#endif
