/* chunk/ts.c — definitions through tree-sitter.
 *
 * One pass over the tree with a TSTreeCursor (no recursion: pathological
 * nesting cannot overflow the stack). Definitions become chunks with their
 * doc comments (comment/attribute siblings right above, no blank line, or
 * one blank line after a block comment opened by slash-star-star);
 * class-like containers get a "summary" chunk from their first line to the
 * line before their first member definition (header, docstring, fields), and
 * each member is its own chunk, so no line is in two definition chunks. */
#include "chunk/chunk_internal.h"
#include "chunk/ts_arena.h"
#include "chunk/ts_lang.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Parse budget: pathological inputs (error-recovery storms) give up and
 * fall back to windows. Generous and proportional to size, so ordinary files
 * never hit it even in a sanitizer build, and counted in the parsing thread's
 * CPU time, so that chunking does not depend on load: 3 s + 5 s per MB, 13 s
 * at the 2 MB cap. */
#define RV_TS_TIMEOUT_BASE_MS 3000LL
#define RV_TS_TIMEOUT_MS_PER_MB 5000LL

typedef struct cont {
    unsigned flags;    /* RV_TS_CONTAINER or RV_TS_SCOPE */
    size_t scope_len;  /* scope length before this entry's name was added */
    int start, end;    /* rows, doc comments included */
    int first_member;  /* row where the first member definition starts, -1 */
    const char *kind;  /* static */
    char *name;        /* owned */
    char *outer_scope; /* owned: the scope the summary chunk carries */
} cont;

typedef struct frame { /* the sibling list at one depth of the cursor */
    int pushed;        /* the current node pushed a cont */
    int run_start;     /* doc comment run (rows), -1 when none */
    int run_end;
    int run_block;     /* its last comment is a slash-star-star block */
    int prev_end;    /* end row of the previous non-doc sibling, -1 */
    int outer_start; /* set in a wrapper's children: the wrapper's rows, */
    int outer_end;   /* given to its first definition; -1 when none */
} frame;

typedef struct walk {
    rv_csrc *s;
    const rv_ts_lang *l;
    cont *cs;
    size_t ncs, capcs;
    frame *fr;
    size_t capfr;
    char *scope; /* "A.B", owned, NUL-terminated */
    size_t scope_len, scope_cap;
    int pend_start, pend_end; /* a wrapper's range for the next child frame */
    int found;                /* definitions emitted */
} walk;

/* ---- small helpers ------------------------------------------------------ */

static int end_row(TSNode n) {
    TSPoint a = ts_node_start_point(n), b = ts_node_end_point(n);
    /* A node that ends with its newline ends at column 0 of the next row. */
    if (b.column == 0 && b.row > a.row) return (int)b.row - 1;
    return (int)b.row;
}

static TSNode field(TSNode n, const char *f) {
    return ts_node_child_by_field_name(n, f, (uint32_t)strlen(f));
}

/* The node's text, first line only, at most 160 bytes, whitespace runs
 * collapsed. NULL on allocation failure. */
static char *node_text(const walk *w, TSNode n) {
    size_t a = ts_node_start_byte(n), e = ts_node_end_byte(n);
    if (e > w->s->len) e = w->s->len;
    if (a > e) a = e;
    const char *t = w->s->text;
    char *r = malloc(162);
    if (!r) return NULL;
    size_t o = 0;
    int sp = 0;
    for (size_t i = a; i < e && o < 160; i++) {
        char c = t[i];
        if (c == '\n' || c == '\r') break;
        if (c == ' ' || c == '\t') {
            sp = o > 0;
            continue;
        }
        if (sp) r[o++] = ' ';
        sp = 0;
        if (o < 160) r[o++] = c;
    }
    while (o > 0 && ((unsigned char)r[o - 1] & 0xC0) == 0x80 && o == 160)
        o--; /* no split char */
    r[o] = 0;
    return r;
}

