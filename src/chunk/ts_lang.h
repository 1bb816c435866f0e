/*
 * chunk/ts_lang.h — what the tree-sitter walker does with each node type.
 *
 *   const rv_ts_lang *l = rv_ts_lang_get("python");   // NULL: no grammar
 *   int r = l->sym_rule[ts_node_symbol(node)];        // -1: not in the table
 *   if (r >= 0 && (l->rules[r].flags & RV_TS_LEAF)) ...
 *
 * Tables are static; the symbol maps are built once (pthread_once) and then
 * only read, so any number of threads may walk trees at once.
 */
#ifndef RV_CHUNK_TS_LANG_H
#define RV_CHUNK_TS_LANG_H

#include <stdint.h>
#include <tree_sitter/api.h>

enum {
    RV_TS_LEAF = 1 << 0,      /* a definition: one chunk, not descended into */
    RV_TS_CONTAINER = 1 << 1, /* class-like: a summary chunk, members are chunks */
    RV_TS_SCOPE = 1 << 2,     /* namespace-like: adds its name to the scope only */
    RV_TS_WRAPPER = 1 << 3,   /* export/decorators/template: widens the definition inside */
    RV_TS_DOC = 1 << 4,       /* comment or attribute: joins the next definition */
    RV_TS_VAR = 1 << 5,       /* module-level variable: a chunk when big or a function */
    RV_TS_NEEDBODY = 1 << 6,  /* only with a "body" field (not a forward declaration) */
};

/* How to find the name (and sometimes the kind or scope). */
enum {
    RV_TS_NAME_DEFAULT = 0, /* "name" field, else the declarator, else an identifier */
    RV_TS_NAME_DECL,        /* C declarator chain (skips prototypes for VAR) */
    RV_TS_NAME_TYPEDEF,     /* C typedef: declarator; kind of a struct/union/enum body */
    RV_TS_NAME_IMPL,        /* Rust impl: the "type" field is the scope */
    RV_TS_NAME_GO_METHOD,   /* Go method: the receiver type is the scope */
    RV_TS_NAME_GO_TYPE,     /* Go type_declaration: its type_spec; struct/interface */
    RV_TS_NAME_SWIFT_CLASS, /* Swift: kind from declaration_kind (struct, enum, …) */
    RV_TS_NAME_ASSIGN_FN,   /* JS `a.b = function…`: a definition only for functions */
    RV_TS_NAME_FILESCOPE,   /* namespace without a body: scope for the rest of the file */
    RV_TS_NAME_ELIXIR,      /* Elixir call: `def f`, `defmodule M`; other calls are not */
};

typedef struct rv_ts_rule {
    const char *type; /* grammar node type */
    const char *kind; /* chunk kind; NULL for DOC/WRAPPER */
    unsigned flags;
    int name_how;
} rv_ts_rule;

typedef struct rv_ts_lang {
    const char *name;
    const TSLanguage *(*fn)(void);
    const rv_ts_rule *rules; /* ends with a NULL type */
    const TSLanguage *ts;    /* set by the one-time init */
    uint32_t nsym;
    int16_t *sym_rule; /* nsym entries: rule index or -1 */
} rv_ts_lang;

/* The language's tables, or NULL when it has no grammar linked in. */
const rv_ts_lang *rv_ts_lang_get(const char *language);

#endif
