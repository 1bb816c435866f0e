/* Tests for the walk layer: ignore files, filters, special files, order. */
#include "ripvec/walk.h"
#include "rvtest.h"
#include "walk/gitcfg.h"
#include "walk/ignore.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- fixture helpers ---- */

static char g_base[256]; /* one mkdtemp dir for the whole binary */
static int g_seq;

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f) {
    (void)sb;
    (void)f;
    if (flag == FTW_DP || flag == FTW_D) chmod(p, 0700);
    return remove(p);
}
static void rm_rf(const char *p) {
    nftw(p, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under g_base; returns a static-lifetime copy. */
static const char *fresh(void) {
    static char buf[64][300];
    char *b = buf[g_seq % 64];
    snprintf(b, 300, "%s/t%03d", g_base, g_seq++);
    mkdir(b, 0755);
    return b;
}

static void mkdirs(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *s = tmp + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(tmp, 0755);
            *s = '/';
        }
    }
    mkdir(tmp, 0755);
}

/* Writes dir/rel (making parents) with `text`. */
static void put(const char *dir, const char *rel, const char *text) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    if (!f) {
        printf("  cannot create %s: %s\n", path, strerror(errno));
        return;
    }
    fputs(text, f);
    fclose(f);
}

static void put_bytes(const char *dir, const char *rel, const void *data, size_t n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(data, 1, n, f);
    fclose(f);
}

static void sub(char *out, size_t n, const char *dir, const char *rel) {
    snprintf(out, n, "%s/%s", dir, rel);
}

/* ---- collecting a walk ---- */

typedef struct seen {
    char files[16384]; /* "rel,rel,..." in walk order */
    char paths[16384]; /* "path,path,..." */
    char skips[16384]; /* "rel:kind,..." (rel relative to the walk root) */
    size_t root_len;
    int stop_after; /* 0: never */
    int nfiles;
    int (*on_file_hook)(struct seen *, const rv_walk_entry *);
} seen;

static void append(char *buf, size_t cap, const char *s) {
    size_t l = strlen(buf);
    snprintf(buf + l, cap - l, "%s%s", l ? "," : "", s);
}

static int on_file(void *user, const rv_walk_entry *e) {
    seen *s = user;
    append(s->files, sizeof s->files, e->rel);
    append(s->paths, sizeof s->paths, e->path);
    s->nfiles++;
    if (s->on_file_hook && s->on_file_hook(s, e)) return 1;
    return s->stop_after && s->nfiles >= s->stop_after;
}

static void on_skip(void *user, const char *path, rv_walk_skip why, const char *detail) {
    seen *s = user;
    char item[4200];
    const char *rel = path;
    (void)detail;
    if (strlen(path) > s->root_len && path[s->root_len] == '/') rel = path + s->root_len + 1;
    snprintf(item, sizeof item, "%s:%s", rel, rv_walk_skip_name(why));
    append(s->skips, sizeof s->skips, item);
}

static rv_status walk(seen *s, const char *root, const rv_walk_params *p) {
    memset(s, 0, sizeof *s);
    s->root_len = strlen(root);
    return rv_walk(root, p, on_file, on_skip, s);
}

static rv_status walk_ex(seen *s, const char *root, const rv_walk_params *p) {
    /* Keeps hooks/stop settings the caller put in *s. */
    s->files[0] = s->paths[0] = s->skips[0] = '\0';
    s->nfiles = 0;
    s->root_len = strlen(root);
    return rv_walk(root, p, on_file, on_skip, s);
}

static int has_skip(const seen *s, const char *item) {
    size_t n = strlen(item);
    for (const char *p = s->skips; (p = strstr(p, item)) != NULL; p++)
        if ((p == s->skips || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return 1;
    return 0;
}

/* ---- tests ---- */

RV_TEST(walk_sorted_depth_first_with_paths) {
    const char *d = fresh();
    put(d, "b.txt", "b");
    put(d, "a.c", "a");
    put(d, "a/z.c", "z");
    put(d, "a/b/c.c", "c");
    put(d, "B.md", "B");
    put(d, "a-b.c", "-");
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    /* bytewise: "B.md" < "a" < "a-b.c" < "a.c" < "b.txt"; a/ is walked in place */
    RV_CHECK_STR(s.files, "B.md,a/b/c.c,a/z.c,a-b.c,a.c,b.txt");
    char want[2048];
    snprintf(want, sizeof want, "%s/B.md", d);
    RV_CHECK(strncmp(s.paths, want, strlen(want)) == 0);

    /* A trailing slash on the root does not double up. */
    char root[512];
    snprintf(root, sizeof root, "%s/a/", d);
    RV_CHECK_EQ_INT(walk(&s, root, NULL), RV_OK);
    snprintf(want, sizeof want, "%s/a/b/c.c,%s/a/z.c", d, d);
    RV_CHECK_STR(s.paths, want);
    RV_CHECK_STR(s.files, "b/c.c,z.c");

    /* Root "." gives "./x" paths and plain relative rels, like ripgrep. */
    char cwd[4096];
    RV_CHECK(getcwd(cwd, sizeof cwd) != NULL);
    RV_CHECK(chdir(d) == 0);
    RV_CHECK_EQ_INT(walk(&s, ".", NULL), RV_OK);
    RV_CHECK_STR(s.paths, "./B.md,./a/b/c.c,./a/z.c,./a-b.c,./a.c,./b.txt");
    RV_CHECK_EQ_INT(walk(&s, "a", NULL), RV_OK);
    RV_CHECK_STR(s.paths, "a/b/c.c,a/z.c");
    RV_CHECK(chdir(cwd) == 0);

    /* Same tree, same order every time. */
    seen t;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_EQ_INT(walk(&t, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, t.files);
}

typedef struct grab {
    rv_walk_entry e;
    char rel[256], path[4096];
    int n;
} grab;

static int grab_cb(void *u, const rv_walk_entry *e) {
    grab *g = u;
    g->e = *e;
    snprintf(g->rel, sizeof g->rel, "%s", e->rel);
    snprintf(g->path, sizeof g->path, "%s", e->path);
    g->n++;
    return 0;
}

RV_TEST(walk_entry_stat_fields) {
    const char *d = fresh();
    put(d, "f.txt", "hello");
    struct stat sb;
    char p[512];
    sub(p, sizeof p, d, "f.txt");
    RV_CHECK(stat(p, &sb) == 0);
    grab g;
    memset(&g, 0, sizeof g);
    RV_CHECK_EQ_INT(rv_walk(d, NULL, grab_cb, NULL, &g), RV_OK);
    RV_CHECK_EQ_INT(g.n, 1);
    RV_CHECK_STR(g.rel, "f.txt");
    RV_CHECK_STR(g.path, p);
    RV_CHECK_EQ_INT(g.e.size, 5);
    RV_CHECK_EQ_INT(g.e.mtime_sec, sb.st_mtim.tv_sec);
    RV_CHECK_EQ_INT(g.e.mtime_nsec, sb.st_mtim.tv_nsec);
    RV_CHECK_EQ_INT(g.e.dev, sb.st_dev);
    RV_CHECK_EQ_INT(g.e.ino, sb.st_ino);
}

static void make_repo(const char *d) {
    char p[512];
    sub(p, sizeof p, d, ".git");
    mkdir(p, 0755);
}

RV_TEST(walk_gitignore_nested_negation_anchoring) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".gitignore", "*.log\n/top.txt\ndoc/gen\n# comment.c\n");
    put(d, "a.log", "");
    put(d, "top.txt", "");
    put(d, "comment.c", "");
    put(d, "src/top.txt", "");  /* /top.txt is anchored to the root */
    put(d, "src/deep.log", ""); /* *.log has no slash: any depth */
    put(d, "src/.gitignore", "!keep.log\n/local.c\n");
    put(d, "src/keep.log", "");   /* re-included by the deeper file */
    put(d, "src/local.c", "");    /* anchored to src/ */
    put(d, "src/x/local.c", "");  /* not anchored there */
    put(d, "src/x/keep.log", ""); /* !keep.log has no slash: any depth */
    put(d, "doc/gen/a.md", "");   /* a middle slash anchors doc/gen */
    put(d, "doc/gen.md", "");
    put(d, "x/doc/gen/b.md", ""); /* not at the root: kept */
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "comment.c,doc/gen.md,src/keep.log,src/top.txt,src/x/keep.log,"
                          "src/x/local.c,x/doc/gen/b.md");
}

