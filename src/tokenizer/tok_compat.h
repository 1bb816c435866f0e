/*
 * tokenizer/tok_compat.h — where Hugging Face tokenizers' Unicode data and
 * utf8proc's disagree (different Unicode versions), so that the tokenizer
 * follows HF. See tok_compat.c for how the lists were found.
 */
#ifndef RV_TOKENIZER_TOK_COMPAT_H
#define RV_TOKENIZER_TOK_COMPAT_H

#include <stddef.h>
#include <stdint.h>

enum { RV_TOK_COMPAT_CONTROL = 0, RV_TOK_COMPAT_PUNCT, RV_TOK_COMPAT_MN };

/* 1 when HF's answer for class `which` is the opposite of utf8proc's. */
int rv_tok_compat_flip(int which, uint32_t cp);
/* HF's NFD of cp when it differs from utf8proc's (count), else 0. */
size_t rv_tok_compat_nfd(uint32_t cp, uint32_t out[8]);
/* HF's lowercase of cp when it differs from utf8proc's, else 0. */
uint32_t rv_tok_compat_lower(uint32_t cp);

#endif
