#!/usr/bin/env bash
# `flagc-bench --peers` (or FLAGC_BENCH=<flagc-bench> bash peers.sh): flagc side by side with
# Unleash's Yggdrasil and Flipt's engine (Rust), in one run, on one workload (workload.py).
#
# Installs the yggdrasil-engine and flipt-client wheels from PyPI into a temporary virtual
# environment, compiles peer_engines.c and coldstart.c with clang (or cc), loads the peers' native
# libraries through their C ABI, and reports for the three engines: load 1,000 flags, evaluate,
# JSON event -> decision, cold start (exec -> first answer) and peak RSS; medians, noise, ratios.
# Prints a Markdown table, then one JSON object on the last line. Everything it makes lives in a
# temporary folder, removed at exit. flagc's cold start needs the static function package
# (bash Examples/function/package.sh); without it that figure is "not measured".
#
#     FLAGC_PEERS_QUICK=1   fewer rounds and 10,000 contexts for flagc (the peers always use 100,000)
#     FLAGC_PEERS_RUNS=N    cold-start runs per engine (21 by default)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
bench=${FLAGC_BENCH:?FLAGC_BENCH must name the flagc-bench executable}
runs=${FLAGC_PEERS_RUNS:-21}
quick=()
[ -n "${FLAGC_PEERS_QUICK:-}" ] && quick=(--quick)
work=$(mktemp -d "${TMPDIR:-/tmp}/flagc-peers.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc=$(command -v clang || command -v cc)

echo "peers: installing yggdrasil-engine and flipt-client into a temporary venv" >&2
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check yggdrasil-engine flipt-client >&2
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
versions=$("$work/venv/bin/python" -m pip list --format=freeze 2>/dev/null | grep -Ei '^(yggdrasil-engine|flipt-client)==' \
    | tr '\n' ' ')
ygg=$site/yggdrasil_engine/lib/libyggdrasilffi.so
flipt=$site/ext/linux_x86_64/libfliptengine.so
"$cc" -O2 -o "$work/peer_engines" "$here/peer_engines.c" -ldl
"$cc" -O2 -o "$work/coldstart" "$here/coldstart.c"
python3 "$here/workload.py" "$work/data" 1000

echo "peers: flagc" >&2
"$bench" --peer-figures "$work/data" "${quick[@]}" >"$work/flagc.json"
echo "peers: Yggdrasil" >&2
"$work/peer_engines" ygg "$ygg" "$work/data" bench >"$work/ygg.json"
echo "peers: Flipt" >&2
"$work/peer_engines" flipt "$flipt" "$work/data" bench >"$work/flipt.json"
echo "peers: cold starts ($runs runs each)" >&2
"$work/coldstart" "$runs" '{}' -- "$work/peer_engines" ygg "$ygg" "$work/data" cold >"$work/ygg-cold.json"
"$work/coldstart" "$runs" '{}' -- "$work/peer_engines" flipt "$flipt" "$work/data" cold >"$work/flipt-cold.json"

# flagc's cold start: the static function (package.sh's bootstrap) on a 1,000-flag bundle: the
# repository's flags (the function's generated accessors need them) and the workload's flags.
bootstrap=$repo/Examples/function/.build/bootstrap
flagc=""
for candidate in "$(dirname "$bench")/flagc" "$repo/.build/release/flagc" "$repo/.build/debug/flagc"; do
    [ -x "$candidate" ] && { flagc=$candidate; break; }
done
echo '{}' >"$work/flagc-cold.json"
if [ -x "$bootstrap" ] && [ -n "$flagc" ]; then
    project=$work/project
    mkdir -p "$project/flags" "$project/targets"
    cp "$repo"/flags/*.yaml "$project/flags/"
    cp "$repo/targets/dev.yaml" "$project/targets/"
    own=$("$flagc" check --root "$repo" 2>&1 | sed -n 's/^ok: \([0-9]*\) flags.*/\1/p')
    python3 - "$here/workload.py" "$((1000 - own))" "$project/flags/peers.yaml" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("workload", sys.argv[1])
workload = importlib.util.module_from_spec(spec)
spec.loader.exec_module(workload)
open(sys.argv[3], "w").write(workload.flagc_yaml(int(sys.argv[2])))
PY
    (cd "$project" && "$flagc" keys init >/dev/null 2>&1 && "$flagc" keys recipient dev >/dev/null 2>&1 \
        && "$flagc" build --target dev >/dev/null)
    FLAGC_BUNDLE=$project/out/dev/flags.bundle \
        FLAGC_ROOT_PUBLIC_KEY=$(cat "$project/keys/root.pub") \
        FLAGC_RECIPIENT_KEY=$(cat "$project/keys/dev.recipient.key") \
        "$work/coldstart" "$runs" '{"targetingKey":"user-1","userId":"user-1","region":"eu","plan":"pro","age":42}' \
        -- "$bootstrap" >"$work/flagc-cold.json" 2>/dev/null
fi

python3 - "$work" "$versions" "$(nproc)" <<'PY'
import json, os, sys
work, versions, cores = sys.argv[1], sys.argv[2].strip(), sys.argv[3]
read = lambda name: json.load(open(os.path.join(work, name)))
flagc, ygg, flipt = read("flagc.json"), read("ygg.json"), read("flipt.json")
cold = {name: read(f"{name}-cold.json") for name in ("flagc", "ygg", "flipt")}

def number(value, unit):
    if value is None: return "—"
    if unit == "ms": return f"{value:,.2f} ms"
    if unit == "MB": return f"{value / 1024:,.1f} MB"
    return f"{value:,.0f} ns"

def ratio(ours, theirs):
    return f"{theirs / ours:,.1f}×" if ours and theirs else "—"

rows = [
    ("load 1,000 flags (CPU time for the peers)", flagc.get("load_ms_peer_1000"), ygg["load_ms_cpu"], flipt["load_ms_cpu"], "ms"),
    ("evaluate, context built, by key", flagc.get("eval_ns_peer_workload_key"), None, None, "ns"),
    ("evaluate, context built, by handle", flagc.get("eval_ns_peer_workload_handle"), None, None, "ns"),
    ("build a context of 4 attributes + evaluate", flagc.get("context_build_eval_ns_peer_workload"), None, None, "ns"),
    ("JSON event → decision (p50 per call for the peers)", flagc.get("request_ns_peer_workload"), ygg["request_ns"], flipt["request_ns"], "ns"),
    ("JSON event → decision, mean per call", flagc.get("request_ns_peer_workload"), ygg["request_ns_mean"], flipt["request_ns_mean"], "ns"),
    ("cold start, exec → first answer", cold["flagc"].get("cold_start_ms"), cold["ygg"]["cold_start_ms"], cold["flipt"]["cold_start_ms"], "ms"),
    ("cold start, CPU time", cold["flagc"].get("cold_start_cpu_ms"), cold["ygg"]["cold_start_cpu_ms"], cold["flipt"]["cold_start_cpu_ms"], "ms"),
    ("peak RSS, cold, 1,000 flags", cold["flagc"].get("rss_kb"), cold["ygg"]["rss_kb"], cold["flipt"]["rss_kb"], "MB"),
]
print("| figure | flagc | Yggdrasil | Flipt | Yggdrasil / flagc | Flipt / flagc |")
print("|---|---|---|---|---|---|")
for name, ours, y, f, unit in rows:
    print(f"| {name} | {number(ours, unit)} | {number(y, unit)} | {number(f, unit)} | {ratio(ours, y)} | {ratio(ours, f)} |")
print()
print(f"Noise: flagc request {flagc.get('request_ns_peer_workload_spread', 0):.1%} (MAD/median over rounds); "
      f"mean per call over five slices of the contexts spread {ygg['request_ns_mean_spread']:.0%} (Yggdrasil), "
      f"{flipt['request_ns_mean_spread']:.0%} (Flipt); cold start fastest/slowest: "
      + ", ".join(f"{n} {c['cold_start_ms_min']:.2f}/{c['cold_start_ms_max']:.2f} ms" for n, c in cold.items() if c)
      + f". Decisions on: flagc {flagc.get('peer_on_count', 0):.0f}, Yggdrasil {ygg['on']}, Flipt {flipt['on']} "
      f"(of {ygg['contexts']:,} contexts). {versions}; {cores} cores, load average {os.getloadavg()[0]:.1f}.")
if not cold["flagc"]:
    print("flagc cold start: not measured (bash Examples/function/package.sh builds the static function)")
figures = {f"flagc_{k}": v for k, v in flagc.items()}
figures.update({f"ygg_{k}": v for k, v in ygg.items()})
figures.update({f"flipt_{k}": v for k, v in flipt.items()})
for name, c in cold.items():
    figures.update({f"{name}_{k}": v for k, v in c.items()})
if flagc.get("request_ns_peer_workload"):
    figures["ygg_over_flagc_request"] = round(ygg["request_ns"] / flagc["request_ns_peer_workload"], 2)
    figures["flipt_over_flagc_request"] = round(flipt["request_ns"] / flagc["request_ns_peer_workload"], 2)
print(json.dumps(figures))
PY
