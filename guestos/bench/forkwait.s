; bench-forkwait: process creation and teardown.  Each iteration forks a
; child (the kernel copies the address space), the child exits at once with
; a status, and the parent waits for it and checks the status.

#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
#ifndef ITERATIONS                ; -D ITERATIONS=N: a longer run (make bench: the seed's 5%)
.equ ITERATIONS, 64 / SCALE
#endif

.include "bench/head.inc"
bench_start:
.phase PROG_BASE
    push lr
    li r9, 0                     ; r9: iterations done
1:  call fork                    ; ---- the measured loop ----
    cmpi r1, 0
    blt .nofork
    bne 2f
    andi r1, r9, 63              ; the child: exit at once
    call exit
2:  mov r10, r1                  ; the parent: wait for it
    call wait
    cmp r1, r10
    bne .wrong
    andi r3, r9, 63
    cmp r2, r3
    bne .wrong
    addi r9, r9, 1
    cmpi r9, ITERATIONS
    blt 1b
    la r1, .ok
    mov r2, r9
    call printf
    pop lr
    li r1, 0
    ret
.nofork:
    la r1, .nof
    call printf
    pop lr
    li r1, 1
    ret
.wrong:
    mov r3, r2
    mov r2, r1
    la r1, .bad
    call printf
    pop lr
    li r1, 1
    ret
.ok:  .asciz "bench forkwait: %d fork/exit/wait cycles, ok\n"
.nof: .asciz "bench forkwait: FAILED: fork\n"
.bad: .asciz "bench forkwait: FAILED: wait gave pid %d status %d\n"
    .align 4
.dephase
bench_end:
.include "bench/tail.inc"
