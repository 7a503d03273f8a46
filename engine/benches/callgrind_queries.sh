#!/usr/bin/env bash
# Instruction counts per corpus query under callgrind (stable on a shared machine).
# usage: engine/benches/callgrind_queries.sh BENCH_BINARY [MODE...] [-v]
#   BENCH_BINARY: from `cargo bench -p ectoplasm-engine --bench queries --no-run`
#   MODE: plan_sqlite plan_postgres full_sqlite full_postgres (default: the two plan modes)
#   -v: also list every entry, most expensive first
# Prints, per mode, the median / mean / max instructions per query over the corpus.
set -eu
bin=$(realpath "$1"); shift
verbose=""
modes=()
for a in "$@"; do
  if [ "$a" = -v ]; then verbose=1; else modes+=("$a"); fi
done
[ ${#modes[@]} -gt 0 ] || modes=(plan_sqlite plan_postgres)
reps=${QUERY_PROFILE_REPS:-10}
for mode in "${modes[@]}"; do
  dir=$(mktemp -d)
  (cd "$dir" && QUERY_PROFILE=$mode QUERY_PROFILE_REPS=$reps QUERY_PROFILE_NAMES="$dir/names.txt" \
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" --collect-atstart=no \
      --toggle-collect='*profile_entry*' --dump-after='queries::profile_entry' "$bin" >/dev/null 2>&1)
  python3 - "$dir" "$mode" "$reps" "$verbose" <<'PY'
import sys, os, re, statistics
d, mode, reps, verbose = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
names = open(os.path.join(d, "names.txt")).read().split()
rows = []
for i, name in enumerate(names, 1):
    text = open(os.path.join(d, f"cg.out.{i}")).read()
    m = re.search(r"^totals: (\d+)", text, re.M) or re.search(r"^summary: (\d+)", text, re.M)
    rows.append((int(m.group(1)) / reps, name))
vals = sorted(v for v, _ in rows)
print(f"{mode:<14} entries {len(vals):>3}  median {statistics.median(vals):>9.0f} instr/query  "
      f"mean {statistics.mean(vals):>9.0f}  p90 {vals[int(len(vals)*0.9)]:>9.0f}  max {vals[-1]:>9.0f}")
if verbose:
    for v, n in sorted(rows, reverse=True):
        print(f"  {v:>10.0f}  {n}")
PY
  rm -rf "$dir"
done
