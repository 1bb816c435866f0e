/* rv_corpus ownership helpers. */
#include "ripvec/corpus.h"

#include <stdlib.h>
#include <string.h>

void rv_corpus_free(rv_corpus *c) {
    if (!c) return;
    if (c->backing) { /* the strings and vectors are the backing's */
        free(c->chunks.items);
        c->backing->release(c->backing);
    } else {
        rv_chunk_list_free(&c->chunks);
        free(c->vectors);
    }
    memset(c, 0, sizeof *c);
}
