#!/usr/bin/env bash
# The PostgreSQL runs of the conformance corpus: starts a throwaway cluster
# (scripts/pg-cluster.sh), runs repo_pg, repo_pg_features and
# repo_telemetry (as repo_telemetry_pg) through
# `ectoplasm repo --adapter postgres`, each on a fresh database, checks each
# file's pass count against tests/conformance/baseline.txt, runs the tests
# that need a server, and stops the cluster.
#
#   scripts/conformance-pg.sh [-v]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/tests/conformance
baseline=$corpus/baseline.txt
verbose=${1:-}
cd "$root" || exit 2

cargo build --quiet -p ectoplasm-cli || exit 2
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') || exit 2
bin=$target_dir/debug/ectoplasm

scripts/pg-cluster.sh start || exit 2
trap 'scripts/pg-cluster.sh stop' EXIT

status=0
printf 'conformance on PostgreSQL (debug build of ectoplasm):\n'
for pair in repo_pg:repo_pg repo_pg_features:repo_pg_features repo_telemetry:repo_telemetry_pg; do
  input=${pair%%:*} expected=${pair##*:}
  db=ectoplasm_${expected}
  scripts/pg-cluster.sh createdb "$db" || { status=1; continue; }
  work=$(mktemp -d)
  cp "$corpus/$input.exs" "$work/"
  (cd "$work" && timeout 300 "$bin" repo --adapter postgres --database-url "$(cd "$root" && scripts/pg-cluster.sh url "$db")" "$input.exs" >out.jsonl 2>err.txt)
  flags=(--quiet)
  [ "$verbose" = -v ] && flags=()
  report=$(python3 "$corpus/compare.py" repo_pg "$corpus/$expected.jsonl" "$work/out.jsonl" "${flags[@]}")
  rm -rf "$work"
  last=$(printf '%s\n' "$report" | tail -n 1)
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=${BASH_REMATCH[1]} total=$((BASH_REMATCH[1] + BASH_REMATCH[2]))
  else
    echo "conformance: unexpected compare.py output for $expected: $last"
    status=1
    continue
  fi
  [ "$verbose" = -v ] && printf '%s\n' "$report" | sed '$d' | sed 's/^/    /'
  want=$(awk -v f="$expected" '$1 == f { print $2 }' "$baseline")
  if [ -z "$want" ]; then
    echo "conformance: $expected has no line in $baseline"
    status=1
    continue
  fi
  verdict=ok
  if [ "$passed" -lt "$want" ]; then verdict="BELOW BASELINE"; status=1
  elif [ "$passed" -gt "$want" ]; then verdict="above baseline: raise it in tests/conformance/baseline.txt"; fi
  printf '  %-18s %4d of %4d pass (baseline %d) %s\n' "$expected" "$passed" "$total" "$want" "$verdict"
done

# the codec against a real server
scripts/pg-cluster.sh createdb ectoplasm_codec || exit 2
ECTOPLASM_TEST_PG_URL=$(scripts/pg-cluster.sh url ectoplasm_codec) \
  ECTOPLASM_TEST_PG_SCRAM_URL=$(scripts/pg-cluster.sh url ectoplasm_codec scram) \
  ECTOPLASM_TEST_PG_MD5_URL=$(scripts/pg-cluster.sh url ectoplasm_codec md5) \
  cargo test --quiet -p ectoplasm-cli --bin ectoplasm pg:: || status=1
exit $status
