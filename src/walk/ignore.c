/* Gitignore-format pattern lists (see walk/ignore.h). */
#include "walk/ignore.h"
#include "walk/gitcfg.h"
#include "walk/glob.h"

#include <stdlib.h>
#include <string.h>

enum {
    PAT_NEGATE = 1,  /* leading '!' */
    PAT_DIRONLY = 2, /* trailing '/' */
    PAT_BASENAME = 4 /* no '/' elsewhere: match the last path component */
};

/* Ignore files larger than this are refused rather than slurped. */
#define RV_IGNORE_MAX_BYTES (64u << 20)

typedef struct pattern {
    rv_glob *glob;
    unsigned flags;
} pattern;

struct rv_ignore {
    pattern *pats;
    size_t n, cap;
};

rv_status rv_ignore_create(rv_ignore **out) {
    if (!out) return rv_error_set(RV_ERR_INVALID_ARG, "ignore: null argument");
    *out = calloc(1, sizeof **out);
    return *out ? RV_OK : rv_error_set(RV_ERR_NOMEM, "ignore: out of memory");
}

void rv_ignore_free(rv_ignore *ig) {
    if (!ig) return;
    for (size_t i = 0; i < ig->n; i++)
        rv_glob_free(ig->pats[i].glob);
    free(ig->pats);
    free(ig);
}

size_t rv_ignore_count(const rv_ignore *ig) {
    return ig ? ig->n : 0;
}

/* Git's rule: trailing spaces go unless escaped with a backslash; tabs stay. */
static size_t trim_trailing_spaces(const char *s, size_t len) {
    size_t keep = len;
    int in_spaces = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') {
            if (!in_spaces) keep = i;
            in_spaces = 1;
        } else if (s[i] == '\\') {
            if (++i >= len) return len; /* a final lone backslash: leave all */
            in_spaces = 0;
        } else {
            in_spaces = 0;
        }
    }
    return in_spaces ? keep : len;
}

rv_status rv_ignore_add_line(rv_ignore *ig, const char *line, size_t len) {
    unsigned flags = 0;
    unsigned gflags = 0;
    rv_glob *g = NULL;
    rv_status st;
    if (!ig || (!line && len)) return rv_error_set(RV_ERR_INVALID_ARG, "ignore: null argument");
    if (len == 0 || line[0] == '#') return RV_OK;
    len = trim_trailing_spaces(line, len);
    if (len > 0 && line[0] == '!') {
        flags |= PAT_NEGATE;
        line++;
        len--;
    }
    if (len > 0 && line[len - 1] == '/') {
        flags |= PAT_DIRONLY;
        len--;
    }
    if (len == 0) return RV_OK;
    if (memchr(line, '/', len) == NULL) {
        flags |= PAT_BASENAME;
    } else {
        if (line[0] == '/') {
            line++;
            len--;
        }
        gflags = RV_GLOB_GIT_PREFIX;
    }
    if (ig->n == ig->cap) {
        size_t cap = ig->cap ? ig->cap * 2 : 8;
        pattern *grown = realloc(ig->pats, cap * sizeof *grown);
        if (!grown) return rv_error_set(RV_ERR_NOMEM, "ignore: out of memory");
        ig->pats = grown;
        ig->cap = cap;
    }
    st = rv_glob_compile(&g, line, len, gflags);
    if (st != RV_OK) return st;
    ig->pats[ig->n].glob = g;
    ig->pats[ig->n].flags = flags;
    ig->n++;
    return RV_OK;
}

rv_status rv_ignore_add_buffer(rv_ignore *ig, const char *buf, size_t len) {
    size_t i = 0;
    if (!ig || (!buf && len)) return rv_error_set(RV_ERR_INVALID_ARG, "ignore: null argument");
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t n = end - i;
        if (nl && n > 0 && buf[end - 1] == '\r') n--;
        rv_status st = rv_ignore_add_line(ig, buf + i, n);
        if (st != RV_OK) return st;
        i = end + 1;
    }
    return RV_OK;
}

rv_status rv_ignore_load(rv_ignore **out, const char *path) {
    rv_status st;
    rv_ignore *ig = NULL;
    char *buf = NULL;
    size_t len = 0;
    if (!out || !path) return rv_error_set(RV_ERR_INVALID_ARG, "ignore: null argument");
    *out = NULL;
    st = rv_gitcfg_read_file(&buf, &len, path, RV_IGNORE_MAX_BYTES);
    if (st == RV_ERR_NOT_FOUND) return RV_OK;
    if (st != RV_OK) return st;
    if ((st = rv_ignore_create(&ig)) != RV_OK) goto done;
    if ((st = rv_ignore_add_buffer(ig, buf, len)) != RV_OK) goto done;
    if (ig->n == 0) {
        rv_ignore_free(ig);
        ig = NULL;
    }
done:
    free(buf);
    if (st != RV_OK) {
        rv_ignore_free(ig);
        ig = NULL;
    }
    *out = ig;
    return st;
}

rv_ignore_result rv_ignore_match(const rv_ignore *ig, const char *path, size_t len, int is_dir) {
    const char *base = path;
    size_t blen = len;
    if (!ig || (!path && len)) return RV_IGNORE_NONE;
    for (size_t i = len; i > 0; i--) {
        if (path[i - 1] == '/') {
            base = path + i;
            blen = len - i;
            break;
        }
    }
    for (size_t i = ig->n; i > 0; i--) {
        const pattern *p = &ig->pats[i - 1];
        if ((p->flags & PAT_DIRONLY) && !is_dir) continue;
        int hit = (p->flags & PAT_BASENAME) ? rv_glob_exec(p->glob, base, blen)
                                            : rv_glob_exec(p->glob, path, len);
        if (hit) return (p->flags & PAT_NEGATE) ? RV_IGNORE_INCLUDE : RV_IGNORE_EXCLUDE;
    }
    return RV_IGNORE_NONE;
}
