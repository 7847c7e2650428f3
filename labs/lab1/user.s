; user.s: lab 1's user program.  It runs in user mode, so it cannot touch
; a device or a control register: for everything outside its own memory it
; asks the kernel with `syscall` (abi.inc).  The kernel's iret starts it at
; user_main with sp = USER_STACK.

#ifndef LAB_SOLUTION
LAB_SOLUTION = 99                ; the reference: every lab's answer (labs/README.md)
#endif

user_main:
#if LAB_SOLUTION >= 1
        la r1, msg_hello
        call puts
        li r9, 0                 ; r9: the sum
        li r10, 1                ; r10: the next term
1:      add r9, r9, r10
        addi r10, r10, 1
        cmpi r10, 100
        ble 1b
        la r1, msg_sum
        call puts
        mov r1, r9
        call putdec
        call newline
        li r7, SYS_COUNT
        syscall
        mov r9, r1
        la r1, msg_count
        call puts
        mov r1, r9
        call putdec
        call newline
user_priv:
        halt zero                ; only the kernel may stop the machine
#else
        ; Lab 1, task 1: print, through system calls (the library below):
        ;   hello from user mode
        ;   sum of 1..100 = N            (N computed by a loop)
        ;   system calls so far: N       (N from SYS_COUNT)
        ; then try a privileged instruction at a label user_priv (halt
        ; zero: stop the machine) and see the kernel kill the program.
        la r1, msg_todo
        call puts
        li r1, 1
        li r7, SYS_EXIT
        syscall
#endif

; ---- the user library: system calls wrapped as subroutines ----
; Each clobbers r1..r8 and keeps r9..r13.

; puts(r1 = NUL-terminated string): SYS_WRITE of its bytes.
puts:   mov r2, r1
1:      lbu r3, 0(r2)
        cmpi r3, 0
        beq 2f
        addi r2, r2, 1
        jmp 1b
2:      sub r2, r2, r1
        li r7, SYS_WRITE
        syscall
        ret

; putdec(r1): unsigned decimal, built on the stack, one SYS_WRITE.
putdec: addi sp, sp, -12
        addi r5, sp, 12          ; r5: just past the buffer
        li r3, 10
1:      remu r4, r1, r3
        divu r1, r1, r3
        addi r4, r4, '0'
        addi r5, r5, -1
        sb r4, 0(r5)
        cmpi r1, 0
        bne 1b
        mov r1, r5
        addi r2, sp, 12
        sub r2, r2, r5
        li r7, SYS_WRITE
        syscall
        addi sp, sp, 12
        ret

; newline(): SYS_PUTC of '\n'.
newline:
        li r1, 10
        li r7, SYS_PUTC
        syscall
        ret

msg_hello: .asciz "hello from user mode\n"
msg_sum:   .asciz "sum of 1..100 = "
msg_count: .asciz "system calls so far: "
msg_todo:  .asciz "user: lab 1: user_main is not written yet\n"
        .align 4
