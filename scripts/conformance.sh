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
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/tests/conformance
baseline=$corpus/baseline.txt
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
  flags=(--quiet)
  [ "$file" = elixir ] || [ "$file" = exunit ] && flags+=(--strict-inspect)
  [ "$verbose" = -v ] && flags=("${flags[@]/--quiet/}")
  report=$(python3 "$corpus/compare.py" "$kind" "$corpus/$file.jsonl" "$work/out.jsonl" "${flags[@]}")
  rm -rf "$work"
  last=$(printf '%s\n' "$report" | tail -n 1)
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=${BASH_REMATCH[1]} total=$((BASH_REMATCH[1] + BASH_REMATCH[2]))
  else
    echo "conformance: unexpected compare.py output for $file: $last"
    status=1
    continue
  fi
  [ "$verbose" = -v ] && printf '%s\n' "$report" | sed '$d' | sed 's/^/    /'
  want=$(awk -v f="$file" '$1 == f { print $2 }' "$baseline")
  if [ -z "$want" ]; then
    echo "conformance: $file has no line in $baseline"
    status=1
    continue
  fi
  verdict=ok
  if [ "$passed" -lt "$want" ]; then verdict="BELOW BASELINE"; status=1
  elif [ "$passed" -gt "$want" ]; then verdict="above baseline: raise it in tests/conformance/baseline.txt"; fi
  printf '  %-11s %4d of %4d pass (baseline %d) %s\n' "$file" "$passed" "$total" "$want" "$verdict"
done
exit $status
