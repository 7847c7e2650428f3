; bench-divzero: a fault that is not a page fault.  In the kernel, with a
; trap vector of its own, divide by zero in a loop: each division traps,
; the handler steps over it (epc + 4) and returns with iret.  Adams and
; Agesen's divzero: the fault path without the MMU's part.  Checks that
; every division trapped (the handler counts them).

.equ BENCH_KERNEL, 1
#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
.equ ITERATIONS, 20000 / SCALE

.include "bench/head.inc"
bench_kernel:
    mfc r9, tvec                 ; r9: the kernel's vector, put back after
    la r1, .onfault
    mtc tvec, r1
    li r6, 0                     ; r6: faults taken (the handler counts)
    li r3, 0
    li r4, ITERATIONS
    li r2, 0
1:  div r1, r4, r2               ; ---- the measured loop: a fault here ----
    addi r3, r3, 1
    cmp r3, r4
    blt 1b
    mtc tvec, r9
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
; The handler: count, step over the division, return.  (Only a division
; by zero can trap here: anything else is counted wrong by the check.)
.onfault:
    mfc r5, cause
    cmpi r5, CAUSE_DIVZERO
    bne .wrong
    addi r6, r6, 1
    mfc r5, epc
    addi r5, r5, 4
    mtc epc, r5
    iret
.ok:  .asciz "bench divzero: %d divisions by zero trapped, ok\n"
.bad: .asciz "bench divzero: FAILED: %d traps\n"
    .align 4
.include "bench/kinit.inc"
