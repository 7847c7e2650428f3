#!/bin/sh
# run.sh DIR NAME HOW N: run the libFuzzer harness DIR/fuzz_NAME and print
# one line of figures:
#
#   fuzz NAME: RUNS runs in Ts (R/s; C/s of CPU time), cov C, ft F, corpus K inputs: ok
#
#   HOW = time   for N seconds, on the corpus (tests/fuzz/corpus/NAME: the
#                hand-made seeds and what earlier runs found, minimised),
#                the seeds made from the kit's sources (DIR/seeds/NAME,
#                tests/fuzz/seeds.sh) and DIR/work/NAME, where what it
#                finds goes                                 (make fuzz)
#   HOW = runs   the same, until N executions               (make fuzz-soak)
#   HOW = smoke  every corpus and seed file once (the regressions), then N
#                executions from the seeds alone, with a fixed random seed,
#                so that the burst is the same every time   (make check)
#
# A crash, a leak, a timeout (over FUZZ_TIMEOUT seconds on one input,
# default 10), memory over 2 GB or a sanitizer report stops it: the input
# is saved as DIR/crashes/NAME-*, the log is shown, status 1.  Turn a saved
# input into a regression: copy it into tests/fuzz/corpus/NAME/.
# (Absolute paths: the harnesses work in a scratch directory, fuzz.h.)
#
# The longest input each harness is given (-max_len) is one of the bounds
# on the work an input causes; the harness enforces it too (it cuts).
dir=$(cd "$1" && pwd) name=$2 how=$3 n=$4
top=$(pwd)
corpus=$top/tests/fuzz/corpus/$name seeds=$dir/seeds/$name
case $name in
  asm) maxlen=2048 ;;
  image) maxlen=16384 ;;
  vdb) maxlen=1024 ;;
  cpu) maxlen=4097 ;;
  modes) maxlen=257 ;;
  *) echo "run.sh: no harness $name" >&2; exit 2 ;;
esac
mkdir -p "$dir/crashes" "$seeds" "$corpus"
opts="-max_len=$maxlen -timeout=${FUZZ_TIMEOUT:-10} -rss_limit_mb=2048 -print_final_stats=1"
log=$dir/$name.log
run() { "$dir/fuzz_$name" $opts -artifact_prefix="$dir/crashes/$name-" "$@" < /dev/null >> "$log" 2>&1; }
: > "$log"
case $how in
  time) mkdir -p "$dir/work/$name"; run -max_total_time="$n" "$dir/work/$name" "$corpus" "$seeds" ;;
  runs) mkdir -p "$dir/work/$name"; run -runs="$n" "$dir/work/$name" "$corpus" "$seeds" ;;
  smoke)
    rm -rf "$dir/smoke/$name" && mkdir -p "$dir/smoke/$name"
    run -runs=0 "$corpus" "$seeds" && run -runs="$n" -seed=1 "$dir/smoke/$name" "$seeds" ;;
  *) echo "run.sh: HOW is time, runs or smoke" >&2; exit 2 ;;
esac
rc=$?
# The figures of the last run in the log (libFuzzer's final stats), and the
# CPU time its process took (this shell's children).
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
times > "$log.times" # (in this shell: its children's time)
cpu=$(tail -n 1 "$log.times" | awk '{ split($1, u, "m"); split($2, s, "m"); printf "%.1f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
wall=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
percpu=$(awk -v r="${runs:-0}" -v c="$cpu" 'BEGIN { printf "%d", (c > 0 ? r / c : 0) }')
if [ $rc -eq 0 ]; then
  echo "fuzz $name: ${runs:-?} runs (${wall:-?}/s; $percpu/s of CPU time, ${cpu}s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?} inputs: ok"
  exit 0
fi
tail -n 40 "$log"
echo "fuzz $name: FAILED after ${runs:-?} runs (status $rc): the input is in $dir/crashes/, the log in $log"
exit 1
