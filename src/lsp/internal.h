/*
 * lsp/internal.h — what the language server's files share (not for other
 * modules). One worker thread (the caller of rv_lsp_serve) owns folders,
 * documents and searchers; the reader thread only queues parsed messages
 * and marks queued requests cancelled.
 */
#ifndef RV_LSP_INTERNAL_H
#define RV_LSP_INTERNAL_H

#include "ripvec/chunk.h"
#include "ripvec/lsp.h"
#include "ripvec/search.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

/* JSON-RPC and LSP error codes. */
enum {
    RV_LSP_PARSE_ERROR = -32700,
    RV_LSP_INVALID_REQUEST = -32600,
    RV_LSP_METHOD_NOT_FOUND = -32601,
    RV_LSP_INVALID_PARAMS = -32602,
    RV_LSP_INTERNAL_ERROR = -32603,
    RV_LSP_SERVER_NOT_INITIALIZED = -32002,
    RV_LSP_REQUEST_FAILED = -32803,
    RV_LSP_REQUEST_CANCELLED = -32800
};

/* A queued message: a parsed JSON-RPC object, or a ready error reply for a
 * frame that could not be parsed. */
typedef struct lsp_item {
    cJSON *msg;
    cJSON *reply;
    int cancelled;
    struct lsp_item *next;
} lsp_item;

struct lsp_server;

/* Where a folder's searcher reports indexing progress: allocated with the
 * folder (the searcher keeps the pointer for every later refresh) and
 * pointed at a fresh token for each refresh. */
typedef struct lsp_progress {
    struct lsp_server *s;
    char token[48]; /* "" while no client token is active */
    double last;
} lsp_progress;

/* One workspace root (or one file in single-file mode) and its searcher. */
typedef struct lsp_folder {
    char *root; /* realpath */
    int single_file;
    rv_searcher *srch; /* NULL until indexed (or when opening failed) */
    lsp_progress *prog;
    int failed;        /* opening or the first refresh failed: not retried until a change */
    int stale;         /* files changed on disk since the last refresh */
    double stale_since;
    const rv_corpus *corpus;
    size_t *defs; /* corpus chunk indices of named definitions, by name (strcasecmp) */
    size_t n_defs;
} lsp_folder;

/* An open document (didOpen .. didClose). */
typedef struct lsp_doc {
    char *path; /* absolute, as the client named it (decoded) */
    char *rel;  /* relative to its folder's root */
    int folder;
    char *text;
    size_t len;
    int ahead;            /* text differs from what the folder's index holds */
    rv_chunk_list chunks; /* of text, when ahead */
    int chunks_stale;
} lsp_doc;

typedef struct lsp_server {
    rv_lsp_params p;
    int out_fd;
    pthread_mutex_t out_mu; /* one frame at a time on out_fd */
    pthread_mutex_t q_mu;
    pthread_cond_t q_cv;
    lsp_item *head, *tail;
    int reader_done;
    atomic_int stop; /* set by the worker after exit; the reader polls it */
    int initialized, shutdown, exit_code, done;
    int opt_definition, opt_references, debounce_ms;
    int client_progress, client_watch_reg;
    long next_out_id;
    lsp_folder *folders;
    size_t n_folders;
    lsp_doc *docs;
    size_t n_docs;
} lsp_server;

typedef struct lsp_error {
    int code;
    char message[256];
} lsp_error;

