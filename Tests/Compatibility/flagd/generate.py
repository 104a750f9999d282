"""Writes Tests/Compatibility/flagd/flags.json and cases.json: flagc's own flagd conformance suite.

The flags cover every JsonLogic operator `flagc import flagd` maps (if, and, or, !, ==, !=, <, <=, >, >=,
in, starts_with, ends_with, sem_ver, fractional, var with $flagd.flagKey and $flagd.timestamp, $ref).
The expected variants come from the small evaluator below, written from flagd's documented semantics
(https://flagd.dev/reference/flag-definitions/ and the custom operations pages): JsonLogic truthiness,
`fractional` as bucket = (murmur3_x86_32(flagKey + targetingKey, or the given value) * total) >> 32
with weights 1 by default, `sem_ver` on MAJOR.MINOR.PATCH with an optional leading v, `^` and `~`
comparing the major (and minor) only. Run: python3 Tests/Compatibility/flagd/generate.py"""
import json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'Spec', 'generators'))
from murmur3 import murmur3

here = os.path.dirname(__file__)

flags = {
    "$schema": "https://flagd.dev/schema/v0/flags.json",
    "$evaluators": {
        "is-staff": {"ends_with": [{"var": "email"}, "@example.com"]},
        "is-eu": {"in": [{"var": "country"}, ["DE", "FR", "NL"]]},
    },
    "flags": {
        "static-string": {"state": "ENABLED", "variants": {"red": "#f00", "blue": "#00f"}, "defaultVariant": "blue"},
        "staff-or-eu": {
            "state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off",
            "metadata": {"team": "growth"},
            "targeting": {"if": [{"or": [{"$ref": "is-staff"}, {"$ref": "is-eu"}]}, "on", "off"]},
        },
        "plan-tiers": {
            "state": "ENABLED", "variants": {"free": 1, "pro": 10, "enterprise": 100, "unknown": 0},
            "defaultVariant": "unknown",
            "targeting": {"if": [
                {"==": [{"var": "plan"}, "enterprise"]}, "enterprise",
                {"and": [{"!=": [{"var": "plan"}, "free"]}, {">=": [{"var": "seats"}, 5]}]}, "pro",
                {"==": [{"var": "plan"}, "free"]}, "free",
                None]},
        },
        "age-bands": {
            "state": "ENABLED", "variants": {"child": "child", "adult": "adult", "senior": "senior", "none": "none"},
            "defaultVariant": "none",
            "targeting": {"if": [
                {"<": [{"var": "age"}, 18]}, "child",
                {"<=": [18, {"var": "age"}, 64]}, "adult",
                {">": [{"var": "age"}, 64]}, "senior"]},
        },
        "not-beta": {
            "state": "ENABLED", "variants": {"yes": True, "no": False}, "defaultVariant": "no",
            "targeting": {"if": [{"!": {"in": ["beta", {"var": "channel"}]}}, "yes", "no"]},
        },
        "path-prefix": {
            "state": "ENABLED", "variants": {"api": "api", "web": "web", "other": "other"}, "defaultVariant": "other",
            "targeting": {"if": [{"starts_with": [{"var": "path"}, "/api/"]}, "api",
                                 {"ends_with": [{"var": "path"}, ".html"]}, "web"]},
        },
        "app-version": {
            "state": "ENABLED",
            "variants": {"eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge", "major": "major",
                         "minor": "minor", "none": "none"},
            "defaultVariant": "none",
            "targeting": {"if": [
                {"sem_ver": [{"var": "version"}, "=", "2.4.0"]}, "eq",
                {"sem_ver": [{"var": "version"}, "~", "1.5.0"]}, "minor",
                {"sem_ver": [{"var": "version"}, "^", "1.0.0"]}, "major",
                {"sem_ver": [{"var": "version"}, ">=", "5.0.0"]}, "ge",
                {"sem_ver": [{"var": "version"}, ">", "3.0.0"]}, "gt",
                {"sem_ver": [{"var": "version"}, "<", "0.5.0"]}, "lt",
                {"sem_ver": [{"var": "version"}, "<=", "0.9.0"]}, "le",
                {"sem_ver": [{"var": "version"}, "!=", "2.5.0"]}, "ne"]},
        },
        "by-key": {
            "state": "ENABLED", "variants": {"a": "a", "b": "b", "c": "c", "z": "z"}, "defaultVariant": "z",
            "targeting": {"fractional": [["a", 50], ["b", 30], ["c", 20]]},
        },
        "by-key-equal": {
            "state": "ENABLED", "variants": {"heads": "heads", "tails": "tails", "none": "none"},
            "defaultVariant": "none",
            "targeting": {"fractional": [["heads"], ["tails"]]},
        },
        "by-email": {
            "state": "ENABLED", "variants": {"x": 1, "y": 2, "z": 3}, "defaultVariant": "z",
            "targeting": {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "email"}]}, ["x", 1], ["y", 3]]},
        },
        "by-nested-name": {
            "state": "ENABLED", "variants": {"p": "p", "q": "q", "r": "r", "n": "n"}, "defaultVariant": "n",
            "targeting": {"fractional": [{"cat": ["shared-seed", {"var": "user.name"}]}, ["p", 25], ["q", 25], ["r", 50]]},
        },
        "by-account": {
            "state": "ENABLED", "variants": {"one": 1.5, "two": 2.5, "none": 0.5}, "defaultVariant": "none",
            "targeting": {"fractional": [{"var": "account"}, ["one", 70], ["two", 30]]},
        },
        "eu-experiment": {
            "state": "ENABLED", "variants": {"control": "c", "treatment": "t", "off": "o"}, "defaultVariant": "off",
            "targeting": {"if": [{"$ref": "is-eu"}, {"fractional": [["control", 50], ["treatment", 50]]}, "off"]},
        },
        "nested-if": {
            "state": "ENABLED", "variants": {"a": "a", "b": "b", "c": "c", "d": "d"}, "defaultVariant": "d",
            "targeting": {"if": [{"==": [{"var": "tier"}, "gold"]},
                                 {"if": [{">": [{"var": "score"}, 50]}, "a"]},
                                 {"==": [{"var": "tier"}, "silver"]}, "b", "c"]},
        },
        "own-key": {
            "state": "ENABLED", "variants": {"mine": True, "other": False}, "defaultVariant": "other",
            "targeting": {"if": [{"==": [{"var": "$flagd.flagKey"}, "own-key"]}, "mine", "other"]},
        },
        "clock": {
            "state": "ENABLED", "variants": {"past": "past", "future": "future", "never": "never"},
            "defaultVariant": "never",
            "targeting": {"if": [{">": [{"var": "$flagd.timestamp"}, 1700000000]}, "past",
                                 {"<": [{"var": "$flagd.timestamp"}, 1700000000]}, "future"]},
        },
        "object-config": {
            "state": "ENABLED",
            "variants": {"small": {"limit": 10, "tags": ["a"]}, "large": {"limit": 1000, "tags": []}},
            "defaultVariant": "small",
            "targeting": {"if": [{"in": [{"var": "region"}, ["us-east-1", "eu-west-1"]]}, "large"]},
        },
    },
}

