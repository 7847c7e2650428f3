#!/bin/sh
# package.sh: the grader for lab N as a folder a platform runs
# (labs/README.md, "Gradescope" and "PrairieLearn").
#
#   labs/autograder/package.sh N OUT
#
# OUT/LAB   the lab's number
# OUT/kit/  the lab's handout (labs/cut.sh): a submission is its files put
#           into a copy of this
# OUT/ref/  the grader: the parts of this tree grading needs, with every
#           solution, the lab's hidden tests and its full rubric (cpu/,
#           assembler/, vmm/, guestos/, tests/guests/, labs/grade/,
#           labs/lab1/, labs/labN/, LICENSE)
# OUT/setup.sh, OUT/run_autograder   Gradescope's two scripts
# OUT/pl-grade                       PrairieLearn's entry point
#
# Nothing in OUT is for students: ref/ holds the answers.
set -eu
[ $# -eq 2 ] || { echo "usage: labs/autograder/package.sh N OUT" >&2; exit 2; }
N=$1 OUT=$2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$TOP/labs/lab$N/grade/rubric" ] || { echo "package: no lab $N" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT/ref"
"$TOP/labs/cut.sh" "$N" "$OUT/kit" > /dev/null
cd "$TOP"
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  files=$(git ls-files --cached --others --exclude-standard -- cli cpu assembler vmm guestos tests/guests labs/grade labs/lab1 "labs/lab$N" LICENSE)
else
  files=$(find cli cpu assembler vmm guestos tests/guests labs/grade labs/lab1 "labs/lab$N" LICENSE -type f)
fi
for f in $files; do
  [ -f "$f" ] || continue
  mkdir -p "$OUT/ref/$(dirname "$f")" && cp -p "$f" "$OUT/ref/$f"
done
cp labs/autograder/setup.sh labs/autograder/run_autograder labs/autograder/pl-grade "$OUT/"
echo "$N" > "$OUT/LAB"
echo "package: lab $N -> $OUT (kit/: the handout; ref/: the grader, with the answers)"
