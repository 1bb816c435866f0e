/* The SQLite file under the persistent index (see store.h). */
#include "index/store_int.h"
#include "ingest/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#define RV_STORE_APP_ID 0x52564958 /* "RVIX" in the SQLite header (offset 68) */

static const char g_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE files(id INTEGER PRIMARY KEY, rel TEXT NOT NULL UNIQUE,"
    " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ino INTEGER NOT NULL,"
    " hash BLOB NOT NULL, nchunks INTEGER NOT NULL);"
    "CREATE TABLE chunks(id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, kind TEXT NOT NULL,"
    " name TEXT NOT NULL, scope TEXT NOT NULL, language TEXT NOT NULL, content TEXT NOT NULL,"
    " embed_head TEXT NOT NULL, embed_tail INTEGER NOT NULL, text_hash BLOB NOT NULL,"
    " vector BLOB NOT NULL,"
    " sum INTEGER NOT NULL);"
    "CREATE INDEX chunks_by_file ON chunks(file_id, seq);"
    "CREATE INDEX chunks_by_text ON chunks(text_hash);"
    /* Chunks committed before their vector (an empty blob): the files the
     * embedding pass still has to do, found without reading every row. */
    "CREATE INDEX chunks_novec ON chunks(file_id) WHERE vector = x'';";

/* Format 1 -> 2: format 2 adds vector-less chunks (an empty vector blob,
 * which a format-1 reader would take for damage) and the text generation. A
 * format-1 file holds none of those, so it becomes a format-2 file as it is:
 * one index built, two meta keys; every row and vector kept. */
static const char g_migrate_1[] =
    "CREATE INDEX IF NOT EXISTS chunks_novec ON chunks(file_id) WHERE vector = x'';"
    "INSERT OR REPLACE INTO meta(key, value) SELECT 'text_generation', value FROM meta"
    " WHERE key = 'generation';"
    "UPDATE meta SET value = '2' WHERE key = 'format_version';";

/* ---- small helpers ---- */

static void note(rv_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(rv_store *s, const char *fmt, ...) {
    if (!s->note) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->note(s->note_user, buf);
}

/* SQLITE_TOOBIG on a read is a damaged record header claiming a value over
 * SQLite's length limit: we never write one (chunks are a few KiB). */
static int is_corrupt_code(int rc) {
    rc &= 0xff;
    return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_TOOBIG;
}

/* Maps an SQLite failure to an rv_status with a one-line message. */
char *rv_store_col_dup(sqlite3_stmt *q, int col) {
    const unsigned char *t = sqlite3_column_text(q, col);
    size_t n = (size_t)sqlite3_column_bytes(q, col);
    char *r = malloc(n + 1);
    if (!r) return NULL;
    if (n) memcpy(r, t, n);
    r[n] = 0;
    return r;
}

const char *rv_store_col_str(sqlite3_stmt *q, int col) {
    const unsigned char *t = sqlite3_column_text(q, col);
    return t ? (const char *)t : "";
}

rv_status rv_store_sql_fail(rv_store *s, int rc, const char *what) {
    const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    rv_status st = RV_ERR_IO;
    /* Our SQL is fixed: a plain SQLITE_ERROR ("unsupported file format", "no
     * such column", "malformed schema") means the file is not what we wrote. */
    if (is_corrupt_code(rc) || (rc & 0xff) == SQLITE_ERROR)
        st = RV_ERR_CORRUPT;
    else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
        st = RV_ERR_BUSY;
    else if ((rc & 0xff) == SQLITE_NOMEM)
        st = RV_ERR_NOMEM;
    return rv_error_set(st, "index %s: %s: %s", s->path, what, msg);
}

rv_status rv_store_exec(rv_store *s, const char *sql) {
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? RV_OK : rv_store_sql_fail(s, rc, sql);
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void rv_store_hash128(uint8_t out[16], const void *data, size_t len) {
    rv_ingest_hash(out, data, len);
}

/* Vectors are stored as float32 little-endian whatever the host. */
void rv_store_vec_encode(unsigned char *dst, const float *src, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(dst, src, n * sizeof(float));
#else
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &src[i], 4);
        dst[4 * i] = (unsigned char)u;
        dst[4 * i + 1] = (unsigned char)(u >> 8);
        dst[4 * i + 2] = (unsigned char)(u >> 16);
        dst[4 * i + 3] = (unsigned char)(u >> 24);
    }
#endif
}

void rv_store_vec_decode(float *dst, const unsigned char *src, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(dst, src, n * sizeof(float));
#else
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)src[4 * i] | (uint32_t)src[4 * i + 1] << 8 |
                     (uint32_t)src[4 * i + 2] << 16 | (uint32_t)src[4 * i + 3] << 24;
        memcpy(&dst[i], &u, 4);
    }
