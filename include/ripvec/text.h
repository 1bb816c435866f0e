/*
 * ripvec/text.h — UTF-8 encoding and JSON string literals, shared by the
 * tokenizer, the chunker and the CLI (`ripvec tokenize` reads JSON Lines).
 *
 *   char out[8];
 *   size_t n = rv_utf8_put(0x1F600, out);          // 4 bytes
 *
 *   size_t len;                                     // decode in place
 *   const char *after = rv_json_string(s, end, s, SIZE_MAX, &len, 0);
 */
#ifndef RIPVEC_TEXT_H
#define RIPVEC_TEXT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the UTF-8 form of cp (< 0x110000) to out: 1 to 4 bytes, returned. */
size_t rv_utf8_put(uint32_t cp, char *out);

/* Decodes the JSON string literal at s[0] == '"' (s < end) into out, at most
 * cap bytes (SIZE_MAX when out aliases s: the decoded form never outgrows the
 * literal). Returns the byte after the closing quote, or NULL when the literal
 * is malformed, unterminated before end, or does not fit. strict == 0 keeps
 * \u0000 as a NUL byte and turns lone surrogates into U+FFFD; strict != 0
 * refuses both (a caller that hands such input to another parser). */
const char *rv_json_string(const char *s, const char *end, char *out, size_t cap, size_t *out_len,
                           int strict);

#ifdef __cplusplus
}
#endif
#endif
