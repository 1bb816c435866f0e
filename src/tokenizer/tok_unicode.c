/*
 * tokenizer/tok_unicode.c — UTF-8 decoding and the character classes that
 * Hugging Face's BertNormalizer and BertPreTokenizer use, from utf8proc.
 *
 * HF takes its categories (Cc/Cf/Co, Mn, P*) from the Rust crate
 * unicode_categories, whose tables predate utf8proc's Unicode version, while
 * whitespace, NFD and lowercase come from newer Rust std / unicode-normalization
 * data. Where the two disagree, the per-code-point check in
 * tests/test_tokenizer_unicode.c (against tables made by the golden script
 * from HF itself) decides; tok_compat.c holds the resulting differences.
 */
#include "tokenizer/tok_compat.h"
#include "tokenizer/tok_internal.h"

#include <utf8proc.h>

size_t rv_tok_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp) {
    unsigned b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t need;
    uint32_t c;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        c = b & 0x0F;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F; /* no surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        c = b & 0x07;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    size_t i = 1;
    for (; i <= need; i++) {
        if (i >= len) break;
        unsigned t = s[i];
        unsigned tlo = i == 1 ? lo : 0x80, thi = i == 1 ? hi : 0xBF;
        if (t < tlo || t > thi) break;
        c = (c << 6) | (t & 0x3F);
    }
    if (i <= need) {
        /* The maximal subpart consumed so far is one replacement char. */
        *cp = 0xFFFD;
        return i;
    }
    *cp = c;
    return i;
}

int rv_tok_is_whitespace(uint32_t cp) {
    /* Unicode White_Space, the set Rust's char::is_whitespace uses. */
    if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
    if (cp < 0x85) return 0;
    switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return 1;
    default: return cp >= 0x2000 && cp <= 0x200A;
    }
}

static int category(uint32_t cp) {
    return cp > 0x10FFFF ? UTF8PROC_CATEGORY_CN : (int)utf8proc_category((utf8proc_int32_t)cp);
}

int rv_tok_is_control(uint32_t cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') return 0;
    int c = category(cp);
    int r = c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_CO;
    return rv_tok_compat_flip(RV_TOK_COMPAT_CONTROL, cp) ? !r : r;
}

int rv_tok_is_punct(uint32_t cp) {
    if (cp < 0x80)
        return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
               (cp >= 123 && cp <= 126);
    int c = category(cp);
    int r = c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
    return rv_tok_compat_flip(RV_TOK_COMPAT_PUNCT, cp) ? !r : r;
}

int rv_tok_is_mark_nonspacing(uint32_t cp) {
    int r = category(cp) == UTF8PROC_CATEGORY_MN;
    return rv_tok_compat_flip(RV_TOK_COMPAT_MN, cp) ? !r : r;
}

int rv_tok_is_chinese(uint32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

size_t rv_tok_nfd(uint32_t cp, uint32_t out[8]) {
    size_t n = rv_tok_compat_nfd(cp, out);
    if (n) return n;
    if (cp > 0x10FFFF) {
        out[0] = cp;
        return 1;
    }
    utf8proc_int32_t buf[8];
    int last = 0;
    utf8proc_ssize_t r =
        utf8proc_decompose_char((utf8proc_int32_t)cp, buf, 8, UTF8PROC_DECOMPOSE, &last);
    if (r <= 0 || r > 8) {
        out[0] = cp;
        return 1;
    }
    for (utf8proc_ssize_t i = 0; i < r; i++)
        out[i] = (uint32_t)buf[i];
    return (size_t)r;
}

int rv_tok_ccc(uint32_t cp) {
    if (cp > 0x10FFFF) return 0;
    return utf8proc_get_property((utf8proc_int32_t)cp)->combining_class;
}

size_t rv_tok_lower(uint32_t cp, uint32_t out[3]) {
    if (cp < 0x80) {
        out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        return 1;
    }
    /* The one unconditional multi-char lowercase in SpecialCasing.txt, which
     * Rust applies and utf8proc's simple mapping does not. */
    if (cp == 0x130) {
        out[0] = 'i';
        out[1] = 0x307;
        return 2;
    }
    uint32_t m = rv_tok_compat_lower(cp);
    if (m) {
        out[0] = m;
        return 1;
    }
    if (cp > 0x10FFFF) {
        out[0] = cp;
        return 1;
    }
    out[0] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
    return 1;
}
