#!/usr/bin/env bash
# Fetches the tree-sitter runtime and the grammars the chunker links, as PyPI
# source distributions, into the git-ignored third_party/ folder:
#
#   third_party/tree-sitter/lib/{src,include}   runtime (bundled in py-tree-sitter's sdist)
#   third_party/ts-grammars/<lang>/src/...      parser.c, scanner.c, tree_sitter/*.h
#
# Why these packages: the per-language sdists are incomplete for several
# languages (tree-sitter-typescript and -php omit the common/scanner.h their
# scanner.c includes; -cpp, -java, -kotlin, -ruby, -rust, -scala omit
# src/tree_sitter/parser.h), so the grammars come from
# tree-sitter-language-pack's sdist, which vendors complete generated sources
# for each; C# is not in that pack and comes from tree-sitter-c-sharp (complete).
# Runtime 0.25.2 loads grammar ABI 13..15; every grammar below is ABI 14 or 15.
#
# Idempotent and safe to run concurrently (several build dirs run setup.sh at
# once): a lock serialises runs, unpacking happens in a temp dir then a rename,
# and a stamp holding the pins skips everything once done.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PYTHON:-python3}
TP=third_party
RUNTIME_PIN="tree-sitter==0.25.2"
PACK_PIN="tree-sitter-language-pack==0.13.0"
CSHARP_PIN="tree-sitter-c-sharp==0.23.5"
# Grammar directories taken from the pack (names as the pack spells them).
PACK_LANGS="c cpp rust go python javascript typescript tsx java ruby bash php kotlin swift scala lua"

STAMP=$TP/treesitter.ok
WANT="$RUNTIME_PIN $PACK_PIN $CSHARP_PIN $PACK_LANGS"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then exit 0; fi

mkdir -p "$TP/dl"
exec 9>"$TP/.treesitter.lock"
flock 9
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then exit 0; fi

# pip download <name>==<ver>: the sdist only (build dependencies of the sdist's
# metadata step come as wheels, which is much faster than building them).
fetch() {
    local pin=$1 name=${1%%==*} ver=${1##*==}
    local norm=${name//-/_}
    local f
    f=$(ls "$TP/dl/${norm}-${ver}.tar.gz" "$TP/dl/${name}-${ver}.tar.gz" 2>/dev/null | head -1 || true)
    if [ -z "$f" ]; then
        echo "setup: downloading $pin (sdist)" >&2
        "$PY" -m pip download -q --no-deps --no-binary "$name" -d "$TP/dl" "$pin" >&2
        f=$(ls "$TP/dl/${norm}-${ver}.tar.gz" "$TP/dl/${name}-${ver}.tar.gz" 2>/dev/null | head -1)
    fi
    echo "$f"
}

tmp=$(mktemp -d "$TP/.unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Runtime.
rt=$(fetch "$RUNTIME_PIN")
tar xzf "$rt" -C "$tmp" --wildcards '*/tree_sitter/core/lib/src/*' '*/tree_sitter/core/lib/include/*'
mkdir -p "$tmp/tree-sitter"
mv "$tmp"/tree-sitter-*/tree_sitter/core/lib "$tmp/tree-sitter/lib"
test -f "$tmp/tree-sitter/lib/src/lib.c"

# Grammars from the pack: only the languages we link.
pk=$(fetch "$PACK_PIN")
pdir=$(basename "$pk" .tar.gz)
members=()
for l in $PACK_LANGS; do
    members+=("$pdir/parsers/$l/src/parser.c" "$pdir/parsers/$l/src/tree_sitter")
    tar tzf "$pk" "$pdir/parsers/$l/src/scanner.c" >/dev/null 2>&1 &&
        members+=("$pdir/parsers/$l/src/scanner.c")
done
members+=("$pdir/parsers/typescript/common" "$pdir/parsers/tsx/common" "$pdir/parsers/php/common")
tar xzf "$pk" -C "$tmp" "${members[@]}"
mkdir -p "$tmp/ts-grammars"
for l in $PACK_LANGS; do mv "$tmp/$pdir/parsers/$l" "$tmp/ts-grammars/$l"; done

# C#.
cs=$(fetch "$CSHARP_PIN")
tar xzf "$cs" -C "$tmp" --wildcards '*/src/*'
mv "$tmp"/tree_sitter_c_sharp-*/ "$tmp/ts-grammars/c_sharp"

for l in $PACK_LANGS c_sharp; do test -f "$tmp/ts-grammars/$l/src/parser.c"; done

rm -rf "$TP/tree-sitter" "$TP/ts-grammars"
mv "$tmp/tree-sitter" "$TP/tree-sitter"
mv "$tmp/ts-grammars" "$TP/ts-grammars"
echo "$WANT" >"$STAMP"
echo "setup: tree-sitter runtime and grammars ready in $TP/" >&2
