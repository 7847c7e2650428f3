; exec.s: running a built-in program in a process: exec, and the first
; process, init.
;
; There is no file system.  The programs are assembled into the kernel image
; (user/programs.s) but linked at their user addresses with .phase: the
; user library at ULIB_BASE, every program at PROG_BASE.  prog_table lists
; them, three words each:
;
;   .word NAME, START, END       ; a string; where the program's bytes lie
;                                ; in the kernel image (START..END)
;   .word 0                      ; end of the table
;
; exec builds a fresh address space, copies the library and the program into
; new frames, gives it one stack page holding the argument string, and only
; then drops the old address space: a failed exec leaves the caller as it
; was.  The program starts at PROG_BASE with r1 = its argument (or 0), sp
; just below it, and lr = ulib_exit, so returning from it is exit(r1).

; userinit: make process 1, running program r1 (a kernel string) with the
; argument string r2.  Called once, at boot.
userinit:
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r1, 4(sp)
    sw r2, 8(sp)
    call proc_alloc
    cmpi r1, 0
    beq .fail
    la r2, initproc
    sw r1, 0(r2)
    mov r9, r1
    lw r2, 4(sp)
    lw r3, 8(sp)
    call proc_exec
    cmpi r1, -1
    beq .fail
    li r1, P_RUNNABLE
    sw r1, P_STATE(r9)
    lw lr, 0(sp)
    addi sp, sp, 12
    ret
.fail:
    la r1, msg_noinit
    jmp panic

; sys_exec(name, arg): replace the caller's program.  The strings are
; copied in first: they live in the memory about to go away.
sys_exec:
    addi sp, sp, -(8 + P_NAMELEN + ARG_MAX)
    sw lr, 0(sp)
    sw r2, 4(sp)                 ; the user's arg pointer
    addi r9, sp, 8               ; r9: the name, in the kernel
    addi r10, r9, P_NAMELEN      ; r10: the argument, in the kernel, or 0
    mov r2, r1
    mov r1, r9
    li r3, P_NAMELEN
    call copyin_str
    cmpi r1, 0
    blt .fail
    lw r2, 4(sp)
    cmpi r2, 0
    bne 1f
    li r10, 0
    jmp 2f
1:  mov r1, r10
    li r3, ARG_MAX
    call copyin_str
    cmpi r1, 0
    blt .fail
2:  la r1, curproc
    lw r1, 0(r1)
    mov r2, r9
    mov r3, r10
    call proc_exec               ; r1 = the new program's r1, or -1
    jmp .out
.fail:
    li r1, -1
.out:
    lw lr, 0(sp)
    addi sp, sp, 8 + P_NAMELEN + ARG_MAX
    ret

