; proc.s: the process table, the round-robin scheduler, sleep and wakeup,
; and the system calls that make and end processes: fork, exit, wait.
;
; A process is a PROC_SIZE record in proc_table (proc.inc) and is in one
; of these states:
;
;   P_UNUSED --proc_alloc--> (reserved) --fork/userinit--> P_RUNNABLE
;   P_RUNNABLE --schedule--> P_RUNNING --timer, yield--> P_RUNNABLE
;   P_RUNNING --read with no input, wait with live children--> P_SLEEPING
;   P_SLEEPING --wakeup--> P_RUNNABLE
;   P_RUNNING --exit, killed--> P_ZOMBIE --parent's wait--> P_UNUSED
;
; The kernel is not preemptible and has a single stack, so a process never
; sleeps in the middle of kernel code.  A system call that must wait winds
; the process's pc back onto its syscall instruction and sleeps
; (sleep_restart); once woken the process simply makes the same call again.
;
; System call implementations may use every register: the user's are safe
; in the trap frame and syscall_dispatch (syscall.s) reloads what it needs.

; proc_alloc: r1 = a cleared slot with a new pid, reserved (P_SLEEPING on
; nothing, so the scheduler leaves it alone until its owner sets it
; P_RUNNABLE), or 0 if the table is full.
proc_alloc:
    IRQ_SAVE r8
    la r1, proc_table
    addi r2, r1, NPROC * PROC_SIZE
1:  lw r3, P_STATE(r1)
    cmpi r3, P_UNUSED
    beq 2f
    addi r1, r1, PROC_SIZE
    cmp r1, r2
    bltu 1b
    li r1, 0
    jmp 4f
2:  mov r3, r1                   ; clear the record
    addi r4, r1, PROC_SIZE
3:  sw zero, 0(r3)
    addi r3, r3, 4
    cmp r3, r4
    bltu 3b
    li r3, P_SLEEPING
    sw r3, P_STATE(r1)
    la r2, nextpid
    lw r3, 0(r2)
    sw r3, P_PID(r1)
    addi r3, r3, 1
    sw r3, 0(r2)
4:  IRQ_RESTORE r8
    ret

; ---- the scheduler ----

; schedule: run the next runnable process after the last one picked, in
; table order (round robin); idle if there is none.  Never returns.
schedule:
    la sp, kstack_top            ; whatever was on the stack is finished
    la r9, rr_next
    lw r2, 0(r9)                 ; r2: the slot to look at first
    li r3, NPROC                 ; r3: slots left to look at
    la r5, proc_table
.loop:
    shli r4, r2, PROC_SHIFT
    add r4, r4, r5
    lw r6, P_STATE(r4)
    addi r2, r2, 1
    cmpi r2, NPROC
    blt 1f
    li r2, 0
1:  cmpi r6, P_RUNNABLE
    beq .found
    addi r3, r3, -1
    cmpi r3, 0
    bgt .loop
    jmp idle
.found:
    sw r2, 0(r9)                 ; next time, start after this one
    mov r1, r4
    ; fall through

; switch_to: make the process r1 the running one and resume it.
switch_to:
    li r2, P_RUNNING
    sw r2, P_STATE(r1)
    la r2, curproc
    sw r1, 0(r2)
    mtc scratch, r1              ; where trap_entry will save it next time
    lw r1, P_PGDIR(r1)
    la r2, cur_pgdir
    lw r2, 0(r2)
    cmp r1, r2
    beq trap_return              ; same address space: keep the TLB
    call set_pgdir               ; vm.s: CR[ptb], which empties the TLB
    jmp trap_return              ; trap.s

; idle: nothing can run.  Wait for an interrupt with interrupts enabled:
; the only place the kernel enables them.  The interrupt enters
; trap_entry (saving into idle_frame) and kernel_trap calls schedule again.
idle:
    la r1, curproc
    sw zero, 0(r1)
    la r1, idle_frame
    mtc scratch, r1
    call console_waiters         ; console.s
    cmpi r1, 0
    beq .stuck
    li r1, 1                     ; someone waits for input: tell us when it
    out PORT_CONS_CTRL, r1       ; comes (raised only while we sit in wfi)
#if defined(PV)
    li r1, PV_IDLE               ; sti; wfi as one call to the monitor
    hcall
#else
#ifdef NOSPECIAL
    sw r1, soft_ie(zero)
#endif
    sti
    wfi
#endif
    jmp idle                     ; (not reached: the interrupt goes to the vector)
.stuck:
    ; Nobody can run and nobody waits for the outside world: only a kernel
    ; bug gets here (e.g. a parent asleep in wait with no child to wake it).
    la r1, msg_stuck
    jmp panic

; ---- sleep and wakeup ----

; sleep_restart: put the running process to sleep on channel r1, its pc
; back on its syscall instruction so that it repeats the call when woken.
; Never returns.
sleep_restart:
    la r2, curproc
    lw r2, 0(r2)
    sw r1, P_CHAN(r2)
    li r3, P_SLEEPING
    sw r3, P_STATE(r2)
    lw r3, P_EPC(r2)
    addi r3, r3, -4              ; CR[epc] of a syscall is the next instruction
    sw r3, P_EPC(r2)
    jmp schedule

; wakeup_all: make every process sleeping on channel r1 runnable.
wakeup_all:
    IRQ_SAVE r8
    la r2, proc_table
    addi r3, r2, NPROC * PROC_SIZE
    li r6, P_RUNNABLE
1:  lw r4, P_STATE(r2)
    cmpi r4, P_SLEEPING
    bne 2f
    lw r4, P_CHAN(r2)
    cmp r4, r1
    bne 2f
    sw r6, P_STATE(r2)
    sw zero, P_CHAN(r2)
