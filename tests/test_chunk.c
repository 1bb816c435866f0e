/* Chunker tests per language: each fixture in tests/data/chunk/ was written
 * by hand for these tests, and the expected chunks (lines, kind, name,
 * scope) were read off the fixture source, not from the chunker's output. */
#include "chunk/chunk_internal.h"
#include "ripvec/chunk.h"
#include "rvtest.h"

#include <stdlib.h>
#include <string.h>

#define DATA "tests/data/chunk/"

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)sz + 1);
    if (d && fread(d, 1, (size_t)sz, f) != (size_t)sz) {
        free(d);
        d = NULL;
    }
    fclose(f);
    *n = (size_t)sz;
    return d;
}

/* One expected chunk: "start-end kind name scope" ("-" for an empty scope). */
typedef struct want {
    int a, b;
    const char *kind, *name, *scope;
} want;

/* Checks that the file's definition chunks are exactly `w` (in order); window
 * chunks for gaps are ignored here (test_chunk_robust covers them). */
static void check_file(const char *file, const char *lang, const want *w, size_t nw) {
    char path[256];
    snprintf(path, sizeof path, DATA "%s", file);
    size_t n = 0;
    char *d = slurp(path, &n);
    RV_CHECK_MSG(d != NULL, "cannot read %s", path);
    if (!d) return;
    rv_chunk_list l = {0};
    rv_chunk_params p = rv_chunk_default_params();
    RV_CHECK_EQ_INT(rv_chunk_file(&l, file, d, n, &p), RV_OK);
    size_t k = 0;
    for (size_t i = 0; i < l.count; i++) {
        const rv_chunk *c = &l.items[i];
        RV_CHECK_STR(c->language, lang);
        RV_CHECK_STR(c->path, file);
        if (strcmp(c->kind, "window") == 0) continue;
        if (k >= nw) {
            RV_CHECK_MSG(0, "%s: extra chunk %d-%d %s %s", file, c->start_line, c->end_line,
                         c->kind, c->name);
            continue;
        }
        const want *e = &w[k++];
        const char *scope = strcmp(e->scope, "-") == 0 ? "" : e->scope;
        RV_CHECK_MSG(c->start_line == e->a && c->end_line == e->b && !strcmp(c->kind, e->kind) &&
                         !strcmp(c->name, e->name) && !strcmp(c->scope, scope),
                     "%s: got %d-%d %s %s [%s], want %d-%d %s %s [%s]", file, c->start_line,
                     c->end_line, c->kind, c->name, c->scope, e->a, e->b, e->kind, e->name, scope);
        /* content is exactly those lines; embed_text is a header + content */
        size_t cl = strlen(c->content), el = strlen(c->embed_text);
        RV_CHECK(el > cl && strcmp(c->embed_text + el - cl, c->content) == 0);
        RV_CHECK(strncmp(c->embed_text, "path: ", 6) == 0);
        RV_CHECK(strstr(c->embed_text, c->name) != NULL);
    }
    RV_CHECK_MSG(k == nw, "%s: %zu definition chunks, want %zu", file, k, nw);
    rv_chunk_list_free(&l);
    free(d);
}

#define CHECK_FILE(file, lang, ...)                                                                \
    do {                                                                                           \
        static const want w_[] = {__VA_ARGS__};                                                    \
        check_file(file, lang, w_, sizeof w_ / sizeof w_[0]);                                      \
    } while (0)

RV_TEST(python_classes_methods_docstrings) {
    CHECK_FILE("sample.py", "python", {4, 8, "variable", "RETRY_TABLE", "-"},
               {12, 15, "function", "connect", "-"}, {18, 22, "class", "Client", "-"},
               {23, 24, "method", "__init__", "Client"}, {26, 30, "method", "send", "Client"},
               {32, 33, "method", "close", "Client"});
}

RV_TEST(go_methods_scope_is_receiver) {
    CHECK_FILE("sample.go", "go", {5, 8, "struct", "Store", "-"},
               {10, 13, "interface", "Getter", "-"}, {15, 18, "method", "Get", "Store"},
               {20, 20, "method", "Len", "Store"}, {22, 26, "function", "NewStore", "-"});
}