RV_TEST(walk_double_star_patterns) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".gitignore", "**/tmp\nlogs/**\na/**/z.c\n**/*.o\n");
    put(d, "tmp", "");
    put(d, "q/w/tmp", "");
    put(d, "logs/a.txt", "");
    put(d, "logs/deep/b.txt", "");
    put(d, "x/logs/c.txt", ""); /* "logs/" + "**" is anchored */
    put(d, "a/z.c", "");
    put(d, "a/b/z.c", "");
    put(d, "a/b/c/z.c", "");
    put(d, "b/a/z.c", "");
    put(d, "k/m.o", "");
    put(d, "keep.c", "");
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "b/a/z.c,keep.c,x/logs/c.txt");
}

RV_TEST(walk_dir_only_and_reinclude_under_excluded_parent) {
    const char *d = fresh();
    make_repo(d);
    /* build/ excludes the directory, so !build/keep.c cannot bring it back;
     * "out/" + "*" excludes only the children, so !out/keep.c works (git's rule). */
    put(d, ".gitignore", "build/\n!build/keep.c\nout/*\n!out/keep.c\ncache/\n");
    put(d, "build/keep.c", "");
    put(d, "build/x.c", "");
    put(d, "out/keep.c", "");
    put(d, "out/x.c", "");
    put(d, "src/cache", ""); /* a file named like a dir-only pattern: kept */
    put(d, "src/cache2/cache/a.c", "");
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "out/keep.c,src/cache");
    /* A deeper .gitignore cannot re-include below an excluded directory. */
    put(d, "build/.gitignore", "!*\n");
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "out/keep.c,src/cache");
}

RV_TEST(walk_gitignore_needs_repo_ignore_does_not) {
    const char *d = fresh();
    put(d, ".gitignore", "*.a\n");
    put(d, ".ignore", "*.b\n");
    put(d, "x.a", "");
    put(d, "x.b", "");
    put(d, "x.c", "");
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "x.a,x.c"); /* not a repo: .gitignore unused */
    rv_walk_params p = rv_walk_default_params();
    p.no_require_git = 1;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "x.c");
    /* A .git *file* (worktree, submodule) makes a repository too. */
    put(d, ".git", "gitdir: /nonexistent\n");
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "x.c");
}

RV_TEST(walk_dot_ignore_beats_gitignore) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".gitignore", "*.log\n!secret.txt\n");
    put(d, ".ignore", "!keep.log\nsecret.txt\n");
    put(d, "a.log", "");
    put(d, "keep.log", "");
    put(d, "secret.txt", "");
    put(d, "plain.txt", "");
    /* .ignore at the top still beats a deeper .gitignore: kinds rank
     * before depth, as in ripgrep. */
    put(d, "sub/.gitignore", "keep.log\n");
    put(d, "sub/keep.log", "");
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "keep.log,plain.txt,sub/keep.log");
}

RV_TEST(walk_info_exclude_and_worktree_gitdir) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".git/info/exclude", "*.tmp\n/only_top.c\n");
    put(d, ".gitignore", "!keep.tmp\n");
    put(d, "a.tmp", "");
    put(d, "keep.tmp", ""); /* .gitignore beats info/exclude */
    put(d, "only_top.c", "");
    put(d, "s/only_top.c", "");
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "keep.tmp,s/only_top.c");

    /* A worktree: ".git" is a file pointing at a gitdir whose commondir
     * holds info/exclude. */
    const char *w = fresh();
    char gd[600], txt[700];
    snprintf(gd, sizeof gd, "%s/common/worktrees/wt", w);
    mkdirs(gd);
    put(w, "common/info/exclude", "*.wt\n");
    put(w, "common/worktrees/wt/commondir", "../..\n");
    snprintf(txt, sizeof txt, "gitdir: %s\n", gd);
    put(w, "tree/.git", txt);
    put(w, "tree/a.wt", "");
    put(w, "tree/b.c", "");
    char root[600];
    sub(root, sizeof root, w, "tree");
    RV_CHECK_EQ_INT(walk(&s, root, NULL), RV_OK);
    RV_CHECK_STR(s.files, "b.c");
    /* Relative gitdir, resolved against the .git file's directory. */
    put(w, "tree/.git", "gitdir: ../common/worktrees/wt\n");
    RV_CHECK_EQ_INT(walk(&s, root, NULL), RV_OK);
    RV_CHECK_STR(s.files, "b.c");
    char *x = NULL;
    char dotgit[700];
    snprintf(dotgit, sizeof dotgit, "%s/.git", root);
    x = rv_gitcfg_info_exclude(dotgit);
    char want[700];
    snprintf(want, sizeof want, "%s/../common/worktrees/wt/../../info/exclude", root);
    RV_CHECK_STR(x, want);
    free(x);
}

