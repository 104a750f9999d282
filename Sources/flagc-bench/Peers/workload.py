#!/usr/bin/env python3
"""The peers' workload for `flagc-bench --peers`, one definition for every engine.

N flags flag_00000 ... flag_{N-1}, all of one shape; the measured flag is flag_{N/2}. A flag is on
for a context iff region is one of eu, us, apac; age >= 18; the context is in segment `paid`
(plan is pro or enterprise); and the user falls in a 25 % split keyed by userId.
100,000 contexts user-0 ... user-99999 (region of 5 values, plan of 3, age 10-69, seeded).

    workload.py DIR [N]    writes DIR/contexts.tsv, DIR/flagc.yaml, DIR/unleash.json, DIR/flipt.json
"""
import base64
import json
import os
import random
import sys

REGIONS = ["eu", "us", "apac", "latam", "africa"]
PLANS = ["free", "pro", "enterprise"]
ON_REGIONS = REGIONS[:3]
PAID = PLANS[1:]


def key(i):
    return f"flag_{i:05d}"


def flagc_yaml(n):
    lines = ["segments:", "  paid:", "    when: { plan: [pro, enterprise] }", "flags:"]
    for i in range(n):
        lines += [f"  {key(i)}:", "    default: off", "    rules:",
                  "      - when: { region: [eu, us, apac], age: { gte: 18 }, segment: paid }",
                  "        serve: { split: { on: 25, off: 75 }, by: userId }"]
    return "\n".join(lines) + "\n"


def unleash(n):
    def constraint(name, operator, **value):
        return {"contextName": name, "operator": operator, "inverted": False, "caseInsensitive": False, **value}
    return {"version": 2, "segments": [{"id": 1, "name": "paid", "constraints": [
        constraint("plan", "IN", values=PAID)]}],
        "features": [{"name": key(i), "type": "release", "enabled": True, "project": "default", "strategies": [{
            "name": "flexibleRollout", "segments": [1],
            "parameters": {"rollout": "25", "stickiness": "userId", "groupId": key(i)},
            "constraints": [constraint("region", "IN", values=ON_REGIONS),
                            constraint("age", "NUM_GTE", value="18")]}]} for i in range(n)]}


def flipt(n):
    # A variant flag: one rule ANDing two segments, 25 % "on" / 75 % "off" (Flipt's boolean flags
    # cannot combine a segment and a percentage in one rollout).
    string = "STRING_CONSTRAINT_COMPARISON_TYPE"
    segments = {
        "geo-adult": {"segment_key": "geo-adult", "match_type": "ALL_SEGMENT_MATCH_TYPE", "constraints": [
            {"type": string, "property": "region", "operator": "isoneof", "value": json.dumps(ON_REGIONS)},
            {"type": "NUMBER_CONSTRAINT_COMPARISON_TYPE", "property": "age", "operator": "gte", "value": "18"}]},
        "paid": {"segment_key": "paid", "match_type": "ALL_SEGMENT_MATCH_TYPE", "constraints": [
            {"type": string, "property": "plan", "operator": "isoneof", "value": json.dumps(PAID)}]},
    }
    namespace = {"key": "default", "flags": {}, "eval_rules": {}, "eval_rollouts": {}, "eval_distributions": {}}
    for i in range(n):
        k, rule = key(i), f"{key(i)}-1"
        namespace["flags"][k] = {"key": k, "enabled": True, "type": "VARIANT_FLAG_TYPE"}
        namespace["eval_rules"][k] = [{"id": rule, "flag_key": k, "rank": 1,
                                      "segment_operator": "AND_SEGMENT_OPERATOR", "segments": segments}]
        namespace["eval_rollouts"][k] = []
        namespace["eval_distributions"][rule] = [{"rule_id": rule, "rollout": 25.0, "variant_key": "on"},
                                                {"rule_id": rule, "rollout": 75.0, "variant_key": "off"}]
    snapshot = json.dumps({"version": 1, "namespace": namespace}, separators=(",", ":"))
    # No network: the engine's initial fetch fails on the file: scheme before opening a socket, and
    # error_strategy fallback keeps the snapshot given here.
    return {"namespace": "default", "url": "file:///nonexistent", "error_strategy": "fallback",
            "update_interval": 86400, "request_timeout": 1, "snapshot": base64.b64encode(snapshot.encode()).decode()}


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    os.makedirs(out, exist_ok=True)
    draw = random.Random(42)
    with open(os.path.join(out, "contexts.tsv"), "w") as f:
        for i in range(100_000):
            region, plan, age = draw.choice(REGIONS), draw.choice(PLANS), draw.randint(10, 69)
            f.write(f"user-{i}\t{region}\t{plan}\t{age}\n")
    with open(os.path.join(out, "flagc.yaml"), "w") as f:
        f.write(flagc_yaml(n))
    for name, document in (("unleash.json", unleash(n)), ("flipt.json", flipt(n))):
        with open(os.path.join(out, name), "w") as f:
            json.dump(document, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