#endif
}

size_t rv_store_vec_bytes(size_t dim) {
    return dim * sizeof(float) + 8;
}

static uint64_t vec_check(const unsigned char *floats, size_t nbytes, const uint8_t th[16]) {
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, th, 16);
    XXH3_64bits_update(&st, floats, nbytes);
    return XXH3_64bits_digest(&st);
}

void rv_store_vec_pack(unsigned char *dst, const float *v, size_t dim, const uint8_t th[16]) {
    rv_store_vec_encode(dst, v, dim);
    uint64_t c = vec_check(dst, dim * sizeof(float), th);
    for (int i = 0; i < 8; i++)
        dst[dim * sizeof(float) + (size_t)i] = (unsigned char)(c >> (8 * i));
}

int rv_store_vec_unpack(float *dst, const unsigned char *src, size_t dim, const uint8_t th[16]) {
    uint64_t c = 0;
    for (int i = 0; i < 8; i++)
        c |= (uint64_t)src[dim * sizeof(float) + (size_t)i] << (8 * i);
    if (c != vec_check(src, dim * sizeof(float), th)) return 0;
    rv_store_vec_decode(dst, src, dim);
    return 1;
}

static void sum_str(XXH3_state_t *st, const char *p, size_t n) {
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)n >> (8 * i));
    XXH3_64bits_update(st, len, sizeof len); /* length-prefixed: no ambiguity */
    XXH3_64bits_update(st, p ? p : "", n);
}

int64_t rv_store_row_sum(const rv_store_row *r) {
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    unsigned char ints[17];
    for (int i = 0; i < 8; i++)
        ints[i] = (unsigned char)((uint64_t)r->seq >> (8 * i));
    for (int i = 0; i < 4; i++) {
        ints[8 + i] = (unsigned char)((uint32_t)r->start >> (8 * i));
        ints[12 + i] = (unsigned char)((uint32_t)r->end >> (8 * i));
    }
    ints[16] = (unsigned char)(r->tail != 0);
    XXH3_64bits_update(&st, ints, sizeof ints);
    sum_str(&st, r->rel, strlen(r->rel));
    sum_str(&st, r->kind, strlen(r->kind));
    sum_str(&st, r->name, strlen(r->name));
    sum_str(&st, r->scope, strlen(r->scope));
    sum_str(&st, r->lang, strlen(r->lang));
    sum_str(&st, r->content, r->content_len);
    sum_str(&st, r->head, r->head_len);
    XXH3_64bits_update(&st, r->text_hash, 16);
    sum_str(&st, r->vec, r->vec_bytes);
    return (int64_t)XXH3_64bits_digest(&st);
}

int64_t rv_store_now(void) {
    return (int64_t)time(NULL);
}

/* ---- files on disk ---- */

rv_status rv_store_remove_files(const char *path) {
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal", ".corpus"};
    char buf[4096];
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        if (snprintf(buf, sizeof buf, "%s%s", path, sfx[i]) >= (int)sizeof buf)
            return rv_error_set(RV_ERR_INVALID_ARG, "index path too long");
        if (unlink(buf) != 0 && errno != ENOENT)
            return rv_error_set(RV_ERR_IO, "%s: %s", buf, strerror(errno));
    }
    return RV_OK;
}

