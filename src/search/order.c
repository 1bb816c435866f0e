/* The order the index embeds files in (issue 22): the files a search
 * wanted first, then source, tests, documents, and last data and unknown
 * text (JSON, YAML, an SVG of 3,000 chunks), so the code a user asks about
 * gains its vectors soonest. */
#include "search/internal.h"

#include <string.h>

int rv_search_file_order(void *user, const char *rel) {
    const rv_searcher *s = user;
    for (size_t i = 0; i < s->n_wanted; i++)
        if (strcmp(s->wanted[i], rel) == 0) return 0;
    rv_chunk c;
    memset(&c, 0, sizeof c);
    c.path = (char *)rel;
    c.language = rv_chunk_language_for_path(rel);
    if (rv_chunk_is_prose(&c)) return 3;
    static const char *const data[] = {"text", "json", "yaml", "toml"};
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
        if (strcmp(c.language, data[i]) == 0) return 4;
    return rv_path_is_test(rel) ? 2 : 1;
}

rv_status rv_search_load_wanted(rv_searcher *s) {
    rv_index_wanted_free(s->wanted, s->n_wanted);
    s->wanted = NULL;
    s->n_wanted = 0;
    return rv_index_wanted(&s->wanted, &s->n_wanted, rv_index_path(s->idx));
}
