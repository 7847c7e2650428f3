#!/bin/sh
# gen.sh: run the kit and write down everything the deck shows.
#
#   slides/gen.sh OUT        (from the top of the tree, after `make`)
#
# Every number, trace, table and generated picture of the deck comes from a
# run made here, in this build, so the deck is always true of the code:
#
#   OUT/values.txt   `key = value`, the deck's {{key}}s (written last, whole)
#   OUT/json/        bin/vmm --stats-json of each run (run.NAME.* keys)
#   OUT/txt/         text the deck @includes: panics, lockstep, classify ...
#   OUT/dot/         generated graphviz: vdb's `dot` tables, the timeline,
#                    the translation block; mk/slides.mk renders them
#
# Runs: the guest OS in every mode (bin/vmm, a few ms each); bin/vdb traces
# and table dumps at the guest's first system call; the Popek-Goldberg
# classifier; lockstep on the real ISA; the translation cache dump of bt;
# and the whole `make bench` program (build/bench/bench, about 10 s), whose
# results.json gives the comparison tables (bench.* keys).
#
# Any run that fails, or a feature that is missing (bin/vmm --dump-tc, say),
# stops the build with a message: nothing is left out or made up.
set -eu

FINAL=${1:?usage: slides/gen.sh OUTDIR}
OUT=$FINAL.new.$$ # built here, then swapped in whole
trap 'rm -rf "$OUT"' EXIT
TOP=$(pwd)
JSONKV=${JSONKV:-$TOP/build/slides/jsonkv}
G=$TOP/build/guests
VMM=$TOP/bin/vmm
VDB=$TOP/bin/vdb

die() {
  echo "slides/gen.sh: $*" >&2
  exit 1
}

# excerpt AWK-CONDITION FILE: the lines of FILE that meet the condition,
# and a line `...` wherever lines were left out, so that a slide's copy of
# a program's output says where it is cut (as the documents' do).
excerpt() {
  awk "{ keep = ($1) } keep { if (gap) print \"...\"; gap = 0; print; next } { gap = 1 } END { if (gap) print \"...\" }" "$2"
}

rm -rf "$OUT"
mkdir -p "$OUT/json" "$OUT/txt" "$OUT/dot"
V=$OUT/values.new
: >"$V"
val() { echo "$1 = $2" >>"$V"; }

# run NAME STATUS ARGS...: bin/vmm ARGS with --stats-json, which must exit
# with STATUS; its counters become run.NAME.* and its console OUT/txt/NAME.out.
run() {
  name=$1 want=$2
  shift 2
  status=0
  $VMM "$@" --stats-json "$OUT/json/$name.json" </dev/null >"$OUT/txt/$name.out" 2>"$OUT/txt/$name.err" || status=$?
  [ "$status" = "$want" ] || die "bin/vmm $* exited $status, not $want: $(head -c 400 "$OUT/txt/$name.err")"
  [ -s "$OUT/json/$name.json" ] || die "bin/vmm $* wrote no counters"
  $JSONKV "run.$name" "$OUT/json/$name.json" >>"$V"
}

# ---- the guest OS in every mode ----
run native.guestos 0 --mode native $G/guestos.img
run native-early.guestos 0 --mode native --cost early-vtx $G/guestos.img
run trap-real.guestos 2 --mode trap $G/guestos.img
run trap.guestos 0 --mode trap --isa strict $G/guestos.img
run trap-nospecial.guestos 0 --mode trap $G/guestos-nospecial.img
run hw.guestos 0 --mode hw $G/guestos.img
run hw-shadow.guestos 0 --mode hw-shadow $G/guestos.img
run hw-early.guestos 0 --mode hw --cost early-vtx $G/guestos.img
run hw-shadow-early.guestos 0 --mode hw-shadow --cost early-vtx $G/guestos.img
$VMM --help | grep -q -- --dump-tc ||
  die "bin/vmm has no --dump-tc: the binary-translation slide needs it (vmm/bt*.c, docs/bt.md)"
run bt.guestos 0 --mode bt --dump-tc "$OUT/txt/tc.txt" $G/guestos.img
run bt-nochain.guestos 0 --mode bt --bt-chain off $G/guestos.img
[ -s "$OUT/txt/tc.txt" ] || die "bin/vmm --mode bt --dump-tc wrote nothing"

# the panic on the real ISA, and the console of a good run
excerpt "NR > $(wc -l <"$OUT/txt/trap-real.guestos.out") - 2" "$OUT/txt/trap-real.guestos.out" >"$OUT/txt/panic.txt"
excerpt 'NR <= 6' "$OUT/txt/native.guestos.out" >"$OUT/txt/boot.txt"