static int is_ident_type(const char *t) {
    /* Zig's grammar spells it IDENTIFIER */
    return strstr(t, "identifier") || strcmp(t, "IDENTIFIER") == 0 || strcmp(t, "constant") == 0 ||
           strcmp(t, "name") == 0 || strcmp(t, "word") == 0 || strcmp(t, "variable_name") == 0 ||
           strcmp(t, "qualified_name") == 0 || strcmp(t, "namespace_name") == 0 ||
           strcmp(t, "scope_resolution") == 0 || strcmp(t, "user_type") == 0;
}

static TSNode first_ident_child(TSNode n) {
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c && i < 8; i++) {
        TSNode k = ts_node_named_child(n, i);
        if (is_ident_type(ts_node_type(k))) return k;
    }
    TSNode none = {{0}, NULL, NULL};
    return none;
}

/* C declarators nest (pointer -> function -> identifier): follow them. */
static TSNode declarator_leaf(TSNode n, int *is_function) {
    for (int guard = 0; guard < 16; guard++) {
        TSNode d = field(n, "declarator");
        if (ts_node_is_null(d)) break;
        if (strcmp(ts_node_type(d), "function_declarator") == 0) *is_function = 1;
        n = d;
    }
    return n;
}

static int is_fn_value(TSNode v) {
    if (ts_node_is_null(v)) return 0;
    static const char *const k[] = {"arrow_function",
                                    "function_expression",
                                    "function",
                                    "generator_function",
                                    "function_definition",
                                    "lambda",
                                    "lambda_literal",
                                    "anonymous_function",
                                    "lambda_expression",
                                    "class"};
    const char *t = ts_node_type(v);
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(t, k[i]) == 0) return strcmp(t, "class") == 0 ? 2 : 1;
    return 0;
}

/* A variable's name node and value node: looks at the node and its first
 * few named children (declarators, assignments, specs) for the usual fields. */
static void var_parts(TSNode n, TSNode *name, TSNode *value) {
    TSNode cur = n;
    for (int depth = 0; depth < 3 && !ts_node_is_null(cur); depth++) {
        static const char *const nf[] = {"name", "left", "pattern", "declarator"};
        for (size_t i = 0; i < 4 && ts_node_is_null(*name); i++)
            *name = field(cur, nf[i]);
        if (ts_node_is_null(*value)) *value = field(cur, "value");
        if (ts_node_is_null(*value)) *value = field(cur, "right");
        if (!ts_node_is_null(*name)) break;
        if (ts_node_named_child_count(cur) == 0) break;
        /* Lua: assignment_statement(variable_list, expression_list). */
        TSNode first = ts_node_named_child(cur, 0);
        if (strcmp(ts_node_type(first), "variable_list") == 0) {
            *name = ts_node_named_child(first, 0);
            TSNode el = ts_node_next_named_sibling(first);
            if (!ts_node_is_null(el) && ts_node_named_child_count(el) > 0)
                *value = ts_node_named_child(el, 0);
            break;
        }
        cur = first;
    }
    /* Several values (Lua expression_list, Go expression_list): the first. */
    if (!ts_node_is_null(*value) && strcmp(ts_node_type(*value), "expression_list") == 0 &&
        ts_node_named_child_count(*value) > 0)
        *value = ts_node_named_child(*value, 0);
    /* `pattern`/`declarator` may wrap the identifier (C init_declarator). */
    if (!ts_node_is_null(*name)) {
        int fn = 0;
        *name = declarator_leaf(*name, &fn);
    }
}

/* Splits "A::B::c", "A.b", "obj:m" into scope "A.B" and name "c" (in place). */
static void split_qualified(char *name, char **extra) {
    char *last = NULL;
    for (char *p = name; *p; p++) {
        if (p[0] == ':' && p[1] == ':') {
            last = p;
            p++;
        } else if ((*p == '.' || *p == ':' || *p == '\\') && p != name) {
            last = p;
        }
    }
    if (!last) return;
    size_t sep = (last[0] == ':' && last[1] == ':') ? 2 : 1;
    size_t pre = (size_t)(last - name);
    char *sc = malloc(pre + 1);
    if (!sc) return;
    size_t o = 0;
    for (size_t i = 0; i < pre; i++) {
        if (name[i] == ':' && i + 1 < pre && name[i + 1] == ':') {
            sc[o++] = '.';
            i++;
        } else {
            sc[o++] = name[i] == '\\' ? '.' : name[i];
        }
    }
    sc[o] = 0;
    memmove(name, last + sep, strlen(last + sep) + 1);
    /* CommonJS exports are not a scope a reader would search for. */
    if (strcmp(sc, "module.exports") == 0 || strcmp(sc, "exports") == 0) sc[0] = 0;
    *extra = sc;
}