RV_TEST(rust_impl_scope_is_type) {
    CHECK_FILE("sample.rs", "rust", {3, 8, "struct", "Point", "-"}, {10, 11, "trait", "Shape", "-"},
               {12, 12, "method", "area", "Shape"}, {15, 15, "impl", "Point", "-"},
               {16, 19, "method", "new", "Point"}, {21, 23, "method", "norm", "Point"},
               {26, 26, "impl", "Point", "-"}, {27, 29, "method", "fmt", "Point"},
               {32, 35, "enum", "Color", "-"}, {38, 40, "function", "helper", "util"},
               {43, 46, "function", "main", "-"});
}

RV_TEST(javascript_classes_arrow_consts_exports) {
    CHECK_FILE("sample.js", "javascript", {3, 8, "function", "readConfig", "-"},
               {10, 11, "function", "add", "-"}, {13, 13, "class", "Cache", "-"},
               {14, 16, "method", "constructor", "Cache"}, {18, 21, "method", "get", "Cache"},
               {23, 25, "method", "set", "Cache"}, {28, 31, "variable", "DEFAULTS", "-"},
               {33, 35, "function", "helper", "-"});
}

/* A slash-star-star block documents the definition below it across one
 * blank line (the JSDoc style of many JavaScript projects); a line comment
 * or two blank lines do not, nor does a block above a plain variable. */
RV_TEST(javascript_doc_block_across_a_blank_line) {
    CHECK_FILE("jsdoc_gap.js", "javascript", {7, 13, "function", "read", "-"},
               {17, 19, "function", "plain", "-"}, {26, 28, "function", "write", "-"},
               {30, 34, "class", "Sum", "-"}, {35, 37, "method", "add", "Sum"});
}

RV_TEST(typescript_interfaces_types_namespaces) {
    CHECK_FILE("sample.ts", "typescript", {1, 5, "interface", "Options", "-"},
               {7, 7, "type", "Handler", "-"}, {9, 12, "enum", "Level", "-"},
               {14, 16, "class", "Server", "-"}, {17, 19, "method", "constructor", "Server"},
               {21, 24, "method", "start", "Server"}, {29, 31, "function", "makeHandler", "-"},
               {34, 36, "function", "clamp", "Util"});
}

RV_TEST(tsx_components) {
    CHECK_FILE("sample.tsx", "tsx", {3, 5, "interface", "Props", "-"},
               {7, 10, "function", "Title", "-"}, {12, 14, "function", "Button", "-"});
}

RV_TEST(java_class_constructor_methods) {
    CHECK_FILE("Sample.java", "java", {5, 10, "class", "Bank", "-"},
               {11, 13, "constructor", "Bank", "Bank"}, {15, 19, "method", "count", "Bank"},
               {21, 21, "interface", "Auditor", "Bank"},
               {22, 22, "method", "audit", "Bank.Auditor"}, {26, 26, "enum", "Kind", "-"});
}

RV_TEST(ruby_modules_classes) {
    CHECK_FILE(
        "sample.rb", "ruby", {3, 4, "module", "Billing", "-"},
        {5, 8, "class", "Invoice", "Billing"}, {9, 11, "method", "initialize", "Billing.Invoice"},
        {13, 16, "method", "total", "Billing.Invoice"},
        {18, 20, "method", "empty", "Billing.Invoice"}, {24, 26, "function", "top_level", "-"});
}

RV_TEST(bash_functions) {
    CHECK_FILE("sample.sh", "bash", {4, 7, "function", "greet", "-"},
               {9, 11, "function", "cleanup", "-"});
}

RV_TEST(csharp_namespace_class_methods) {
    CHECK_FILE("sample.cs", "csharp", {5, 9, "class", "Order", "Shop.Orders"},
               {10, 13, "constructor", "Order", "Shop.Orders.Order"},
               {15, 19, "method", "Total", "Shop.Orders.Order"},
               {22, 23, "interface", "IRepo", "Shop.Orders"},
               {24, 24, "method", "Find", "Shop.Orders.IRepo"},
               {27, 27, "enum", "State", "Shop.Orders"});
}

RV_TEST(php_namespace_class_methods) {
    CHECK_FILE("sample.php", "php", {5, 11, "class", "User", "App.Models"},
               {12, 15, "method", "__construct", "App.Models.User"},
               {17, 21, "method", "getName", "App.Models.User"},
               {24, 27, "function", "helper", "App.Models"});
}

RV_TEST(kotlin_class_object_functions) {
    CHECK_FILE("sample.kt", "kotlin", {3, 6, "class", "UserRepo", "-"},
               {7, 9, "method", "find", "UserRepo"}, {11, 12, "method", "count", "UserRepo"},
               {15, 15, "object", "Registry", "-"}, {16, 18, "method", "register", "Registry"},
               {21, 23, "function", "main", "-"});
}

