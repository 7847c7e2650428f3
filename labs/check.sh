#!/bin/sh
# check.sh: the labs' honesty check, `make labs-check` (and `make check`).
#
# For every lab N (each labs/labN/grade/rubric), with the reference grader:
#
#   reference  this tree                        must score full marks
#   handout    labs/cut.sh N                    must score at most a third,
#                                               build without a warning, and
#                                               fail on the stubs, not on a
#                                               build or assembly error
#   filled     labs/cut.sh -f REGION N          must score strictly between
#   solved     labs/cut.sh N+1 (lab N solved,   must score full marks: the
#              later labs' stubs in place)      stubs of later labs do not
#                                               get in the way of lab N
#
# (the reference is graded as lab N's tree: -DLAB_SOLUTION=N, later labs'
# stubs in place), make grade's exit status must be 0 at full marks and 1
# below, each handout must carry the LICENSE and no answer of its lab or an
# earlier one in a document (the Markdown regions labs/cut.sh drops), and
# each handout README's rubric table must list every rubric row with
# its points.  It prints each lab's scores.  REGION, the regions filled back
# in from the reference, is per lab in FILL below (FILE:K: lab N's K-th
# region of FILE; several joined by +: the graded runs compare every
# counter with the reference's, so a test passes only when every region its
# guest reaches is done).  Everything goes to build/labs-check/.  Exit status 0 if every
# lab passes, else 1.
# shellcheck disable=SC2046 # (set -- $(total ...): the split is the point)
set -u
cd "$(dirname "$0")/.." || exit 1

FILL="1=labs/lab1/kernel.s:4 2=vmm/core/trap.c:5 3=vmm/bt/bt_translate.c:3+vmm/bt/bt_cache.c:1+vmm/bt/bt_cache.c:2+vmm/bt/bt_cache.c:3 4=vmm/core/shadow.c:2 5=cpu/npt.c:1+cpu/npt.c:2+vmm/hw/hw.c:1"
LC=build/labs-check
MARK='^[[:space:]]*#[[:space:]]*if[[:space:]]+LAB_SOLUTION[[:space:]]*>='

if ! grep -rqE "$MARK" --include='*.[chs]' --include='*.inc' cpu vmm labs 2>/dev/null; then
  echo "labs-check: no lab markers in this tree (a handout?): skipped"
  exit 0
fi
start=$(date +%s)
rm -rf "$LC" && mkdir -p "$LC"
npass=0 nfail=0
problem() { echo "labs-check: lab $1: $2"; nfail=$((nfail + 1)); }
# expect LAB MESSAGE COMMAND...: one check, passed if COMMAND succeeds.
expect() {
  l_=$1 m_=$2
  shift 2
  if "$@"; then npass=$((npass + 1)); else problem "$l_" "$m_"; fi
}
between() { [ "$1" -lt "$2" ] && [ "$2" -lt "$3" ]; }
no_warnings() { [ -f "$1" ] && ! grep -qE '^(cli|cpu|vmm|assembler)/[^:]*:[0-9]+:[0-9]+: warning' "$1"; }
builds() { ! grep -qE 'does not (build|assemble)' "$1"; }
readme_lists() { # RUBRIC README: every row, with its points, in the README's table
  awk '!/^#/ && NF { print $1, $2 }' "$1" | while read -r name pts; do
    grep -qE "^\| $name \| $pts \|" "$2" || { echo "labs-check: $2: no rubric row \"| $name | $pts |\""; return 1; }
  done
}
# Answers known to sit in documents: LAB|FILE|TEXT, never in the handout
# of LAB or an earlier lab, as code (slide 16 shows popf's translation;
# compare.md holds the measured shapes lab 5 asks students to find).
ANSWERS="3|slides/deck.md|tc-popf.svg 5|docs/compare.md|##_The_published_shapes"
known_answers_cut() {
  echo "$ANSWERS" | tr ' ' '\n' | sed 's/_/ /g' | while IFS='|' read -r m f text; do
    [ "$1" -gt "$m" ] || ! grep -qF "$text" "$2/$f" || { echo "labs-check: $2/$f shows lab $m's answer: $text"; exit 1; }
  done
}
# doc_answers_cut N HANDOUT: no line inside a Markdown region of lab N or
# a later lab (<!-- #if LAB_SOLUTION >= M -->, M >= N) is in the handout's
# copy (lab N's handout keeps the answers of the labs before it, as code).
doc_answers_cut() {
  for md in $(grep -rl --include='*.md' '^<!-- #if LAB_SOLUTION >=' docs slides labs README.md 2>/dev/null); do
    awk -v n="$1" 'index($0, "<!-- #if LAB_SOLUTION >=") == 1 { m = $0; sub(/.*>=[ \t]*/, "", m); sub(/[^0-9].*/, "", m); inside = (m + 0 >= n + 0); next }
                   index($0, "<!-- #endif -->") == 1 { inside = 0; next }
                   inside && length($0) > 20 { print }' "$md" > "$LC/.answer"
    if [ -s "$LC/.answer" ] && grep -qxF -f "$LC/.answer" "$2/$md"; then echo "labs-check: $2/$md shows: $(grep -xF -f "$LC/.answer" "$2/$md" | head -n 1)"; return 1; fi
  done
  return 0
}
total() { sed -n 's/^  total *\([0-9]*\)\/\([0-9]*\).*/\1 \2/p' "$1" 2>/dev/null; }

