/* The CPU driver's packed layers as bytes, so a caller can keep them
 * across loads (driver.h: pack_key, export_linear, import_linear): a small
 * header naming the format and shape, then the packed weight's own bytes
 * (cpu_linear.h), read in place on import. */
#include "driver/cpu/cpu_internal.h"
#include "driver/cpu/cpu_linear.h"

#include <stdio.h>
#include <string.h>

/* Bump when the packing of any format changes (the packed bytes of one
 * weight then differ). */
#define PACK_VERSION 1

enum { HEAD = 64 };
static const char blob_magic[8] = {'R', 'V', 'W', 'P', 'A', 'C', 'K', '1'};

typedef struct blob_head {
    char magic[8];
    uint32_t fmt, quads, colinv, pad;
    uint64_t n, k, len;
} blob_head;

/* The packing itself is the same in every family today; the family is in
 * the key so that a family that packs its own way never reads another's. */
const char *rv_cpu_pack_key(void *dev) {
    rv_cpu_device *d = dev;
#if defined(__aarch64__)
    const char *arch = "a64";
#else
    const char *arch = "x64";
#endif
    snprintf(d->pack_key, sizeof d->pack_key, "cpu%d-%s-%s", PACK_VERSION, arch,
             rv_cpu_isa_name(d->isa));
    return d->pack_key;
}

size_t rv_cpu_export_linear(void *dev, const rv_dbuf *w, void *dst, size_t cap) {
    (void)dev;
    if (!rv_cpu_is_wpack(w)) return 0;
    rv_cpu_wpack_shape sh;
    const void *bytes = NULL;
    size_t len = rv_cpu_wpack_payload((const rv_cpu_wpack *)(const void *)w, &sh, &bytes);
    if (!len) return 0;
    if (dst && cap >= HEAD + len) {
        blob_head h = {.fmt = (uint32_t)sh.fmt,
                       .quads = (uint32_t)sh.quads,
                       .colinv = (uint32_t)sh.colinv,
                       .n = sh.n,
                       .k = sh.k,
                       .len = len};
        memcpy(h.magic, blob_magic, sizeof h.magic);
        memset(dst, 0, HEAD);
        memcpy(dst, &h, sizeof h);
        memcpy((unsigned char *)dst + HEAD, bytes, len);
    }
    return HEAD + len;
}

rv_status rv_cpu_import_linear(void *dev, rv_dbuf **out, const void *bytes, size_t len, size_t n,
                               size_t k) {
    (void)dev;
    *out = NULL;
    blob_head h;
    if (len < HEAD) return rv_error_set(RV_ERR_FORMAT, "packed weight: %zu bytes", len);
    memcpy(&h, bytes, sizeof h);
    if (memcmp(h.magic, blob_magic, sizeof h.magic) != 0 || h.len != len - HEAD || h.n != n ||
        h.k != k || h.quads > 1 || h.colinv > 1)
        return rv_error_set(RV_ERR_FORMAT, "packed weight: header does not match a %zux%zu weight",
                            n, k);
    rv_cpu_wpack_shape sh = {
        .fmt = (rv_wfmt)h.fmt, .n = n, .k = k, .quads = (int)h.quads, .colinv = (int)h.colinv};
    rv_cpu_wpack *P = NULL;
    rv_status s = rv_cpu_wpack_view(&P, &sh, (const unsigned char *)bytes + HEAD, len - HEAD);
    if (s != RV_OK) return s;
    *out = (rv_dbuf *)(void *)P;
    return RV_OK;
}
