#!/bin/sh
# cut.sh: cut lab N's handout from this tree (labs/README.md).
#
#   labs/cut.sh [-f FILE:K]... N OUTDIR
#
# The handout is the whole kit with the solution regions of lab N and of
# every later lab replaced by their stubs:
#
#   #if LAB_SOLUTION >= M      the reference (kept when M < N)
#   #else                      the stub (kept when M >= N)
#   #endif
#
# The marked files are found by grep (every C or assembly file with such a
# line: .c .h .s .inc); each is
# run through unifdef -DLAB_SOLUTION=N-1 (-t for assembly, docs/asm.md),
# which also removes the markers.  Left out: build products, .git, .ci (the
# kit's own CI: a handout fails it by design), the autograder (the
# instructor's), the labs' lists of equivalent mutants (they quote the
# solutions), every other lab's graded tests, and the graded tests that
# are hidden until after the deadline (labs/labN/grade/hidden.c and their
# rubric rows).  Written into the handout: labs/labN/FILES, the files with
# lab N's regions (what the autograder takes from a submission).
#
# A Markdown document may hold an answer too, between the lines
#   <!-- #if LAB_SOLUTION >= M (why) -->   and   <!-- #endif -->
# which the handouts of lab M and earlier replace by a one-line note (as
# code: lab N's handout keeps the answers of the labs before N).
#
# -f FILE:K fills lab N's K-th region of FILE (counting from 1) back in
# from the reference (repeat -f for several): `make labs-check` uses it to
# prove that part of a lab done scores between the handout and full marks.
#
# Files come from git (tracked and untracked but not ignored) when this is
# a git work tree, else from find.  Exit status 0, or 1 with a message.
set -eu

fills=""
while [ $# -gt 0 ] && [ "$1" = -f ]; do fills="$fills $2"; shift 2; done
[ $# -eq 2 ] || { echo "usage: labs/cut.sh [-f FILE:K]... N OUTDIR" >&2; exit 1; }
N=$1 OUTDIR=$2
case $N in [1-9]) ;; *) echo "cut: bad lab number $N" >&2; exit 1 ;; esac
TOP=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$TOP/labs/lab$N" ] || { echo "cut: no lab $N (labs/lab$N)" >&2; exit 1; }
command -v unifdef >/dev/null || { echo "cut: unifdef is not installed (apt-get install unifdef)" >&2; exit 1; }
MARK='^[[:space:]]*#[[:space:]]*if[[:space:]]+LAB_SOLUTION[[:space:]]*>='
MDMARK='^<!-- #if LAB_SOLUTION >='

OUTDIR=$(realpath -m "$OUTDIR")
case $TOP/ in "${OUTDIR%/}"/*) echo "cut: $OUTDIR would hold the tree itself" >&2; exit 1 ;; esac

cd "$TOP"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files --cached --others --exclude-standard | sort -u)
else
  files=$(find . -path ./build -prune -o -path ./bin -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||' | sort)
fi

rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"
: > "$OUTDIR/.marked"
echo "$files" | while read -r f; do
  [ -f "$f" ] || continue # (deleted but still in git's index)
  case $f in
    build/* | bin/* | .ci/* | labs/autograder/* | labs/lab*/equivalent-mutants) continue ;;
    labs/lab"$N"/grade/hidden.c) continue ;;
    labs/lab*/grade/*) case $f in labs/lab"$N"/grade/*) ;; *) continue ;; esac ;;
  esac
  mkdir -p "$OUTDIR/$(dirname "$f")"
  case $f in *.c | *.h | *.s | *.inc) src=1 ;; *) src=0 ;; esac # (docs may show markers)
  if [ $src = 1 ] && grep -Eq "$MARK" "$f"; then
    echo "$f" >> "$OUTDIR/.marked"
  elif case $f in *.md) grep -q "$MDMARK" "$f" ;; *) false ;; esac; then
    # A document's answer to a lab: <!-- #if LAB_SOLUTION >= M ... -->
    # up to <!-- #endif -->, dropped from lab M's handout and earlier ones.
    awk -v n="$N" '
      index($0, "<!-- #if LAB_SOLUTION >=") == 1 {
        m = $0; sub(/.*>=[ \t]*/, "", m); sub(/[^0-9].*/, "", m)
        drop = (m + 0 >= n + 0); inside = 1
        if (drop) print "*(Left out of this handout: it is part of lab " m "'"'"'s answer.)*"
        next
      }
      inside && index($0, "<!-- #endif -->") == 1 { inside = 0; drop = 0; next }
      !drop { print }' "$f" > "$OUTDIR/$f"
    touch -r "$f" "$OUTDIR/$f"
  else
    cp -p "$f" "$OUTDIR/$f"
  fi
done

# The marked files: the K-th region of a fill is renamed LAB_FILL (kept).
status=0
for f in $(cat "$OUTDIR/.marked"); do
  src=$f
  ks=""
  for fk in $fills; do
    if [ "${fk%:*}" = "$f" ]; then ks="$ks,${fk##*:}"; fi
  done
  if [ -n "$ks" ]; then
    awk -v n="$N" -v ks="$ks," '
      /^[ \t]*#[ \t]*if[ \t]+LAB_SOLUTION[ \t]*>=/ {
        v = $0; sub(/.*>=[ \t]*/, "", v); sub(/[ \t].*/, "", v)
        if (v + 0 == n + 0 && index(ks, "," (++seen) ",")) { print "#if LAB_FILL"; filled++; next }
      }
      { print }
      END { if (filled != split(ks, x, ",") - 2) { print "cut: no region " ks " of lab " n > "/dev/stderr"; exit 1 } }' "$f" > "$OUTDIR/.fill" ||
      { status=1; continue; }
    src=$OUTDIR/.fill
  fi
  case $f in *.s | *.inc) t=-t ;; *) t= ;; esac
  # unifdef: 0 unchanged, 1 changed, 2 trouble
  rc=0
  unifdef $t -DLAB_SOLUTION=$((N - 1)) -DLAB_FILL=1 -o "$OUTDIR/$f" "$src" || rc=$?
  [ $rc -le 1 ] || { echo "cut: unifdef failed on $f" >&2; status=1; }
  touch -r "$f" "$OUTDIR/$f"
  if grep -Eq "${MARK}[[:space:]]*$N([^0-9]|$)" "$f"; then echo "$f"; fi >> "$OUTDIR/.lab"
done
rm -f "$OUTDIR/.fill"
[ $status -eq 0 ] || exit 1
SRCS="--include=*.c --include=*.h --include=*.s --include=*.inc"
# shellcheck disable=SC2086
if grep -rlE "$MARK|^#if LAB_FILL" $SRCS "$OUTDIR" >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  echo "cut: markers left in: $(grep -rlE "$MARK|^#if LAB_FILL" $SRCS "$OUTDIR" | head -n 3)" >&2
  exit 1
fi

# The handout's rubric: visible tests only (their code is the handout's).
if [ -f "labs/lab$N/grade/rubric" ]; then
  awk '/^#/ || NF == 0 || $3 == "visible"' "labs/lab$N/grade/rubric" > "$OUTDIR/labs/lab$N/grade/rubric"
fi
{ echo "# Generated by labs/cut.sh: the files with lab $N's regions (a submission's files)."
  sort -u "$OUTDIR/.lab" 2>/dev/null
} > "$OUTDIR/labs/lab$N/FILES"
rm -f "$OUTDIR/.marked" "$OUTDIR/.lab"
echo "cut: lab $N -> $OUTDIR ($(grep -vc '^#' "$OUTDIR/labs/lab$N/FILES") files to work on)"