/* HOME / XDG_CONFIG_HOME are parameters (the front end reads them). */
RV_TEST(walk_global_excludes) {
    const char *home = fresh(), *xdg = fresh(), *d = fresh();
    make_repo(d);
    put(d, "a.g1", "");
    put(d, "a.g2", "");
    put(d, "a.g3", "");
    put(d, "a.c", "");
    put(d, ".gitignore", "!keep.g1\n");
    put(d, "keep.g1", "");
    rv_walk_params gp = rv_walk_default_params();
    gp.home = home;
    seen s;

    /* Default location without any config: ~/.config/git/ignore. */
    put(home, ".config/git/ignore", "*.g3\n");
    RV_CHECK_EQ_INT(walk(&s, d, &gp), RV_OK);
    RV_CHECK_STR(s.files, "a.c,a.g1,a.g2,keep.g1");

    /* $XDG_CONFIG_HOME/git/ignore replaces it when XDG_CONFIG_HOME is set. */
    gp.xdg_config_home = xdg;
    put(xdg, "git/ignore", "*.g2\n");
    RV_CHECK_EQ_INT(walk(&s, d, &gp), RV_OK);
    RV_CHECK_STR(s.files, "a.c,a.g1,a.g3,keep.g1");

    /* core.excludesFile in $XDG_CONFIG_HOME/git/config. */
    put(xdg, "git/config", "[user]\n\texcludesFile = nope\n[core]\n\texcludesfile = ~/xdg-ex\n");
    put(home, "xdg-ex", "a.c\n");
    RV_CHECK_EQ_INT(walk(&s, d, &gp), RV_OK);
    RV_CHECK_STR(s.files, "a.g1,a.g2,a.g3,keep.g1");

    /* ~/.gitconfig wins over the XDG config; quotes and comments parsed;
     * .gitignore re-includes beat the global file. */
    put(home, ".gitconfig",
        "# c\n[Core]\n  bare = false\n  excludesFile = \"~/my ex\" ; trailing comment\n");
    put(home, "my ex", "*.g1\n/a.g2\n");
    RV_CHECK_EQ_INT(walk(&s, d, &gp), RV_OK);
    RV_CHECK_STR(s.files, "a.c,a.g3,keep.g1");
    char *gpath = rv_gitcfg_global_excludes(home, xdg);
    char want[512];
    snprintf(want, sizeof want, "%s/my ex", home);
    RV_CHECK_STR(gpath, want);
    free(gpath);

    /* Not a repository: the global file does not apply. */
    const char *n = fresh();
    put(n, "x.g1", "");
    RV_CHECK_EQ_INT(walk(&s, n, &gp), RV_OK);
    RV_CHECK_STR(s.files, "x.g1");
    gp.no_ignore = 1;
    RV_CHECK_EQ_INT(walk(&s, d, &gp), RV_OK);
    RV_CHECK_STR(s.files, "a.c,a.g1,a.g2,a.g3,keep.g1");
    /* without them (the default) there is no global file */
    gp = rv_walk_default_params();
    RV_CHECK_EQ_INT(walk(&s, d, &gp), RV_OK);
    RV_CHECK_STR(s.files, "a.c,a.g1,a.g2,a.g3,keep.g1");
}

RV_TEST(walk_parent_ignore_files_and_nested_repo) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".gitignore", "*.log\n/sub/anch.c\n");
    put(d, ".ignore", "*.ign\n");
    put(d, "sub/a.log", "");
    put(d, "sub/anch.c", "");
    put(d, "sub/b.ign", "");
    put(d, "sub/ok.c", "");
    /* A nested repository: the outer .gitignore has no say inside it, but
     * .ignore files still apply. */
    put(d, "sub/inner/x.log", "");
    put(d, "sub/inner/y.ign", "");
    put(d, "sub/inner/.gitignore", "z.c\n");
    put(d, "sub/inner/z.c", "");
    char p[512];
    sub(p, sizeof p, d, "sub/inner/.git");
    mkdir(p, 0755);
    char root[512];
    sub(root, sizeof root, d, "sub");
    seen s;
    RV_CHECK_EQ_INT(walk(&s, root, NULL), RV_OK);
    RV_CHECK_STR(s.files, "inner/x.log,ok.c");
    /* Walking the inner repository directly: the same decision. */
    sub(root, sizeof root, d, "sub/inner");
    RV_CHECK_EQ_INT(walk(&s, root, NULL), RV_OK);
    RV_CHECK_STR(s.files, "x.log");
}

/* rv_walk_entry.repo_len names the innermost nested repository's top below
 * the root (never the root's own .git), for the chunker's header. */
static int note_repo_len(seen *s, const rv_walk_entry *e) {
    char item[600];
    snprintf(item, sizeof item, "%s=%zu", e->rel, e->repo_len);
    append(s->skips, sizeof s->skips, item); /* skips is free in this test */
    return 0;
}

RV_TEST(walk_repo_len_marks_nested_repositories) {
    const char *d = fresh();
    make_repo(d);
    put(d, "top.c", "");
    put(d, "libA/src/a.c", "");
    put(d, "libA/deep/libB/b.c", "");
    put(d, "plain/p.c", "");
    char p[512];
    sub(p, sizeof p, d, "libA/.git");
    mkdir(p, 0755);
    sub(p, sizeof p, d, "libA/deep/libB/.git");
    mkdir(p, 0755);
    seen s;
    memset(&s, 0, sizeof s);
    s.on_file_hook = note_repo_len;
    RV_CHECK_EQ_INT(walk_ex(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.skips, "libA/deep/libB/b.c=15,libA/src/a.c=5,plain/p.c=0,top.c=0");
}

RV_TEST(walk_hidden_files) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".env", "");
    put(d, ".hid/a.c", "");
    put(d, "v.c", "");
    put(d, ".git/config", "");
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "v.c");
    rv_walk_params p = rv_walk_default_params();
    p.hidden = 1;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, ".env,.hid/a.c,v.c"); /* .git never */
    /* A '!' line in an ignore file shows a hidden file (ripgrep). */
    put(d, ".gitignore", "!.env\n");
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, ".env,v.c");
    /* A hidden root is walked: only entries below are judged. */
    char root[512];
    sub(root, sizeof root, d, ".hid");
    RV_CHECK_EQ_INT(walk(&s, root, NULL), RV_OK);
    RV_CHECK_STR(s.files, "a.c");
}

RV_TEST(walk_no_ignore) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".gitignore", "*.a\n");
    put(d, ".ignore", "*.b\n");
    put(d, ".git/info/exclude", "*.c\n");
    put(d, "x.a", "");
    put(d, "x.b", "");
    put(d, "x.c", "");
    rv_walk_params p = rv_walk_default_params();
    p.no_ignore = 1;
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "x.a,x.b,x.c");
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "");
}

