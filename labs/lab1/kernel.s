; kernel.s: lab 1's kernel.  It owns kernel mode: it sets the trap vector,
; drops the user program (user.s) into user mode with iret, and from then
; on runs only when the user program traps:
;
;   user mode                          kernel mode
;   ---------                          -----------
;   syscall  ---- trap (cause 6) ----> trap_entry: save the registers
;                                      syscall_dispatch: run the call,
;            <------- iret ----------  put the result in the saved r1
;   cli, halt, mtc ...  ---- trap (cause 1) ----> priv_fault: kill it
;
; The CPU does only the minimum on a trap (docs/isa.md): it saves the pc
; in CR[epc] (for syscall: the NEXT instruction) and the flags in
; CR[estatus], sets CR[cause] and CR[badva], enters kernel mode with
; interrupts off and jumps to CR[tvec].  Everything else is the kernel's.

#ifndef LAB_SOLUTION
LAB_SOLUTION = 99                ; the reference: every lab's answer (labs/README.md)
#endif

        .include "abi.inc"

        .org 0x1000
        .global _start
_start: la r1, trap_entry
        mtc tvec, r1
        li sp, KSTACK
        la r1, msg_boot
        call kputs
        la r1, user_main         ; user.s
        mtc epc, r1              ; iret "returns" to user_main ...
        mtc estatus, zero        ; ... with KM = 0 (user mode), IE = 0
        li sp, USER_STACK
        iret

; ---- the way in and out ----

; The saved registers of the user program: frame + 4*n holds r<n>, and
; frame + 64 the pc to go back to.  The addresses are below 0x8000, so the
; entry can reach them as N(zero) before it has a free register.
        .align 4
frame:  .space 68
nsyscalls: .word 0               ; system calls handled so far

trap_entry:
        sw r1, frame+4(zero)
        sw r2, frame+8(zero)
        sw r3, frame+12(zero)
        sw r4, frame+16(zero)
        sw r5, frame+20(zero)
        sw r6, frame+24(zero)
        sw r7, frame+28(zero)
        sw r8, frame+32(zero)
        sw r9, frame+36(zero)
        sw r10, frame+40(zero)
        sw r11, frame+44(zero)
        sw r12, frame+48(zero)
        sw r13, frame+52(zero)
        sw r14, frame+56(zero)
        sw r15, frame+60(zero)
        mfc r1, epc
        sw r1, frame+64(zero)
        li sp, KSTACK            ; the kernel's own stack
        mfc r2, cause
        cmpi r2, CAUSE_SYSCALL
        beq syscall_dispatch
        cmpi r2, CAUSE_PRIV
        beq priv_fault
        la r1, msg_unexpected    ; nothing else can happen in this lab
        call kputs
        mfc r1, cause
        call kputhex
        li r1, 63
        halt r1