rv_status rv_store_copy_into(rv_store *src, const char *dst_path) {
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE, NULL);
    rv_status st = RV_OK;
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(dst, 120000);
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src->db, "main");
        if (!b) {
            rc = sqlite3_errcode(dst);
        } else {
            rc = sqlite3_backup_step(b, -1);
            int fin = sqlite3_backup_finish(b);
            if (rc == SQLITE_DONE) rc = fin;
        }
    }
    if (rc != SQLITE_OK)
        st = rv_error_set(RV_ERR_IO, "%s: replacing the index: %s", dst_path,
                          dst ? sqlite3_errmsg(dst) : "out of memory");
    sqlite3_close_v2(dst);
    return st;
}

/* Cheap checks on the raw header before SQLite sees the file: catches garbage
 * and truncation without reading the whole database. */
static rv_status precheck(const char *path) {
    rv_status st = RV_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return RV_OK;
        return rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
    }
    struct stat sb;
    unsigned char h[100];
    if (fstat(fd, &sb) != 0) {
        st = rv_error_set(RV_ERR_IO, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) { /* not ours to remove: no "rebuilding" */
        st = rv_error_set(RV_ERR_IO, "%s: %s, not an index file (move it away)", path,
                          S_ISDIR(sb.st_mode) ? "a directory" : "a special file");
        goto done;
    }
    if (sb.st_size == 0) goto done; /* an empty file is a new database */
    if (sb.st_size < 100 || pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h) {
        st = rv_error_set(RV_ERR_CORRUPT, "truncated header");
        goto done;
    }
    if (memcmp(h, "SQLite format 3", 16) != 0) {
        st = rv_error_set(RV_ERR_CORRUPT, "not an SQLite database");
        goto done;
    }
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1) page = 65536;
    if (page < 512 || page > 65536 || (page & (page - 1)) != 0) {
        st = rv_error_set(RV_ERR_CORRUPT, "bad page size %u", page);
        goto done;
    }
    /* Fields SQLite refuses with a plain error rather than "corrupt". */
    uint32_t schema_format = be32(h + 44);
    if (h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2 || schema_format > 4) {
        st = rv_error_set(RV_ERR_CORRUPT, "bad header (versions %u/%u, schema format %u)", h[18],
                          h[19], schema_format);
        goto done;
    }
    uint32_t app = be32(h + 68);
    if (app != 0 && app != RV_STORE_APP_ID) {
        st = rv_error_set(RV_ERR_CORRUPT, "not a ripvec index (application id %08x)", app);
        goto done;
    }
    if ((uint64_t)sb.st_size % page != 0) {
        st = rv_error_set(RV_ERR_CORRUPT, "truncated (size %lld is not a multiple of %u)",
                          (long long)sb.st_size, page);
        goto done;
    }
    /* The in-header page count is only meaningful when no WAL is pending: a
     * checkpoint in flight writes page 1 before it extends the file. */
    char wal[4096];
    struct stat wb;
    snprintf(wal, sizeof wal, "%s-wal", path);
    int wal_busy = stat(wal, &wb) == 0 && wb.st_size > 0;
    uint32_t pages = be32(h + 28);
    if (!wal_busy && pages != 0 && be32(h + 24) == be32(h + 92) &&
        (uint64_t)pages * page > (uint64_t)sb.st_size) {
        st = rv_error_set(RV_ERR_CORRUPT, "truncated (%lld of %u pages)",
                          (long long)(sb.st_size / page), pages);
        goto done;
    }
done:
    close(fd);
    return st;
}

/* ---- meta ---- */

rv_status rv_store_meta_get(rv_store *s, const char *key, char *out, size_t cap, int *found) {
    sqlite3_stmt *q = NULL;
    *found = 0;
    out[0] = 0;
    int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "read meta");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    rv_status st = RV_OK;
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(q, 0);
        snprintf(out, cap, "%s", v ? (const char *)v : "");
        *found = 1;
    } else if (rc != SQLITE_DONE) {
        st = rv_store_sql_fail(s, rc, "read meta");
    }
    sqlite3_finalize(q);
    return st;
}

