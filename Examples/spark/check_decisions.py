"""Checks the Spark job's decisions against `flagc eval --contexts`: every decision of a sample of
rows (value, variant and reason of each flag), and the count of each variant of each flag over all
rows, from one pass of `flagc eval` over every context. Exits non-zero after listing differences.

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

    # One pass of `flagc eval --contexts` over every context: each line's results are counted per
    # flag and variant, and every 997th line (and the last) is compared decision by decision.
    result = re.compile(r'"flag":"([^"]+)","value":.*?,"variant":(?:"([^"]*)"|null)')
    counts = {key: collections.Counter() for key in flags}
    wanted = set(flags)
    process = flagc_eval(flagc, bundle, root_key, recipient_key, at, contexts_path)
    total = checked = 0
    last = None
    for number, line in enumerate(process.stdout):
        for key, variant in result.findall(line):
            if key in wanted:
                counts[key][variant or None] += 1
        if number % 997 == 0:
            checked += compare(json.loads(line), decisions, flags, failures)
        total += 1
        last = line
    if process.wait() != 0:
        failures.append(f"flagc eval exited with {process.returncode}")
    if last is not None and (total - 1) % 997 != 0:
        checked += compare(json.loads(last), decisions, flags, failures)
    if rows != total:
        failures.append(f"{rows} decisions for {total} contexts")
    for key in flags:
        spark_counts = collections.Counter(decisions[f"{key}_variant"].tolist())
        if spark_counts != counts[key]:
            failures.append(f"{key}: spark counts {dict(spark_counts)}, flagc eval {dict(counts[key])}")
        print(f"spark check: {key}: {dict(sorted(counts[key].items(), key=str))}")

    for failure in failures[:20]:
        print(f"spark check: FAILED: {failure}", file=sys.stderr)
    print(f"spark check: {rows} rows, {checked} sampled decisions compared, variant counts of {len(flags)} flags: "
          f"{'FAILED' if failures else 'all equal to flagc eval'}")
    sys.exit(1 if failures else 0)


def compare(line, decisions, flags, failures):
    """Compares one `flagc eval` result line with the Spark row of the same id; returns the number
    of decisions compared."""
    row = decisions.loc[line["id"]]
    by_flag = {item["flag"]: item for item in line["results"]}
    for key in flags:
        expected = by_flag[key]
        got = (json.loads(row[f"{key}_value"]), row[f"{key}_variant"], row[f"{key}_reason"])
        if got != (expected["value"], expected.get("variant"), expected["reason"]):
            failures.append(f"{line['id']} {key}: spark {got}, flagc eval {expected}")
    return len(flags)


if __name__ == "__main__":
    main()
