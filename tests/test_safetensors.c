/* safetensors reader: corrupt files refused with a clear message, valid files
 * read back (F32/F16/BF16, unaligned data), and the real MiniLM weights. */
#include "ripvec/modelfile.h"
#include "rvtest.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned char g_buf[1 << 16];

/* Lays out [u64 header length][header + pad spaces][data]; returns the size. */
static size_t build_hl(uint64_t hlen_field, const char *hdr, size_t pad, const void *data,
                       size_t dlen) {
    size_t hl = strlen(hdr) + pad;
    for (int i = 0; i < 8; i++)
        g_buf[i] = (unsigned char)(hlen_field >> (8 * i));
    memcpy(g_buf + 8, hdr, strlen(hdr));
    memset(g_buf + 8 + strlen(hdr), ' ', pad);
    if (dlen) memcpy(g_buf + 8 + hl, data, dlen);
    return 8 + hl + dlen;
}

static size_t build(const char *hdr, size_t pad, const void *data, size_t dlen) {
    return build_hl(strlen(hdr) + pad, hdr, pad, data, dlen);
}

/* Parses g_buf[0..n) expecting failure `want` with `needle` in the message. */
static int refused(size_t n, rv_status want, const char *needle) {
    rv_safetensors *st = (rv_safetensors *)0x1;
    rv_status rc = rv_safetensors_parse(&st, g_buf, n);
    int ok = rc == want && st == NULL && strstr(rv_error_last(), needle) != NULL &&
             strchr(rv_error_last(), '\n') == NULL;
    if (!ok) printf("  got %s: %s\n", rv_status_name(rc), rv_error_last());
    rv_safetensors_close(st);
    return ok;
}

static const float k_f32[4] = {1.5f, -2.25f, 0.0f, 3e-3f};

RV_TEST(truncated_file) {
    RV_CHECK(refused(build("{}", 0, NULL, 0) - 4, RV_ERR_FORMAT, "truncated"));
    RV_CHECK(refused(0, RV_ERR_FORMAT, "truncated"));
}

RV_TEST(header_length_past_end) {
    size_t n = build_hl(100, "{}", 0, NULL, 0);
    RV_CHECK(refused(n, RV_ERR_FORMAT, "past the end"));
}

RV_TEST(huge_header_length) {
    size_t n = build_hl((uint64_t)1 << 62, "{}", 0, NULL, 0);
    RV_CHECK(refused(n, RV_ERR_FORMAT, "exceeds"));
    n = build_hl(UINT64_MAX, "{}", 0, NULL, 0);
    RV_CHECK(refused(n, RV_ERR_FORMAT, "exceeds"));
}

RV_TEST(tiny_header_length) {
    size_t n = build_hl(1, "{}", 0, NULL, 0);
    RV_CHECK(refused(n, RV_ERR_FORMAT, "too small"));
}

RV_TEST(non_json_header) {
    RV_CHECK(refused(build("{not json", 0, NULL, 0), RV_ERR_FORMAT, "not valid JSON"));
    RV_CHECK(refused(build("{} xx", 0, NULL, 0), RV_ERR_FORMAT, "trailing bytes"));
}

RV_TEST(header_not_object) {
    RV_CHECK(refused(build("[1, 2]", 0, NULL, 0), RV_ERR_FORMAT, "not a JSON object"));
    RV_CHECK(refused(build("{\"a\": 3}", 0, NULL, 0), RV_ERR_FORMAT, "entry is not a JSON object"));
}

RV_TEST(unknown_dtype) {
    const char *h = "{\"a\":{\"dtype\":\"Q4_0\",\"shape\":[2],\"data_offsets\":[0,4]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 4), RV_ERR_UNSUPPORTED, "unsupported dtype 'Q4_0'"));
    h = "{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 4), RV_ERR_FORMAT, "dtype"));
}

RV_TEST(offsets_out_of_range) {
    const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[4,20]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "past the data area"));
    h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "data_offsets"));
    h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "data_offsets"));
}

RV_TEST(end_before_begin) {
    const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "end 4 < begin 8"));
}

