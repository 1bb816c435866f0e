/* The built-in file type table (ripgrep's -t names) and the lock-file list. */
#include "ripvec/walk.h"

#include <string.h>

#define G(...)                                                                                     \
    (const char *const[]) {                                                                        \
        __VA_ARGS__, NULL                                                                          \
    }

/* Sorted by name (bytewise) so the list prints in order; aliases are
 * separate rows with the same globs. */
static const rv_walk_type g_types[] = {
    {"ada", G("*.adb", "*.ads")},
    {"asm", G("*.asm", "*.s", "*.S")},
    {"awk", G("*.awk")},
    {"bazel", G("*.bazel", "*.bzl", "BUILD", "WORKSPACE")},
    {"c", G("*.[chH]", "*.[chH].in", "*.cats")},
    {"clojure", G("*.clj", "*.cljc", "*.cljs", "*.cljx", "*.edn")},
    {"cmake", G("*.cmake", "CMakeLists.txt")},
    {"cpp", G("*.[ChH]", "*.cc", "*.[ch]pp", "*.[ch]xx", "*.hh", "*.inl", "*.[ChH].in", "*.cc.in",
              "*.[ch]pp.in", "*.[ch]xx.in", "*.hh.in", "*.ixx", "*.cppm")},
    {"cs", G("*.cs")},
    {"csharp", G("*.cs")},
    {"css", G("*.css", "*.scss")},
    {"cuda", G("*.cu", "*.cuh")},
    {"d", G("*.d")},
    {"dart", G("*.dart")},
    {"docker", G("*Dockerfile*")},
    {"elixir", G("*.ex", "*.eex", "*.exs", "*.heex", "*.leex")},
    {"elm", G("*.elm")},
    {"erlang", G("*.erl", "*.hrl")},
    {"fish", G("*.fish")},
    {"fortran", G("*.f", "*.F", "*.f77", "*.F77", "*.pfo", "*.f90", "*.F90", "*.f95", "*.F95")},
    {"fsharp", G("*.fs", "*.fsx", "*.fsi")},
    {"go", G("*.go")},
    {"gradle", G("*.gradle", "*.gradle.kts")},
    {"graphql", G("*.graphql", "*.graphqls")},
    {"groovy", G("*.groovy", "*.gradle")},
    {"h", G("*.h", "*.hh", "*.hpp")},
    {"haskell", G("*.hs", "*.lhs", "*.cpphs", "*.c2hs", "*.hsc")},
    {"html", G("*.htm", "*.html", "*.ejs")},
    {"java", G("*.java", "*.jsp", "*.jspx", "*.properties")},
    {"js", G("*.js", "*.jsx", "*.vue", "*.cjs", "*.mjs")},
    {"json", G("*.json", "*.sarif")},
    {"jsonl", G("*.jsonl")},
    {"julia", G("*.jl")},
    {"kotlin", G("*.kt", "*.kts")},
    {"lean", G("*.lean")},
    {"less", G("*.less")},
    {"lisp", G("*.el", "*.lisp", "*.lsp", "*.sc", "*.scm")},
    {"lua", G("*.lua")},
    {"make", G("[Gg][Nn][Uu]makefile", "[Mm]akefile", "[Gg][Nn][Uu]makefile.am", "[Mm]akefile.am",
               "[Gg][Nn][Uu]makefile.in", "[Mm]akefile.in", "*.mk", "*.mak")},
    {"markdown", G("*.markdown", "*.md", "*.mdown", "*.mdwn", "*.mkd", "*.mkdn", "*.mdx")},
    {"matlab", G("*.m")},
    {"md", G("*.markdown", "*.md", "*.mdown", "*.mdwn", "*.mkd", "*.mkdn", "*.mdx")},
    {"nim", G("*.nim", "*.nimf", "*.nimble", "*.nims")},
    {"nix", G("*.nix")},
    {"objc", G("*.h", "*.m")},
    {"objcpp", G("*.h", "*.mm")},
    {"ocaml", G("*.ml", "*.mli", "*.mll", "*.mly")},
    {"perl", G("*.perl", "*.pl", "*.PL", "*.plh", "*.plx", "*.pm", "*.t")},
    {"php", G("*.php", "*.php3", "*.php4", "*.php5", "*.php7", "*.php8", "*.phtml")},
    {"powershell", G("*.ps1", "*.psm1", "*.psd1", "*.ps1xml", "*.cdxml")},
    {"protobuf", G("*.proto")},
    {"ps", G("*.ps1", "*.psm1", "*.psd1", "*.ps1xml", "*.cdxml")},
    {"py", G("*.py", "*.pyi")},
    {"python", G("*.py", "*.pyi")},
    {"r", G("*.R", "*.r", "*.Rmd", "*.Rnw")},
    {"ruby", G("*.rb", "*.rbw", "*.gemspec", "Gemfile", "Rakefile", "config.ru", ".irbrc")},
    {"rust", G("*.rs")},
    {"scala", G("*.scala", "*.sbt")},
    {"sh",
     G("*.sh", "*.bash", "*.zsh", "*.ksh", "*.csh", "*.tcsh", ".bashrc", ".bash_profile",
       ".bash_login", ".bash_logout", ".bash_aliases", ".profile", ".zshrc", ".zshenv", ".zprofile",
       ".zlogin", ".zlogout", ".kshrc", ".cshrc", ".tcshrc", ".login", ".logout")},
    {"sql", G("*.sql", "*.psql")},
    {"svelte", G("*.svelte")},
    {"swift", G("*.swift")},
    {"tex", G("*.tex", "*.ltx", "*.cls", "*.sty", "*.bib", "*.dtx", "*.ins")},
    {"toml", G("*.toml")},
    {"ts", G("*.ts", "*.tsx", "*.cts", "*.mts")},
    {"txt", G("*.txt")},
    {"typescript", G("*.ts", "*.tsx", "*.cts", "*.mts")},
    {"vim", G("*.vim", ".vimrc", ".gvimrc", "vimrc", "gvimrc")},
    {"vue", G("*.vue")},
    {"xml", G("*.xml", "*.xml.dist", "*.xsd", "*.xsl", "*.xslt", "*.svg", "*.dtd")},
    {"yaml", G("*.yaml", "*.yml")},
    {"zig", G("*.zig")},
};

