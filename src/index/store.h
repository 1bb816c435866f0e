/*
 * index/store.h — the SQLite file under the persistent index (internal).
 *
 *   rv_store *s;
 *   rv_store_meta m = {.model_id = "all-minilm-l6-v2", .dim = 384};
 *   if (rv_store_open(&s, "/x/index.sqlite", &m, RV_STORE_OPEN, note, user) == RV_OK) {
 *       rv_store_begin(s); ... rv_store_put_file(s, ...); rv_store_commit(s);
 *       rv_store_close(s);
 *   }
 *
 * One connection per handle, used by one thread. The caller serializes writers
 * (index.c holds an flock on "<path>.lock"); SQLite's WAL gives readers a
 * consistent snapshot. Layout, all integers native SQLite (portable), vectors
 * float32 little-endian blobs:
 *
 *   meta(key TEXT PRIMARY KEY, value TEXT)      format_version, model_id, dim,
 *                                               chunker, created, updated, root,
 *                                               generation
 *   files(id, rel UNIQUE, size, mtime_ns, ino, hash BLOB(16) xxh3-128, nchunks)
 *   chunks(id, file_id, seq, start_line, end_line, kind, name, scope, language,
 *          content, embed_head, embed_tail, text_hash BLOB(16), vector BLOB, sum)
 *
 * A chunk may be committed before its vector: its vector is then an empty
 * blob (loaded as a zero row), and the embedding pass fills it in later.
 *
 * embed_text = embed_head || (embed_tail ? content : ""): the chunker's
 * embed_text is a short header plus the content, stored once.
 *
 * `sum` is an xxh3-64 over the row's payload (texts, lines, vector): SQLite
 * checks page structure, not the bytes inside a row, so garbage written into a
 * vector would otherwise load silently.
 */
#ifndef RV_INDEX_STORE_H
#define RV_INDEX_STORE_H

#include "ripvec/chunk.h"
#include "ripvec/common.h"

#include <stdint.h>

/* Bumped when the schema or the meaning of a column changes. Older files are
 * migrated in place (format 1 -> 2: vector-less chunks and the text
 * generation); newer ones are refused (see rv_store_open). */
#define RV_STORE_FORMAT 2

typedef struct rv_store rv_store;

typedef void (*rv_store_note_fn)(void *user, const char *msg);

typedef struct rv_store_meta {
    const char *model_id;
    size_t dim;
    const char *chunker; /* signature of the chunker and its params; "" if unknown */
    const char *root;    /* canonical root, informative */
} rv_store_meta;

typedef enum rv_store_mode {
    RV_STORE_OPEN = 0,    /* create if missing; rebuild if corrupt, stale or for another model */
    RV_STORE_REBUILD = 1, /* discard whatever is there (even a newer format) */
    RV_STORE_INSPECT = 2, /* read-only: no create, no repair (status) */
    RV_STORE_PEEK = 3     /* read-only, and only an index of `want`'s model in the
                             current format: what another process's writes left */
} rv_store_mode;

/* Opens (creating or rebuilding as `mode` says) the index at `path`. The
 * caller must hold the writer lock unless mode is RV_STORE_INSPECT or
 * RV_STORE_PEEK. Problems that lead to a rebuild are reported once through
 * `note`. Errors: RV_ERR_UNSUPPORTED for a newer format, RV_ERR_NOT_FOUND
 * (inspect, missing; peek, also empty, another model's or an older format),
 * RV_ERR_CORRUPT (inspect or peek, unreadable), RV_ERR_IO. Caller closes. */
rv_status rv_store_open(rv_store **out, const char *path, const rv_store_meta *want,
                        rv_store_mode mode, rv_store_note_fn note, void *note_user);
void rv_store_close(rv_store *s);

/* Deletes the database, its -wal/-shm/-journal files and its corpus
 * snapshot "<path>.corpus" (the caller holds the lock). */
rv_status rv_store_remove_files(const char *path);

/* Replaces the whole content of the database at dst_path with src's, in
 * one write transaction on dst (SQLite's backup API): in WAL mode readers
 * of dst never wait and see either all of the old or all of the new. The
 * caller holds dst's writer lock. */
rv_status rv_store_copy_into(rv_store *src, const char *dst_path);

/* 1 when the stored chunker signature differs from the one asked for at open
 * or by rv_store_want_chunker (every file must be re-chunked; vectors stay
 * reusable by text hash). */
int rv_store_chunker_changed(const rv_store *s);

/* Sets the chunker signature wanted from now on (recorded by
 * rv_store_touch_meta) and compares it with the stored one. */
rv_status rv_store_want_chunker(rv_store *s, const char *sig);

/* 1 when the file was created (or rebuilt) by this open. */
int rv_store_fresh(const rv_store *s);

/* ---- reading ---- */

typedef struct rv_store_file {
    int64_t id;
    char *rel; /* malloc'd */
    int64_t size, mtime_ns, ino, nchunks;
    uint8_t hash[16];
} rv_store_file;

/* All file rows, sorted by rel (strcmp order). Caller frees with
 * rv_store_files_free. */
rv_status rv_store_files(rv_store *s, rv_store_file **out, size_t *n);
void rv_store_files_free(rv_store_file *f, size_t n);

/* Copies into `vec` (dim floats) the vector of some stored chunk whose
 * embed_text hash is `text_hash`. Returns 1 found, 0 not found, <0 error. */
int rv_store_find_vector(rv_store *s, const uint8_t text_hash[16], float *vec);