# ---- Popek and Goldberg, by experiment ----
$VMM --classify >"$OUT/txt/classify-real.full" || die "bin/vmm --classify failed"
$VMM --classify --isa strict >"$OUT/txt/classify-strict.full" || die "bin/vmm --classify --isa strict failed"
excerpt '/^ +traps in/ || /^insn / || /^(syscall|brk|pushf|popf|halt|iret) / || /^Theorem/ || /^  (not )?met/ || /^if every user/' \
  "$OUT/txt/classify-real.full" >"$OUT/txt/classify.txt"
grep -q '^  not met: pushf popf are sensitive' "$OUT/txt/classify-real.full" ||
  die "bin/vmm --classify no longer finds pushf and popf sensitive and unprivileged: edit slides/deck.md"
# how many instructions break each theorem's condition (the T1 and T3 marks)
val classify.real.sensitive_unprivileged "$(grep -c '<- T1' "$OUT/txt/classify-real.full")"
val classify.strict.sensitive_unprivileged "$(grep -c '<- T1' "$OUT/txt/classify-strict.full" || true)"
val classify.real.user_sensitive_unprivileged "$(grep -c '<- T1 T3' "$OUT/txt/classify-real.full" || true)"
val classify.strict.user_sensitive_unprivileged "$(grep -c '<- T1 T3' "$OUT/txt/classify-strict.full" || true)"

# ---- lockstep: where the real ISA breaks trap-and-emulate ----
status=0
$VMM --lockstep trap $G/guestos.img </dev/null >/dev/null 2>"$OUT/txt/lockstep.full" || status=$?
[ "$status" = 76 ] || die "bin/vmm --lockstep trap on the real ISA exited $status, not 76 (diverged)"
excerpt 'NR <= 6' "$OUT/txt/lockstep.full" >"$OUT/txt/lockstep.txt"
tick=$(sed -n 's/.*diverge at tick \([0-9][0-9]*\).*/\1/p' "$OUT/txt/lockstep.full")
[ -n "$tick" ] || die "no 'diverge at tick N' in the lockstep report"
val lockstep.real.tick "$tick"
$VMM --lockstep trap --isa strict $G/guestos.img </dev/null >/dev/null 2>"$OUT/txt/lockstep-strict.txt" ||
  die "bin/vmm --lockstep trap --isa strict: $(cat "$OUT/txt/lockstep-strict.txt")"
val lockstep.strict.ticks "$(sed -n 's/.*agree for \([0-9][0-9]*\) ticks.*/\1/p' "$OUT/txt/lockstep-strict.txt")"

# ---- bin/vdb: a trace and the tables at the guest's first system call ----
$VDB -q --batch --mode trap --isa strict --input /dev/null -ex "trace on" -ex continue $G/guestos.img \
  >"$OUT/txt/trace.full" 2>&1 || die "bin/vdb trace failed"
grep -a '^\[trace\]' "$OUT/txt/trace.full" >"$OUT/txt/trace.txt" || die "bin/vdb printed no trace"
awk -f slides/timeline.awk -v dot="$OUT/dot/timeline.dot" -v values="$OUT/timeline.kv" "$OUT/txt/trace.txt"
cat "$OUT/timeline.kv" >>"$V"
# the trace lines of the window, as a table: repeats of one event folded
awk -v a="$(sed -n 's/timeline.first_tick = //p' "$OUT/timeline.kv")" \
  -v b="$(sed -n 's/timeline.last_tick = //p' "$OUT/timeline.kv")" '
  BEGIN { printf "%6s  %-4s %-9s %-10s  %s\n", "tick", "what", "cause", "pc", "the monitor" }
  { t = $3; sub(/:$/, "", t); t += 0 }
  t < a || t > b { next }
  {
    what = $0; sub(/^.*\): /, "", what); sub(/^.*-> /, "", what)
    key = $4 " " $5 " " $7 " " what
    if (key == last) { n++; next }
    if (last != "") print line (n > 1 ? "  (x" n ")" : "")
    line = sprintf("%6d  %-4s %-9s %s  %s", t, $4, $5, $7, what); last = key; n = 1
  }
  END { if (last != "") print line (n > 1 ? "  (x" n ")" : "") }' "$OUT/txt/trace.txt" >"$OUT/txt/trace-window.txt"
