#!/usr/bin/env bash
# Runs the conformance corpus (tests/conformance) through the `ectoplasm`
# binary and checks each file's pass count against tests/conformance/baseline.txt.
#
#   scripts/conformance.sh            build (debug) and check
#   scripts/conformance.sh -v         also list each failing entry
#   CONFORMANCE_PROFILE=release scripts/conformance.sh
#
# Exit status 1 when any file passes fewer entries than its baseline.
set -uo pipefail
. "$(dirname "$0")/baseline.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/tests/conformance
profile=${CONFORMANCE_PROFILE:-debug}
verbose=${1:-}

cd "$root" || exit 2
if [ "$profile" = release ]; then
  cargo build --quiet --release -p ectoplasm-cli || exit 2
else
  cargo build --quiet -p ectoplasm-cli || exit 2
fi
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') || exit 2
bin=$target_dir/$profile/ectoplasm
[ -x "$bin" ] || { echo "conformance: no executable at $bin"; exit 2; }

status=0
printf 'conformance (%s build of ectoplasm):\n' "$profile"
for pair in sql:queries changeset:changesets ddl:ddl repo:repo changeset:elixir changeset:exunit repo:repo_telemetry; do
  kind=${pair%%:*} file=${pair##*:}
  work=$(mktemp -d)
  cp "$corpus/$file.exs" "$work/"
  # Each input runs alone in a fresh folder; a crash or a timeout just means
  # fewer lines to match.
  (cd "$work" && timeout 120 "$bin" "$kind" "$file.exs" >out.jsonl 2>err.txt)
  flags=()
  [ "$file" = elixir ] || [ "$file" = exunit ] && flags+=(--strict-inspect)
  check_against_baseline "$kind" "$corpus/$file.jsonl" "$work/out.jsonl" "$file" 11 "$verbose" "${flags[@]}" || status=1
  rm -rf "$work"
done
exit $status
