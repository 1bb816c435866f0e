/* fuzz/fuzz_files.h — helpers of the file-format fuzz targets: reading a
 * valid template, and the patch records inputs apply to it. */
#ifndef RV_FUZZ_FILES_H
#define RV_FUZZ_FILES_H

#include "util/fs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The whole of `path` (malloc'd), or abort: the template must be there and
 * at least min_len bytes long. */
static unsigned char *rv_fuzz_read(const char *path, size_t min_len, size_t *out_len) {
    char *text = NULL;
    if (rv_read_file(&text, out_len, path, (size_t)1 << 30) != RV_OK || *out_len < min_len) abort();
    return (unsigned char *)text;
}

/* Patch records: each is a 3-byte offset (modulo the length so far), a
 * 1-byte count and that many bytes to write there; a count of 0 truncates
 * at the offset instead. Returns a malloc'd copy (abort on no memory). */
static unsigned char *rv_fuzz_patched(const unsigned char *tmpl, size_t tmpl_len,
                                      const uint8_t *data, size_t size, size_t *out_len) {
    unsigned char *buf = malloc(tmpl_len);
    if (!buf) abort();
    memcpy(buf, tmpl, tmpl_len);
    size_t len = tmpl_len;
    for (size_t i = 0; i + 4 <= size;) {
        size_t off = ((size_t)data[i] << 16 | (size_t)data[i + 1] << 8 | data[i + 2]) % len;
        size_t n = data[i + 3];
        i += 4;
        if (n == 0) {
            len = off ? off : 1;
            continue;
        }
        if (n > size - i) n = size - i;
        if (n > len - off) n = len - off;
        memcpy(buf + off, data + i, n);
        i += n;
    }
    *out_len = len;
    return buf;
}

#endif
