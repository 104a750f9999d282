#!/usr/bin/env bash
# Packages the function for a Lambda-style custom runtime (e.g. AWS provided.al2023), whose image
# has neither the Swift runtime nor libsodium: a release build linked fully statically (the Swift
# standard library, libsodium, the C and C++ libraries: no dynamic loader, no shared library, so no
# glibc version to match), checked to be static, stripped, and zipped with the executable named
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

# Its own scratch path, so the static build and run-example.sh's dynamic one do not rebuild each other.
scratch="$here/.build/static"
build=(swift build -c release --package-path "$here" --scratch-path "$scratch" --static-swift-stdlib)
export PKG_CONFIG_PATH="$static_libs${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"  # for --show-bin-path too
"${build[@]}" >&2
bin=$("${build[@]}" --show-bin-path)

# SwiftPM links the Swift standard library statically but the C library family dynamically. The same
# objects, linked again with `-static-executable`, make a binary without a dynamic loader: no shared
# object to map, no symbol to look up, no relocation at exec, so a cold start is about 1 ms shorter and
# 2 MB smaller (docs/deployment.md). (SwiftPM's `-Xswiftc -static-executable` would also apply to the
# flagc tool the build plugin runs.) glibc warns that getaddrinfo and dlopen, linked statically, would
# load the image's name services at run time: the function resolves the runtime API's numeric address
# without them, and the Swift runtime's dlopen is unused on Linux; those two warnings are left out.
objects="$bin/CheckoutFunction.product/Objects.LinkFileList"
[ -f "$objects" ] || { echo "package.sh: no $objects (SwiftPM's list of the function's objects)" >&2; exit 1; }
binary="$bin/CheckoutFunction-static"
if ! output=$(swiftc -static-executable -emit-executable -o "$binary" -module-name CheckoutFunction -g \
    -L "$static_libs" -L "$bin" -Xlinker --gc-sections -Xlinker --defsym -Xlinker main=CheckoutFunction_main \
    "@$objects" 2>&1); then
    echo "$output" >&2
    echo "package.sh: linking $binary failed" >&2
    exit 1
fi
grep -Ev "warning: Using '(getaddrinfo|dlopen)' in statically linked applications" <<<"$output" >&2 || true

# A custom runtime image needs nothing of the binary: no program interpreter, no dynamic section.
if readelf -lW "$binary" | grep -Eq '^ *(INTERP|DYNAMIC) '; then
    echo "package.sh: $binary is not fully static:" >&2
    readelf -lW "$binary" | grep -E '^ *(INTERP|DYNAMIC) ' >&2
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
