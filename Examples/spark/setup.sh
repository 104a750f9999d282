#!/usr/bin/env bash
# What the Spark example needs, installed only when missing: Java 17 (Debian's
# openjdk-17-jre-headless) and a virtual environment with pyspark, pandas and pyarrow from PyPI
# (FLAGC_SPARK_VENV, default ~/.cache/flagc/spark-venv: outside the clone, so fresh clones on one
# machine share it). Prints the environment's python.
set -euo pipefail
venv=${FLAGC_SPARK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/flagc/spark-venv}
if ! java -version 2>&1 | grep -q 'version "17'; then
    echo "spark setup: installing Java 17" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >&2
fi
if ! "$venv/bin/python" -c 'import pyspark, pandas, pyarrow' 2>/dev/null; then
    echo "spark setup: installing pyspark, pandas and pyarrow into $venv" >&2
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check 'pyspark>=3.5,<4.1' 'pandas>=2' 'pyarrow>=14' pytest >&2
fi
echo "$venv/bin/python"