RV_TEST(size_mismatch_with_shape) {
    const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "need 16"));
    h = "{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "need 8"));
}

RV_TEST(element_count_overflow) {
    const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                    "\"data_offsets\":[0,16]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "overflows"));
}

RV_TEST(overlapping_tensors) {
    const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "overlap"));
}

RV_TEST(duplicate_names) {
    const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "duplicate tensor name 'a'"));
}

RV_TEST(bad_shapes) {
    const char *h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "shape[0] is not a non-negative"));
    h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "shape[0]"));
    h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "9 dimensions"));
    h = "{\"a\":{\"dtype\":\"F32\",\"shape\":\"4\",\"data_offsets\":[0,16]}}";
    RV_CHECK(refused(build(h, 0, k_f32, 16), RV_ERR_FORMAT, "shape"));
}

RV_TEST(bad_metadata) {
    const char *h = "{\"__metadata__\":{\"format\":3}}";
    RV_CHECK(refused(build(h, 0, NULL, 0), RV_ERR_FORMAT, "__metadata__"));
    h = "{\"__metadata__\":[1]}";
    RV_CHECK(refused(build(h, 0, NULL, 0), RV_ERR_FORMAT, "__metadata__"));
}

/* F16 and BF16 bit patterns with their exact values from the IEEE layouts. */
static const uint16_t k_f16[6] = {0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x7C00};
static const float k_f16_val[6] = {
    1.0f, -2.0f, 0.333251953125f, 65504.0f, 5.9604644775390625e-8f, INFINITY};
static const uint16_t k_bf16[3] = {0x3F80, 0xC060, 0x4049};
static const float k_bf16_val[3] = {1.0f, -3.5f, 3.140625f};

/* Data area: f32[4] at 0, f16[6] at 16, bf16[3] at 28, i64[2] at 34, empty at 50. */
static size_t build_valid(size_t pad) {
    static unsigned char data[50];
    memcpy(data, k_f32, 16);
    memcpy(data + 16, k_f16, 12);
    memcpy(data + 28, k_bf16, 6);
    int64_t iv[2] = {7, -9};
    memcpy(data + 34, iv, 16);
    const char *h = "{\"__metadata__\":{\"format\":\"pt\"},"
                    "\"w.f32\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                    "\"w.f16\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[16,28]},"
                    "\"b.bf16\":{\"dtype\":\"BF16\",\"shape\":[1,3],\"data_offsets\":[28,34]},"
                    "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[34,50]},"
                    "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[50,50]}}";
    return build(h, pad, data, sizeof data);
}

static void check_valid(const rv_safetensors *st) {
    RV_CHECK_EQ_INT(rv_safetensors_count(st), 5);
    RV_CHECK_STR(rv_safetensors_metadata(st, "format"), "pt");
    RV_CHECK(rv_safetensors_metadata(st, "nope") == NULL);
    /* Sorted by name. */
    RV_CHECK_STR(rv_safetensors_get(st, 0)->name, "b.bf16");
    RV_CHECK_STR(rv_safetensors_get(st, 4)->name, "w.f32");
    RV_CHECK(rv_safetensors_get(st, 5) == NULL);
    RV_CHECK(rv_safetensors_find(st, "missing") == NULL);

    const rv_tensor_info *t = rv_safetensors_find(st, "w.f32");
    RV_CHECK(t && t->dtype == RV_DTYPE_F32 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 2);
    float out[6];
    RV_CHECK_EQ_INT(rv_tensor_read_f32(t, out, 4), RV_OK);
    for (int i = 0; i < 4; i++)
        RV_CHECK(out[i] == k_f32[i]);
    RV_CHECK_EQ_INT(rv_tensor_read_f32(t, out, 3), RV_ERR_INVALID_ARG);

    t = rv_safetensors_find(st, "w.f16");
    RV_CHECK(t && t->dtype == RV_DTYPE_F16 && t->nbytes == 12);
    RV_CHECK_EQ_INT(rv_tensor_read_f32(t, out, 6), RV_OK);
    for (int i = 0; i < 6; i++)
        RV_CHECK_MSG(out[i] == k_f16_val[i], "f16[%d] = %g", i, out[i]);

    t = rv_safetensors_find(st, "b.bf16");
    RV_CHECK(t && t->dtype == RV_DTYPE_BF16 && t->ndim == 2 && t->shape[1] == 3);
    RV_CHECK_EQ_INT(rv_tensor_read_f32(t, out, 3), RV_OK);
    for (int i = 0; i < 3; i++)
        RV_CHECK(out[i] == k_bf16_val[i]);

    t = rv_safetensors_find(st, "ids");
    RV_CHECK(t && t->dtype == RV_DTYPE_I64 && rv_tensor_numel(t) == 2);
    RV_CHECK_EQ_INT(rv_tensor_read_f32(t, out, 2), RV_ERR_UNSUPPORTED);
    int64_t iv[2];
    memcpy(iv, t->data, sizeof iv);
    RV_CHECK(iv[0] == 7 && iv[1] == -9);

    t = rv_safetensors_find(st, "empty");
    RV_CHECK(t && t->nbytes == 0 && rv_tensor_numel(t) == 0);
    RV_CHECK_EQ_INT(rv_tensor_read_f32(t, out, 0), RV_OK);
}