# --- an evaluator of the flagd semantics used above ---------------------------------------------------
MISSING = object()

def lookup(ctx, key, flag):
    if key == "$flagd.flagKey": return flag
    if key == "$flagd.timestamp": return 1800000000  # any time after 2027; the suite's cases do not depend on it
    value = ctx
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value: return None
        value = value[part]
    return value

def truthy(v):
    return not (v is None or v is False or v == 0 and not isinstance(v, bool) and isinstance(v, (int, float)) or v == "" or v == [])

def num(v):
    if isinstance(v, bool): return None
    if isinstance(v, (int, float)): return float(v)
    if isinstance(v, str):
        try: return float(v)
        except ValueError: return None
    return None

def loose_eq(a, b):
    if a is None or b is None: return a is None and b is None
    if isinstance(a, str) and isinstance(b, str): return a == b
    if isinstance(a, bool) or isinstance(b, bool): return a is b
    x, y = num(a), num(b)
    return x is not None and y is not None and x == y

def semver(text):
    if not isinstance(text, str): return None
    if text.startswith("v"): text = text[1:]
    core, _, pre = text.partition("-")
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() and (p == "0" or not p.startswith("0")) for p in parts): return None
    return tuple(int(p) for p in parts), pre

def semver_cmp(a, b):
    if a[0] != b[0]: return -1 if a[0] < b[0] else 1
    if a[1] == b[1]: return 0
    if not a[1]: return 1
    if not b[1]: return -1
    return -1 if a[1] < b[1] else 1

def evaluate(expr, ctx, flag):
    if not isinstance(expr, dict): return expr
    (op, args), = expr.items()
    if op == "$ref": return evaluate(flags["$evaluators"][args], ctx, flag)
    if op == "var": return lookup(ctx, args, flag)
    if op == "if":
        i = 0
        while i + 1 < len(args):
            if truthy(evaluate(args[i], ctx, flag)): return evaluate(args[i + 1], ctx, flag)
            i += 2
        return evaluate(args[i], ctx, flag) if i < len(args) else None
    if op == "fractional": return fractional(args, ctx, flag)
    if not isinstance(args, list): args = [args]
    vals = [evaluate(a, ctx, flag) for a in args]
    if op == "and": return all(truthy(v) for v in vals)
    if op == "or": return any(truthy(v) for v in vals)
    if op == "!": return not truthy(vals[0])
    if op == "==": return loose_eq(vals[0], vals[1])
    if op == "!=": return not loose_eq(vals[0], vals[1])
    if op in ("<", "<=", ">", ">="):
        ns = [num(v) for v in vals]
        if any(n is None for n in ns): return False
        cmp = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[op]
        return all(cmp(a, b) for a, b in zip(ns, ns[1:]))
    if op == "in":
        needle, hay = vals
        if isinstance(hay, list): return needle in hay
        if isinstance(hay, str) and isinstance(needle, str): return needle in hay
        return False
    if op in ("starts_with", "ends_with"):
        a, b = vals
        if not isinstance(a, str) or not isinstance(b, str): return False
        return a.startswith(b) if op == "starts_with" else a.endswith(b)
    if op == "sem_ver":
        a, o, b = semver(vals[0]), vals[1], semver(vals[2])
        if a is None or b is None: return None
        c = semver_cmp(a, b)
        return {"=": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0,
                "^": a[0][0] == b[0][0], "~": a[0][:2] == b[0][:2]}[o]
    if op == "cat": return "".join("" if v is None else str(v) for v in vals)
    raise ValueError(op)

