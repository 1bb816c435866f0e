/*
 * ripvec/chunk.h — one file's bytes in, definitions (chunks) out.
 *
 *   rv_chunk_params p = rv_chunk_default_params();
 *   p.count_tokens = my_counter; p.count_user = tok;   // optional, for splitting
 *   rv_chunk_list list = {0};
 *   if (rv_chunk_file(&list, "src/a.py", data, len, &p) == RV_OK) {
 *       for (size_t i = 0; i < list.count; i++) use(&list.items[i]);
 *   }
 *   rv_chunk_list_free(&list);
 *
 * Pure function of its inputs: thread-safe (a parser per call; the node-type
 * tables are built once under pthread_once), no global state after the first
 * call. Lines are 1-based and inclusive; "\r\n" is one line end.
 *
 * What becomes a chunk:
 *  - Languages with a tree-sitter grammar (c, cpp, rust, go, python,
 *    javascript, typescript, tsx, java, ruby, bash, csharp, php, kotlin,
 *    swift, scala, lua): each definition (function, method, class/struct/
 *    enum/trait/interface/impl/module, type alias, and module-level
 *    variables of 3+ lines or with a function value) with the comments or
 *    attributes right above it (no blank line between; one blank line after
 *    a slash-star-star block, JSDoc style, except above a plain variable,
 *    whose 3 lines count without it). name is the bare
 *    name; scope the enclosing classes/impls/namespaces joined with "."
 *    ("geo.Shape"; a Go method's scope is its receiver type, a Rust impl's
 *    its type, "Foo::bar" defines bar in scope Foo). A class-like container
 *    gets one "summary" chunk from its first line (doc comment included) to
 *    the line before its first member definition (header, docstring,
 *    fields); each member is its own chunk. A container without members is
 *    one chunk. Nested functions stay inside their function. So no line is
 *    in two definition chunks.
 *  - Gaps between definitions with more than 5 non-blank lines (top-level
 *    statements, fields after methods) become "window" chunks.
 *  - markdown: a "section" per heading (ATX or setext, not inside fences)
 *    up to the next heading; scope is the parent headings joined " > ".
 *  - json/yaml/toml: a "key" per top-level key ("table" for TOML tables);
 *    runs of short entries are merged into one chunk named "a, b, c".
 *  - Everything else, files with no definitions, parses that time out
 *    (3 s + 5 s per MB) and files over 2 MiB: sliding "window" chunks of
 *    window_lines lines, window_overlap shared; windows of blank lines skip.
 *  - Any chunk whose embed_text would exceed the budget is split into
 *    line-snapped pieces (same kind/name/scope); a single line over the
 *    budget is cut at UTF-8 boundaries (a 50 MB minified line included).
 *    Budget: count_tokens(embed_text) <= max_tokens - 2 ([CLS], [SEP]).
 *
 * Text handling: a UTF-8 BOM is dropped; UTF-16 with a BOM is transcoded to
 * UTF-8; NUL bytes become spaces and each byte of an invalid UTF-8 sequence
 * becomes '?', so content and embed_text are always valid UTF-8 C strings
 * (and otherwise the file's bytes).
 *
 * embed_text is a header and then exactly content (callers may store only
 * the header when embed_text ends with content):
 *     "path: src/app.py\nmethod Client.send\n" + content
 *     "path: cmd.go\nmethod Command.AddCommand (add command)\n" + content
 * The second line ("<kind> <scope>.<name>", then a camelCase name's words)
 * is absent for unnamed chunks; the path keeps its last ~96 bytes. About
 * 10-40 tokens.
 */
#ifndef RIPVEC_CHUNK_H
#define RIPVEC_CHUNK_H

#include "ripvec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The chunker's version, raised whenever the same file would chunk
 * differently: an index made by another version re-chunks every file once,
 * keeping the vector of every chunk whose text did not change. */
#define RV_CHUNK_VERSION 2

typedef struct rv_chunk {
    char *path;           /* as given to rv_chunk_file (relative to the search root) */
    int start_line;       /* 1-based, inclusive */
    int end_line;         /* 1-based, inclusive */
    char *kind;           /* "function", "method", "constructor", "class", "struct", "enum",
                             "interface", "trait", "impl", "module", "object", "protocol",
                             "record", "union", "type", "macro", "variable", "constant",
                             "section" (markdown), "key"/"table" (data), "window" */
    char *name;           /* definition name, "" when none */
    char *scope;          /* enclosing class/impl/module, "" when none */
    const char *language; /* static string: "python", "go", … or "text" */
    char *content;        /* source lines start..end without the last line end (a piece of
                             the line when one line was cut); see "Text handling" */
    char *embed_text;     /* what gets embedded: a short header + content */
} rv_chunk;

typedef struct rv_chunk_list {
    rv_chunk *items;
    size_t count;
    size_t cap;
} rv_chunk_list;

/* Counts model tokens in text (without [CLS]/[SEP]); used to split long
 * definitions so no chunk exceeds max_tokens. */
typedef size_t (*rv_token_counter)(void *user, const char *text, size_t len);

typedef struct rv_chunk_params {
    int max_tokens;                /* model limit for one chunk's embed_text (default 512) */
    int window_lines;              /* sliding window size for unstructured files (default 40) */
    int window_overlap;            /* lines shared by consecutive windows (default 10) */
    rv_token_counter count_tokens; /* NULL: estimate 1 token per 3 bytes */
    void *count_user;
    /* Leading bytes of the path that the embed_text's header leaves out: a
     * file in a git repository nested below the indexed root is named from
     * that repository's top ("vendor/lib/src/a.c" as "src/a.c"), so its text
     * is the one the repository's own index embeds. 0: the whole path. */
    size_t header_skip;
    /* 1 when count_tokens of lines joined by line breaks is the sum of the
     * lines' counts (rv_tokenizer_count_adds_up): a chunk packed by its
     * lines' counts is then not counted again whole. NULL or 0: it is. */
    int (*count_adds_up)(void *count_user);
} rv_chunk_params;

rv_chunk_params rv_chunk_default_params(void);

/* Appends the chunks of one file to `out` (which may already hold chunks).
 * Never fails on odd content (invalid UTF-8, NULs, huge lines): it falls back
 * to windows. Errors only on allocation failure. */
rv_status rv_chunk_file(rv_chunk_list *out, const char *path, const char *data, size_t len,
                        const rv_chunk_params *params);

/* Frees every chunk's strings and the array; leaves *list zeroed. NULL ok. */
void rv_chunk_list_free(rv_chunk_list *list);

/* Deep-copies src into dst (dst's previous contents are not freed; the caller
 * frees the copy with rv_chunk_clear). */
rv_status rv_chunk_copy(rv_chunk *dst, const rv_chunk *src);
/* Frees one chunk's strings and zeroes it. NULL ok. */
void rv_chunk_clear(rv_chunk *c);

/* 1 when c is a later piece of the definition prev belongs to, split for
 * length: same file, name, kind and scope, starting on the line after prev
 * ends (overloads of one name a line apart are definitions of their own). */
int rv_chunk_continues(const rv_chunk *prev, const rv_chunk *c);

/* The language for a path by its extension/name ("text" when unknown). The
 * returned string is static. rv_chunk_file also reads a "#!" line for
 * extension-less scripts and treats a .h with C++ in it as cpp. */
const char *rv_chunk_language_for_path(const char *path);

#ifdef __cplusplus
}
#endif
#endif
