/*
 * libFuzzer target: loading a tokenizer from outside files.
 *
 * Each input is tried twice: as the bytes of a tokenizer.json
 * (rv_tokenizer_load_json) and as a model directory's vocab.txt with no
 * tokenizer.json next to it (rv_tokenizer_load on a scratch dir). Whatever
 * loads must then encode any text within the promised bounds: [CLS] first,
 * [SEP] last, every id below rv_tokenizer_vocab_size, never more than
 * max_len ids, and rv_tokenizer_count agreeing with an untruncated encode.
 */
#include "ripvec/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char g_dir[64];    /* scratch model dir, one per process */
static char g_vocab[128]; /* g_dir/vocab.txt */

static void cleanup(void) {
    unlink(g_vocab);
    rmdir(g_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    /* tmpfs when there is one: the vocab.txt path writes a file per input. */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/rvfz-tok-XXXXXX", base);
    if (!mkdtemp(g_dir)) abort();
    snprintf(g_vocab, sizeof g_vocab, "%s/vocab.txt", g_dir);
    atexit(cleanup);
    return 0;
}

static void check_encode(const rv_tokenizer *tk, const char *text, size_t len) {
    size_t vocab = rv_tokenizer_vocab_size(tk);
    int32_t cls = rv_tokenizer_special_id(tk, "cls"), sep = rv_tokenizer_special_id(tk, "sep");
    if (vocab == 0 || cls < 0 || sep < 0 || (size_t)cls >= vocab || (size_t)sep >= vocab) abort();
    static const size_t max_lens[] = {2, 7, 512};
    size_t count = rv_tokenizer_count(tk, text, len);
    for (size_t k = 0; k < sizeof max_lens / sizeof max_lens[0]; k++) {
        size_t max_len = max_lens[k];
        int32_t ids[512 + 1];
        ids[max_len] = 0x7eadbeef; /* canary: nothing may be written past max_len */
        size_t n = 0;
        if (rv_tokenizer_encode(tk, text, len, ids, max_len, &n) != RV_OK) abort();
        if (n < 2 || n > max_len || ids[max_len] != 0x7eadbeef) abort();
        if (ids[0] != cls || ids[n - 1] != sep) abort();
        for (size_t i = 0; i < n; i++)
            if (ids[i] < 0 || (size_t)ids[i] >= vocab) abort();
        if (count + 2 <= max_len && n != count + 2) abort();
        if (count + 2 > max_len && n != max_len) abort();
    }
}

static void exercise(const rv_tokenizer *tk, const uint8_t *data, size_t size) {
    static const char *const texts[] = {
        "",
        "def retry_with_backoff(fn, tries=3):\n    return fn()",
        "Héllo WORLD naïve 中文 [CLS] [MASK] <tok> \t\r\n\x01",
        "\xff\xfe\xc3(\xe2\x82 invalid utf-8 \xf0\x9f\x98\x80",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        check_encode(tk, texts[i], strlen(texts[i]));
    /* The input itself as text: arbitrary bytes, bounded for speed. */
    check_encode(tk, (const char *)data, size < 4096 ? size : 4096);
    (void)rv_tokenizer_token_id(tk, "[UNK]");
    (void)rv_tokenizer_special_id(tk, "pad");
    (void)rv_tokenizer_special_id(tk, "unk");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rv_tokenizer *tk = NULL;
    if (rv_tokenizer_load_json(&tk, (const char *)data, size) == RV_OK) {
        if (!tk) abort();
        exercise(tk, data, size);
        rv_tokenizer_free(tk);
    } else if (tk != NULL || rv_error_last()[0] == 0) {
        abort(); /* a failure must leave *out NULL and say why */
    }

    FILE *f = fopen(g_vocab, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    tk = NULL;
    if (rv_tokenizer_load(&tk, g_dir) == RV_OK) {
        exercise(tk, data, size);
        rv_tokenizer_free(tk);
    } else if (tk != NULL || rv_error_last()[0] == 0) {
        abort();
    }
    return 0;
}
