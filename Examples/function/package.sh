#!/usr/bin/env bash
# Packages the function for a Lambda-style custom runtime (e.g. AWS provided.al2023), whose image
# has neither the Swift runtime nor libsodium: a release build with the Swift standard library and
# libsodium linked statically, checked to need only the C library family (ldd) and no glibc newer
# than the image's (FLAGC_MAX_GLIBC, 2.34 by default), stripped, and zipped with the executable named
# `bootstrap` (mode 0755) and the bundle as `flags.bundle` next to it.
#
#     bash Examples/function/package.sh [BUNDLE]
#
# BUNDLE is the flags bundle to ship in the zip: by default out/dev/flags.bundle, built from the
# repository's flags/ and targets/ (with development keys) as run-example.sh does; `none` leaves
# the bundle out (it then comes from a layer: see docs/deployment.md). Writes
# Examples/function/.build/function.zip and prints its path and size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bundle=${1:-}
if [ -z "$bundle" ]; then
    bash "$repo/.ci/example" >/dev/null
    bundle="$repo/out/dev/flags.bundle"
fi
[ "$bundle" = none ] || [ -f "$bundle" ] || { echo "package.sh: no bundle at $bundle" >&2; exit 1; }

# SwiftPM links the CSodium system library as `-lsodium`, with the `-L` directory of libsodium's
# pkg-config file first, where the linker finds libsodium.so before libsodium.a. A copy of that
# file whose libdir holds only libsodium.a, found first through PKG_CONFIG_PATH, makes the same
# `-lsodium` pick the archive: no change to the package needed.
system_pc=$(pkg-config --path libsodium 2>/dev/null \
    || find /usr/lib /usr/local/lib -path '*/pkgconfig/libsodium.pc' 2>/dev/null | head -n 1)
archive=$(pkg-config --variable=libdir libsodium 2>/dev/null || true)/libsodium.a
[ -f "$archive" ] || archive=$(find /usr/lib /usr/local/lib -name libsodium.a 2>/dev/null | head -n 1)
[ -n "$system_pc" ] && [ -n "$archive" ] || {
    echo "package.sh: libsodium.a or libsodium.pc not found (Debian, Ubuntu: apt-get install libsodium-dev)" >&2
    exit 1
}
static_libs="$here/.build/static-libs"
mkdir -p "$static_libs"
ln -sf "$archive" "$static_libs/libsodium.a"
sed "s|^libdir=.*|libdir=$static_libs|" "$system_pc" >"$static_libs/libsodium.pc"

# glibc-compat.c: keeps the binary loadable on glibc 2.34 (see there).
clang -c -O2 -fPIC "$here/glibc-compat.c" -o "$static_libs/glibc-compat.o"

# Its own scratch path, so the static build and run-example.sh's dynamic one do not rebuild each other.
scratch="$here/.build/static"
build=(swift build -c release --package-path "$here" --scratch-path "$scratch" --static-swift-stdlib
    -Xlinker "$static_libs/glibc-compat.o")
export PKG_CONFIG_PATH="$static_libs${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"  # for --show-bin-path too
"${build[@]}" >&2
binary="$("${build[@]}" --show-bin-path)/CheckoutFunction"

# Only the C library family may remain dynamic: a provided.al2023 image has those and nothing else.
libraries=$(ldd "$binary")
unexpected=$(awk '{ print $1 }' <<<"$libraries" | grep -Ev \
    '^(linux-vdso\.so\.1|/lib64/ld-linux-x86-64\.so\.2|/lib/ld-linux-aarch64\.so\.1|lib(c|m|pthread|dl|rt|util|gcc_s|stdc\+\+)\.so\.[0-9]+)$' || true)
if [ -n "$unexpected" ]; then
    echo "package.sh: $binary needs libraries a custom runtime image does not have:" >&2
    echo "$unexpected" >&2
    exit 1
fi
# Nor a glibc newer than the image's: FLAGC_MAX_GLIBC, by default 2.34 (Amazon Linux 2023).
maximum=${FLAGC_MAX_GLIBC:-2.34}
needed=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
if [ "$(printf '%s\n%s\n' "$needed" "$maximum" | sort -V | tail -n 1)" != "$maximum" ]; then
    echo "package.sh: $binary needs glibc $needed, newer than $maximum (FLAGC_MAX_GLIBC), for:" >&2
    objdump -T "$binary" | grep -F "GLIBC_$needed" | awk '{ print "  " $NF }' >&2
    exit 1
fi

# Without debug information and symbols: 8 MB instead of 14. The unstripped binary stays in
# .build/static for symbolicating a crash's addresses.
bootstrap="$here/.build/bootstrap"
if command -v strip >/dev/null; then strip -o "$bootstrap" "$binary"; else cp "$binary" "$bootstrap"; fi

zip="$here/.build/function.zip"
python3 - "$bootstrap" "$bundle" "$zip" <<'PYTHON'
import os, sys, zipfile
binary, bundle, path = sys.argv[1:]
temporary = path + ".partial"
with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    def add(source, name, mode):
        info = zipfile.ZipInfo.from_file(source, name)
        info.external_attr = (0o100000 | mode) << 16  # a regular file with these permissions
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(source, "rb") as file:
            archive.writestr(info, file.read(), compresslevel=9)
    add(binary, "bootstrap", 0o755)
    if bundle != "none":
        add(bundle, "flags.bundle", 0o644)
os.replace(temporary, path)
PYTHON
echo "$zip: $(stat -c %s "$zip") bytes (bootstrap: $(stat -c %s "$bootstrap") bytes unzipped)"
