#!/usr/bin/env bash
# End-to-end test of the function example: builds and runs it from the repository, feeds it the
# sample events and checks the answers that do not depend on the ramp's clock. Exits non-zero on
# the first wrong answer; then runs it as a custom runtime against a loopback stand-in of the Lambda
# Runtime API. CI builds it in debug (FLAGC_EXAMPLE_CONFIGURATION=debug) to save time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
output=$(bash "$here/run-example.sh" 2>/tmp/checkout-function.stderr)
echo "$output"
fail() { echo "function example: FAILED: $*" >&2; exit 1; }
expect() { grep -qF -- "$1" <<<"$output" || fail "expected a response containing $1"; }
[ "$(wc -l <<<"$output")" -eq 11 ] || fail "expected 11 responses, one per event"
expect '{"user":"user-1","checkout":"new"'                 # staff segment: include list
expect '"user":"user-7","checkout":'                        # beta tester: larger pages
grep -F '"user":"user-7"' <<<"$output" | grep -qF '"resultsPerPage":50' || fail "user-7 should get 50 results"
grep -F '"user":"user-8"' <<<"$output" | grep -qF '"resultsPerPage":10' || fail "user-8 (old iOS app) should get 10 results"
expect '{"error":"invalid event'                           # a malformed event gets an error answer
grep -q "cold start: bundle ready in" /tmp/checkout-function.stderr || fail "no cold-start figure on stderr"
grep -q "serving defaults" /tmp/checkout-function.stderr && fail "the bundle did not load"
# Three failed express payments open express-payment's circuit breaker: the next user gets the classic form,
# the transition is one log line, and the EMF documents on stderr count the CIRCUIT_OPEN evaluation.
grep -F '"user":"user-22"' <<<"$output" | grep -F '"expressPayment":true' >/dev/null || fail "user-22 should still try express payment"
grep -F '"user":"user-23"' <<<"$output" | grep -F '"expressPayment":false' >/dev/null || fail "user-23 should get the classic form (breaker open)"
grep -qF '{"event":"flagc.circuit","flag":"express-payment","from":"closed","to":"open"' /tmp/checkout-function.stderr \
    || fail "no circuit transition line on stderr"
grep -F '"_aws":{"Timestamp":' /tmp/checkout-function.stderr | grep -F '"Flag":"express-payment"' \
    | grep -F '"Reason:CIRCUIT_OPEN":1' >/dev/null || fail "no EMF document counting the CIRCUIT_OPEN evaluation on stderr"
[ "$(grep -c '"_aws"' /tmp/checkout-function.stderr)" -ge 10 ] || fail "expected EMF documents after every event"

# The same executable as a custom runtime: its events from a loopback stand-in of the Lambda
# Runtime API (runtime-api-stub.py), its answers equal to the stdin ones.
if ! command -v python3 >/dev/null; then
    echo "function example: 1 passed, 0 failed; as a custom runtime: SKIPPED (the Runtime API stub needs python3)"
    exit 0
fi
repo=$(cd "$here/../.." && pwd)
executable="$(swift build -c "${FLAGC_EXAMPLE_CONFIGURATION:-release}" --package-path "$here" --show-bin-path)"
through_api=$(
    FLAGC_BUNDLE="$repo/out/dev/flags.bundle" FLAGC_ROOT_PUBLIC_KEY="$(cat "$repo/keys/root.pub")" \
        FLAGC_RECIPIENT_KEY="$(cat "$repo/keys/dev.recipient.key")" \
        bash "$here/run-with-runtime-api.sh" "$executable/CheckoutFunction" 2>/tmp/checkout-function.stderr
) || fail "as a custom runtime: $(cat /tmp/checkout-function.stderr)"
[ "$through_api" = "$output" ] || fail "the answers through the runtime API differ from the stdin ones:
$(diff <(echo "$output") <(echo "$through_api"))"
echo "function example: 2 passed, 0 failed"
