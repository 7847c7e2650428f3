; trap.s: the one way into the kernel, and the way back out.
;
; Every trap and interrupt, from user mode or from the idle loop, starts at
; trap_entry (CR[tvec]).  The CPU has saved only the pc (CR[epc]) and the
; flags (CR[estatus]) and switched to kernel mode with interrupts off; all
; sixteen registers still hold the interrupted program's values.
;
; trap_entry saves them into the trap frame that CR[scratch] points at (the
; running process's record, proc.inc), takes a fresh kernel stack and
; dispatches on CR[cause] through a table.  Each handler ends by jumping to
; trap_return (resume the same process) or to schedule (proc.s: pick one,
; maybe another, then trap_return).  Nothing stays on the kernel stack
; between traps, so there is a single kernel stack.

trap_entry:
    sw r1, trap_tmp(zero)        ; free one register (data.s: below 0x8000)
    mfc r1, scratch              ; r1 = the frame of whoever was running
    sw r2, 8(r1)
    sw r3, 12(r1)
    sw r4, 16(r1)
    sw r5, 20(r1)
    sw r6, 24(r1)
    sw r7, 28(r1)
    sw r8, 32(r1)
    sw r9, 36(r1)
    sw r10, 40(r1)
    sw r11, 44(r1)
    sw r12, 48(r1)
    sw r13, 52(r1)
    sw r14, 56(r1)
    sw r15, 60(r1)
    lw r2, trap_tmp(zero)
    sw r2, P_R1(r1)
    mfc r2, epc
    sw r2, P_EPC(r1)
    mfc r3, estatus
    sw r3, P_ESTATUS(r1)
#ifdef NOSPECIAL
    sw zero, soft_ie(zero)       ; the trap turned IE off
#endif
    la sp, kstack_top
    mfc r2, cause
    andi r3, r3, FLAG_KM
    cmpi r3, 0
    bne kernel_trap              ; it was the kernel itself (the idle loop)
    cmpi r2, NCAUSES
    bgeu kernel_trap             ; (cannot happen: the CPU has no other causes)
    la r4, user_traps
    shli r3, r2, 2
    add r4, r4, r3
    lw r4, 0(r4)
    jr r4                        ; handler(r1 = frame, r2 = cause)

; Handlers of traps from user mode, indexed by cause (layout.inc).
user_traps:
    .word user_fault             ; [CAUSE_ILLEGAL]  undefined instruction
    .word user_fault             ; [CAUSE_PRIV]     privileged instruction
    .word user_pagefault         ; [CAUSE_PF_FETCH]
    .word user_pagefault         ; [CAUSE_PF_LOAD]
    .word user_pagefault         ; [CAUSE_PF_STORE]
    .word user_fault             ; [CAUSE_MISALIGN]
    .word syscall_dispatch       ; [CAUSE_SYSCALL]  syscall.s
    .word user_fault             ; [CAUSE_BREAK]    brk: no debugger here
    .word user_fault             ; [CAUSE_DIVZERO]
    .word timer_intr             ; [CAUSE_TIMER]
    .word console_intr           ; [CAUSE_CONSOLE]

; trap_return: resume the process whose frame CR[scratch] points at.
; iret restores the pc and the flags (user mode, IE=1) together.
trap_return:
    mfc r1, scratch
    lw r2, P_EPC(r1)
    mtc epc, r2
    lw r2, P_ESTATUS(r1)
    mtc estatus, r2
    lw r2, 8(r1)
    lw r3, 12(r1)
    lw r4, 16(r1)
    lw r5, 20(r1)
    lw r6, 24(r1)
    lw r7, 28(r1)
    lw r8, 32(r1)
    lw r9, 36(r1)
    lw r10, 40(r1)
    lw r11, 44(r1)
    lw r12, 48(r1)
    lw r13, 52(r1)
    lw r14, 56(r1)
    lw r15, 60(r1)
    lw r1, P_R1(r1)              ; last: it held the frame address
    iret

; ---- interrupts ----

; The timer: the running process has had its slice.  Round robin: it goes to
; the back of the line and the scheduler picks the next runnable one.
timer_intr:
    la r2, ticks
    lw r3, 0(r2)
    addi r3, r3, 1
    sw r3, 0(r2)
    lw r3, P_TICKS(r1)
    addi r3, r3, 1
    sw r3, P_TICKS(r1)
    li r3, P_RUNNABLE
    sw r3, P_STATE(r1)
    jmp schedule

; Console input arrived (raised only while the CPU idles in wfi, so in
; practice it comes through kernel_trap): wake the readers.
console_intr:
    call console_wakeup          ; console.s
    jmp trap_return

; ---- traps taken in kernel mode ----

; The kernel runs with interrupts off except in the idle loop (proc.s), so
; the only expected traps here are the timer and console interrupts that end
; an idle wait.  Anything else is a kernel bug.
kernel_trap:
#ifdef PV
    cmpi r2, CAUSE_ILLEGAL       ; an hcall no monitor took (the bare CPU):
    bne 1f                       ; no console either (ours goes through
    mfc r3, badva                ; the monitor), so stop with a code
    li r4, HCALL_WORD
    cmp r3, r4
    bne 1f
    li r1, NOPV_CODE
    halt r1
1:
#endif
    cmpi r2, CAUSE_TIMER
    beq .timer
    cmpi r2, CAUSE_CONSOLE
    beq .console
    mov r3, r2                   ; panic: kernel trap
    la r1, msg_ktrap
    la r2, cause_names
    shli r4, r3, 2
    add r2, r2, r4
    lw r2, 0(r2)
    mfc r3, epc
    mfc r4, badva
    call kprintf
    li r1, PANIC_CODE
    halt r1
.timer:
    la r2, ticks
    lw r3, 0(r2)
    addi r3, r3, 1
    sw r3, 0(r2)
    jmp schedule
.console:
    call console_wakeup
    jmp schedule

; ---- faults ----

; A page fault from user mode: maybe a heap or stack page that was never
; touched (demand-zero, vm.s); if not, the process made a mistake.
user_pagefault:
    mfc r1, badva
    call vm_fault                ; 0: the page is there now, try again
    cmpi r1, 0
    beq trap_return
    ; fall through

; The process did something it may not: say so on one line and kill it.
; The kernel goes on with the others.
user_fault:
    la r9, curproc
    lw r9, 0(r9)
    mfc r10, cause
    la r1, msg_killed
    lw r2, P_PID(r9)
    addi r3, r9, P_NAME
    la r4, cause_names
    shli r5, r10, 2
    add r4, r4, r5
    lw r4, 0(r4)
    lw r5, P_EPC(r9)
    mfc r6, badva
    call kprintf
    addi r1, r10, KILLED_STATUS
    jmp proc_exit                ; proc.s

; The names the CPU's tables use (cpu/isa.h CAUSE_TABLE), for messages.
cause_names:
    .word cn_illegal, cn_priv, cn_pf_fetch, cn_pf_load, cn_pf_store, cn_misalign
    .word cn_syscall, cn_break, cn_divzero, cn_timer, cn_console
cn_illegal:  .asciz "illegal"
cn_priv:     .asciz "priv"
cn_pf_fetch: .asciz "pf-fetch"
cn_pf_load:  .asciz "pf-load"
cn_pf_store: .asciz "pf-store"
cn_misalign: .asciz "misalign"
cn_syscall:  .asciz "syscall"
cn_break:    .asciz "break"
cn_divzero:  .asciz "divzero"
cn_timer:    .asciz "timer"
cn_console:  .asciz "console"
msg_killed:  .asciz "kernel: killed pid %d (%s): %s at pc 0x%x, badva 0x%x\n"
msg_ktrap:   .asciz "panic: kernel trap: %s at pc 0x%x, badva 0x%x\n"
    .align 4
