/* libFuzzer target: the safetensors header parser and the float readers. */
#include "ripvec/modelfile.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rv_safetensors *st = NULL;
    if (rv_safetensors_parse(&st, data, size) != RV_OK) return 0;
    for (size_t i = 0; i < rv_safetensors_count(st); i++) {
        const rv_tensor_info *t = rv_safetensors_get(st, i);
        if (rv_safetensors_find(st, t->name) != t) abort();
        size_t n = rv_tensor_numel(t);
        if (n > (1u << 16)) continue;
        float *dst = malloc((n ? n : 1) * sizeof *dst);
        if (dst) rv_tensor_read_f32(t, dst, n);
        free(dst);
    }
    rv_safetensors_metadata(st, "format");
    rv_safetensors_close(st);
    return 0;
}
