/* Git layout helpers: info/exclude location, global excludes file. */
#include "walk/gitcfg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

rv_status rv_gitcfg_read_file(char **out, size_t *out_len, const char *path, size_t max) {
    rv_status st = RV_OK;
    char *buf = NULL;
    size_t len = 0, cap;
    struct stat sb;
    int fd;
    *out = NULL;
    if (out_len) *out_len = 0;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return rv_error_set(RV_ERR_NOT_FOUND, "%s: not found", path);
        return rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
    }
    if (fstat(fd, &sb) != 0) {
        st = rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "%s: not a regular file", path);
        goto done;
    }
    if ((uint64_t)sb.st_size > max) {
        st = rv_error_set(RV_ERR_FORMAT, "%s: larger than %zu bytes", path, max);
        goto done;
    }
    /* Read to EOF rather than trusting st_size: the file may be changing. */
    cap = (size_t)sb.st_size + 1;
    if (!(buf = malloc(cap))) {
        st = rv_error_set(RV_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > max) {
                st = rv_error_set(RV_ERR_FORMAT, "%s: larger than %zu bytes", path, max);
                goto done;
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                st = rv_error_set(RV_ERR_NOMEM, "%s: out of memory", path);
                goto done;
            }
            buf = grown;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + len, cap - 1 - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            st = rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
            goto done;
        }
        if (got == 0) break;
        len += (size_t)got;
    }
    buf[len] = '\0';
done:
    close(fd);
    if (st != RV_OK) {
        free(buf);
        buf = NULL;
        len = 0;
    }
    *out = buf;
    if (out_len) *out_len = len;
    return st;
}

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *cat3(const char *a, const char *b, const char *c) {
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *d = malloc(la + lb + lc + 1);
    if (!d) return NULL;
    memcpy(d, a, la);
    memcpy(d + la, b, lb);
    memcpy(d + la + lb, c, lc + 1);
    return d;
}

/* Parses one config value (after '='): quotes, escapes, comments, trailing
 * blanks, as git does. Returns malloc'd text or NULL. */
static char *parse_value(const char *s, const char *end) {
    char *v = malloc((size_t)(end - s) + 1);
    size_t n = 0, keep = 0;
    int quoted = 0;
    if (!v) return NULL;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    for (; s < end; s++) {
        char c = *s;
        if (!quoted && (c == '#' || c == ';')) break;
        if (c == '"') {
            quoted = !quoted;
            keep = n;
            continue;
        }
        if (c == '\\' && s + 1 < end) {
            c = *++s;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c == 'b')
                c = '\b';
            v[n++] = c;
            keep = n;
            continue;
        }
        v[n++] = c;
        if (quoted || (c != ' ' && c != '\t')) keep = n;
    }
    v[keep] = '\0';
    return v;
}

/* core.excludesFile from one config file (last one wins), or NULL. */
static char *config_excludes(const char *path) {
    char *text = NULL, *found = NULL;
    size_t len = 0;
    int in_core = 0;
    if (!path || rv_gitcfg_read_file(&text, &len, path, 1u << 20) != RV_OK) return NULL;
    for (const char *line = text; line < text + len;) {
        const char *eol = memchr(line, '\n', (size_t)(text + len - line));
        if (!eol) eol = text + len;
        const char *s = line;
        line = eol + 1;
        while (s < eol && isspace((unsigned char)*s))
            s++;
        if (s < eol && *s == '[') {
            const char *close = memchr(s, ']', (size_t)(eol - s));
            if (!close) continue;
            in_core = (close - s - 1 == 4) && strncasecmp(s + 1, "core", 4) == 0;
            s = close + 1; /* "[core] key = v" on one line is allowed */
            while (s < eol && isspace((unsigned char)*s))
                s++;
        }
        if (!in_core || s >= eol) continue;
        const char *k = s;
        while (s < eol && (isalnum((unsigned char)*s) || *s == '-'))
            s++;
        size_t klen = (size_t)(s - k);
        while (s < eol && (*s == ' ' || *s == '\t'))
            s++;
        if (klen != 12 || strncasecmp(k, "excludesfile", 12) != 0 || s >= eol || *s != '=')
            continue;
        char *v = parse_value(s + 1, eol);
        if (v && v[0]) {
            free(found);
            found = v;
        } else {
            free(v);
        }
    }
    free(text);
    return found;
}

static char *expand_tilde(char *p, const char *home) {
    if (!p || p[0] != '~' || (p[1] != '/' && p[1] != '\0') || !home) return p;
    char *x = cat3(home, "", p + 1);
    free(p);
    return x;
}

char *rv_gitcfg_global_excludes(const char *home, const char *xdg) {
    char *xdg_dir = NULL, *path = NULL, *v = NULL;
    if (home && !home[0]) home = NULL;
    if (xdg && xdg[0])
        xdg_dir = cat3(xdg, "/git", "");
    else if (home)
        xdg_dir = cat3(home, "/.config/git", "");
    if (home) {
        path = cat3(home, "/.gitconfig", "");
        v = config_excludes(path);
        free(path);
    }
    if (!v && xdg_dir) {
        path = cat3(xdg_dir, "/config", "");
        v = config_excludes(path);
        free(path);
    }
    if (v) {
        v = expand_tilde(v, home);
    } else if (xdg_dir) {
        v = cat3(xdg_dir, "/ignore", "");
    }
    free(xdg_dir);
    return v;
}

/* Reads a one-line pointer file ("gitdir: X" / commondir) and resolves X
 * against `base` when relative. */
static char *resolve_pointer(const char *file, const char *prefix, const char *base) {
    char *text = NULL, *out = NULL;
    size_t len = 0, plen = strlen(prefix);
    if (rv_gitcfg_read_file(&text, &len, file, 1u << 16) != RV_OK) return NULL;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        text[--len] = '\0';
    if (len < plen || strncmp(text, prefix, plen) != 0 || len == plen) goto done;
    const char *target = text + plen;
    out = target[0] == '/' ? dup_n(target, strlen(target)) : cat3(base, "/", target);
done:
    free(text);
    return out;
}

char *rv_gitcfg_info_exclude(const char *dotgit) {
    struct stat sb;
    char *gitdir = NULL, *common = NULL, *tmp, *out = NULL;
    if (!dotgit || stat(dotgit, &sb) != 0) return NULL;
    if (S_ISDIR(sb.st_mode)) {
        gitdir = dup_n(dotgit, strlen(dotgit));
    } else if (S_ISREG(sb.st_mode)) {
        /* The directory holding the .git file: relative gitdirs start there. */
        const char *slash = strrchr(dotgit, '/');
        char *base = slash ? dup_n(dotgit, (size_t)(slash - dotgit)) : dup_n(".", 1);
        if (base) gitdir = resolve_pointer(dotgit, "gitdir: ", base);
        free(base);
    }
    if (!gitdir) return NULL;
    /* Linked worktrees keep info/ in the common directory. */
    tmp = cat3(gitdir, "/commondir", "");
    if (tmp) common = resolve_pointer(tmp, "", gitdir);
    free(tmp);
    out = cat3(common ? common : gitdir, "/info/exclude", "");
    free(common);
    free(gitdir);
    return out;
}
