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
. "$(dirname "$0")/baseline.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/tests/conformance
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
  check_against_baseline repo_pg "$corpus/$expected.jsonl" "$work/out.jsonl" "$expected" 18 "$verbose" || status=1
  rm -rf "$work"
done

# the codec against a real server
scripts/pg-cluster.sh createdb ectoplasm_codec || exit 2
ECTOPLASM_TEST_PG_URL=$(scripts/pg-cluster.sh url ectoplasm_codec) \
  ECTOPLASM_TEST_PG_SCRAM_URL=$(scripts/pg-cluster.sh url ectoplasm_codec scram) \
  ECTOPLASM_TEST_PG_MD5_URL=$(scripts/pg-cluster.sh url ectoplasm_codec md5) \
  cargo test --quiet -p ectoplasm-cli --bin ectoplasm pg:: || status=1
exit $status
