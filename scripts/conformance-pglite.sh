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
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/tests/conformance
baseline=$corpus/baseline.txt
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
  flags=(--quiet)
  [ "$verbose" = -v ] && flags=()
  report=$(python3 "$corpus/compare.py" repo_pg "$corpus/$expected.jsonl" "$out/$expected.jsonl" "${flags[@]}")
  last=$(printf '%s\n' "$report" | tail -n 1)
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=${BASH_REMATCH[1]} total=$((BASH_REMATCH[1] + BASH_REMATCH[2]))
  else
    echo "conformance: unexpected compare.py output for $expected on PGlite: $last"
    status=1
    continue
  fi
  [ "$verbose" = -v ] && printf '%s\n' "$report" | sed '$d' | sed 's/^/    /'
  want=$(awk -v f="$name" '$1 == f { print $2 }' "$baseline")
  if [ -z "$want" ]; then
    echo "conformance: $name has no line in $baseline"
    status=1
    continue
  fi
  verdict=ok
  if [ "$passed" -lt "$want" ]; then verdict="BELOW BASELINE"; status=1
  elif [ "$passed" -gt "$want" ]; then verdict="above baseline: raise it in tests/conformance/baseline.txt"; fi
  printf '  %-24s %4d of %4d pass (baseline %d) %s\n' "$name" "$passed" "$total" "$want" "$verdict"
done
exit $status
