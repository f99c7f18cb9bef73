#!/bin/sh
# install.sh: `make install` into a temporary DESTDIR, then build the example program and the
# cjkfts(3) example against the installed tree with pkg-config (shared and static), run them,
# check the installed files, and `make uninstall` removes everything again.
# Usage (from the repository root): install.sh BINDIR TMPDIR
set -eu
bindir=$1
tmp=$2
build=${bindir%/bin}
dest=$tmp/dest
prefix=/opt/cjkfts
fail() { echo "FAIL: $*" >&2; exit 1; }

# The make that runs this test must not leak its job server or flags into this one.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES || true
make -s BUILD="$build" DESTDIR="$dest" PREFIX="$prefix" install >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install"; }

# ---- the installed files --------------------------------------------------------------------
root=$dest$prefix
(cd "$dest" && find . ! -type d | LC_ALL=C sort) >"$tmp/files"
for f in include/cjkfts.h lib/libcjkfts.a lib/libcjkfts.so lib/libcjkfts.so.0 \
    lib/libcjkfts.so.0.1.0 lib/pkgconfig/cjkfts.pc lib/sqlite3/cjkfts_sqlite.so \
    share/man/man1/cjkfts-index.1 share/man/man1/cjkfts-search.1 \
    share/man/man1/cjkfts-tokenize.1 share/man/man1/cjkfts-check.1 share/man/man3/cjkfts.3; do
    grep -qx "\./${prefix#/}/$f" "$tmp/files" || fail "not installed: $f"
done
for t in "$bindir"/cjkfts-*; do
    [ -e "$t" ] || continue
    [ -x "$root/bin/${t##*/}" ] || fail "tool not installed: ${t##*/}"
done
[ "$(readlink "$root/lib/libcjkfts.so")" = libcjkfts.so.0 ] || fail "libcjkfts.so link"
[ "$(readlink "$root/lib/libcjkfts.so.0")" = libcjkfts.so.0.1.0 ] || fail "soname link"
readelf -d "$root/lib/libcjkfts.so.0.1.0" | grep -q 'SONAME.*\[libcjkfts\.so\.0\]' ||
    fail "SONAME is not libcjkfts.so.0"
# Only the public API is exported.
nm -D --defined-only "$root/lib/libcjkfts.so.0.1.0" | awk '$2 == "T" { print $3 }' |
    grep -v -e '^cjkfts_' -e '^_init$' -e '^_fini$' && fail "symbols outside the cjkfts_ namespace are exported"
nm -D --defined-only "$root/lib/sqlite3/cjkfts_sqlite.so" | awk '$2 == "T" { print $3 }' \
    >"$tmp/extsyms"
[ "$(cat "$tmp/extsyms")" = sqlite3_cjkftssqlite_init ] ||
    fail "extension exports: $(cat "$tmp/extsyms")"
# Every tool has a manual page, and every option its --help lists is described there: the
# options of the indented option lines and the [-x] of the usage line.
for t in "$bindir"/cjkfts-*; do
    printf '%s\n' "${t##*/}"
done >"$tmp/tools"
for tool in cjkfts-index cjkfts-search cjkfts-tokenize cjkfts-check; do
    grep -qx "$tool" "$tmp/tools" || fail "tool not built: $tool"
done
while IFS= read -r tool; do
    [ -f "man/$tool.1" ] || fail "no manual page man/$tool.1"
    "$bindir/$tool" --help </dev/null >"$tmp/help" 2>&1 || true
    { grep -E '^ +-' "$tmp/help" | grep -oE -- '--?[a-z][a-z-]*' || true
      grep -iE '^usage:' "$tmp/help" | grep -oE -- '\[--?[a-z][a-z-]*' | tr -d '[' || true
    } | LC_ALL=C sort -u >"$tmp/opts"
    [ -s "$tmp/opts" ] || fail "$tool --help lists no option"
    while IFS= read -r opt; do
        grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "man/$tool.1" ||
            fail "man/$tool.1 does not describe $opt"
    done <"$tmp/opts"
