#!/usr/bin/env bash
# From a fresh clone: development keys and the dev bundle from the repository's own flags/ and
# targets/, a release build of the function (the flagc plugin generates its Flags type), then the
# sample events piped through it. The function prints its cold-start time on stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bash "$repo/.ci/example" >/dev/null
configuration=${FLAGC_EXAMPLE_CONFIGURATION:-release}
swift build -c "$configuration" --package-path "$here" >&2
export FLAGC_BUNDLE="$repo/out/dev/flags.bundle"
FLAGC_ROOT_PUBLIC_KEY="$(cat "$repo/keys/root.pub")"
FLAGC_RECIPIENT_KEY="$(cat "$repo/keys/dev.recipient.key")"
export FLAGC_ROOT_PUBLIC_KEY FLAGC_RECIPIENT_KEY
"$(swift build -c "$configuration" --package-path "$here" --show-bin-path)/CheckoutFunction" < "${1:-$here/events.jsonl}"
