/* The persistent index: location, locking, open/close, corpus, status (see index.h). */
#include "index/index_int.h"

#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

rv_index_params rv_index_default_params(void) {
    rv_index_params p;
    memset(&p, 0, sizeof p);
    p.batch_chunks = 256;
    return p;
}

void rv_index_note(rv_index *idx, const char *fmt, ...) {
    if (!idx->p.note) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    idx->p.note(idx->p.note_user, buf);
}

/* Keeps [A-Za-z0-9._-], maps anything else to '-', at most `max` bytes. */
static void slug(char *out, size_t max, const char *in) {
    size_t n = 0;
    for (; *in && n < max; in++) {
        unsigned char c = (unsigned char)*in;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        out[n++] = ok ? (char)c : '-';
    }
    out[n] = 0;
    if (n == 0 || out[0] == '.') out[0] = '_', out[n ? n : 1] = 0;
}

/* Locates the index for a canonical root: see index.h. */
static rv_status locate(char **out, const char *canon_root, int root_is_dir, const char *model_id,
                        const rv_index_params *p) {
    *out = NULL;
    char mslug[96], file[160];
    slug(mslug, 48, model_id);
    snprintf(file, sizeof file, "%s-%08x.sqlite", mslug,
             (unsigned)(XXH3_64bits(model_id, strlen(model_id)) & 0xffffffffu));
    if (p->repo_level) {
        if (!root_is_dir)
            return rv_error_set(RV_ERR_INVALID_ARG, "a repo-level index needs a directory root");
        char *dir = rv_path_join(canon_root, ".ripvec");
        char *r = dir ? rv_path_join(dir, file) : NULL;
        free(dir);
        if (!r) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        *out = r;
        return RV_OK;
    }
    if (!p->cache_dir || !*p->cache_dir)
        return rv_error_set(RV_ERR_INVALID_ARG, "rv_index_params.cache_dir is not set (the cache "
                                                "root, see rv_cache_root)");
    const char *base = strrchr(canon_root, '/');
    base = base && base[1] ? base + 1 : "root";
    char bslug[48], sub[128];
    slug(bslug, 32, base);
    snprintf(sub, sizeof sub, "indexes/%s-%016llx", bslug,
             (unsigned long long)XXH3_64bits(canon_root, strlen(canon_root)));
    char *dir = rv_path_join(p->cache_dir, sub);
    char *r = dir ? rv_path_join(dir, file) : NULL;
    free(dir);
    if (!r) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    *out = r;
    return RV_OK;
}

static rv_status canonical_root(char **out, int *is_dir, const char *root) {
    *out = NULL;
    if (!root || !*root) return rv_error_set(RV_ERR_INVALID_ARG, "index: no root given");
    char *canon = realpath(root, NULL);
    if (!canon) {
        if (errno == ENOENT) return rv_error_set(RV_ERR_NOT_FOUND, "%s: no such directory", root);
        return rv_error_set(RV_ERR_IO, "%s: %s", root, strerror(errno));
    }
    struct stat sb;
    *is_dir = stat(canon, &sb) == 0 && S_ISDIR(sb.st_mode);
    *out = canon;
    return RV_OK;
}

rv_status rv_index_locate(char **out, const char *model_id, const rv_index_params *p) {
    *out = NULL;
    if (!p || !model_id) return rv_error_set(RV_ERR_INVALID_ARG, "index: missing params");
    char *canon;
    int is_dir;
    rv_status st = canonical_root(&canon, &is_dir, p->root);
    if (st != RV_OK) return st;
    st = locate(out, canon, is_dir, model_id, p);
    free(canon);
    return st;
}

static void store_note(void *user, const char *msg) {
    rv_index *idx = user;
    if (idx->p.note) idx->p.note(idx->p.note_user, msg);
}

rv_status rv_index_open_store(rv_index *idx, const char *path, rv_store_mode mode) {
    rv_store_meta want = {.model_id = idx->model_id, .dim = idx->dim, .root = idx->root};
    return rv_store_open(&idx->store, path, &want, mode, store_note, idx);
}

static rv_status open_store(rv_index *idx, rv_store_mode mode) {
    return rv_index_open_store(idx, idx->db_path, mode);
}

rv_status rv_index_reset(rv_index *idx) {
    const char *path = idx->beside_path ? idx->beside_path : idx->db_path;
    rv_store_close(idx->store);
    idx->store = NULL;
    rv_status st = rv_store_remove_files(path);
    if (st == RV_OK) st = rv_index_open_store(idx, path, RV_STORE_OPEN);
    if (st == RV_OK) idx->need_rebuild = 0;
    return st;
}

/* A .gitignore in <root>/.ripvec keeps the lock, WAL and snapshot side
 * files out of commits while the index itself can be committed. */