RV_TEST(valid_file_reads_back) {
    for (size_t pad = 0; pad < 4; pad++) {
        size_t n = build_valid(pad);
        rv_safetensors *st = NULL;
        RV_CHECK_EQ_INT(rv_safetensors_parse(&st, g_buf, n), RV_OK);
        if (!st) return;
        check_valid(st); /* pads 1..3 leave the data area unaligned */
        rv_safetensors_close(st);
    }
}

RV_TEST(unaligned_data_start) {
    size_t n = build_valid(0);
    rv_safetensors *st = NULL;
    RV_CHECK_EQ_INT(rv_safetensors_parse(&st, g_buf, n), RV_OK);
    size_t hl = n - 8 - 50;
    rv_safetensors_close(st);
    /* Pick the padding that puts the data area at an odd address. */
    size_t pad = (hl % 2 == 0) ? 1 : 0;
    n = build_valid(pad);
    static unsigned char shifted[sizeof g_buf + 1];
    memcpy(shifted + 1, g_buf, n); /* also shift the whole buffer by one */
    RV_CHECK_EQ_INT(rv_safetensors_parse(&st, shifted + 1, n), RV_OK);
    if (!st) return;
    RV_CHECK(((uintptr_t)rv_safetensors_find(st, "w.f32")->data & 3u) != 0);
    check_valid(st);
    rv_safetensors_close(st);
}

RV_TEST(f64_converts_and_saturates) {
    double d[3] = {1e300, -0.5, -1e300};
    const char *h = "{\"x\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]}}";
    rv_safetensors *st = NULL;
    RV_CHECK_EQ_INT(rv_safetensors_parse(&st, g_buf, build(h, 0, d, sizeof d)), RV_OK);
    if (!st) return;
    float out[3];
    RV_CHECK_EQ_INT(rv_tensor_read_f32(rv_safetensors_find(st, "x"), out, 3), RV_OK);
    RV_CHECK(isinf(out[0]) && out[0] > 0 && out[1] == -0.5f && isinf(out[2]) && out[2] < 0);
    rv_safetensors_close(st);
}

RV_TEST(open_from_disk) {
    char dir[] = "/tmp/rv-st-XXXXXX";
    RV_CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    size_t n = build_valid(3);
    FILE *f = fopen(path, "wb");
    RV_CHECK(f && fwrite(g_buf, 1, n, f) == n);
    if (f) fclose(f);
    rv_safetensors *st = NULL;
    RV_CHECK_EQ_INT(rv_safetensors_open(&st, path), RV_OK);
    if (st) check_valid(st);
    rv_safetensors_close(st);

    /* Corrupt file: the message names it. */
    f = fopen(path, "wb");
    if (f) {
        fwrite(g_buf, 1, 5, f);
        fclose(f);
    }
    RV_CHECK_EQ_INT(rv_safetensors_open(&st, path), RV_ERR_FORMAT);
    RV_CHECK(strstr(rv_error_last(), path) != NULL);
    unlink(path);
    RV_CHECK_EQ_INT(rv_safetensors_open(&st, path), RV_ERR_IO);
    RV_CHECK(st == NULL);
    rmdir(dir);
    rv_safetensors_close(NULL);
}

