# guest: calls
# status: 1
# backtrace by the frame convention: in a leaf, in a prologue and an
# epilogue, after pushf, with N, past the start.
backtrace
break main
run
bt
delete
break leaf.lin
continue
backtrace
bt 2
where 1
delete
break middle.lpop
continue
bt
delete
break middle.lret
continue
bt
delete
break outer.lepi
continue
bt
delete
continue
bt
backtrace 0
backtrace -1
backtrace nosuch