RV_TEST(walk_binary_large_and_lock_files) {
    const char *d = fresh();
    static char big[(1u << 20) + 1];
    memset(big, 'x', sizeof big);
    put_bytes(d, "big.txt", big, sizeof big);       /* 1 MiB + 1: too large */
    put_bytes(d, "limit.txt", big, sizeof big - 1); /* exactly 1 MiB: kept */
    put_bytes(d, "bin.dat", "ab\0cd", 5);           /* NUL early: binary */
    big[9000] = '\0';
    put_bytes(d, "late-nul.txt", big, 10000); /* NUL after 8 KiB: text */
    put(d, "empty.txt", "");
    put(d, "Cargo.lock", "x");
    put(d, "sub/package-lock.json", "{}");
    put(d, "go.sum", "x");
    put(d, "flake.lock", "x");
    put(d, "yarn.lock.txt", "x"); /* only exact names */
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "empty.txt,late-nul.txt,limit.txt,yarn.lock.txt");
    RV_CHECK(has_skip(&s, "big.txt:too-large"));
    RV_CHECK(has_skip(&s, "bin.dat:binary"));
    RV_CHECK(has_skip(&s, "Cargo.lock:lockfile"));
    RV_CHECK(has_skip(&s, "sub/package-lock.json:lockfile"));
    RV_CHECK(has_skip(&s, "go.sum:lockfile"));
    RV_CHECK(has_skip(&s, "flake.lock:lockfile"));
    rv_walk_params p = rv_walk_default_params();
    p.max_filesize = 0; /* no limit */
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "big.txt,empty.txt,late-nul.txt,limit.txt,yarn.lock.txt");
    p.max_filesize = 10;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "empty.txt,yarn.lock.txt");
    RV_CHECK(rv_walk_is_lockfile("pnpm-lock.yaml") && rv_walk_is_lockfile("Pipfile.lock"));
    RV_CHECK(!rv_walk_is_lockfile("lock"));
}

RV_TEST(walk_symlinks) {
    const char *d = fresh();
    char p[512];
    put(d, "real/f.c", "x");
    put(d, "a.c", "a");
    sub(p, sizeof p, d, "link.c");
    RV_CHECK(symlink("a.c", p) == 0);
    sub(p, sizeof p, d, "linkdir");
    RV_CHECK(symlink("real", p) == 0);
    sub(p, sizeof p, d, "broken");
    RV_CHECK(symlink("nowhere", p) == 0);
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "a.c,real/f.c");
    RV_CHECK(has_skip(&s, "link.c:symlink"));
    RV_CHECK(has_skip(&s, "linkdir:symlink"));
    rv_walk_params f = rv_walk_default_params();
    f.follow = 1;
    RV_CHECK_EQ_INT(walk(&s, d, &f), RV_OK);
    RV_CHECK_STR(s.files, "a.c,link.c,linkdir/f.c,real/f.c");
    RV_CHECK(has_skip(&s, "broken:broken-link"));
    /* A symlinked root is followed (it was named explicitly). */
    char root[512];
    sub(root, sizeof root, d, "linkdir");
    RV_CHECK_EQ_INT(walk(&s, root, NULL), RV_OK);
    RV_CHECK_STR(s.files, "f.c");
    /* Ignore rules see the link's own name. */
    make_repo(d);
    put(d, ".gitignore", "linkdir\n");
    RV_CHECK_EQ_INT(walk(&s, d, &f), RV_OK);
    RV_CHECK_STR(s.files, "a.c,link.c,real/f.c");
}

RV_TEST(walk_symlink_loop_terminates) {
    const char *d = fresh();
    char p[512];
    put(d, "a/b/f.c", "x");
    sub(p, sizeof p, d, "a/b/up");
    RV_CHECK(symlink("..", p) == 0); /* a/b/up -> a */
    sub(p, sizeof p, d, "a/self");
    RV_CHECK(symlink(".", p) == 0);
    sub(p, sizeof p, d, "ping");
    RV_CHECK(symlink("pong", p) == 0); /* ping <-> pong: ELOOP */
    sub(p, sizeof p, d, "pong");
    RV_CHECK(symlink("ping", p) == 0);
    rv_walk_params f = rv_walk_default_params();
    f.follow = 1;
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, &f), RV_OK);
    RV_CHECK_STR(s.files, "a/b/f.c");
    RV_CHECK(has_skip(&s, "a/b/up:loop"));
    RV_CHECK(has_skip(&s, "a/self:loop"));
    RV_CHECK(has_skip(&s, "ping:broken-link"));
    RV_CHECK(has_skip(&s, "pong:broken-link"));
}

RV_TEST(walk_fifo_socket_never_opened) {
    const char *d = fresh();
    char p[512];
    put(d, "a.c", "x");
    sub(p, sizeof p, d, "pipe");
    RV_CHECK(mkfifo(p, 0644) == 0);
    /* A FIFO where an ignore file should be must not hang the walk either. */
    make_repo(d);
    sub(p, sizeof p, d, ".gitignore");
    RV_CHECK(mkfifo(p, 0644) == 0);
    sub(p, sizeof p, d, "sub");
    mkdir(p, 0755);
    sub(p, sizeof p, d, "sub/.ignore");
    RV_CHECK(mkfifo(p, 0644) == 0);
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "a.c");
    RV_CHECK(has_skip(&s, "pipe:special"));
    /* A FIFO as the root: reported, not opened. */
    sub(p, sizeof p, d, "pipe");
    RV_CHECK_EQ_INT(walk(&s, p, NULL), RV_OK);
    RV_CHECK_STR(s.files, "");
    RV_CHECK(strstr(s.skips, ":special") != NULL);
    /* /dev/null is a device. */
    RV_CHECK_EQ_INT(walk(&s, "/dev/null", NULL), RV_OK);
    RV_CHECK_STR(s.files, "");
}

RV_TEST(walk_unreadable_entries) {
    const char *d = fresh();
    char p[512], q[512];
    put(d, "a.c", "x");
    put(d, "secret.c", "s");
    put(d, "locked/in.c", "i");
    sub(p, sizeof p, d, "secret.c");
    sub(q, sizeof q, d, "locked");
    RV_CHECK(chmod(p, 0) == 0);
    RV_CHECK(chmod(q, 0) == 0);
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    if (geteuid() == 0) {
        /* Root reads anything: each entry is yielded, none reported. */
        RV_CHECK_STR(s.files, "a.c,locked/in.c,secret.c");
        RV_CHECK_STR(s.skips, "");
    } else {
        RV_CHECK_STR(s.files, "a.c");
        RV_CHECK(has_skip(&s, "secret.c:unreadable"));
        RV_CHECK(has_skip(&s, "locked:unreadable"));
    }
    chmod(q, 0755);
    chmod(p, 0644);
}

/* Deletes "b.c" when "a.c" is seen: the listing was taken before. */
static int delete_next(seen *s, const rv_walk_entry *e) {
    (void)s;
    if (strcmp(e->rel, "a.c") == 0) {
        char p[4200];
        snprintf(p, sizeof p, "%.*s/b.c", (int)(strlen(e->path) - 4), e->path);
        unlink(p);
        snprintf(p, sizeof p, "%.*s/c", (int)(strlen(e->path) - 4), e->path);
        rm_rf(p);
    }
    return 0;
}

