; loop-reg: a compute-bound loop, registers only, paging on.
; bench/cloop.c has the same loop in C.  8 instructions an iteration.
        .include "paging.inc"
        .org 0x1000
_start: paging_on
        li   r1, ITERS
        li   r2, 1
        li   r3, 3
        li   r4, 0
loop:   add  r2, r2, r3
        xor  r4, r4, r2
        addi r3, r3, 7
        shli r5, r2, 1
        sub  r4, r4, r5
        addi r1, r1, -1
        cmpi r1, 0
        bne  loop
        andi r4, r4, 63           ; a result, so the loop is not dead code
        halt r0
