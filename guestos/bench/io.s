; bench-io: port I/O.  In the kernel, read the console status port in a
; loop; check that only the two defined bits are ever set.

.equ BENCH_KERNEL, 1
#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
.equ ITERATIONS, 50000 / SCALE

.include "bench/head.inc"
bench_kernel:
    li r3, 0
    li r4, ITERATIONS
1:  in r1, PORT_CONS_STATUS      ; ---- the measured loop ----
    shri r2, r1, 2
    cmpi r2, 0
    bne .wrong
    addi r3, r3, 1
    cmp r3, r4
    blt 1b
    la r1, .ok
    mov r2, r3
    call kprintf
    li r1, 0
    halt r1
.wrong:
    mov r2, r1
    la r1, .bad
    call kprintf
    li r1, 1
    halt r1
.ok:  .asciz "bench io: %d console status reads, ok\n"
.bad: .asciz "bench io: FAILED: status 0x%x\n"
    .align 4
.include "bench/kinit.inc"