; proc_exec: load the program named r2 (kernel string) into process r1,
; with argument r3 (kernel string, or 0).  r1 = the user address of the
; argument copy (the program's r1; 0 if none), or -1 if there is no such
; program or no memory.
proc_exec:
    addi sp, sp, -36
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r11, 12(sp)
    sw r12, 16(sp)
    sw r13, 20(sp)
    mov r9, r1                   ; r9: the process
    mov r13, r3                  ; r13: the argument
    mov r1, r2
    call prog_find
    cmpi r1, 0
    beq .fail
    mov r10, r1                  ; r10: the program's table entry
    call pgdir_new
    cmpi r1, 0
    beq .fail
    mov r11, r1                  ; r11: the new page directory
    la r3, ulib_start            ; the library, read-only
    la r4, ulib_end
    sub r4, r4, r3
    li r2, ULIB_BASE
    li r5, PTE_U
    call load_segment
    cmpi r1, 0
    bne .freefail
    lw r3, 4(r10)                ; the program, read-write
    lw r4, 8(r10)
    sub r4, r4, r3
    sw r4, 24(sp)                ; its size
    mov r1, r11
    li r2, PROG_BASE
    li r5, PTE_U | PTE_W
    call load_segment
    cmpi r1, 0
    bne .freefail
    mov r1, r11                  ; the top stack page
    li r2, USTACK_TOP - PAGE_SIZE
    li r3, PTE_U | PTE_W
    call uvm_alloc_page
    cmpi r1, 0
    beq .freefail
    li r12, USTACK_TOP           ; r12: the user sp
    sw zero, 28(sp)              ; the argument's user address
    cmpi r13, 0
    beq 2f
    mov r4, r1                   ; copy the argument to the top of the stack
    mov r1, r13
    push r4
    call kstrlen
    pop r4
    addi r1, r1, 1               ; with its NUL
    addi r2, r1, 15
    andi r2, r2, 0xfff0
    sub r12, r12, r2             ; sp stays 16-byte aligned
    sw r12, 28(sp)
    li r2, USTACK_TOP - PAGE_SIZE
    sub r2, r12, r2
    add r4, r4, r2               ; the kernel address of the copy
1:  lbu r2, 0(r13)
    sb r2, 0(r4)
    addi r13, r13, 1
    addi r4, r4, 1
    addi r1, r1, -1
    cmpi r1, 0
    bgt 1b
2:  ; Nothing can fail from here on: switch to the new address space.
    lw r13, P_PGDIR(r9)          ; r13: the old one (0 for a new process)
    sw r11, P_PGDIR(r9)
    la r1, curproc
    lw r1, 0(r1)
    cmp r1, r9
    bne 3f
    mov r1, r11
    call set_pgdir
3:  cmpi r13, 0
    beq 4f
    mov r1, r13
    call uvm_free
4:  lw r1, 24(sp)                ; the heap starts on the page after the program
    li r2, PROG_BASE + PAGE_SIZE - 1
    add r1, r1, r2
    shri r1, r1, PAGE_SHIFT
    shli r1, r1, PAGE_SHIFT
    sw r1, P_HEAP(r9)
    sw r1, P_BRK(r9)
    li r1, 0                     ; a clean trap frame
5:  add r2, r9, r1
    sw zero, 0(r2)
    addi r1, r1, 4
    cmpi r1, P_EPC
    blt 5b
    lw r1, 28(sp)
    sw r1, P_R1(r9)
    sw r12, P_SP(r9)
    la r1, ulib_exit
    sw r1, P_LR(r9)
    li r1, PROG_BASE
    sw r1, P_EPC(r9)
    li r1, FLAG_IE               ; user mode, interrupts on
    sw r1, P_ESTATUS(r9)
    lw r2, 0(r10)                ; the name, cut to fit
    addi r3, r9, P_NAME
    addi r4, r3, P_NAMELEN - 1
6:  lbu r1, 0(r2)
    sb r1, 0(r3)
    cmpi r1, 0
    beq 7f
    addi r2, r2, 1
    addi r3, r3, 1
    cmp r3, r4
    bltu 6b
    sb zero, 0(r3)
7:  lw r1, 28(sp)
    jmp .out
.freefail:
    mov r1, r11
    call uvm_free
.fail:
    li r1, -1
.out:
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    lw r11, 12(sp)
    lw r12, 16(sp)
    lw r13, 20(sp)
    addi sp, sp, 36
    ret

; load_segment: in page directory r1, map r4 bytes at user address r2 (a
; page boundary) with PTE bits r5, filled from the kernel address r3.
; r1 = 0, or -1 with no memory (the caller frees the directory).
load_segment:
    addi sp, sp, -24
    sw lr, 0(sp)
    sw r1, 4(sp)                 ; page directory
    sw r2, 8(sp)                 ; next user page
    sw r3, 12(sp)                ; next source byte
    sw r4, 16(sp)                ; bytes left
    sw r5, 20(sp)                ; PTE bits
1:  lw r4, 16(sp)
    cmpi r4, 0
    ble .ok
    lw r1, 4(sp)
    lw r2, 8(sp)
    lw r3, 20(sp)
    call uvm_alloc_page          ; r1: the new frame
    cmpi r1, 0
    beq .nomem
    lw r2, 12(sp)
    lw r4, 16(sp)
    li r3, PAGE_SIZE
    cmp r4, r3
    ble 2f
    mov r4, r3                   ; r4: bytes for this page
2:  add r5, r2, r4               ; copy words (the blobs are word-aligned)
3:  lw r6, 0(r2)
    sw r6, 0(r1)
    addi r2, r2, 4
    addi r1, r1, 4
    cmp r2, r5
    bltu 3b
    lw r2, 12(sp)
    addi r2, r2, PAGE_SIZE
    sw r2, 12(sp)
    lw r2, 8(sp)
    addi r2, r2, PAGE_SIZE
    sw r2, 8(sp)
    lw r2, 16(sp)
    sub r2, r2, r4
    sw r2, 16(sp)
    jmp 1b
.ok:
    li r1, 0
    jmp .out
.nomem:
    li r1, -1
.out:
    lw lr, 0(sp)
    addi sp, sp, 24
    ret

; prog_find: r1 = the prog_table entry for the name at r1, or 0.
prog_find:
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    mov r10, r1
    la r9, prog_table
1:  lw r2, 0(r9)
    cmpi r2, 0
    beq 2f
    mov r1, r10
    call kstrcmp
    cmpi r1, 0
    beq 3f
    addi r9, r9, 12
    jmp 1b
2:  li r9, 0
3:  mov r1, r9
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    addi sp, sp, 12
    ret

; kstrcmp: r1 = 0 if the strings at r1 and r2 are equal.
kstrcmp:
    lbu r3, 0(r1)
    lbu r4, 0(r2)
    cmp r3, r4
    bne 1f
    cmpi r3, 0
    beq 2f
    addi r1, r1, 1
    addi r2, r2, 1
    jmp kstrcmp
1:  li r1, 1
    ret
2:  li r1, 0
    ret

; kstrlen: r1 = the length of the string at r1.
kstrlen:
    mov r2, r1
1:  lbu r3, 0(r2)
    cmpi r3, 0
    beq 2f
    addi r2, r2, 1
    jmp 1b
2:  sub r1, r2, r1
    ret

msg_noinit: .asciz "userinit: cannot start init"
    .align 4