def fractional(args, ctx, flag):
    first = evaluate(args[0], ctx, flag) if isinstance(args[0], dict) else args[0]
    if isinstance(first, str):
        value, entries = first, args[1:]
    else:
        entries = args[1:] if (first is None and isinstance(args[0], dict)) else args
        key = ctx.get("targetingKey")
        if not isinstance(key, str) or key == "": return None
        value = flag + key
    weights = [(e[0], e[1] if len(e) > 1 else 1) for e in entries]
    total = sum(w for _, w in weights)
    bucket = (murmur3(value.encode()) * total) >> 32
    cumulative = 0
    for name, weight in weights:
        cumulative += weight
        if bucket < cumulative: return name

contexts = {
    "static-string": [{}, {"targetingKey": "u1"}],
    "staff-or-eu": [{"email": "kim@example.com"}, {"country": "FR"}, {"country": "US", "email": "kim@example.org"}, {}],
    "plan-tiers": [{"plan": "enterprise"}, {"plan": "pro", "seats": 5}, {"plan": "pro", "seats": 4}, {"plan": "free", "seats": 50},
                   {"seats": 10}, {}, {"plan": "team", "seats": "12"}],
    "age-bands": [{"age": 12}, {"age": 18}, {"age": 64}, {"age": 65}, {"age": "30"}, {}],
    "not-beta": [{"channel": "beta-2"}, {"channel": "stable"}, {"channel": ["beta", "x"]}],
    "path-prefix": [{"path": "/api/users"}, {"path": "/index.html"}, {"path": "/img.png"}, {"path": "/API/x"}],
    "app-version": [{"version": "2.4.0"}, {"version": "v2.4.0"}, {"version": "1.5.9"}, {"version": "1.9.0"}, {"version": "6.0.0"},
                    {"version": "3.1.0"}, {"version": "0.4.0"}, {"version": "0.9.0"}, {"version": "2.6.0"}, {"version": "2.5.0"},
                    {"version": "2.4.0-rc.1"}, {"version": "not-a-version"}, {}],
    "by-key": [{"targetingKey": f"user-{i}"} for i in range(12)] + [{"targetingKey": ""}, {}],
    "by-key-equal": [{"targetingKey": t} for t in ["jon@company.com", "jane@company.com", "a", "b", "c"]],
    "by-email": [{"email": f"person{i}@example.com"} for i in range(8)],
    "by-nested-name": [{"user": {"name": n}} for n in ["seven", "eight", "nine", "two", "ten"]],
    "by-account": [{"account": f"acct-{i}"} for i in range(6)] + [{"targetingKey": "user-1"}, {"targetingKey": "user-2"}],
    "eu-experiment": [{"country": "DE", "targetingKey": f"k{i}"} for i in range(6)] + [{"country": "US", "targetingKey": "k1"}, {"country": "NL"}],
    "nested-if": [{"tier": "gold", "score": 80}, {"tier": "gold", "score": 10}, {"tier": "silver"}, {"tier": "bronze"}, {}],
    "own-key": [{}],
    "clock": [{}],
    "object-config": [{"region": "eu-west-1"}, {"region": "ap-south-1"}],
}

def flat(ctx, prefix=""):
    """A flagd context as a flagc context: nested objects addressed by dotted names."""
    out = {}
    for k, v in ctx.items():
        if isinstance(v, dict): out.update(flat(v, prefix + k + "."))
        else: out[prefix + k] = v
    return out

cases = []
for key, ctxs in contexts.items():
    definition = flags["flags"][key]
    for ctx in ctxs:
        variant = evaluate(definition.get("targeting") or None, ctx, key) if definition.get("targeting") else None
        if not definition.get("targeting"): variant, reason = definition["defaultVariant"], "STATIC"
        elif variant is None: variant, reason = definition["defaultVariant"], "DEFAULT"
        else: reason = None
        cases.append({"flag": key, "context": ctx, "flagcContext": flat(ctx), "variant": variant,
                      "value": definition["variants"][variant], **({"reason": reason} if reason else {})})

with open(os.path.join(here, "flags.json"), "w") as f: json.dump(flags, f, indent=2, ensure_ascii=False); f.write("\n")
with open(os.path.join(here, "cases.json"), "w") as f: json.dump(cases, f, indent=1, ensure_ascii=False); f.write("\n")
print(len(cases), "cases")
