"""The Python package against `flagc eval`, on the language-neutral spec suite (Tests/Spec) and on the
example project: every answer equal, value, variant, reason, rule and error code."""

import json
from datetime import datetime
from pathlib import Path

import pytest

import flagc
from conftest import REPO, Project, run_flagc

SPEC = REPO / "Tests" / "Spec"


def suites():
    for path in sorted(SPEC.glob("*.json")):
        loaded = json.loads(path.read_text())
        for index, suite in enumerate(loaded if isinstance(loaded, list) else [loaded]):
            yield pytest.param(suite, id=f"{path.stem}-{index}")


def unix(rfc3339):
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def same(detail, expected):
    """A Python detail equal to a `flagc eval` result line."""
    assert detail.value == expected["value"], (detail, expected)
    assert detail.variant == expected.get("variant"), (detail, expected)
    assert detail.reason == expected["reason"], (detail, expected)
    assert detail.rule == expected.get("rule"), (detail, expected)
    assert detail.error_code == expected.get("errorCode"), (detail, expected)


@pytest.mark.parametrize("suite", list(suites()))
def test_spec_suite_matches_flagc_eval(suite, tmp_path):
    project = Project(tmp_path, suite["flags"], suite.get("environment", "test"))
    by_clock = {}
    for test in suite["tests"]:
        by_clock.setdefault(test.get("now"), []).append(test)
    compared = 0
    for now, tests in by_clock.items():
        # The same fixed clock on both sides: the Python bundle's evaluation time and `flagc eval --at`.
        bundle = flagc.Bundle.load(project.bundle, root_key=project.root_key, recipient_key=project.recipient_key,
                                   evaluation_time=unix(now) if now else None)
        texts = [json.dumps(test.get("context", {})) for test in tests]
        lines = project.eval_lines(texts, at=now)
        for test, text, line in zip(tests, texts, lines):
            detail = bundle.evaluate(test["flag"], json.loads(text))
            if test["flag"] in line:
                same(detail, line[test["flag"]])
            else:  # an unknown flag: flagc eval lists only the bundle's flags
                assert detail.error_code == "FLAG_NOT_FOUND" and test["expected"].get("errorCode") == "FLAG_NOT_FOUND"
            # and the spec's own expectation
            expected = test["expected"]
            assert detail.value == expected["value"] or (
                isinstance(expected["value"], (int, float)) and detail.value == pytest.approx(expected["value"])
            ), test["description"]
            assert detail.variant == expected["variant"], test["description"]
            assert detail.reason == expected["reason"], test["description"]
            compared += 1
        # Columns: evaluate_many gives the single answers, flag by flag.
        for key in {test["flag"] for test in tests}:
            columns = bundle.evaluate_many(key, [json.loads(text) for text in texts])
            for row, text in enumerate(texts):
                single = bundle.evaluate(key, json.loads(text))
                assert (columns.values[row], columns.variants[row], columns.reasons[row], columns.rules[row],
                        columns.error_codes[row]) == (single.value, single.variant, single.reason, single.rule,
                                                      single.error_code)
        bundle.close()
    assert compared == len(suite["tests"])


def example_contexts():
    contexts = [json.loads(line) for line in (REPO / "Examples" / "users.jsonl").read_text().splitlines()]
    for index in range(300):
        contexts.append({
            "targetingKey": f"user-{index}",
            "userId": f"u-{index}",
            "email": f"person{index}@{'example.com' if index % 7 == 0 else 'mail.org'}",
            "country": ["DE", "FR", "NL", "US", "GB"][index % 5],
            "appVersion": ["1.9.0", "2.3.9", "2.4.0", "2.5.0"][index % 4],
            "plan": ["free", "pro", "enterprise"][index % 3],
            "betaOptIn": index % 2 == 0,
            "platform": ["ios", "android", "web"][index % 3],
            "region": ["us-east-1", "eu-central-1", "ap-south-1"][index % 3],
            "accountType": "healthcare" if index % 4 == 0 else "retail",
            "ip": f"10.0.{index % 256}.1" if index % 3 == 0 else f"192.168.{index % 256}.1",
        })
    return contexts


def test_example_project_matches_flagc_eval(example_project):
    repo = example_project
    project = Project.__new__(Project)
    project.root = repo
    project.bundle = repo / "out" / "dev" / "flags.bundle"
    project.root_key = repo / "keys" / "root.pub"
    project.recipient_key = repo / "keys" / "dev.recipient.key"
    at = "2026-12-02T12:00:00Z"  # mid-ramp: the progressive rule splits
    bundle = flagc.Bundle.load(project.bundle, root_key=project.root_key, recipient_key=project.recipient_key,
                               evaluation_time=unix(at))
    contexts = example_contexts()
    texts = [json.dumps(context) for context in contexts]
    lines = project.eval_lines(texts, at=at)
    assert sorted(bundle.flag_keys) == sorted(lines[0])
    for key in bundle.flag_keys:
        columns = bundle.evaluate_many(key, contexts)
        from_json_lines = bundle.evaluate_many(key, ("\n".join(texts) + "\n").encode())
        assert list(from_json_lines.variant_index) == list(columns.variant_index)
        for row, line in enumerate(lines):
            same(bundle.evaluate(key, contexts[row]), line[key])
            assert columns.values[row] == line[key]["value"]
            assert columns.variants[row] == line[key].get("variant")
            assert columns.reasons[row] == line[key]["reason"]
            assert columns.rules[row] == line[key].get("rule")
    header = bundle.header
    assert header.target == "dev" and header.environment == "development" and header.flag_count == len(lines[0])
    assert header.bundle_version >= 1 and header.expires_at > header.issued_at
