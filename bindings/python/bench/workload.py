"""One flag, defined the same way in flagc, LaunchDarkly, GrowthBook and flagd, evaluated in-process
for the same contexts by each Python SDK: the per-evaluation cost of each, as JSON on stdout.

The flag: boolean, `on` for countries DE, FR and NL (a targeting rule), else a 50/50 split by
targeting key. The contexts: a targeting key and three attributes. Each SDK builds its own context
object from the same dict per evaluation (as a service does per request), and returns a detail
(value plus reason). Run by bench_sdks.sh, which installs the SDKs into a temporary venv.
"""

import json
import os
import statistics
import sys
import tempfile
import time

COUNTRIES = ["DE", "US", "FR", "GB", "NL", "JP"]
CONTEXTS = [
    {"targetingKey": f"user-{index}", "country": COUNTRIES[index % 6], "plan": "pro" if index % 3 else "free",
     "appVersion": "2.5.0"}
    for index in range(20000)
]
FLAG = "bench-flag"
ROUNDS = 5


def measure(evaluate):
    """Median nanoseconds per evaluation over ROUNDS passes over CONTEXTS (after one warm-up pass)."""
    evaluate(CONTEXTS[:1000])
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        evaluate(CONTEXTS)
        timings.append((time.perf_counter_ns() - start) / len(CONTEXTS))
    return round(statistics.median(timings))


def flagc_results(bundle_path, root_key, recipient_key):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import flagc

    bundle = flagc.Bundle.load(bundle_path, root_key=root_key, recipient_key=recipient_key)
    on = sum(bundle.evaluate(FLAG, context).value for context in CONTEXTS)

    def single(contexts):
        for context in contexts:
            bundle.evaluate(FLAG, context)

    def many(contexts):
        bundle.evaluate_many(FLAG, contexts)

    lines = ("\n".join(json.dumps(context) for context in CONTEXTS)).encode()

    def many_json(contexts):
        bundle.evaluate_many(FLAG, lines if len(contexts) == len(CONTEXTS) else contexts)

    return {"evaluate": measure(single), "evaluate_many": measure(many), "evaluate_many(JSON Lines)": measure(many_json),
            "on": on}


def launchdarkly_results():
    import ldclient
    from ldclient import Config, Context
    from ldclient.integrations import Files

    # The flag in LaunchDarkly's own JSON form, read by the SDK's file data source (no network).
    flag = {
        "key": FLAG, "version": 1, "on": True, "variations": [True, False], "offVariation": 1,
        "fallthrough": {"rollout": {"variations": [{"variation": 0, "weight": 50000},
                                                   {"variation": 1, "weight": 50000}]}},
        "rules": [{"id": "eu", "clauses": [{"attribute": "country", "op": "in", "values": ["DE", "FR", "NL"],
                                            "negate": False}], "variation": 0}],
        "salt": "bench", "targets": [], "prerequisites": [],
    }
    path = os.path.join(tempfile.mkdtemp(), "flags.json")
    with open(path, "w") as file:
        json.dump({"flags": {FLAG: flag}}, file)
    client = ldclient.LDClient(Config("sdk-key", update_processor_class=Files.new_data_source(paths=[path]),
                                      send_events=False, diagnostic_opt_out=True))
    if not client.is_initialized():
        raise RuntimeError("the file data source did not initialize")

    def context_of(context):
        builder = Context.builder(context["targetingKey"])
        for name, value in context.items():
            if name != "targetingKey":
                builder.set(name, value)
        return builder.build()

    on = sum(client.variation_detail(FLAG, context_of(context), False).value for context in CONTEXTS)

    def single(contexts):
        for context in contexts:
            client.variation_detail(FLAG, context_of(context), False)

    result = {"evaluate": measure(single), "on": on, "version": ldclient.VERSION}
    client.close()
    return result


def growthbook_results():
    from growthbook import GrowthBook

    features = {FLAG: {"defaultValue": False, "rules": [
        {"condition": {"country": {"$in": ["DE", "FR", "NL"]}}, "force": True},
        {"key": FLAG, "variations": [True, False], "weights": [0.5, 0.5], "hashAttribute": "id"},
    ]}}
    growthbook = GrowthBook(features=features)

    def evaluate(context):
        attributes = dict(context)
        attributes["id"] = attributes.pop("targetingKey")
        growthbook.set_attributes(attributes)
        return growthbook.eval_feature(FLAG)

    on = sum(bool(evaluate(context).value) for context in CONTEXTS)

    def single(contexts):
        for context in contexts:
            evaluate(context)

    import importlib.metadata
    return {"evaluate": measure(single), "on": on, "version": importlib.metadata.version("growthbook")}


def flagd_results():
    from openfeature import api
    from openfeature.evaluation_context import EvaluationContext
    from openfeature.contrib.provider.flagd import FlagdProvider
    from openfeature.contrib.provider.flagd.config import ResolverType

    definition = {"flags": {FLAG: {
        "state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off",
        "targeting": {"if": [{"in": [{"var": "country"}, ["DE", "FR", "NL"]]}, "on",
                             {"fractional": [{"var": "targetingKey"}, ["on", 50], ["off", 50]]}]},
    }}}
    path = os.path.join(tempfile.mkdtemp(), "flags.json")
    with open(path, "w") as file:
        json.dump(definition, file)
    provider = FlagdProvider(resolver_type=ResolverType.IN_PROCESS, offline_flag_source_path=path)
    api.set_provider(provider)
    client = api.get_client()
    deadline = time.time() + 10
    while client.get_boolean_details(FLAG, None, EvaluationContext("warm")).reason == "ERROR" and time.time() < deadline:
        time.sleep(0.1)

    def detail(context):
        attributes = {name: value for name, value in context.items() if name != "targetingKey"}
        return client.get_boolean_details(FLAG, False, EvaluationContext(context["targetingKey"], attributes))

    on = sum(bool(detail(context).value) for context in CONTEXTS)

    def single(contexts):
        for context in contexts:
            detail(context)

    import importlib.metadata
    result = {"evaluate": measure(single), "on": on,
              "version": importlib.metadata.version("openfeature-provider-flagd")}
    api.shutdown()
    return result


def main():
    bundle_path, root_key, recipient_key = sys.argv[1:4]
    results = {"contexts": len(CONTEXTS), "nsPerEvaluation": {}}
    runs = [("flagc", lambda: flagc_results(bundle_path, root_key, recipient_key)),
            ("LaunchDarkly", launchdarkly_results), ("GrowthBook", growthbook_results), ("flagd", flagd_results)]
    for name, run in runs:
        try:
            results["nsPerEvaluation"][name] = run()
        except Exception as error:  # an SDK that cannot run here is reported, not fatal
            results["nsPerEvaluation"][name] = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