static const char *real_model_dir(char *buf, size_t cap) {
    const char *env = getenv("RIPVEC_TEST_MODEL");
    if (env && *env) return env;
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg)
        snprintf(buf, cap, "%s/ripvec/models/all-minilm-l6-v2", xdg);
    else
        snprintf(buf, cap, "%s/.cache/ripvec/models/all-minilm-l6-v2", getenv("HOME"));
    return buf;
}

RV_TEST(real_minilm_weights) {
    char buf[4096], path[4200];
    snprintf(path, sizeof path, "%s/model.safetensors", real_model_dir(buf, sizeof buf));
    rv_safetensors *st = NULL;
    RV_CHECK_MSG(rv_safetensors_open(&st, path) == RV_OK, "%s", rv_error_last());
    if (!st) return;
    const rv_tensor_info *t = rv_safetensors_find(st, "embeddings.word_embeddings.weight");
    RV_CHECK(t && t->dtype == RV_DTYPE_F32 && t->ndim == 2 && t->shape[0] == 30522 &&
             t->shape[1] == 384);
    t = rv_safetensors_find(st, "encoder.layer.5.output.LayerNorm.weight");
    RV_CHECK(t && t->ndim == 1 && t->shape[0] == 384);
    RV_CHECK(rv_safetensors_find(st, "encoder.layer.6.output.LayerNorm.weight") == NULL);
    /* Expected sums were computed with Python's json + struct modules reading
     * the same file (an independent reader). */
    if (t) {
        float g[384];
        RV_CHECK_EQ_INT(rv_tensor_read_f32(t, g, 384), RV_OK);
        double s = 0;
        for (int i = 0; i < 384; i++)
            s += g[i];
        RV_CHECK_NEAR(s, 245.77615535109027, 1e-3);
        RV_CHECK_NEAR(g[0], 0.645970344543457, 1e-7);
    }
    t = rv_safetensors_find(st, "embeddings.word_embeddings.weight");
    if (t) {
        /* Row 101 is [CLS]; read in place (the engine's zero-copy path). */
        float row[384];
        memcpy(row, (const char *)t->data + (size_t)101 * 384 * 4, sizeof row);
        double s = 0;
        for (int i = 0; i < 384; i++)
            s += row[i];
        RV_CHECK_NEAR(s, 2.1904991320334375, 1e-4);
        RV_CHECK_NEAR(row[383], -0.061677366495132446, 1e-7);
    }
    RV_CHECK_EQ_INT(rv_safetensors_count(st), 104); /* 105 keys less "__metadata__" */
    t = rv_safetensors_find(st, "embeddings.position_ids");
    RV_CHECK(t && t->dtype == RV_DTYPE_I64);
    rv_safetensors_close(st);
}

int main(void) {
    RV_RUN(truncated_file);
    RV_RUN(header_length_past_end);
    RV_RUN(huge_header_length);
    RV_RUN(tiny_header_length);
    RV_RUN(non_json_header);
    RV_RUN(header_not_object);
    RV_RUN(unknown_dtype);
    RV_RUN(offsets_out_of_range);
    RV_RUN(end_before_begin);
    RV_RUN(size_mismatch_with_shape);
    RV_RUN(element_count_overflow);
    RV_RUN(overlapping_tensors);
    RV_RUN(duplicate_names);
    RV_RUN(bad_shapes);
    RV_RUN(bad_metadata);
    RV_RUN(valid_file_reads_back);
    RV_RUN(unaligned_data_start);
    RV_RUN(f64_converts_and_saturates);
    RV_RUN(open_from_disk);
    RV_RUN(real_minilm_weights);
    return rv_test_summary();
}