/* Drops generic arguments: "Foo<T>" -> "Foo", "*Store" -> "Store". */
static void strip_type(char *t) {
    char *p = t;
    while (*p == '*' || *p == '&' || *p == ' ')
        p++;
    memmove(t, p, strlen(p) + 1);
    size_t n = strcspn(t, "<[( ");
    t[n] = 0;
}

/* ---- scope stack -------------------------------------------------------- */

static int scope_append(walk *w, const char *name) {
    size_t n = strlen(name);
    if (n == 0) return 1;
    size_t need = w->scope_len + n + 2;
    if (need > w->scope_cap) {
        size_t cap = need * 2;
        char *s = realloc(w->scope, cap);
        if (!s) return 0;
        w->scope = s;
        w->scope_cap = cap;
    }
    if (w->scope_len) w->scope[w->scope_len++] = '.';
    memcpy(w->scope + w->scope_len, name, n + 1);
    w->scope_len += n;
    return 1;
}

static void scope_cut(walk *w, size_t len) {
    w->scope_len = len;
    if (w->scope) w->scope[len] = 0;
}

static cont *innermost_container(walk *w) {
    for (size_t i = w->ncs; i > 0; i--)
        if (w->cs[i - 1].flags & RV_TS_CONTAINER) return &w->cs[i - 1];
    return NULL;
}

/* ---- emission ----------------------------------------------------------- */

/* A definition over rows a..b; rows a definition already holds are skipped
 * at the front (several definitions on one line, e.g. minified code). */
static rv_status emit_def(walk *w, int a, int b, const char *kind, const char *name,
                          const char *scope) {
    while (a <= b && w->s->cover[a])
        a++;
    if (a > b) return RV_OK;
    w->found++;
    return rv_csrc_emit(w->s, a, b, kind, name ? name : "", scope ? scope : "");
}

static void note_member(walk *w, int row) {
    if (w->ncs == 0) return;
    cont *c = &w->cs[w->ncs - 1];
    if ((c->flags & RV_TS_CONTAINER) && c->first_member < 0) c->first_member = row;
}

static rv_status pop_cont(walk *w) {
    cont *c = &w->cs[--w->ncs];
    rv_status st = RV_OK;
    if (c->flags & RV_TS_CONTAINER) {
        int e = c->first_member >= 0 ? c->first_member - 1 : c->end;
        st = emit_def(w, c->start, e, c->kind, c->name, c->outer_scope);
    }
    scope_cut(w, c->scope_len);
    free(c->name);
    free(c->outer_scope);
    return st;
}

/* ---- one node ----------------------------------------------------------- */

/* An Elixir definition call: `defmodule A.B do` (a module: container) or
 * `def name(args) when guard do` (a function); any other call is not one. */
static TSNode elixir_def(const walk *w, TSNode n, const char **kind, unsigned *flags) {
    TSNode none = {{0}, NULL, NULL}, t = field(n, "target");
    if (ts_node_is_null(t) || strcmp(ts_node_type(t), "identifier") != 0) return none;
    char *tt = node_text(w, t);
    if (!tt) return none;
    static const char *const mods[] = {"defmodule", "defprotocol", "defimpl"};
    static const char *const fns[] = {"def",         "defp",     "defmacro",
                                      "defmacrop",   "defguard", "defguardp",
                                      "defdelegate", "defn",     "defnp"};
    int mod = 0, fn = 0;
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++)
        mod |= strcmp(tt, mods[i]) == 0;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        fn |= strcmp(tt, fns[i]) == 0;
    free(tt);
    TSNode args = ts_node_named_child_count(n) > 1 ? ts_node_named_child(n, 1) : none;
    if ((!mod && !fn) || ts_node_is_null(args) || strcmp(ts_node_type(args), "arguments") != 0 ||
        ts_node_named_child_count(args) == 0)
        return none;
    TSNode a = ts_node_named_child(args, 0);
    if (mod) {
        *kind = "module";
        *flags = RV_TS_CONTAINER;
        return a;
    }
    *kind = "function";
    if (strcmp(ts_node_type(a), "binary_operator") == 0) a = field(a, "left"); /* `when` */
    if (!ts_node_is_null(a) && strcmp(ts_node_type(a), "call") == 0) a = field(a, "target");
    return a;
}

