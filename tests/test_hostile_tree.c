/*
 * A hostile source tree, built at test time under mkdtemp: invalid UTF-8
 * names and contents, NUL bytes, a huge single-line minified file, a
 * 200,000-line file, 500 nested directories, symlink loops, a FIFO,
 * unreadable entries, files rewritten and deleted while ripvec runs, CRLF and
 * UTF-16 files, plus a few ordinary source files with distinctive functions.
 *
 * ripvec must finish with exit 0 (no crash, no hang: every run has a
 * deadline), say what it skipped under -v, still find the ordinary files'
 * functions, keep every chunk within the model's token limit, and honour
 * --threads 1.
 *
 * Env: RIPVEC_BIN (the binary), RIPVEC_TEST_MODEL (model dir, else the cache
 * default), RIPVEC_HOSTILE_BIG_MB (size of the minified file; default 50,
 * 8 under AddressSanitizer), RIPVEC_HOSTILE_TIMEOUT (seconds per run, 300;
 * 900 under AddressSanitizer, where embedding is ~20x slower).
 */
#include "ripvec/chunk.h"
#include "ripvec/embed.h"
#include "ripvec/tokenizer.h"
#include "test_hostile_common.h"

#include <cjson/cJSON.h>

static char g_dir[256];  /* mkdtemp */
static char g_root[300]; /* the hostile tree */
static char g_cache[300];
static const char *g_bin, *g_model;
static pid_t g_churn = -1;
/* Under AddressSanitizer the engine runs ~20x slower: less to embed there. */
static int g_timeout = HC_ASAN ? 900 : 300;
static size_t g_big_mb = HC_ASAN ? 8 : 50;
static const unsigned g_churn_files = HC_ASAN ? 10 : 40, g_churn_funcs = HC_ASAN ? 2 : 8;
static const size_t g_late_nul_len = HC_ASAN ? 8400 : 12000; /* NUL 100 bytes before the end */

static void pathf(char *out, size_t cap, const char *rel) {
    snprintf(out, cap, "%s/%s", g_root, rel);
}

