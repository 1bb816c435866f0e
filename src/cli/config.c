/* The config file of defaults (see rv_opt_read_config in opt.h). The front
 * end is the one place that reads the environment. */
#include "cli/cli.h"
#include "cli/opt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The config file's path (malloc'd), or NULL when there is none to read. */
static char *config_path(void) {
    const char *env = getenv("RIPVEC_CONFIG_PATH");
    if (env) return *env ? strdup(env) : NULL;
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    const char *base = xdg && xdg[0] == '/' ? xdg : home && *home ? home : NULL;
    if (!base) return NULL;
    const char *rest = base == xdg ? "/ripvec/config" : "/.config/ripvec/config";
    char *p = malloc(strlen(base) + strlen(rest) + 1);
    if (p) strcat(strcpy(p, base), rest);
    return p;
}

/* Splits the text into argument lines in place: *args point into text. */
static int split_lines(rv_opts *o, char *text) {
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    if (!(o->config_args = calloc(n, sizeof *o->config_args))) return 0;
    for (char *line = text; line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len && line[0] != '#') o->config_args[o->n_config_args++] = line;
        line = nl ? nl + 1 : NULL;
    }
    return 1;
}

static int read_file(rv_opts *o) {
    FILE *f = fopen(o->config_path, "rb");
    if (!f) {
        if (errno == ENOENT) {
            free(o->config_path);
            o->config_path = NULL;
            return RV_EXIT_OK;
        }
        return rv_cli_fail("%s: %s", o->config_path, strerror(errno));
    }
    size_t cap = 0, len = 0;
    FILE *m = open_memstream(&o->config_text, &cap);
    char buf[4096];
    size_t n;
    while (m && (n = fread(buf, 1, sizeof buf, f)) > 0)
        len += fwrite(buf, 1, n, m);
    int bad = ferror(f);
    fclose(f);
    if (!m || fclose(m) != 0 || bad)
        return rv_cli_fail("%s: cannot read the config file", o->config_path);
    if (memchr(o->config_text, '\0', len))
        return rv_cli_fail("%s: not a text file", o->config_path);
    return split_lines(o, o->config_text) ? RV_EXIT_OK : rv_cli_fail("out of memory");
}

int rv_opt_read_config(rv_opts *o, unsigned cmd, int argc, char **argv, int *out_argc,
                       char ***out_argv) {
    *out_argc = 0;
    *out_argv = NULL;
    o->config_path = config_path();
    int rc = o->config_path ? read_file(o) : RV_EXIT_OK;
    if (rc != RV_EXIT_OK) return rc;
    char **nv = calloc((size_t)argc + o->n_config_args + 1, sizeof *nv);
    if (!nv) return rv_cli_fail("out of memory");
    int n = 0;
    nv[n++] = argv[0];
    /* Only options this command takes: a config made for searches must not
     * break `ripvec index`. */
    for (size_t i = 0; i < o->n_config_args; i++) {
        char *a = o->config_args[i];
        if (a[0] != '-') {
            free(nv);
            return rv_cli_fail("%s: '%s' is not an option (one option or value per line)",
                               o->config_path, a);
        }
        int value_next = rv_opt_takes_next(a) && i + 1 < o->n_config_args;
        if (rv_opt_find(a, cmd)) {
            nv[n++] = a;
            if (value_next) nv[n++] = o->config_args[i + 1];
        }
        i += value_next;
    }
    for (int i = 1; i < argc; i++)
        nv[n++] = argv[i];
    *out_argc = n;
    *out_argv = nv;
    return RV_EXIT_OK;
}
