/*
 * The walker's ignore decisions checked against git itself.
 *
 * One repository gets a directory per hand-written case (its .gitignore
 * holds the case's patterns, deeper .gitignore files where a case lists
 * them); `git check-ignore --no-index` judges every file, and the walk
 * (hidden files on, no size limit) must yield exactly the files git does not
 * ignore. The repository's info/exclude and a global excludes file
 * (core.excludesFile in a temporary HOME) are in play too.
 *
 * Then a few hundred generated random patterns, each in its own directory,
 * are asked about generated paths that need not exist (git judges those by
 * name, treating the leaf as a file and each prefix as a directory); the
 * pattern matcher plus the walker's rule (a path is ignored when a parent
 * directory is, else by its own match) must agree. Creating files is slow
 * on some machines, hence paths without files for the bulk.
 *
 * Git is the oracle, run at test time: no expected value here was written
 * by hand.
 */
#include "ripvec/walk.h"
#include "rvtest.h"
#include "walk/ignore.h"

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct gcase {
    const char *gitignore;    /* the case directory's .gitignore */
    const char *const *paths; /* files; "rel=text" writes text (deeper .gitignore files) */
} gcase;

#define P(...)                                                                                     \
    (const char *const[]) {                                                                        \
        __VA_ARGS__, NULL                                                                          \
    }

static const gcase g_cases[] = {
    /* basename vs anchored, negation, last match wins */
    {"*.o\n!keep.o\n", P("a.o", "keep.o", "d/b.o", "d/keep.o", "x.c")},
    {"!keep.o\n*.o\n", P("a.o", "keep.o")},
    {"/top\n", P("top", "d/top", "top2")},
    {"a/b\n", P("a/b", "x/a/b", "a/bc")},
    {"a/b\n", P("a/b/c", "a/bb/c")},
    {"/a/b/\n", P("a/b/f", "a/bf", "x/a/b/f")},
    {"d/*.c\n", P("d/x.c", "d/e/x.c", "x.c", "e/d/x.c")},
    /* dir-only */
    {"dir/\n", P("dir/f", "x/dir/f", "sub/dir")},
    {"dir/\n!dir/keep\n", P("dir/keep", "dir/f")},
    {"dir/*\n!dir/keep\n", P("dir/keep", "dir/f", "dir/sub/keep")},
    {"dir/**\n!dir/keep\n", P("dir/keep", "dir/f", "dir/sub/keep")},
    {"*\n!*/\n!*.c\n", P("a.c", "a.h", "d/b.c", "d/b.h", "d/e/c.c")},
    /* stars */
    {"**/foo\n", P("foo", "a/foo", "a/b/foo", "foox", "a/xfoo")},
    {"**/foo/bar\n", P("foo/bar", "a/foo/bar", "foo/x/bar")},
    {"foo/**\n", P("foo/a", "foo/b/c", "x/foo/a")},
    {"foo/**\n", P("foo", "foox")},
    {"a/**/b\n", P("a/b", "a/x/b", "a/x/y/b", "ab", "a/xb", "x/a/b")},
    {"a**b\n", P("ab", "axb", "a/b", "axxb")},
    {"a/**b\n", P("a/b", "a/xb", "a/x/b")},
    {"foo**/bar\n", P("foo/bar", "foox/bar", "foox/y/bar", "fo/bar")},
    {"***/x\n", P("x", "a/x", "a/b/x")},
    {"/**\n", P("a", "b/c")},
    {"*/\n", P("f", "d/f")},
    {"*\n", P("f", "d/f")},
    {"a/*/c\n", P("a/b/c", "a/b/d/c", "a/c")},
    {"*.tar.*\n", P("x.tar.gz", "x.tar", "d/y.tar.bz2")},
    /* ? and classes */
    {"?.x\n", P("a.x", "ab.x", ".x")},
    {"[abc].y\n", P("a.y", "d.y", "ab.y")},
    {"[!a].z\n[^b].w\n", P("a.z", "b.z", "a.w", "b.w")},
    {"[a-c]r\n", P("ar", "br", "dr", "-r")},
    {"[]a]s\n", P("]s", "as", "bs")},
    {"[a-]t\n", P("at", "-t", "bt")},
    {"[[:digit:]]d\n[[:upper:]]u\n", P("1d", "ad", "Au", "au")},
    {"[[:bogus:]]q\n", P("aq", "q")},
    {"unterminated[\n", P("unterminated[", "unterminatedx")},
    {"a[/]b\n", P("a/b", "a_b")},
    {"[\\]]e\n", P("]e", "\\e")},
    /* escapes, comments, spaces */
    {"\\#hash\n#comment\n", P("#hash", "#comment", "hash")},
    {"\\!bang\n", P("!bang", "bang")},
    {"trail   \n", P("trail", "trail   ")},
    {"esc\\ \n", P("esc ", "esc")},
    {"two\\  \n", P("two ", "two  ")},
    {"tab\t\n", P("tab\t", "tab")},
    {"crlf\r\nnext\r\n", P("crlf", "next", "crlf\r")},
    {"st\\*ar\n", P("st*ar", "stxar")},
    {"q\\?\n", P("q?", "qx")},
    {"back\\\n", P("back", "back\\")},
    {"  lead\n", P("  lead", "lead")},
    {"\xEF\xBB\xBF"
     "bom\n",
     P("bom")},
    /* nested .gitignore files */
    {"*.log\n", P("a.log", "s/b.log", "s/.gitignore=!b.log\n", "s/t/c.log", "s/t/b.log")},
    {"!x\n", P("x", "s/x", "s/.gitignore=x\n", "s/t/x")},
    {"/s/a\n", P("s/a", "s/.gitignore=/b\n", "s/b", "s/t/b")},
    {"d/\n", P("d/.gitignore=!f\n", "d/f")},
    /* global excludes (*.gx, !keep.gx) and info/exclude (*.ix) meet the case file */
    {"", P("a.gx", "keep.gx", "b.ix")},
    {"!a.gx\n!b.ix\n", P("a.gx", "b.ix")},
    {"keep.gx\n", P("keep.gx")},
};

