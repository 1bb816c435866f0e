/* libFuzzer target for the chunker: the first byte picks the language (by
 * a file name), the rest is the file. Checks the invariants every caller
 * relies on: lines in range and ordered, strings valid, embed_text within the
 * token budget (default estimate), embed_text ending with content.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc fuzz/fuzz_chunk.c \
 *         build-san/libripvec.a ... -o fuzz_chunk
 */
#include "ripvec/chunk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_paths[] = {
    "a.c",    "a.cpp", "a.rs",   "a.go",   "a.py",   "a.js",  "a.ts",    "a.tsx",
    "A.java", "a.rb",  "a.sh",   "a.cs",   "a.php",  "a.kt",  "a.swift", "a.scala",
    "a.lua",  "a.md",  "a.json", "a.yaml", "a.toml", "a.txt", "noext", "a.hs",
    "a.zig",  "a.ex",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *path = k_paths[data[0] % (sizeof k_paths / sizeof k_paths[0])];
    rv_chunk_params p = rv_chunk_default_params();
    /* Small limits make splitting and windows happen on small inputs. */
    p.max_tokens = 24 + (data[0] >> 5) * 16;
    p.window_lines = 1 + (data[0] >> 4) % 8;
    p.window_overlap = (data[0] >> 2) % 3;
    rv_chunk_list l = {0};
    if (rv_chunk_file(&l, path, (const char *)data + 1, size - 1, &p) != RV_OK) abort();
    int lines = 1;
    for (size_t i = 0; i + 1 < size; i++)
        lines += data[i + 1] == '\n';
    for (size_t i = 0; i < l.count; i++) {
        const rv_chunk *c = &l.items[i];
        if (c->start_line < 1 || c->end_line < c->start_line || c->end_line > lines) abort();
        if (i && c->start_line < l.items[i - 1].start_line) abort();
        size_t cl = strlen(c->content), el = strlen(c->embed_text);
        if (el < cl || memcmp(c->embed_text + el - cl, c->content, cl) != 0) abort();
        if ((el + 2) / 3 > (size_t)p.max_tokens - 2) abort();
        if (!c->kind || !c->name || !c->scope || !c->language || !c->path) abort();
    }
    rv_chunk_list_free(&l);
    return 0;
}
