#!/usr/bin/env bash
# setup.sh: Gradescope runs this once, as root, when it builds the
# autograder's image (labs/README.md, "Gradescope").  The grader needs a C
# compiler, Check, pkg-config and unzip (a submission may be a zip).  Then
# it grades the bare handout once, which builds and caches the grader and
# the reference, and shows in the image's build log that grading works.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq build-essential check pkg-config unzip > /dev/null
SRC=/autograder/source
chmod +x "$SRC/run_autograder" "$SRC/ref/labs/grade/grade.sh" "$SRC/ref/labs/grade/collect.sh"
chmod -R go-rwx "$SRC"
"$SRC/ref/labs/grade/grade.sh" --any-score "$(cat "$SRC/LAB")" "$SRC/kit" /tmp/vkit-setup-check | tail -n 3
rm -rf /tmp/vkit-setup-check
