/*
 * test_tokenizer_unicode — every code point through the C normalizer and
 * pre-tokenizer, against HF tokenizers' own per-code-point answers
 * (tests/data/tokenizer/hf_unicode.txt, made by
 * scripts/golden/make_tokenizer_unicode.py).
 */
#include "rvtest.h"
#include "tokenizer/tok_internal.h"
#include "ripvec/text.h"

#include <stdlib.h>

#ifndef RV_TEST_DATA
#define RV_TEST_DATA "tests/data/tokenizer"
#endif

static rv_tokenizer *make_tk(const char *normalizer) {
    char json[1024];
    snprintf(json, sizeof json,
             "{\"normalizer\": %s, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
             " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\","
             " \"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2}}}",
             normalizer);
    rv_tokenizer *tk = NULL;
    if (rv_tokenizer_load_json(&tk, json, strlen(json)) != RV_OK)
        printf("  load failed: %s\n", rv_error_last());
    return tk;
}

/* Expected output of one field for code point cp, as UTF-8. */
static size_t expect(const char *f, uint32_t cp, char *out) {
    size_t n = 0;
    if (!strcmp(f, "=")) return rv_utf8_put(cp, out);
    if (!strcmp(f, "-")) return 0;
    if (!strcmp(f, "c")) {
        out[n++] = ' ';
        n += rv_utf8_put(cp, out + n);
        out[n++] = ' ';
        return n;
    }
    if (f[0] == 'd') return rv_utf8_put((uint32_t)((long)cp + strtol(f + 1, NULL, 10)), out);
    const char *p = f;
    while (*p) {
        char *end;
        unsigned long v = strtoul(p, &end, 16);
        n += rv_utf8_put((uint32_t)v, out + n);
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p) break;
    }
    return n;
}

static int words_in(const char *s, size_t n) {
    int w = 0;
    for (size_t i = 0; i < n; i++)
        w += s[i] == '\n';
    return w;
}

RV_TEST(every_code_point_matches_hf) {
    rv_tokenizer *tk[3];
    tk[0] = make_tk("{\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\":"
                    " true, \"strip_accents\": null, \"lowercase\": true}");
    tk[1] = make_tk("{\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\":"
                    " false, \"strip_accents\": false, \"lowercase\": true}");
    tk[2] =
        make_tk("{\"type\": \"BertNormalizer\", \"clean_text\": false, \"handle_chinese_chars\":"
                " false, \"strip_accents\": true, \"lowercase\": false}");
    rv_tokenizer *tp = make_tk("null");
    RV_CHECK(tk[0] && tk[1] && tk[2] && tp);
    FILE *f = fopen(RV_TEST_DATA "/hf_unicode.txt", "r");
    RV_CHECK_MSG(f != NULL, "cannot open %s/hf_unicode.txt", RV_TEST_DATA);
    if (!f || !tk[0] || !tk[1] || !tk[2] || !tp) goto done;

    char line[512];
    uint32_t next = 0; /* code points below this were checked */
    long checked = 0, bad[4] = {0, 0, 0, 0};
    int shown = 0;
    unsigned long lo = 0, hi = 0;
    char fa[3][160], fp[8];
    int have = 0;
    for (;;) {
        if (!have) {
            if (!fgets(line, sizeof line, f)) {
                lo = hi = 0x110000;
            } else if (line[0] == '#') {
                continue;
            } else if (sscanf(line, "%lx %lx %159s %159s %159s %7s", &lo, &hi, fa[0], fa[1], fa[2],
                              fp) != 6) {
                RV_CHECK_MSG(0, "bad line: %s", line);
                break;
            }
            have = 1;
        }
        uint32_t cp = next;
        if (cp >= 0x110000) break;
        int listed = cp >= lo && cp <= hi;
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            next = 0xE000;
            continue;
        }
        char in[8], want[64];
        size_t inlen = rv_utf8_put(cp, in);
        for (int k = 0; k < 3; k++) {
            size_t wn = expect(listed ? fa[k] : "=", cp, want);
            char *got = NULL;
            size_t gn = 0;
            if (rv_tok_normalize_str(tk[k], in, inlen, &got, &gn) != RV_OK) {
                RV_CHECK_MSG(0, "normalize U+%04X failed", (unsigned)cp);
                continue;
            }
            if (gn != wn || memcmp(got, want, wn) != 0) {
                bad[k]++;
                if (shown++ < 40) {
                    printf("  U+%04X config %c: got", (unsigned)cp, 'A' + k);
                    for (size_t i = 0; i < gn;) {
                        uint32_t c;
                        i += rv_tok_utf8_decode((const unsigned char *)got + i, gn - i, &c);
                        printf(" %04X", (unsigned)c);
                    }
                    printf(", want %s\n", listed ? fa[k] : "=");
                }
            }
            free(got);
        }
        char ab[16];
        ab[0] = 'a';
        memcpy(ab + 1, in, inlen);
        ab[1 + inlen] = 'b';
        char *words = NULL;
        size_t wl = 0;
        if (rv_tok_pretokenize_str(tp, ab, inlen + 2, &words, &wl) == RV_OK) {
            int w = words_in(words, wl);
            char want_p = listed ? fp[0] : 'o';
            char got_p = w == 1 ? 'o' : w == 2 ? 'w' : w == 3 ? 'p' : '?';
            if (got_p != want_p) {
                bad[3]++;
                if (shown++ < 40)
                    printf("  U+%04X pre-tokenizer: got %c, want %c\n", (unsigned)cp, got_p,
                           want_p);
            }
            free(words);
        }
        checked++;
        next = cp + 1;
        if (listed && next > hi) have = 0;
    }
    printf("  %ld code points: %ld/%ld/%ld normalizer A/B/C and %ld pre-tokenizer mismatches\n",
           checked, bad[0], bad[1], bad[2], bad[3]);
    RV_CHECK(checked == 0x110000 - 0x800);
    RV_CHECK(bad[0] == 0 && bad[1] == 0 && bad[2] == 0 && bad[3] == 0);
done:
    if (f) fclose(f);
    for (int k = 0; k < 3; k++)
        rv_tokenizer_free(tk[k]);
    rv_tokenizer_free(tp);
}

int main(void) {
    RV_RUN(every_code_point_matches_hf);
    return rv_test_summary();
}
