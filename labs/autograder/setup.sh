#!/usr/bin/env bash
# setup.sh: Gradescope runs this once, as root, when it builds the
# autograder's image (labs/README.md, "Gradescope").  The grader needs a C
# compiler, Check and pkg-config; nothing else of the kit's tools.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq build-essential check pkg-config > /dev/null
chmod +x /autograder/source/run_autograder /autograder/source/kit/labs/grade/grade.sh /autograder/source/kit/labs/cut.sh