rv_status rv_store_meta_set(rv_store *s, const char *key, const char *value) {
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1,
                                &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "write meta");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? RV_OK : rv_store_sql_fail(s, rc, "write meta");
}

rv_status rv_store_meta_set_int(rv_store *s, const char *key, long long v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    return rv_store_meta_set(s, key, buf);
}

/* A nonzero 64-bit token no other write, here or in another copy of the
 * file, is likely to draw: the kernel's random bytes, mixed with the clock,
 * pid and a counter should getrandom be unavailable. */
static uint64_t new_generation(void) {
    static unsigned long long counter;
    struct {
        uint64_t rnd;
        struct timespec ts;
        pid_t pid;
        unsigned long long n;
    } seed;
    memset(&seed, 0, sizeof seed);
    if (getrandom(&seed.rnd, sizeof seed.rnd, GRND_NONBLOCK) != (ssize_t)sizeof seed.rnd)
        seed.rnd = 0;
    clock_gettime(CLOCK_REALTIME, &seed.ts);
    seed.pid = getpid();
    seed.n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    uint64_t g = XXH3_64bits(&seed, sizeof seed);
    return g ? g : 1;
}

rv_status rv_store_bump_generation(rv_store *s, int texts) {
    char buf[32];
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)new_generation());
    rv_status st = rv_store_meta_set(s, "generation", buf);
    if (st == RV_OK && texts) st = rv_store_meta_set(s, "text_generation", buf);
    return st;
}

/* 16 hex digits, else 0 (damaged or missing: nothing made at it fits). */
static uint64_t parse_generation(const char *buf) {
    if (!buf || strlen(buf) != 16) return 0;
    uint64_t g = 0;
    for (int i = 0; i < 16; i++) {
        char c = buf[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return 0;
        g = g << 4 | (uint64_t)d;
    }
    return g;
}

rv_status rv_store_generations(rv_store *s, uint64_t *gen, uint64_t *text_gen) {
    *gen = 0;
    if (text_gen) *text_gen = 0;
    sqlite3_stmt *q = NULL;
    /* One statement: both keys of the same committed state. */
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT key, value FROM meta WHERE key IN ('generation', 'text_generation')", -1,
        &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "read meta");
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        uint64_t g = parse_generation((const char *)sqlite3_column_text(q, 1));
        if (k && strcmp(k, "generation") == 0)
            *gen = g;
        else if (k && text_gen)
            *text_gen = g;
    }
    rv_status st = rc == SQLITE_DONE ? RV_OK : rv_store_sql_fail(s, rc, "read meta");
    sqlite3_finalize(q);
    return st;
}

rv_status rv_store_generation(rv_store *s, uint64_t *out) {
    return rv_store_generations(s, out, NULL);
}

/* ---- open ---- */

static rv_status connect_db(rv_store *s) {
    /* Inspecting still opens read-write when it may (never creating): after
     * a writer was killed, only a writable connection can replay its WAL. A
     * read-only file (a committed repo-level index) falls back to read-only. */
    int flags =
        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE | (s->readonly ? 0 : SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(s->path, &s->db, flags, NULL);
    if (rc != SQLITE_OK && s->readonly) {
        sqlite3_close_v2(s->db);
        s->db = NULL;
        rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READONLY, NULL);
    }
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "open");
    sqlite3_busy_timeout(s->db, 120000);
    sqlite3_extended_result_codes(s->db, 1);
    /* Big pages keep a chunk row (texts + vector, a few KiB) on one page
     * instead of an overflow chain; only takes effect on a new file. */
    rv_status st = rv_store_exec(s, "PRAGMA page_size=16384");
    if (st != RV_OK) return st;
    if (!s->readonly && (st = rv_store_exec(s, "PRAGMA journal_mode=WAL")) != RV_OK) return st;
    /* Keep the -wal and -shm files when the last connection closes: a warm
     * query would otherwise create both at open and checkpoint and delete
     * them at close, a few file-system round trips every search. */
    int persist = 1;
    sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    /* ... but not at the size of the last big write: 4 MiB at most. */
    if (!s->readonly && (st = rv_store_exec(s, "PRAGMA journal_size_limit=4194304")) != RV_OK)
        return st;
    /* Reads through a mapping: the corpus load is one pass over the file
     * and copying every page through read() doubled its cost. */
    if ((st = rv_store_exec(s, "PRAGMA mmap_size=1073741824")) != RV_OK) return st;
    /* WAL + NORMAL: a kill -9 loses nothing committed; power loss may drop the
     * last commits but never leaves a torn index, which is all a cache needs. */
    return rv_store_exec(s, "PRAGMA synchronous=NORMAL");
}

