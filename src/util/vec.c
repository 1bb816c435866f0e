/* Doubling growth for malloc'd arrays (see vec.h). */
#include "util/vec.h"

#include <stdint.h>
#include <stdlib.h>

rv_status rv_vec_reserve(void **items, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return RV_OK;
    size_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > SIZE_MAX / 2) return rv_error_set(RV_ERR_NOMEM, "out of memory");
        nc *= 2;
    }
    if (elem && nc > SIZE_MAX / elem) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    void *g = realloc(*items, nc * elem);
    if (!g) return rv_error_set(RV_ERR_NOMEM, "out of memory");
    *items = g;
    *cap = nc;
    return RV_OK;
}
