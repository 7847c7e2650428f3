# guest: kern
# input: x
# The monitor's side: VCPU, traps and exits, counters, tracing, guests.
info vcpu
info traps
info tc
info tc 0x1000
info stats
trace on
stepi 12
until uloop
trace off
info traps
info vcpu
catch trap timer
continue
info vcpu
info registers
delete
continue
info stats
info traps
vm list
vm 1