static void disconnect(rv_store *s) {
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
        s->st[i] = NULL;
    }
    if (s->db) sqlite3_close_v2(s->db);
    s->db = NULL;
    s->in_tx = 0;
}

static rv_status create_schema(rv_store *s, const rv_store_meta *want) {
    rv_status st = rv_store_exec(s, "BEGIN IMMEDIATE");
    if (st != RV_OK) return st;
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA application_id=%d", RV_STORE_APP_ID);
    if ((st = rv_store_exec(s, pragma)) != RV_OK) goto fail;
    if ((st = rv_store_exec(s, g_schema)) != RV_OK) goto fail;
    int64_t t = rv_store_now();
    if ((st = rv_store_meta_set_int(s, "format_version", RV_STORE_FORMAT)) != RV_OK ||
        (st = rv_store_meta_set(s, "model_id", want->model_id)) != RV_OK ||
        (st = rv_store_meta_set_int(s, "dim", (long long)want->dim)) != RV_OK ||
        (st = rv_store_meta_set(s, "chunker", want->chunker ? want->chunker : "")) != RV_OK ||
        (st = rv_store_meta_set(s, "root", want->root ? want->root : "")) != RV_OK ||
        (st = rv_store_meta_set_int(s, "created", t)) != RV_OK ||
        (st = rv_store_meta_set_int(s, "updated", t)) != RV_OK ||
        (st = rv_store_bump_generation(s, 1)) != RV_OK)
        goto fail;
    if ((st = rv_store_exec(s, "COMMIT")) != RV_OK) goto fail;
    s->fresh = 1;
    s->dim = want->dim;
    return RV_OK;
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* Drops every table inside one transaction: safe while readers hold
 * snapshots, unlike unlinking a live WAL database. */
static rv_status wipe_in_place(rv_store *s) {
    rv_status st = rv_store_exec(s, "BEGIN IMMEDIATE");
    if (st != RV_OK) return st;
    char **names = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT type, name FROM sqlite_master WHERE type IN "
                                "('table','index') AND name NOT LIKE 'sqlite_%'",
                                -1, &q, NULL);
    if (rc != SQLITE_OK) {
        st = rv_store_sql_fail(s, rc, "list tables");
        goto done;
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(q, 0), "table") != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = rv_error_set(RV_ERR_NOMEM, "out of memory");
                goto done;
            }
            names = nn;
        }
        names[n] = sqlite3_mprintf("DROP TABLE \"%w\"", (const char *)sqlite3_column_text(q, 1));
        if (!names[n]) {
            st = rv_error_set(RV_ERR_NOMEM, "out of memory");
            goto done;
        }
        n++;
    }
    if (rc != SQLITE_DONE) {
        st = rv_store_sql_fail(s, rc, "list tables");
        goto done;
    }
    sqlite3_finalize(q);
    q = NULL;
    for (size_t i = 0; i < n && st == RV_OK; i++)
        st = rv_store_exec(s, names[i]);
    if (st == RV_OK) st = rv_store_exec(s, "COMMIT");
