/* The stdio loop: bounded lines in, one reply line out per request (see mcp.h). */
#include "mcp/mcp.h"
#include "util/reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 written, 0 the reader has gone (EPIPE), -1 another error. */
static int write_line(int fd, char *text) {
    size_t n = strlen(text);
    text[n] = '\n'; /* the caller's buffer holds n + 1 bytes with the NUL */
    const char *p = text;
    size_t left = n + 1;
    int rc = 1;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            rc = errno == EPIPE ? 0 : -1;
            if (rc < 0) rv_error_set(RV_ERR_IO, "write: %s", strerror(errno));
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    text[n] = '\0';
    return rc;
}

rv_status rv_mcp_serve_fd(rv_mcp_server *s, int in_fd, int out_fd) {
    rv_line_reader r;
    rv_line_reader_init(&r, rv_read_fd, &in_fd, RV_MCP_MAX_MESSAGE);
    rv_status st = RV_OK;
    for (;;) {
        const char *line = NULL;
        size_t len = 0;
        char *reply = NULL;
        int ev = rv_line_reader_next(&r, &line, &len);
        if (ev == RV_LINE_EOF) break;
        if (ev == RV_LINE_ERROR) {
            st = RV_ERR_IO;
            break;
        }
        if (ev == RV_LINE_OVERSIZED) {
            reply = rv_mcp_oversized_reply();
            if (!reply) {
                st = rv_error_set(RV_ERR_NOMEM, "out of memory");
                break;
            }
        } else {
            st = rv_mcp_server_handle(s, &reply, line, len);
            if (st != RV_OK) break;
        }
        if (!reply) continue;
        int w = write_line(out_fd, reply);
        free(reply);
        if (w == 0) break;
        if (w < 0) {
            st = RV_ERR_IO;
            break;
        }
    }
    rv_line_reader_free(&r);
    return st;
}