RV_TEST(swift_class_struct_protocol) {
    CHECK_FILE("sample.swift", "swift", {3, 6, "class", "Car", "-"},
               {7, 9, "constructor", "init", "Car"}, {11, 14, "method", "accelerate", "Car"},
               {17, 18, "struct", "Point", "-"}, {19, 21, "method", "length", "Point"},
               {24, 26, "protocol", "Drawable", "-"}, {28, 30, "function", "helper", "-"});
}

RV_TEST(scala_trait_class_object) {
    CHECK_FILE("sample.scala", "scala", {3, 6, "trait", "Shape", "-"},
               {8, 10, "class", "Circle", "-"}, {11, 13, "method", "area", "Circle"},
               {15, 16, "method", "scale", "Circle"}, {19, 19, "object", "Main", "-"},
               {20, 22, "method", "main", "Main"});
}

RV_TEST(lua_functions_tables) {
    CHECK_FILE("sample.lua", "lua", {3, 6, "method", "add", "M"},
               {8, 10, "method", "describe", "M"}, {12, 14, "function", "helper", "-"},
               {16, 18, "function", "globalfn", "-"});
}

/* A type signature and its haddock join the equations they describe. */
RV_TEST(haskell_types_signatures_classes) {
    CHECK_FILE("sample.hs", "haskell", {3, 5, "type", "Value", "-"},
               {7, 9, "function", "foo", "-"}, {11, 12, "class", "ToJSON", "-"},
               {14, 15, "impl", "ToJSON", "-"});
}

/* A Decl's prototype is the function, its block included. */
RV_TEST(zig_functions_containers_tests) {
    CHECK_FILE("sample.zig", "zig", {3, 6, "function", "add", "-"},
               {8, 14, "variable", "Store", "-"}, {16, 18, "function", "", "-"});
}

/* Definitions are calls told apart by their target; attributes join the
 * next definition, a module is a container and scopes its members. */
RV_TEST(elixir_modules_functions_macros) {
    CHECK_FILE("sample.ex", "elixir", {1, 4, "module", "Cart", "Shop"},
               {5, 9, "method", "add", "Shop.Cart"}, {11, 11, "method", "total", "Shop.Cart"},
               {13, 15, "method", "empty?", "Shop.Cart"});
}

RV_TEST(c_functions_structs) {
    CHECK_FILE("sample.c", "c", {3, 7, "struct", "point", "-"}, {9, 11, "struct", "size_t2", "-"},
               {13, 13, "enum", "color", "-"}, {15, 18, "function", "add", "-"},
               {20, 22, "function", "find", "-"}, {24, 27, "function", "main", "-"});
}

RV_TEST(cpp_namespaces_classes_templates) {
    CHECK_FILE("sample.cpp", "cpp", {5, 7, "class", "Shape", "geo"},
               {8, 8, "method", "~Shape", "geo.Shape"}, {11, 13, "method", "name", "geo.Shape"},
               {16, 17, "struct", "Square", "geo"}, {18, 18, "method", "area", "geo.Square"},
               {21, 24, "function", "twice", "geo"}, {28, 30, "function", "geo_area", "-"},
               {32, 34, "method", "draw", "Widget"});
}

/* The embedded header spells a camelCase name's words for the uncased
 * model; a snake_case or one-word name stands as it is. */
RV_TEST(header_spells_camel_case_names) {
    const char *src = "package p\n\nfunc NewHTTPStore() {}\n\nfunc new_store() {}\n\n"
                      "func run() {}\n";
    const char *expect[][2] = {{"NewHTTPStore", "\nfunction NewHTTPStore (new http store)\n"},
                               {"new_store", "\nfunction new_store\n"},
                               {"run", "\nfunction run\n"}};
    rv_chunk_list l = {0};
    rv_chunk_params p = rv_chunk_default_params();
    RV_CHECK_EQ_INT(rv_chunk_file(&l, "a.go", src, strlen(src), &p), RV_OK);
    for (size_t k = 0; k < sizeof expect / sizeof expect[0]; k++) {
        const rv_chunk *c = NULL;
        for (size_t i = 0; i < l.count && !c; i++)
            if (strcmp(l.items[i].name, expect[k][0]) == 0) c = &l.items[i];
        RV_CHECK_MSG(c != NULL, "no chunk %s", expect[k][0]);
        if (c)
            RV_CHECK_MSG(strstr(c->embed_text, expect[k][1]) != NULL, "header: %s", c->embed_text);
    }
    rv_chunk_list_free(&l);
}