done:
    sqlite3_finalize(q);
    for (size_t i = 0; i < n; i++)
        sqlite3_free(names[i]);
    free(names);
    if (st != RV_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

typedef enum { SCHEMA_OK, SCHEMA_EMPTY, SCHEMA_STALE, SCHEMA_MIGRATE } schema_state;

/* Reads what is there. RV_OK with *state; RV_ERR_CORRUPT for a damaged file;
 * RV_ERR_UNSUPPORTED for a newer format. *why explains SCHEMA_STALE. */
static rv_status inspect_schema(rv_store *s, const rv_store_meta *want, schema_state *state,
                                char *why, size_t why_cap) {
    int have_meta = 0, have_files = 0, have_chunks = 0, ntables = 0;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1,
                                &q, NULL);
    if (rc != SQLITE_OK) return rv_store_sql_fail(s, rc, "read schema");
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        ntables++;
        if (!name) continue;
        have_meta |= strcmp(name, "meta") == 0;
        have_files |= strcmp(name, "files") == 0;
        have_chunks |= strcmp(name, "chunks") == 0;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return rv_store_sql_fail(s, rc, "read schema");
    if (ntables == 0) {
        *state = SCHEMA_EMPTY;
        return RV_OK;
    }
    if (!have_meta || !have_files || !have_chunks)
        return rv_error_set(RV_ERR_CORRUPT, "missing table %s",
                            !have_meta    ? "meta"
                            : !have_files ? "files"
                                          : "chunks");
    char buf[1024];
    int found;
    rv_status st = rv_store_meta_get(s, "format_version", buf, sizeof buf, &found);
    if (st != RV_OK) return st;
    char *end;
    long ver = strtol(buf, &end, 10);
    if (!found || end == buf || *end || ver <= 0)
        return rv_error_set(RV_ERR_CORRUPT, "missing or bad format_version");
    if (ver > RV_STORE_FORMAT)
        return rv_error_set(RV_ERR_UNSUPPORTED,
                            "index format %ld is newer than this ripvec (%d); run `ripvec index "
                            "rebuild` or upgrade",
                            ver, RV_STORE_FORMAT);
    /* Format 1 is the only older one, and migrates in place. */
    *state = ver < RV_STORE_FORMAT ? SCHEMA_MIGRATE : SCHEMA_OK;
    if ((st = rv_store_meta_get(s, "dim", buf, sizeof buf, &found)) != RV_OK) return st;
    long long dim = strtoll(buf, &end, 10);
    if (!found || end == buf || *end || dim <= 0 || dim > 65536)
        return rv_error_set(RV_ERR_CORRUPT, "missing or bad dim");
    s->dim = (size_t)dim;
    if (want && want->model_id) {
        if ((st = rv_store_meta_get(s, "model_id", buf, sizeof buf, &found)) != RV_OK) return st;
        if (!found) return rv_error_set(RV_ERR_CORRUPT, "missing model_id");
        if (strcmp(buf, want->model_id) != 0 || s->dim != want->dim) {
            snprintf(why, why_cap,
                     "index was built with model %.200s (%lld dims), not %.200s (%zu dims)", buf,
                     dim, want->model_id, want->dim);
            *state = SCHEMA_STALE;
            return RV_OK;
        }
    }
    if (want && want->chunker) {
        if ((st = rv_store_meta_get(s, "chunker", buf, sizeof buf, &found)) != RV_OK) return st;
        s->chunker_changed = strcmp(buf, want->chunker) != 0;
    }
    return RV_OK;
}

/* Format 1 in place (see g_migrate_1), keeping the generation: the
 * snapshot and keyword index made at it stay valid. */