; Back to the user program: every register as saved (r1 perhaps changed
; to a system call's result), at the saved pc, in user mode: iret restores
; the flags the trap saved in CR[estatus].
trap_return:
        lw r1, frame+64(zero)
        mtc epc, r1
        lw r2, frame+8(zero)
        lw r3, frame+12(zero)
        lw r4, frame+16(zero)
        lw r5, frame+20(zero)
        lw r6, frame+24(zero)
        lw r7, frame+28(zero)
        lw r8, frame+32(zero)
        lw r9, frame+36(zero)
        lw r10, frame+40(zero)
        lw r11, frame+44(zero)
        lw r12, frame+48(zero)
        lw r13, frame+52(zero)
        lw r14, frame+56(zero)
        lw r15, frame+60(zero)
        lw r1, frame+4(zero)
        iret

; ---- system calls (the ABI is in abi.inc) ----

; syscall_dispatch: the user program's registers are in the frame.
syscall_dispatch:
#if LAB_SOLUTION >= 1
        lw r7, frame+28(zero)    ; the number
        cmpi r7, NSYSCALLS
        bgeu .bad                ; (unsigned: negative numbers too)
        la r3, syscall_table
        shli r4, r7, 2
        add r3, r3, r4
        lw r3, 0(r3)
        cmpi r3, 0
        beq .bad
        lw r1, frame+4(zero)     ; the arguments
        lw r2, frame+8(zero)
        callr r3                 ; r1 = the result
        jmp .done
.bad:   li r1, -1
.done:  sw r1, frame+4(zero)     ; the caller's r1 when it resumes
        lw r2, nsyscalls(zero)
        addi r2, r2, 1
        sw r2, nsyscalls(zero)
        jmp trap_return          ; epc is already the next instruction
#else
        ; Lab 1, task 2: run the system call whose number the program put
        ; in r7 (its saved copy: frame+28), with its r1 and r2 (frame+4,
        ; frame+8) as the arguments, through syscall_table below.  A number
        ; out of range (think of negative ones) or without a handler gives
        ; -1.  The result goes where the program will find it in r1 when
        ; trap_return resumes it; count the call in nsyscalls.
        la r1, todo_dispatch
        jmp kernel_todo
#endif

; Handlers, indexed by number.  Each takes the arguments in r1, r2 and
; returns the result in r1; it may clobber r1..r8 (the frame keeps the
; program's).
syscall_table:
        .word 0                  ; 0: none
        .word sys_exit           ; [SYS_EXIT]
        .word sys_putc           ; [SYS_PUTC]
        .word sys_write          ; [SYS_WRITE]
        .word sys_count          ; [SYS_COUNT]

; sys_putc(byte): the example.
sys_putc:
        out PORT_CONS_DATA, r1
        li r1, 0
        ret

; sys_write(buf, len): len bytes from buf to the console.
sys_write:
#if LAB_SOLUTION >= 1
        cmpi r2, 0
        blt .bad
        add r3, r1, r2           ; r3: the end
        mov r4, r1               ; r4: the next byte
1:      cmp r4, r3
        bgeu 2f
        lbu r5, 0(r4)
        out PORT_CONS_DATA, r5
        addi r4, r4, 1
        jmp 1b
2:      mov r1, r2
        ret
.bad:   li r1, -1
        ret
#else
        ; Lab 1, task 3: send len (r2) bytes from buf (r1) to the console,
        ; one `out PORT_CONS_DATA` each, and return len; a negative len
        ; returns -1 and writes nothing.
        la r1, todo_write
        jmp kernel_todo
#endif

; sys_exit(status) and sys_count().
sys_exit:
#if LAB_SOLUTION >= 1
        andi r9, r1, 31
        la r1, msg_exit
        call kputs
        mov r1, r9
        call kputdec
        li r1, 10
        out PORT_CONS_DATA, r1
        halt r9
sys_count:
        lw r1, nsyscalls(zero)
        ret
#else
        ; Lab 1, task 3: print "kernel: exit N" and a newline (kputs,
        ; kputdec) and halt the machine with N, the status in r1 (keep its
        ; low 5 bits: 0..31).
        la r1, todo_exit
        jmp kernel_todo
sys_count:
        ; Lab 1, task 3: return how many system calls the kernel handled
        ; before this one (nsyscalls).
        la r1, todo_count
        jmp kernel_todo
#endif

; ---- the privileged-instruction trap ----

; The user program executed an instruction only kernel mode may: the CPU
; trapped before running it.  CR[badva] holds the instruction's word and
; the saved pc (frame+64) its address.
priv_fault:
#if LAB_SOLUTION >= 1
        la r1, msg_killed
        call kputs
        mfc r1, badva
        call kputhex
        la r1, msg_at
        call kputs
        lw r1, frame+64(zero)
        call kputhex
        li r1, 10
        out PORT_CONS_DATA, r1
        li r1, KILLED + CAUSE_PRIV
        halt r1
#else
        ; Lab 1, task 4: kill the program: print
        ;   kernel: killed: privileged instruction 0xWORD at pc 0xPC
        ; (msg_killed, msg_at, kputhex; WORD from CR[badva], PC the saved
        ; pc) and a newline, then halt with KILLED + CAUSE_PRIV.
        la r1, todo_priv
        jmp kernel_todo
#endif

; ---- the kernel's console helpers (kernel mode: `out` directly) ----

; kputs(r1 = string).  Clobbers r1, r2.
kputs:  lbu r2, 0(r1)
        cmpi r2, 0
        beq 1f
        out PORT_CONS_DATA, r2
        addi r1, r1, 1
        jmp kputs
1:      ret

; kputhex(r1): eight hex digits.  Clobbers r1..r4.
kputhex:
        li r2, 28
1:      shr r3, r1, r2
        andi r3, r3, 15
        cmpi r3, 10
        blt 2f
        addi r3, r3, 'a' - 10
        jmp 3f
2:      addi r3, r3, '0'
3:      out PORT_CONS_DATA, r3
        addi r2, r2, -4
        cmpi r2, 0
        bge 1b
        ret

; kputdec(r1): unsigned decimal.  Clobbers r1..r4.
kputdec:
        li r2, 10
        li r4, 0                 ; digits pushed
1:      remu r3, r1, r2
        divu r1, r1, r2
        addi r3, r3, '0'
        push r3
        addi r4, r4, 1
        cmpi r1, 0
        bne 1b
2:      pop r3
        out PORT_CONS_DATA, r3
        addi r4, r4, -1
        cmpi r4, 0
        bne 2b
        ret

; A part of the lab not written yet: say which, and stop.
kernel_todo:
        call kputs
        li r1, 62
        halt r1

msg_boot:       .asciz "kernel: starting the user program in user mode\n"
msg_unexpected: .asciz "kernel: unexpected trap, cause 0x"
msg_exit:       .asciz "kernel: exit "
msg_killed:     .asciz "kernel: killed: privileged instruction 0x"
msg_at:         .asciz " at pc 0x"
todo_dispatch:  .asciz "kernel: lab 1: syscall_dispatch is not written yet\n"
todo_write:     .asciz "kernel: lab 1: sys_write is not written yet\n"
todo_exit:      .asciz "kernel: lab 1: sys_exit is not written yet\n"
todo_count:     .asciz "kernel: lab 1: sys_count is not written yet\n"
todo_priv:      .asciz "kernel: lab 1: priv_fault is not written yet\n"
        .align 4
