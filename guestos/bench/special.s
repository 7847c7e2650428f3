; bench-special: special instructions.  In the kernel, save and restore
; the flags (pushf, popf) in a loop, as every critical section does, and
; check that the saved word says kernel mode.  (A monitor that runs the
; kernel in user mode must intercept pushf to keep this true.)  The PV
; build saves and restores the virtual IF instead, as its critical
; sections do (irq.inc), and checks it stays off.

.equ BENCH_KERNEL, 1
#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
.equ ITERATIONS, 80000 / SCALE

.include "bench/head.inc"
bench_kernel:
    li r3, 0
    li r4, ITERATIONS
#ifndef PV
1:  pushf                        ; ---- the measured loop ----
    lw r1, 0(sp)
    popf
    andi r1, r1, FLAG_KM
    cmpi r1, 0
    beq .wrong
#else
1:  IRQ_SAVE r1                  ; ---- the measured loop (PV: irq.inc) ----
    lw r1, 0(sp)                 ; the saved virtual IF: off in the kernel
    IRQ_RESTORE r5
    cmpi r1, 0
    bne .wrong
#endif
    addi r3, r3, 1
    cmp r3, r4
    blt 1b
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
.ok:  .asciz "bench special: %d pushf/popf pairs, ok\n"
#else
.ok:  .asciz "bench special: %d virtual IF save/restore pairs, ok\n"
#endif
#ifndef PV
.bad: .asciz "bench special: FAILED: pushf says user mode\n"
#else
.bad: .asciz "bench special: FAILED: the virtual IF was on\n"
#endif
    .align 4
.include "bench/kinit.inc"
