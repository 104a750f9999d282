"""Writes Tests/Spec/edges.json: the decided edges of the flag language. Bucket expectations come from
an independent murmur3 (murmur3.py). Run: python3 Tests/Spec/generators/edges.py Tests/Spec/edges.json"""
import json, sys
sys.path.insert(0, __import__('os').path.dirname(__file__))
from murmur3 import bucket

flags_yaml = r'''# The decided edges of the flag language: one flag per edge, each pinned by the cases below.
segments:
  staff:
    include: ["42", "7"]
flags:
  string-in-list:
    rules:
      - name: listed
        when: { v: ["1.10", "07"] }
        serve: on
  string-eq:
    rules:
      - name: equal
        when: { v: { eq: "1.10" } }
        serve: on
  number-in-list:
    rules:
      - name: listed
        when: { v: [7, 2.5] }
        serve: on
  numeric-gt:
    rules:
      - name: above five
        when: { n: { gt: 5 } }
        serve: on
  fractional-ramp:
    default: off
    rules:
      - name: ramp
        serve:
          progressive:
            variant: on
            others: off
            steps:
              - { at: 2026-12-05T12:00:00Z, percent: 0 }
              - { at: 2026-12-05T12:00:00.5Z, percent: 100 }
  after-half-second:
    rules:
      - name: later
        when: { t: { after: 2026-01-01T00:00:00.5Z } }
        serve: on
  before-leap:
    rules:
      - name: earlier
        when: { t: { before: 2026-01-01T00:00:00.5Z } }
        serve: on
  number-text:
    type: string
    variants: { b0: b0, b1: b1, b2: b2, b3: b3, b4: b4, b5: b5, b6: b6, b7: b7, b8: b8, b9: b9 }
    default: b0
    salt: numtext
    rules:
      - name: tenths
        serve:
          split: { b0: 10, b1: 10, b2: 10, b3: 10, b4: 10, b5: 10, b6: 10, b7: 10, b8: 10, b9: 10 }
          by: n
      - name: fallback
        serve: b0
  simple-lowercase:
    rules:
      - name: ix
        when: { name: { eq: "ix", ignoreCase: true } }
        serve: on
  dotted-i:
    rules:
      - name: dotted
        when: { name: { eq: "i\u0307x", ignoreCase: true } }
        serve: on
  sigma:
    rules:
      - name: sigma
        when: { name: { endsWith: "σ", ignoreCase: true } }
        serve: on
  ipv4-range:
    rules:
      - name: ten
        when: { ip: { inCidr: [10.0.0.0/8] } }
        serve: on
  mapped-range:
    rules:
      - name: mapped ten
        when: { ip: { inCidr: ["::ffff:10.0.0.0/104"] } }
        serve: on
  list-contains:
    rules:
      - name: member
        when: { tags: { contains: "1" } }
        serve: on
  version-bound:
    rules:
      - name: newer
        when: { v: { semverGt: 1.0.0 } }
        serve: on
  who:
    rules:
      - name: staff
        when: { segment: staff }
        serve: on
      - name: has profile
        when: { profile: { exists: true } }
        serve: on
  profile-is-nothing-else:
    rules:
      - name: not x
        when: { profile: { ne: x } }
        serve: on
  yes-no:
    variants: { yes: true, no: false }
    default: yes
    enabled: false
  inverted-names:
    variants: { off: true, on: false }
    default: off
    enabled: false
'''

cases = []
def case(desc, ctx, flag, value, variant, reason, rule=None, now=None):
    c = {"description": desc, "context": ctx, "flag": flag,
         "expected": {"value": value, "variant": variant, "reason": reason}}
    if rule is not None: c["expected"]["rule"] = rule
    elif reason in ("DEFAULT", "STATIC", "DISABLED"): c["expected"]["rule"] = None
    if now: c["now"] = now
    cases.append(c)

on = lambda f, r, ctx, d, now=None: case(d, ctx, f, True, "on", "TARGETING_MATCH", r, now)
off = lambda f, ctx, d, now=None: case(d, ctx, f, False, "off", "DEFAULT", None, now)

