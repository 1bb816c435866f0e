/* Nested roots (docs/INDEX.md): a directory is searched with the index of
 * the nearest directory at or above it that has one, narrowed to it, so a
 * subdirectory of an indexed tree shares that tree's index and indexer and
 * its files are never embedded twice. Home and "/" never stand in (their
 * indexes stay keyword-only: a surprise is not a request). */
#include "cli/cli.h"
#include "cli/opt.h"

#include "ripvec/embed.h"
#include "ripvec/index.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int has_index(const char *dir, const char *model_id, const rv_opts *o) {
    rv_index_params ip = rv_index_default_params();
    ip.root = dir;
    ip.cache_dir = o->cfg.cache_dir;
    char *loc = NULL;
    int found = rv_index_locate(&loc, model_id, &ip) == RV_OK && access(loc, F_OK) == 0;
    free(loc);
    return found;
}

int rv_cli_index_root(char **root, char **rel, const char *path, const char *model_dir,
                      const rv_opts *o) {
    *root = *rel = NULL;
    struct stat sb;
    char id[256];
    if (!o->cfg.use_index || o->cfg.repo_level || !model_dir || stat(path, &sb) != 0 ||
        !S_ISDIR(sb.st_mode) ||
        rv_model_id_for_dir(id, sizeof id, model_dir, o->cfg.precision) != RV_OK)
        return 0;
    char *real = realpath(path, NULL), *home = o->cfg.home ? realpath(o->cfg.home, NULL) : NULL;
    if (!real) {
        free(home);
        return 0;
    }
    if (!has_index(real, id, o)) { /* its own index, when it has one, is the nearest */
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", real);
        for (char *slash; (slash = strrchr(dir, '/')) != NULL && slash != dir;) {
            *slash = '\0';
            if (home && strcmp(dir, home) == 0) continue;
            if (has_index(dir, id, o)) {
                *root = strdup(dir);
                *rel = strdup(real + strlen(dir) + 1);
                break;
            }
        }
    }
    free(real);
    free(home);
    if (*root && *rel) return 0;
    free(*root);
    free(*rel);
    *root = *rel = NULL;
    return 0;
}
