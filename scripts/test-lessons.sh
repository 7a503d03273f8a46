#!/usr/bin/env bash
# Checks every lesson under lessons/ with the `ectoplasm` binary: each
# exercise's reference solution must pass, and the starter as written must
# fail (a lesson whose starter already passes teaches nothing).
#
#   scripts/test-lessons.sh            build (debug) and check every lessons/*.livemd
#   scripts/test-lessons.sh FILE...    check these files
#
# Exit status 1 when any lesson breaks either rule.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
cargo build --quiet -p ectoplasm-cli || exit 2
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') || exit 2
bin=$target_dir/debug/ectoplasm
[ -x "$bin" ] || { echo "test-lessons: no executable at $bin"; exit 2; }

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(lessons/*.livemd)
status=0
for f in "${files[@]}"; do
  [ -e "$f" ] || continue
  solution=$("$bin" lesson --use solution --json "$f" 2>/dev/null)
  starter=$("$bin" lesson --use starter --json "$f" 2>/dev/null)
  verdict=$(SOLUTION="$solution" STARTER="$starter" python3 - <<'PY'
import json, os
def rows(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]
sol, sta = rows(os.environ["SOLUTION"]), rows(os.environ["STARTER"])
bad = [f"{r['exercise']}: solution fails ({r['tests']} tests, {r['failures']} failures)" for r in sol if not r["passed"]]
bad += [f"{r['exercise']}: starter passes" for r in sta if r["passed"]]
if not sol:
    bad.append("no exercises")
print(f"{len(sol)} exercises ok" if not bad else "; ".join(bad))
PY
)
  if [[ $verdict == *"exercises ok" ]]; then
    printf '  %-50s %s\n' "$f" "$verdict"
  else
    printf '  %-50s FAILED: %s\n' "$f" "$verdict"
    status=1
  fi
done
exit $status
