#!/usr/bin/env bash
# Runs the function as a custom runtime against runtime-api-stub.py, a loopback stand-in of the
# Lambda Runtime API, and prints the answers it posted, one line per event (as the stdin mode
# would). The FLAGC_* variables come from the caller. Fails if the function does not answer every
# event, sends a request the Runtime API does not have, or does not exit (status 1) once the
# endpoint stops handing out events.
#
#     bash Examples/function/run-with-runtime-api.sh EXECUTABLE [EVENTS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
executable=$1
events=${2:-$here/events.jsonl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "run-with-runtime-api: FAILED: $*" >&2; exit 1; }

python3 "$here/runtime-api-stub.py" "$events" "$work/answers" >"$work/port" &
stub=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
[ -n "$port" ] || fail "the stub did not start"
status=0
AWS_LAMBDA_RUNTIME_API="127.0.0.1:$port" timeout 60 "$executable" </dev/null 2>"$work/stderr" || status=$?
for _ in $(seq 100); do kill -0 "$stub" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$stub" 2>/dev/null; then
    kill "$stub"
    fail "the function stopped before it had answered every event (status $status): $(cat "$work/stderr")"
fi
wait "$stub" || fail "the stub saw unexpected requests"
[ "$status" -eq 1 ] || fail "expected exit status 1 once the runtime API stopped, got $status: $(cat "$work/stderr")"
grep -q "runtime API 127.0.0.1:$port: the next invocation answered 500" "$work/stderr" \
    || fail "no log of the runtime API going away: $(cat "$work/stderr")"
cat "$work/stderr" >&2
cat "$work/answers"
