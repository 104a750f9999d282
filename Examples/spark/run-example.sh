#!/usr/bin/env bash
# From a fresh clone: the example project's keys and dev bundle (.ci/example), the flagc C library,
# Java 17 and pyspark (setup.sh, each only when missing), N synthetic contexts (default 100,000),
# then the PySpark job through spark-submit in local mode, exactly as on a cluster: the bundle, the
# root key, the recipient key file and the library shipped with --files, the flagc package with
# --py-files. Prints the job's figures (JSON) and a few decisions.
#
#     bash Examples/spark/run-example.sh [N] [OUTPUT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
count=${1:-100000}
output=${2:-$repo/out/spark/decisions}
# The library is always a release build: evaluation cost is what the job measures.
configuration=${FLAGC_LIBRARY_CONFIGURATION:-release}
cores=${FLAGC_SPARK_CORES:-2}

bash "$repo/.ci/example" >/dev/null
swift build -c "$configuration" --package-path "$repo" --product flagc-c >&2
library="$(swift build -c "$configuration" --package-path "$repo" --show-bin-path)/libflagc-c.so"
python=$(bash "$here/setup.sh")
venv_bin=$(dirname "$python")

work="$repo/out/spark"
mkdir -p "$work"
contexts="$work/contexts-$count.jsonl"
[ -f "$contexts" ] || "$python" "$here/make_contexts.py" "$count" "$contexts"
# The flagc package as a zip for --py-files (pure Python: the library ships separately).
(cd "$repo/bindings/python" && rm -f "$work/flagc.zip" && "$python" -m zipfile -c "$work/flagc.zip" flagc)

export PYSPARK_PYTHON="$python" PYSPARK_DRIVER_PYTHON="$python" SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
"$venv_bin/spark-submit" --master "local[$cores]" \
    --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions="$cores" \
    --driver-java-options "-Dlog4j.configurationFile=file:$here/log4j2.properties" \
    --files "$repo/out/dev/flags.bundle,$repo/keys/root.pub,$repo/keys/dev.recipient.key,$library" \
    --py-files "$work/flagc.zip" \
    "$here/flag_job.py" --contexts "$contexts" --output "$output" --partitions "$cores" \
    --flag new-checkout-flow --flag checkout-button-color --flag search-results-per-page \
    --target dev --evaluation-time 2026-12-02T12:00:00Z
"$python" - "$output" <<'PY'
import sys
import pandas
frame = pandas.read_parquet(sys.argv[1])
print(frame.head(3).to_string(index=False), file=sys.stderr)
PY
