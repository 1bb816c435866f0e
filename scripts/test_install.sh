#!/usr/bin/env bash
# make install / make uninstall into a temporary DESTDIR: every installed
# file is there (binary, man page, completions, headers, static and versioned
# shared library with its soname, ripvec.pc), examples/embed_example.c builds
# against the installed library with `pkg-config --cflags --libs ripvec`,
# and uninstall removes it all. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
dest=$(mktemp -d /tmp/ripvec-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
prefix=/opt/ripvec-test
pass=0 fail=0
check() { # name, command...
    local name=$1
    shift
    if "$@" >"$dest/out" 2>&1; then
        echo "ok   $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name"
        sed 's/^/  | /' "$dest/out" | tail -n 15
        fail=$((fail + 1))
    fi
}

root=$dest$prefix
check install make -s install DESTDIR="$dest" PREFIX="$prefix"
installed_files() {
    for f in bin/ripvec lib/libripvec.a lib/libripvec.so lib/libripvec.so.0 \
        lib/pkgconfig/ripvec.pc include/ripvec/embed.h include/ripvec/sink.h \
        include/ripvec/mcp.h share/man/man1/ripvec.1 \
        share/bash-completion/completions/ripvec share/zsh/site-functions/_ripvec \
        share/fish/vendor_completions.d/ripvec.fish; do
        [ -e "$root/$f" ] || { echo "missing $f"; return 1; }
    done
}
check files_in_place installed_files
soname() { readelf -d "$root/lib/libripvec.so" | grep -q 'SONAME.*\[libripvec\.so\.0\]'; }
check versioned_soname soname
check installed_binary_runs "$root/bin/ripvec" --version
check man_page_renders sh -c "man -l '$root/share/man/man1/ripvec.1' >/dev/null 2>&1 || grep -q '^\.TH RIPVEC 1' '$root/share/man/man1/ripvec.1'"
build_example() {
    local flags
    flags=$(PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" \
        pkg-config --cflags --libs ripvec) || return 1
    echo "pkg-config: $flags"
    cc -std=c11 -Wall -Werror -o "$dest/embed_example" examples/embed_example.c $flags &&
        readelf -d "$dest/embed_example" | grep -q 'NEEDED.*libripvec\.so\.0' &&
        LD_LIBRARY_PATH="$root/lib" ldd "$dest/embed_example" | grep -q "$root/lib/libripvec.so.0"
}
check example_builds_with_pkg_config build_example
check uninstall make -s uninstall DESTDIR="$dest" PREFIX="$prefix"
nothing_left() { [ -z "$(find "$root" -type f -o -type l)" ] || { find "$root" -type f -o -type l; return 1; }; }
check nothing_left nothing_left
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