const rv_walk_type *rv_walk_types(size_t *count) {
    if (count) *count = sizeof g_types / sizeof g_types[0];
    return g_types;
}

const rv_walk_type *rv_walk_type_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof g_types / sizeof g_types[0]; i++)
        if (strcmp(g_types[i].name, name) == 0) return &g_types[i];
    return NULL;
}

int rv_walk_is_lockfile(const char *name) {
    static const char *const locks[] = {"Cargo.lock",     "package-lock.json", "yarn.lock",
                                        "pnpm-lock.yaml", "poetry.lock",       "Gemfile.lock",
                                        "go.sum",         "composer.lock",     "Pipfile.lock",
                                        "flake.lock"};
    if (!name) return 0;
    for (size_t i = 0; i < sizeof locks / sizeof locks[0]; i++)
        if (strcmp(locks[i], name) == 0) return 1;
    return 0;
}

const char *rv_walk_skip_name(rv_walk_skip why) {
    switch (why) {
    case RV_WALK_SKIP_BINARY: return "binary";
    case RV_WALK_SKIP_TOO_LARGE: return "too-large";
    case RV_WALK_SKIP_UNREADABLE: return "unreadable";
    case RV_WALK_SKIP_LOOP: return "loop";
    case RV_WALK_SKIP_SPECIAL: return "special";
    case RV_WALK_SKIP_VANISHED: return "vanished";
    case RV_WALK_SKIP_SYMLINK: return "symlink";
    case RV_WALK_SKIP_BROKEN_LINK: return "broken-link";
    case RV_WALK_SKIP_LOCKFILE: return "lockfile";
    case RV_WALK_SKIP_IGNORE_FILE: return "ignore-file";
    }
    return "unknown";
}
