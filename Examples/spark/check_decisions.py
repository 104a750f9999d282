"""Checks the Spark job's decisions against `flagc eval --contexts`: every decision of a sample of
rows (value, variant and reason of each flag), and the count of each variant of each flag over all
rows. Exits non-zero on the first difference.

    python check_decisions.py DECISIONS CONTEXTS.jsonl FLAGC BUNDLE ROOT_KEY RECIPIENT_KEY AT FLAG...
"""

import collections
import json
import re
import subprocess
import sys

import pandas


def flagc_eval(flagc, bundle, root_key, recipient_key, at, contexts_path, flag=None):
    arguments = [flagc, "eval", bundle, "--contexts", contexts_path, "--root-key", root_key, "--key",
                 recipient_key, "--at", at]
    if flag:
        arguments += ["--flag", flag]
    return subprocess.Popen(arguments, stdout=subprocess.PIPE, text=True, bufsize=1 << 20)


def main():
    decisions_path, contexts_path, flagc, bundle, root_key, recipient_key, at, *flags = sys.argv[1:]
    decisions = pandas.read_parquet(decisions_path).set_index("id")
    rows = len(decisions)
    failures = []

    # Every decision of a sample: every 997th context, and the first and last.
    sample_path = decisions_path.rstrip("/") + "-sample.jsonl"
    total = 0
    with open(contexts_path) as source, open(sample_path, "w") as sample:
        for number, line in enumerate(source):
            if number % 997 == 0:
                sample.write(line)
            total += 1
            last = line
        sample.write(last)
    if rows != total:
        failures.append(f"{rows} decisions for {total} contexts")
    process = flagc_eval(flagc, bundle, root_key, recipient_key, at, sample_path)
    checked = 0
    for line in process.stdout:
        result = json.loads(line)
        row = decisions.loc[result["id"]]
        by_flag = {item["flag"]: item for item in result["results"]}
        for key in flags:
            expected = by_flag[key]
            got = (json.loads(row[f"{key}_value"]), row[f"{key}_variant"], row[f"{key}_reason"])
            if got != (expected["value"], expected.get("variant"), expected["reason"]):
                failures.append(f"{result['id']} {key}: spark {got}, flagc eval {expected}")
            checked += 1
    process.wait()

    # The count of each variant of each flag over every context.
    variant = re.compile(r'"variant":(?:"([^"]*)"|null)')
    for key in flags:
        counts = collections.Counter()
        process = flagc_eval(flagc, bundle, root_key, recipient_key, at, contexts_path, flag=key)
        for line in process.stdout:
            match = variant.search(line)
            counts[match.group(1) if match else None] += 1
        process.wait()
        spark_counts = collections.Counter(decisions[f"{key}_variant"].tolist())
        if spark_counts != counts:
            failures.append(f"{key}: spark counts {dict(spark_counts)}, flagc eval {dict(counts)}")
        print(f"spark check: {key}: {dict(sorted(counts.items(), key=str))}")

    for failure in failures[:20]:
        print(f"spark check: FAILED: {failure}", file=sys.stderr)
    print(f"spark check: {rows} rows, {checked} sampled decisions compared, variant counts of {len(flags)} flags: "
          f"{'FAILED' if failures else 'all equal to flagc eval'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