# Two strings always compare as strings.
off("string-in-list", {"v": "1.1"}, "a string is never compared as a number with a string list member")
off("string-in-list", {"v": "1.100"}, "\"1.100\" is not \"1.10\"")
on("string-in-list", "listed", {"v": "1.10"}, "the same string is in the list")
on("string-in-list", "listed", {"v": 1.1}, "a number meets a numeric string member as a number")
on("string-in-list", "listed", {"v": ["x", "1.10"]}, "a list attribute matches if any element is in the list")
off("string-in-list", {"v": 7}, "\"07\" is not a numeric string (leading zero), so it is no number")
on("string-in-list", "listed", {"v": "07"}, "\"07\" still equals the string \"07\"")
off("string-eq", {"v": "1.1"}, "eq on two strings compares strings")
on("string-eq", "equal", {"v": 1.1}, "eq of a number and a numeric string compares numbers")
# Numbers and numeric strings.
on("number-in-list", "listed", {"v": "7"}, "a numeric string meets a number member as a number")
on("number-in-list", "listed", {"v": "7.0"}, "\"7.0\" is the number 7")
on("number-in-list", "listed", {"v": "25e-1"}, "exponents are part of the JSON number grammar")
off("number-in-list", {"v": "+7"}, "a leading + is not the JSON number grammar")
off("number-in-list", {"v": " 7"}, "spaces are not the JSON number grammar")
off("number-in-list", {"v": "7."}, "a trailing point is not the JSON number grammar")
off("number-in-list", {"v": "0x7"}, "hexadecimal is not the JSON number grammar")
for text, holds in [("6", True), ("5", False), ("1e1", True), ("-0", False), (".6e1", False), ("Infinity", False),
                    ("NaN", False), ("inf", False), ("06", False), ("5.000001", True)]:
    if holds: on("numeric-gt", "above five", {"n": text}, f"numeric string {text!r} compared as a number")
    else: off("numeric-gt", {"n": text}, f"{text!r} is not above five or is no JSON number")
off("numeric-gt", {"n": True}, "a boolean is no number")
off("numeric-gt", {"n": "1e400"}, "a numeric string beyond the double range is no number")
on("list-contains", "member", {"tags": [1]}, "contains on a list is membership with eq's equality: 1 equals \"1\"")
on("list-contains", "member", {"tags": ["x", "1"]}, "a string element equal to the operand")
off("list-contains", {"tags": ["1.0"]}, "two strings compare as strings")
on("list-contains", "member", {"tags": "a1b"}, "on a string, contains is a substring test")
on("version-bound", "newer", {"v": "18446744073709551615.0.0"}, "numeric identifiers up to 2^64 - 1")
off("version-bound", {"v": "18446744073709551616.0.0"}, "a larger numeric identifier makes the version invalid")
off("numeric-gt", {"n": [6]}, "a list is no number")
# Fractional seconds in ramps and comparisons.
case("a step at .5 s has not started at .25 s", {"targetingKey": "user-1"}, "fractional-ramp", False, "off", "SPLIT", "ramp", "2026-12-05T12:00:00.25Z")
case("a step at .5 s has started at .5 s", {"targetingKey": "user-1"}, "fractional-ramp", True, "on", "SPLIT", "ramp", "2026-12-05T12:00:00.5Z")
case("before the first step the ramped variant gets 0%", {"targetingKey": "user-1"}, "fractional-ramp", False, "off", "SPLIT", "ramp", "2026-12-05T11:59:59.999Z")
off("after-half-second", {"t": "2026-01-01T00:00:00.25Z"}, "a quarter second is not after a half")
on("after-half-second", "later", {"t": "2026-01-01T00:00:00.75Z"}, "three quarters are after a half")
on("after-half-second", "later", {"t": "1767225600.75"}, "a numeric string is Unix seconds")
off("after-half-second", {"t": "1767225600.25"}, "a numeric string is Unix seconds, fractions kept")
on("after-half-second", "later", {"t": 1767225600.75}, "a number is Unix seconds")
on("after-half-second", "later", {"t": "2026-01-01t00:00:01z"}, "lower-case t and z are RFC 3339")
on("after-half-second", "later", {"t": "2026-01-01T01:00:01+01:00"}, "an offset is applied")
on("before-leap", "earlier", {"t": "2025-12-31T23:59:60Z"}, "a leap second is the next day's first second, before .5")
off("before-leap", {"t": "2025-12-31T23:59:60.5Z"}, "a leap second's .5 is the same instant as .5 after midnight")
off("before-leap", {"t": "2026-01-01 00:00:00Z"}, "a space between date and time is not RFC 3339's grammar: no time")
off("before-leap", {"t": "not a time"}, "an invalid time makes the operator false")
# Bucketing text of numbers: JavaScript's shortest form.
for value, text in [(5, "5"), (0.1, "0.1"), (1e21, "1e+21"), (1e16, "10000000000000000"), (1e-7, "1e-7"),
                    (1.5e-7, "1.5e-7"), (123456.789, "123456.789"), (-2.5, "-2.5"), (9007199254740994, "9007199254740994")]:
    b = bucket("numtext", text)
    v = f"b{b // 1000}"
    case(f"the number {text} is bucketed as the text {text}", {"n": value}, "number-text", v, v, "SPLIT", "tenths")
