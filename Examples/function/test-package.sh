#!/usr/bin/env bash
# Test of the deployable package: builds function.zip with package.sh, unzips it into an empty
# directory (as a custom runtime's task root), checks `bootstrap` kept its executable mode and is
# fully static (no program interpreter, no shared library), then runs it on the sample events with
# the bundle from the zip (LAMBDA_TASK_ROOT, no FLAGC_BUNDLE) and checks its answers equal the
# dynamic build's (run-example.sh, in FLAGC_EXAMPLE_CONFIGURATION, release by default), on stdin and
# through a loopback stand-in of the Lambda Runtime API. Exits non-zero on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
fail() { echo "function package: FAILED: $*" >&2; exit 1; }
started=$SECONDS

bash "$here/package.sh" >&2
task_root=$(mktemp -d)
trap 'rm -rf "$task_root"' EXIT
# Unzips as Lambda does, keeping the modes recorded in the zip (Python's extractall drops them).
python3 - "$here/.build/function.zip" "$task_root" <<'PYTHON'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    for info in archive.infolist():
        path = archive.extract(info, sys.argv[2])
        os.chmod(path, (info.external_attr >> 16) & 0o777)
PYTHON
[ "$(ls "$task_root" | tr '\n' ' ')" = "bootstrap flags.bundle " ] || fail "the zip holds $(ls "$task_root")"
[ "$(stat -c %a "$task_root/bootstrap")" = 755 ] || fail "bootstrap is not mode 755 in the zip"
readelf -lW "$task_root/bootstrap" | grep -Eq '^ *(INTERP|DYNAMIC) ' \
    && fail "bootstrap is not fully static: $(readelf -lW "$task_root/bootstrap" | grep -E '^ *(INTERP|DYNAMIC) ')"

expected=$(bash "$here/run-example.sh" 2>/dev/null)
actual=$(
    cd "$task_root"
    env -u FLAGC_BUNDLE LAMBDA_TASK_ROOT="$task_root" \
        FLAGC_ROOT_PUBLIC_KEY="$(cat "$repo/keys/root.pub")" \
        FLAGC_RECIPIENT_KEY="$(cat "$repo/keys/dev.recipient.key")" \
        ./bootstrap <"$here/events.jsonl" 2>"$task_root/stderr"
)
grep -q "cold start: bundle ready in" "$task_root/stderr" || fail "no cold-start figure on stderr"
grep -q "serving defaults" "$task_root/stderr" && fail "the bundle in the zip did not load: $(cat "$task_root/stderr")"
[ "$(wc -l <<<"$actual")" -eq 11 ] || fail "expected 11 responses, one per event"
[ "$actual" = "$expected" ] || fail "the static bootstrap answers differently:
$(diff <(echo "$expected") <(echo "$actual"))"
through_api=$(
    cd "$task_root"
    env -u FLAGC_BUNDLE LAMBDA_TASK_ROOT="$task_root" \
        FLAGC_ROOT_PUBLIC_KEY="$(cat "$repo/keys/root.pub")" \
        FLAGC_RECIPIENT_KEY="$(cat "$repo/keys/dev.recipient.key")" \
        bash "$here/run-with-runtime-api.sh" ./bootstrap 2>"$task_root/stderr"
) || fail "as a custom runtime: $(cat "$task_root/stderr")"
[ "$through_api" = "$expected" ] || fail "the static bootstrap answers differently through the runtime API:
$(diff <(echo "$expected") <(echo "$through_api"))"
echo "function package: 2 passed, 0 failed ($((SECONDS - started)) s; $(stat -c %s "$here/.build/function.zip") bytes zipped)"
