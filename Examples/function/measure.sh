#!/usr/bin/env bash
# Cold start and peak memory of the function, static (package.sh's bootstrap) next to dynamic
# (run-example.sh's release build), on the example's dev bundle and on a 1,000-flag bundle (the
# example's 8 flags and 992 generated ones of the benchmarks' workload mix, 10 segments of 1,000 keys).
#
#     bash Examples/function/measure.sh [RUNS]     # RUNS per build and bundle, 51 by default
#
# Cold start is exec to first answer: the time from starting the process to reading its answer to
# one event, measured by the caller (like flagc-bench's cold_start_ms); "bundle ready" is the
# function's own figure on stderr (load, verify, decrypt, schema check). Peak RSS is the process's
# VmHWM once it has answered the event and written its metrics (/proc/PID/status; what
# `/usr/bin/time -v` reports as "Maximum resident set size" for a process that stops there). Medians over RUNS (and the fastest run, the figure
# least disturbed by other load), the two builds alternating so both see the same machine noise.
# Last, the 1,000-flag bundle's figures as one JSON line: `cold_start_static_ms` and `rss_static_kb`
# (the static bootstrap's medians), `cold_start_dynamic_ms` and `rss_dynamic_kb`, and their noise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=${1:-51}

bash "$here/package.sh" >&2
swift build -c release --package-path "$here" >&2
dynamic="$(swift build -c release --package-path "$here" --show-bin-path)/CheckoutFunction"
static_dir=$(mktemp -d)
trap 'rm -rf "$static_dir"' EXIT
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$here/.build/function.zip" "$static_dir"
chmod 755 "$static_dir/bootstrap"

# The 1,000-flag project: the repository's flags (the function's typed Flags needs them), the
# generated ones, the dev target and its own development keys.
project="$static_dir/project"
mkdir -p "$project/flags" "$project/targets"
cp "$repo"/flags/*.yaml "$project/flags/"
cp "$repo/targets/dev.yaml" "$project/targets/"
flagc="$(swift build --package-path "$repo" --show-bin-path)/flagc"
own=$("$flagc" check --root "$repo" 2>&1 | sed -n 's/^ok: \([0-9]*\) flags.*/\1/p')
python3 "$here/workload.py" $((1000 - own)) >"$project/flags/workload.yaml"
(cd "$project" && "$flagc" keys init >/dev/null 2>&1 && "$flagc" keys recipient dev >/dev/null 2>&1 \
    && "$flagc" build --target dev >&2)

python3 - "$runs" "$dynamic" "$static_dir/bootstrap" "$here/.build/function.zip" \
    "$repo/out/dev/flags.bundle" "$repo/keys" "$project/out/dev/flags.bundle" "$project/keys" <<'PYTHON'
import os, re, statistics, subprocess, sys, time
runs = int(sys.argv[1])
builds = {"dynamic": sys.argv[2], "static": sys.argv[3]}
zip_path = sys.argv[4]
bundles = {"dev bundle": (sys.argv[5], sys.argv[6]), "1,000-flag bundle": (sys.argv[7], sys.argv[8])}
event = b'{"targetingKey":"user-1","email":"ada@example.com","country":"DE","appVersion":"2.5.0"}\n'

def run_once(binary, environment):
    read_end, write_end = os.pipe()
    start = time.perf_counter()
    process = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=write_end,
                               env=environment)
    os.close(write_end)
    process.stdin.write(event)
    process.stdin.flush()
    answer = process.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1_000
    # The function writes the event's metrics after its answer: the peak is read once it is done with
    # the event, waiting for the next one (blocked reading stdin: syscall 0 on descriptor 0).
    for _ in range(2_000):
        with open(f"/proc/{process.pid}/syscall") as syscall:
            if syscall.read().startswith("0 0x0 "):
                break
        time.sleep(0.001)
    # The peak resident set of the process so far (its own, reset at exec; ru_maxrss would carry
    # over the forking Python's).
    with open(f"/proc/{process.pid}/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))  # kB
    process.stdin.close()
    process.wait()
    with os.fdopen(read_end, "rb") as stderr:
        log = stderr.read().decode()
    ready = re.search(r"bundle ready in ([0-9.]+) ms", log)
    if not answer.startswith(b'{"user":"user-1"') or not ready or "serving defaults" in log or process.returncode:
        sys.exit(f"measure.sh: {binary} failed: answer {answer!r}, exit {process.returncode}, stderr {log!r}")
    return elapsed, float(ready.group(1)), peak

def median(values):
    return statistics.median(values)

def noise(values):
    """The median absolute deviation over the median, as flagc-bench reports its figures' noise."""
    middle = median(values)
    return round(median([abs(value - middle) for value in values]) / middle, 3) if middle else 0

figures = {}

print(f"{'build':8} {'bundle':18} {'bundle bytes':>12} {'cold start ms':>13} {'(fastest)':>9} "
      f"{'bundle ready ms':>15} {'peak RSS MiB':>12}")
for bundle_name, (bundle, keys) in bundles.items():
    environment = dict(os.environ, FLAGC_BUNDLE=bundle,
                       FLAGC_ROOT_PUBLIC_KEY=open(os.path.join(keys, "root.pub")).read().strip(),
                       FLAGC_RECIPIENT_KEY=open(os.path.join(keys, "dev.recipient.key")).read().strip())
    samples = {name: [] for name in builds}
    for name, binary in builds.items():
        run_once(binary, environment)  # page cache warm for both: the image is on local disk in either
    for _ in range(runs):
        for name, binary in builds.items():
            samples[name].append(run_once(binary, environment))
    for name in builds:
        cold, ready, rss = zip(*samples[name])
        print(f"{name:8} {bundle_name:18} {os.path.getsize(bundle):>12,} {median(cold):>13.2f} {min(cold):>9.2f} "
              f"{median(ready):>15.3f} {median(rss) / 1024:>12.1f}")
        if bundle_name == "1,000-flag bundle":
            figures[f"cold_start_{name}_ms"] = (round(median(cold), 2), noise(cold))
            figures[f"rss_{name}_kb"] = (round(median(rss)), noise(rss))
print()
for name, binary in builds.items():
    print(f"{name} executable: {os.path.getsize(binary):,} bytes")
print(f"function.zip (static bootstrap + dev bundle): {os.path.getsize(zip_path):,} bytes")
print(f"({runs} runs each, medians; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
# The 1,000-flag figures as one JSON line, named as flagc-bench names its figures (noise: the median
# absolute deviation over the median).
members = [f'"{key}":{value}' for key, (value, _) in figures.items()]
members.append('"noise":{' + ",".join(f'"{key}":{spread}' for key, (_, spread) in figures.items()) + "}")
print("{" + ",".join(members) + f',"runs":{runs}' + "}")
PYTHON