static void mkdirs(const char *rel) {
    char p[4096];
    pathf(p, sizeof p, rel);
    for (char *s = p + strlen(g_root) + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
}

static void put(const char *rel, const char *text) {
    char p[4096];
    pathf(p, sizeof p, rel);
    RV_CHECK_MSG(hc_puts(p, text) == 0, "writing %s", rel);
}

static void put_bytes(const char *rel, const void *data, size_t len) {
    char p[4096];
    pathf(p, sizeof p, rel);
    RV_CHECK_MSG(hc_write(p, data, len) == 0, "writing %s", rel);
}

/* ---- the tree ---- */

static const char k_retry_py[] =
    "import random\nimport time\n\n\n"
    "def retry_with_exponential_backoff(operation, max_attempts=6, base_delay=0.5):\n"
    "    \"\"\"Call operation until it succeeds, sleeping twice as long after each failure.\"\"\"\n"
    "    for attempt in range(max_attempts):\n"
    "        try:\n"
    "            return operation()\n"
    "        except ConnectionError:\n"
    "            delay = base_delay * (2 ** attempt) + random.random()\n"
    "            time.sleep(delay)\n"
    "    raise TimeoutError('gave up after %d attempts' % max_attempts)\n";

static const char k_crc_c[] = "#include <stddef.h>\n#include <stdint.h>\n\n"
                              "/* CRC-32 (IEEE 802.3) of a byte buffer, bit by bit. */\n"
                              "uint32_t crc32_checksum(const uint8_t *buf, size_t len) {\n"
                              "    uint32_t crc = 0xFFFFFFFFu;\n"
                              "    for (size_t i = 0; i < len; i++) {\n"
                              "        crc ^= buf[i];\n"
                              "        for (int k = 0; k < 8; k++)\n"
                              "            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));\n"
                              "    }\n"
                              "    return ~crc;\n"
                              "}\n";

static const char k_config_go[] =
    "package config\n\nimport (\n\t\"encoding/json\"\n\t\"os\"\n)\n\n"
    "type Config struct {\n\tListenAddr string\n\tWorkers int\n}\n\n"
    "// LoadConfigFile reads a JSON configuration file from disk into a Config.\n"
    "func LoadConfigFile(path string) (*Config, error) {\n"
    "\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n"
    "\tvar c Config\n\tif err := json.Unmarshal(data, &c); err != nil {\n"
    "\t\treturn nil, err\n\t}\n\treturn &c, nil\n}\n";

static void make_big_minified(void) {
    char p[4096];
    pathf(p, sizeof p, "big/bundle.min.js");
    FILE *f = fopen(p, "wb");
    RV_CHECK(f != NULL);
    if (!f) return;
    char piece[160];
    size_t want = g_big_mb << 20, done = 0;
    for (unsigned i = 0; done < want; i++) {
        int n =
            snprintf(piece, sizeof piece,
                     "var a%u=function(b,c){return b.map(function(d){return d*%u+c})};", i, i % 97);
        fwrite(piece, 1, (size_t)n, f);
        done += (size_t)n;
    }
    fclose(f);
}

static void make_long_file(void) {
    char p[4096];
    pathf(p, sizeof p, "long/generated_table.py");
    FILE *f = fopen(p, "wb");
    RV_CHECK(f != NULL);
    if (!f) return;
    fputs("TABLE = [\n", f);
    for (int i = 0; i < 200000 - 2; i++)
        fprintf(f, "    %d,\n", i * 7);
    fputs("]\n", f);
    fclose(f);
}

static void make_deep_dirs(void) {
    char rel[1100] = "deep";
    for (int i = 0; i < 500; i++)
        strcat(rel, "/d");
    mkdirs(rel);
    strcat(rel, "/bottom.py");
    put(rel, "def deeply_nested_marker_function():\n    return 'found at the bottom'\n");
}

/* Rewrites, truncates, deletes and swaps files under churn/ until killed. */
static void churn_main(void) {
    char p[4096], q[4096];
    unsigned seed = (unsigned)getpid();
    for (unsigned it = 0;; it++) {
        unsigned i = rand_r(&seed) % g_churn_files;
        snprintf(p, sizeof p, "%s/churn/f%02u.py", g_root, i);
        switch (rand_r(&seed) % 6) {
        case 0: unlink(p); break;
        case 1: truncate(p, rand_r(&seed) % 64); break;
        case 2:
            unlink(p);
            mkdir(p, 0755); /* a file becomes a directory... */
            break;
        case 3:
            rmdir(p); /* ...and back */
            /* fall through */
        default: {
            FILE *f = fopen(p, "w");
            if (f) {
                int lines = 1 + (int)(rand_r(&seed) % g_churn_funcs);
                for (int k = 0; k < lines; k++)
                    fprintf(f, "def churn_%u_%d(x):\n    return x + %d\n\n", it, k, k);
                fclose(f);
            }
            snprintf(q, sizeof q, "%s/churn/moved%02u.py", g_root, i);
            if (rand_r(&seed) % 4 == 0) rename(p, q);
        }
        }
        usleep(200);
    }
}

static void build_files(void) {
    const char *dirs[] = {"src",  "crlf",  "utf16",   "names",  "nul",   "big",
                          "long", "links", "special", "locked", "churn", "odd"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        mkdirs(dirs[i]);

    /* ordinary files the queries must find */
    put("src/retry.py", k_retry_py);
    put("src/checksum.c", k_crc_c);
    put("src/config.go", k_config_go);

    /* CRLF line ends */
    put("crlf/registry.py", "import winreg\r\n\r\n\r\ndef read_windows_registry_value(hive, key, "
                            "name):\r\n    with winreg.OpenKey(hive, key) as k:\r\n"
                            "        return winreg.QueryValueEx(k, name)[0]\r\n");
    /* UTF-16 with a byte-order mark, both byte orders */
    {
        const char *text = "def parse_utf16_document(stream):\n    return stream.read()\n";
        size_t n = strlen(text);
        unsigned char le[256], be[256];
        le[0] = 0xFF, le[1] = 0xFE, be[0] = 0xFE, be[1] = 0xFF;
        for (size_t i = 0; i < n; i++) {
            le[2 + 2 * i] = (unsigned char)text[i], le[3 + 2 * i] = 0;
            be[2 + 2 * i] = 0, be[3 + 2 * i] = (unsigned char)text[i];
        }
        put_bytes("utf16/doc_le.py", le, 2 + 2 * n);
        put_bytes("utf16/doc_be.txt", be, 2 + 2 * n);
    }
    /* invalid UTF-8 in names and contents; a newline and a 255-byte name */
    put("names/bad_\xff\xfe\x80_name.py", "def invalid_utf8_name_marker():\n    return 1\n");
    put("names/latin1_\xe9t\xe9.c", "int latin1_\xe9t\xe9_function(void) { return 0; }\n");
    put("names/new\nline.py", "def newline_in_file_name():\n    pass\n");
    put("names/contents.py", "def broken_bytes():\n    s = '\xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc "
                             "\xed\xa0\x80 \xf8\x88\x80\x80\x80'\n    return s\n");
    {
        char name[300] = "names/";
        memset(name + 6, 'n', 251);
        strcpy(name + 6 + 251, ".py");
        put(name, "def very_long_file_name():\n    pass\n");
    }
    /* NUL bytes: early (binary, skipped) and past the 8 KiB sniff window */
    {
        static const char early[] = "def x():\n\0\0\0 return 0\n";
        put_bytes("nul/early_nul.py", early, sizeof early - 1);
        size_t n = g_late_nul_len;
        char *late = malloc(n);
        if (late) {
            for (size_t i = 0; i < n; i++)
                late[i] = i % 40 == 39 ? '\n' : 'a' + (char)(i % 26);
            late[n - 100] = 0;
            put_bytes("nul/late_nul.py", late, n);
            free(late);
        }
    }
    put("odd/empty.py", "");
    put("odd/blank.py", "\n\n   \n\t\n");
    put("odd/no_newline.py", "def no_trailing_newline(): return 42");
    make_big_minified();
    make_long_file();
    make_deep_dirs();

    /* symlink loops, a dangling link, a link out of the tree */
    char p[4096];
    int bad = 0;
    pathf(p, sizeof p, "links/self");
    bad |= symlink(".", p);
    pathf(p, sizeof p, "links/up");
    bad |= symlink("..", p);
    pathf(p, sizeof p, "links/a");
    bad |= symlink("b", p);
    pathf(p, sizeof p, "links/b");
    bad |= symlink("a", p);
    pathf(p, sizeof p, "links/dangling.py");
    bad |= symlink("no/such/file.py", p);
    snprintf(p, sizeof p, "%s/outside", g_dir);
    bad |= mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/outside/elsewhere.py", g_dir);
    bad |= hc_puts(p, "def outside_the_tree():\n    pass\n");
    pathf(p, sizeof p, "links/outside");
    bad |= symlink("../../outside", p);
    RV_CHECK(bad == 0);
    /* a FIFO nobody writes to: opening it would block forever */
    pathf(p, sizeof p, "special/pipe.py");
    RV_CHECK(mkfifo(p, 0644) == 0);
    /* unreadable file and directory (root reads them anyway) */
    put("locked/secret.py", "def unreadable_secret():\n    pass\n");
    pathf(p, sizeof p, "locked/secret.py");
    chmod(p, 0);
    mkdirs("locked/closed");
    put("locked/closed/inner.py", "def inside_closed_dir():\n    pass\n");
    pathf(p, sizeof p, "locked/closed");
    chmod(p, 0);
    for (unsigned i = 0; i < g_churn_files; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "churn/f%02u.py", i);
        put(rel, "def churn_seed():\n    return 0\n");
    }
}

static int build_tree(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/rvhostile-XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_root, sizeof g_root, "%s/tree", g_dir);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_dir);
    if (mkdir(g_root, 0755) || mkdir(g_cache, 0755)) return -1;
    build_files();
    fflush(stdout);
    g_churn = fork();
    if (g_churn == 0) {
        churn_main();
        _exit(0);
    }
    return g_churn > 0 ? 0 : -1;
}

