/*
 * walk/ignore.h — one gitignore-syntax file: parse its lines, match paths.
 *
 *   rv_ignore *ig = NULL;
 *   rv_ignore_create(&ig);
 *   rv_ignore_add_buffer(ig, "*.o\n!keep.o\n/build/\n", 20);
 *   rv_ignore_match(ig, "src/x.o", 7, 0);     // RV_IGNORE_EXCLUDE
 *   rv_ignore_match(ig, "keep.o", 6, 0);      // RV_IGNORE_INCLUDE
 *   rv_ignore_free(ig);
 *
 * Paths are relative to the directory the file applies to, '/'-separated,
 * without a leading "./" or a trailing '/'. Line rules follow git: '#'
 * comments, unescaped trailing spaces dropped, CR before LF dropped, a
 * leading UTF-8 BOM skipped, '!' negates, a trailing '/' matches
 * directories only, a '/' at the start or middle anchors the pattern to the
 * file's directory (otherwise it matches the basename at any depth), and
 * the last matching line wins. Parent-directory exclusion is the walker's
 * business (it prunes excluded directories).
 */
#ifndef RV_WALK_IGNORE_H
#define RV_WALK_IGNORE_H

#include "ripvec/common.h"

typedef struct rv_ignore rv_ignore;

typedef enum rv_ignore_result {
    RV_IGNORE_NONE = 0,    /* no line matched */
    RV_IGNORE_EXCLUDE = 1, /* the last matching line ignores the path */
    RV_IGNORE_INCLUDE = 2  /* the last matching line is a '!' re-include */
} rv_ignore_result;

/* An empty matcher; caller frees with rv_ignore_free. */
rv_status rv_ignore_create(rv_ignore **out);
void rv_ignore_free(rv_ignore *ig);

/* Adds every line of a gitignore-format buffer (need not be NUL-terminated). */
rv_status rv_ignore_add_buffer(rv_ignore *ig, const char *buf, size_t len);

/* Adds one line (no newline in it). Comments and blank lines add nothing. */
rv_status rv_ignore_add_line(rv_ignore *ig, const char *line, size_t len);

/* Reads the gitignore file at `path`. A missing file, or one that is not a
 * regular file, or one without patterns, gives RV_OK and *out == NULL.
 * Opened non-blocking so a FIFO in its place cannot hang us. */
rv_status rv_ignore_load(rv_ignore **out, const char *path);

size_t rv_ignore_count(const rv_ignore *ig);

rv_ignore_result rv_ignore_match(const rv_ignore *ig, const char *path, size_t len, int is_dir);

#endif
