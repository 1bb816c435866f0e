/* chunk/chunk.c — the public entry points: dispatch by language, list helpers. */
#include "chunk/chunk_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

rv_chunk_params rv_chunk_default_params(void) {
    rv_chunk_params p;
    memset(&p, 0, sizeof p);
    p.max_tokens = 512;
    p.window_lines = 40;
    p.window_overlap = 10;
    return p;
}

typedef struct ext_lang {
    const char *ext; /* ".py", or a whole file name without a dot ("Makefile") */
    const char *lang;
} ext_lang;

static const ext_lang k_exts[] = {
    {".c", "c"},
    {".h", "c"},
    {".cc", "cpp"},
    {".cpp", "cpp"},
    {".cxx", "cpp"},
    {".c++", "cpp"},
    {".hh", "cpp"},
    {".hpp", "cpp"},
    {".hxx", "cpp"},
    {".h++", "cpp"},
    {".ipp", "cpp"},
    {".tpp", "cpp"},
    {".inl", "cpp"},
    {".cu", "cpp"},
    {".cuh", "cpp"},
    {".rs", "rust"},
    {".go", "go"},
    {".py", "python"},
    {".pyi", "python"},
    {".pyw", "python"},
    {".js", "javascript"},
    {".mjs", "javascript"},
    {".cjs", "javascript"},
    {".jsx", "javascript"},
    {".ts", "typescript"},
    {".mts", "typescript"},
    {".cts", "typescript"},
    {".tsx", "tsx"},
    {".java", "java"},
    {".rb", "ruby"},
    {".rake", "ruby"},
    {".gemspec", "ruby"},
    {"Rakefile", "ruby"},
    {"Gemfile", "ruby"},
    {".sh", "bash"},
    {".bash", "bash"},
    {".zsh", "bash"},
    {".ksh", "bash"},
    {".bashrc", "bash"},
    {".profile", "bash"},
    {".cs", "csharp"},
    {".php", "php"},
    {".phtml", "php"},
    {".kt", "kotlin"},
    {".kts", "kotlin"},
    {".swift", "swift"},
    {".scala", "scala"},
    {".sc", "scala"},
    {".sbt", "scala"},
    {".lua", "lua"},
    {".hs", "haskell"},
    {".lhs", "haskell"},
    {".zig", "zig"},
    {".ex", "elixir"},
    {".exs", "elixir"},
    {".md", "markdown"},
    {".markdown", "markdown"},
    {".mdx", "markdown"},
    {".json", "json"},
    {".jsonc", "json"},
    {".geojson", "json"},
    {".yml", "yaml"},
    {".yaml", "yaml"},
    {".toml", "toml"},
    {"Cargo.lock", "toml"},
};

/* Language names as static strings (rv_chunk.language points at these). */
static const char *const k_names[] = {
    "c",    "cpp",      "rust", "go",     "python", "javascript", "typescript", "tsx",
    "java", "ruby",     "bash", "csharp", "php",    "kotlin",     "swift",      "scala",
    "lua",  "markdown", "json", "yaml",   "toml",   "text",       "haskell",    "zig",
    "elixir",
};

static const char *intern(const char *name) {
    for (size_t i = 0; i < sizeof k_names / sizeof k_names[0]; i++)
        if (strcmp(k_names[i], name) == 0) return k_names[i];
    return "text";
}

const char *rv_chunk_language_for_path(const char *path) {
    if (!path) return "text";
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    for (size_t i = 0; i < sizeof k_exts / sizeof k_exts[0]; i++) {
        const char *e = k_exts[i].ext;
        if (e[0] == '.' ? (dot && strcasecmp(dot, e) == 0) : strcmp(base, e) == 0)
            return intern(k_exts[i].lang);
    }
    /* Dot files named like the extension: ".bashrc", ".profile". */
    if (base[0] == '.')
        for (size_t i = 0; i < sizeof k_exts / sizeof k_exts[0]; i++)
            if (strcmp(base, k_exts[i].ext) == 0) return intern(k_exts[i].lang);
    return "text";
}

/* "#!/usr/bin/env python3" and friends, for extension-less scripts. */
static const char *language_from_shebang(const char *t, size_t n) {
    if (n < 3 || t[0] != '#' || t[1] != '!') return "text";
    const char *nl = memchr(t, '\n', n);
    size_t ln = nl ? (size_t)(nl - t) : n;
    if (ln > 200) return "text";
    char line[201];
    memcpy(line, t, ln);
    line[ln] = 0;
    static const struct {
        const char *word, *lang;
    } k[] = {{"python", "python"}, {"bash", "bash"},       {"/sh", "bash"}, {"zsh", "bash"},
             {"ruby", "ruby"},     {"node", "javascript"}, {"lua", "lua"},  {"php", "php"}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strstr(line, k[i].word)) return intern(k[i].lang);
    return "text";
}

