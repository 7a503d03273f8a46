# Sourced by the conformance scripts: one file's result against its baseline.
#
#   check_against_baseline KIND EXPECTED.jsonl OUT.jsonl NAME WIDTH VERBOSE [compare.py flags...]
#
# Compares OUT with EXPECTED through tests/conformance/compare.py KIND, prints
# "  NAME  P of T pass (baseline B) VERDICT" (NAME padded to WIDTH), with
# VERBOSE = -v also each failing entry, and returns 1 when the file passes
# fewer entries than NAME's line in tests/conformance/baseline.txt (or has
# none, or compare.py says something unexpected).
check_against_baseline() {
  local kind=$1 expected=$2 out=$3 name=$4 width=$5 verbose=$6
  shift 6
  local corpus
  corpus=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/conformance" && pwd)
  local flags=("$@")
  [ "$verbose" = -v ] || flags+=(--quiet)
  local report last passed total want verdict
  report=$(python3 "$corpus/compare.py" "$kind" "$expected" "$out" "${flags[@]}")
  last=$(printf '%s\n' "$report" | tail -n 1)
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=${BASH_REMATCH[1]} total=$((BASH_REMATCH[1] + BASH_REMATCH[2]))
  else
    echo "conformance: unexpected compare.py output for $name: $last"
    return 1
  fi
  [ "$verbose" = -v ] && printf '%s\n' "$report" | sed '$d' | sed 's/^/    /'
  want=$(awk -v f="$name" '$1 == f { print $2 }' "$corpus/baseline.txt")
  if [ -z "$want" ]; then
    echo "conformance: $name has no line in $corpus/baseline.txt"
    return 1
  fi
  verdict=ok
  if [ "$passed" -gt "$want" ]; then verdict="above baseline: raise it in tests/conformance/baseline.txt"; fi
  [ "$passed" -lt "$want" ] && verdict="BELOW BASELINE"
  printf "  %-${width}s %4d of %4d pass (baseline %d) %s\n" "$name" "$passed" "$total" "$want" "$verdict"
  [ "$passed" -ge "$want" ]
}