RV_TEST(walk_vanishing_entries_and_stop) {
    const char *d = fresh();
    put(d, "a.c", "a");
    put(d, "b.c", "b");
    put(d, "c/d.c", "d");
    put(d, "e.c", "e");
    seen s;
    memset(&s, 0, sizeof s);
    s.on_file_hook = delete_next;
    RV_CHECK_EQ_INT(walk_ex(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "a.c,e.c");
    RV_CHECK(has_skip(&s, "b.c:vanished"));
    RV_CHECK(has_skip(&s, "c:vanished"));

    /* A nonzero return stops the walk with RV_ERR_CANCELLED. */
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    RV_CHECK_EQ_INT(walk_ex(&s, d, NULL), RV_ERR_CANCELLED);
    RV_CHECK_STR(s.files, "a.c");
}

RV_TEST(walk_500_nested_directories) {
    const char *d = fresh();
    char *path = malloc(8192);
    size_t n = (size_t)snprintf(path, 8192, "%s", d);
    for (int i = 0; i < 500; i++)
        n += (size_t)snprintf(path + n, 8192 - n, "/d");
    mkdirs(path);
    snprintf(path + n, 8192 - n, "/leaf.c");
    FILE *f = fopen(path, "w");
    RV_CHECK(f != NULL);
    if (f) {
        fputs("x", f);
        fclose(f);
    }
    grab g;
    memset(&g, 0, sizeof g);
    RV_CHECK_EQ_INT(rv_walk(d, NULL, grab_cb, NULL, &g), RV_OK);
    RV_CHECK_EQ_INT(g.n, 1);
    RV_CHECK(strlen(g.path) == n + 7);
    free(path);
}

RV_TEST(walk_type_filters) {
    const char *d = fresh();
    put(d, "a.c", "");
    put(d, "a.h", "");
    put(d, "b.rs", "");
    put(d, "c.py", "");
    put(d, "d.md", "");
    put(d, "Makefile", "");
    put(d, "sub/e.rs", "");
    put(d, "x.txt", "");
    rv_walk_params p = rv_walk_default_params();
    const char *t1[] = {"rust"};
    p.types = t1;
    p.n_types = 1;
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "b.rs,sub/e.rs");
    const char *t2[] = {"c", "python", "make"};
    p.types = t2;
    p.n_types = 3;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "Makefile,a.c,a.h,c.py");
    const char *t3[] = {"md"};
    p.types = NULL;
    p.n_types = 0;
    p.types_not = t3;
    p.n_types_not = 1;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "Makefile,a.c,a.h,b.rs,c.py,sub/e.rs,x.txt");
    const char *bad[] = {"klingon"};
    p.types_not = bad;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_ERR_INVALID_ARG);
    RV_CHECK(strstr(rv_error_last(), "klingon") != NULL);
    size_t nt = 0;
    const rv_walk_type *tt = rv_walk_types(&nt);
    RV_CHECK(nt > 30);
    for (size_t i = 1; i < nt; i++)
        RV_CHECK(strcmp(tt[i - 1].name, tt[i].name) < 0);
    const char *need[] = {"c",    "cpp",  "rust",     "go",   "py",   "python", "js",    "ts",
                          "java", "ruby", "sh",       "cs",   "php",  "kotlin", "swift", "scala",
                          "lua",  "md",   "markdown", "json", "yaml", "toml"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        RV_CHECK_MSG(rv_walk_type_find(need[i]) != NULL, "type %s", need[i]);
}

RV_TEST(walk_glob_filters) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".gitignore", "*.log\n");
    put(d, "a.c", "");
    put(d, "b.h", "");
    put(d, "src/c.c", "");
    put(d, "src/deep/d.c", "");
    put(d, "vendor/v.c", "");
    put(d, "x.log", "");
    put(d, ".hidden.c", "");
    rv_walk_params p = rv_walk_default_params();
    seen s;
    const char *g1[] = {"*.c"};
    p.globs = g1;
    p.n_globs = 1;
    /* A glob match overrides ignore files and the hidden rule (ripgrep). */
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, ".hidden.c,a.c,src/c.c,src/deep/d.c,vendor/v.c");
    const char *g2[] = {"!vendor", "!*.h"};
    p.globs = g2;
    p.n_globs = 2;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "a.c,src/c.c,src/deep/d.c");
    const char *g3[] = {"src/*.c"}; /* has a '/': anchored to the root */
    p.globs = g3;
    p.n_globs = 1;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "src/c.c");
    const char *g4[] = {"src/**", "!*.h", "*.log"};
    p.globs = g4;
    p.n_globs = 3;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "src/c.c,src/deep/d.c,x.log");
    const char *g5[] = {"*.c", "!src/deep/*"}; /* last match wins */
    p.globs = g5;
    p.n_globs = 2;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, ".hidden.c,a.c,src/c.c,vendor/v.c");
}

RV_TEST(walk_single_file_and_missing_root) {
    const char *d = fresh();
    put(d, "sub/one.c", "x");
    put_bytes(d, "bin", "\0", 1);
    put(d, ".hidden.c", "x");
    char p[512];
    sub(p, sizeof p, d, "sub/one.c");
    grab g;
    memset(&g, 0, sizeof g);
    RV_CHECK_EQ_INT(rv_walk(p, NULL, grab_cb, NULL, &g), RV_OK);
    RV_CHECK_EQ_INT(g.n, 1);
    RV_CHECK_STR(g.path, p);
    RV_CHECK_STR(g.rel, "one.c");
    seen s;
    sub(p, sizeof p, d, ".hidden.c"); /* named explicitly: not filtered */
    RV_CHECK_EQ_INT(walk(&s, p, NULL), RV_OK);
    RV_CHECK_STR(s.files, ".hidden.c");
    sub(p, sizeof p, d, "bin");
    RV_CHECK_EQ_INT(walk(&s, p, NULL), RV_OK);
    RV_CHECK_STR(s.files, "");
    RV_CHECK(strstr(s.skips, "binary") != NULL);

    sub(p, sizeof p, d, "no/such/dir");
    RV_CHECK_EQ_INT(walk(&s, p, NULL), RV_ERR_NOT_FOUND);
    RV_CHECK(strstr(rv_error_last(), p) != NULL);
    RV_CHECK_EQ_INT(walk(&s, "", NULL), RV_ERR_INVALID_ARG);
    RV_CHECK_EQ_INT(rv_walk(d, NULL, NULL, NULL, NULL), RV_ERR_INVALID_ARG);
}

