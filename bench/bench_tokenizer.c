/*
 * bench_tokenizer — single-thread WordPiece throughput on real source code.
 *
 *   bench_tokenizer [DIR...]     default: ../shared/eval/dev/{*}/corpus (from the project root)
 *   RIPVEC_MODEL=DIR             default: ~/.cache/ripvec/models/all-minilm-l6-v2
 *
 * Tokenizes every regular file under the directories (whole files, no
 * truncation, the way chunk sizing counts) for at least a second and prints
 * "tokenizer: X MB/s (N bytes, M tokens)" (thread CPU time, so a busy machine
 * skews it less); a second line times rv_tokenizer_encode on 1 KiB chunks
 * with max_len 512 (code rarely reaches 512 ids in 1 KiB, so nearly all bytes
 * are tokenized).
 */
#include "ripvec/tokenizer.h"

#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct {
    char **data;
    size_t *len;
    size_t n, cap, bytes;
} files;

static void add_file(files *fs, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n <= 0 || n > (16L << 20)) {
        fclose(f);
        return;
    }
    char *buf = malloc((size_t)n);
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        if (fs->n == fs->cap) {
            fs->cap = fs->cap ? fs->cap * 2 : 256;
            fs->data = realloc(fs->data, fs->cap * sizeof *fs->data);
            fs->len = realloc(fs->len, fs->cap * sizeof *fs->len);
        }
        fs->data[fs->n] = buf;
        fs->len[fs->n++] = (size_t)n;
        fs->bytes += (size_t)n;
        buf = NULL;
    }
    free(buf);
    fclose(f);
}

static void walk(files *fs, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode))
            walk(fs, p);
        else if (S_ISREG(sb.st_mode))
            add_file(fs, p);
    }
    closedir(d);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine may be shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    files fs = {0};
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            walk(&fs, argv[i]);
    } else {
        glob_t g;
        if (glob("../shared/eval/dev/*/corpus", 0, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; i++)
                walk(&fs, g.gl_pathv[i]);
            globfree(&g);
        }
    }
    if (!fs.n) {
        fprintf(stderr, "bench_tokenizer: no input files\n");
        return 2;
    }
    char dir[4096];
    const char *m = getenv("RIPVEC_MODEL");
    if (m && *m)
        snprintf(dir, sizeof dir, "%s", m);
    else
        snprintf(dir, sizeof dir, "%s/.cache/ripvec/models/all-minilm-l6-v2", getenv("HOME"));
    rv_tokenizer *tk;
    if (rv_tokenizer_load(&tk, dir) != RV_OK) {
        fprintf(stderr, "bench_tokenizer: %s\n", rv_error_last());
        return 2;
    }

    size_t tokens = 0, passes = 0;
    double t0 = now(), t;
    do {
        tokens = 0;
        for (size_t i = 0; i < fs.n; i++)
            tokens += rv_tokenizer_count(tk, fs.data[i], fs.len[i]);
        passes++;
    } while ((t = now() - t0) < 1.0);
    printf("tokenizer: %.1f MB/s (%zu bytes, %zu tokens)\n", (double)fs.bytes * passes / t / 1e6,
           fs.bytes, tokens);

    int32_t ids[512];
    size_t chunks = 0;
    passes = 0;
    t0 = now();
    do {
        chunks = 0;
        for (size_t i = 0; i < fs.n; i++)
            for (size_t off = 0; off < fs.len[i]; off += 1024) {
                size_t n = fs.len[i] - off < 1024 ? fs.len[i] - off : 1024, got;
                rv_tokenizer_encode(tk, fs.data[i] + off, n, ids, 512, &got);
                chunks++;
            }
        passes++;
    } while ((t = now() - t0) < 1.0);
    printf("tokenizer encode (1 KiB chunks, max 512): %.1f MB/s (%zu chunks)\n",
           (double)fs.bytes * passes / t / 1e6, chunks);

    rv_tokenizer_free(tk);
    for (size_t i = 0; i < fs.n; i++)
        free(fs.data[i]);
    free(fs.data);
    free(fs.len);
    return 0;
}