done <"$tmp/tools"
for m in "$root"/share/man/man1/*.1 "$root"/share/man/man3/*.3; do
    LC_ALL=C.UTF-8 groff -k -man -Tutf8 -ww -z "$m" 2>"$tmp/groff" || fail "groff $m"
    [ ! -s "$tmp/groff" ] || { cat "$tmp/groff"; fail "man page warnings in $m"; }
done

# ---- pkg-config ----------------------------------------------------------------------------
# A DESTDIR tree is a sysroot: PKG_CONFIG_SYSROOT_DIR puts DESTDIR in front of the paths.
pc_env() {
    PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config "$@"
}
# has WORDS WORD...: every WORD is one of WORDS.
has() {
    words=" $1 "
    shift
    for w in "$@"; do
        case $words in *" $w "*) ;; *) return 1 ;; esac
    done
}
pc_env --validate cjkfts || fail "pkg-config --validate"
[ "$(pc_env --modversion cjkfts)" = 0.1.0 ] || fail "version"
[ "$(PKG_CONFIG_PATH="$root/lib/pkgconfig" pkg-config --variable=prefix cjkfts)" = "$prefix" ] ||
    fail "prefix in cjkfts.pc"
flags=$(pc_env --cflags --libs cjkfts)
has "$flags" "-I$root/include" "-L$root/lib" -lcjkfts || fail "pkg-config flags: $flags"
has "$flags" -licuuc && fail "dependencies of the shared library leak into --libs: $flags"
sflags=$(pc_env --static --libs cjkfts)
has "$sflags" -lcjkfts -licuuc -licui18n -lzstd -lisal -lxxhash -lstemmer -lm ||
    fail "pkg-config --static --libs: $sflags"
# A relocated tree: --define-prefix finds the prefix from where the .pc file is.
mv "$root" "$tmp/moved"
reloc=$(PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" pkg-config --define-prefix --cflags --libs \
    cjkfts || true)
mv "$tmp/moved" "$root"
has "$reloc" "-I$tmp/moved/include" "-L$tmp/moved/lib" -lcjkfts || fail "define-prefix: $reloc"

# ---- the example, linked against the installed shared library ------------------------------
cc=${CC:-cc}
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror -o "$tmp/quickstart" examples/quickstart.c $flags ||
    fail "building the example against the installed tree"
LD_LIBRARY_PATH="$root/lib" ldd "$tmp/quickstart" | grep -q "libcjkfts.so.0 => $root/lib/" ||
    fail "the example does not use the installed libcjkfts.so.0"
seeds=$(ls corpus/*.txt | LC_ALL=C sort)
# shellcheck disable=SC2086
LD_LIBRARY_PATH="$root/lib" "$tmp/quickstart" "$tmp/ix" 日美同盟 $seeds >"$tmp/out" ||
    fail "the example failed"
cat >"$tmp/expected" <<'EOF'
2 of 5 documents match 日美同盟
1. 001_6adb6374d62dba2b.txt (11.986) 导图社区 美日关系(日美同盟)
   …日本国家战略中的[日美同盟]地位受日本自身力量及地区、国际局势的变化而不断调整。基本趋势是日本不断增强在国家战略中利用[日美同盟]的主动性和能动性 [日美同盟]是日本外交与安全相关政策的基轴 日本将[日美同盟]视为维…
2. 000_a504bfee362ca583.txt (2.943) 《日本國與美利堅合眾國間相合作互與安全保障條約》自 1960 年重新修訂後 60 年以來,兩國合作的內容與範圍隨著時間的推演發生了些許變化,目前不僅是傳統的陸海空領域,也已經擴展到太空領域的同盟合作。基於《日美安保條約》善用美國強大的軍事威懾力量,一直是日本國防安全政策的基礎,在過去的 60 年間隨著國際情勢的遷移也不斷的擴大合作內容。2015 年兩國政府修訂《日美防衛合作指針》,重新定義合作內容與範圍,在科技領域不斷創新發展下,兩國首次將太空與網路等新興領域也納入共同合作的範圍。
   …同時他也呼籲,「讓我們更加堅固地保護和強化[日美同盟],直到 60 年乃至 100 年後」。安倍致詞將[日美同盟]形容為「希望的同盟」,我們應該走的道路只有一條。那就是令希望之光更加閃耀。作為應對太空與網路等…
EOF
diff -u "$tmp/expected" "$tmp/out" || fail "example output"
# The in-tree build of the same program prints the same.
rm -rf "$tmp/ix"
# shellcheck disable=SC2086
"$build/examples/quickstart" "$tmp/ix" 日美同盟 $seeds >"$tmp/out2" || fail "in-tree example"
diff -u "$tmp/expected" "$tmp/out2" || fail "in-tree example output"

# Failures are reported with the handle's detail and exit status 1.
if "$build/examples/quickstart" "$tmp/ix" '(日本' corpus/000_a504bfee362ca583.txt \
    2>"$tmp/err"; then
    fail "a query syntax error was not reported"
fi
grep -q "^quickstart: (日本: query syntax error: .* at byte 0" "$tmp/err" ||
    fail "syntax error message: $(cat "$tmp/err")"
if "$build/examples/quickstart" "$tmp/ix" 日本 "$tmp/missing.txt" 2>"$tmp/err"; then
    fail "a missing file was not reported"
fi
grep -qx "quickstart: $tmp/missing.txt: I/O error" "$tmp/err" || fail "I/O message: $(cat "$tmp/err")"

# The excerpt in README.md is taken from the example: every line of it (but "...") is in it.
sed -n '/^## The library in one example/,/^## /p' README.md | sed -n '/^```c$/,/^```$/p' |
    sed '1d;$d' | grep -v '^\.\.\.$' | sed 's/^ *//' >"$tmp/excerpt"