/* .h files are C unless C++ shows in the first 64 KiB. */
static const char *refine_header(const char *lang, const char *path, const char *t, size_t n) {
    size_t pl = strlen(path);
    if (strcmp(lang, "c") != 0 || pl < 2 || strcmp(path + pl - 2, ".h") != 0) return lang;
    size_t m = n < 65536 ? n : 65536;
    static const char *const cues[] = {"namespace ", "class ",   "template<", "template <",
                                       "public:",    "private:", "std::"};
    for (size_t i = 0; i < sizeof cues / sizeof cues[0]; i++)
        if (memmem(t, m, cues[i], strlen(cues[i]))) return intern("cpp");
    return lang;
}

void rv_chunk_list_truncate(rv_chunk_list *l, size_t from) {
    for (size_t i = from; i < l->count; i++)
        rv_chunk_clear(&l->items[i]);
    if (from < l->count) l->count = from;
}

rv_status rv_chunk_file(rv_chunk_list *out, const char *path, const char *data, size_t len,
                        const rv_chunk_params *params) {
    if (!out || (!data && len)) return rv_error_set(RV_ERR_INVALID_ARG, "rv_chunk_file: NULL");
    rv_chunk_params p = params ? *params : rv_chunk_default_params();
    if (p.max_tokens <= 0) p.max_tokens = 512;
    if (!path) path = "";
    rv_csrc s;
    rv_status st = rv_csrc_init(&s, out, path, data, len, &p);
    if (st != RV_OK) goto done;
    if (s.nlines == 0) goto done;
    const char *lang = rv_chunk_language_for_path(path);
    if (strcmp(lang, "text") == 0) lang = language_from_shebang(s.text, s.len);
    s.language = refine_header(lang, path, s.text, s.len);

    const char *l = s.language;
    st = RV_ERR_UNSUPPORTED;
    if (strcmp(l, "markdown") == 0) {
        st = rv_chunk_markdown(&s);
    } else if (strcmp(l, "json") == 0) {
        st = rv_chunk_json(&s);
    } else if (strcmp(l, "yaml") == 0) {
        st = rv_chunk_yaml(&s);
    } else if (strcmp(l, "toml") == 0) {
        st = rv_chunk_toml(&s);
    } else if (rv_chunk_ts_has(l) && s.len <= RV_CHUNK_TS_MAX_BYTES) {
        st = rv_chunk_ts(&s);
    }
    if (st == RV_ERR_NOMEM) goto done;
    if (st == RV_OK && out->count == s.first_out) st = RV_ERR_NOT_FOUND;
    if (st != RV_OK) {
        /* No structure (unknown language, parse timeout, nothing defined):
         * plain windows over the whole file. */
        rv_chunk_list_truncate(out, s.first_out);
        memset(s.cover, 0, (size_t)s.nlines);
        st = rv_csrc_windows(&s, 0, s.nlines - 1);
    } else {
        st = rv_csrc_fill_gaps(&s);
    }
    /* Members come before their container's summary, and the pieces of a
     * split window can start after the next window's start. */
    if (st == RV_OK) rv_csrc_sort(&s);
done:
    if (st != RV_OK && out) rv_chunk_list_truncate(out, s.out ? s.first_out : out->count);
    rv_csrc_free(&s);
    return st;
}

void rv_chunk_clear(rv_chunk *c) {
    if (!c) return;
    free(c->path);
    free(c->kind);
    free(c->name);
    free(c->scope);
    free(c->content);
    free(c->embed_text);
    memset(c, 0, sizeof *c);
}

void rv_chunk_list_free(rv_chunk_list *list) {
    if (!list) return;
    for (size_t i = 0; i < list->count; i++)
        rv_chunk_clear(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

static int dup_field(char **dst, const char *src) {
    if (!src) {
        *dst = NULL;
        return 1;
    }
    *dst = strdup(src);
    return *dst != NULL;
}

rv_status rv_chunk_copy(rv_chunk *dst, const rv_chunk *src) {
    rv_chunk c;
    memset(&c, 0, sizeof c);
    c.start_line = src->start_line;
    c.end_line = src->end_line;
    c.language = src->language;
    if (!dup_field(&c.path, src->path) || !dup_field(&c.kind, src->kind) ||
        !dup_field(&c.name, src->name) || !dup_field(&c.scope, src->scope) ||
        !dup_field(&c.content, src->content) || !dup_field(&c.embed_text, src->embed_text)) {
        rv_chunk_clear(&c);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    *dst = c;
    return RV_OK;
}

static int same_str(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int rv_chunk_continues(const rv_chunk *prev, const rv_chunk *c) {
    return prev && c && c->name && c->name[0] && c->start_line == prev->end_line + 1 &&
           same_str(c->path, prev->path) && same_str(c->name, prev->name) &&
           same_str(c->kind, prev->kind) && same_str(c->scope, prev->scope);
}
