; forktest.s: fork and wait.  The parent forks three children that share
; the CPU: each does an amount of work (child 1 the most), so the timer
; preempts them in turn and they finish in reverse order.  Each exits with
; its own status, which the parent collects with wait.  A child also
; changes a variable that the parent then checks: fork copied the memory.

.equ FT_CHILDREN, 3
.equ FT_WORK, 15000              ; loop iterations per unit of work

forktest_start:
.phase PROG_BASE
forktest_main:
    addi sp, sp, -16
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r11, 12(sp)
    call getpid
    mov r2, r1
    la r1, .hello
    li r3, FT_CHILDREN
    call printf
    li r9, 1                     ; r9: child number
.fork:
    call fork
    cmpi r1, 0
    beq .child
    blt .forkfail
    addi r9, r9, 1
    cmpi r9, FT_CHILDREN
    ble .fork
    li r10, 0                    ; r10: children collected
    li r11, 0                    ; r11: sum of their statuses
.wait:
    call wait
    cmpi r1, 0
    blt .waited
    add r11, r11, r2
    mov r3, r2
    mov r2, r1
    la r1, .reaped
    call printf
    addi r10, r10, 1
    jmp .wait
.waited:
    la r1, .summary
    mov r2, r10
    mov r3, r11
    call printf
    la r1, .shared
    lw r2, 0(r1)
    la r1, .memory
    call printf
    li r1, 0
    la r2, .shared
    lw r2, 0(r2)
    cmpi r2, 42
    beq 1f
    li r1, 1                     ; a child's store reached us: fork is broken
1:  cmpi r10, FT_CHILDREN
    beq 2f
    li r1, 1
2:  lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    lw r11, 12(sp)
    addi sp, sp, 16
    ret
.forkfail:
    la r1, .nofork
    call printf
    li r1, 1
    call exit

; A child: r9 = its number.  Work (4 - r9) units, report, exit(r9).
.child:
    call getpid
    mov r10, r1
    la r1, .start
    mov r2, r9
    mov r3, r10
    call printf
    la r1, .shared               ; our own copy
    addi r2, r9, 1000
    sw r2, 0(r1)
    li r2, 4
    sub r2, r2, r9
    li r3, FT_WORK
    mul r2, r2, r3               ; r2: iterations
    li r3, 0                     ; r3: i
    li r4, 0                     ; r4: sum of i
3:  add r4, r4, r3
    addi r3, r3, 1
    cmp r3, r2
    blt 3b
    la r1, .done
    mov r2, r9
    mov r3, r10
    call printf
    mov r1, r9
    call exit

.shared:  .word 42
.hello:   .asciz "forktest: parent pid %d forks %d children\n"
.start:   .asciz "forktest: child %d (pid %d) starts\n"
.done:    .asciz "forktest: child %d (pid %d) done, sum %d\n"
.reaped:  .asciz "forktest: child pid %d exited with status %d\n"
.summary: .asciz "forktest: %d children, statuses add up to %d\n"
.memory:  .asciz "forktest: the parent's variable is still %d\n"
.nofork:  .asciz "forktest: fork failed\n"
    .align 4
.dephase
forktest_end:
