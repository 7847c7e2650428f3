#!/bin/sh
# course.sh: an example PrairieLearn course for lab N (make prairielearn).
#
#   labs/autograder/prairielearn/course.sh N OUT
#
# OUT/Dockerfile                          the grader image (one for all labs)
# OUT/course/infoCourse.json              a course to copy from
# OUT/course/questions/vkit-labN/         the question: info.json (external
#                                         grading: image, entrypoint,
#                                         serverFilesCourse, timeout) and
#                                         question.html (upload the lab's
#                                         files; the grader's results)
# OUT/course/serverFilesCourse/vkit-labN/ the grader (package.sh): never
#                                         served to students
set -eu
[ $# -eq 2 ] || { echo "usage: labs/autograder/prairielearn/course.sh N OUT" >&2; exit 2; }
N=$1 OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../../.." && pwd)
rm -rf "$OUT" && mkdir -p "$OUT/course/questions/vkit-lab$N" "$OUT/course/serverFilesCourse"
"$TOP/labs/autograder/package.sh" "$N" "$OUT/course/serverFilesCourse/vkit-lab$N" > /dev/null
cp "$HERE/Dockerfile" "$OUT/"
title=$(sed -n '1s/^# *//p' "$TOP/labs/lab$N/grade/rubric")
names=$(grep -v '^#' "$OUT/course/serverFilesCourse/vkit-lab$N/kit/labs/lab$N/FILES" | xargs -n 1 basename | paste -sd, -)
uuid() { # a fixed UUID per lab and name: the same course every build
  h=$(printf 'vkit %s %s' "$N" "$1" | sha1sum | cut -c1-32)
  echo "$h" | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12})$/\1-\2-\3-\4-\5/'
}
cat > "$OUT/course/infoCourse.json" <<JSON
{
  "uuid": "$(uuid course)",
  "name": "VKIT",
  "title": "Virtual machine monitors (the VMM kit's labs)",
  "topics": [{"name": "Virtualization", "color": "blue1"}],
  "tags": [{"name": "vkit", "color": "gray1"}]
}
JSON
cat > "$OUT/course/questions/vkit-lab$N/info.json" <<JSON
{
  "uuid": "$(uuid question)",
  "title": "$title",
  "topic": "Virtualization",
  "tags": ["vkit"],
  "type": "v3",
  "singleVariant": true,
  "gradingMethod": "External",
  "externalGradingOptions": {
    "enabled": true,
    "image": "vkit-grader",
    "serverFilesCourse": ["vkit-lab$N/"],
    "entrypoint": "/grade/serverFilesCourse/vkit-lab$N/pl-grade $N",
    "timeout": 600
  }
}
JSON
cat > "$OUT/course/questions/vkit-lab$N/question.html" <<HTML
<pl-question-panel>
  <p>$title.</p>
  <p>Upload the files you wrote ($names): the grader builds your tree in a
  sandbox and compares every run of your monitor with the reference's.
  The README of the lab says what each test checks.</p>
</pl-question-panel>

<pl-file-upload file-names="$names"></pl-file-upload>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
HTML
echo "prairielearn: $OUT (copy course/ into your course; build the image from $OUT/Dockerfile)"
