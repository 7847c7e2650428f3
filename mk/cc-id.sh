#!/bin/sh
# cc-id.sh CC: which compiler CC is, as FAMILY-MAJOR (gcc-12, clang-16),
# or "unknown".  The Makefile turns warnings into errors only on the
# compilers it knows (WERROR_COMPILERS).
v=$("$@" -dumpversion 2>/dev/null | cut -d. -f1)
case $v in '' | *[!0-9]*) echo unknown; exit 0 ;; esac
if "$@" --version 2>/dev/null | grep -q 'clang version'; then
  echo "clang-$v"
elif "$@" -v 2>&1 | grep -q '^gcc version'; then
  echo "gcc-$v"
else
  echo unknown
fi
