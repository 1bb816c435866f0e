#!/usr/bin/env python3
"""Per-code-point behaviour of HF tokenizers' BertNormalizer and BertPreTokenizer.

Writes tests/data/tokenizer/hf_unicode.txt, which tests/test_tokenizer_unicode.c
compares against the C tokenizer for every code point (surrogates excepted).

Usage (in a venv with the pinned version):
    pip install -r scripts/golden/requirements-tokenizer.txt
    python scripts/golden/make_tokenizer_unicode.py [OUT]

Each data line is "LO HI A B C P" (hex code points, a run of code points that
behave alike); code points not listed normalize to themselves in all three
configurations and are ordinary word characters for the pre-tokenizer.
  A: BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase)
     (MiniLM / BERT-uncased, strip_accents following lowercase)
  B: BertNormalizer(clean_text, lowercase) only
  C: BertNormalizer(strip_accents) only
  output: '=' the code point itself, '-' nothing, 'c' ' '+itself+' ',
          'dN' the one code point cp+N (N decimal, signed),
          else the output code points as hex joined by ','
  P: BertPreTokenizer on 'a'+cp+'b' with no normalizer: w whitespace,
     p punctuation (isolated), o ordinary
"""
import sys

import tokenizers
from tokenizers import normalizers, pre_tokenizers

PIN = "0.22.1"


def enc(out, ch):
    if out == ch:
        return "="
    if out == "":
        return "-"
    if out == " " + ch + " ":
        return "c"
    if len(out) == 1:
        return "d%d" % (ord(out) - ord(ch))
    return ",".join("%X" % ord(c) for c in out)


def main():
    if tokenizers.__version__ != PIN:
        sys.exit("need tokenizers==%s, have %s" % (PIN, tokenizers.__version__))
    out_path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/tokenizer/hf_unicode.txt"
    na = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                    strip_accents=True, lowercase=True)
    nb = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False,
                                    strip_accents=False, lowercase=True)
    nc = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False,
                                    strip_accents=True, lowercase=False)
    pt = pre_tokenizers.BertPreTokenizer()
    rows = []
    prev = None
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            prev = None
            continue
        ch = chr(cp)
        pieces = pt.pre_tokenize_str("a" + ch + "b")
        p = {1: "o", 2: "w", 3: "p"}[len(pieces)]
        key = (enc(na.normalize_str(ch), ch), enc(nb.normalize_str(ch), ch),
               enc(nc.normalize_str(ch), ch), p)
        if key == ("=", "=", "=", "o"):
            prev = None
            continue
        # Runs only for position-independent outputs.
        mergeable = all(k in ("=", "-", "c") or k.startswith("d") for k in key[:3])
        if prev is not None and mergeable and rows[-1][2] == key and rows[-1][1] == cp - 1:
            rows[-1][1] = cp
        else:
            rows.append([cp, cp, key])
        prev = key if mergeable else None
    with open(out_path, "w") as f:
        f.write("# HF tokenizers %s per-code-point BertNormalizer/BertPreTokenizer; "
                "made by scripts/golden/make_tokenizer_unicode.py\n" % tokenizers.__version__)
        for lo, hi, key in rows:
            f.write("%X %X %s %s %s %s\n" % (lo, hi, *key))
    print("wrote %d rows to %s" % (len(rows), out_path))


if __name__ == "__main__":
    main()
