# guest: kern
# The address spaces and the tables between them.
info pt
info pt 0x1000
translate 0x1000
info tlb
info shadow
info npt
until uloop
info pt
info pt uloop
info pt sum
info pt 0x00402000
info pt 0x00800000
info pt 0x80000000
translate uloop
translate sum
translate 0x00800000
info tlb
info shadow
info shadow sum
info shadow uloop
info npt
stepi 3
info shadow sum
translate sum
dot pt build/vdb-tests/memory.pt.dot
dot shadow build/vdb-tests/memory.shadow.dot
dot tlb build/vdb-tests/memory.tlb.dot
dot npt build/vdb-tests/memory.npt.dot
xh/2xw 0x9000
