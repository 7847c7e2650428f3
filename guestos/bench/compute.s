; bench-compute: user-mode arithmetic and nothing else: no system call, no
; page fault and (the timer is off) no interrupt inside the loop, so a
; monitor should run it at full speed.  A linear congruential generator
; (the C library's constants) feeds a running sum; the result is checked
; against the value worked out beforehand.

.equ ITERATIONS, 2000000
.equ EXPECTED, 0x41721ad9        ; the sum after ITERATIONS steps from seed 1

.include "bench/head.inc"
bench_start:
.phase PROG_BASE
    push lr
    li r2, 1                     ; r2: x
    li r3, 0                     ; r3: sum
    li r4, 0                     ; r4: i
    li r5, 1103515245            ; r5: the multiplier
    li r6, ITERATIONS
1:  mul r2, r2, r5               ; ---- the measured loop ----
    addi r2, r2, 12345           ; x = x * 1103515245 + 12345
    shri r7, r2, 16
    add r3, r3, r7               ; sum += x >> 16
    addi r4, r4, 1
    cmp r4, r6
    blt 1b
    li r1, EXPECTED
    cmp r3, r1
    bne .wrong
    la r1, .ok
    mov r2, r4
    call printf
    pop lr
    li r1, 0
    ret
.wrong:
    mov r2, r3
    la r1, .bad
    call printf
    pop lr
    li r1, 1
    ret
.ok:  .asciz "bench compute: %d iterations, sum checks out, ok\n"
.bad: .asciz "bench compute: FAILED: sum 0x%x\n"
    .align 4
.dephase
bench_end:
.include "bench/tail.inc"
