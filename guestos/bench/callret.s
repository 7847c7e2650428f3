; bench-callret: calls and returns in the kernel.  A loop calls a leaf
; subroutine that returns at once (ret is jr lr: an indirect jump, which
; a binary translator cannot simply copy).  Adams and Agesen's call/ret.
; Checks that every call came back (the subroutine counts them).

.equ BENCH_KERNEL, 1
#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
.equ ITERATIONS, 100000 / SCALE

.include "bench/head.inc"
bench_kernel:
    li r6, 0                     ; r6: calls the subroutine saw
    li r3, 0
    li r4, ITERATIONS
1:  call .leaf                   ; ---- the measured loop ----
    addi r3, r3, 1
    cmp r3, r4
    blt 1b
    cmp r6, r4
    bne .wrong
    la r1, .ok
    mov r2, r6
    call kprintf
    li r1, 0
    halt r1
.wrong:
    la r1, .bad
    mov r2, r6
    call kprintf
    li r1, 1
    halt r1
.leaf:
    addi r6, r6, 1
    ret
.ok:  .asciz "bench callret: %d call/ret pairs, ok\n"
.bad: .asciz "bench callret: FAILED: %d calls returned\n"
    .align 4
.include "bench/kinit.inc"