static void destroy_tree(void) {
    if (g_churn > 0) {
        kill(g_churn, SIGKILL);
        waitpid(g_churn, NULL, 0);
        g_churn = -1;
    }
    char p[4096];
    pathf(p, sizeof p, "locked/closed");
    chmod(p, 0755);
    if (g_dir[0]) hc_rmtree(g_dir);
}

/* ---- running ripvec on it ---- */

/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static int valid_utf8(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (!k || i + k > n || (k == 2 && c < 0xC2)) return 0;
        unsigned cp = k == 1 ? c : c & (0x7F >> k);
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000))) ||
            (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += k;
    }
    return 1;
}

/* Each stdout line must be one JSON object in valid UTF-8 (RFC 8259) with a
 * string "file_path"; returns how many lines name a path containing `want`. */
static int json_hits(const hc_run *r, const char *want, int *bad_lines) {
    int hits = 0;
    *bad_lines = 0;
    const char *s = r->out;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        cJSON *j = cJSON_ParseWithLength(s, len);
        const cJSON *path = j ? cJSON_GetObjectItemCaseSensitive(j, "file_path") : NULL;
        if (!cJSON_IsString(path) || !valid_utf8((const unsigned char *)s, len))
            (*bad_lines)++;
        else if (strstr(path->valuestring, want))
            hits++;
        cJSON_Delete(j);
        s = nl ? nl + 1 : s + len;
    }
    return hits;
}

