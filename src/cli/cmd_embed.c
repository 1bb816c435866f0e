/*
 * ripvec embed — JSON Lines of texts in, one embedding per input out, in
 * input order (JSON Lines, or raw little-endian float32 rows).
 */
#include "cli/cli.h"
#include "ripvec/embed.h"
#include "ripvec/model_store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char k_usage[] =
    "usage: ripvec embed [--model NAME|DIR] [--threads N] [--device cpu|cuda|auto]\n"
    "                    [--precision fp32|fp16|int8] [--format jsonl|f32]\n"
    "                    [--batch-tokens N] [FILE]\n"
    "\n"
    "Reads JSON Lines from FILE (or stdin), each a string or an object with a\n"
    "\"text\" string, and writes one L2-normalized embedding per input, in input\n"
    "order: {\"embedding\":[...]} lines (jsonl, the default) or rows of raw\n"
    "little-endian float32 (f32). Blank lines are skipped. Texts longer than the\n"
    "model's limit are truncated. The model is a name, a directory, or\n"
    "$RIPVEC_MODEL, else the default model. --precision stores the linear\n"
    "layers' weights as fp32 (default, exact), fp16, or int8 (fastest on CPU,\n"
    "cosine >= 0.99 to fp32); reduced precision needs the cpu device.\n";

/* Inputs embedded per call: bounds memory for long inputs. */
enum { EMBED_BLOCK = 1024 };

static void note_to_stderr(void *user, const char *line) {
    (void)user;
    fprintf(stderr, "ripvec: %s\n", line);
}

