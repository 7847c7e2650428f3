#!/bin/sh
# collect.sh: turn what a student uploaded into a tree to grade
# (labs/README.md, "Submissions").
#
#   labs/grade/collect.sh N SUBMISSION KIT TREE NOTES
#
#   SUBMISSION  what the student handed in: a folder (Gradescope's
#               /autograder/submission, PrairieLearn's /grade/student, a
#               clone of their repository) holding the lab's files alone, a
#               whole tree, or an archive (.tar.gz, .tgz, .tar, .zip: the
#               handout's own tarball, `make handin`'s zip); or one file
#   KIT         the lab's handout (its labs/labN/FILES lists the files a
#               submission is made of)
#   TREE        made here: KIT with the submission's version of each of
#               those files put in
#   NOTES       made here: for the student, which files were graded (and
#               from where in the upload), which were missing (the
#               handout's version graded), which were ignored
#
# Each file of labs/labN/FILES is looked for, among the upload's regular
# files (archives unpacked first), at its path under any folder (the
# shortest such path wins: lab1/labs/lab1/kernel.s is labs/lab1/kernel.s,
# guestos/kernel.s is not), else by its name alone when exactly one file
# has it.  Symbolic links are never followed nor taken: an upload cannot
# point the grader at a file of the grader's.  Exit status 0, or 2 on bad
# arguments.
set -u
[ $# -eq 5 ] || { echo "usage: labs/grade/collect.sh N SUBMISSION KIT TREE NOTES" >&2; exit 2; }
N=$1 SUB=$2 KIT=$3 TREE=$4 NOTES=$5
FILES=$KIT/labs/lab$N/FILES
[ -f "$FILES" ] || { echo "collect: no $FILES" >&2; exit 2; }
[ -e "$SUB" ] || { echo "collect: no submission $SUB" >&2; exit 2; }
U=$(mktemp -d) || exit 2
trap 'rm -rf "$U"' EXIT
rm -rf "$TREE" && cp -r "$KIT" "$TREE" || exit 2
: > "$NOTES"

# ---- the upload's regular files, archives unpacked (no link survives) ----
if [ -d "$SUB" ]; then
  (cd "$SUB" && find . -type f ! -path './.git/*' -print) | while read -r f; do
    mkdir -p "$U/up/$(dirname "$f")" && cp "$SUB/$f" "$U/up/$f"
  done
else
  mkdir -p "$U/up" && cp "$SUB" "$U/up/$(basename "$SUB")"
fi
(cd "$U/up" && find . -type f \( -name '*.tar.gz' -o -name '*.tgz' -o -name '*.tar' -o -name '*.zip' \) | sort) > "$U/archives"
while read -r a; do
  d="$U/up/$a.d"
  mkdir -p "$d"
  case $a in
    *.zip) (ulimit -f 262144; timeout 60 unzip -qq -o "$U/up/$a" -d "$d") > /dev/null 2>&1 ;;
    *) (ulimit -f 262144; timeout 60 tar -xf "$U/up/$a" -C "$d" --no-same-owner --no-same-permissions) > /dev/null 2>&1 ;;
  esac
  find "$d" -type l -delete 2>/dev/null
  rm -f "$U/up/$a"
  echo "${a#./}" >> "$U/unpacked"
done < "$U/archives"
unpacked=$( [ -f "$U/unpacked" ] && tr '\n' ' ' < "$U/unpacked")
find "$U/up" -type l -delete 2>/dev/null
(cd "$U/up" && find . -type f -print | sed 's|^\./||' | sort) > "$U/all"

# a path of the upload as the student knows it: ARCHIVE: PATH inside it
shown() { echo "$1" | sed -E 's#\.(tar\.gz|tgz|tar|zip)\.d/#.\1: #'; }

# ---- each of the lab's files ----
: > "$U/used"
graded="" missing=""
for f in $(grep -v '^#' "$FILES"); do
  hit=$(awk -v f="$f" '$0 == f || substr($0, length($0) - length(f)) == "/" f { print length($0), $0 }' "$U/all" |
    sort -n | head -n 1 | cut -d' ' -f2-)
  if [ -z "$hit" ]; then
    b=$(basename "$f")
    hit=$(awk -v b="$b" '$0 == b || substr($0, length($0) - length(b)) == "/" b' "$U/all")
    [ "$(printf '%s\n' "$hit" | grep -c .)" = 1 ] || hit=""
  fi
  if [ -n "$hit" ]; then
    cp "$U/up/$hit" "$TREE/$f" && echo "$hit" >> "$U/used"
    graded="$graded
  $f$( [ "$hit" = "$f" ] || echo "  (your $(shown "$hit"))")"
  else
    missing="$missing
  $f"
  fi
done

# ---- the notes ----
{
  echo "Lab $N: the files graded are the ones the lab asks for (labs/lab$N/FILES)."
  [ -z "$unpacked" ] || echo "Unpacked: $unpacked"
  if [ -n "$graded" ]; then echo "Graded, from your submission:$graded"; fi
  if [ -n "$missing" ]; then
    echo "Not in your submission (the handout's version was graded in its place):$missing"
  fi
  grep -vxF -f "$U/used" "$U/all" > "$U/ignored" 2>/dev/null || cp "$U/all" "$U/ignored"
  [ -s "$U/used" ] || cp "$U/all" "$U/ignored"
  n=$(grep -c . "$U/ignored")
  if [ "$n" -gt 0 ]; then
    # the ignored files a student changed (or added): the ones worth naming
    : > "$U/changed"
    while read -r g; do
      k=$g
      while [ -n "$k" ] && [ ! -f "$KIT/$k" ]; do
        case $k in */*) k=${k#*/} ;; *) k="" ;; esac
      done
      if [ -z "$k" ] || ! cmp -s "$U/up/$g" "$KIT/$k"; then echo "$g" >> "$U/changed"; fi
    done < "$U/ignored"
    c=$(grep -c . "$U/changed")
    echo "Ignored: $n other file$( [ "$n" = 1 ] || echo s) of your submission ($((n - c)) the same as the handout's)$( [ "$c" = 0 ] && echo . || echo ", these not:")"
    head -n 30 "$U/changed" | while read -r g; do echo "  $(shown "$g")"; done
    [ "$c" -le 30 ] || echo "  ... and $((c - 30)) more"
  fi
} > "$NOTES"
exit 0
