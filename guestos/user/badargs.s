; badargs.s: system calls with bad arguments fail cleanly: each returns -1
; and the kernel goes on (an unknown call number also gets a kernel
; message).  Pointers into the kernel, page 0, read-only memory or nowhere
; are refused; a pointer into the heap that was never touched is fine (the
; kernel brings the page in, as a fault would).  Exits with the number of
; calls that did not behave.

badargs_start:
.phase PROG_BASE
badargs_main:
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    la r9, .cases                ; r9: the next case: name, number, r1, r2, r3, want
    li r10, 0                    ; r10: cases that went wrong
.next:
    lw r1, 0(r9)
    cmpi r1, 0
    beq .heap
    lw r7, 4(r9)
    lw r1, 8(r9)
    lw r2, 12(r9)
    lw r3, 16(r9)
    syscall
    lw r4, 20(r9)
    mov r3, r1
    lw r2, 0(r9)
    la r1, .ok
    cmp r3, r4
    beq 1f
    la r1, .bad
    addi r10, r10, 1
1:  call printf
    addi r9, r9, 24
    jmp .next
.heap:                           ; the kernel writes into an untouched page
    li r1, PAGE_SIZE
    call sbrk
    mov r9, r1
    li r1, 0                     ; (slot 0 is init)
    mov r2, r9
    call procinfo
    lw r2, PI_PID(r9)
    li r3, 0
    cmpi r1, 1
    bne 2f
    cmpi r2, 1
    bne 2f
    li r3, 1
2:  la r1, .heap_ok
    cmpi r3, 1
    beq 3f
    la r1, .heap_bad
    addi r10, r10, 1
3:  call printf
    la r1, .summary
    mov r2, r10
    call printf
    mov r1, r10
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    addi sp, sp, 12
    ret

.cases:  ;  name     number        r1           r2            r3          result
    .word .c1,  SYS_WRITE,    1,           KERNEL_BASE,  4,          -1
    .word .c2,  SYS_WRITE,    1,           0,            4,          -1
    .word .c3,  SYS_WRITE,    1,           USER_TOP - 2, 4,          -1
    .word .c4,  SYS_WRITE,    5,           PROG_BASE,    1,          -1
    .word .c5,  SYS_WRITE,    1,           PROG_BASE,    -1,         -1
    .word .c6,  SYS_EXEC,     .c6,         0,            0,          -1
    .word .c7,  SYS_EXEC,     KERNEL_BASE, 0,            0,          -1
    .word .c8,  SYS_EXEC,     .hello,      KERNEL_BASE,  0,          -1
    .word .c9,  SYS_SBRK,     0x7ffff000,  0,            0,          -1
    .word .c10, SYS_SBRK,     -0x10000,    0,            0,          -1
    .word .c11, SYS_PROCINFO, 0,           KERNEL_BASE,  0,          -1
    .word .c12, SYS_PROCINFO, 0,           ULIB_BASE,    0,          -1
    .word .c13, SYS_PROCINFO, NPROC,       PROG_BASE,    0,          -1
    .word .c14, SYS_WAIT,     0,           0,            0,          -1
    .word .c15, 0,            0,           0,            0,          -1
    .word .c16, 99,           0,           0,            0,          -1
    .word 0
.c1:  .asciz "write from kernel memory"
.c2:  .asciz "write from page 0"
.c3:  .asciz "write running off the top of user space"
.c4:  .asciz "write to fd 5"
.c5:  .asciz "write of -1 bytes"
.c6:  .asciz "exec of a program that is not there"
.c7:  .asciz "exec of a name in kernel memory"
.c8:  .asciz "exec with an argument in kernel memory"
.c9:  .asciz "sbrk past the heap limit"
.c10: .asciz "sbrk below the heap"
.c11: .asciz "procinfo into kernel memory"
.c12: .asciz "procinfo into read-only memory"
.c13: .asciz "procinfo of a slot past the table"
.c14: .asciz "wait with no children"
.c15: .asciz "system call 0"
.c16: .asciz "system call 99"
.hello:    .asciz "hello"
.ok:       .asciz "badargs: %-40s -> %d, ok\n"
.bad:      .asciz "badargs: %-40s -> %d, WRONG\n"
.heap_ok:  .asciz "badargs: procinfo into an untouched heap page works, ok\n"
.heap_bad: .asciz "badargs: procinfo into an untouched heap page: WRONG\n"
.summary:  .asciz "badargs: %d wrong\n"
    .align 4
.dephase
badargs_end:
