# guest: kern
# source runs a file of commands; # lines are comments, empty lines nothing.
source tests/vmm/vdb/cases/sourced.vdb
p $r1