2:  addi r2, r2, PROC_SIZE
    cmp r2, r3
    bltu 1b
    IRQ_RESTORE r8
    ret

; wakeup_proc: make the process r1 runnable if it sleeps on channel r2.
wakeup_proc:
    lw r3, P_STATE(r1)
    cmpi r3, P_SLEEPING
    bne 1f
    lw r3, P_CHAN(r1)
    cmp r3, r2
    bne 1f
    li r3, P_RUNNABLE
    sw r3, P_STATE(r1)
    sw zero, P_CHAN(r1)
1:  ret

; ---- system calls ----

; sys_fork: a new process with a copy of the caller's memory and registers.
; The parent gets the child's pid, the child 0.
sys_fork:
    addi sp, sp, -4
    sw lr, 0(sp)
    la r10, curproc
    lw r10, 0(r10)               ; r10: parent
    call proc_alloc
    cmpi r1, 0
    beq .fail
    mov r9, r1                   ; r9: child
    call pgdir_new
    cmpi r1, 0
    beq .nopgdir
    sw r1, P_PGDIR(r9)
    mov r2, r1
    lw r1, P_PGDIR(r10)
    call uvm_copy
    cmpi r1, 0
    bne .nomem
    li r1, 0                     ; the trap frame: registers, epc, estatus
1:  add r2, r10, r1
    lw r3, 0(r2)
    add r2, r9, r1
    sw r3, 0(r2)
    addi r1, r1, 4
    cmpi r1, P_STATE
    blt 1b
    sw zero, P_R1(r9)            ; fork returns 0 in the child
    lw r1, P_HEAP(r10)
    sw r1, P_HEAP(r9)
    lw r1, P_BRK(r10)
    sw r1, P_BRK(r9)
    li r1, 0                     ; the name
2:  add r2, r10, r1
    lw r3, P_NAME(r2)
    add r2, r9, r1
    sw r3, P_NAME(r2)
    addi r1, r1, 4
    cmpi r1, P_NAMELEN
    blt 2b
    sw r10, P_PARENT(r9)
    li r1, P_RUNNABLE
    sw r1, P_STATE(r9)
    lw r1, P_PID(r9)
    jmp .out
.nomem:
    lw r1, P_PGDIR(r9)
    call uvm_free
.nopgdir:
    sw zero, P_STATE(r9)         ; P_UNUSED: give the slot back
.fail:
    li r1, -1
.out:
    lw lr, 0(sp)
    addi sp, sp, 4
    ret

; sys_wait: reap a finished child: r1 = its pid and r2 = its exit status.
; Sleeps while all children still run; -1 if there are none.
sys_wait:
    la r9, curproc
    lw r9, 0(r9)                 ; r9: the caller
    li r10, 0                    ; r10: has children
    la r1, proc_table
    addi r2, r1, NPROC * PROC_SIZE
1:  lw r3, P_PARENT(r1)
    cmp r3, r9
    bne 2f
    lw r3, P_STATE(r1)
    cmpi r3, P_UNUSED
    beq 2f
    li r10, 1
    cmpi r3, P_ZOMBIE
    bne 2f
    lw r3, P_XSTATUS(r1)         ; found one: free its slot
    sw r3, P_R2(r9)              ; the status goes back in r2
    sw zero, P_PARENT(r1)
    sw zero, P_STATE(r1)         ; P_UNUSED
    lw r1, P_PID(r1)
    ret
2:  addi r1, r1, PROC_SIZE
    cmp r1, r2
    bltu 1b
    cmpi r10, 0
    beq 3f
    li r1, CHAN_CHILD
    jmp sleep_restart
3:  li r1, -1
    ret

; proc_exit: the running process ends with status r1 (sys_exit, and
; user_fault in trap.s).  Its children go to init, its memory is freed, and
; it stays a zombie until its parent's wait collects the status.  When init
; itself exits there is nothing left to do: the machine halts with init's
; status.  Never returns.
proc_exit:
    la r9, curproc
    lw r9, 0(r9)                 ; r9: the process
    mov r10, r1                  ; r10: its status
    lw r2, P_PID(r9)
    cmpi r2, 1
    bne 1f
#ifndef BENCH
    la r1, msg_init_exit
    mov r2, r10
    call kprintf
#endif
    halt r10
1:  la r11, initproc
    lw r11, 0(r11)               ; r11: init, the new parent of the orphans
    la r12, proc_table
2:  lw r1, P_PARENT(r12)
    cmp r1, r9
    bne 3f
    sw r11, P_PARENT(r12)
    lw r1, P_STATE(r12)
    cmpi r1, P_ZOMBIE
    bne 3f
    mov r1, r11
    li r2, CHAN_CHILD
    call wakeup_proc
3:  addi r12, r12, PROC_SIZE
    la r1, proc_table + NPROC * PROC_SIZE
    cmp r12, r1
    bltu 2b
    la r1, kpgdir                ; leave the address space before freeing it
    lw r1, 0(r1)
    call set_pgdir
    lw r1, P_PGDIR(r9)
    call uvm_free
    sw zero, P_PGDIR(r9)
    sw r10, P_XSTATUS(r9)
    li r1, P_ZOMBIE
    sw r1, P_STATE(r9)
    lw r1, P_PARENT(r9)
    li r2, CHAN_CHILD
    call wakeup_proc
    la r1, curproc
    sw zero, 0(r1)
    jmp schedule

; (its variables, curproc, initproc, nextpid, rr_next and ticks, are in
; data.s)

msg_stuck:     .asciz "schedule: no process can run"
#ifndef BENCH
msg_init_exit: .asciz "guestos: init exited with status %d, halting\n"
#endif
    .align 4
