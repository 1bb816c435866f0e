/*
 * index/snapshot.h — the corpus of one index state as one mappable file
 * (internal).
 *
 *   rv_corpus c = {0};
 *   if (rv_snapshot_load(&c, "/x/m.sqlite.corpus", generation, dim) != RV_OK) {
 *       ... load c from the store (rv_store_load, with its generation) ...
 *       rv_snapshot_save("/x/m.sqlite.corpus", &c, generation, 0644);  // best effort
 *   }
 *   ... rv_corpus_free(&c);
 *
 * "<index>.corpus" holds what a search reads of every chunk (no embed_text)
 * and the vectors, laid out so that a warm query maps the file and points
 * into it instead of reading, checking and copying every row out of SQLite.
 * It belongs to one store generation (rv_store_generation); any later write
 * makes it stale. Little-endian hosts only. Layout (integers little-endian):
 *
 *   header   128 bytes: magic "RVCORPUS", version, byte-order mark,
 *            generation, dim, count, offset/length of each section below,
 *            file size, XXH3-64 of every byte after the header
 *   records  count x {i32 start_line, end_line; u32 path, kind, name, scope,
 *            language, content} — offsets into the strings
 *   strings  NUL-terminated strings (offset 0 is ""), ending with a NUL
 *   vectors  count x dim float32, 64-byte aligned
 *
 * A file that is missing, stale, of another format or damaged in any way
 * (checksum, sizes, any offset outside the strings) is refused, never
 * trusted: the caller falls back to the store.
 */
#ifndef RV_INDEX_SNAPSHOT_H
#define RV_INDEX_SNAPSHOT_H

#include "ripvec/common.h"
#include "ripvec/corpus.h"

#include <stdint.h>
#include <sys/types.h>

/* Writes c (embed_text left out) as the snapshot of `generation` (nonzero):
 * a private temporary file in the same directory, then rename, so readers
 * see the old file or the new one. Errors (RV_ERR_IO, RV_ERR_NOMEM,
 * RV_ERR_UNSUPPORTED on a big-endian host or past 4 GiB of strings) leave
 * no file behind; callers treat saving as best effort. */
rv_status rv_snapshot_save(const char *path, const rv_corpus *c, uint64_t generation, mode_t mode);

/* Fills *out (zeroed by the caller) from the snapshot at `path` when it is
 * intact and was made at `generation` with `dim`-sized vectors. out->backing
 * owns the mapping; rv_corpus_free releases it. RV_ERR_NOT_FOUND when there
 * is no usable file (missing, stale, other format), RV_ERR_CORRUPT when it
 * is damaged, RV_ERR_NOMEM. */
rv_status rv_snapshot_load(rv_corpus *out, const char *path, uint64_t generation, size_t dim);

#endif
