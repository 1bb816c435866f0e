/* safetensors reader: validates the header, keeps the mapping for zero-copy
 * use (see ripvec/modelfile.h). */
#include "ripvec/modelfile.h"
#include "util/fs.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* safetensors data is little-endian and is handed out in place. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ripvec reads safetensors in place and needs a little-endian host"
#endif

enum { RV_ST_MAX_DIMS = 8 };
#define RV_ST_MAX_HEADER ((uint64_t)100 << 20)

struct rv_safetensors {
    rv_tensor_info *tensors; /* sorted by name */
    size_t count;
    char *names; /* one block holding every name, NUL-separated */
    char **meta; /* key, value, key, value, … */
    size_t meta_count;
    rv_mapped map; /* only when opened from a path */
};

static const struct {
    const char *name;
    rv_dtype dt;
    size_t size;
} g_dtypes[] = {
    {"F32", RV_DTYPE_F32, 4},   {"F16", RV_DTYPE_F16, 2}, {"BF16", RV_DTYPE_BF16, 2},
    {"F64", RV_DTYPE_F64, 8},   {"I64", RV_DTYPE_I64, 8}, {"I32", RV_DTYPE_I32, 4},
    {"I16", RV_DTYPE_I16, 2},   {"I8", RV_DTYPE_I8, 1},   {"U8", RV_DTYPE_U8, 1},
    {"BOOL", RV_DTYPE_BOOL, 1},
};

const char *rv_dtype_name(rv_dtype dt) {
    for (size_t i = 0; i < sizeof g_dtypes / sizeof g_dtypes[0]; i++)
        if (g_dtypes[i].dt == dt) return g_dtypes[i].name;
    return "?";
}

size_t rv_dtype_size(rv_dtype dt) {
    for (size_t i = 0; i < sizeof g_dtypes / sizeof g_dtypes[0]; i++)
        if (g_dtypes[i].dt == dt) return g_dtypes[i].size;
    return 0;
}

/* A JSON number that is an exact integer in [0, 2^53]. */
static int json_uint(const cJSON *item, uint64_t *out) {
    if (!cJSON_IsNumber(item)) return 0;
    double v = item->valuedouble;
    if (!(v >= 0.0) || v > 9007199254740992.0 || floor(v) != v) return 0;
    *out = (uint64_t)v;
    return 1;
}

static int cmp_by_name(const void *a, const void *b) {
    return strcmp(((const rv_tensor_info *)a)->name, ((const rv_tensor_info *)b)->name);
}

typedef struct span {
    uint64_t begin, end;
    const char *name;
} span;