RV_TEST(walk_glob_match_api) {
    RV_CHECK(rv_glob_match("*.c", "src/a.c"));
    RV_CHECK(rv_glob_match("*.c", "./a.c"));
    RV_CHECK(!rv_glob_match("*.c", "a.cc"));
    RV_CHECK(rv_glob_match("src/*.c", "src/a.c"));
    RV_CHECK(!rv_glob_match("src/*.c", "x/src/a.c"));
    RV_CHECK(!rv_glob_match("src/*.c", "src/x/a.c"));
    RV_CHECK(rv_glob_match("/src/**/*.c", "src/x/y/a.c"));
    RV_CHECK(rv_glob_match("src/**/*.c", "src/a.c"));
    RV_CHECK(rv_glob_match("**/test_*.py", "a/b/test_x.py"));
    RV_CHECK(rv_glob_match("src/", "src/a.c"));
    RV_CHECK(rv_glob_match("src/", "x/src/b/a.c"));
    RV_CHECK(!rv_glob_match("src/", "src"));
    RV_CHECK(rv_glob_match("[a-c]?.[ch]", "dir/bx.h"));
    RV_CHECK(!rv_glob_match("[!a-c]?.[ch]", "dir/bx.h"));

    RV_CHECK(rv_wildmatch("a/**", "a/b/c"));
    RV_CHECK(!rv_wildmatch("a/*", "a/b/c"));
    RV_CHECK(rv_wildmatch("**/c", "c"));
    RV_CHECK(rv_wildmatch("a/**/c", "a/c"));
    RV_CHECK(rv_wildmatch("a/**/c", "a/x/y/c"));
    RV_CHECK(!rv_wildmatch("a**c", "a/c"));
    RV_CHECK(rv_wildmatch("a\\*", "a*"));
    RV_CHECK(!rv_wildmatch("a\\*", "ab"));
    RV_CHECK(rv_wildmatch("[[:digit:]]x", "7x"));
    RV_CHECK(!rv_wildmatch("[[:bogus:]]x", "7x"));
    RV_CHECK(!rv_wildmatch("ab[", "ab["));
    RV_CHECK(rv_wildmatch("[]]", "]"));
    RV_CHECK(rv_wildmatch("[!]]", "a"));
    RV_CHECK(!rv_wildmatch("?", "/"));
    RV_CHECK(!rv_wildmatch("[/]", "/"));
    /* Many stars cannot blow up: the matcher is linear in states. */
    RV_CHECK(!rv_wildmatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

/* Patterns longer than 64 tokens use several words of matcher state. */
RV_TEST(walk_glob_long_patterns) {
    char pat[512], txt[512];
    /* x, 70 '?', y */
    snprintf(pat, sizeof pat, "x%.70sy",
             "??????????????????????????????????????????????????"
             "????????????????????????????????????????????????");
    snprintf(txt, sizeof txt, "x%.70sy",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    RV_CHECK(rv_wildmatch(pat, txt));
    txt[35] = '/';
    RV_CHECK(!rv_wildmatch(pat, txt));
    txt[35] = 'a';
    memmove(txt + 1, txt + 2, strlen(txt + 1)); /* 69 in the middle */
    RV_CHECK(!rv_wildmatch(pat, txt));

    /* ("a*" x 40) then b */
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(pat + n, sizeof pat - n, "a*");
    snprintf(pat + n, sizeof pat - n, "b");
    n = 0;
    for (int i = 0; i < 40; i++)
        txt[n++] = 'a';
    memcpy(txt + n, "zzzb", 5);
    RV_CHECK(rv_wildmatch(pat, txt));
    memcpy(txt + n, "b", 2);
    RV_CHECK(rv_wildmatch(pat, txt));
    RV_CHECK(!rv_wildmatch(pat, txt + 1)); /* 39 a's */
    txt[20] = '/';
    RV_CHECK(!rv_wildmatch(pat, txt));

    /* q/ (a/ x 40) then a "**" + "/" group, then z */
    n = (size_t)snprintf(pat, sizeof pat, "q/");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(pat + n, sizeof pat - n, "a/");
    snprintf(pat + n, sizeof pat - n, "**/z");
    n = (size_t)snprintf(txt, sizeof txt, "q/");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(txt + n, sizeof txt - n, "a/");
    snprintf(txt + n, sizeof txt - n, "z");
    RV_CHECK(rv_wildmatch(pat, txt));
    snprintf(txt + n, sizeof txt - n, "m/n/z");
    RV_CHECK(rv_wildmatch(pat, txt));
    snprintf(txt + n - 2, sizeof txt - n + 2, "z"); /* 39 a/ */
    RV_CHECK(!rv_wildmatch(pat, txt));

    /* A group straddling the 64-bit boundary: 62 '?', then "/" + "**" + "/z". */
    snprintf(pat, sizeof pat, "%.62s/**/z",
             "??????????????????????????????????????????????????"
             "????????????????????????????????????????????????");
    snprintf(txt, sizeof txt, "%.62s/z",
             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
             "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    RV_CHECK(rv_wildmatch(pat, txt));
    snprintf(txt + 62, sizeof txt - 62, "/c/d/z");
    RV_CHECK(rv_wildmatch(pat, txt));
    snprintf(txt + 62, sizeof txt - 62, "/cz");
    RV_CHECK(!rv_wildmatch(pat, txt));
}

RV_TEST(walk_ignore_parser_lines) {
    rv_ignore *ig = NULL;
    RV_CHECK_EQ_INT(rv_ignore_create(&ig), RV_OK);
    const char buf[] = "\xEF\xBB\xBF"
                       "bom\r\n"
                       "trail   \n"
                       "esc\\ \n"
                       "\\#hash\n"
                       "\\!bang\n"
                       "#comment\n"
                       "   \n"
                       "\n"
                       "noeol";
    RV_CHECK_EQ_INT(rv_ignore_add_buffer(ig, buf, sizeof buf - 1), RV_OK);
    RV_CHECK_EQ_INT(rv_ignore_count(ig), 6);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "bom", 3, 0), RV_IGNORE_EXCLUDE);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "trail", 5, 0), RV_IGNORE_EXCLUDE);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "esc ", 4, 0), RV_IGNORE_EXCLUDE);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "esc", 3, 0), RV_IGNORE_NONE);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "#hash", 5, 0), RV_IGNORE_EXCLUDE);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "!bang", 5, 0), RV_IGNORE_EXCLUDE);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "#comment", 8, 0), RV_IGNORE_NONE);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "noeol", 5, 0), RV_IGNORE_EXCLUDE);
    RV_CHECK_EQ_INT(rv_ignore_match(ig, "x/noeol", 7, 0), RV_IGNORE_EXCLUDE);
    rv_ignore_free(ig);
    rv_ignore_free(NULL);
}

/* ---- the `known` hook ---- */