rows=""
for rub in labs/lab*/grade/rubric; do
  n=$(echo "$rub" | sed 's|labs/lab\([0-9]*\)/.*|\1|')
  fill=$(echo "$FILL" | tr ' ' '\n' | sed -n "s/^$n=//p")
  [ -n "$fill" ] || { problem "$n" "no region to fill (FILL in labs/check.sh)"; continue; }
  labs/cut.sh "$n" "$LC/lab$n-handout" > /dev/null &&
    labs/cut.sh $(echo "$fill" | tr '+' '\n' | sed 's/^/-f /') "$n" "$LC/lab$n-filled" > /dev/null ||
    { problem "$n" "cut failed"; continue; }
  nx=$((n + 1)) solved_tree=""
  if [ -f "labs/lab$nx/grade/rubric" ]; then
    labs/cut.sh "$nx" "$LC/lab$n-solved" > /dev/null || { problem "$n" "cut failed"; continue; }
    solved_tree=solved
  fi
  for v in reference handout filled $solved_tree; do
    if [ "$v" = reference ]; then t=.; else t=$LC/lab$n-$v; fi
    # make grade's exit status: 0 at full marks, 1 below (2: the grader broke)
    GRADE_TRUSTED_SRC=1 labs/grade/grade.sh "$n" "$t" "$LC/lab$n-$v" > "$LC/lab$n-$v.txt" 2>&1
    rc=$?
    [ $rc -le 1 ] || { cat "$LC/lab$n-$v.txt"; problem "$n" "the grader failed on the $v tree"; }
    echo "$rc" > "$LC/lab$n-$v.rc"
  done
  set -- $(total "$LC/lab$n-reference/report.txt") x x
  ref=$1 max=$2
  set -- $(total "$LC/lab$n-handout/report.txt") x x
  hand=$1
  set -- $(total "$LC/lab$n-filled/report.txt") x x
  filled=$1
  solved=-
  if [ -n "$solved_tree" ]; then
    set -- $(total "$LC/lab$n-solved/report.txt") x x
    solved=$1/$max
    expect "$n" "lab $n done, later labs' stubs in place (the handout of lab $nx) scores $1/$max ($LC/lab$n-solved.txt)" \
      [ "$1" = "$max" ]
  fi
  rows="$rows$(printf '  %-4s %10s %10s %10s %10s   %s' "$n" "$ref/$max" "$hand/$max" "$filled/$max" "$solved" "$fill")
"
  case "$ref$hand$filled$max" in *x*) problem "$n" "a run printed no total (see $LC/lab$n-*.txt)"; continue ;; esac
  expect "$n" "the reference scores $ref/$max, not full marks ($LC/lab$n-reference.txt)" [ "$ref" -eq "$max" ]
  expect "$n" "the handout scores $hand/$max, more than a third" [ $((hand * 3)) -le "$max" ]
  expect "$n" "make grade exits $(cat "$LC/lab$n-reference.rc") at full marks, not 0" [ "$(cat "$LC/lab$n-reference.rc")" = 0 ]
  expect "$n" "make grade exits $(cat "$LC/lab$n-handout.rc") below full marks, not 1" [ "$(cat "$LC/lab$n-handout.rc")" = 1 ]
  expect "$n" "one region filled ($fill) scores $filled/$max, not between the handout and the reference" \
    between "$hand" "$filled" "$ref"
  expect "$n" "the README's rubric table does not match the rubric" readme_lists "$rub" "labs/lab$n/README.md"
  expect "$n" "the handout has no LICENSE, or another one" cmp -s LICENSE "$LC/lab$n-handout/LICENSE"
  expect "$n" "a document in the handout still shows an answer of lab $n or a later lab" doc_answers_cut "$n" "$LC/lab$n-handout"
  expect "$n" "a known answer is still in the handout (ANSWERS in labs/check.sh)" known_answers_cut "$n" "$LC/lab$n-handout"
  for v in handout filled; do
    expect "$n" "the $v tree builds with warnings ($LC/lab$n-$v/build.log)" no_warnings "$LC/lab$n-$v/build.log"
    expect "$n" "the $v tree fails to build or assemble ($LC/lab$n-$v.txt)" builds "$LC/lab$n-$v/report.txt"
  done
done

echo "labs-check: scores (reference / handout / regions filled back in / lab N done in lab N+1's handout)"
printf '  %-4s %10s %10s %10s %10s   %s\n' lab reference handout filled solved "regions filled"
printf '%s' "$rows"
echo "labs-check: $(($(date +%s) - start)) s$( [ $nfail -eq 0 ] && echo ", every lab honest" )"
echo "labs-check: $npass passed, $nfail failed"
[ $nfail -eq 0 ]
