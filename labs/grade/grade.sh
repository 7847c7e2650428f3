#!/bin/sh
# grade.sh: build a tree and grade one lab on it (labs/README.md).
#
#   labs/grade/grade.sh N [SRC [OUT]]
#
#   N    the lab
#   SRC  the tree under test (default: the tree this script is in)
#   OUT  where the results go (default: build/grade/labN of this tree):
#        report.txt   the rubric as printed
#        results.json Gradescope's format
#        check.xml    Check's XML log
#        build.log    the compiler's output for SRC
#
# The graded tests are this tree's labs/labN/grade/*.c and rubric, compiled
# against SRC's headers and linked with SRC's library (every .c of cli/,
# cpu/, assembler/, vmm/ but the programs' mains), the way the Makefile builds
# it, with -O2 but without -Werror: a warning costs no points.  They run in
# SRC's top directory.  If SRC does not build, every test scores 0 and
# shows the compiler's first error lines.
#
# Objects are cached by content (the source, every header, the flags) in
# GRADE_CACHE (default build/grade/cache): trees that share most files
# share most objects, which is what keeps `make check`'s labs step short.
#
# Exit status: 0 when grading worked, whatever the score; 2 when the grader
# itself is broken (a bad rubric, a test file that does not compile
# against the reference tree).
set -u

# ---- one compile, cached (run by xargs below) ----
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

usage() { echo "usage: labs/grade/grade.sh N [SRC [OUT]]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 3 ] || usage
LAB=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$(cd "${2:-$TOP}" 2>/dev/null && pwd) || { echo "grade: no such tree: ${2:-}" >&2; exit 2; }
OUT=${3:-$TOP/build/grade/lab$LAB}
GD=$TOP/labs/lab$LAB/grade
[ -f "$GD/rubric" ] || { echo "grade: no lab $LAB (no $GD/rubric)" >&2; exit 2; }
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
GR_CACHE=${GRADE_CACHE:-$TOP/build/grade/cache}
mkdir -p "$GR_CACHE"
GR_CC=${CC:-cc}
CHECK_CFLAGS=$(pkg-config --cflags check 2>/dev/null)
CHECK_LIBS=$(pkg-config --libs check 2>/dev/null || echo -lcheck)
export GR_CACHE GR_CC
rm -f "$OUT"/report.txt "$OUT"/results.json "$OUT"/check.xml "$OUT"/results.tsv "$OUT"/build.log
rm -rf "$OUT/obj" && mkdir -p "$OUT/obj"

# The report tool: the grader's own code only.
REPORT=$OUT/report
$GR_CC -O2 -Wall -Wextra -Werror -std=c11 -D_DEFAULT_SOURCE -I"$TOP/labs/grade" "$TOP/labs/grade/report.c" \
  -o "$REPORT" || { echo "grade: the report tool does not build" >&2; exit 2; }

# compile LIST: LIST holds "SOURCE OBJECT" lines, relative to the current
# directory; 0 if all built, else the first failure's messages in $OUT/why.
compile() {
  i=0
  while read -r s o; do
    i=$((i + 1))
    echo "$s $o $OUT/obj/cc.$i.log"
  done < "$1" | xargs -P "$(nproc 2>/dev/null || echo 2)" -L 1 sh "$TOP/labs/grade/grade.sh" --cc
  rc=$?
  for f in $(ls "$OUT"/obj/cc.*.log 2>/dev/null | sort -t. -k2 -n); do cat "$f"; done >> "$OUT/build.log"
  if [ $rc -ne 0 ]; then
    # the first error line first (the rubric's one-line reason), then context
    { grep -m 1 -E 'error' "$OUT/build.log"; grep -m 1 -B 2 -A 12 -E 'error' "$OUT/build.log"; } | head -n 20 > "$OUT/why"
    [ -s "$OUT/why" ] || head -n 20 "$OUT/build.log" > "$OUT/why"
  fi
  rm -f "$OUT"/obj/cc.*.log
  return $rc
}

failed() { # the tree under test did not build: every test 0
  "$REPORT" "$GD/rubric" --failed "$OUT/why" "$OUT/results.json" "$OUT/check.xml" "$SRC" | tee "$OUT/report.txt"
  exit 0
}

# ---- the tree under test: its library, as the Makefile builds it ----
cd "$SRC" || exit 2
GR_HSUM=$(cat $(ls cli/*.h cpu/*.h assembler/*.h vmm/*/*.h tests/*.h "$TOP"/labs/grade/*.h 2>/dev/null | sort) | sha1sum | cut -c1-40)
GR_FLAGS="-O2 -Wall -Wextra -Werror=implicit-function-declaration -std=c11 -D_DEFAULT_SOURCE -Icli -Icpu -Iassembler -Ivmm"
export GR_HSUM GR_FLAGS
ls cli/*.c cpu/*.c assembler/*.c vmm/*/*.c 2>/dev/null |
  grep -v -E '^(assembler/vasm\.c|assembler/vdis\.c|vmm/run/main\.c|vmm/check/vgen\.c|vmm/vdb/.*)$' |
  while read -r s; do echo "$s $OUT/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"; done > "$OUT/obj/kit.list"
compile "$OUT/obj/kit.list" || failed
rm -f "$OUT/obj/libkit.a"
ar rcs "$OUT/obj/libkit.a" $(cut -d' ' -f2 "$OUT/obj/kit.list") || exit 2

# ---- the graded tests, compiled against it ----
cd "$TOP" || exit 2
GR_FLAGS="-O2 -Wall -Wextra -Werror=implicit-function-declaration -std=c11 -D_DEFAULT_SOURCE -I$TOP/labs/grade -I$SRC/cli -I$SRC/cpu -I$SRC/assembler -I$SRC/vmm -I$SRC/tests $CHECK_CFLAGS"
export GR_FLAGS
{ echo "labs/grade/run.c $OUT/obj/grade_run.o"
  for f in labs/lab"$LAB"/grade/*.c; do echo "$f $OUT/obj/grade_$(basename "$f" .c).o"; done
} > "$OUT/obj/tests.list"
compile "$OUT/obj/tests.list" || failed
# shellcheck disable=SC2086
$GR_CC -o "$OUT/obj/run" $(cut -d' ' -f2 "$OUT/obj/tests.list") "$OUT/obj/libkit.a" $CHECK_LIBS -lm \
  >> "$OUT/build.log" 2>&1 || { { grep -m 1 -E 'undefined|error' "$OUT/build.log"; tail -n 20 "$OUT/build.log"; } > "$OUT/why"; failed; }

# ---- run: each test in a child of its own, with its timeout ----
cd "$SRC" || exit 2
CK_FORK=yes timeout 900 "$OUT/obj/run" "$GD/rubric" "$OUT/results.tsv" "$OUT/check.xml" > "$OUT/run.log" 2>&1
rc=$?
[ $rc -eq 2 ] && { cat "$OUT/run.log" >&2; exit 2; }
"$REPORT" "$GD/rubric" "$OUT/results.tsv" "$OUT/results.json" "$OUT/check.xml" "$SRC" | tee "$OUT/report.txt"