[ -s "$OUT/txt/trace-window.txt" ] || die "no trace lines in the timeline's window"
# at most 14 lines fit the slide at a size a room can read: the rest is
# said to be left out (make slides-check fails on a listing cut short)
awk 'NR <= 14 { print; next } { n++; last = $1 } END { if (n) printf "...     (%d more lines, to tick %s)\n", n, last }' \
  "$OUT/txt/trace-window.txt" >"$OUT/txt/trace-window.cut" && mv "$OUT/txt/trace-window.cut" "$OUT/txt/trace-window.txt"

(
cd "$OUT/dot"
$VDB -q --batch --mode trap --isa strict --input /dev/null -ex "catch exit syscall" -ex continue \
  -ex "dot pt trap-pt.dot" -ex "dot shadow trap-shadow.dot" -ex "dot tlb trap-tlb.dot" \
  -ex "translate 0x40008000" -ex "info tlb" $G/guestos.img >../txt/vdb-trap.txt 2>&1 ||
  die "bin/vdb in trap mode failed: $(tail -3 ../txt/vdb-trap.txt)"
$VDB -q --batch --mode hw --input /dev/null -ex "catch trap syscall" -ex continue \
  -ex "dot pt hw-pt.dot" -ex "dot npt hw-npt.dot" -ex "translate 0x40008000" \
  $G/guestos.img >../txt/vdb-hw.txt 2>&1 || die "bin/vdb in hw mode failed: $(tail -3 ../txt/vdb-hw.txt)"
$VDB -q --batch --mode hw-shadow --input /dev/null -ex "catch trap syscall" -ex continue \
  -ex "dot shadow hws-shadow.dot" $G/guestos.img >../txt/vdb-hws.txt 2>&1 ||
  die "bin/vdb in hw-shadow mode failed: $(tail -3 ../txt/vdb-hws.txt)"
)
for f in trap-pt trap-shadow trap-tlb hw-pt hw-npt hws-shadow; do
  [ -s "$OUT/dot/$f.dot" ] || die "bin/vdb wrote no $f.dot"
  # for a projector: one line a box, tighter, bigger letters (vdb's own
  # files are for a screen; the tables are the same).  trap-shadow's slide
  # says in its caption what the colours mean, and with the legend node the
  # picture shrinks below a readable size: there the legend goes.
  nolegend=
  [ "$f" != trap-shadow ] || nolegend='/^  legend \[shape=plaintext/,/<\/table>>\];$/d'
  sed -e 's/\\n1 page"/"/' -e 's/fontsize=10/fontsize=14/; s/fontsize=9/fontsize=13/' \
    -e "${nolegend:-/^\$/d}" \
    -e 's/^digraph vdb {$/digraph vdb {\n  nodesep=0.08; ranksep=0.6;/' \
    -e 's/^  node \[shape=box, /  node [shape=box, height=0.26, margin="0.06,0.02", /' \
    "$OUT/dot/$f.dot" >"$OUT/dot/$f.tmp" && mv "$OUT/dot/$f.tmp" "$OUT/dot/$f.dot"
done
# the walks, as vdb's `translate` prints them
sed -n '/^guest-virtual/,/^host-physical/p' "$OUT/txt/vdb-trap.txt" >"$OUT/txt/translate-trap.txt"
sed -n '/^guest-virtual/,/^host-physical/p' "$OUT/txt/vdb-hw.txt" >"$OUT/txt/translate-hw.txt"
val vdb.syscall_tick "$(sed -n 's/.*at tick \([0-9]*\)$/\1/p' "$OUT/dot/trap-pt.dot" | head -n 1)"

# ---- binary translation: the block that holds the guest's first popf ----
awk -f slides/tcblock.awk -v want=popf -v key=tc.popf -v dot="$OUT/dot/tc-popf.dot" \
  -v values="$OUT/tc.kv" "$OUT/txt/tc.txt"
cat "$OUT/tc.kv" >>"$V"
head -n 1 "$OUT/txt/tc.txt" >"$OUT/txt/tc-head.txt"

# ---- make bench: the comparison, both cost profiles ----
[ -x build/bench/bench ] || die "build/bench/bench is not built (make bench)"
build/bench/bench "$OUT/json/bench.json" >"$OUT/txt/bench.txt" 2>&1 ||
  die "build/bench/bench failed: $(tail -3 "$OUT/txt/bench.txt")"
$JSONKV bench "$OUT/json/bench.json" >"$OUT/bench.kv"
cat "$OUT/bench.kv" >>"$V"

