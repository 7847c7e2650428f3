# guest: kern
# input: x
# status: 1
# Running forward: stepi, nexti over a call and over a syscall, until,
# continue (and continue N), the finished guest, run again from reset.
info history
stepi
stepi 3
si
until user
until uloop+32
nexti
info registers pc r1 r2 sp lr
nexti 3
tbreak putc
continue
info breakpoints
stepi
nexti
x/i $pc
break uloop+44
continue
continue
stepi
continue
run
continue 2
info history
