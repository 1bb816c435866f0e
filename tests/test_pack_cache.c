/* The packed layers' cache file (engine/pack_cache.h, rv_model_params.
 * pack_dir) with the real model at int8 and fp16: the first load writes
 * it, the next maps it, and both give the vectors of a load without it,
 * bit for bit; a truncated, corrupted or foreign (other key) file is
 * detected and rebuilt; a directory that cannot be written leaves the
 * layers in memory. The model comes from RIPVEC_TEST_MODEL or the cache. */
#include "rvtest.h"

#include "golden.h"
#include "ripvec/embed.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { NTEXTS = 4 };
static const char *const g_texts[NTEXTS] = {
    "retry the request with exponential backoff",
    "def parse(buf):\n    return json.loads(buf)\n",
    "static int add(int a, int b) { return a + b; }",
    "the cache file is checked before it is mapped"};

/* Loads the model at p with pack_dir, embeds the texts into out; the
 * pack state in state. 0 on failure. */
static int embed(rv_precision p, const char *pack_dir, float *out, char *state, size_t cap) {
    char *dir = rv_test_model_dir();
    rv_model_params mp = rv_model_default_params();
    mp.precision = p;
    mp.threads = 1;
    mp.pack_dir = pack_dir;
    rv_model *m = NULL;
    rv_embed_ctx *ctx = NULL;
    rv_status st = rv_model_load(&m, dir, &mp);
    RV_CHECK_MSG(st == RV_OK, "load: %s", rv_error_last());
    if (st == RV_OK) {
        snprintf(state, cap, "%s", rv_model_pack_state(m));
        st = rv_embed_ctx_create(&ctx, m, NULL);
        if (st == RV_OK) st = rv_embed_texts(ctx, g_texts, NULL, NTEXTS, out);
        RV_CHECK_MSG(st == RV_OK, "embed: %s", rv_error_last());
    }
    rv_embed_ctx_free(ctx);
    rv_model_free(m);
    free(dir);
    return st == RV_OK;
}

static long file_size(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Writes byte ^ 0xff at off. */
static void flip_byte(const char *path, long off) {
    int fd = open(path, O_RDWR);
    unsigned char c = 0;
    RV_CHECK(fd >= 0 && pread(fd, &c, 1, off) == 1);
    c ^= 0xff;
    RV_CHECK(pwrite(fd, &c, 1, off) == 1);
    close(fd);
}

/* One load with pack_dir: vectors equal to want, state starting with st. */
static void expect(rv_precision p, const char *dir, const float *want, size_t dim,
                   const char *st) {
    float *v = malloc(NTEXTS * dim * sizeof *v);
    char state[200] = "";
    if (embed(p, dir, v, state, sizeof state)) {
        RV_CHECK_MSG(strncmp(state, st, strlen(st)) == 0, "%s: state '%s', want '%s'",
                     rv_precision_name(p), state, st);
        RV_CHECK_MSG(memcmp(v, want, NTEXTS * dim * sizeof *v) == 0, "%s (%s): vectors differ",
                     rv_precision_name(p), state);
    }
    free(v);
}

/* The one *.pack file in dir (malloc'd), or NULL. */
static char *pack_file(const char *dir) {
    char cmd[300], line[400] = "";
    snprintf(cmd, sizeof cmd, "ls %s/*.pack 2>/dev/null", dir);
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    char *ok = fgets(line, sizeof line, f);
    pclose(f);
    if (!ok) return NULL;
    line[strcspn(line, "\n")] = '\0';
    return strdup(line);
}

static void check_precision(rv_precision p) {
    char tmp[] = "/tmp/rv-packcache-XXXXXX", dir[128], blocker[128], ro[160], cmd[200];
    RV_CHECK(mkdtemp(tmp) != NULL);
    snprintf(dir, sizeof dir, "%s/packed", tmp);
    const size_t dim = 384;
    float *want = malloc(NTEXTS * dim * sizeof *want);
    char state[200] = "";
    if (!embed(p, NULL, want, state, sizeof state)) goto done;
    RV_CHECK_STR(state, "none");
    expect(p, dir, want, dim, "built");
    char *file = pack_file(dir);
    RV_CHECK_MSG(file != NULL, "%s: no .pack file in %s", rv_precision_name(p), dir);
    if (!file) goto done;
    printf("  %s: %s, %ld bytes\n", rv_precision_name(p), strrchr(file, '/') + 1,
           file_size(file));
    expect(p, dir, want, dim, "mapped");
    /* truncated: rebuilt, then mapped again */
    RV_CHECK(truncate(file, file_size(file) / 2) == 0);
    expect(p, dir, want, dim, "rebuilt (damaged)");
    expect(p, dir, want, dim, "mapped");
    /* one byte of a layer flipped: the checksum finds it */
    flip_byte(file, file_size(file) * 3 / 4);
    expect(p, dir, want, dim, "rebuilt (damaged)");
    /* a byte of the key: another model, precision or kernel family's file */
    flip_byte(file, 40);
    expect(p, dir, want, dim, "rebuilt (stale key)");
    expect(p, dir, want, dim, "mapped");
    free(file);
    /* a directory that cannot be made (under a regular file): in memory */
    snprintf(blocker, sizeof blocker, "%s/file", tmp);
    FILE *f = fopen(blocker, "w");
    RV_CHECK(f != NULL);
    if (f) fclose(f);
    snprintf(ro, sizeof ro, "%s/packed", blocker);
    expect(p, ro, want, dim, "memory");
done:
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    RV_CHECK(system(cmd) == 0);
    free(want);
}

RV_TEST(int8_layers_cached_checked_and_rebuilt) {
    check_precision(RV_PRECISION_INT8);
}

RV_TEST(fp16_layers_cached_checked_and_rebuilt) {
    check_precision(RV_PRECISION_FP16);
}

RV_TEST(bf16_layers_cached_checked_and_rebuilt) {
    check_precision(RV_PRECISION_BF16);
}

int main(void) {
    RV_RUN(int8_layers_cached_checked_and_rebuilt);
    RV_RUN(fp16_layers_cached_checked_and_rebuilt);
    RV_RUN(bf16_layers_cached_checked_and_rebuilt);
    return rv_test_summary();
}