case("a list bucketing value makes the split rule not match", {"n": [5]}, "number-text", "b0", "b0", "TARGETING_MATCH", "fallback")
b = bucket("numtext", "true"); v = f"b{b // 1000}"
case("a boolean bucketing value is hashed as true or false", {"n": True}, "number-text", v, v, "SPLIT", "tenths")
case("a missing bucketing value makes the split rule not match", {}, "number-text", "b0", "b0", "TARGETING_MATCH", "fallback")
b = bucket("numtext", "abc"); v = f"b{b // 1000}"
case("a string bucketing value is hashed as it is", {"n": "abc"}, "number-text", v, v, "SPLIT", "tenths")
# ignoreCase: Unicode simple lowercase per code point.
on("simple-lowercase", "ix", {"name": "\u0130X"}, "İ lowercases to i (simple mapping), so İX equals ix ignoring case")
on("simple-lowercase", "ix", {"name": "IX"}, "ASCII folds")
off("dotted-i", {"name": "\u0130X"}, "İ does not become i + U+0307 (no special casing)")
on("dotted-i", "dotted", {"name": "I\u0307X"}, "I + U+0307 lowercases code point by code point")
on("sigma", "sigma", {"name": "ΟΔΟΣ"}, "final Σ lowercases to σ, not ς (no context)")
off("sigma", {"name": "οδος"}, "ς is not σ")
# IPv4-mapped IPv6 addresses equal their IPv4 addresses, both ways.
on("ipv4-range", "ten", {"ip": "::ffff:10.1.2.3"}, "a mapped address is in the IPv4 range")
on("ipv4-range", "ten", {"ip": "10.1.2.3"}, "an IPv4 address is in the IPv4 range")
on("mapped-range", "mapped ten", {"ip": "10.1.2.3"}, "an IPv4 address is in the mapped range")
off("mapped-range", {"ip": "11.1.2.3"}, "outside the mapped range")
off("ipv4-range", {"ip": "::ffff:11.1.2.3"}, "a mapped address outside the IPv4 range")
# Contexts of every JSON type.
on("who", "staff", {"targetingKey": 42}, "a number targeting key is its bucketing text: 42 is \"42\"")
on("who", "staff", {"targetingKey": 7.0}, "7.0 is the number 7, text \"7\"")
off("who", {"targetingKey": None}, "a null targeting key is absent")
on("who", "has profile", {"targetingKey": None, "profile": {"plan": "pro"}}, "an object attribute exists")
off("profile-is-nothing-else", {"profile": {"plan": "pro"}}, "an object satisfies no operator but exists: true, not even ne")
off("who", {"profile": None}, "a null attribute is absent")
case("a boolean targeting key gives every flag the caller's default", {"targetingKey": True}, "who", None, None, "ERROR", None)
cases[-1]["expected"]["errorCode"] = "INVALID_CONTEXT"
case("a list targeting key gives every flag the caller's default", {"targetingKey": ["u"]}, "yes-no", None, None, "ERROR", None)
cases[-1]["expected"]["errorCode"] = "INVALID_CONTEXT"
# A boolean flag's offVariant defaults to its false variant.
case("a disabled boolean flag serves its false variant, whatever its names", {}, "yes-no", False, "no", "DISABLED")
case("the false variant is the offVariant even when another variant is named off", {}, "inverted-names", False, "on", "DISABLED")

suite = {"name": "decided edges", "environment": "production", "flags": flags_yaml, "tests": cases}
json.dump(suite, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
open(sys.argv[1], "a").write("\n")
print(len(cases))