static rv_status migrate_1(rv_store *s) {
    rv_status st = rv_store_exec(s, "BEGIN IMMEDIATE");
    if (st != RV_OK) return st;
    if ((st = rv_store_exec(s, g_migrate_1)) == RV_OK) st = rv_store_exec(s, "COMMIT");
    if (st != RV_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

rv_status rv_store_open(rv_store **out, const char *path, const rv_store_meta *want,
                        rv_store_mode mode, rv_store_note_fn note_fn, void *note_user) {
    *out = NULL;
    if (!path || (mode != RV_STORE_INSPECT && (!want || !want->model_id || !want->dim)))
        return rv_error_set(RV_ERR_INVALID_ARG, "rv_store_open: missing path or model");
    rv_status st = RV_OK;
    rv_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path)) ||
        (want && want->chunker && !(s->chunker = strdup(want->chunker)))) {
        st = rv_error_set(RV_ERR_NOMEM, "out of memory");
        goto done;
    }
    s->note = note_fn;
    s->note_user = note_user;
    s->readonly = mode == RV_STORE_INSPECT || mode == RV_STORE_PEEK;
    if (want) s->dim = want->dim;
    if (s->readonly && access(path, F_OK) != 0) {
        st = rv_error_set(RV_ERR_NOT_FOUND, "no index at %s", path);
        goto done;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        st = precheck(path);
        if (st == RV_OK) st = connect_db(s);
        schema_state state = SCHEMA_EMPTY;
        char why[512] = "";
        if (st == RV_OK) st = inspect_schema(s, want, &state, why, sizeof why);
        if (st == RV_ERR_UNSUPPORTED && mode == RV_STORE_REBUILD) {
            state = SCHEMA_STALE;
            snprintf(why, sizeof why, "rebuild requested");
            st = RV_OK;
        }
        if (st == RV_OK && s->readonly) { /* a format-1 file reads as it is */
            if (state == SCHEMA_EMPTY) st = rv_error_set(RV_ERR_NOT_FOUND, "empty index");
            else if (mode == RV_STORE_PEEK && state != SCHEMA_OK)
                st = rv_error_set(RV_ERR_NOT_FOUND, "not yet an index of this model and format");
            goto done;
        }
        if (st == RV_OK && state == SCHEMA_MIGRATE) {
            st = migrate_1(s);
            if (st == RV_OK) state = SCHEMA_OK;
        }
        if (st == RV_OK && mode == RV_STORE_REBUILD && state == SCHEMA_OK) {
            state = SCHEMA_STALE;
            snprintf(why, sizeof why, "rebuild requested");
        }
        if (st == RV_OK && state == SCHEMA_STALE) {
            if (strcmp(why, "rebuild requested") != 0) note(s, "%s: rebuilding", why);
            st = wipe_in_place(s);
            if (st == RV_OK) state = SCHEMA_EMPTY;
        }
        if (st == RV_OK && state == SCHEMA_EMPTY) st = create_schema(s, want);
        if (st == RV_OK) goto done;
        if (st != RV_ERR_CORRUPT || s->readonly || attempt == 1) goto done;
        /* Unreadable: start over from an empty file. */
        note(s, "index %s is corrupt (%s): rebuilding", path, rv_error_last());
        disconnect(s);
        s->chunker_changed = 0;
        if ((st = rv_store_remove_files(path)) != RV_OK) goto done;
    }
done:
    if (st != RV_OK) {
        rv_store_close(s);
        return st;
    }
    *out = s;
    return RV_OK;
}

void rv_store_close(rv_store *s) {
    if (!s) return;
    if (s->in_tx) rv_store_rollback(s);
    disconnect(s);
    free(s->path);
    free(s->chunker);
    free(s);
}

int rv_store_chunker_changed(const rv_store *s) {
    return s->chunker_changed;
}

int rv_store_fresh(const rv_store *s) {
    return s->fresh;
}

rv_status rv_store_want_chunker(rv_store *s, const char *sig) {
    char buf[1024];
    int found;
    rv_status st = rv_store_meta_get(s, "chunker", buf, sizeof buf, &found);
    if (st != RV_OK) return st;
    char *c = strdup(sig);
    if (!c) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    free(s->chunker);
    s->chunker = c;
    s->chunker_changed = strcmp(buf, sig) != 0;
    return RV_OK;
}
