/* libFuzzer target: the LSP framing reader (Content-Length headers, resync
 * after bad headers, skipped oversized bodies, truncation) over the input
 * read in varying step sizes, and the text helpers every body meets next:
 * UTF-8 validation, file URIs, UTF-16 columns and identifiers. */
#include "fuzz_mem.h"
#include "lsp/frame.h"
#include "lsp/internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Columns survive a round trip through UTF-16 on a line of valid UTF-8. */
static void check_columns(const char *body, size_t len) {
    const char *line;
    size_t ll;
    if (!rv_lsp_line_at(body, len, 0, &line, &ll) || !rv_lsp_utf8_valid(line, ll)) return;
    for (size_t off = 0; off <= ll; off++) {
        if (off < ll && ((unsigned char)line[off] & 0xC0) == 0x80) continue;
        long u = rv_lsp_byte_to_utf16(line, off);
        if (rv_lsp_utf16_to_byte(line, ll, u) != off) abort();
    }
    if (rv_lsp_utf16_to_byte(line, ll, 1L << 40) != ll) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rv_fuzz_mem m = {data, size, 0, size ? (size_t)data[0] % 23 + 1 : 1};
    rv_lsp_frame_reader r;
    rv_lsp_frame_reader_init(&r, rv_fuzz_mem_read, &m, 4096);
    for (int events = 0;; events++) {
        const char *body;
        size_t len;
        int ev = rv_lsp_frame_next(&r, &body, &len);
        if (ev == RV_FRAME_EOF || ev == RV_FRAME_ERROR) break;
        if (events > (int)size + 2) abort(); /* every event consumes input */
        if (ev != RV_FRAME_OK) continue;
        if (len > 4096) abort(); /* the bound must hold */
        int valid = rv_lsp_utf8_valid(body, len);
        check_columns(body, len);
        char *text = strndup(body, len);
        if (!text) abort();
        char *path = rv_lsp_uri_to_path(text);
        if (path) {
            if (path[0] != '/') abort();
            char *uri = rv_lsp_path_to_uri(path);
            char *back = uri ? rv_lsp_uri_to_path(uri) : NULL;
            if (!back || strcmp(back, path) != 0) abort(); /* encode/decode agree */
            free(back);
            free(uri);
        }
        free(path);
        if (valid && len > 0) {
            long at = rv_lsp_find_word(text, strlen(text), 0, text, strlen(text) / 2);
            if (at > (long)len) abort();
        }
        free(text);
    }
    rv_lsp_frame_reader_free(&r);
    return 0;
}