void rv_lsp_error_set(lsp_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* --- serve.c, dispatch.c --- */
/* Answers one queued message (a request already cancelled gets -32800). */
void rv_lsp_dispatch(lsp_server *s, const cJSON *msg, int cancelled);
/* Replies to request id with result (owned) or, when NULL, err. */
void rv_lsp_reply(lsp_server *s, const cJSON *id, cJSON *result, const lsp_error *err);
/* Writes one message (takes ownership of msg). 0 ok, -1 write failed. */
int rv_lsp_send(lsp_server *s, cJSON *msg);
/* A notification / a request of our own to the client. */
int rv_lsp_notify(lsp_server *s, const char *method, cJSON *params);
int rv_lsp_request(lsp_server *s, const char *method, cJSON *params);
double rv_lsp_now(void);

/* --- text.c: URIs, UTF-16 positions, identifiers --- */
char *rv_lsp_uri_to_path(const char *uri); /* NULL unless a file:// URI */
char *rv_lsp_path_to_uri(const char *path);
/* Byte offset in line[0..len) of UTF-16 column col (clamped to len). */
size_t rv_lsp_utf16_to_byte(const char *line, size_t len, long col);
/* UTF-16 column of byte offset off in line. */
long rv_lsp_byte_to_utf16(const char *line, size_t off);
/* Line `line0` (0-based) of text: start and length without the line end. 0
 * when text has fewer lines. */
int rv_lsp_line_at(const char *text, size_t len, long line0, const char **out, size_t *out_len);
int rv_lsp_is_ident(unsigned char c);
/* Whole-word occurrence of word in s[from..n); offset or -1. */
long rv_lsp_find_word(const char *s, size_t n, size_t from, const char *word, size_t wlen);
/* {"start":{"line","character"},"end":{...}} */
cJSON *rv_lsp_range(long l0, long c0, long l1, long c1);
/* Valid UTF-8? */
int rv_lsp_utf8_valid(const char *s, size_t n);

/* --- folders.c --- */
/* The folder holding path (longest root); -1 outside all. */
int rv_lsp_folder_of(const lsp_server *s, const char *path, char **rel);
rv_status rv_lsp_folder_add(lsp_server *s, const char *root, int single_file);
void rv_lsp_folder_remove(lsp_server *s, size_t i);
void rv_lsp_folder_close(lsp_folder *f);
/* Opens and refreshes folder i when needed (progress on the client's
 * window when it asked for it). */
void rv_lsp_folder_ready(lsp_server *s, size_t i, int force);
/* Refreshes stale folders whose debounce has run out (or all, when now). */
void rv_lsp_refresh_stale(lsp_server *s, int now);
lsp_doc *rv_lsp_doc_find(lsp_server *s, const char *path);
/* The chunks that stand for doc's file: its text's when ahead, else the
 * corpus's (pointers into the corpus: valid until the next refresh). */
size_t rv_lsp_file_chunks(lsp_server *s, int folder, const char *rel, const rv_chunk ***out);
/* 1 when the folder's index copy of rel is replaced by an open buffer. */
int rv_lsp_rel_ahead(lsp_server *s, int folder, const char *rel);
/* Definitions named `name` (exact): corpus indices of folder f. */
size_t rv_lsp_defs_named(const lsp_folder *f, const char *name, size_t *first);
int rv_lsp_is_definition(const rv_chunk *c);

/* --- symbols.c --- */
int rv_lsp_symbol_kind(const char *kind);
/* Line (1-based) and byte column of c's name, by the first non-comment
 * line that holds it as a word; the start line, column 0, when none. */
void rv_lsp_name_pos(const rv_chunk *c, int *line, size_t *col);
cJSON *rv_lsp_location(const char *root, const char *rel, int single_file, long l0, long c0,
                       long l1, long c1);
/* The Location of chunk c's name (or its lines when whole). */
cJSON *rv_lsp_chunk_location(const lsp_folder *f, const rv_chunk *c, int whole);
/* A search hit of folder `folder`. */
typedef struct lsp_ranked {
    const rv_chunk *c;
    int folder;
    double score;
} lsp_ranked;
/* Hybrid (keyword without a model; mode >= 0 forces one) search of every
 * folder, best first across folders; hits in buffers that are ahead are
 * replaced by the buffers' chunks that hold every query word. lists holds
 * one result list per folder (the hits point into them: free them after);
 * *out is malloc'd. */
size_t rv_lsp_ranked_search(lsp_server *s, const char *q, int mode, size_t top_k, int defs_only,
                            lsp_ranked **out, rv_result_list *lists);
cJSON *rv_lsp_workspace_symbol(lsp_server *s, const cJSON *params, lsp_error *err);
cJSON *rv_lsp_document_symbol(lsp_server *s, const cJSON *params, lsp_error *err);
cJSON *rv_lsp_search(lsp_server *s, const cJSON *params, lsp_error *err);
cJSON *rv_lsp_execute(lsp_server *s, const cJSON *params, lsp_error *err);

/* --- navigate.c --- */
cJSON *rv_lsp_definition(lsp_server *s, const cJSON *params, lsp_error *err);
cJSON *rv_lsp_references(lsp_server *s, const cJSON *params, lsp_error *err);
cJSON *rv_lsp_hover(lsp_server *s, const cJSON *params, lsp_error *err);
/* The file and position a TextDocumentPositionParams names, confined to the
 * folders: folder index, rel path, 0-based line and byte column; -1 with err. */
typedef struct lsp_pos {
    int folder;
    char *rel;
    long line;
    size_t col;
    char *line_text; /* that line's bytes (malloc'd) */
    size_t line_len;
} lsp_pos;
int rv_lsp_position(lsp_server *s, const cJSON *params, lsp_pos *out, lsp_error *err);
void rv_lsp_pos_free(lsp_pos *p);
/* The identifier at (or ending at) the cursor, malloc'd; NULL when none. */
char *rv_lsp_word_at(const lsp_pos *p);
/* The innermost chunk of the cursor's file covering its line; NULL when none
 * (valid until the next refresh or edit). */
const rv_chunk *rv_lsp_cursor_chunk(lsp_server *s, const lsp_pos *p);
/* Resolves a TextDocumentIdentifier's uri to folder/rel; -1 with err. */
int rv_lsp_document(lsp_server *s, const cJSON *params, int *folder, char **rel, lsp_error *err);

/* --- docs.c: text synchronisation --- */
void rv_lsp_did_open(lsp_server *s, const cJSON *params);
void rv_lsp_did_change(lsp_server *s, const cJSON *params);
void rv_lsp_did_save(lsp_server *s, const cJSON *params);
void rv_lsp_did_close(lsp_server *s, const cJSON *params);
void rv_lsp_watched_changed(lsp_server *s, const cJSON *params);
void rv_lsp_doc_free(lsp_doc *d);
/* The text of rel in folder: the open buffer's, else the file's (malloc'd). */
char *rv_lsp_read_text(lsp_server *s, int folder, const char *rel, size_t *len);

#endif
