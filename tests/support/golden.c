/* Shared loader for the golden embeddings (see golden.h). */
#include "golden.h"

#include "util/fs.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *rv_test_model_dir(void) {
    const char *env = getenv("RIPVEC_TEST_MODEL");
    if (env && *env) return strdup(env);
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char buf[4096];
    if (xdg && *xdg == '/')
        snprintf(buf, sizeof buf, "%s/ripvec/models/all-minilm-l6-v2", xdg);
    else
        snprintf(buf, sizeof buf, "%s/.cache/ripvec/models/all-minilm-l6-v2", home ? home : "");
    return strdup(buf);
}

void rv_golden_free(rv_golden *g) {
    for (size_t i = 0; g->texts && i < g->count; i++)
        free(g->texts[i]);
    free(g->texts);
    free(g->n_tokens);
    free(g->vectors);
    memset(g, 0, sizeof *g);
}

static long get_int(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

int rv_golden_load(rv_golden *g, const char *prefix) {
    memset(g, 0, sizeof *g);
    char path[1024], *text = NULL, *vec = NULL;
    size_t tl = 0, vl = 0, cap = 0;
    int ok = 0;
    snprintf(path, sizeof path, "%s_texts.jsonl", prefix);
    if (rv_read_file(&text, &tl, path, 16u << 20) != RV_OK) goto done;
    snprintf(path, sizeof path, "%s_vectors.f32", prefix);
    if (rv_read_file(&vec, &vl, path, 64u << 20) != RV_OK) goto done;
    char *line = text, *nl;
    for (size_t ln = 0; (nl = strchr(line, '\n')); ln++, line = nl + 1) {
        *nl = '\0';
        cJSON *j = cJSON_Parse(line);
        if (!j) goto done;
        if (ln == 0) {
            long dim = get_int(j, "dim"), count = get_int(j, "count");
            if (dim > 0 && count > 0) {
                g->dim = (size_t)dim;
                cap = (size_t)count;
                g->texts = calloc(cap, sizeof *g->texts);
                g->n_tokens = calloc(cap, sizeof *g->n_tokens);
            }
        } else if (g->count < cap) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
            if (cJSON_IsString(t)) {
                g->texts[g->count] = strdup(t->valuestring);
                g->n_tokens[g->count++] = (size_t)get_int(j, "n_tokens");
            }
        }
        cJSON_Delete(j);
    }
    if (cap == 0 || g->count != cap || vl != g->count * g->dim * sizeof(float)) goto done;
    g->vectors = malloc(vl);
    if (!g->vectors) goto done;
    memcpy(g->vectors, vec, vl); /* little-endian float32, as x86 and arm */
    ok = 1;
done:
    if (!ok) rv_golden_free(g);
    free(text);
    free(vec);
    return ok;
}

double rv_golden_cosine(const float *a, const float *b, size_t dim, double *max_abs_diff) {
    double dot = 0, na = 0, nb = 0, md = 0;
    for (size_t d = 0; d < dim; d++) {
        double x = a[d], y = b[d];
        dot += x * y;
        na += x * x;
        nb += y * y;
        if (fabs(x - y) > md) md = fabs(x - y);
    }
    if (max_abs_diff) *max_abs_diff = md;
    return dot / sqrt(na * nb);
}
