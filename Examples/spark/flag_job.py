"""Evaluates flags for a DataFrame of contexts with PySpark: the signed bundle is shipped with the
job (spark-submit --files), loaded and verified once per Python worker on each executor, and every
partition is evaluated in Arrow batches (mapInPandas) with one call into the flagc library per batch
and flag. Decisions are written with the bundle's version and target.

    spark-submit --master local[2] \\
        --files out/dev/flags.bundle,keys/root.pub,keys/dev.recipient.key,libflagc-c.so \\
        --py-files flagc.zip \\
        flag_job.py --contexts contexts.jsonl --output decisions/ \\
            --flag new-checkout-flow --flag checkout-button-color --evaluation-time 2026-12-02T12:00:00Z

The recipient secret travels as a file (--files here; a mounted secret on a cluster): its name is in
the arguments, never its content, and nothing here prints it. docs/bindings.md has the details.
"""

import argparse
import hashlib
import json
import os
import sys
import time
from datetime import datetime, timezone

from pyspark import SparkFiles
from pyspark.sql import SparkSession
from pyspark.sql import types as T

# Set on each Python worker by the first batch it evaluates: the bundle, loaded once per process.
_loaded = None


def unix_seconds(rfc3339):
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def shipped(name_or_path):
    """A file shipped with the job (its base name under SparkFiles), or a path readable as is."""
    if os.path.isabs(name_or_path) and os.path.exists(name_or_path):
        return name_or_path
    return SparkFiles.get(os.path.basename(name_or_path))


def load_bundle(settings):
    """The worker's bundle: loaded and verified (signature, keyring, expiry, target, floors) on first
    use, then checked to be byte for byte the bundle the driver saw."""
    global _loaded
    if _loaded is None:
        os.environ.setdefault("FLAGC_LIBRARY", shipped(settings["library"]))
        import flagc

        path = shipped(settings["bundle"])
        with open(path, "rb") as file:
            data = file.read()
        digest = hashlib.sha256(data).hexdigest()
        if digest != settings["sha256"]:
            raise RuntimeError(f"the bundle shipped to this executor differs from the driver's ({digest})")
        bundle = flagc.Bundle.from_bytes(
            data,
            root_key=shipped(settings["root_key"]),
            recipient_key=shipped(settings["recipient_key"]),
            target=settings["target"],
            min_bundle_version=settings["bundle_version"],
            evaluation_time=settings["evaluation_time"],
        )
        _loaded = bundle
    return _loaded


def evaluate_partition(settings):
    """The mapInPandas function: each Arrow batch of contexts becomes JSON Lines (pandas writes them in
    C), then one library call per flag evaluates the whole batch into columns."""
    flags = settings["flags"]
    context_columns = settings["context_columns"]

    def run(batches):
        import pandas as pd

        bundle = load_bundle(settings)
        version, target = bundle.header.bundle_version, bundle.header.target
        for batch in batches:
            lines = batch[context_columns].to_json(orient="records", lines=True).encode()
            out = {"id": batch[settings["id_column"]].astype(str)}
            # One pass over the batch: each context parsed once, evaluated for every flag.
            for key, columns in bundle.evaluate_many_flags(flags, lines).items():
                names = pd.Series(columns.variant_names + [None], dtype=object)
                values = pd.Series([json.dumps(value) for value in columns.variant_values] + ["null"], dtype=object)
                index = pd.Series(columns.variant_index, dtype="int32").where(lambda v: v >= 0, len(columns.variant_names))
                out[f"{key}_variant"] = names.take(index).to_numpy()
                out[f"{key}_value"] = values.take(index).to_numpy()
                out[f"{key}_reason"] = columns.reasons
            frame = pd.DataFrame(out)
            frame["bundle_version"] = version
            frame["bundle_target"] = target
            yield frame

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contexts", required=True, help="JSON Lines of contexts (one object per line)")
    parser.add_argument("--output", required=True, help="where the decisions go (Parquet)")
    parser.add_argument("--flag", action="append", required=True, help="a flag to evaluate; repeat for several")
    parser.add_argument("--bundle", default="flags.bundle", help="the bundle shipped with --files")
    parser.add_argument("--root-key", default="root.pub", help="the root public key file shipped with --files")
    parser.add_argument("--recipient-key", default="dev.recipient.key",
                        help="the recipient secret key FILE shipped with --files (never its text)")
    parser.add_argument("--library", default="libflagc-c.so", help="the flagc C library shipped with --files")
    parser.add_argument("--target", help="refuse a bundle built for another target")
    parser.add_argument("--evaluation-time", help="RFC 3339: the instant every executor decides at")
    parser.add_argument("--id-column", default="id")
    parser.add_argument("--partitions", type=int, default=0, help="repartition the contexts (0: as read)")
    arguments = parser.parse_args(argv)

    spark = SparkSession.builder.appName("flagc-evaluate").getOrCreate()
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "20000")

    # The driver verifies the bundle first (a bad bundle or key fails the job before any task runs),
    # and pins what every executor must load: the same bytes, the same version.
    driver_settings = {
        "bundle": arguments.bundle, "root_key": arguments.root_key, "recipient_key": arguments.recipient_key,
        "library": arguments.library,
    }
    bundle_path = shipped(arguments.bundle)
    with open(bundle_path, "rb") as file:
        sha256 = hashlib.sha256(file.read()).hexdigest()
    os.environ.setdefault("FLAGC_LIBRARY", shipped(arguments.library))
    import flagc

    evaluation_time = unix_seconds(arguments.evaluation_time) if arguments.evaluation_time else time.time()
    driver_bundle = flagc.Bundle.load(bundle_path, root_key=shipped(arguments.root_key),
                                      recipient_key=shipped(arguments.recipient_key), target=arguments.target)
    header = driver_bundle.header
    missing = [key for key in arguments.flag if driver_bundle.flag_type(key) is None]
    if missing:
        parser.error(f"not in the bundle: {', '.join(missing)}")
    print(f"flagc: bundle {header.target} version {header.bundle_version} ({sha256[:12]}), "
          f"evaluation time {datetime.fromtimestamp(evaluation_time, timezone.utc).isoformat()}", file=sys.stderr)

    contexts = spark.read.json(arguments.contexts)
    if arguments.partitions:
        contexts = contexts.repartition(arguments.partitions)
    settings = dict(driver_settings, sha256=sha256, target=header.target, bundle_version=header.bundle_version,
                    evaluation_time=evaluation_time, flags=arguments.flag, id_column=arguments.id_column,
                    context_columns=[name for name in contexts.columns if name != "_corrupt_record"])
    fields = [T.StructField("id", T.StringType())]
    for key in arguments.flag:
        fields += [T.StructField(f"{key}_variant", T.StringType()), T.StructField(f"{key}_value", T.StringType()),
                   T.StructField(f"{key}_reason", T.StringType())]
    fields += [T.StructField("bundle_version", T.LongType()), T.StructField("bundle_target", T.StringType())]

    started = time.time()
    decisions = contexts.mapInPandas(evaluate_partition(settings), T.StructType(fields))
    decisions.write.mode("overwrite").parquet(arguments.output)
    elapsed = time.time() - started
    rows = spark.read.parquet(arguments.output).count()
    cores = spark.sparkContext.defaultParallelism
    print(json.dumps({"rows": rows, "flags": len(arguments.flag), "seconds": round(elapsed, 2), "cores": cores,
                      "rowsPerSecondPerCore": round(rows / elapsed / cores)}))
    spark.stop()


if __name__ == "__main__":
    main()
