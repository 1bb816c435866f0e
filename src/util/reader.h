/*
 * util/reader.h — a bounded line reader (one JSON-RPC message per line for MCP;
 * the LSP frame reader reads through the same rv_read_fn).
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
#ifndef RV_UTIL_READER_H
#define RV_UTIL_READER_H

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

/* One pass over the string literals of a JSON text, for what cJSON gets
 * wrong: RV_JSON_NUL when a string holds U+0000 (escaped or raw; a C string
 * would silently end there), RV_JSON_LONE_SURROGATE when it holds a lone
 * UTF-16 surrogate escape (cJSON refuses the whole text, so the request's id
 * is lost). With fixed (len bytes) it receives the text with each lone
 * surrogate escape rewritten to \uFFFD, the same length. */
enum { RV_JSON_NUL = 1, RV_JSON_LONE_SURROGATE = 2 };
unsigned rv_json_scan_strings(const char *text, size_t len, char *fixed);

#endif
