#!/bin/sh
# deps.sh: install the Debian packages one make target needs (mk/deps.mk
# holds the table of targets and their packages).
#
#   mk/deps.sh TARGET PACKAGE[/COMMAND]...
#
# A package counts as installed when dpkg has it configured, also while
# triggers are pending on it (the status words "triggers-pending" and
# "triggers-awaited": its files are in place and configured; only another
# package's trigger processing, run by the next apt or dpkg, is left).
# PACKAGE/COMMAND asks for a command instead: there when it is on PATH,
# whoever installed it (node from nodesource, say, where Debian's nodejs
# would conflict), else PACKAGE is installed.
#
# What is missing is installed with apt-get when run as root; otherwise the
# exact command is printed and the status is 1.  A package manager that is
# busy (another apt or dpkg holds its lock: unattended upgrades, a second
# terminal) is waited for, with a line saying who holds it, for up to
# DEPS_WAIT seconds (default 300), trying again every DEPS_POLL seconds
# (default 5); then the status is 1 with a message to run make again.
# Without dpkg-query (not a Debian system) the list is printed and the
# build goes on: the compiler's messages will name what is missing.
#
# Exit status: 0 when every package is there (or was installed), 1 if not.
set -u
target=$1
shift
wait_max=${DEPS_WAIT:-300}
poll=${DEPS_POLL:-5}

# The commands first; then the packages dpkg has configured, one a line.
missing="" pkgs=""
for p in "$@"; do
  case $p in
    */*) command -v "${p#*/}" >/dev/null 2>&1 || missing="$missing ${p%%/*}" ;;
    *) pkgs="$pkgs $p" ;;
  esac
done
if [ -n "$pkgs" ] && ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps: $target: not a Debian system (no dpkg-query): make sure these are installed:$pkgs$missing"
  exit 0
fi
# shellcheck disable=SC2086 # (the list splits into packages)
installed=$([ -z "$pkgs" ] || dpkg-query -W -f='${Package} ${Status}\n' $pkgs 2>/dev/null |
  awk '$3 == "ok" && ($4 == "installed" || $4 == "triggers-pending" || $4 == "triggers-awaited") { print $1 }')
for p in $pkgs; do
  echo "$installed" | grep -qxF "${p%%:*}" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
  echo "deps: $target needs these Debian packages:$missing"
  echo "deps: run: sudo apt-get install -y$missing"
  exit 1
fi

# apt ARGS...: apt-get ARGS, waiting while another package manager runs.
# Its output goes to a log, shown when it fails.
log=$(mktemp "${TMPDIR:-/tmp}/vkit-deps-XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
apt() {
  waited=0
  while :; do
    if DEBIAN_FRONTEND=noninteractive apt-get "$@" > "$log" 2>&1; then return 0; fi
    lock=$(grep -m 1 -E 'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock' "$log")
    if [ -z "$lock" ]; then
      tail -n 20 "$log"
      echo "deps: $target: apt-get $1 failed (above)"
      return 1
    fi
    if [ "$waited" = 0 ]; then
      echo "deps: the package manager is busy (${lock#E: }); waiting up to ${wait_max}s"
    fi
    if awk -v w="$waited" -v m="$wait_max" 'BEGIN { exit !(w >= m) }'; then
      echo "deps: the package manager is still busy after ${wait_max}s; run make again when it is done" \
        "(or: apt-get install -y$missing)"
      return 1
    fi
    sleep "$poll"
    waited=$(awk -v w="$waited" -v p="$poll" 'BEGIN { print w + p }')
  done
}

echo "deps: $target: installing$missing"
# shellcheck disable=SC2086 # (the list splits into packages)
apt update -qq && apt install -y -qq $missing || exit 1
echo "deps: $target: installed$missing"
