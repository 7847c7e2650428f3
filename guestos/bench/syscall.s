; bench-syscall: the null system call.  A user loop of getpid calls: each
; is a trap into the kernel, the dispatch and the return (iret).  Checks
; that every call returned the caller's pid.

#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
.equ ITERATIONS, 20000 / SCALE

.include "bench/head.inc"
bench_start:
.phase PROG_BASE
    push lr
    call getpid
    mov r9, r1                   ; r9: our pid, the answer every time
    li r10, ITERATIONS
    li r11, 0                    ; r11: calls made
    li r7, SYS_GETPID
1:  syscall                      ; ---- the measured loop ----
    cmp r1, r9
    bne .wrong
    addi r11, r11, 1
    cmp r11, r10
    blt 1b
    la r1, .ok
    mov r2, r11
    call printf
    pop lr
    li r1, 0
    ret
.wrong:
    mov r2, r1
    la r1, .bad
    call printf
    pop lr
    li r1, 1
    ret
.ok:  .asciz "bench syscall: %d getpid calls, ok\n"
.bad: .asciz "bench syscall: FAILED: getpid returned %d\n"
    .align 4
.dephase
bench_end:
.include "bench/tail.inc"
