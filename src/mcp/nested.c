/* Nested roots for the MCP engine (see engine.h): the subdirectory a server
 * serves inside the tree whose index it uses, and the path glob that narrows
 * that tree's searches to it. */
#include "mcp/engine.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

rv_status rv_mcp_sub_of(char **sub, const char *root, const char *index_root) {
    *sub = NULL;
    char *r = realpath(root, NULL), *ir = realpath(index_root, NULL);
    rv_status st = RV_OK;
    size_t n = ir ? strlen(ir) : 0;
    if (!r || !ir) {
        st = rv_error_set(RV_ERR_IO, "mcp: cannot resolve %s or %s", root, index_root);
    } else if (strncmp(r, ir, n) != 0 || (n > 1 && r[n] != '/') || !r[n]) {
        st = rv_error_set(RV_ERR_INVALID_ARG, "mcp: %s is not below %s", root, index_root);
    } else if (!(*sub = strdup(r + n + (n > 1))) || !**sub) {
        free(*sub);
        *sub = NULL;
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    free(r);
    free(ir);
    return st;
}

/* Appends s with the glob's special characters escaped. */
static char *put_escaped(char *o, const char *s) {
    for (; *s; s++) {
        if (strchr("*?[]\\", *s)) *o++ = '\\';
        *o++ = *s;
    }
    return o;
}

/* The glob, relative to the tree, of what `user` (relative to sub, NULL for
 * everything) matches under sub, with rv_glob_match's rules: a pattern
 * without '/' matches a base name at any depth below sub ("sub/x" + "**" +
 * "/" + user), one with '/' the path below sub. */
rv_status rv_mcp_sub_glob(char **out, const char *sub, const char *user) {
    size_t n = 2 * strlen(sub) + (user ? strlen(user) : 0) + 8;
    char *g = malloc(n), *o = g;
    if (!g) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    o = put_escaped(o, sub);
    if (!user || !*user) {
        memcpy(o, "/**", 4);
    } else {
        size_t ul = strlen(user);
        int base = memchr(user, '/', ul - (user[ul - 1] == '/')) == NULL;
        while (*user == '/' && !base)
            user++;
        memcpy(o, base ? "/**/" : "/", base ? 5 : 2);
        strcat(o, user);
    }
    *out = g;
    return RV_OK;
}
