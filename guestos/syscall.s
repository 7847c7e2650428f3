; syscall.s: system call dispatch, and the calls that are about the caller
; alone: write, read, getpid, yield, sbrk, procinfo.  (fork, wait, exit
; are in proc.s; exec in exec.s.)  The ABI is in syscall.inc.

; syscall_dispatch: from trap_entry, r1 = the caller's trap frame.  The
; number is in the saved r7, the arguments in the saved r1..r3; the result
; goes back into the saved r1.
syscall_dispatch:
    lw r8, P_R7(r1)
    cmpi r8, NSYSCALLS
    bgeu .unknown                ; (unsigned: negative numbers too)
    la r2, syscall_table
    shli r3, r8, 2
    add r2, r2, r3
    lw r9, 0(r2)
    cmpi r9, 0
    beq .unknown
    lw r2, P_R2(r1)
    lw r3, P_R3(r1)
    lw r1, P_R1(r1)
    callr r9                     ; r1 = the result
.done:
    la r2, curproc
    lw r2, 0(r2)
    sw r1, P_R1(r2)
    jmp trap_return
.unknown:
    mov r3, r8
    lw r2, P_PID(r1)
    la r1, msg_nosys
    call kprintf
    li r1, -1
    jmp .done

; Implementations, indexed by number (syscall.inc).
syscall_table:
    .word 0                      ; 0: none
    .word proc_exit              ; [SYS_EXIT]     proc.s
    .word sys_write              ; [SYS_WRITE]
    .word sys_read               ; [SYS_READ]
    .word sys_getpid             ; [SYS_GETPID]
    .word sys_yield              ; [SYS_YIELD]
    .word sys_fork               ; [SYS_FORK]     proc.s
    .word sys_wait               ; [SYS_WAIT]     proc.s
    .word sys_exec               ; [SYS_EXEC]     exec.s
    .word sys_sbrk               ; [SYS_SBRK]
    .word sys_procinfo           ; [SYS_PROCINFO]

sys_getpid:
    la r1, curproc
    lw r1, 0(r1)
    lw r1, P_PID(r1)
    ret

; sys_yield: give up the rest of the time slice.
sys_yield:
    la r1, curproc
    lw r1, 0(r1)
    sw zero, P_R1(r1)            ; the result, 0: schedule does not come back
    li r2, P_RUNNABLE
    sw r2, P_STATE(r1)
    jmp schedule

; sys_write(fd, buf, len): copy len bytes from the caller's memory to the
; console.  All or nothing: every page of the buffer is checked first.  The
; bytes go out inside one critical section, so that they stay together.
sys_write:
    cmpi r1, 1
    beq 1f
    cmpi r1, 2
    bne .bad
1:  cmpi r3, 0
    blt .bad
    addi sp, sp, -4
    sw lr, 0(sp)
    mov r10, r2                  ; r10: next user byte
    add r11, r2, r3              ; r11: end
    mov r12, r3                  ; r12: the result
    mov r9, r2                   ; check each page the buffer touches
2:  cmp r9, r11
    bgeu 3f
    mov r1, r9
    li r2, 0
    call uva2ka                  ; vm.s: checked translation
    cmpi r1, 0
    beq .fault
    shri r9, r9, PAGE_SHIFT      ; on to the next page
    addi r9, r9, 1
    shli r9, r9, PAGE_SHIFT
    jmp 2b
3:  IRQ_SAVE r8
    li r9, 0                     ; r9: kernel address of r10, 0 = look it up
4:  cmp r10, r11
    bgeu 6f
    cmpi r9, 0
    beq 5f
    andi r1, r10, PTE_FLAGS      ; a new page: look it up again
    cmpi r1, 0
    bne 7f
5:  mov r1, r10
    li r2, 0
    call uva2ka
    mov r9, r1
7:  lbu r1, 0(r9)
    PUTC r1
    addi r9, r9, 1
    addi r10, r10, 1
    jmp 4b
6:  CONS_FLUSH
    IRQ_RESTORE r8
    mov r1, r12
    jmp .out
.fault:
    li r1, -1
.out:
    lw lr, 0(sp)
    addi sp, sp, 4
    ret
.bad:
    li r1, -1
    ret

; sys_read(fd, buf, len): console input into the caller's memory.  Stops
; after a newline, after len bytes, or at the end of input (0 bytes: end of
; file).  If no byte is ready yet, sleeps until the console interrupt.
sys_read:
    cmpi r1, 0
    bne .bad
    cmpi r3, 0
    blt .bad
    mov r10, r2                  ; r10: next user byte
    mov r11, r3                  ; r11: bytes wanted
    li r12, 0                    ; r12: bytes read
    addi sp, sp, -4
    sw lr, 0(sp)
