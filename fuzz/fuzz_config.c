/* libFuzzer target: config.json parsing into rv_bert_config. */
#include "ripvec/modelfile.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rv_bert_config c;
    if (rv_bert_config_parse(&c, (const char *)data, size) == RV_OK) {
        /* Invariants the engine relies on. */
        if (c.hidden_size <= 0 || c.num_heads <= 0 || c.hidden_size % c.num_heads != 0 ||
            c.max_seq_length > c.max_position_embeddings || c.num_layers <= 0 ||
            memchr(c.hidden_act, '\0', sizeof c.hidden_act) == NULL)
            abort();
    }
    return 0;
}
