#!/bin/sh
# grade.sh: build a submission and grade one lab on it (labs/README.md,
# docs/grading-security.md).
#
#   labs/grade/grade.sh [--any-score] [--notes FILE] [--first-failure]
#                       [--record DIR] N [SRC [OUT]]
#
#   N    the lab
#   SRC  the submission's tree (default: the tree this script is in)
#   OUT  where the results go (default: build/grade/labN of this tree; made
#        readable by its owner only):
#        report.txt      the rubric as printed
#        results.json    Gradescope's format
#        pl-results.json PrairieLearn's format
#        check.xml       Check's XML log (the same verdicts)
#        build.log       the compiler's output for SRC
#
# The grader is this script's tree: its tests (labs/labN/grade/*.c), its
# rubric, and, when the tree holds the solutions, the reference build of
# bin/vmm that every run of the submission is compared with (in a handout,
# the reference's runs recorded by `make handout` in
# labs/labN/grade/expected/).  All of it is built from this tree only.
#
# The submission is built in the sandbox (labs/grade/sandbox.h: as root,
# another user with resource limits and no access to the grader's files),
# with SRC's cli/, cpu/, assembler/ and vmm/ (and labs/lab1/ for lab 1), -O2,
# warnings on but not fatal: a warning costs no points, and with
# -DLAB_SOLUTION=N (a handout has no markers left, so this changes nothing
# there; the kit's own tree becomes lab N solved with the later labs'
# stubs, as a student's is).  Its bin/vmm and
# bin/vasm then run in the sandbox, once per run the tests ask for; the
# verdicts are computed here, from what they print, write and return.
# GRADE_TRUSTED_SRC=1 (labs-check, mutants: trees the kit made itself)
# builds SRC outside the sandbox with the object cache instead.
#
# The seed: GRADE_SEED (or SEED), else a random one; it is printed and
# recorded in the results so that a run can be replayed.
#
# Options: --any-score exits 0 whatever the score; --notes FILE puts FILE's
# text (which files were graded, which ignored) at the top of every output;
# --first-failure stops at the first failed test (make mutants); --record
# DIR writes the reference's runs into DIR (make handout).
#
# Exit status: 0 full marks (or --any-score), 1 below full marks, 2 when the
# grader itself is broken (a bad rubric, a test that does not build
# against this tree).
set -u

# ---- one trusted compile, cached (run by xargs below) ----
if [ "${1:-}" = --cc ]; then
  src=$2 obj=$3 log=$4
  key=$( { printf '%s\n' "$GR_CC $GR_FLAGS" "$GR_HSUM"; cat "$src"; } | sha1sum | cut -c1-40)
  if [ ! -f "$GR_CACHE/$key.o" ]; then
    # shellcheck disable=SC2086
    $GR_CC $GR_FLAGS -c "$src" -o "$GR_CACHE/$key.o.$$" 2>"$log" || { rm -f "$GR_CACHE/$key.o.$$"; exit 1; }
    cp "$log" "$GR_CACHE/$key.log.$$" && mv "$GR_CACHE/$key.log.$$" "$GR_CACHE/$key.log"
    mv "$GR_CACHE/$key.o.$$" "$GR_CACHE/$key.o"
  fi
  cp "$GR_CACHE/$key.log" "$log" 2>/dev/null # its warnings, every time
  cp "$GR_CACHE/$key.o" "$obj"
  exit 0
fi

usage() { echo "usage: labs/grade/grade.sh [--any-score] [--notes FILE] [--first-failure] [--record DIR] N [SRC [OUT]]" >&2; exit 2; }
ANY=0 NOTES="" FIRST="" RECORD=""
while [ $# -gt 0 ]; do
  case $1 in
    --any-score) ANY=1 ;;
    --notes) [ $# -ge 2 ] || usage; NOTES=$2; shift ;;
    --first-failure) FIRST=--first-failure ;;
    --record) [ $# -ge 2 ] || usage; RECORD=$2; shift ;;
    -*) usage ;;
    *) break ;;
  esac
  shift