static int cmp_span(const void *a, const void *b) {
    const span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Validates one tensor entry and fills *t (name set by the caller). */
static rv_status parse_tensor(rv_tensor_info *t, span *sp, const cJSON *e,
                              const unsigned char *base, uint64_t data_size) {
    const char *name = e->string;
    if (!cJSON_IsObject(e))
        return rv_error_set(RV_ERR_FORMAT, "tensor '%s': entry is not a JSON object", name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt))
        return rv_error_set(RV_ERR_FORMAT, "tensor '%s': missing or non-string \"dtype\"", name);
    size_t esize = 0;
    for (size_t i = 0; i < sizeof g_dtypes / sizeof g_dtypes[0]; i++)
        if (strcmp(dt->valuestring, g_dtypes[i].name) == 0) {
            t->dtype = g_dtypes[i].dt;
            esize = g_dtypes[i].size;
        }
    if (!esize)
        return rv_error_set(RV_ERR_UNSUPPORTED, "tensor '%s': unsupported dtype '%.32s'", name,
                            dt->valuestring);
    if (!cJSON_IsArray(shape))
        return rv_error_set(RV_ERR_FORMAT, "tensor '%s': missing or non-array \"shape\"", name);
    int nd = cJSON_GetArraySize(shape);
    if (nd > RV_ST_MAX_DIMS)
        return rv_error_set(RV_ERR_FORMAT, "tensor '%s': %d dimensions (at most %d)", name, nd,
                            RV_ST_MAX_DIMS);
    uint64_t numel = 1;
    int d = 0;
    for (const cJSON *dim = shape->child; dim; dim = dim->next, d++) {
        uint64_t v;
        if (!json_uint(dim, &v))
            return rv_error_set(RV_ERR_FORMAT,
                                "tensor '%s': shape[%d] is not a non-negative integer", name, d);
        if (__builtin_mul_overflow(numel, v, &numel))
            return rv_error_set(RV_ERR_FORMAT, "tensor '%s': element count overflows", name);
        t->shape[d] = (int64_t)v;
    }
    t->ndim = nd;
    uint64_t need;
    if (__builtin_mul_overflow(numel, (uint64_t)esize, &need))
        return rv_error_set(RV_ERR_FORMAT, "tensor '%s': byte size overflows", name);
    uint64_t b, en;
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || !json_uint(offs->child, &b) ||
        !json_uint(offs->child->next, &en))
        return rv_error_set(RV_ERR_FORMAT,
                            "tensor '%s': \"data_offsets\" is not [begin, end] of non-negative "
                            "integers",
                            name);
    if (en < b)
        return rv_error_set(RV_ERR_FORMAT, "tensor '%s': data_offsets end %llu < begin %llu", name,
                            (unsigned long long)en, (unsigned long long)b);
    if (en > data_size)
        return rv_error_set(RV_ERR_FORMAT,
                            "tensor '%s': data_offsets end %llu past the data area (%llu bytes)",
                            name, (unsigned long long)en, (unsigned long long)data_size);
    if (en - b != need)
        return rv_error_set(
            RV_ERR_FORMAT, "tensor '%s': %llu data bytes but shape and dtype %s need %llu", name,
            (unsigned long long)(en - b), dt->valuestring, (unsigned long long)need);
    t->data = base + b;
    t->nbytes = (size_t)need;
    sp->begin = b;
    sp->end = en;
    return RV_OK;
}