static void run_ripvec_on(hc_run *r, const char *const *extra, const char *const *env,
                          const char *root) {
    char *argv[40];
    int n = 0;
    argv[n++] = (char *)g_bin;
    argv[n++] = (char *)"--model";
    argv[n++] = (char *)g_model;
    for (size_t i = 0; extra[i] && n < 36; i++)
        argv[n++] = (char *)extra[i];
    argv[n++] = (char *)root;
    argv[n] = NULL;
    hc_run_cmd(r, g_dir, argv, env, NULL, g_timeout);
}

static void run_ripvec(hc_run *r, const char *const *extra, const char *const *env) {
    run_ripvec_on(r, extra, env, g_root);
}

static void check_ok(const char *what, const hc_run *r) {
    RV_CHECK_MSG(!r->timed_out && r->code == 0, "%s: exit %d%s", what, r->code,
                 r->timed_out ? " (timed out)" : "");
    if (r->timed_out || r->code != 0) hc_dump(what, r);
}

RV_TEST(hostile_tree_no_index_finds_ordinary_code) {
    hc_run r;
    const char *args[] = {
        "--no-index", "-v",
        "--json",     "-n",
        "8",          "--threads",
        "2",          "retry a failed network call, sleeping longer after each failure",
        NULL};
    run_ripvec(&r, args, NULL);
    check_ok("--no-index", &r);
    int bad;
    RV_CHECK_MSG(json_hits(&r, "src/retry.py", &bad) >= 1, "retry.py not among the results:\n%s",
                 r.out);
    RV_CHECK_EQ_INT(bad, 0);
    /* skips are said, one line each, under -v */
    RV_CHECK_MSG(hc_lines_with(r.err, "bundle.min.js") >= 1, "no note on the big file");
    RV_CHECK_MSG(hc_lines_with(r.err, "generated_table.py") >= 1, "no note on the long file");
    RV_CHECK_MSG(hc_lines_with(r.err, "pipe.py") >= 1, "no note on the FIFO");
    RV_CHECK_MSG(hc_lines_with(r.err, "early_nul.py") >= 1, "no note on the binary file");
    RV_CHECK_MSG(hc_lines_with(r.err, "links/self") >= 1, "no note on the symlink");
    printf("  --no-index: %.1fs, %zu result bytes, %d stderr lines\n", r.seconds, r.out_len,
           hc_lines_with(r.err, "ripvec: "));
    hc_run_free(&r);
}

RV_TEST(hostile_tree_index_twice_then_finds_ordinary_code) {
    const char *args[] = {"--cache-dir", g_cache, "-v",
                          "--json",      "-n",    "8",
                          "--threads",   "2",     "compute the CRC-32 checksum of a byte buffer",
                          NULL};
    for (int pass = 0; pass < 2; pass++) {
        hc_run r;
        run_ripvec(&r, args, NULL);
        check_ok(pass ? "index, second run" : "index, first run", &r);
        int bad;
        RV_CHECK_MSG(json_hits(&r, "src/checksum.c", &bad) >= 1,
                     "checksum.c not among the results (pass %d):\n%s", pass, r.out);
        RV_CHECK_EQ_INT(bad, 0);
        printf("  index pass %d: %.1fs\n", pass + 1, r.seconds);
        hc_run_free(&r);
    }
}