/* What a caller "holds": rels with the stat it saw; or (all) every file
 * with its current lstat, as if nothing had changed since. */
typedef struct holds {
    char rel[8][64];
    struct stat sb[8];
    int n, all;
    const char *dir;  /* for all */
    char asked[4096]; /* rels the hook was asked about, in walk order */
} holds;

static void hold(holds *h, const char *dir, const char *rel) {
    char p[512];
    sub(p, sizeof p, dir, rel);
    snprintf(h->rel[h->n], sizeof h->rel[h->n], "%s", rel);
    if (stat(p, &h->sb[h->n]) == 0) h->n++;
}

static void fill_held(rv_walk_held *held, const struct stat *sb) {
    held->size = (uint64_t)sb->st_size;
    held->mtime_sec = sb->st_mtim.tv_sec;
    held->mtime_nsec = (int32_t)sb->st_mtim.tv_nsec;
    held->ino = (uint64_t)sb->st_ino;
}

static int known_cb(void *u, const char *rel, rv_walk_held *held) {
    holds *h = u;
    append(h->asked, sizeof h->asked, rel);
    if (h->all) {
        char p[1024];
        struct stat sb;
        sub(p, sizeof p, h->dir, rel);
        if (lstat(p, &sb) != 0) return 0;
        fill_held(held, &sb);
        return 1;
    }
    for (int i = 0; i < h->n; i++) {
        if (strcmp(h->rel[i], rel) == 0) {
            fill_held(held, &h->sb[i]);
            return 1;
        }
    }
    return 0;
}

/* Rewrites dir/rel in place with n bytes (its size) and puts its mtime back:
 * the same stat (inode, size, mtime) for new bytes. */
static int swap_keep_stat(const char *dir, const char *rel, const void *data, size_t n) {
    char p[512];
    struct stat before, after;
    sub(p, sizeof p, dir, rel);
    if (stat(p, &before) != 0 || (size_t)before.st_size != n) return -1;
    put_bytes(dir, rel, data, n);
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    if (utimensat(AT_FDCWD, p, ts, 0) != 0 || stat(p, &after) != 0) return -1;
    return after.st_ino == before.st_ino && after.st_size == before.st_size &&
                   after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
                   after.st_mtim.tv_nsec == before.st_mtim.tv_nsec
               ? 0
               : -1;
}

RV_TEST(walk_known_file_is_not_opened) {
    const char *d = fresh();
    put(d, "a.c", "int a = 1;\n");
    put(d, "b.c", "int b = 2;\n");
    put(d, "c.c", "int c = 3;\n");
    put(d, "d.c", "int d = 4;\n");
    holds h;
    memset(&h, 0, sizeof h);
    hold(&h, d, "a.c");
    hold(&h, d, "b.c");
    hold(&h, d, "d.c");
    RV_CHECK_EQ_INT(h.n, 3);
    put(d, "b.c", "int b = 22;\n"); /* held with a stale stat: its size changed */
    /* d.c: replaced by a binary file (new inode) with its size and mtime. */
    char pd[512], pt[600];
    sub(pd, sizeof pd, d, "d.c");
    snprintf(pt, sizeof pt, "%s.new", pd);
    put_bytes(d, "d.c.new", "int\0d = 4;\n", 11);
    struct timespec ts[2] = {h.sb[2].st_atim, h.sb[2].st_mtim};
    RV_CHECK(utimensat(AT_FDCWD, pt, ts, 0) == 0 && rename(pt, pd) == 0);
    /* a.c (held) and c.c (not held) turn binary, keeping their stat. Only an
     * open and read could tell: a.c must be delivered unread, c.c sniffed. */
    RV_CHECK(swap_keep_stat(d, "a.c", "int\0a = 1;\n", 11) == 0);
    RV_CHECK(swap_keep_stat(d, "c.c", "int\0c = 3;\n", 11) == 0);
    char pa[512];
    sub(pa, sizeof pa, d, "a.c");
    int unreadable = geteuid() != 0 && chmod(pa, 0) == 0; /* root reads anyway */
    rv_walk_params p = rv_walk_default_params();
    p.known = known_cb;
    p.known_user = &h;
    seen s;
    RV_CHECK_EQ_INT(walk(&s, d, &p), RV_OK);
    RV_CHECK_STR(s.files, "a.c,b.c");
    RV_CHECK(has_skip(&s, "c.c:binary"));
    RV_CHECK(has_skip(&s, "d.c:binary"));
    RV_CHECK(!has_skip(&s, "a.c:binary") && !has_skip(&s, "a.c:unreadable"));
    RV_CHECK_STR(h.asked, "a.c,b.c,c.c,d.c");
    if (unreadable) chmod(pa, 0644);
    /* Without the hook a.c is sniffed like any file. */
    RV_CHECK_EQ_INT(walk(&s, d, NULL), RV_OK);
    RV_CHECK_STR(s.files, "b.c");
    RV_CHECK(has_skip(&s, "a.c:binary"));
    /* The entry of a known file carries its stat, as on the usual path. */
    const char *only_a[] = {"a.c"};
    p.globs = only_a;
    p.n_globs = 1;
    grab g;
    memset(&g, 0, sizeof g);
    RV_CHECK_EQ_INT(rv_walk(d, &p, grab_cb, NULL, &g), RV_OK);
    RV_CHECK_EQ_INT(g.n, 1);
    RV_CHECK_STR(g.rel, "a.c");
    RV_CHECK_STR(g.path, pa);
    RV_CHECK_EQ_INT(g.e.size, 11);
    RV_CHECK_EQ_INT(g.e.mtime_sec, h.sb[0].st_mtim.tv_sec);
    RV_CHECK_EQ_INT(g.e.mtime_nsec, h.sb[0].st_mtim.tv_nsec);
    RV_CHECK_EQ_INT(g.e.dev, h.sb[0].st_dev);
    RV_CHECK_EQ_INT(g.e.ino, h.sb[0].st_ino);
    /* on_file returning nonzero for a known file stops the walk. */
    p.globs = NULL;
    p.n_globs = 0;
    memset(&s, 0, sizeof s);
    s.stop_after = 1;
    RV_CHECK_EQ_INT(walk_ex(&s, d, &p), RV_ERR_CANCELLED);
    RV_CHECK_STR(s.files, "a.c");
}