.loop:
    cmp r12, r11
    bge .out
    in r1, PORT_CONS_STATUS
    andi r2, r1, CONS_READY
    cmpi r2, 0
    bne .byte
    andi r2, r1, CONS_EOF
    cmpi r2, 0
    bne .out                     ; end of input
    cmpi r12, 0
    bne .out                     ; not ready: return what we have,
    li r1, CHAN_CONSOLE          ; or wait for more (and read again)
    jmp sleep_restart
.byte:
    mov r1, r10
    li r2, 1
    call uva2ka
    cmpi r1, 0
    beq .fault
    in r2, PORT_CONS_DATA
    cmpi r2, -1
    beq .out                     ; the input ended after all
    sb r2, 0(r1)
    addi r10, r10, 1
    addi r12, r12, 1
    cmpi r2, '\n'
    bne .loop
.out:
    mov r1, r12
    jmp .ret
.fault:
    li r1, -1
.ret:
    lw lr, 0(sp)
    addi sp, sp, 4
    ret
.bad:
    li r1, -1
    ret

; sys_sbrk(increment): move the break; r1 = the old one.  Growing only
; moves it (the pages come on first touch, vm_fault); shrinking frees the
; pages that are no longer inside the heap.
sys_sbrk:
    addi sp, sp, -4
    sw lr, 0(sp)
    la r9, curproc
    lw r9, 0(r9)                 ; r9: the caller
    lw r10, P_BRK(r9)            ; r10: old break
    add r11, r10, r1             ; r11: new break
    cmpi r1, 0
    blt .shrink
    cmp r11, r10
    bltu .bad                    ; wrapped around
    li r2, HEAP_LIMIT
    cmp r11, r2
    bgtu .bad
    jmp .set
.shrink:
    lw r2, P_HEAP(r9)
    cmp r11, r2
    bltu .bad
    cmp r11, r10
    bgtu .bad                    ; wrapped around
    addi r12, r11, PAGE_SIZE - 1 ; r12: first page wholly above the new break
    shri r12, r12, PAGE_SHIFT
    shli r12, r12, PAGE_SHIFT
1:  cmp r12, r10
    bgeu .set
    lw r1, P_PGDIR(r9)
    mov r2, r12
    call uvm_unmap               ; vm.s: free it if it was ever touched
    addi r12, r12, PAGE_SIZE
    jmp 1b
.set:
    sw r11, P_BRK(r9)
    mov r1, r10
    jmp .out
.bad:
    li r1, -1
.out:
    lw lr, 0(sp)
    addi sp, sp, 4
    ret

; sys_procinfo(slot, buf): describe process-table slot `slot` in a PI_SIZE
; record (syscall.inc) at buf.  r1 = 1 (in use), 0 (free), -1 (no slot).
sys_procinfo:
    cmpi r1, 0
    blt .none
    cmpi r1, NPROC
    bge .none
    addi sp, sp, -40
    sw lr, 0(sp)
    mov r10, r2                  ; r10: the user buffer
    shli r9, r1, PROC_SHIFT
    la r1, proc_table
    add r9, r9, r1               ; r9: the slot
    lw r1, P_STATE(r9)
    cmpi r1, P_UNUSED
    beq .free
    addi r11, sp, 4              ; r11: the record, built on the stack
    sw r1, PI_STATE(r11)
    lw r1, P_PID(r9)
    sw r1, PI_PID(r11)
    lw r2, P_PARENT(r9)
    li r1, 0
    cmpi r2, 0
    beq 1f
    lw r1, P_PID(r2)
1:  sw r1, PI_PPID(r11)
    lw r1, P_TICKS(r9)
    sw r1, PI_TICKS(r11)
    lw r1, P_PGDIR(r9)
    call uvm_count
    sw r1, PI_PAGES(r11)
    li r1, 0
2:  add r2, r9, r1
    lw r3, P_NAME(r2)
    add r2, r11, r1
    sw r3, PI_NAME(r2)
    addi r1, r1, 4
    cmpi r1, P_NAMELEN
    blt 2b
    mov r1, r10
    mov r2, r11
    li r3, PI_SIZE
    call copyout
    cmpi r1, 0
    bne .fault
    li r1, 1
    jmp .out
.free:
    li r1, 0
    jmp .out
.fault:
    li r1, -1
.out:
    lw lr, 0(sp)
    addi sp, sp, 40
    ret
.none:
    li r1, -1
    ret

msg_nosys: .asciz "kernel: pid %d: unknown system call %d\n"
    .align 4
