# guest: kern
# Registers, expressions, displays, memory and disassembly.
info registers
info creg
print 1 + 2 * 3
p/x 255
p/o 8
p/t 10
p/c 'A'
p/d -1
p -1
p $pc
p $sp
p _start + 4
p (uloop - user) / 4
p $
p $2 + $1
p 0x10 << 4 | 7 & 3 ^ 1
p/a uloop + 8
display $r1
display/x $pc
display/i $pc
info display
stepi 2
undisplay 1
stepi
undisplay
stepi
x/4xw _start
x
x/8xb 0x1000
x/2xh 0x1000
x/3dw 0x10c8
x/2uw 0x10c8
x/2ow 0x1000
x/2tb 0x1000
x/4c 0x1000
x/2a 0x1000
x/3i $pc
x/s 0x4000
xp/2xw 0x1000
xh/2xw 0x1000
disassemble
disassemble on_timer
disassemble _start,+12
disassemble 0x1010,0x101c
until uloop
info registers
info registers flags ptb tick
x/2i $pc
x/xw sum
xp/xw 0x9000
