/*
 * util/vec.h — growing a malloc'd array by doubling, written once.
 *
 *   item *items = NULL; size_t n = 0, cap = 0;
 *   if (rv_vec_reserve((void **)&items, &cap, n + 1, sizeof *items) != RV_OK) goto oom;
 *   items[n++] = x;
 *   free(items);
 *
 * On failure the array and cap are left as they were (and still owned by the
 * caller); the error is RV_ERR_NOMEM with its message set.
 */
#ifndef RV_UTIL_VEC_H
#define RV_UTIL_VEC_H

#include "ripvec/common.h"

#include <stddef.h>

/* Makes room for at least `need` elements of `elem` bytes: the capacity
 * doubles (from 8) until it fits. Never shrinks. */
rv_status rv_vec_reserve(void **items, size_t *cap, size_t need, size_t elem);

#endif