static int parse_int(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

typedef struct inputs {
    char **texts;
    size_t n, cap;
} inputs;

static int push_text(inputs *in, const char *t) {
    if (in->n == in->cap) {
        size_t nc = in->cap ? in->cap * 2 : 256;
        char **g = realloc(in->texts, nc * sizeof *g);
        if (!g) return 0;
        in->texts = g;
        in->cap = nc;
    }
    return (in->texts[in->n++] = strdup(t)) != NULL;
}

/* Reads every line first, so a bad line fails before any output. */
static int read_inputs(FILE *f, const char *name, inputs *in) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = RV_EXIT_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t i = 0;
        while (i < (size_t)len &&
               (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n'))
            i++;
        if (i == (size_t)len) continue;
        cJSON *j = cJSON_ParseWithLength(line, (size_t)len);
        const cJSON *t = NULL;
        if (cJSON_IsString(j))
            t = j;
        else if (cJSON_IsObject(j))
            t = cJSON_GetObjectItemCaseSensitive(j, "text");
        if (!j) {
            rc = rv_cli_fail("%s:%ld: not valid JSON", name, lineno);
        } else if (!cJSON_IsString(t)) {
            rc = rv_cli_fail("%s:%ld: expected a JSON string or an object with a \"text\" string",
                             name, lineno);
        } else if (!push_text(in, t->valuestring)) {
            rc = rv_cli_fail("out of memory");
        }
        cJSON_Delete(j);
        if (rc != RV_EXIT_OK) break;
    }
    if (rc == RV_EXIT_OK && ferror(f)) rc = rv_cli_fail("%s: read error", name);
    free(line);
    return rc;
}

static int write_block(const float *v, size_t n, size_t dim, int f32) {
    if (f32) return fwrite(v, sizeof *v, n * dim, stdout) == n * dim;
    for (size_t i = 0; i < n; i++) {
        fputs("{\"embedding\":[", stdout);
        for (size_t d = 0; d < dim; d++)
            printf(d ? ",%.9g" : "%.9g", (double)v[i * dim + d]);
        fputs("]}\n", stdout);
    }
    return !ferror(stdout);
}

int rv_cmd_embed(int argc, char **argv) {
    const char *model_spec = NULL, *file = NULL, *device = "cpu";
    rv_precision precision = RV_PRECISION_FP32;
    long threads = 0, budget = 0;
    int f32 = 0, rc = RV_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(k_usage, stdout);
            return RV_EXIT_OK;
        } else if (strcmp(a, "--model") == 0 || strcmp(a, "--threads") == 0 ||
                   strcmp(a, "--format") == 0 || strcmp(a, "--device") == 0 ||
                   strcmp(a, "--batch-tokens") == 0 || strcmp(a, "--precision") == 0) {
            if (!val) return rv_cli_fail("%s needs a value (see ripvec embed --help)", a);
            i++;
            if (strcmp(a, "--model") == 0) {
                model_spec = val;
            } else if (strcmp(a, "--device") == 0) {
                device = val;
            } else if (strcmp(a, "--threads") == 0) {
                if (!parse_int(val, 0, 1024, &threads))
                    return rv_cli_fail("--threads: '%s' is not a number from 0 to 1024", val);
            } else if (strcmp(a, "--precision") == 0) {
                if (rv_precision_parse(&precision, val) != RV_OK)
                    return rv_cli_fail("--precision: %s", rv_error_last());
            } else if (strcmp(a, "--batch-tokens") == 0) {
                if (!parse_int(val, 1, 1 << 24, &budget))
                    return rv_cli_fail("--batch-tokens: '%s' is not a positive number", val);
            } else if (strcmp(val, "jsonl") == 0 || strcmp(val, "f32") == 0) {
                f32 = strcmp(val, "f32") == 0;
            } else {
                return rv_cli_fail("--format: '%s' is not jsonl or f32", val);
            }
        } else if (a[0] == '-' && a[1]) {
            return rv_cli_fail("unknown option '%s' (see ripvec embed --help)", a);
        } else if (!file) {
            file = a;
        } else {
            return rv_cli_fail("only one input file is accepted");
        }
    }

    inputs in = {0};
    char *dir = NULL;
    rv_model *m = NULL;
    rv_embed_ctx *ctx = NULL;
    float *vecs = NULL;
    FILE *f = stdin;
    if (file && strcmp(file, "-") != 0 && !(f = fopen(file, "rb"))) {
        rc = rv_cli_fail("%s: %s", file, strerror(errno));
        goto done;
    }
    rc = read_inputs(f, file ? file : "<stdin>", &in);
    if (f != stdin) fclose(f);
    if (rc != RV_EXIT_OK) goto done;

    rv_model_set_note_fn(note_to_stderr, NULL);
    if (rv_model_resolve(&dir, model_spec, 1, 0) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    rv_model_params mp = rv_model_default_params();
    mp.device = device;
    mp.threads = (int)threads;
    mp.precision = precision;
    /* benchmark knobs: RIPVEC_CPU_GEMM=blas, RIPVEC_CPU_KERNELS=<family> */
    const char *gemm = getenv("RIPVEC_CPU_GEMM");
    mp.driver.blas = gemm && strcmp(gemm, "blas") == 0 && precision == RV_PRECISION_FP32;
    mp.driver.kernels = getenv("RIPVEC_CPU_KERNELS");
    if (rv_model_load(&m, dir, &mp) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    rv_embed_params ep = rv_embed_default_params();
    if (budget) ep.token_budget = (size_t)budget;
    if (rv_embed_ctx_create(&ctx, m, &ep) != RV_OK) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    size_t dim = rv_model_dim(m);
    if (!(vecs = malloc((size_t)EMBED_BLOCK * dim * sizeof *vecs))) {
        rc = rv_cli_fail("out of memory");
        goto done;
    }
    for (size_t i = 0; i < in.n; i += EMBED_BLOCK) {
        size_t n = in.n - i < EMBED_BLOCK ? in.n - i : EMBED_BLOCK;
        if (rv_embed_texts(ctx, (const char *const *)in.texts + i, NULL, n, vecs) != RV_OK) {
            rc = rv_cli_fail("%s", rv_error_last());
            goto done;
        }
        if (!write_block(vecs, n, dim, f32)) {
            rc = rv_cli_fail("write error on standard output");
            goto done;
        }
    }
    if (fflush(stdout) != 0) rc = rv_cli_fail("write error on standard output");
done:
    free(vecs);
    rv_embed_ctx_free(ctx);
    rv_model_free(m);
    free(dir);
    for (size_t i = 0; i < in.n; i++)
        free(in.texts[i]);
    free(in.texts);
    return rc;
}
