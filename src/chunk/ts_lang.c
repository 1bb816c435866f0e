/* chunk/ts_lang.c — per-language node-type tables for the tree-sitter walker.
 *
 * Each table maps a grammar's node types (verified against real parses of
 * tests/data/chunk/sample.*) to what the walker does with them; see the
 * RV_TS_* flags in ts_lang.h. test_chunk checks that every type named here
 * exists in its grammar. */
#include "chunk/ts_lang.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const TSLanguage *tree_sitter_c(void);
const TSLanguage *tree_sitter_cpp(void);
const TSLanguage *tree_sitter_rust(void);
const TSLanguage *tree_sitter_go(void);
const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_tsx(void);
const TSLanguage *tree_sitter_java(void);
const TSLanguage *tree_sitter_ruby(void);
const TSLanguage *tree_sitter_bash(void);
const TSLanguage *tree_sitter_c_sharp(void);
const TSLanguage *tree_sitter_php(void);
const TSLanguage *tree_sitter_kotlin(void);
const TSLanguage *tree_sitter_swift(void);
const TSLanguage *tree_sitter_scala(void);
const TSLanguage *tree_sitter_lua(void);
const TSLanguage *tree_sitter_haskell(void);
const TSLanguage *tree_sitter_zig(void);
const TSLanguage *tree_sitter_elixir(void);

#define LEAF RV_TS_LEAF
#define CONT RV_TS_CONTAINER
#define SCOPE RV_TS_SCOPE
#define WRAP RV_TS_WRAPPER
#define DOC RV_TS_DOC
#define VAR RV_TS_VAR
#define BODY RV_TS_NEEDBODY
#define END                                                                                        \
    { NULL, NULL, 0, 0 }

#define C_COMMON                                                                                   \
    {"function_definition", "function", LEAF, RV_TS_NAME_DECL},                                    \
        {"union_specifier", "union", CONT | BODY, 0}, {"enum_specifier", "enum", LEAF | BODY, 0},  \
        {"type_definition", "type", LEAF, RV_TS_NAME_TYPEDEF},                                     \
        {"declaration", "variable", VAR, RV_TS_NAME_DECL},                                         \
        {"preproc_function_def", "macro", VAR, 0}, {                                               \
        "comment", NULL, DOC, 0                                                                    \
    }

static const rv_ts_rule k_c[] = {
    C_COMMON,
    {"struct_specifier", "struct", CONT | BODY, 0},
    END,
};

static const rv_ts_rule k_cpp[] = {
    C_COMMON,
    {"struct_specifier", "struct", CONT | BODY, 0},
    {"class_specifier", "class", CONT | BODY, 0},
    {"namespace_definition", "namespace", SCOPE | BODY, 0},
    {"template_declaration", NULL, WRAP, 0},
    END,
};

