#!/usr/bin/env python3
"""Writes a generated flags file of N flags to stdout: the same mix as the benchmarks' workload
(Sources/FlagTestSupport/Workload.swift): targeted splits, segment rules over 1,000-key segments,
progressive ramps, static, numeric and prerequisite flags. measure.sh uses it to give the function a
1,000-flag bundle. Usage: workload.py FLAG_COUNT [FIRST_INDEX]"""
import sys

COUNTRIES = ["DE", "FR", "NL", "US", "GB", "ES", "IT", "PL", "SE", "JP"]


def flag_key(index):
    return f"team-{index % 37}.feature-{index}"


def kind(index):
    return {0: "split", 1: "split", 2: "split", 3: "split", 4: "segment", 5: "segment", 6: "ramp",
            7: "static", 8: "numeric"}.get(index % 10, "prerequisite")


def workload(flag_count, segment_count=10, segment_size=1_000):
    text = ["segments:\n"]
    for segment in range(segment_count):
        members = ", ".join(f"user-{(i * 7 + segment * 1_009) % 200_000}" for i in range(segment_size))
        text.append(f"  cohort-{segment}:\n    description: Generated cohort {segment}\n    include: [{members}]\n")
        text.append(f"    when: {{ plan: enterprise, seats: {{ gte: {50 + segment} }} }}\n")
    text.append("flags:\n")
    for index in range(flag_count):
        text.append(f"  {flag_key(index)}:\n    description: Generated flag {index}\n    owner: team-{index % 37}\n")
        k = kind(index)
        if k == "split":
            country, other = COUNTRIES[index % 10], COUNTRIES[(index + 3) % 10]
            text.append(
                "    default: off\n    rules:\n      - name: targeted rollout\n        when:\n"
                f"          country: [{country}, {other}]\n"
                f"          appVersion: {{ semverGte: 2.{index % 9}.0 }}\n"
                f"          age: {{ gte: {18 + index % 30} }}\n"
                f"        serve: {{ split: {{ on: {index % 100}, off: {100 - index % 100} }} }}\n")
        elif k == "segment":
            text.append(
                "    type: string\n    variants: { control: a, treatment: b, holdout: c }\n    default: control\n"
                f"    rules:\n      - name: cohort\n        when: {{ segment: cohort-{index % segment_count} }}\n"
                "        serve: treatment\n      - name: internal\n"
                '        when: { email: { endsWith: "@example.com" } }\n        serve: holdout\n')
        elif k == "ramp":
            text.append(
                "    default: off\n    rules:\n      - name: ramp\n        serve:\n          progressive:\n"
                "            variant: on\n            others: off\n            steps:\n"
                + "".join(f"              - {{ at: 2026-12-0{day}T09:00:00Z, percent: {percent} }}\n"
                          for day, percent in [(1, 5), (2, 25), (3, 50), (4, 100)]))
        elif k == "static":
            text.append(f"    default: {'on' if index % 20 == 7 else 'off'}\n")
        elif k == "numeric":
            text.append(
                f"    type: integer\n    variants: {{ low: {index % 10}, high: {100 + index % 10} }}\n"
                "    default: low\n    rules:\n      - name: big accounts\n"
                f"        when: {{ seats: {{ gt: {index % 500} }}, plan: {{ in: [team, enterprise] }} }}\n"
                "        serve: high\n")
        else:
            required = flag_key(index - 3 - 3 * (index // 10 % 2))
            text.append(
                f"    default: off\n    requires: [{{ flag: {required}, variant: on }}]\n"
                "    rules:\n      - name: pro users\n        when: { plan: { ne: free } }\n        serve: on\n")
    return "".join(text)


if __name__ == "__main__":
    sys.stdout.write(workload(int(sys.argv[1])))