RV_TEST(hostile_tree_follow_links_keyword_everything) {
    /* -L follows the loops; the size limit is lifted so the huge files are
     * chunked too (keyword mode: no embedding of megabytes). */
    hc_run r;
    const char *args[] = {"--no-index",
                          "--mode",
                          "keyword",
                          "-L",
                          "--max-filesize",
                          "1G",
                          "-v",
                          "--json",
                          "-n",
                          "5",
                          "deeply_nested_marker_function",
                          NULL};
    run_ripvec(&r, args, NULL);
    check_ok("-L keyword, no size limit", &r);
    int bad;
    RV_CHECK_MSG(json_hits(&r, "/d/bottom.py", &bad) >= 1, "the 500-deep file was not found:\n%s",
                 r.out);
    RV_CHECK_EQ_INT(bad, 0);
    RV_CHECK_MSG(hc_lines_with(r.err, "links/") >= 1, "no note on the symlink loops");
    printf("  -L keyword over %zu MB: %.1fs\n", g_big_mb, r.seconds);
    hc_run_free(&r);
}

RV_TEST(hostile_tree_threads_1_is_honoured) {
    /* OpenBLAS (pthreads build) parks nproc-1 threads of its own at load,
     * before main: OPENBLAS_NUM_THREADS=1 keeps it from doing so, so that
     * every thread seen is ripvec's. A run with --threads 2 shows the
     * sampling sees worker threads at all. The ordinary files alone keep
     * it quick. */
    static const char *env[] = {"OPENBLAS_NUM_THREADS=1", NULL};
    const char *one[] = {"--no-index", "--threads", "1", "-q", "retry with backoff", NULL};
    const char *two[] = {"--no-index", "--threads", "2", "-q", "retry with backoff", NULL};
    hc_run r1, r2;
    char src[400];
    snprintf(src, sizeof src, "%s/src", g_root);
    run_ripvec_on(&r1, one, env, src);
    run_ripvec_on(&r2, two, env, src);
    check_ok("--threads 1", &r1);
    check_ok("--threads 2", &r2);
    printf("  max threads: --threads 1 -> %d, --threads 2 -> %d\n", r1.max_tasks, r2.max_tasks);
    RV_CHECK_EQ_INT(r1.max_tasks, 1);
    RV_CHECK(r2.max_tasks >= 2);
    hc_run_free(&r1);
    hc_run_free(&r2);
}

/* ---- chunks of the huge files stay within the model's limit ---- */

static size_t count_tokens(void *user, const char *text, size_t len) {
    return rv_tokenizer_count((const rv_tokenizer *)user, text, len);
}

/* Child process: 0 when all chunks fit and together cover the file, 1 when a
 * check failed. Coverage is counted in bytes for a one-line file (found by
 * searching each chunk's content in the file) and in lines otherwise (the
 * chunker may rewrite invalid UTF-8, so content is not always verbatim). */
static int chunk_check(const char *rel, const rv_tokenizer *tk, int max_tokens) {
    char p[4096];
    pathf(p, sizeof p, rel);
    size_t len = 0;
    char *data = hc_slurp(p, &len);
    size_t nlines = 0;
    for (size_t i = 0; i < len; i++)
        nlines += data[i] == '\n';
    if (len && data[len - 1] != '\n') nlines++;
    int one_line = nlines <= 1;
    rv_chunk_params cp = rv_chunk_default_params();
    cp.max_tokens = max_tokens;
    cp.count_tokens = count_tokens;
    cp.count_user = (void *)tk;
    rv_chunk_list list = {0};
    int bad = 0;
    double t0 = hc_now();
    if (rv_chunk_file(&list, rel, data, len, &cp) != RV_OK) {
        printf("  %s: rv_chunk_file failed: %s\n", rel, rv_error_last());
        bad = 1;
    }
    double t1 = hc_now();
    size_t worst = 0, covered = 0, pos = 0, lost = 0, unit = one_line ? len : nlines;
    for (size_t i = 0; i < list.count && !bad; i++) {
        const rv_chunk *c = &list.items[i];
        size_t t = rv_tokenizer_count(tk, c->embed_text, strlen(c->embed_text));
        if (t > worst) worst = t;
        size_t start, end; /* [start, end) in bytes or 0-based lines */
        if (one_line) {
            /* Chunks come in file order and may overlap: search from the
             * previous chunk's start. */
            size_t clen = strlen(c->content);
            const char *at = memmem(data + pos, len - pos, c->content, clen);
            if (!at) {
                lost += clen;
                continue;
            }
            start = (size_t)(at - data);
            end = start + clen;
        } else {
            if (c->start_line < 1 || c->end_line < c->start_line || (size_t)c->end_line > nlines) {
                printf("  %s: chunk %zu has lines %d-%d of %zu\n", rel, i, c->start_line,
                       c->end_line, nlines);
                bad = 1;
                continue;
            }
            start = (size_t)c->start_line - 1;
            end = (size_t)c->end_line;
        }
        if (start > covered) lost += start - covered; /* a gap no chunk holds */
        if (end > covered) covered = end;
        pos = start;
    }
    if (covered < unit) lost += unit - covered;
    printf("  %s: %zu bytes, %zu lines -> %zu chunks in %.1fs, largest %zu tokens (limit %d), "
           "%zu %s in no chunk\n",
           rel, len, nlines, list.count, t1 - t0, worst, max_tokens, lost,
           one_line ? "bytes" : "lines");
    if (worst > (size_t)max_tokens || list.count == 0) bad = 1;
    /* whitespace between chunks may be dropped; text may not */
    if (lost > unit / 100) bad = 1;
    rv_chunk_list_free(&list);
    free(data);
    return bad;
}