static rv_status parse_metadata(rv_safetensors *st, const cJSON *m) {
    if (!cJSON_IsObject(m))
        return rv_error_set(RV_ERR_FORMAT, "\"__metadata__\" is not a JSON object");
    size_t n = (size_t)cJSON_GetArraySize(m);
    if (n == 0) return RV_OK;
    st->meta = calloc(2 * n, sizeof *st->meta);
    if (!st->meta) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    for (const cJSON *kv = m->child; kv; kv = kv->next) {
        if (!cJSON_IsString(kv))
            return rv_error_set(RV_ERR_FORMAT, "\"__metadata__\" value for '%s' is not a string",
                                kv->string);
        char *k = strdup(kv->string), *v = strdup(kv->valuestring);
        st->meta[2 * st->meta_count] = k;
        st->meta[2 * st->meta_count + 1] = v;
        st->meta_count++;
        if (!k || !v) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    return RV_OK;
}

static rv_status parse_header(rv_safetensors *st, const unsigned char *data, size_t size) {
    rv_status rc = RV_OK;
    cJSON *root = NULL;
    span *spans = NULL;
    if (size < 8)
        return rv_error_set(RV_ERR_FORMAT,
                            "truncated: %zu bytes, shorter than the 8-byte header "
                            "length",
                            size);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | data[i];
    if (hlen < 2)
        return rv_error_set(RV_ERR_FORMAT, "header length %llu is too small",
                            (unsigned long long)hlen);
    if (hlen > RV_ST_MAX_HEADER)
        return rv_error_set(RV_ERR_FORMAT, "header length %llu exceeds the %llu-byte limit",
                            (unsigned long long)hlen, (unsigned long long)RV_ST_MAX_HEADER);
    if (hlen > size - 8)
        return rv_error_set(RV_ERR_FORMAT,
                            "header length %llu runs past the end of the file "
                            "(%zu bytes)",
                            (unsigned long long)hlen, size);
    const char *hdr = (const char *)data + 8;
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(hdr, (size_t)hlen, &end, 0);
    if (!root) {
        rc = rv_error_set(RV_ERR_FORMAT, "header is not valid JSON (at byte %lld)",
                          (long long)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - hdr : -1));
        goto done;
    }
    /* The writer pads the header with spaces; anything else after it is junk. */
    for (const char *p = end; p && p < hdr + hlen; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\0') {
            rc = rv_error_set(RV_ERR_FORMAT, "trailing bytes after the JSON header");
            goto done;
        }
    if (!cJSON_IsObject(root)) {
        rc = rv_error_set(RV_ERR_FORMAT, "header is not a JSON object");
        goto done;
    }
    const unsigned char *base = data + 8 + hlen;
    uint64_t data_size = (uint64_t)size - 8 - hlen;
    size_t n = 0, name_bytes = 0;
    for (const cJSON *e = root->child; e; e = e->next) {
        if (strcmp(e->string, "__metadata__") == 0) continue;
        n++;
        name_bytes += strlen(e->string) + 1;
    }
    st->tensors = calloc(n ? n : 1, sizeof *st->tensors);
    st->names = malloc(name_bytes ? name_bytes : 1);
    spans = calloc(n ? n : 1, sizeof *spans);
    if (!st->tensors || !st->names || !spans) {
        rc = rv_error_set(RV_ERR_NOMEM, "out of memory for %zu tensors", n);
        goto done;
    }
    char *np = st->names;
    int seen_meta = 0;
    for (const cJSON *e = root->child; e; e = e->next) {
        if (strcmp(e->string, "__metadata__") == 0) {
            if (seen_meta++) {
                rc = rv_error_set(RV_ERR_FORMAT, "duplicate \"__metadata__\"");
                goto done;
            }
            if ((rc = parse_metadata(st, e)) != RV_OK) goto done;
            continue;
        }
        rv_tensor_info *t = &st->tensors[st->count];
        size_t l = strlen(e->string) + 1;
        memcpy(np, e->string, l);
        t->name = np;
        np += l;
        spans[st->count].name = t->name;
        if ((rc = parse_tensor(t, &spans[st->count], e, base, data_size)) != RV_OK) goto done;
        st->count++;
    }
    qsort(st->tensors, st->count, sizeof *st->tensors, cmp_by_name);
    for (size_t i = 1; i < st->count; i++)
        if (strcmp(st->tensors[i - 1].name, st->tensors[i].name) == 0) {
            rc = rv_error_set(RV_ERR_FORMAT, "duplicate tensor name '%s'", st->tensors[i].name);
            goto done;
        }
    /* Overlap check on data ranges; empty tensors take no room. */
    qsort(spans, st->count, sizeof *spans, cmp_span);
    uint64_t reach = 0;
    const char *reach_name = NULL;
    for (size_t i = 0; i < st->count; i++) {
        if (spans[i].begin == spans[i].end) continue;
        if (spans[i].begin < reach) {
            rc = rv_error_set(RV_ERR_FORMAT, "tensors '%s' and '%s' overlap in the data area",
                              reach_name, spans[i].name);
            goto done;
        }
        reach = spans[i].end;
        reach_name = spans[i].name;
    }
done:
    free(spans);
    cJSON_Delete(root);
    return rc;
}

static void st_free(rv_safetensors *st) {
    if (!st) return;
    for (size_t i = 0; i < 2 * st->meta_count; i++)
        free(st->meta[i]);
    free(st->meta);
    free(st->tensors);
    free(st->names);
    rv_unmap_file(&st->map);
    free(st);
}