[ -s "$tmp/excerpt" ] || fail "no C excerpt in README.md"
sed 's/^ *//' examples/quickstart.c >"$tmp/example-lines"
while IFS= read -r line; do
    grep -qxF -- "$line" "$tmp/example-lines" || fail "README.md excerpt line not in the example: $line"
done <"$tmp/excerpt"

# ---- static linking: Libs.private and Requires.private are complete ------------------------
# (libcjkfts.a named explicitly: next to libcjkfts.so, -lcjkfts would pick the shared one)
# shellcheck disable=SC2086
$cc -std=c11 -o "$tmp/quickstart-static" examples/quickstart.c "-I$root/include" \
    "$root/lib/libcjkfts.a" $(echo " $sflags " | sed 's/ -lcjkfts / /') ||
    fail "static link with: $sflags"
ldd "$tmp/quickstart-static" | grep -q libcjkfts && fail "static build uses libcjkfts.so"
rm -rf "$tmp/ix"
# shellcheck disable=SC2086
"$tmp/quickstart-static" "$tmp/ix" 日美同盟 $seeds >"$tmp/out3" || fail "static example"
diff -u "$tmp/expected" "$tmp/out3" || fail "static example output"

# ---- the example printed in cjkfts(3) compiles and runs -------------------------------------
sed -n '/^\.SH EXAMPLE/,/^\.SH/p' man/cjkfts.3 | sed -n '/^\.EX/,/^\.EE/p' | sed '1d;$d' |
    sed -n '1,/^}/p' | sed 's/\\e/\\/g; s/\\-/-/g' >"$tmp/man3.c"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror -o "$tmp/man3" "$tmp/man3.c" $flags || fail "cjkfts(3) example"
(cd "$tmp" && LD_LIBRARY_PATH="$root/lib" ./man3) >"$tmp/man3.out" || fail "cjkfts(3) run"
grep -q '^a1 ' "$tmp/man3.out" || fail "cjkfts(3) example found nothing: $(cat "$tmp/man3.out")"

# ---- the examples of cjkfts-tokenize(1) are the tool's real output --------------------------
# In its EXAMPLES, a line "$ command" is run (the tool found in BINDIR) and the lines after it,
# up to the next command or the end of the block, are its output (stdout and stderr).
sed -n '/^\.SH EXAMPLES/,/^\.SH/p' man/cjkfts-tokenize.1 | sed -n '/^\.EX/,/^\.EE/p' |
    grep -v '^\.' | sed "s/\\\\(aq/'/g; s/\\\\-/-/g; s/\\\\e/\\\\/g" >"$tmp/tok-examples"
# run_example: run the command in $tmp/example-cmd, compare with $tmp/example-want.
run_example() {
    [ -s "$tmp/example-cmd" ] || return 0
    (PATH="$bindir:$PATH" && export PATH && sh "$tmp/example-cmd") >"$tmp/example-got" 2>&1 ||
        true
    diff -u "$tmp/example-want" "$tmp/example-got" ||
        fail "cjkfts-tokenize(1) example: $(cat "$tmp/example-cmd")"
    nexamples=$((nexamples + 1))
}
nexamples=0
: >"$tmp/example-cmd"
: >"$tmp/example-want"
while IFS= read -r line; do
    case $line in
    '$ '*)
        run_example
        printf '%s\n' "${line#\$ }" >"$tmp/example-cmd"
        : >"$tmp/example-want"
        ;;
    *) printf '%s\n' "$line" >>"$tmp/example-want" ;;
    esac
done <"$tmp/tok-examples"
run_example
[ "$nexamples" -ge 5 ] || fail "only $nexamples examples found in cjkfts-tokenize(1)"

# ---- uninstall removes every file ------------------------------------------------------------
make -s BUILD="$build" DESTDIR="$dest" PREFIX="$prefix" uninstall >"$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log"; fail "make uninstall"; }
left=$(cd "$dest" && find . ! -type d)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "install: ok"