done
[ $# -ge 1 ] && [ $# -le 3 ] || usage
LAB=$1
case $LAB in [1-9]) ;; *) usage ;; esac
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$(cd "${2:-$TOP}" 2>/dev/null && pwd) || { echo "grade: no such tree: ${2:-}" >&2; exit 2; }
OUT=${3:-$TOP/build/grade/lab$LAB}
GD=$TOP/labs/lab$LAB/grade
[ -f "$GD/rubric" ] || { echo "grade: no lab $LAB (no $GD/rubric)" >&2; exit 2; }
[ -z "$NOTES" ] || [ -f "$NOTES" ] || { echo "grade: no notes file $NOTES" >&2; exit 2; }
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) && chmod 700 "$OUT" || exit 2
GR_CACHE=${GRADE_CACHE:-$TOP/build/grade/cache}
mkdir -p "$GR_CACHE" && chmod 700 "$GR_CACHE"
GR_CC=${CC:-cc}
CHECK_CFLAGS=$(pkg-config --cflags check 2>/dev/null)
CHECK_LIBS=$(pkg-config --libs check 2>/dev/null || echo -lcheck)
NPROC=$(nproc 2>/dev/null || echo 2)
SEED=${GRADE_SEED:-${SEED:-}}
MARK='^[[:space:]]*#[[:space:]]*if[[:space:]]+LAB_SOLUTION[[:space:]]*>='
export GR_CACHE GR_CC
rm -rf "$OUT"/report.txt "$OUT"/results.json "$OUT"/pl-results.json "$OUT"/check.xml "$OUT"/results.tsv \
  "$OUT"/build.log "$OUT"/why "$OUT"/priv "$OUT"/grader "$OUT"/obj "$OUT"/build.err "$OUT"/run.log
mkdir -p "$OUT/grader" "$OUT/obj" "$OUT/priv/detail"

# compile LIST LOG: LIST holds "SOURCE OBJECT" lines (trusted sources:
# cached); 0 if all built, else the first failure's messages in $OUT/why.
compile() {
  i=0
  while read -r s o; do
    i=$((i + 1))
    echo "$s $o $OUT/obj/cc.$i.log"
  done < "$1" | xargs -P "$NPROC" -L 1 sh "$TOP/labs/grade/grade.sh" --cc
  rc=$?
  for f in $(ls "$OUT"/obj/cc.*.log 2>/dev/null | sort -t. -k2 -n); do cat "$f"; done >> "$2"
  [ $rc -eq 0 ] || first_error "$2"
  rm -f "$OUT"/obj/cc.*.log
  return $rc
}
first_error() { # the first error line first (the rubric's one-line reason), then its context
  if grep -q -E 'error|undefined' "$1"; then
    { grep -m 1 -E 'error|undefined' "$1"; echo; grep -m 1 -B 2 -A 12 -E 'error|undefined' "$1"; } | head -n 24 > "$OUT/why"
  else # no compiler error (killed, out of a resource): what it printed last, or that it printed nothing
    { tail -n 20 "$1"; [ -s "$1" ] || echo "the build failed and printed nothing"; } > "$OUT/why"
  fi
}
kit_sources() { # the library's sources, as the Makefile picks them
  ls cli/*.c cpu/*.c assembler/*.c vmm/*/*.c 2>/dev/null |
    grep -v -E '^(assembler/vasm\.c|assembler/vdis\.c|vmm/run/main\.c|vmm/check/vgen\.c|vmm/vdb/.*)$'
}

