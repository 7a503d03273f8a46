#!/usr/bin/env bash
# The PostgreSQL runs of the conformance corpus on PGlite, the page's
# PostgreSQL: app/tests/pglite/conformance.rs (wasm-bindgen-test under Node,
# PGlite from node_modules) runs repo_pg, repo_pg_features and
# repo_telemetry through the engine's repo-file runner, each on a fresh
# PGlite, and writes their lines; each is compared with the recordings from
# PostgreSQL 15 by `compare.py repo_pg` and its pass count checked against
# the file's `_pglite` line in tests/conformance/baseline.txt.
# (The tests are the `conformance` module of the `pglite` test binary, built
# with the `tools` feature as `make test-wasm` builds it, so `make test`
# builds and links it once.)
#
#   scripts/conformance-pglite.sh [-v]
set -uo pipefail
. "$(dirname "$0")/baseline.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/tests/conformance
verbose=${1:-}
cd "$root" || exit 2

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

printf 'conformance on PGlite (the page'"'"'s PostgreSQL, under Node):\n'
ECTOPLASM_PGLITE_OUT=$out \
  NODE_OPTIONS="--require $root/app/tests/node-sqljs.cjs --require $root/app/tests/node-pglite.cjs" \
  cargo test -p ectoplasm-app --target wasm32-unknown-unknown --features tools --test pglite -- conformance:: || exit 1

status=0
# recording:baseline line
for pair in repo_pg:repo_pg_pglite repo_pg_features:repo_pg_features_pglite repo_telemetry_pg:repo_telemetry_pglite; do
  expected=${pair%%:*} name=${pair##*:}
  if [ ! -f "$out/$expected.jsonl" ]; then
    echo "conformance: the PGlite run wrote no $expected.jsonl"
    status=1
    continue
  fi
  check_against_baseline repo_pg "$corpus/$expected.jsonl" "$out/$expected.jsonl" "$name" 24 "$verbose" || status=1
done
exit $status