rv_status rv_safetensors_parse(rv_safetensors **out, const void *data, size_t size) {
    *out = NULL;
    if (!data && size) return rv_error_set(RV_ERR_INVALID_ARG, "safetensors: NULL buffer");
    rv_safetensors *st = calloc(1, sizeof *st);
    if (!st) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    rv_status rc = parse_header(st, data, size);
    if (rc != RV_OK) {
        rv_error_prefix(rc, "safetensors");
        st_free(st);
        return rc;
    }
    *out = st;
    return RV_OK;
}

rv_status rv_safetensors_open(rv_safetensors **out, const char *path) {
    *out = NULL;
    rv_mapped m;
    rv_status rc = rv_map_file(&m, path);
    if (rc != RV_OK) return rc;
    rv_safetensors *st = calloc(1, sizeof *st);
    if (!st) {
        rv_unmap_file(&m);
        return rv_error_set(RV_ERR_NOMEM, "out of memory");
    }
    st->map = m;
    rc = parse_header(st, m.data, m.size);
    if (rc != RV_OK) {
        rv_error_prefix(rc, path);
        st_free(st);
        return rc;
    }
    *out = st;
    return RV_OK;
}

void rv_safetensors_close(rv_safetensors *st) {
    st_free(st);
}

size_t rv_safetensors_count(const rv_safetensors *st) {
    return st ? st->count : 0;
}

const rv_tensor_info *rv_safetensors_get(const rv_safetensors *st, size_t i) {
    return st && i < st->count ? &st->tensors[i] : NULL;
}

const rv_tensor_info *rv_safetensors_find(const rv_safetensors *st, const char *name) {
    if (!st || !name) return NULL;
    size_t lo = 0, hi = st->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(st->tensors[mid].name, name);
        if (c == 0) return &st->tensors[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *rv_safetensors_metadata(const rv_safetensors *st, const char *key) {
    if (!st || !key) return NULL;
    for (size_t i = 0; i < st->meta_count; i++)
        if (strcmp(st->meta[2 * i], key) == 0) return st->meta[2 * i + 1];
    return NULL;
}

size_t rv_tensor_numel(const rv_tensor_info *t) {
    size_t es = rv_dtype_size(t->dtype);
    return es ? t->nbytes / es : 0;
}

/* IEEE half to float, subnormals, infinities and NaN included. */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {
        /* Subnormal: exactly man * 2^-24. */
        float f = (float)man * 5.9604644775390625e-8f;
        return sign ? -f : f;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

rv_status rv_tensor_read_f32(const rv_tensor_info *t, float *dst, size_t count) {
    if (!t || (!dst && count))
        return rv_error_set(RV_ERR_INVALID_ARG, "tensor read: NULL argument");
    size_t n = rv_tensor_numel(t);
    if (count != n)
        return rv_error_set(RV_ERR_INVALID_ARG, "tensor '%s': asked for %zu elements, it has %zu",
                            t->name, count, n);
    const unsigned char *p = t->data;
    switch (t->dtype) {
    case RV_DTYPE_F32:
        if (n) memcpy(dst, p, n * 4);
        return RV_OK;
    case RV_DTYPE_F16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            dst[i] = half_to_float(h);
        }
        return RV_OK;
    case RV_DTYPE_BF16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            uint32_t bits = (uint32_t)h << 16;
            memcpy(&dst[i], &bits, 4);
        }
        return RV_OK;
    case RV_DTYPE_F64:
        for (size_t i = 0; i < n; i++) {
            double v;
            memcpy(&v, p + 8 * i, 8);
            /* Out-of-range double -> float conversion is undefined in C. */
            dst[i] = v > FLT_MAX ? INFINITY : v < -FLT_MAX ? -INFINITY : (float)v;
        }
        return RV_OK;
    default:
        return rv_error_set(RV_ERR_UNSUPPORTED, "tensor '%s': dtype %s cannot be read as float32",
                            t->name, rv_dtype_name(t->dtype));
    }
}
