/* The language server's text helpers and framing reader, in process:
 * UTF-16 columns (the protocol's unit) against UTF-8 bytes, file URIs,
 * whole-word search, and frames read one byte at a time. */
#include "lsp/frame.h"
#include "lsp/internal.h"
#include "rvtest.h"

#include <stdlib.h>
#include <string.h>

RV_TEST(utf16_columns_count_surrogate_pairs_twice) {
    const char *l = "a\xc3\xa9\xf0\x9f\x98\x80"
                    "b"; /* a é 😀 b: bytes 0,1,3,7 */
    size_t n = strlen(l);
    RV_CHECK_EQ_INT(rv_lsp_byte_to_utf16(l, 1), 1);
    RV_CHECK_EQ_INT(rv_lsp_byte_to_utf16(l, 3), 2);
    RV_CHECK_EQ_INT(rv_lsp_byte_to_utf16(l, 7), 4);
    RV_CHECK_EQ_INT((int)rv_lsp_utf16_to_byte(l, n, 4), 7);
    RV_CHECK_EQ_INT((int)rv_lsp_utf16_to_byte(l, n, 2), 3);
    RV_CHECK_EQ_INT((int)rv_lsp_utf16_to_byte(l, n, 99), (int)n);    /* past the end: clamped */
    RV_CHECK_EQ_INT((int)rv_lsp_utf16_to_byte("\xff\xfe", 2, 1), 1); /* stray bytes: one unit */
}

RV_TEST(lines_and_whole_words) {
    const char *t = "one\r\ntwo three\nfour";
    const char *l;
    size_t ll;
    RV_CHECK(rv_lsp_line_at(t, strlen(t), 0, &l, &ll) && ll == 3 && !strncmp(l, "one", 3));
    RV_CHECK(rv_lsp_line_at(t, strlen(t), 2, &l, &ll) && ll == 4 && !strncmp(l, "four", 4));
    RV_CHECK(!rv_lsp_line_at(t, strlen(t), 3, &l, &ll));
    const char *s = "total_area(x) + area(y)";
    RV_CHECK_EQ_INT((int)rv_lsp_find_word(s, strlen(s), 0, "area", 4), 16);
    RV_CHECK_EQ_INT((int)rv_lsp_find_word(s, strlen(s), 17, "area", 4), -1);
}

RV_TEST(file_uris_round_trip_and_refuse_others) {
    char *p = rv_lsp_uri_to_path("file:///tmp/a%20b/%C3%A9t%C3%A9.py");
    RV_CHECK(p && strcmp(p, "/tmp/a b/\xc3\xa9t\xc3\xa9.py") == 0);
    char *u = p ? rv_lsp_path_to_uri(p) : NULL;
    RV_CHECK(u && strcmp(u, "file:///tmp/a%20b/%C3%A9t%C3%A9.py") == 0);
    free(p);
    free(u);
    p = rv_lsp_uri_to_path("file://localhost/etc/x");
    RV_CHECK(p && strcmp(p, "/etc/x") == 0);
    free(p);
    RV_CHECK(rv_lsp_uri_to_path("http://example.com/a") == NULL);
    RV_CHECK(rv_lsp_uri_to_path("file://host/a") == NULL);
    RV_CHECK(rv_lsp_uri_to_path("file:///a%00b") == NULL); /* an encoded NUL */
}

RV_TEST(utf8_validation) {
    RV_CHECK(rv_lsp_utf8_valid("a\xc3\xa9\xf0\x9f\x98\x80", 7));
    RV_CHECK(!rv_lsp_utf8_valid("\xc3", 1));             /* cut */
    RV_CHECK(!rv_lsp_utf8_valid("\xc0\xaf", 2));         /* overlong */
    RV_CHECK(!rv_lsp_utf8_valid("\xed\xa0\x80", 3));     /* a surrogate */
    RV_CHECK(!rv_lsp_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
}

typedef struct bytes_src {
    const char *p;
    size_t n, pos;
} bytes_src;

static ssize_t one_byte(void *user, char *buf, size_t n) {
    bytes_src *b = user;
    if (b->pos == b->n || n == 0) return 0;
    buf[0] = b->p[b->pos++];
    return 1;
}

RV_TEST(frames_read_one_byte_at_a_time) {
    const char in[] = "Content-Length: 2\r\n\r\n{}"
                      "content-length:3\n\n[1]"               /* lower case, bare \n */
                      "Content-Length: x\r\n\r\n{}"           /* bad: resync */
                      "Content-Length: 100\r\n\r\n0123456789" /* over max 16: skipped */
                      "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789"
                      "abcdefghijklmnopqr"
                      "Content-Length: 4\r\nContent-Type: x\r\n\r\nnull"
                      "Content-Length: 9\r\n\r\n{\"a\""; /* truncated */
    bytes_src src = {in, sizeof in - 1, 0};
    rv_lsp_frame_reader r;
    rv_lsp_frame_reader_init(&r, one_byte, &src, 16);
    const int want[] = {RV_FRAME_OK, RV_FRAME_OK,        RV_FRAME_BAD_HEADER, RV_FRAME_TOO_LARGE,
                        RV_FRAME_OK, RV_FRAME_TRUNCATED, RV_FRAME_EOF};
    const char *bodies[] = {"{}", "[1]", NULL, NULL, "null", NULL, NULL};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *body;
        size_t len;
        int ev = rv_lsp_frame_next(&r, &body, &len);
        RV_CHECK_MSG(ev == want[i], "event %zu: %d, want %d", i, ev, want[i]);
        if (ev == RV_FRAME_OK && bodies[i])
            RV_CHECK_MSG(len == strlen(bodies[i]) && !memcmp(body, bodies[i], len),
                         "frame %zu: %.*s", i, (int)len, body);
    }
    rv_lsp_frame_reader_free(&r);
}

int main(void) {
    RV_RUN(utf16_columns_count_surrogate_pairs_twice);
    RV_RUN(lines_and_whole_words);
    RV_RUN(file_uris_round_trip_and_refuse_others);
    RV_RUN(utf8_validation);
    RV_RUN(frames_read_one_byte_at_a_time);
    return rv_test_summary();
}
