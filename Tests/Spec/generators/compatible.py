"""Writes Tests/Spec/compatible-bucketing.json: golden vectors of the other engines' bucketing schemes
(`hash: unleash`, `hash: unleash-variants`, `hash: flagd` on a split, and `rollout` conditions), computed
with an independent murmur3 (murmur3.py) from the schemes' definitions in docs/language.md.
Run: python3 Tests/Spec/generators/compatible.py Tests/Spec/compatible-bucketing.json"""
import json, sys
sys.path.insert(0, __import__('os').path.dirname(__file__))
from murmur3 import murmur3

def unleash(salt, value, total, seed=0): return murmur3((salt + ":" + value).encode(), seed) % total
def flagd(salt, value, total): return (murmur3((salt + value).encode()) * total) >> 32
def flagc(salt, value, total): return murmur3((salt + "." + value).encode()) % total

flags_yaml = r'''# Golden vectors of the compatible bucketing schemes: one flag per scheme.
flags:
  unleash-tenths:
    type: string
    variants: { t0: t0, t1: t1, t2: t2, t3: t3, t4: t4, t5: t5, t6: t6, t7: t7, t8: t8, t9: t9 }
    default: t0
    rules:
      - name: tenths
        serve:
          split: { t0: 10, t1: 10, t2: 10, t3: 10, t4: 10, t5: 10, t6: 10, t7: 10, t8: 10, t9: 10 }
          by: userId
          hash: unleash
          salt: group-a
  unleash-variants:
    type: string
    variants: { variant1: variant1, variant2: variant2, variant3: variant3 }
    default: variant1
    rules:
      - name: weights
        serve:
          split: { variant1: 1, variant2: 49, variant3: 50 }
          by: userId
          hash: unleash-variants
          salt: Feature.Variants.D
  unleash-zero-weight:
    type: string
    variants: { a: a, never: never, b: b }
    default: a
    rules:
      - name: weights
        serve:
          split: { a: 500, never: 0, b: 500 }
          by: userId
          hash: unleash-variants
  flagd-cards:
    type: string
    variants: { clubs: clubs, diamonds: diamonds, hearts: hearts, spades: spades, wild: wild }
    default: wild
    rules:
      - name: fractional
        serve:
          split: { clubs: 25, diamonds: 25, hearts: 25, spades: 25 }
          by: user.name
          hash: flagd
          salt: fractional-flag
  flagd-odd-total:
    type: string
    variants: { x: x, y: y }
    default: x
    rules:
      - name: fractional
        serve:
          split: { x: 1, y: 2 }
          hash: flagd
          salt: ""
  rollouts:
    type: string
    variants: { unleash: unleash, flagd: flagd, flagc: flagc, none: none }
    default: none
    rules:
      - name: unleash 55
        when: { userId: { rollout: { percent: 55, hash: unleash, salt: Feature.flexibleRollout.userId.55 } } }
        serve: unleash
      - name: flagd 30
        when: { email: { rollout: { percent: 30, hash: flagd, salt: seed- } } }
        serve: flagd
      - name: flagc 12.5
        when: { targetingKey: { rollout: { percent: 12.5, salt: ramp } } }
        serve: flagc
'''

cases = []
def case(description, context, flag, variant, reason, rule):
    cases.append({"description": description, "context": context, "flag": flag,
                  "expected": {"value": variant, "variant": variant, "reason": reason, "rule": rule}})

for user in ["0", "25", "174", "499", "user-42", "用户-7"]:
    b = unleash("group-a", user, 100)
    case(f"unleash: murmur3('group-a:{user}') % 100 = {b}", {"userId": user}, "unleash-tenths", f"t{b // 10}", "SPLIT", "tenths")
b = unleash("group-a", "25", 100)
case("unleash: the number 25 is hashed as the text 25", {"userId": 25}, "unleash-tenths", f"t{b // 10}", "SPLIT", "tenths")
case("unleash: a missing bucketing value does not match", {}, "unleash-tenths", "t0", "DEFAULT", None)
for user in ["712", "525", "537", "0", "abc"]:
    b = unleash("Feature.Variants.D", user, 100, seed=86028157)
    v = "variant1" if b < 1 else "variant2" if b < 50 else "variant3"
    case(f"unleash-variants: murmur3('Feature.Variants.D:{user}', seed 86028157) % 100 = {b}", {"userId": user},
         "unleash-variants", v, "SPLIT", "weights")
for user in ["1", "2", "3", "4", "5", "6"]:
    b = unleash("unleash-zero-weight", user, 1000, seed=86028157)
    v = "a" if b < 500 else "b"
    case(f"unleash-variants: the flag's key is the default salt; bucket {b} of 1000; a weight of 0 is never served",
         {"userId": user}, "unleash-zero-weight", v, "SPLIT", "weights")
for name in ["jack", "queen", "ten", "nine", "3"]:
    b = flagd("fractional-flag", name, 100)
    v = ["clubs", "diamonds", "hearts", "spades"][b // 25]
    case(f"flagd: (murmur3('fractional-flag{name}') * 100) >> 32 = {b}", {"user.name": name}, "flagd-cards", v, "SPLIT", "fractional")
for key in ["a", "b", "c", "d", "e", ""]:
    b = flagd("", key, 3)
    case(f"flagd: an empty salt hashes the value alone; ('{key}' * 3) >> 32 = {b}", {"targetingKey": key},
         "flagd-odd-total", "x" if b < 1 else "y", "SPLIT", "fractional")
for user in ["25", "147", "402", "388", "39"]:
    b = unleash("Feature.flexibleRollout.userId.55", user, 100)
    inside = b < 55
    case(f"rollout, unleash: bucket {b} {'<' if inside else '>='} 55", {"userId": user}, "rollouts",
         "unleash" if inside else "none", "TARGETING_MATCH" if inside else "DEFAULT", "unleash 55" if inside else None)
for email in ["ann@example.com", "bob@example.com", "cy@example.com", "di@example.com"]:
    b = flagd("seed-", email, 100)
    inside = b < 30
    case(f"rollout, flagd: bucket {b} {'<' if inside else '>='} 30", {"email": email}, "rollouts",
         "flagd" if inside else "none", "TARGETING_MATCH" if inside else "DEFAULT", "flagd 30" if inside else None)
for key in [f"user-{i}" for i in range(1, 21)]:
    b = flagc("ramp", key, 10000)
    inside = b < 1250
    case(f"rollout, flagc: bucket {b} {'<' if inside else '>='} 1250", {"targetingKey": key}, "rollouts",
         "flagc" if inside else "none", "TARGETING_MATCH" if inside else "DEFAULT", "flagc 12.5" if inside else None)

suite = {"name": "compatible bucketing", "environment": "production", "flags": flags_yaml, "tests": cases}
json.dump(suite, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
open(sys.argv[1], "a").write("\n")
print(len(cases))
