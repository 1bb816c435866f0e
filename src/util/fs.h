/*
 * util/fs.h — whole-file reads and read-only mappings.
 *
 *   rv_mapped m;
 *   if (rv_map_file(&m, path) == RV_OK) { use(m.data, m.size); rv_unmap_file(&m); }
 *
 *   char *text; size_t n;
 *   rv_read_file(&text, &n, path, 16u << 20);   // NUL-terminated; free(text)
 */
#ifndef RV_UTIL_FS_H
#define RV_UTIL_FS_H

#include "ripvec/common.h"

typedef struct rv_mapped {
    const unsigned char *data; /* NULL for an empty file */
    size_t size;
} rv_mapped;

/* Files at least this big are mapped with MADV_HUGEPAGE (rv_map_file): read
 * back after an eviction, they come in 2 MiB folios. */
#define RV_HUGE_FILE_BYTES ((size_t)2 << 20)

/* Maps `path` read-only. Empty files give data == NULL, size == 0. */
rv_status rv_map_file(rv_mapped *out, const char *path);
void rv_unmap_file(rv_mapped *m);

/* Reads the whole file into a malloc'd, NUL-terminated buffer (caller frees).
 * Files larger than `max_bytes` are refused with RV_ERR_FORMAT. */
rv_status rv_read_file(char **out, size_t *out_len, const char *path, size_t max_bytes);

/* Sequential writes to a new file, gathered into RV_HUGE_FILE_BYTES pieces
 * at aligned offsets: the kernel then caches the file in 2 MiB folios, which
 * a later mapping maps one PMD at a time (small writes leave small folios,
 * and each 4 KiB page costs a fault and an unmap to every reader).
 *
 *   rv_writer w;
 *   if (rv_writer_init(&w, fd) != RV_OK) ...;     // rv_error_last()
 *   rv_writer_put(&w, p, n); ...                 // 0, or -1 with errno
 *   if (rv_writer_finish(&w) != 0) ...;          // writes the rest, frees
 */
typedef struct rv_writer {
    int fd;
    char *buf;
    size_t len;
    int err; /* errno of the first failed write; 0 while fine */
} rv_writer;

rv_status rv_writer_init(rv_writer *w, int fd);
int rv_writer_put(rv_writer *w, const void *p, size_t n);
int rv_writer_finish(rv_writer *w); /* frees the buffer even on error */

/* Joins a and b with one '/', into a malloc'd string (caller frees). */
char *rv_path_join(const char *a, const char *b);

/* mkdir -p; ok when it already exists. */
rv_status rv_mkdir_p(const char *path, unsigned mode);

/* rv_cache_root (the cache directory) is public: ripvec/common.h. */

/* 1 when path exists (any type), else 0. */
int rv_path_exists(const char *path);

#endif