RV_TEST(markdown_sections_by_heading) {
    CHECK_FILE("sample.md", "markdown", {1, 2, "section", "", "-"}, {3, 7, "section", "Guide", "-"},
               {8, 15, "section", "Install", "Guide"},
               {16, 19, "section", "Deep dive", "Guide > Install"},
               {20, 23, "section", "Usage", "Guide"});
}

RV_TEST(json_top_level_keys) {
    CHECK_FILE("sample.json", "json", {1, 4, "key", "name, version, private", "-"},
               {5, 9, "key", "scripts", "-"}, {10, 14, "key", "dependencies", "-"});
}

RV_TEST(yaml_top_level_keys) {
    CHECK_FILE("sample.yaml", "yaml", {1, 2, "key", "name", "-"}, {3, 7, "key", "on", "-"},
               {8, 16, "key", "jobs", "-"});
}

RV_TEST(toml_tables) {
    CHECK_FILE("sample.toml", "toml", {1, 2, "key", "title, version", "-"},
               {3, 6, "table", "package", "-"}, {7, 10, "table", "dependencies", "-"},
               {11, 13, "table", "bin", "-"});
}

/* Every node type a table names exists in its grammar (catches typos and
 * grammar renames on a version bump). */
RV_TEST(ts_tables_resolve_in_grammars) {
    static const char *const langs[] = {
        "c",    "cpp",  "rust",   "go",  "python", "javascript", "typescript", "tsx", "java",
        "ruby", "bash", "csharp", "php", "kotlin", "swift",      "scala",      "lua"};
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        RV_CHECK_MSG(rv_chunk_ts_has(langs[i]), "%s has no grammar", langs[i]);
        const char *bad = rv_chunk_ts_check_rules(langs[i]);
        RV_CHECK_MSG(bad == NULL, "%s: node type %s unknown to its grammar", langs[i],
                     bad ? bad : "");
    }
}

RV_TEST(language_for_path) {
    RV_CHECK_STR(rv_chunk_language_for_path("a/b/x.py"), "python");
    RV_CHECK_STR(rv_chunk_language_for_path("x.TSX"), "tsx");
    RV_CHECK_STR(rv_chunk_language_for_path("src/lib.rs"), "rust");
    RV_CHECK_STR(rv_chunk_language_for_path("Rakefile"), "ruby");
    RV_CHECK_STR(rv_chunk_language_for_path("a/.bashrc"), "bash");
    RV_CHECK_STR(rv_chunk_language_for_path("notes.txt"), "text");
    RV_CHECK_STR(rv_chunk_language_for_path("noext"), "text");
    RV_CHECK_STR(rv_chunk_language_for_path(NULL), "text");
}

int main(void) {
    RV_RUN(python_classes_methods_docstrings);
    RV_RUN(go_methods_scope_is_receiver);
    RV_RUN(rust_impl_scope_is_type);
    RV_RUN(javascript_classes_arrow_consts_exports);
    RV_RUN(javascript_doc_block_across_a_blank_line);
    RV_RUN(typescript_interfaces_types_namespaces);
    RV_RUN(tsx_components);
    RV_RUN(java_class_constructor_methods);
    RV_RUN(ruby_modules_classes);
    RV_RUN(bash_functions);
    RV_RUN(csharp_namespace_class_methods);
    RV_RUN(php_namespace_class_methods);
    RV_RUN(kotlin_class_object_functions);
    RV_RUN(swift_class_struct_protocol);
    RV_RUN(scala_trait_class_object);
    RV_RUN(lua_functions_tables);
    RV_RUN(haskell_types_signatures_classes);
    RV_RUN(zig_functions_containers_tests);
    RV_RUN(elixir_modules_functions_macros);
    RV_RUN(c_functions_structs);
    RV_RUN(cpp_namespaces_classes_templates);
    RV_RUN(header_spells_camel_case_names);
    RV_RUN(markdown_sections_by_heading);
    RV_RUN(json_top_level_keys);
    RV_RUN(yaml_top_level_keys);
    RV_RUN(toml_tables);
    RV_RUN(ts_tables_resolve_in_grammars);
    RV_RUN(language_for_path);
    return rv_test_summary();
}
