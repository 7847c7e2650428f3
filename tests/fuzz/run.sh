#!/bin/sh
# run.sh DIR NAME SECONDS: run the libFuzzer harness DIR/fuzz_NAME for
# SECONDS seconds on tests/fuzz/corpus/NAME (read-only seeds) and
# DIR/work/NAME (what it finds), and print one line of figures:
#
#   fuzz NAME: RUNS runs in Ts (R/s), cov C, ft F, corpus K inputs: ok
#
# A crash, a hang (over 10 s on one input) or a sanitizer report stops it:
# the input is saved as DIR/crashes/NAME-*, the log is shown, status 1.
# Turn a saved input into a regression: copy it into tests/fuzz/corpus/NAME/.
# With a fourth argument "smoke" (make check) it starts from the seeds alone,
# so that its time does not grow with what earlier runs found.
# (Absolute paths: the harnesses work in a scratch directory, fuzz.h.)
dir=$(cd "$1" && pwd) name=$2 t=$3 corpus=$(pwd)/tests/fuzz/corpus/$2 work=work
if [ "$4" = smoke ]; then work=smoke; rm -rf "$dir/smoke/$name"; fi
mkdir -p "$dir/$work/$name" "$dir/crashes"
"$dir/fuzz_$name" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$dir/crashes/$name-" "$dir/$work/$name" "$corpus" \
  < /dev/null > "$dir/$name.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$name.log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/$name.log")
last=$(grep -E '^#[0-9]+' "$dir/$name.log" | tail -1)
cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
if [ $rc -eq 0 ]; then
  echo "fuzz $name: ${runs:-?} runs in ${t}s (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?} inputs: ok"
  exit 0
fi
tail -40 "$dir/$name.log"
echo "fuzz $name: FAILED after ${runs:-?} runs (status $rc): the input is in $dir/crashes/, the log in $dir/$name.log"
exit 1