RV_TEST(walk_known_files_keep_every_rule) {
    const char *d = fresh();
    make_repo(d);
    put(d, ".gitignore", "ignored.c\nbuild/\n");
    put(d, "a.c", "a");
    put(d, "ignored.c", "i");
    put(d, "build/x.c", "x");
    put(d, ".hidden.c", "h");
    put(d, "Cargo.lock", "l");
    put(d, "big.c", "0123456789012345678901234567890123456789012345678901234567890123456789");
    put(d, "src/m.rs", "fn m() {}");
    put(d, "src/n.py", "n = 1");
    put(d, "doc.md", "# doc");
    const char *t_c[] = {"c"}, *t_py[] = {"py"}, *g_not_rs[] = {"!*.rs"}, *g_src[] = {"src/**"},
               *g_ign[] = {"ignored.c", "*.rs"};
    rv_walk_params v[8];
    for (int i = 0; i < 8; i++)
        v[i] = rv_walk_default_params();
    v[1].types = t_c, v[1].n_types = 1;
    v[2].types_not = t_py, v[2].n_types_not = 1;
    v[3].globs = g_not_rs, v[3].n_globs = 1;
    v[4].globs = g_src, v[4].n_globs = 1;
    v[5].globs = g_ign, v[5].n_globs = 2; /* a glob re-includes an ignored file */
    v[6].hidden = 1;
    v[7].max_filesize = 50;
    for (int i = 0; i < 8; i++) {
        seen plain, fast;
        holds h;
        memset(&h, 0, sizeof h);
        h.all = 1;
        h.dir = d;
        RV_CHECK_EQ_INT(walk(&plain, d, &v[i]), RV_OK);
        rv_walk_params k = v[i];
        k.known = known_cb;
        k.known_user = &h;
        RV_CHECK_EQ_INT(walk(&fast, d, &k), RV_OK);
        RV_CHECK_MSG(strcmp(plain.files, fast.files) == 0, "params %d: %s vs %s", i, plain.files,
                     fast.files);
        RV_CHECK_MSG(strcmp(plain.skips, fast.skips) == 0, "params %d: %s vs %s", i, plain.skips,
                     fast.skips);
        /* Asked about exactly the files it then got (too large ones aside):
         * never a filtered one. */
        if (i != 7) RV_CHECK_STR(h.asked, fast.files);
    }
    seen s;
    holds h;
    memset(&h, 0, sizeof h);
    h.all = 1;
    h.dir = d;
    v[7].known = known_cb;
    v[7].known_user = &h;
    RV_CHECK_EQ_INT(walk(&s, d, &v[7]), RV_OK);
    RV_CHECK(has_skip(&s, "big.c:too-large"));
    RV_CHECK(has_skip(&s, "Cargo.lock:lockfile"));
    RV_CHECK_STR(h.asked, "a.c,big.c,doc.md,src/m.rs,src/n.py");
    RV_CHECK_STR(s.files, "a.c,doc.md,src/m.rs,src/n.py");
}

RV_TEST(walk_known_never_for_fifo_or_symlink) {
    const char *d = fresh();
    char p[1024], root[400];
    put(d, "tree/a.c", "a");
    mkdirs(strcat(strcpy(p, d), "/out"));
    put_bytes(d, "out/bin.dat", "bin\0ary", 7);
    sub(root, sizeof root, d, "tree");
    sub(p, sizeof p, root, "l.c");
    RV_CHECK(symlink("../out/bin.dat", p) == 0); /* a link to a binary file */
    sub(p, sizeof p, root, "t.c");
    RV_CHECK(symlink("a.c", p) == 0); /* a link to a text file */
    sub(p, sizeof p, root, "pipe");
    RV_CHECK(mkfifo(p, 0644) == 0);
    holds h;
    memset(&h, 0, sizeof h);
    h.all = 1;
    h.dir = root;
    rv_walk_params k = rv_walk_default_params();
    k.known = known_cb;
    k.known_user = &h;
    seen s;
    RV_CHECK_EQ_INT(walk(&s, root, &k), RV_OK);
    RV_CHECK_STR(s.files, "a.c");
    RV_CHECK(has_skip(&s, "l.c:symlink") && has_skip(&s, "t.c:symlink"));
    RV_CHECK(has_skip(&s, "pipe:special"));
    RV_CHECK_STR(h.asked, "a.c");
    /* Followed links take the usual path: the binary target is sniffed. */
    memset(&h, 0, sizeof h);
    h.all = 1;
    h.dir = root;
    k.follow = 1;
    RV_CHECK_EQ_INT(walk(&s, root, &k), RV_OK);
    RV_CHECK_STR(s.files, "a.c,t.c");
    RV_CHECK(has_skip(&s, "l.c:binary"));
    RV_CHECK(has_skip(&s, "pipe:special"));
    RV_CHECK_STR(h.asked, "a.c");
    /* A file root takes the usual path too. */
    memset(&h, 0, sizeof h);
    h.all = 1;
    h.dir = d;
    sub(p, sizeof p, d, "out/bin.dat");
    RV_CHECK_EQ_INT(walk(&s, p, &k), RV_OK);
    RV_CHECK_STR(s.files, "");
    RV_CHECK_STR(h.asked, "");
}

int main(void) {
    snprintf(g_base, sizeof g_base, "/tmp/rv-walk-XXXXXX");
    if (!mkdtemp(g_base)) {
        perror("mkdtemp");
        return 1;
    }
    /* No user config may leak into the expectations. */
    setenv("HOME", g_base, 1);
    setenv("XDG_CONFIG_HOME", g_base, 1);
    RV_RUN(walk_sorted_depth_first_with_paths);
    RV_RUN(walk_entry_stat_fields);
    RV_RUN(walk_gitignore_nested_negation_anchoring);
    RV_RUN(walk_double_star_patterns);
    RV_RUN(walk_dir_only_and_reinclude_under_excluded_parent);
    RV_RUN(walk_gitignore_needs_repo_ignore_does_not);
    RV_RUN(walk_dot_ignore_beats_gitignore);
    RV_RUN(walk_info_exclude_and_worktree_gitdir);
    RV_RUN(walk_global_excludes);
    RV_RUN(walk_parent_ignore_files_and_nested_repo);
    RV_RUN(walk_repo_len_marks_nested_repositories);
    RV_RUN(walk_hidden_files);
    RV_RUN(walk_no_ignore);
    RV_RUN(walk_binary_large_and_lock_files);
    RV_RUN(walk_symlinks);
    RV_RUN(walk_symlink_loop_terminates);
    RV_RUN(walk_fifo_socket_never_opened);
    RV_RUN(walk_unreadable_entries);
    RV_RUN(walk_vanishing_entries_and_stop);
    RV_RUN(walk_500_nested_directories);
    RV_RUN(walk_type_filters);
    RV_RUN(walk_glob_filters);
    RV_RUN(walk_single_file_and_missing_root);
    RV_RUN(walk_glob_match_api);
    RV_RUN(walk_glob_long_patterns);
    RV_RUN(walk_ignore_parser_lines);
    RV_RUN(walk_known_file_is_not_opened);
    RV_RUN(walk_known_files_keep_every_rule);
    RV_RUN(walk_known_never_for_fifo_or_symlink);
    rm_rf(g_base);
    return rv_test_summary();
}