/* Loads every chunk in (rel, seq) order with its vector into `chunks` (appended)
 * and a new malloc'd matrix `*vectors`. Verifies each row's checksum:
 * RV_ERR_CORRUPT on a mismatch or any SQLite corruption error. embed_text is
 * only rebuilt with `with_embed_text` (else NULL: searching never needs it).
 * `*generation` (may be NULL) gets the generation of the state read, in the
 * same read transaction (0: the file has none), and `*text_generation` (may
 * be NULL) its text generation. A chunk without a vector yet gets a zero row. */
rv_status rv_store_load(rv_store *s, rv_chunk_list *chunks, float **vectors, size_t *dim,
                        int with_embed_text, uint64_t *generation, uint64_t *text_generation);

/* The generation of the committed state: a random nonzero 64-bit token that
 * every write transaction (rv_store_commit, creation) replaces, except
 * those that leave the corpus as it was (rv_store_commit_keep_generation). A copy of the
 * corpus made at one generation (index/snapshot.h) is current exactly while
 * the token is unchanged; a random token, not a counter, so a file replaced
 * by another copy of the index (a pulled repo-level index, a restored cache)
 * never matches by accident. 0 when the file has none (older files: until
 * their next write). */
rv_status rv_store_generation(rv_store *s, uint64_t *out);
/* The generation and the text generation of the same committed state. The
 * text generation changes only with the chunks' texts, paths or order, not
 * when vectors are filled in (rv_store_commit_vectors): whatever is built
 * from the texts alone (the keyword index) stays valid across it. 0: none. */
rv_status rv_store_generations(rv_store *s, uint64_t *gen, uint64_t *text_gen);

/* The static string for a language name read back from a file (rv_chunk's
 * language is never freed): interned once per process, thread-safe. */
const char *rv_store_intern_language(const char *name);

typedef struct rv_store_info {
    int64_t files, chunks;
    int64_t vectorless; /* chunks committed without their vector yet */
    int format_version;
    int64_t created, updated; /* unix seconds */
    char model_id[256];
    char root[1024];
} rv_store_info;

rv_status rv_store_info_get(rv_store *s, rv_store_info *out);

/* PRAGMA quick_check of the meta table alone (cheap): RV_ERR_CORRUPT when
 * it is damaged. Run before writing to a meta table nothing has vouched for:
 * a write into a damaged page can spread the damage. */
rv_status rv_store_check_meta(rv_store *s);

/* PRAGMA quick_check plus every row checksum and a files/chunks cross-check.
 * RV_OK when consistent, else RV_ERR_CORRUPT with the first problem found. */
rv_status rv_store_verify(rv_store *s);

/* ---- writing (inside begin/commit; BEGIN IMMEDIATE) ---- */

rv_status rv_store_begin(rv_store *s);
rv_status rv_store_commit(rv_store *s);
/* Commits keeping the generation: only for a transaction that changed no
 * chunk, vector or file path (rv_store_heal_file, rv_store_touch_meta). The
 * corpus is then that of the current generation, and so are copies of it
 * (the corpus snapshot, the saved keyword index), which hold no file stats. */
rv_status rv_store_commit_keep_generation(rv_store *s);
/* Commits a transaction that only filled in vectors of stored chunks: a new
 * generation, the same text generation. */
rv_status rv_store_commit_vectors(rv_store *s);
void rv_store_rollback(rv_store *s);

/* Replaces the file `rel`: deletes its old chunks, upserts its row, inserts
 * `n` chunks with their vectors (n * dim floats) and text hashes; chunk i
 * goes in without a vector where has_vec[i] is 0 (has_vec NULL: all have). */
rv_status rv_store_put_file(rv_store *s, const char *rel, int64_t size, int64_t mtime_ns,
                            int64_t ino, const uint8_t hash[16], const rv_chunk *chunks,
                            const uint8_t (*text_hashes)[16], const float *vectors,
                            const unsigned char *has_vec, size_t n);

/* The ids of the files with chunks still without a vector (ascending). */
rv_status rv_store_pending_files(rv_store *s, int64_t **ids, size_t *n);

/* One file's chunks in seq order, verified, with embed_text, their text
 * hashes, vectors (n * dim, zero rows where none) and has_vec; all malloc'd
 * (chunks appended to *chunks). RV_ERR_CORRUPT on a damaged row. */
rv_status rv_store_file_chunks(rv_store *s, int64_t id, const char *rel, rv_chunk_list *chunks,
                               uint8_t (**text_hashes)[16], float **vectors,
                               unsigned char **has_vec);

/* Updates only the stat fields of a file whose content is unchanged. */
rv_status rv_store_heal_file(rv_store *s, int64_t id, int64_t size, int64_t mtime_ns, int64_t ino);

/* Deletes a file row and its chunks. */
rv_status rv_store_delete_file(rv_store *s, int64_t id);

/* Records the current time as meta.updated (and chunker signature). */
rv_status rv_store_touch_meta(rv_store *s);

/* Empties files and chunks (keeps meta), in its own transaction. */
rv_status rv_store_clear(rv_store *s);

/* Test hook: sets meta.format_version (to simulate a newer ripvec's file). */
rv_status rv_store_set_format_for_test(rv_store *s, int version);

/* xxh3-128 of bytes, as 16 big-endian-ordered bytes (high64 then low64). */
void rv_store_hash128(uint8_t out[16], const void *data, size_t len);

#endif