# ---- the grader: this tree only (cached whole, by the hash of its sources) ----
cd "$TOP" || exit 2
HAS_REF=0
grep -rqE "$MARK" --include='*.[chs]' cpu vmm labs 2>/dev/null && HAS_REF=1
GKEY=$( { echo "$GR_CC $CHECK_CFLAGS $CHECK_LIBS lab $LAB ref $HAS_REF"
  cat $(ls cli/*.[ch] cpu/*.[ch] assembler/*.[ch] vmm/*/*.[ch] labs/grade/*.[ch] labs/lab"$LAB"/grade/*.[ch] 2>/dev/null | sort); } |
  sha1sum | cut -c1-40)
G=$GR_CACHE/grader-$GKEY
if [ ! -x "$G/run" ]; then
  G=$OUT/grader
  # The grader's own tools: their warnings are errors only where the kit's
  # make says so (WERROR, Makefile): a grader's newer compiler may warn
  # about them and still grade.
  GR_WERROR=$([ "${WERROR:-no}" = yes ] && echo -Werror)
  # shellcheck disable=SC2086 # (GR_WERROR may be empty)
  $GR_CC -O2 -Wall -Wextra $GR_WERROR -std=c11 -D_DEFAULT_SOURCE -I"$TOP/labs/grade" "$TOP/labs/grade/report.c" -o "$G/report" &&
    $GR_CC -O2 -Wall -Wextra $GR_WERROR -std=c11 -D_DEFAULT_SOURCE "$TOP/labs/grade/sandbox.c" -o "$G/sandbox" ||
    { echo "grade: the report or sandbox tool does not build" >&2; exit 2; }
  GR_HSUM=$(cat $(ls cli/*.h cpu/*.h assembler/*.h vmm/*/*.h labs/grade/*.h 2>/dev/null | sort) | sha1sum | cut -c1-40)
  GR_FLAGS="-O2 -Wall -Wextra -std=c11 -D_DEFAULT_SOURCE -Icli -Icpu -Iassembler -Ivmm"
  export GR_HSUM GR_FLAGS
  kit_sources | while read -r s; do echo "$s $G/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"; done > "$G/kit.list"
  compile "$G/kit.list" "$G/build.log" ||
    { cat "$OUT/why" >&2; echo "grade: the grader's own tree does not build" >&2; exit 2; }
  ar rcs "$G/libkit.a" $(cut -d' ' -f2 "$G/kit.list") || exit 2
  GR_HSUM=$(cat $(ls cli/*.h cpu/*.h assembler/*.h vmm/*/*.h labs/grade/*.h labs/lab"$LAB"/grade/*.h 2>/dev/null | sort) | sha1sum | cut -c1-40)
  GR_FLAGS="-O2 -Wall -Wextra -std=c11 -D_DEFAULT_SOURCE -Ilabs/grade -Icli -Icpu -Iassembler -Ivmm $CHECK_CFLAGS"
  { echo "labs/grade/run.c $G/grade_run.o"
    for f in labs/lab"$LAB"/grade/*.c; do echo "$f $G/grade_$(basename "$f" .c).o"; done
  } > "$G/tests.list"
  compile "$G/tests.list" "$G/build.log" ||
    { cat "$OUT/why" >&2; echo "grade: the graded tests do not build against the grader's tree" >&2; exit 2; }
  # shellcheck disable=SC2086
  $GR_CC -o "$G/run" $(cut -d' ' -f2 "$G/tests.list") "$G/libkit.a" $CHECK_LIBS -lm >> "$G/build.log" 2>&1 ||
    { tail -n 20 "$G/build.log" >&2; echo "grade: the graded tests do not link" >&2; exit 2; }
  # The reference bin/vmm: this tree with lab N's solutions and every
  # earlier lab's, the later labs' stubs in place (what a student's tree
  # holds), when this tree has the solutions.
  if [ $HAS_REF = 1 ]; then
    GR_HSUM=$(cat $(ls cli/*.h cpu/*.h assembler/*.h vmm/*/*.h 2>/dev/null | sort) | sha1sum | cut -c1-40)
    GR_FLAGS="-O2 -Wall -Wextra -std=c11 -D_DEFAULT_SOURCE -DLAB_SOLUTION=$LAB -Icli -Icpu -Iassembler -Ivmm"
    { kit_sources; echo vmm/run/main.c; } |
      while read -r s; do echo "$s $G/ref_$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"; done > "$G/ref.list"
    compile "$G/ref.list" "$G/build.log" || { cat "$OUT/why" >&2; echo "grade: the reference does not build" >&2; exit 2; }
    $GR_CC -o "$G/vmm" $(cut -d' ' -f2 "$G/ref.list") -lm >> "$G/build.log" 2>&1 ||
      { echo "grade: no reference bin/vmm" >&2; exit 2; }
  fi
  rm -f "$G"/*.o
  mkdir -p "$GR_CACHE/grader-$GKEY.$$" && cp "$G"/run "$G"/report "$G"/sandbox "$GR_CACHE/grader-$GKEY.$$/" &&
    { [ $HAS_REF = 0 ] || cp "$G/vmm" "$GR_CACHE/grader-$GKEY.$$/"; } &&
    mv "$GR_CACHE/grader-$GKEY.$$" "$GR_CACHE/grader-$GKEY" 2>/dev/null || rm -rf "$GR_CACHE/grader-$GKEY.$$"
fi
# The reference: this tree's bin/vmm when it holds the solutions, else
# the runs recorded in a handout.
REF_VMM="" EXPECT=""
if [ $HAS_REF = 1 ]; then
  REF_VMM=$G/vmm
elif [ -f "$GD/expected/seed" ]; then
  EXPECT=$GD/expected
  SEED=$(cat "$EXPECT/seed") # (the recorded runs are of this seed)
fi
[ -n "$SEED" ] || SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
case $SEED in '' | *[!0-9]*) echo "grade: the seed must be a number: $SEED" >&2; exit 2 ;; esac

# ---- the submission, built in the sandbox ----
BOX=$(mktemp -d /tmp/vkit-box.XXXXXX) || exit 2
# The sandbox's user: one of this run's own (sandbox claim), unless
# GRADE_SANDBOX_UID names one.  Graders side by side never share one: the
# end of a run kills every process of its user.
CLAIMED=""
cleanup() {
  [ -z "${GRADE_SANDBOX_UID:-}" ] || "$G/sandbox" kill # (only a user this run has: never another run's)
  [ -z "$CLAIMED" ] || "$G/sandbox" release "$CLAIMED"
  rm -rf "$BOX"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
SB_ID=$(id -u)
if "$G/sandbox" isolated; then
  if [ -z "${GRADE_SANDBOX_UID:-}" ]; then
    CLAIMED=$("$G/sandbox" claim $$) || exit 2
    GRADE_SANDBOX_UID=$CLAIMED
    export GRADE_SANDBOX_UID
    "$G/sandbox" kill # a claim taken over from a run that was killed: what it left running goes
  fi
  SB_ID=$GRADE_SANDBOX_UID
fi
S=$BOX/sub
mkdir -p "$S/bin"
cd "$SRC" || exit 2
dirs="cli cpu assembler vmm"
[ "$LAB" != 1 ] || dirs="$dirs labs/lab1"
for d in $dirs; do
  [ -d "$d" ] && mkdir -p "$S/$d" && cp -r "$d/." "$S/$d/"
done
# cli/ (what every program does alike) from this tree when a submission
# from an older handout has none: students do not change it.
[ -d cli ] || { mkdir -p "$S/cli" && cp -r "$TOP/cli/." "$S/cli/"; }
built=1
SKEY=$( { echo "$GR_CC sub lab $LAB"; cat $(ls cli/*.[ch] cpu/*.[ch] assembler/*.[ch] vmm/*/*.[ch] 2>/dev/null | sort); } | sha1sum | cut -c1-40)
if [ "${GRADE_TRUSTED_SRC:-0}" = 1 ] && [ -x "$GR_CACHE/sub-$SKEY/vmm" ]; then
  cp "$GR_CACHE/sub-$SKEY/vmm" "$GR_CACHE/sub-$SKEY/vasm" "$S/bin/" && cp "$GR_CACHE/sub-$SKEY/build.log" "$OUT/build.log"
