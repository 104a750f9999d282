#!/usr/bin/env bash
# The Python package's evaluation cost next to LaunchDarkly's, GrowthBook's and flagd's Python SDKs
# on the same workload (workload.py): builds the workload's flag with flagc, installs the SDKs from
# PyPI into a temporary venv, runs all four in-process, prints JSON. Needs a built flagc and
# libflagc-c.so (release: `swift build -c release --product flagc --product flagc-c`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
configuration=${FLAGC_BENCH_CONFIGURATION:-release}
bin=$(swift build -c "$configuration" --package-path "$repo" --show-bin-path)
flagc=${FLAGC_BIN:-$bin/flagc}
export FLAGC_LIBRARY=${FLAGC_LIBRARY:-$bin/libflagc-c.so}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/flags" "$work/project/targets"
cat >"$work/project/flags/bench.yaml" <<'YAML'
flags:
  bench-flag:
    default: off
    rules:
      - name: eu
        when: { country: [DE, FR, NL] }
        serve: on
      - name: everyone else
        serve: { split: { on: 50, off: 50 } }
YAML
printf 'environment: production\nflags: ["*"]\nrecipients: [keys/bench.recipient.pub]\nexpiresAfter: 30d\n' \
    >"$work/project/targets/bench.yaml"
(cd "$work/project" && "$flagc" keys init >/dev/null && "$flagc" keys recipient bench >/dev/null && "$flagc" build >/dev/null)
venv=${FLAGC_SDK_BENCH_VENV:-$work/venv}
if ! "$venv/bin/python" -c 'import ldclient, growthbook, openfeature.contrib.provider.flagd' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check launchdarkly-server-sdk growthbook \
        openfeature-sdk openfeature-provider-flagd >&2
fi
"$venv/bin/python" "$here/workload.py" "$work/project/out/bench/flags.bundle" \
    "$work/project/keys/root.pub" "$work/project/keys/bench.recipient.key"
