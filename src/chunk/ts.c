/* chunk/ts.c — definitions through tree-sitter (being written). */
#include "chunk/chunk_internal.h"

int rv_chunk_ts_has(const char *language) {
    (void)language;
    return 0;
}

const char *rv_chunk_ts_check_rules(const char *language) {
    (void)language;
    return NULL;
}

rv_status rv_chunk_ts(rv_csrc *s) {
    (void)s;
    return RV_ERR_UNSUPPORTED;
}