/* Name, kind and extra scope of a definition node, by the rule's method. */
static rv_status describe(walk *w, TSNode n, const rv_ts_rule *r, char **name, const char **kind,
                          unsigned *flags, char **extra, int *skip) {
    TSNode nn = {{0}, NULL, NULL};
    *kind = r->kind;
    *flags = r->flags;
    switch (r->name_how) {
    case RV_TS_NAME_DECL: {
        int fn = 0;
        nn = declarator_leaf(n, &fn);
        if ((r->flags & RV_TS_VAR) && fn) *skip = 1; /* a prototype, not a variable */
        if (ts_node_eq(nn, n)) nn = (TSNode){{0}, NULL, NULL};
        break;
    }
    case RV_TS_NAME_TYPEDEF: {
        int fn = 0;
        nn = declarator_leaf(n, &fn);
        TSNode t = field(n, "type");
        if (!ts_node_is_null(t) && !ts_node_is_null(field(t, "body"))) {
            const char *tt = ts_node_type(t);
            if (strcmp(tt, "struct_specifier") == 0) *kind = "struct";
            if (strcmp(tt, "union_specifier") == 0) *kind = "union";
            if (strcmp(tt, "enum_specifier") == 0) *kind = "enum";
        }
        break;
    }
    case RV_TS_NAME_IMPL: {
        nn = field(n, "type");
        break;
    }
    case RV_TS_NAME_ELIXIR: {
        nn = elixir_def(w, n, kind, flags);
        if (ts_node_is_null(nn)) *skip = 1;
        break;
    }
    case RV_TS_NAME_GO_METHOD: {
        nn = field(n, "name");
        TSNode rc = field(n, "receiver");
        if (!ts_node_is_null(rc) && ts_node_named_child_count(rc) > 0) {
            TSNode t = field(ts_node_named_child(rc, 0), "type");
            if (!ts_node_is_null(t)) {
                if (!(*extra = node_text(w, t))) return rv_error_set(RV_ERR_NOMEM, "out of memory");
                strip_type(*extra);
            }
        }
        break;
    }
    case RV_TS_NAME_GO_TYPE: {
        if (ts_node_named_child_count(n) == 0) break;
        TSNode spec = ts_node_named_child(n, 0);
        nn = field(spec, "name");
        TSNode t = field(spec, "type");
        if (!ts_node_is_null(t)) {
            if (strcmp(ts_node_type(t), "struct_type") == 0) *kind = "struct";
            if (strcmp(ts_node_type(t), "interface_type") == 0) *kind = "interface";
        }
        break;
    }
    case RV_TS_NAME_SWIFT_CLASS: {
        nn = field(n, "name");
        TSNode k = field(n, "declaration_kind");
        if (!ts_node_is_null(k)) {
            static const char *const kinds[] = {"class", "struct", "enum", "extension", "actor"};
            const char *kt = ts_node_type(k);
            for (size_t i = 0; i < 5; i++)
                if (strcmp(kt, kinds[i]) == 0) *kind = kinds[i];
        }
        break;
    }
    case RV_TS_NAME_ASSIGN_FN: {
        TSNode v = {{0}, NULL, NULL};
        var_parts(n, &nn, &v);
        if (!is_fn_value(v)) *skip = 1;
        /* Member targets (`exports.f = …`): the property is the name. */
        break;
    }
    default:
        nn = field(n, "name");
        if (ts_node_is_null(nn) && (r->flags & RV_TS_VAR)) {
            TSNode v = {{0}, NULL, NULL};
            var_parts(n, &nn, &v);
            int fv = is_fn_value(v);
            if (fv) *kind = fv == 2 ? "class" : "function";
        }
        if (ts_node_is_null(nn)) {
            int fn = 0;
            TSNode d = declarator_leaf(n, &fn);
            if (!ts_node_eq(d, n)) nn = d;
        }
        if (ts_node_is_null(nn)) nn = first_ident_child(n);
        break;
    }
    if (*skip) return RV_OK;
    if (!ts_node_is_null(nn)) {
        if (!(*name = node_text(w, nn))) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        if (r->name_how == RV_TS_NAME_IMPL) {
            strip_type(*name);
        } else if (!*extra) {
            split_qualified(*name, extra);
        }
    } else if (strcmp(r->type, "init_declaration") == 0) {
        if (!(*name = strdup("init"))) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    return RV_OK;
}

/* Scope text for a definition: the current scope plus any qualifier. */
static char *scope_with(const walk *w, const char *extra) {
    size_t a = w->scope_len, b = extra ? strlen(extra) : 0;
    char *r = malloc(a + b + 2);
    if (!r) return NULL;
    memcpy(r, w->scope ? w->scope : "", a);
    size_t o = a;
    if (b) {
        if (o) r[o++] = '.';
        memcpy(r + o, extra, b);
        o += b;
    }
    r[o] = 0;
    return r;
}

static void frame_reset(frame *f) {
    f->pushed = 0;
    f->run_start = f->run_end = -1;
    f->run_block = 0;
    f->prev_end = -1;
    f->outer_start = f->outer_end = -1;
}

/* A block comment opened by slash-star-star (JSDoc, Javadoc, PHPDoc, KDoc,
 * Doxygen): documentation by convention, also across a blank line. */
static int is_block_doc(const walk *w, TSNode n) {
    size_t a = ts_node_start_byte(n), e = ts_node_end_byte(n);
    return e <= w->s->len && e - a >= 5 && memcmp(w->s->text + a, "/**", 3) == 0 &&
           w->s->text[a + 3] != '/';
}

/* Whether the frame's doc comment run documents a node starting at srow:
 * right below it, or below one blank line after a slash-star-star block. */
static int run_reaches(const walk *w, const frame *f, int srow) {
    if (f->run_start < 0) return 0;
    if (srow <= f->run_end + 1) return 1;
    return f->run_block && srow == f->run_end + 2 && rv_csrc_blank(w->s, f->run_end + 1);
}

/* Handles the cursor's node; *descend says whether to visit its children. */
static rv_status visit(walk *w, TSNode n, frame *f, frame *child, int *descend) {
    rv_status st = RV_OK;
    char *name = NULL, *extra = NULL, *scope = NULL;
    *descend = 0;
    frame_reset(child);
    if (!ts_node_is_named(n)) return RV_OK;
    TSSymbol sym = ts_node_symbol(n);
    int ri = sym < w->l->nsym ? w->l->sym_rule[sym] : -1;
    const rv_ts_rule *r = ri >= 0 ? &w->l->rules[ri] : NULL;
    int srow = (int)ts_node_start_point(n).row, erow = end_row(n);
    if (srow >= w->s->nlines) srow = w->s->nlines - 1;
    if (erow >= w->s->nlines) erow = w->s->nlines - 1;
    if (erow < srow) erow = srow;

    if (r && (r->flags & RV_TS_DOC)) {
        if (f->prev_end == srow) { /* trailing comment of the previous line's code */
            f->run_start = -1;
        } else if (f->run_start >= 0 && srow <= f->run_end + 1) {
            f->run_end = erow;
        } else {
            f->run_start = srow;
            f->run_end = erow;
        }
        f->run_block = f->run_start >= 0 && is_block_doc(w, n);
        return RV_OK;
    }
    int start = srow, end = erow;
    int reaches = run_reaches(w, f, srow);
    int doc_gap = reaches && srow > f->run_end + 1; /* reached across a blank line */
    if (reaches) start = f->run_start;
    /* A generic node right after a doc run hands the run to its children
     * (Ruby puts a class's comment before the body that holds it). */
    if (!r && reaches) {
        child->run_start = f->run_start;
        child->run_end = f->run_end;
        child->run_block = f->run_block;
    }
    f->run_start = -1;
    f->prev_end = erow;
    if (r && f->outer_start >= 0) {
        if (f->outer_start < start) start = f->outer_start;
        if (f->outer_end > end) end = f->outer_end;
        f->outer_start = f->outer_end = -1;
    }
    if (!r) {
        *descend = 1;
        return RV_OK;
    }
    if (r->flags & RV_TS_WRAPPER) {
        child->outer_start = start;
        child->outer_end = end;
        *descend = 1;
        return RV_OK;
    }
    if ((r->flags & RV_TS_NEEDBODY) && ts_node_is_null(field(n, "body"))) {
        if (r->name_how != RV_TS_NAME_FILESCOPE) return RV_OK;
    }
    if ((r->flags & RV_TS_VAR) && innermost_container(w)) return RV_OK;

    const char *kind = r->kind;
    unsigned flags = r->flags;
    int skip = 0;
    if ((st = describe(w, n, r, &name, &kind, &flags, &extra, &skip)) != RV_OK) goto done;
    if (skip) { /* not a definition after all (`x.y = 1;`): look inside */
        *descend = 1;
        goto done;
    }

    if (r->name_how == RV_TS_NAME_FILESCOPE && ts_node_is_null(field(n, "body"))) {
        /* `namespace App\Models;` names everything after it. */
        if (w->ncs == 0 && name) {
            char *full = scope_with(w, extra);
            if (!full) goto nomem;
            scope_cut(w, 0);
            int ok = scope_append(w, full) && scope_append(w, name);
            free(full);
            if (!ok) goto nomem;
        }
        goto done;
    }
    if (flags & RV_TS_VAR) {
        int is_fn = strcmp(kind, "function") == 0 || strcmp(kind, "class") == 0;
        /* a block above a blank line documents functions and classes; above
         * a plain variable (`var x = require(..)`) it heads a section */
        if (doc_gap && !is_fn && start < srow) start = srow;
        if (!is_fn && end - start + 1 < RV_CHUNK_VAR_MIN_LINES) goto done;
    }
    if (flags & (RV_TS_LEAF | RV_TS_VAR)) {
        cont *ic = innermost_container(w);
        if (ic && strcmp(kind, "function") == 0) kind = "method";
        if (extra && extra[0] && strcmp(kind, "function") == 0) kind = "method";
        if (!(scope = scope_with(w, extra))) goto nomem;
        note_member(w, start);
        st = emit_def(w, start, end, kind, name, scope);
        goto done;
    }
    /* Container or scope: push; its children are visited next. */
    note_member(w, start);
    if (w->ncs == w->capcs) {
        size_t cap = w->capcs ? w->capcs * 2 : 16;
        cont *c = realloc(w->cs, cap * sizeof *c);
        if (!c) goto nomem;
        w->cs = c;
        w->capcs = cap;
    }
    cont *c = &w->cs[w->ncs];
    memset(c, 0, sizeof *c);
    c->flags = flags & (RV_TS_CONTAINER | RV_TS_SCOPE);
    c->scope_len = w->scope_len;
    c->start = start;
    c->end = end;
    c->first_member = -1;
    c->kind = kind;
    if (!(c->outer_scope = scope_with(w, extra))) goto nomem;
    c->name = name;
    name = NULL;
    w->ncs++;
    if ((extra && !scope_append(w, extra)) || (c->name && !scope_append(w, c->name))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    f->pushed = 1;
    *descend = 1;
    goto done;
nomem:
    st = rv_error_set(RV_ERR_NOMEM, "out of memory");
done:
    free(name);
    free(extra);
    free(scope);
    return st;
}

/* ---- the parse ---------------------------------------------------------- */

/* The thread's CPU clock is a system call: read on every 16th progress
 * callback (tree-sitter calls it every 100 parse operations). */
#define RV_TS_CLOCK_EVERY 16

typedef struct deadline {
    struct timespec until;
    unsigned calls;
} deadline;

static bool past_deadline(TSParseState *state) {
    deadline *d = state->payload;
    if (++d->calls % RV_TS_CLOCK_EVERY) return false;
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return now.tv_sec > d->until.tv_sec ||
           (now.tv_sec == d->until.tv_sec && now.tv_nsec > d->until.tv_nsec);
}

static const char *read_text(void *payload, uint32_t byte, TSPoint pos, uint32_t *n) {
    const rv_csrc *s = payload;
    (void)pos;
    if (byte >= s->len) {
        *n = 0;
        return "";
    }
    *n = (uint32_t)(s->len - byte);
    return s->text + byte;
}

static int ensure_frames(walk *w, size_t depth) {
    if (depth + 1 < w->capfr) return 1;
    size_t cap = w->capfr ? w->capfr * 2 : 64;
    while (cap <= depth + 1)
        cap *= 2;
    frame *f = realloc(w->fr, cap * sizeof *f);
    if (!f) return 0;
    w->fr = f;
    w->capfr = cap;
    return 1;
}

rv_status rv_chunk_ts(rv_csrc *s) {
    const rv_ts_lang *l = rv_ts_lang_get(s->language);
    if (!l) return RV_ERR_UNSUPPORTED;
    rv_status st = RV_OK;
    walk w;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.l = l;
    rv_ts_arena_begin();
    TSParser *parser = ts_parser_new();
    TSTree *tree = NULL;
    TSTreeCursor cur;
    int have_cursor = 0;
    if (!parser || !ts_parser_set_language(parser, l->ts)) {
        st = RV_ERR_UNSUPPORTED;
        goto done;
    }
    deadline dl = {.calls = 0};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &dl.until);
    long long ms = RV_TS_TIMEOUT_BASE_MS + (long long)(s->len >> 20) * RV_TS_TIMEOUT_MS_PER_MB;
    dl.until.tv_sec += ms / 1000;
    dl.until.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.until.tv_nsec >= 1000000000L) {
        dl.until.tv_sec++;
        dl.until.tv_nsec -= 1000000000L;
    }
    TSParseOptions opt = {&dl, past_deadline};
    TSInput in = {s, read_text, TSInputEncodingUTF8, NULL};
    tree = ts_parser_parse_with_options(parser, NULL, in, opt);
    if (!tree) {
        st = RV_ERR_CANCELLED; /* timed out: windows instead */
        goto done;
    }
    cur = ts_tree_cursor_new(ts_tree_root_node(tree));
    have_cursor = 1;
    if (!ensure_frames(&w, 1)) goto nomem;
    frame_reset(&w.fr[0]);
    size_t depth = 0;
    for (;;) {
        if (!ensure_frames(&w, depth + 1)) goto nomem;
        int descend = 0;
        st = visit(&w, ts_tree_cursor_current_node(&cur), &w.fr[depth], &w.fr[depth + 1], &descend);
        if (st != RV_OK) goto done;
        if (descend && ts_tree_cursor_goto_first_child(&cur)) {
            depth++;
            continue;
        }
        for (;;) {
            if (w.fr[depth].pushed) {
                w.fr[depth].pushed = 0;
                if ((st = pop_cont(&w)) != RV_OK) goto done;
            }
            if (depth > 0 && ts_tree_cursor_goto_next_sibling(&cur)) break;
            if (depth == 0 || !ts_tree_cursor_goto_parent(&cur)) goto walked;
            /* A comment run that ends its parent node is handed up (Kotlin
             * parses the comment before a class into the package header). */
            frame *cf = &w.fr[depth--];
            if (cf->run_start >= 0 && cf->run_end >= end_row(ts_tree_cursor_current_node(&cur))) {
                w.fr[depth].run_start = cf->run_start;
                w.fr[depth].run_end = cf->run_end;
                w.fr[depth].run_block = cf->run_block;
            }
        }
    }
walked:
    st = w.found ? RV_OK : RV_ERR_NOT_FOUND;
    goto done;
nomem:
    st = rv_error_set(RV_ERR_NOMEM, "out of memory");
done:
    if (have_cursor) ts_tree_cursor_delete(&cur);
    while (w.ncs)
        pop_cont(&w);
    free(w.cs);
    free(w.fr);
    free(w.scope);
    if (parser) ts_parser_delete(parser);
    if (tree && !rv_ts_arena_only()) ts_tree_delete(tree); /* else dropped whole below */
    rv_ts_arena_end();
    return st;
}
