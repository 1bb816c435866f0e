#!/usr/bin/env bash
# The layering rules of docs/ARCHITECTURE (data flows one way), checked on
# the sources; `make test` runs it with the test binaries.
#   layers   a module includes only its own headers and those of lower layers
#            (public headers count as the module that implements them)
#   getenv   only the front end (src/cli) reads the environment
#   cli      the CLI includes only the public API (include/ripvec) and its own
# Prints each violation, "ok"/"FAIL" per rule, then "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2

# Lower number = lower layer; a module may include only strictly lower ones.
level() {
    case $1 in
    util) echo 0 ;;
    walk | tokenizer | model | driver) echo 1 ;;
    chunk | engine) echo 2 ;;
    ingest) echo 3 ;;
    index | rank) echo 4 ;;
    search) echo 5 ;;
    sink) echo 6 ;;
    mcp | lsp) echo 7 ;;
    cli) echo 8 ;;
    *) echo unknown ;;
    esac
}

# The module a public header belongs to: the one that implements it.
header_module() {
    case $1 in
    common | text) echo util ;;
    walk) echo walk ;;
    tokenizer) echo tokenizer ;;
    model_store | modelfile) echo model ;;
    chunk) echo chunk ;;
    embed) echo engine ;;
    corpus | ingest) echo ingest ;;
    search) echo search ;;
    index) echo index ;;
    rank) echo rank ;;
    driver) echo driver ;;
    sink) echo sink ;;
    mcp) echo mcp ;;
    lsp) echo lsp ;;
    *) echo unknown ;;
    esac
}

# The module of a file: src/<m>/..., or include/ripvec/<h>.h.
file_module() {
    case $1 in
    src/*) local r=${1#src/}; echo "${r%%/*}" ;;
    include/ripvec/*) local h=${1#include/ripvec/}; header_module "${h%.h}" ;;
    esac
}

# Quoted includes of the C sources and headers: "file:line:target".
includes() {
    grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$@" /dev/null |
        sed -E 's/^([^:]+):([0-9]+):.*"([^"]+)".*/\1:\2:\3/'
}

files=$(find src include -name '*.[ch]' -o -name '*.cu' | sort)
fail_layers=0 fail_getenv=0 fail_cli=0

while IFS=: read -r file line target; do
    [ -n "$file" ] || continue
    from=$(file_module "$file")
    case $target in
    ripvec/*) h=${target#ripvec/}; to=$(header_module "${h%.h}") ;;
    */*) to=${target%%/*} ;;
    *) to=$from ;; # same directory
    esac
    if [ "$from" != unknown ] && [ "${file#src/cli/}" != "$file" ] &&
        [ "${target#ripvec/}" = "$target" ] && [ "${target#cli/}" = "$target" ]; then
        echo "cli: $file:$line includes $target (the CLI uses only include/ripvec)"
        fail_cli=$((fail_cli + 1))
        continue
    fi
    [ "$from" = "$to" ] && continue
    lf=$(level "$from") lt=$(level "$to")
    if [ "$lf" = unknown ] || [ "$lt" = unknown ]; then
        echo "layers: $file:$line includes $target: module '$from' or '$to' has no layer (add it to scripts/check_layers.sh)"
        fail_layers=$((fail_layers + 1))
    elif [ "$lt" -ge "$lf" ]; then
        echo "layers: $file:$line: $from (layer $lf) includes $target of $to (layer $lt)"
        fail_layers=$((fail_layers + 1))
    fi
done < <(includes $files)

# getenv outside the front end (comment lines aside).
while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    echo "getenv: $hit (read the environment in src/cli and pass a parameter)"
    fail_getenv=$((fail_getenv + 1))
done < <(grep -nE '\b(secure_)?getenv[[:space:]]*\(' $(echo "$files" | grep -v '^src/cli/') /dev/null |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//|/\*)')

pass=0 failed=0
for rule in layers getenv cli; do
    eval "n=\$fail_$rule"
    if [ "$n" -eq 0 ]; then
        echo "ok   $rule"
        pass=$((pass + 1))
    else
        echo "FAIL $rule ($n violations)"
        failed=$((failed + 1))
    fi
done
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