static const rv_ts_rule k_rust[] = {
    {"function_item", "function", LEAF, 0},
    {"function_signature_item", "function", LEAF, 0},
    {"struct_item", "struct", LEAF, 0},
    {"enum_item", "enum", LEAF, 0},
    {"union_item", "union", LEAF, 0},
    {"type_item", "type", LEAF, 0},
    {"macro_definition", "macro", LEAF, 0},
    {"trait_item", "trait", CONT, 0},
    {"impl_item", "impl", CONT, RV_TS_NAME_IMPL},
    {"mod_item", "module", SCOPE | BODY, 0},
    {"const_item", "constant", VAR, 0},
    {"static_item", "variable", VAR, 0},
    {"line_comment", NULL, DOC, 0},
    {"block_comment", NULL, DOC, 0},
    {"attribute_item", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_go[] = {
    {"function_declaration", "function", LEAF, 0},
    {"method_declaration", "method", LEAF, RV_TS_NAME_GO_METHOD},
    {"type_declaration", "type", LEAF, RV_TS_NAME_GO_TYPE},
    {"const_declaration", "constant", VAR, 0},
    {"var_declaration", "variable", VAR, 0},
    {"comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_python[] = {
    {"function_definition", "function", LEAF, 0},
    {"class_definition", "class", CONT, 0},
    {"decorated_definition", NULL, WRAP, 0},
    {"assignment", "variable", VAR, 0},
    {"comment", NULL, DOC, 0},
    END,
};

#define JS_COMMON                                                                                  \
    {"function_declaration", "function", LEAF, 0},                                                 \
        {"generator_function_declaration", "function", LEAF, 0},                                   \
        {"class_declaration", "class", CONT, 0}, {"method_definition", "method", LEAF, 0},         \
        {"lexical_declaration", "variable", VAR, 0}, {"variable_declaration", "variable", VAR, 0}, \
        {"expression_statement", "function", VAR, RV_TS_NAME_ASSIGN_FN},                           \
        {"export_statement", NULL, WRAP, 0}, {                                                     \
        "comment", NULL, DOC, 0                                                                    \
    }

static const rv_ts_rule k_js[] = {
    JS_COMMON,
    END,
};

#define TS_EXTRA                                                                                   \
    {"interface_declaration", "interface", LEAF, 0}, {"type_alias_declaration", "type", LEAF, 0},  \
        {"enum_declaration", "enum", LEAF, 0}, {"abstract_class_declaration", "class", CONT, 0},   \
        {"internal_module", "namespace", SCOPE, 0}, {"module", "module", SCOPE, 0},                \
        {"function_signature", "function", LEAF, 0}, {                                             \
        "ambient_declaration", NULL, WRAP, 0                                                       \
    }

static const rv_ts_rule k_ts[] = {
    JS_COMMON,
    TS_EXTRA,
    END,
};

static const rv_ts_rule k_java[] = {
    {"class_declaration", "class", CONT, 0},
    {"interface_declaration", "interface", CONT, 0},
    {"enum_declaration", "enum", CONT, 0},
    {"record_declaration", "record", CONT, 0},
    {"annotation_type_declaration", "interface", CONT, 0},
    {"method_declaration", "method", LEAF, 0},
    {"constructor_declaration", "constructor", LEAF, 0},
    {"compact_constructor_declaration", "constructor", LEAF, 0},
    {"line_comment", NULL, DOC, 0},
    {"block_comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_ruby[] = {
    {"module", "module", CONT, 0},
    {"class", "class", CONT, 0},
    {"singleton_class", "class", CONT, 0},
    {"method", "function", LEAF, 0},
    {"singleton_method", "method", LEAF, 0},
    {"comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_bash[] = {
    {"function_definition", "function", LEAF, 0},
    {"comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_csharp[] = {
    {"namespace_declaration", "namespace", SCOPE, 0},
    {"file_scoped_namespace_declaration", "namespace", SCOPE, RV_TS_NAME_FILESCOPE},
    {"class_declaration", "class", CONT, 0},
    {"struct_declaration", "struct", CONT, 0},
    {"interface_declaration", "interface", CONT, 0},
    {"record_declaration", "record", CONT, 0},
    {"enum_declaration", "enum", LEAF, 0},
    {"method_declaration", "method", LEAF, 0},
    {"constructor_declaration", "constructor", LEAF, 0},
    {"destructor_declaration", "method", LEAF, 0},
    {"operator_declaration", "method", LEAF, 0},
    {"comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_php[] = {
    {"namespace_definition", "namespace", SCOPE, RV_TS_NAME_FILESCOPE},
    {"class_declaration", "class", CONT, 0},
    {"interface_declaration", "interface", CONT, 0},
    {"trait_declaration", "trait", CONT, 0},
    {"enum_declaration", "enum", CONT, 0},
    {"function_definition", "function", LEAF, 0},
    {"method_declaration", "method", LEAF, 0},
    {"comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_kotlin[] = {
    {"class_declaration", "class", CONT, 0},
    {"object_declaration", "object", CONT, 0},
    {"companion_object", "object", CONT, 0},
    {"function_declaration", "function", LEAF, 0},
    {"secondary_constructor", "constructor", LEAF, 0},
    {"property_declaration", "variable", VAR, 0},
    {"line_comment", NULL, DOC, 0},
    {"multiline_comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_swift[] = {
    {"class_declaration", "class", CONT, RV_TS_NAME_SWIFT_CLASS},
    {"protocol_declaration", "protocol", LEAF, 0},
    {"function_declaration", "function", LEAF, 0},
    {"init_declaration", "constructor", LEAF, 0},
    {"deinit_declaration", "method", LEAF, 0},
    {"subscript_declaration", "method", LEAF, 0},
    {"typealias_declaration", "type", LEAF, 0},
    {"property_declaration", "variable", VAR, 0},
    {"comment", NULL, DOC, 0},
    {"multiline_comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_scala[] = {
    {"class_definition", "class", CONT, 0},
    {"object_definition", "object", CONT, 0},
    {"trait_definition", "trait", CONT, 0},
    {"enum_definition", "enum", CONT, 0},
    {"function_definition", "function", LEAF, 0},
    {"type_definition", "type", LEAF, 0},
    {"val_definition", "constant", VAR, 0},
    {"var_definition", "variable", VAR, 0},
    {"comment", NULL, DOC, 0},
    {"block_comment", NULL, DOC, 0},
    END,
};

static const rv_ts_rule k_lua[] = {
    {"function_declaration", "function", LEAF, 0},
    {"variable_declaration", "variable", VAR, 0},
    {"assignment_statement", "variable", VAR, 0},
    {"comment", NULL, DOC, 0},
    END,
};

/* A type signature joins the equations it types, as a comment would. */
static const rv_ts_rule k_haskell[] = {
    {"function", "function", LEAF, 0},
    {"bind", "variable", VAR, 0},
    {"signature", NULL, DOC, 0},
    {"data_type", "type", LEAF, 0},
    {"newtype", "type", LEAF, 0},
    {"type_synomym", "type", LEAF, 0},
    {"type_family", "type", LEAF, 0},
    {"data_family", "type", LEAF, 0},
    {"class", "class", CONT, 0},
    {"instance", "impl", CONT, 0},
    {"comment", NULL, DOC, 0},
    {"haddock", NULL, DOC, 0},
    {"pragma", NULL, DOC, 0},
    END,
};

/* Zig: a Decl wraps a function prototype (its Block is the Decl's) or a
 * variable (`const Foo = struct {...}` is how Zig declares types). */
static const rv_ts_rule k_zig[] = {
    {"Decl", NULL, WRAP, 0},
    {"FnProto", "function", LEAF, 0},
    {"VarDecl", "variable", VAR, 0},
    {"TestDecl", "function", LEAF, 0},
    {"doc_comment", NULL, DOC, 0},
    {"line_comment", NULL, DOC, 0},
    END,
};

/* Elixir: definitions are calls (`defmodule M do`, `def f(x) do`), told
 * apart by their target; attributes (`@doc`, `@spec`) join the next one. */
static const rv_ts_rule k_elixir[] = {
    {"call", "function", LEAF, RV_TS_NAME_ELIXIR},
    {"unary_operator", NULL, DOC, 0},
    {"comment", NULL, DOC, 0},
    END,
};

static rv_ts_lang k_langs[] = {
    {"c", tree_sitter_c, k_c, NULL, 0, NULL},
    {"cpp", tree_sitter_cpp, k_cpp, NULL, 0, NULL},
    {"rust", tree_sitter_rust, k_rust, NULL, 0, NULL},
    {"go", tree_sitter_go, k_go, NULL, 0, NULL},
    {"python", tree_sitter_python, k_python, NULL, 0, NULL},
    {"javascript", tree_sitter_javascript, k_js, NULL, 0, NULL},
    {"typescript", tree_sitter_typescript, k_ts, NULL, 0, NULL},
    {"tsx", tree_sitter_tsx, k_ts, NULL, 0, NULL},
    {"java", tree_sitter_java, k_java, NULL, 0, NULL},
    {"ruby", tree_sitter_ruby, k_ruby, NULL, 0, NULL},
    {"bash", tree_sitter_bash, k_bash, NULL, 0, NULL},
    {"csharp", tree_sitter_c_sharp, k_csharp, NULL, 0, NULL},
    {"php", tree_sitter_php, k_php, NULL, 0, NULL},
    {"kotlin", tree_sitter_kotlin, k_kotlin, NULL, 0, NULL},
    {"swift", tree_sitter_swift, k_swift, NULL, 0, NULL},
    {"scala", tree_sitter_scala, k_scala, NULL, 0, NULL},
    {"lua", tree_sitter_lua, k_lua, NULL, 0, NULL},
    {"haskell", tree_sitter_haskell, k_haskell, NULL, 0, NULL},
    {"zig", tree_sitter_zig, k_zig, NULL, 0, NULL},
    {"elixir", tree_sitter_elixir, k_elixir, NULL, 0, NULL},
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* Symbol id -> rule, per language, built once: the walker then classifies a
 * node with one array load. Aliased and duplicate symbols share a name, so
 * matching by name covers them all. Never freed (process lifetime). */
static void init_tables(void) {
    for (size_t i = 0; i < sizeof k_langs / sizeof k_langs[0]; i++) {
        rv_ts_lang *l = &k_langs[i];
        const TSLanguage *ts = l->fn();
        uint32_t n = ts_language_symbol_count(ts);
        int16_t *map = malloc((size_t)n * sizeof *map);
        if (!map) continue; /* the language then falls back to windows */
        for (uint32_t s = 0; s < n; s++) {
            map[s] = -1;
            if (ts_language_symbol_type(ts, (TSSymbol)s) != TSSymbolTypeRegular) continue;
            const char *name = ts_language_symbol_name(ts, (TSSymbol)s);
            for (int r = 0; name && l->rules[r].type; r++)
                if (strcmp(l->rules[r].type, name) == 0) {
                    map[s] = (int16_t)r;
                    break;
                }
        }
        l->nsym = n;
        l->sym_rule = map;
        l->ts = ts;
    }
}

const rv_ts_lang *rv_ts_lang_get(const char *language) {
    pthread_once(&g_once, init_tables);
    for (size_t i = 0; i < sizeof k_langs / sizeof k_langs[0]; i++)
        if (strcmp(k_langs[i].name, language) == 0) return k_langs[i].ts ? &k_langs[i] : NULL;
    return NULL;
}

int rv_chunk_ts_has(const char *language) {
    return rv_ts_lang_get(language) != NULL;
}

const char *rv_chunk_ts_check_rules(const char *language) {
    const rv_ts_lang *l = rv_ts_lang_get(language);
    if (!l) return language;
    for (int r = 0; l->rules[r].type; r++) {
        const char *t = l->rules[r].type;
        if (ts_language_symbol_for_name(l->ts, t, (uint32_t)strlen(t), true) == 0) return t;
    }
    return NULL;
}