/* ---- helpers ---- */

static char g_base[256];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f) {
    (void)sb;
    (void)flag;
    (void)f;
    return remove(p);
}

/* mkdir -p of the parent, then write. 0 on success (conflicting names in
 * generated cases make some paths impossible; those are dropped). */
static int put(const char *root, const char *rel, const char *text) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *s = path + strlen(root) + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
            *s = '/';
        }
    }
    struct stat sb;
    if (lstat(path, &sb) == 0) return -1; /* exists already (file or dir) */
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -1;
}

typedef struct strv {
    char **v;
    size_t n, cap;
} strv;

static void strv_push(strv *s, const char *x) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = strdup(x);
}

static void strv_free(strv *s) {
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int strv_has(const strv *s, const char *x) {
    return bsearch(&x, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

static int collect(void *user, const rv_walk_entry *e) {
    strv_push(user, e->rel);
    return 0;
}

/* Deterministic generator for the random cases. */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (unsigned)(g_rng % n);
}

static void random_pattern(char *out, size_t cap) {
    static const char *const toks[] = {"a",    "b",   "*",  "?",   "**",    "/",   "[ab]",
                                       "[!a]", "\\a", ".c", "x",   "[a-b]", "\\*", "[[:alpha:]]",
                                       "[a-]", "***", " ",  "\\ ", "[]a]",  "/**/"};
    size_t n = 0;
    out[0] = '\0';
    if (rnd(5) == 0) n += (size_t)snprintf(out + n, cap - n, "!");
    if (rnd(6) == 0) n += (size_t)snprintf(out + n, cap - n, "/");
    /* Mostly short; one in eight long enough to span several 64-bit words
     * of matcher state. */
    unsigned k = rnd(8) == 0 ? 30 + rnd(40) : 1 + rnd(5);
    for (unsigned i = 0; i < k; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s", toks[rnd(sizeof toks / sizeof toks[0])]);
    if (rnd(6) == 0) snprintf(out + n, cap - n, "/");
}

static void random_path(char *out, size_t cap) {
    static const char *const dirs[] = {"a", "b", "ab", "x", "ba"};
    static const char *const leaves[] = {"a", "b", "ab", "a.c", "b.c", "x", "xa", "ba"};
    size_t n = 0;
    unsigned depth = rnd(3);
    out[0] = '\0';
    for (unsigned i = 0; i < depth; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s/", dirs[rnd(sizeof dirs / sizeof dirs[0])]);
    snprintf(out + n, cap - n, "%s", leaves[rnd(sizeof leaves / sizeof leaves[0])]);
}

/* Runs check-ignore in `repo` over `paths`; fills `ignored` (sorted). */
static int git_ignored(const char *repo, const strv *paths, strv *ignored) {
    char list[600], out[600], cmd[2048];
    snprintf(list, sizeof list, "%s/list", g_base);
    snprintf(out, sizeof out, "%s/out", g_base);
    FILE *lf = fopen(list, "wb");
    if (!lf) return -1;
    for (size_t i = 0; i < paths->n; i++)
        fwrite(paths->v[i], 1, strlen(paths->v[i]) + 1, lf);
    fclose(lf);
    snprintf(cmd, sizeof cmd, "cd '%s' && git check-ignore --no-index -z --stdin <'%s' >'%s'", repo,
             list, out);
    int rc = system(cmd);
    if (rc != 0) { /* 0: some path ignored; 1 would mean none, which no fixture expects */
        printf("  git check-ignore exited with %d\n", rc);
        return -1;
    }
    FILE *of = fopen(out, "rb");
    if (!of) return -1;
    char buf[4096];
    size_t n = 0;
    int ch;
    while ((ch = fgetc(of)) != EOF) {
        if (ch == '\0') {
            buf[n] = '\0';
            strv_push(ignored, buf);
            n = 0;
        } else if (n + 1 < sizeof buf) {
            buf[n++] = (char)ch;
        }
    }
    fclose(of);
    qsort(ignored->v, ignored->n, sizeof *ignored->v, cmp_str);
    return 0;
}

static void setup_repo(char *repo, size_t cap, const char *name) {
    char home[512], cmd[2048], path[1024];
    snprintf(repo, cap, "%s/%s", g_base, name);
    snprintf(home, sizeof home, "%s/home", g_base);
    mkdir(repo, 0755);
    mkdir(home, 0755);
    setenv("HOME", home, 1);
    setenv("XDG_CONFIG_HOME", home, 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    unsetenv("GIT_DIR");
    unsetenv("GIT_WORK_TREE");
    put(home, ".gitconfig", "[core]\n\texcludesFile = ~/global-excludes\n");
    put(home, "global-excludes", "*.gx\n!keep.gx\n");
    snprintf(cmd, sizeof cmd, "git init -q '%s'", repo);
    RV_CHECK_EQ_INT(system(cmd), 0);
    snprintf(path, sizeof path, "%s/.git/info", repo);
    mkdir(path, 0755);
    remove(strcat(path, "/exclude"));
    put(repo, ".git/info/exclude", "*.ix\n");
}

RV_TEST(walk_matches_git_check_ignore) {
    char repo[512];
    strv files = {0}, walked = {0}, ignored = {0};
    size_t ncases = sizeof g_cases / sizeof g_cases[0];
    setup_repo(repo, sizeof repo, "fixed");
    for (size_t c = 0; c < ncases; c++) {
        char rel[1200];
        snprintf(rel, sizeof rel, "c%03zu/.gitignore", c);
        if (put(repo, rel, g_cases[c].gitignore) == 0) strv_push(&files, rel);
        for (const char *const *p = g_cases[c].paths; *p; p++) {
            const char *eq = strchr(*p, '=');
            if (eq)
                snprintf(rel, sizeof rel, "c%03zu/%.*s", c, (int)(eq - *p), *p);
            else
                snprintf(rel, sizeof rel, "c%03zu/%s", c, *p);
            int ok = put(repo, rel, eq ? eq + 1 : "x") == 0;
            RV_CHECK_MSG(ok, "cannot create %s", rel);
            if (ok) strv_push(&files, rel);
        }
    }
    RV_CHECK(git_ignored(repo, &files, &ignored) == 0);
    RV_CHECK(ignored.n > 50 && ignored.n < files.n - 50);

    rv_walk_params p = rv_walk_default_params();
    p.hidden = 1;
    p.max_filesize = 0;
    p.home = getenv("HOME"); /* git reads the global file from the same HOME */
    p.xdg_config_home = getenv("XDG_CONFIG_HOME");
    RV_CHECK_EQ_INT(rv_walk(repo, &p, collect, NULL, &walked), RV_OK);
    qsort(walked.v, walked.n, sizeof *walked.v, cmp_str);

    size_t bad = 0;
    for (size_t i = 0; i < files.n; i++) {
        int git_keeps = !strv_has(&ignored, files.v[i]);
        int we_keep = strv_has(&walked, files.v[i]);
        if (git_keeps == we_keep) continue;
        char show[300];
        snprintf(show, sizeof show, "%s", g_cases[atoi(files.v[i] + 1)].gitignore);
        for (char *s = show; *s; s++)
            if (*s == '\n') *s = '|';
        printf("  mismatch: %s: git %s, walk %s; .gitignore: %s\n", files.v[i],
               git_keeps ? "keeps" : "ignores", we_keep ? "keeps" : "ignores", show);
        bad++;
    }
    RV_CHECK_MSG(bad == 0, "%zu of %zu files judged differently from git", bad, files.n);
    /* Nothing outside the fixture list may appear (e.g. from .git). */
    for (size_t i = 0; i < walked.n; i++) {
        int known = 0;
        for (size_t j = 0; j < files.n && !known; j++)
            known = strcmp(files.v[j], walked.v[i]) == 0;
        RV_CHECK_MSG(known, "walk yielded unexpected %s", walked.v[i]);
    }
    printf("  %zu files, %zu ignored by git\n", files.n, ignored.n);
    strv_free(&files);
    strv_free(&walked);
    strv_free(&ignored);
}

/* The walker's decision for one .gitignore at the case directory: prefixes
 * are directories and prune, the leaf is a file. */
static int emulate_ignored(const rv_ignore *ig, const char *rel) {
    size_t len = strlen(rel);
    for (size_t i = 0; i < len; i++)
        if (rel[i] == '/' && rv_ignore_match(ig, rel, i, 1) == RV_IGNORE_EXCLUDE) return 1;
    return rv_ignore_match(ig, rel, len, 0) == RV_IGNORE_EXCLUDE;
}

enum { N_RANDOM = 300, PATHS_PER_CASE = 24 };

RV_TEST(ignore_matches_git_on_random_patterns) {
    char repo[512];
    strv paths = {0}, ignored = {0};
    static char ign[N_RANDOM][4096];
    static char rels[N_RANDOM][PATHS_PER_CASE][64];
    setup_repo(repo, sizeof repo, "random");
    /* Global and info/exclude files would muddle single-file emulation. */
    unsetenv("HOME");
    unsetenv("XDG_CONFIG_HOME");
    char ex[600];
    snprintf(ex, sizeof ex, "%s/.git/info/exclude", repo);
    remove(ex);
    for (size_t r = 0; r < N_RANDOM; r++) {
        char rel[1200], pat[1024];
        size_t n = 0;
        unsigned lines = 1 + rnd(3);
        for (unsigned i = 0; i < lines; i++) {
            random_pattern(pat, sizeof pat);
            n += (size_t)snprintf(ign[r] + n, sizeof ign[r] - n, "%s\n", pat);
        }
        snprintf(rel, sizeof rel, "r%03zu/.gitignore", r);
        RV_CHECK(put(repo, rel, ign[r]) == 0);
        for (int i = 0; i < PATHS_PER_CASE; i++) {
            random_path(rels[r][i], sizeof rels[r][i]);
            snprintf(rel, sizeof rel, "r%03zu/%s", r, rels[r][i]);
            strv_push(&paths, rel);
        }
    }
    RV_CHECK(git_ignored(repo, &paths, &ignored) == 0);
    RV_CHECK(ignored.n > 1000 && ignored.n < paths.n - 1000);
    size_t bad = 0, k = 0;
    for (size_t r = 0; r < N_RANDOM; r++) {
        rv_ignore *ig = NULL;
        RV_CHECK_EQ_INT(rv_ignore_create(&ig), RV_OK);
        RV_CHECK_EQ_INT(rv_ignore_add_buffer(ig, ign[r], strlen(ign[r])), RV_OK);
        for (int i = 0; i < PATHS_PER_CASE; i++, k++) {
            int git_ign = strv_has(&ignored, paths.v[k]);
            int we_ign = emulate_ignored(ig, rels[r][i]);
            if (git_ign == we_ign) continue;
            if (++bad > 25) continue;
            char show[300];
            snprintf(show, sizeof show, "%s", ign[r]);
            for (char *s = show; *s; s++)
                if (*s == '\n') *s = '|';
            printf("  mismatch: %s: git %s, we %s; .gitignore: %s\n", paths.v[k],
                   git_ign ? "ignores" : "keeps", we_ign ? "ignore" : "keep", show);
        }
        rv_ignore_free(ig);
    }
    RV_CHECK_MSG(bad == 0, "%zu of %zu paths judged differently from git", bad, paths.n);
    printf("  %d patterns files, %zu paths, %zu ignored by git\n", N_RANDOM, paths.n, ignored.n);
    strv_free(&paths);
    strv_free(&ignored);
}

int main(void) {
    if (system("git --version >/dev/null 2>&1") != 0) {
        printf("FAIL git_available: these tests need git (scripts/setup.d/30-walk.sh)\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    snprintf(g_base, sizeof g_base, "/tmp/rv-walk-git-XXXXXX");
    if (!mkdtemp(g_base)) {
        perror("mkdtemp");
        return 1;
    }
    RV_RUN(walk_matches_git_check_ignore);
    RV_RUN(ignore_matches_git_on_random_patterns);
    nftw(g_base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return rv_test_summary();
}
