; loop-mem: a memory-bound loop over a 64 KiB working set (16 pages), a
; load and a store every iteration, paging on.  9 instructions an iteration.
        .include "paging.inc"
        .org 0x1000
_start: paging_on
        li   r1, ITERS
        li   r8, 0x10000          ; the working set: 0x10000 .. 0x1ffff
        li   r6, 0
loop:   add  r7, r8, r6
        lw   r2, 0(r7)
        add  r2, r2, r1
        sw   r2, 0(r7)
        addi r6, r6, 68           ; stride of 17 words: every page, every line
        andi r6, r6, 0xfffc
        addi r1, r1, -1
        cmpi r1, 0
        bne  loop
        halt r0