RV_TEST(hostile_tree_chunks_fit_the_model) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm((unsigned)g_timeout);
        rv_model_params mp = rv_model_default_params();
        mp.threads = 1;
        rv_model *m = NULL;
        if (rv_model_load(&m, g_model, &mp) != RV_OK) {
            printf("  model: %s\n", rv_error_last());
            _exit(1);
        }
        int limit = rv_model_max_tokens(m) - 2; /* [CLS] and [SEP] */
        int bad = chunk_check("big/bundle.min.js", rv_model_tokenizer(m), limit);
        bad |= chunk_check("long/generated_table.py", rv_model_tokenizer(m), limit);
        bad |= chunk_check("names/contents.py", rv_model_tokenizer(m), limit);
        rv_model_free(m);
        fflush(stdout);
        _exit(bad);
    }
    int status = 0;
    RV_CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    RV_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "chunk check: status %d%s", status,
                 WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
}

/* `test_hostile_tree --make-tree DIR` builds the tree (without the churning
 * child) under DIR/tree and exits: bench/bench_rss.sh measures on it. */
static int make_tree_only(const char *dir) {
    snprintf(g_dir, sizeof g_dir, "%s", dir);
    snprintf(g_root, sizeof g_root, "%s/tree", g_dir);
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_dir);
    mkdir(g_dir, 0755);
    if (mkdir(g_root, 0755) || mkdir(g_cache, 0755)) return 1;
    build_files();
    return rvt_cur_failed;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--make-tree") == 0) return make_tree_only(argv[2]);
    const char *mb = getenv("RIPVEC_HOSTILE_BIG_MB");
    if (mb && atoi(mb) > 0) g_big_mb = (size_t)atoi(mb);
    const char *to = getenv("RIPVEC_HOSTILE_TIMEOUT");
    if (to && atoi(to) > 0) g_timeout = atoi(to);
    g_bin = hc_bin();
    g_model = hc_model_dir();
    if (!g_bin || !g_model) {
        printf("FAIL setup: %s\n", !g_bin ? "RIPVEC_BIN is not set to an executable"
                                          : "the model is missing (RIPVEC_TEST_MODEL or cache)");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    double t0 = hc_now();
    if (build_tree() != 0) {
        printf("FAIL setup: cannot build the tree under /tmp\n0 passed, 1 failed\n");
        destroy_tree();
        return 1;
    }
    printf("  tree built in %.1fs (big file %zu MB)\n", hc_now() - t0, g_big_mb);
    RV_RUN(hostile_tree_no_index_finds_ordinary_code);
    RV_RUN(hostile_tree_index_twice_then_finds_ordinary_code);
    RV_RUN(hostile_tree_follow_links_keyword_everything);
    RV_RUN(hostile_tree_threads_1_is_honoured);
    RV_RUN(hostile_tree_chunks_fit_the_model);
    destroy_tree();
    return rv_test_summary();
}
