/* Hybrid scores mean something across queries: generated nonsense (random
 * letter strings, the letters of real queries shuffled) scores below every
 * real query's best result, and with the default threshold (RV_SCORE_FLOOR)
 * finds nothing and exits 1. The real ripvec binary ($RIPVEC_BIN) and model
 * (RIPVEC_TEST_MODEL or the cache) on a small repository written here. */
#include "rvtest.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_tmp[256], g_repo[300], g_cache[300], g_model[1024];
static const char *g_bin;

static void put(const char *name, const char *text) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", g_repo, name);
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* Runs a hybrid search for q (letters and spaces only: no quoting needed
 * beyond single quotes), with the default threshold or none (keep_all);
 * *top = the best result's score (0 when none); returns the exit status. */
static int search(const char *q, int keep_all, double *top) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' --model '%s' --cache-dir '%s' --quiet --json -n 1 %s '%s' '%s' 2>/dev/null",
             g_bin, g_model, g_cache, keep_all ? "-T 0" : "", q, g_repo);
    FILE *p = popen(cmd, "r");
    *top = 0;
    if (!p) return -1;
    char line[65536];
    if (fgets(line, sizeof line, p)) {
        cJSON *o = cJSON_Parse(line);
        cJSON *s = o ? cJSON_GetObjectItem(o, "similarity") : NULL;
        if (cJSON_IsNumber(s)) *top = s->valuedouble;
        cJSON_Delete(o);
    }
    while (fgets(line, sizeof line, p)) {
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *const g_real[] = {
    "parse the configuration file",
    "retry a request with exponential backoff",
    "evict the least recently used cache entry",
    "write log messages to a file",
    "multiply two matrices",
    "parse command line arguments",
};
#define NREAL (sizeof g_real / sizeof g_real[0])

static void make_repo(void) {
    put("config.py", "def parse_config(path):\n    \"\"\"Reads key = value lines.\"\"\"\n"
                     "    out = {}\n    for line in open(path):\n        k, v = line.split('=')\n"
                     "        out[k.strip()] = v.strip()\n    return out\n");
    put("retry.py", "import time\n\ndef with_retry(fn, attempts=5):\n    delay = 0.1\n"
                    "    for i in range(attempts):\n        try:\n            return fn()\n"
                    "        except IOError:\n            time.sleep(delay)\n            delay *= 2\n"
                    "    raise RuntimeError('request failed after retries')\n");
    put("cache.py", "class LRUCache:\n    def __init__(self, cap):\n        self.cap = cap\n"
                    "        self.items = {}\n\n    def get(self, key):\n"
                    "        v = self.items.pop(key)\n        self.items[key] = v\n        return v\n\n"
                    "    def put(self, key, value):\n        if len(self.items) >= self.cap:\n"
                    "            self.items.pop(next(iter(self.items)))  # least recently used\n"
                    "        self.items[key] = value\n");
    put("log.py", "def log_to_file(path, message):\n    with open(path, 'a') as f:\n"
                  "        f.write(message + '\\n')\n");
    put("matrix.py", "def matmul(a, b):\n    n, m, p = len(a), len(b), len(b[0])\n"
                     "    return [[sum(a[i][k] * b[k][j] for k in range(m)) for j in range(p)]\n"
                     "            for i in range(n)]\n");
    put("cli.py", "import argparse\n\ndef parse_args(argv):\n"
                  "    ap = argparse.ArgumentParser(description='tool')\n"
                  "    ap.add_argument('--verbose', action='store_true')\n"
                  "    return ap.parse_args(argv)\n");
}

RV_TEST(nonsense_scores_below_real_queries) {
    double real_min = 1e9, top;
    for (size_t i = 0; i < NREAL; i++) {
        int rc = search(g_real[i], 0, &top);
        RV_CHECK_MSG(rc == 0, "'%s' exit %d", g_real[i], rc);
        if (top < real_min) real_min = top;
    }
    unsigned seed = 12345;
    char q[128];
    double worst = 0;
    for (int i = 0; i < 20; i++) { /* random letter strings, 1-4 words */
        size_t len = 0;
        int words = 1 + (int)(rand_r(&seed) % 4);
        for (int w = 0; w < words; w++) {
            int wl = 4 + (int)(rand_r(&seed) % 7);
            if (w) q[len++] = ' ';
            for (int k = 0; k < wl; k++)
                q[len++] = (char)('a' + rand_r(&seed) % 26);
        }
        q[len] = '\0';
        int rc = search(q, 0, &top);
        RV_CHECK_MSG(rc == 1, "'%s' exit %d", q, rc);
        RV_CHECK(search(q, 1, &top) == 0); /* without a threshold: its best score */
        if (top > worst) worst = top;
    }
    for (size_t i = 0; i < NREAL; i++) { /* the letters of a real query, shuffled */
        size_t len = 0;
        for (const char *p = g_real[i]; *p && len + 1 < sizeof q; p++)
            if (*p != ' ') q[len++] = *p;
        q[len] = '\0';
        for (size_t k = len - 1; k > 0; k--) {
            size_t j = (size_t)rand_r(&seed) % (k + 1);
            char t = q[k];
            q[k] = q[j];
            q[j] = t;
        }
        int rc = search(q, 0, &top);
        RV_CHECK_MSG(rc == 1, "'%s' exit %d", q, rc);
        RV_CHECK(search(q, 1, &top) == 0);
        if (top > worst) worst = top;
    }
    RV_CHECK_MSG(worst < real_min, "nonsense %.3f, real queries' lowest top %.3f", worst,
                 real_min);
    RV_CHECK_MSG(real_min > 0.12, "real queries' lowest top %.3f", real_min);
}

int main(void) {
    g_bin = getenv("RIPVEC_BIN");
    if (!g_bin || access(g_bin, X_OK) != 0) {
        printf("FAIL setup: RIPVEC_BIN not set or not executable\n0 passed, 1 failed\n");
        return 1;
    }
    const char *m = getenv("RIPVEC_TEST_MODEL");
    const char *x = getenv("XDG_CACHE_HOME");
    if (m && *m)
        snprintf(g_model, sizeof g_model, "%s", m);
    else if (x && *x)
        snprintf(g_model, sizeof g_model, "%s/ripvec/models/all-minilm-l6-v2", x);
    else
        snprintf(g_model, sizeof g_model, "%s/.cache/ripvec/models/all-minilm-l6-v2",
                 getenv("HOME") ? getenv("HOME") : "");
    struct stat sb;
    if (stat(g_model, &sb) != 0) {
        printf("FAIL setup: model not found at %s\n0 passed, 1 failed\n", g_model);
        return 1;
    }
    snprintf(g_tmp, sizeof g_tmp, "/tmp/ripvec-nonsense-XXXXXX");
    if (!mkdtemp(g_tmp)) {
        printf("FAIL setup: mkdtemp\n0 passed, 1 failed\n");
        return 1;
    }
    snprintf(g_repo, sizeof g_repo, "%s/repo", g_tmp);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_tmp);
    mkdir(g_repo, 0755);
    unsetenv("RIPVEC_MODEL");
    unsetenv("RIPVEC_RANK_STEPS");
    make_repo();
    RV_RUN(nonsense_scores_below_real_queries);
    char rm[600];
    snprintf(rm, sizeof rm, "rm -rf '%s'", g_tmp);
    if (system(rm) != 0) printf("note: could not remove %s\n", g_tmp);
    return rv_test_summary();
}
