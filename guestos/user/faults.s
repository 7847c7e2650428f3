; faults.s: a program that makes mistakes on purpose, one per child.  For
; each kind of fault it forks a child that commits it; the kernel kills the
; child with a one-line message and goes on, and the parent checks the
; child's exit status: KILLED_STATUS + the trap cause (syscall.inc).  The
; program exits with the number of faults that did not go as expected.

faults_start:
.phase PROG_BASE
faults_main:
    addi sp, sp, -20
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r11, 12(sp)
    sw r12, 16(sp)
    la r9, faults_table                ; r9: the next fault: name, code, cause
    li r10, 0                    ; r10: faults tried
    li r11, 0                    ; r11: faults that went wrong
.next:
    lw r1, 0(r9)
    cmpi r1, 0
    beq .done
    call fork
    cmpi r1, 0
    bne .parent
    lw r1, 4(r9)                 ; the child: commit the fault
    callr r1
    li r1, 99                    ; (still alive: the fault did not happen)
    call exit
.parent:
    call wait                    ; r2: the child's status
    lw r3, 8(r9)
    addi r3, r3, KILLED_STATUS
    cmp r2, r3
    bne .wrong
    mov r3, r2
    lw r2, 0(r9)
    la r1, faults_ok
    call printf
    jmp .step
.wrong:
    mov r4, r3
    mov r3, r2
    lw r2, 0(r9)
    la r1, faults_bad
    call printf
    addi r11, r11, 1
.step:
    addi r10, r10, 1
    addi r9, r9, 12
    jmp .next
.done:
    sub r2, r10, r11
    mov r3, r10
    la r1, faults_summary
    call printf
    mov r1, r11
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    lw r11, 12(sp)
    lw r12, 16(sp)
    addi sp, sp, 20
    ret

; ---- the faults: each is called in a fresh child and must not return ----
f_null_read:                     ; a null pointer: page 0 is never mapped
    lw r1, 0(zero)
    ret
f_kernel_read:                   ; the kernel's memory is mapped, but U=0
    li r2, KERNEL_BASE
    lw r1, 0(r2)
    ret
f_kernel_write:
    li r2, KERNEL_BASE
    sw r2, 0(r2)
    ret
f_kernel_exec:                   ; jump into the kernel's code
    li r2, KERNEL_BASE
    jr r2
f_rodata_write:                  ; the user library is mapped read-only
    li r2, ULIB_BASE
    sw r2, 0(r2)
    ret
f_wild_read:                     ; nothing at all is mapped up there
    li r2, 0x80000000
    lw r1, 0(r2)
    ret
f_priv:                          ; a privileged instruction
    cli
    ret
f_halt:                          ; trying to stop the machine
    halt zero
    ret
f_divzero:
    li r1, 7
    div r1, r1, zero
    ret
f_misaligned:
    lw r1, 2(sp)
    ret
f_illegal:                       ; opcode 0 is never assigned
    .word 0
    ret
f_breakpoint:                    ; no debugger here: the kernel kills it
    brk
    ret
f_stack_overflow:                ; the stack may grow to USTACK_MAX, no more
1:  push r1
    jmp 1b

faults_table:
    .word .n1, f_null_read, CAUSE_PF_LOAD
    .word .n2, f_kernel_read, CAUSE_PF_LOAD
    .word .n3, f_kernel_write, CAUSE_PF_STORE
    .word .n4, f_kernel_exec, CAUSE_PF_FETCH
    .word .n5, f_rodata_write, CAUSE_PF_STORE
    .word .n6, f_wild_read, CAUSE_PF_LOAD
    .word .n7, f_priv, CAUSE_PRIV
    .word .n8, f_halt, CAUSE_PRIV
    .word .n9, f_divzero, CAUSE_DIVZERO
    .word .n10, f_misaligned, CAUSE_MISALIGN
    .word .n11, f_illegal, CAUSE_ILLEGAL
    .word .n12, f_breakpoint, CAUSE_BREAK
    .word .n13, f_stack_overflow, CAUSE_PF_STORE
    .word 0
.n1:  .asciz "null-read"
.n2:  .asciz "kernel-read"
.n3:  .asciz "kernel-write"
.n4:  .asciz "kernel-exec"
.n5:  .asciz "rodata-write"
.n6:  .asciz "wild-read"
.n7:  .asciz "privileged"
.n8:  .asciz "halt"
.n9:  .asciz "divide-by-zero"
.n10: .asciz "misaligned"
.n11: .asciz "illegal"
.n12: .asciz "breakpoint"
.n13: .asciz "stack-overflow"
faults_ok:      .asciz "faults: %-14s killed as expected (status %d)\n"
faults_bad:     .asciz "faults: %-14s UNEXPECTED status %d, wanted %d\n"
faults_summary: .asciz "faults: %d of %d faults caught\n"
    .align 4
.dephase
faults_end:
