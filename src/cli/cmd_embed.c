/*
 * ripvec embed — JSON Lines of texts in, one embedding per input out, in
 * input order (JSON Lines, or raw little-endian float32 rows).
 */
#include "cli/cli.h"
#include "cli/opt.h"
#include "ripvec/embed.h"
#include "ripvec/model_store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inputs embedded per call: bounds memory for long inputs. */
enum { EMBED_BLOCK = 1024 };

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
    rv_opts o;
    int rc = rv_cli_begin(&o, RV_CMD_EMBED, argc, argv);
    if (rc == RV_EXIT_OK && o.n_pos > 1) rc = rv_cli_fail("only one input file is accepted");
    if (rc != RV_EXIT_OK) {
        rv_opts_free(&o);
        return rc == RV_CLI_DONE ? RV_EXIT_OK : rc;
    }
    const char *file = o.n_pos ? o.pos[0] : NULL;
    int f32 = o.embed_f32;

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

    if ((rc = rv_cli_resolve_model(&dir, o.model, 1, o.quiet, NULL)) != RV_EXIT_OK) goto done;
    rv_model_params mp = rv_model_default_params();
    mp.device = o.cfg.device ? o.cfg.device : "cpu";
    mp.threads = o.cfg.threads;
    mp.precision = o.cfg.precision;
    mp.driver = o.cfg.driver;
    /* benchmark knobs: RIPVEC_CPU_GEMM=blas, RIPVEC_CPU_KERNELS=<family> */
    const char *gemm = getenv("RIPVEC_CPU_GEMM");
    mp.driver.blas = gemm && strcmp(gemm, "blas") == 0 && mp.precision == RV_PRECISION_FP32;
    mp.driver.kernels = getenv("RIPVEC_CPU_KERNELS");
    char *pack_dir = rv_cli_pack_dir(o.model, dir);
    mp.pack_dir = pack_dir;
    int loaded = rv_model_load(&m, dir, &mp) == RV_OK;
    free(pack_dir);
    if (!loaded) {
        rc = rv_cli_fail("%s", rv_error_last());
        goto done;
    }
    rv_embed_params ep = rv_embed_default_params();
    if (o.batch_tokens) ep.token_budget = (size_t)o.batch_tokens;
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
    rv_opts_free(&o);
    return rc;
}
