# guest: kern
# input: x
# Every info view, exactly: at reset, at a breakpoint in user mode, at the end.
info registers
info registers r1 sp pc ptb flags
info creg
info breakpoints
info display
info history
info tlb
info pt
info pt _start
info shadow
info shadow _start
info npt
info npt 0x1000
info vcpu
info traps
info tc
info tc _start
info stats
break uloop
tbreak on_syscall
catch trap timer
display/i $pc
display r4
continue 3
info registers
info creg
info breakpoints
info display
info history
info tlb
info pt
info pt uloop
info shadow
info shadow uloop
info npt
info npt 0x8000
info vcpu
info traps
info tc
info tc uloop
info stats
undisplay
delete
continue
info breakpoints
info history
info vcpu
info traps
info stats