static void write_repo_gitignore(const char *dir) {
    char *gi = rv_path_join(dir, ".gitignore");
    if (gi && access(gi, F_OK) != 0) {
        FILE *f = fopen(gi, "w");
        if (f) {
            fputs("*.lock\n*-wal\n*-shm\n*-journal\n*.corpus\n*.progress\n*.wanted\n", f);
            fclose(f);
        }
    }
    free(gi);
}

static int no_write_access(int err) {
    return err == EACCES || err == EROFS || err == EPERM;
}

/* An existing index this process may not write (the file, or the lock it
 * cannot take): opened read-only, to be searched as it is. Returns 1 when
 * it took that path (*st says how it went), 0 to open it for writing. */
static int open_readonly(rv_index *idx, rv_status *st) {
    if (access(idx->db_path, F_OK) != 0) return 0;
    int ro = access(idx->db_path, W_OK) != 0 && no_write_access(errno);
    if (!ro && idx->lock_fd < 0) {
        idx->lock_fd = open(idx->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        ro = idx->lock_fd < 0 && no_write_access(errno);
    }
    if (!ro) return 0;
    idx->readonly = 1;
    *st = open_store(idx, RV_STORE_INSPECT);
    return 1;
}

/* How long a reader waits for a writer's new file to read as an index
 * (its schema is its first commit) before it waits for the writer. */
#define PEEK_WAIT_MS 2000

/* The store of an index another process is writing, opened to read only:
 * what that process committed, or nothing yet. Only the lock holder may
 * create, repair, migrate or wipe; a reader that did would remove the
 * file under the writer (a header half written reads as damaged). */
static rv_status peek_store(rv_index *idx) {
    for (int waited = 0;; waited += 10) {
        /* not yet an index of this model and format: the writer makes it one */
        rv_status st = open_store(idx, RV_STORE_PEEK);
        if (st == RV_OK) {
            idx->peeked = 1;
            return RV_OK;
        }
        int busy = 1;
        if (waited >= PEEK_WAIT_MS) {
            if ((st = rv_index_lock(idx)) != RV_OK) return st;
            busy = 0;
        } else if ((st = rv_index_try_lock(idx, &busy)) != RV_OK) {
            return st;
        }
        if (!busy) { /* the writer is gone: open as the lock holder */
            st = open_store(idx, RV_STORE_OPEN);
            rv_index_unlock(idx);
            return st;
        }
        usleep(10000);
    }
}

rv_status rv_index_open(rv_index **out, const rv_model *model, const rv_index_params *p) {
    *out = NULL;
    if (!p) return rv_error_set(RV_ERR_INVALID_ARG, "index: no params");
    rv_status st = RV_OK;
    rv_index *idx = calloc(1, sizeof *idx);
    if (!idx) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    idx->lock_fd = -1;
    idx->p = *p;
    if (!idx->p.batch_chunks) idx->p.batch_chunks = 256;
    if (p->walk) {
        idx->walk = *p->walk;
        idx->have_walk = 1;
    }
    idx->p.walk = NULL;
    idx->p.root = idx->p.cache_dir = idx->p.model_id = NULL;
    const char *mid = model ? rv_model_id(model) : p->model_id;
    idx->dim = model ? rv_model_dim(model) : p->dim;
    if (!mid || !*mid || !idx->dim) {
        st = rv_error_set(RV_ERR_INVALID_ARG, "index: no model (id and dimension) given");
        goto done;
    }
    if (!model && !p->embed && p->mode != RV_INDEX_INSPECT) {
        st = rv_error_set(RV_ERR_INVALID_ARG, "index: no model and no embedder given");
        goto done;
    }
    int is_dir = 0;
    if ((st = canonical_root(&idx->root, &is_dir, p->root)) != RV_OK) goto done;
    if (!(idx->model_id = strdup(mid))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = locate(&idx->db_path, idx->root, is_dir, mid, p)) != RV_OK) goto done;
    size_t n = strlen(idx->db_path);
    if (!(idx->lock_path = malloc(n + 6))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(idx->lock_path, idx->db_path, n);
    memcpy(idx->lock_path + n, ".lock", 6);
    if (!(idx->snap_path = malloc(n + 8))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(idx->snap_path, idx->db_path, n);
    memcpy(idx->snap_path + n, ".corpus", 8);
    /* The index directory, relative to the root, when it lies inside it: the
     * walk must not index the index. */
    char *slash = strrchr(idx->db_path, '/');
    size_t rlen = strlen(idx->root);
    size_t dlen = (size_t)(slash - idx->db_path);
    if (dlen > rlen && strncmp(idx->db_path, idx->root, rlen) == 0 && idx->db_path[rlen] == '/') {
        idx->skip_rel = strndup(idx->db_path + rlen + 1, dlen - rlen - 1);
    } else {
        idx->skip_rel = strdup("");
    }
    if (!idx->skip_rel) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (p->mode == RV_INDEX_INSPECT) {
        st = open_store(idx, RV_STORE_INSPECT);
        goto done;
    }
    *slash = 0;
    st = rv_mkdir_p(idx->db_path, 0755);
    if (st == RV_OK && p->repo_level) write_repo_gitignore(idx->db_path);
    *slash = '/';
    if (st != RV_OK) goto done;
    if (p->mode == RV_INDEX_REBUILD) {
        st = rv_index_open_rebuild(idx);
        goto done;
    }
    if (open_readonly(idx, &st)) goto done;
    /* A reader that finds a writer at work opens what is committed. */
    int busy = 0;
    if (p->no_wait && access(idx->db_path, F_OK) == 0) {
        if ((st = rv_index_try_lock(idx, &busy)) != RV_OK) goto done;
        if (busy) {
            st = peek_store(idx);
            goto done;
        }
    } else if ((st = rv_index_lock(idx)) != RV_OK) {
        goto done;
    }
    st = open_store(idx, RV_STORE_OPEN);
    rv_index_unlock(idx);
done:
    if (st != RV_OK) {
        rv_index_close(idx);
        return st;
    }
    if (idx->lock_fd >= 0) futimens(idx->lock_fd, NULL); /* last used (rv_index_list) */
    *out = idx;
    return RV_OK;
}

void rv_index_close(rv_index *idx) {
    if (!idx) return;
    rv_index_drop_beside(idx);
    rv_store_close(idx->store);
    if (idx->lock_fd >= 0) close(idx->lock_fd);
    if (idx->have_cached) rv_corpus_free(&idx->cached);
    free(idx->root);
    free(idx->db_path);
    free(idx->lock_path);
    free(idx->snap_path);
    free(idx->skip_rel);
    free(idx->model_id);
    free(idx);
}

const char *rv_index_path(const rv_index *idx) {
    return idx ? idx->db_path : "";
}

rv_status rv_index_corpus(rv_index *idx, rv_corpus *out) {
    memset(out, 0, sizeof *out);
    if (idx->have_cached) {
        *out = idx->cached;
        memset(&idx->cached, 0, sizeof idx->cached);
        idx->have_cached = 0;
        return RV_OK;
    }
    if (!idx->store) return rv_error_set(RV_ERR_INVALID_ARG, "index: not open");
    rv_status st = rv_store_load(idx->store, &out->chunks, &out->vectors, &out->dim,
                                 idx->p.load_embed_text, &out->generation,
                                 &out->text_generation);
    if (st == RV_ERR_CORRUPT) idx->need_rebuild = 1;
    if (st != RV_OK) rv_corpus_free(out);
    return st;
}

rv_status rv_index_status(rv_index *idx, rv_index_info *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", idx->db_path);
    if (!idx->store) return rv_error_set(RV_ERR_INVALID_ARG, "index: not open");
    rv_store_info si;
    rv_status st = rv_store_info_get(idx->store, &si);
    if (st == RV_OK) {
        out->files = si.files;
        out->chunks = si.chunks - si.vectorless; /* those with a vector */
        out->chunks_stored = si.chunks;
        out->format_version = si.format_version;
        out->created = si.created;
        out->updated = si.updated;
        snprintf(out->model_id, sizeof out->model_id, "%s", si.model_id);
        snprintf(out->root, sizeof out->root, "%s", si.root);
        st = rv_store_verify(idx->store);
    }
    out->consistent = st == RV_OK;
    if (st != RV_OK) snprintf(out->problem, sizeof out->problem, "%s", rv_error_last());
    /* Inconsistency is a finding, not a failure of this call. */
    return st == RV_ERR_CORRUPT || st == RV_OK ? RV_OK : st;
}

rv_status rv_index_clear(rv_index *idx) {
    rv_status st = rv_index_lock(idx);
    if (st != RV_OK) return st;
    rv_index_drop_beside(idx);
    rv_store_close(idx->store);
    idx->store = NULL;
    /* The lock file goes too: a waiter holding it open sees it replaced
     * once it gets it, and locks the new one (index/beside.c). */
    st = rv_index_remove_all(idx->db_path);
    rv_index_unlock(idx);
    if (idx->have_cached) {
        rv_corpus_free(&idx->cached);
        idx->have_cached = 0;
    }
    return st;
}

void rv_index_chunker_sig(char *out, size_t cap, const rv_chunk_params *cp) {
    rv_chunk_params d = rv_chunk_default_params();
    if (!cp) cp = &d;
    /* "header=repo": files of nested repositories are named from their top
     * (rv_chunk_params.header_skip); older indexes re-chunk once, keeping
     * every vector whose text did not change. */
    snprintf(out, cap, "chunk v%d max_tokens=%d window=%d overlap=%d counter=%s header=repo",
             RV_CHUNK_VERSION, cp->max_tokens, cp->window_lines, cp->window_overlap,
             cp->count_tokens ? "model" : "estimate");
}