elif [ "${GRADE_TRUSTED_SRC:-0}" = 1 ]; then
  GR_HSUM=$(cat $(ls cli/*.h cpu/*.h assembler/*.h vmm/*/*.h 2>/dev/null | sort) | sha1sum | cut -c1-40)
  GR_FLAGS="-O2 -Wall -Wextra -Werror=implicit-function-declaration -std=c11 -D_DEFAULT_SOURCE -DLAB_SOLUTION=$LAB -Icli -Icpu -Iassembler -Ivmm"
  export GR_HSUM GR_FLAGS
  { kit_sources; echo vmm/run/main.c; echo assembler/vasm.c; } |
    while read -r s; do echo "$s $OUT/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"; done > "$OUT/obj/sub.list"
  if compile "$OUT/obj/sub.list" "$OUT/build.log"; then
    lib=$(grep -v -E '^(vmm/run/main|assembler/vasm)\.c ' "$OUT/obj/sub.list" | cut -d' ' -f2)
    # shellcheck disable=SC2086
    { $GR_CC -o "$S/bin/vmm" "$OUT/obj/vmm_run_main.o" $lib -lm && $GR_CC -o "$S/bin/vasm" "$OUT/obj/assembler_vasm.o" $lib -lm; } \
      >> "$OUT/build.log" 2>&1 || { first_error "$OUT/build.log"; built=0; }
    [ $built = 0 ] || { mkdir -p "$GR_CACHE/sub-$SKEY.$$" && cp "$S/bin/vmm" "$S/bin/vasm" "$OUT/build.log" "$GR_CACHE/sub-$SKEY.$$/" &&
      mv "$GR_CACHE/sub-$SKEY.$$" "$GR_CACHE/sub-$SKEY" 2>/dev/null || rm -rf "$GR_CACHE/sub-$SKEY.$$"; }
  else
    built=0
  fi