# ---- figures computed from the runs ----
# percentages and ratios the slides quote (cycles against native with the
# same cost profile), and the best monitor of each row of the bench
awk -F' = ' '
  { v[$1] = $2 }
  END {
    for (k in v) if (k ~ /^run\.[^.]*\.guestos\.instructions$/) {
      r = k; sub(/\.instructions$/, "", r)
      if ((r ".vmm.direct_instructions") in v)
        printf "%s.direct_percent = %.2f\n", r, 100 * v[r ".vmm.direct_instructions"] / v[k]
      base = r ~ /-early\./ ? "run.native-early.guestos.cycles" : "run.native.guestos.cycles"
      printf "%s.cycles_ratio = %.2f\n", r, v[r ".cycles"] / v[base]
    }
    n = split("trap bt-inline hw-shadow hw-nested", modes, " ")
    for (k in v) if (k ~ /^bench\.guests(_early_vtx)?\.[^.]*\.native\.cycles$/) {
      g = k; sub(/\.native\.cycles$/, "", g)
      best = ""
      for (i = 1; i <= n; i++)
        if (best == "" || v[g "." modes[i] ".cycles"] + 0 < v[g "." best ".cycles"] + 0) best = modes[i]
      printf "%s.best = %s\n", g, best
    }
  }' "$V" | sort >"$OUT/derived.kv"
cat "$OUT/derived.kv" >>"$V"

# ---- the deck's claims still hold ----
# "What the table says" states shapes in words; if a change of the kit
# turns one around, stop here rather than print a slide that is false.
awk -F' = ' '
  { v[$1] = $2 }
  function r(g, m, early) { return v["bench.guests" (early ? "_early_vtx" : "") "." g "." m ".cycles_ratio"] + 0 }
  function claim(ok, what) { if (!ok) { print "slides/gen.sh: the deck claims " what ", the bench says no: edit slides/deck.md" > "/dev/stderr"; bad = 1 } }
  END {
    claim(r("bench-syscall", "hw-shadow") < r("bench-syscall", "bt-inline") && r("bench-syscall", "bt-inline") < r("bench-syscall", "trap"),
          "system calls favour hardware assist (hw-shadow < bt < trap on syscall)")
    claim(r("bench-forkwait", "hw-shadow", 1) > r("bench-forkwait", "bt-inline", 1),
          "early hardware assist loses to bt on forkwait (early-vtx)")
    claim(r("bench-ptemod", "hw-shadow") > r("bench-ptemod", "hw-nested"), "ptemod favours nested paging")
    claim(r("bench-memwalk", "hw-nested") > r("bench-memwalk", "hw-shadow"), "memwalk favours shadow paging")
    claim(r("bench-io", "hw-nested") > r("bench-io", "trap"), "I/O costs hardware assist more than trap-and-emulate")
    claim(r("bench-privileged", "trap") > r("bench-privileged", "hw-nested") && r("bench-privileged", "hw-nested") > r("bench-privileged", "bt-inline"),
          "privileged instructions: trap > hw-nested > bt (translated cli/sti are plain stores, cheaper than the serializing writes of the CPU)")
    exit bad
  }' "$V" || die "a claim of the deck no longer holds (above)"

# ---- the cost model the runs used (cpu/cost.h's table) ----
sed -n 's/^ *X(\([A-Z_]*\), *"\([a-z_]*\)", *\([0-9]*\), *\([0-9]*\),.*/cost.modern.\2 = \3\ncost.early-vtx.\2 = \4/p' \
  cpu/cost.h >"$OUT/cost.kv"
grep -q '^cost.modern.vm_exit = ' "$OUT/cost.kv" || die "cannot read the cost table in cpu/cost.h"
cat "$OUT/cost.kv" >>"$V"

# ---- the monitor's constants the slides quote ----
kept=$(sed -n 's/^#define SHADOW_KEPT \([0-9][0-9]*\).*/\1/p' vmm/core/vm.h)
[ -n "$kept" ] || die "cannot read SHADOW_KEPT in vmm/core/vm.h"
val vmm.shadow_kept "$kept"

# ---- which build this is ----
val build.id "$(date -u +%Y%m%dT%H%M%SZ)-$$"
val build.date "$(date -u +%Y-%m-%d)"
val build.commit "$(git describe --always --dirty 2>/dev/null || echo none)"
mv "$V" "$OUT/values.txt"
rm -rf "$FINAL"
mv "$OUT" "$FINAL"
echo "slides/gen.sh: $(wc -l <"$FINAL/values.txt") values, $(ls "$FINAL/dot" | wc -l) generated pictures in $FINAL"
