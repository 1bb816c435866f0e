/* fuzz/fuzz_mem.h — an rv_read_fn over the fuzz input, handing out at most
 * `step` bytes per read so that readers meet every split of their input. */
#ifndef RV_FUZZ_MEM_H
#define RV_FUZZ_MEM_H

#include <stdint.h>
#include <string.h>
#include <sys/types.h>

typedef struct rv_fuzz_mem {
    const uint8_t *data;
    size_t len, pos, step;
} rv_fuzz_mem;

static ssize_t rv_fuzz_mem_read(void *user, char *buf, size_t n) {
    rv_fuzz_mem *m = user;
    size_t k = m->len - m->pos;
    if (k > n) k = n;
    if (k > m->step) k = m->step;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

#endif
