"""Writes N synthetic contexts as JSON Lines: ids, targeting keys and the attributes the example
project's flags read, spread so that every rule fires somewhere. Deterministic for a given N."""

import json
import sys


def main():
    count = int(sys.argv[1])
    path = sys.argv[2]
    countries = ["DE", "FR", "NL", "US", "GB", "JP"]
    versions = ["1.9.0", "2.3.9", "2.4.0", "2.5.0", "3.0.1"]
    plans = ["free", "pro", "enterprise"]
    platforms = ["ios", "android", "web"]
    with open(path, "w") as out:
        for index in range(count):
            out.write(json.dumps({
                "id": f"c-{index}",
                "targetingKey": f"user-{index}",
                "userId": f"u-{index}",
                "email": f"person{index}@{'example.com' if index % 97 == 0 else 'mail.org'}",
                "country": countries[index % 6],
                "appVersion": versions[(index // 6) % 5],
                "plan": plans[(index // 30) % 3],
                "betaOptIn": index % 4 == 0,
                "platform": platforms[(index // 7) % 3],
            }, separators=(",", ":")))
            out.write("\n")


if __name__ == "__main__":
    main()
