/*
 * ripvec tokenize — JSON Lines in (strings, or objects with "text"), JSON
 * Lines of token ids out, the ids the embedding model sees.
 */
#include "cli/cli.h"
#include "cli/opt.h"
#include "ripvec/model_store.h"
#include "ripvec/text.h"
#include "ripvec/tokenizer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return 0;
    return 1;
}

/* The text of one input line: points into line (a string literal, decoded in
 * place) or into *obj (an object's "text"). Returns 0 on malformed input. */
static int line_text(char *line, size_t len, cJSON **obj, const char **text, size_t *tlen) {
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && line[i] == '"') {
        const char *after = rv_json_string(line + i, line + len, line + i, SIZE_MAX, tlen, 0);
        if (!after || !is_blank(after, (size_t)(line + len - after))) return 0;
        *text = line + i;
        return 1;
    }
    *obj = cJSON_ParseWithLength(line, len);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(*obj, "text");
    if (!cJSON_IsObject(*obj) || !cJSON_IsString(t) || !t->valuestring) return 0;
    *text = t->valuestring;
    *tlen = strlen(t->valuestring);
    return 1;
}

static int has_tokenizer_files(const char *dir) {
    struct stat sb;
    char p[4096];
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) return 0;
    snprintf(p, sizeof p, "%s/tokenizer.json", dir);
    if (stat(p, &sb) == 0) return 1;
    snprintf(p, sizeof p, "%s/vocab.txt", dir);
    return stat(p, &sb) == 0;
}

int rv_cmd_tokenize(int argc, char **argv) {
    rv_opts opt;
    int prc = rv_cli_begin(&opt, RV_CMD_TOKENIZE, argc, argv);
    if (prc == RV_EXIT_OK && opt.n_pos)
        prc = rv_cli_fail("tokenize: unexpected argument '%s'", opt.pos[0]);
    if (prc != RV_EXIT_OK) {
        rv_opts_free(&opt);
        return prc == RV_CLI_DONE ? RV_EXIT_OK : prc;
    }
    const char *model = opt.model;
    long max_len = opt.max_len;

    int rc = RV_EXIT_ERROR;
    char *dir = NULL, *line = NULL;
    rv_tokenizer *tk = NULL;
    int32_t *ids = NULL;
    char *outbuf = NULL;
    size_t cap = 0;
    if (model && *model && has_tokenizer_files(model)) {
        dir = strdup(model);
    } else if ((rc = rv_cli_resolve_model(&dir, model, 1, 0, NULL)) != RV_EXIT_OK) {
        goto done;
    }
    if (!dir || rv_tokenizer_load(&tk, dir) != RV_OK) {
        rc = rv_cli_fail("%s", dir ? rv_error_last() : "out of memory");
        goto done;
    }
    ids = malloc((size_t)max_len * sizeof *ids);
    outbuf = malloc((size_t)max_len * 12 + 4);
    if (!ids || !outbuf) {
        rc = rv_cli_fail("out of memory");
        goto done;
    }
    ssize_t n;
    long lineno = 0;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        if (is_blank(line, (size_t)n)) continue;
        cJSON *obj = NULL;
        const char *text = NULL;
        size_t tlen = 0, nid = 0;
        if (!line_text(line, (size_t)n, &obj, &text, &tlen)) {
            cJSON_Delete(obj);
            rc = rv_cli_fail("tokenize: line %ld: expected a JSON string or an object with a "
                             "\"text\" string",
                             lineno);
            goto done;
        }
        rv_status st = rv_tokenizer_encode(tk, text, tlen, ids, (size_t)max_len, &nid);
        cJSON_Delete(obj);
        if (st != RV_OK) {
            rc = rv_cli_fail("tokenize: line %ld: %s", lineno, rv_error_last());
            goto done;
        }
        size_t o = 0;
        outbuf[o++] = '[';
        for (size_t k = 0; k < nid; k++)
            o += (size_t)sprintf(outbuf + o, k ? ",%d" : "%d", (int)ids[k]);
        outbuf[o++] = ']';
        outbuf[o++] = '\n';
        if (fwrite(outbuf, 1, o, stdout) != o) {
            rc = rv_cli_fail("tokenize: cannot write output");
            goto done;
        }
    }
    if (ferror(stdin)) {
        rc = rv_cli_fail("tokenize: cannot read standard input");
        goto done;
    }
    rc = fflush(stdout) == 0 ? RV_EXIT_OK : rv_cli_fail("tokenize: cannot write output");
done:
    free(line);
    free(outbuf);
    free(ids);
    rv_tokenizer_free(tk);
    free(dir);
    rv_opts_free(&opt);
    return rc;
}
