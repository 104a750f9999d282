"""The Python API itself: loading options and failures, details, columns, defaults, threads."""

import json
import threading
from pathlib import Path

import pytest

import flagc
from conftest import REPO


@pytest.fixture(scope="module")
def paths(example_project):
    repo = example_project
    return repo / "out" / "dev" / "flags.bundle", repo / "keys" / "root.pub", repo / "keys" / "dev.recipient.key"


@pytest.fixture(scope="module")
def bundle(paths):
    bundle_path, root, recipient = paths
    with flagc.Bundle.load(bundle_path, root_key=root, recipient_key=recipient) as loaded:
        yield loaded


def test_keys_as_text_or_files_and_bytes(paths):
    bundle_path, root, recipient = paths
    by_text = flagc.Bundle.load(str(bundle_path), root_key=root.read_text(), recipient_key=recipient.read_text())
    by_bytes = flagc.Bundle.from_bytes(bundle_path.read_bytes(), root_key=[root], recipient_key=recipient)
    assert by_text.header == by_bytes.header
    assert by_text.flag_keys == by_bytes.flag_keys


@pytest.mark.parametrize("change, status, words", [
    ({"target": "prod-eu"}, "VERIFICATION_FAILED", "target"),
    ({"environment": "production"}, "VERIFICATION_FAILED", "environment"),
    ({"min_bundle_version": 2**63}, "VERIFICATION_FAILED", "version"),
    ({"now": 4102444800, "leeway": 0}, "VERIFICATION_FAILED", "expir"),
    ({"max_bundle_bytes": 10}, "UNREADABLE", "limit"),
])
def test_loader_checks_refuse(paths, change, status, words):
    bundle_path, root, recipient = paths
    with pytest.raises(flagc.FlagcError) as raised:
        flagc.Bundle.load(bundle_path, root_key=root, recipient_key=recipient, **change)
    assert raised.value.status == status
    assert words in raised.value.message


def test_wrong_keys_and_files_refuse_without_leaking_the_secret(paths, tmp_path):
    bundle_path, root, recipient = paths
    secret = recipient.read_text().strip()
    with pytest.raises(flagc.FlagcError) as raised:
        flagc.Bundle.load(bundle_path, root_key=secret, recipient_key=recipient)
    assert raised.value.status == "INVALID_KEY" and secret.split(":")[1] not in str(raised.value)
    with pytest.raises(flagc.FlagcError) as raised:
        flagc.Bundle.load(bundle_path, root_key=root, recipient_key="flagc-recipient-secret:AAAA")
    assert raised.value.status == "INVALID_KEY"
    with pytest.raises(flagc.FlagcError) as raised:
        flagc.Bundle.load(tmp_path / "missing.bundle", root_key=root, recipient_key=recipient)
    assert raised.value.status == "UNREADABLE"
    tampered = bytearray(bundle_path.read_bytes())
    tampered[len(tampered) // 2] ^= 1
    with pytest.raises(flagc.FlagcError) as raised:
        flagc.Bundle.from_bytes(bytes(tampered), root_key=root, recipient_key=recipient)
    assert raised.value.status == "VERIFICATION_FAILED"


def test_details_of_every_type(bundle):
    assert bundle.evaluate("new-checkout-flow", {"targetingKey": "user-1"}) == flagc.EvaluationDetail(
        "new-checkout-flow", True, "on", "TARGETING_MATCH", "staff first")
    assert bundle.evaluate("payments-kill-switch", {}).reason == "STATIC"
    assert bundle.evaluate("search-results-per-page", {"plan": "pro", "betaOptIn": True}).value == 50
    assert bundle.evaluate("request-timeout-seconds", {"ip": "10.2.3.4"}).value == 10.0
    ranking = bundle.evaluate("search-ranking", {"email": "ada@example.com"})
    assert ranking.value == {"model": "ranker-v2", "boost": 1.3, "features": ["clicks", "dwell"]}
    assert bundle.flag_type("search-ranking") == "object"
    assert list(bundle.variants("search-results-per-page").items()) == [("small", 10), ("medium", 25), ("large", 50)]
    assert bundle.evaluate("checkout-button-color", '{"targetingKey":"user-1"}').value in {"grey", "#2e7d32", "#ef6c00"}


def test_errors_serve_the_default(bundle):
    missing = bundle.evaluate("no-such-flag", {}, default=False)
    assert (missing.value, missing.reason, missing.error_code) == (False, "ERROR", "FLAG_NOT_FOUND")
    bad = bundle.evaluate("new-checkout-flow", b"{not json", default=False)
    assert (bad.value, bad.error_code) == (False, "PARSE_ERROR")
    invalid = bundle.evaluate("new-checkout-flow", {"targetingKey": [1]}, default=False)
    assert (invalid.value, invalid.error_code) == (False, "INVALID_CONTEXT")
    columns = bundle.evaluate_many("new-checkout-flow", b'{"targetingKey":"user-1"}\nnope\n', default=False)
    assert columns.values == [True, False] and columns.error_codes == [None, "PARSE_ERROR"]
    not_json = bundle.evaluate("new-checkout-flow", {"score": float("nan")}, default=False)
    assert (not_json.value, not_json.error_code) == (False, "PARSE_ERROR")
    mixed = bundle.evaluate_many("new-checkout-flow", [{"targetingKey": "user-1"}, {"score": float("nan")}], False)
    assert mixed.values == [True, False] and mixed.error_codes == [None, "PARSE_ERROR"]
    assert bundle.flag_type("no-such-flag") is None
    assert bundle.evaluate_many("no-such-flag", [{}, {}], default=1).values == [1, 1]
    assert len(bundle.evaluate_many("new-checkout-flow", [])) == 0


def test_threads_share_a_bundle(bundle):
    contexts = [{"targetingKey": f"user-{index}"} for index in range(2000)]
    expected = bundle.evaluate_many("search-ranking", contexts).variants
    answers = {}

    def work(number):
        answers[number] = [bundle.evaluate("search-ranking", context).variant for context in contexts]

    threads = [threading.Thread(target=work, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer == expected for answer in answers.values())


def test_closed_bundle_refuses(paths):
    bundle_path, root, recipient = paths
    loaded = flagc.Bundle.load(bundle_path, root_key=root, recipient_key=recipient)
    loaded.close()
    loaded.close()
    with pytest.raises(flagc.FlagcError):
        loaded.flag_keys


def test_several_flags_in_one_pass_equal_one_by_one(bundle):
    contexts = [{"targetingKey": f"user-{index}", "country": "DE", "appVersion": "2.5.0", "plan": "pro",
                 "betaOptIn": index % 2 == 0} for index in range(500)]
    keys = bundle.flag_keys + ["no-such-flag"]
    together = bundle.evaluate_many_flags(keys, contexts, default="d")
    assert list(together) == keys
    for key in keys:
        alone = bundle.evaluate_many(key, contexts, default="d")
        assert together[key] == alone, key
