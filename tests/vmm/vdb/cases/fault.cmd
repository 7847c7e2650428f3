# guest: fault
# status: 1
# A guest that wrecks its machine, and what can still be done.
catch trap
continue
info registers pc r2
x/i $pc
stepi
reverse-stepi
x/i $pc
info traps
info history
run
