; bench-privileged: privileged instructions.  In the kernel, turn
; interrupts off and on (cli, sti) in a loop.  Nothing is pending (the timer
; is off), so no interrupt may arrive: the check is that none did.  The PV
; build turns the virtual IF off and on instead (pv.inc: VCLI, VSTI).

.equ BENCH_KERNEL, 1
#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
.equ ITERATIONS, 100000 / SCALE

.include "bench/head.inc"
bench_kernel:
    li r3, 0
    li r4, ITERATIONS
#ifndef PV
1:  cli                          ; ---- the measured loop ----
    sti
#else
1:  VCLI                         ; ---- the measured loop (PV: the virtual IF, pv.inc) ----
    VSTI r5
#endif
    addi r3, r3, 1
    cmp r3, r4
    blt 1b
    cli
    la r1, ticks                 ; trap.s counts every timer interrupt
    lw r1, 0(r1)
    cmpi r1, 0
    bne .wrong
    la r1, .ok
    mov r2, r3
    call kprintf
    li r1, 0
    halt r1
.wrong:
    la r1, .bad
    call kprintf
    li r1, 1
    halt r1
#ifndef PV
.ok:  .asciz "bench privileged: %d cli/sti pairs, ok\n"
#else
.ok:  .asciz "bench privileged: %d virtual IF off/on pairs, ok\n"
#endif
.bad: .asciz "bench privileged: FAILED: an interrupt arrived\n"
    .align 4
.include "bench/kinit.inc"