else
  # Objects the trusted cache already holds for byte-identical sources
  # and headers (the handout's files, untouched) are put in first: they are
  # what compiling those bytes gives.  Nothing built in the sandbox ever
  # goes into the cache.
  mkdir -p "$S/obj"
  SUB_FLAGS="-O2 -Wall -Wextra -Werror=implicit-function-declaration -std=c11 -D_DEFAULT_SOURCE -DLAB_SOLUTION=$LAB -Icli -Icpu -Iassembler -Ivmm"
  SUB_HSUM=$(cat $(ls cli/*.h cpu/*.h assembler/*.h vmm/*/*.h 2>/dev/null | sort) | sha1sum | cut -c1-40)
  { kit_sources; echo vmm/run/main.c; echo assembler/vasm.c; } | while read -r s; do
    key=$( { printf '%s\n' "$GR_CC $SUB_FLAGS" "$SUB_HSUM"; cat "$s"; } | sha1sum | cut -c1-40)
    o=$S/obj/$(echo "$s" | tr / _).o
    [ -f "$GR_CACHE/$key.o" ] && cp "$GR_CACHE/$key.o" "$o" && cp "$GR_CACHE/$key.log" "${o%.o}.log" 2>/dev/null
  done
  cat > "$S/build.sh" <<EOF
# The submission's build, run in the sandbox by labs/grade/grade.sh.
lib=\$(ls cli/*.c cpu/*.c assembler/*.c vmm/*/*.c 2>/dev/null |
  grep -v -E '^(assembler/vasm\\.c|assembler/vdis\\.c|vmm/run/main\\.c|vmm/check/vgen\\.c|vmm/vdb/.*)\$')
mkdir -p obj
for s in \$lib vmm/run/main.c assembler/vasm.c; do echo "\$s"; done |
  xargs -P $NPROC -I{} sh -c '[ -f "obj/\$(echo "\$1" | tr / _).o" ] || $GR_CC $SUB_FLAGS -c "\$1" -o "obj/\$(echo "\$1" | tr / _).o" 2> "obj/\$(echo "\$1" | tr / _).log"' _ {}
rc=\$?
for s in \$lib vmm/run/main.c assembler/vasm.c; do cat "obj/\$(echo "\$s" | tr / _).log" 2>/dev/null; done
[ \$rc -eq 0 ] || exit 1
objs=\$(for s in \$lib; do echo "obj/\$(echo "\$s" | tr / _).o"; done)
$GR_CC -o bin/vmm obj/vmm_run_main.c.o \$objs -lm && $GR_CC -o bin/vasm obj/assembler_vasm.c.o \$objs -lm
EOF
  chown -R "$SB_ID:$SB_ID" "$BOX" 2>/dev/null || [ "$SB_ID" = "$(id -u)" ] || exit 2
  "$G/sandbox" build "$S" "$OUT/build.log" "$OUT/build.err" -- /bin/sh build.sh
  rc=$?
  cat "$OUT/build.err" >> "$OUT/build.log"
  if [ $rc -ne 0 ]; then
    first_error "$OUT/build.log"
    [ $rc -ne 124 ] || echo "the build did not finish within 300 s" > "$OUT/why"
    built=0
  fi
fi
[ $built = 0 ] || [ -x "$S/bin/vmm" ] || { echo "the build made no bin/vmm" > "$OUT/why"; built=0; }
chown -R "$SB_ID:$SB_ID" "$BOX" 2>/dev/null || [ "$SB_ID" = "$(id -u)" ] || exit 2
REPORT_ARGS="--seed $SEED --tree $SRC"
[ -z "$NOTES" ] || REPORT_ARGS="$REPORT_ARGS --notes $NOTES"
"$G/sandbox" isolated || REPORT_ARGS="$REPORT_ARGS --not-isolated"

finish() { # report, and the exit status from the score
  # shellcheck disable=SC2086
  "$G/report" $REPORT_ARGS "$@" "$GD/rubric" "$OUT" > "$OUT/report.txt"
  rc=$?
  cat "$OUT/report.txt"
  [ $rc -le 1 ] || exit 2
  [ $ANY = 1 ] && exit 0
  exit $rc
}
[ $built = 1 ] || finish --failed "$OUT/why"

# ---- the tests: each run of the submission's programs in the sandbox ----
[ -z "$RECORD" ] || { mkdir -p "$RECORD" && echo "$SEED" > "$RECORD/seed"; }
cd "$TOP" || exit 2
GRADE_SUB_VMM=$S/bin/vmm GRADE_SUB_VASM=$S/bin/vasm GRADE_SUB_TREE=$S GRADE_REF_VMM=$REF_VMM GRADE_EXPECT=$EXPECT \
  GRADE_RECORD=$RECORD GRADE_PRIV=$OUT/priv GRADE_BOX=$BOX GRADE_SEED=$SEED CK_FORK=yes \
  timeout 1800 "$G/run" $FIRST "$GD/rubric" "$OUT/results.tsv" > "$OUT/run.log" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$OUT/run.log" >&2; echo "grade: the test runner failed (status $rc)" >&2; exit 2; }
finish
