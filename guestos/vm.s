; vm.s: virtual memory: page tables, address spaces, demand-zero paging,
; and the checked access to user memory that system calls use.  The frames
; come from kalloc.s.
;
; A virtual address splits into two indices and an offset (cpu/mmu.c):
;
;    31          22 21          12 11            0
;   +--------------+--------------+---------------+
;   |  dir index   | table index  |    offset     |
;   +--------------+--------------+---------------+
;          |               |
;   CR[ptb] -> page directory[dir] -> page table[table] -> frame + offset
;
; The kernel is identity-mapped (VA = PA) with U=0 in every address space,
; so a physical address is also a kernel pointer: the kernel fills a frame
; that a user page maps by writing to the frame's own address.
;
; Rule: after changing an entry of the live address space, tlbi its page.
; (This CPU caches no invalid entries, so a new mapping would be found
; anyway; a monitor that shadows our page tables may not be so forgiving,
; and a real kernel follows the rule too.)

; ---- page tables ----

; walk: r1 = page directory, r2 = virtual address, r3 = 1 to make a missing
; page table.  Returns r1 = the address of the PTE, or 0 (no table, or no
; memory for one).  Clobbers r1..r8.
walk:
    shri r4, r2, 22
    shli r4, r4, 2
    add r4, r1, r4               ; r4 = the directory entry
    lw r5, 0(r4)
    andi r6, r5, PTE_V
    cmpi r6, 0
    bne .have
    cmpi r3, 0
    beq .none
    push lr
    push r2
    push r4
    call kalloc                  ; a new, empty page table
    pop r4
    pop r2
    pop lr
    cmpi r1, 0
    beq .none
    ori r5, r1, PTE_V            ; a directory entry needs only V and the frame
    sw r5, 0(r4)
.have:
    shri r5, r5, PAGE_SHIFT      ; the table's frame
    shli r5, r5, PAGE_SHIFT
    shri r6, r2, PAGE_SHIFT - 2  ; table index * 4
    andi r6, r6, 0xffc
    add r1, r5, r6
    ret
.none:
    li r1, 0
    ret

; map_page: map the page at r2 to the frame r3 with the PTE bits r4 (V is
; added) in the page directory r1.  r1 = 0, or -1 with no memory for a page
; table.
map_page:
    push lr
    push r1
    push r3
    push r4
    push r2
    li r3, 1
    call walk
    pop r2
    pop r4
    pop r3
    pop r5                       ; the page directory
    pop lr
    cmpi r1, 0
    beq 1f
    or r3, r3, r4
    ori r3, r3, PTE_V
#ifndef PV
    sw r3, 0(r1)
    mov r1, r5
    jmp tlb_sync                 ; returns 0
#else
    mov r4, r3                   ; the new entry
    mov r3, r1                   ; where it goes
    mov r1, r5                   ; (r2: the page)
    jmp pv_pte_set               ; returns 0
#endif
1:  li r1, -1
    ret

; tlb_sync: the PTE for page r2 of page directory r1 changed: if that is the
; live address space, drop the TLB's copy.  Returns r1 = 0.
tlb_sync:
    la r3, cur_pgdir
    lw r3, 0(r3)
    cmp r1, r3
    bne 1f
    tlbi r2
1:  li r1, 0
    ret

#ifdef PV
; pv_pte_set: the PTE at r3, for page r2 of page directory r1, becomes r4.
; In the live address space the monitor writes it and drops the TLB's copy
; in one hypercall (PV_MMU, a list of one: pv_batch); in any other a store
; does, as in the plain build.  Returns r1 = 0.  Clobbers r1..r5.
pv_pte_set:
    la r5, cur_pgdir
    lw r5, 0(r5)
    cmp r1, r5
    beq 1f
    sw r4, 0(r3)
    li r1, 0
    ret
1:  la r5, pv_batch
    sw r3, 0(r5)                 ; {PTE, value, page}
    sw r4, 4(r5)
    sw r2, 8(r5)
    li r1, PV_MMU
    mov r2, r5
    li r3, 1
    hcall
    cmpi r1, 1                   ; (updates applied)
    bne 2f
    li r1, 0
    ret
2:  la r1, msg_pv_mmu
    jmp panic
msg_pv_mmu: .asciz "the monitor refused a page-table update (PV_MMU)"
    .align 4
#endif

; set_pgdir: make r1 the live address space (writing CR[ptb] also empties
; the TLB).
set_pgdir:
    la r2, cur_pgdir
    sw r1, 0(r2)
    mtc ptb, r1
    ret

; kvm_init: the kernel's page directory: identity-map all memory but page 0,
; kernel-only (U=0), then turn paging on.
kvm_init:
    push lr
    call kalloc
    cmpi r1, 0
    beq .nomem
    la r2, kpgdir
    sw r1, 0(r2)
    li r9, PAGE_SIZE             ; r9: the page to map (page 0 stays unmapped)
.map:
    la r1, kpgdir
    lw r1, 0(r1)
    mov r2, r9
    mov r3, r9
    li r4, PTE_W
    call map_page
    cmpi r1, 0
    bne .nomem
    addi r9, r9, PAGE_SIZE
    li r2, MEM_SIZE
    cmp r9, r2
    bltu .map
    la r1, kpgdir
    lw r1, 0(r1)
    call set_pgdir
    li r1, 1
    mtc paging, r1               ; from here on every address is translated
    pop lr
    ret
.nomem:
    la r1, msg_kvm
    jmp panic

; pgdir_new: r1 = a new address space with only the kernel in it, or 0.
; The kernel's page tables are shared: only their directory entries are
; copied.
pgdir_new:
    push lr
    call kalloc
    pop lr
    cmpi r1, 0
    beq 2f
    la r2, kpgdir
    lw r2, 0(r2)
    li r3, 0                     ; byte offset of the entry
1:  add r4, r2, r3
    lw r5, 0(r4)
    add r4, r1, r3
    sw r5, 0(r4)
    addi r3, r3, 4
    cmpi r3, KPDE_BYTES
    blt 1b
2:  ret

; uvm_alloc_page: give page r2 of page directory r1 a fresh zeroed frame
; with PTE bits r3.  r1 = the frame, or 0 with no memory.
uvm_alloc_page:
    addi sp, sp, -20
    sw lr, 0(sp)
    sw r1, 4(sp)                 ; page directory
    sw r2, 8(sp)                 ; page
    sw r3, 12(sp)                ; PTE bits
    call kalloc
    sw r1, 16(sp)                ; the frame
    cmpi r1, 0
    beq 1f
    mov r3, r1
    lw r1, 4(sp)
    lw r2, 8(sp)
    lw r4, 12(sp)
    call map_page
    cmpi r1, 0
    beq 1f
    lw r1, 16(sp)                ; no memory for a page table: give it back
    call kfree
    sw zero, 16(sp)
1:  lw r1, 16(sp)
    lw lr, 0(sp)
    addi sp, sp, 20
    ret

; uvm_unmap: if page r2 of page directory r1 is mapped, unmap it and free
; its frame.
uvm_unmap:
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r1, 4(sp)
    sw r2, 8(sp)
    li r3, 0
    call walk
    cmpi r1, 0
    beq 1f
    lw r3, 0(r1)
    andi r4, r3, PTE_V
    cmpi r4, 0
    beq 1f
#ifndef PV
    sw zero, 0(r1)               ; unmap, then forget the TLB's copy
    lw r1, 4(sp)
    lw r2, 8(sp)
    push r3
    call tlb_sync
    pop r1
#else
    mov r6, r3                   ; the old entry: its frame
    mov r3, r1
    li r4, 0                     ; unmapped, and the TLB's copy dropped
    lw r1, 4(sp)
    lw r2, 8(sp)
    push r6
    call pv_pte_set
    pop r1
#endif
    shri r1, r1, PAGE_SHIFT      ; only now may the frame be reused
    shli r1, r1, PAGE_SHIFT
    call kfree
1:  lw lr, 0(sp)
    addi sp, sp, 12
    ret

; uvm_free: free an address space: every user page, the user page tables,
; and the directory (r1).  It must not be the live one.
uvm_free:
    push lr
    push r9
    push r10
    push r11
    push r12
    mov r12, r1
    li r9, USER_PDX * 4          ; r9: byte offset of the directory entry
.dir:
    add r1, r12, r9
    lw r10, 0(r1)                ; r10: the page table (with V)
    andi r1, r10, PTE_V
    cmpi r1, 0
    beq .nextdir
    shri r10, r10, PAGE_SHIFT
    shli r10, r10, PAGE_SHIFT
    li r11, 0                    ; r11: byte offset of the PTE
.pte:
    add r1, r10, r11
    lw r1, 0(r1)
    andi r2, r1, PTE_V
    cmpi r2, 0
    beq .nextpte
    shri r1, r1, PAGE_SHIFT
    shli r1, r1, PAGE_SHIFT
    call kfree
.nextpte:
    addi r11, r11, 4
    cmpi r11, PAGE_SIZE
    blt .pte
    mov r1, r10
    call kfree
.nextdir:
    addi r9, r9, 4
    cmpi r9, USER_PDX_END * 4
    blt .dir
    mov r1, r12
    call kfree
    pop r12
    pop r11
    pop r10
    pop r9
    pop lr
    ret

; uvm_copy: copy every user page of the address space r1 into the new one
; r2 (fork).  r1 = 0, or -1 when memory runs out (the caller frees r2).
uvm_copy:
    push lr
    push r9
    push r10
    push r11
    push r12
    push r13
    mov r12, r1                  ; r12: source directory
    mov r13, r2                  ; r13: destination directory
    li r9, USER_PDX * 4
.dir:
    add r1, r12, r9
    lw r10, 0(r1)
    andi r1, r10, PTE_V
    cmpi r1, 0
    beq .nextdir
    shri r10, r10, PAGE_SHIFT
    shli r10, r10, PAGE_SHIFT    ; r10: source page table
    li r11, 0
.pte:
    add r1, r10, r11
    lw r1, 0(r1)
    andi r2, r1, PTE_V
    cmpi r2, 0
    beq .nextpte
    push r1                      ; the source PTE
    call kalloc_raw              ; (about to be overwritten: no need to zero)
    pop r5
    cmpi r1, 0
    beq .nomem
    shri r2, r5, PAGE_SHIFT      ; copy the page: r2 from, r1 to
    shli r2, r2, PAGE_SHIFT
    mov r3, r1
    addi r4, r2, PAGE_SIZE
1:  lw r6, 0(r2)
    lw r7, 4(r2)
    lw r8, 8(r2)
    sw r6, 0(r3)
    sw r7, 4(r3)
    sw r8, 8(r3)
    lw r6, 12(r2)
    lw r7, 16(r2)
    lw r8, 20(r2)
    sw r6, 12(r3)
    sw r7, 16(r3)
    sw r8, 20(r3)
    lw r6, 24(r2)
    lw r7, 28(r2)
    sw r6, 24(r3)
    sw r7, 28(r3)
    addi r2, r2, 32
    addi r3, r3, 32
    cmp r2, r4
    bltu 1b
    mov r3, r1                   ; map it at the same address, same U and W
    andi r4, r5, PTE_U | PTE_W
    shri r2, r9, 2
    shli r2, r2, 22
    shli r6, r11, PAGE_SHIFT - 2
    or r2, r2, r6
    mov r1, r13
    push r3
    call map_page
    pop r3
    cmpi r1, 0
    beq .nextpte
    mov r1, r3
    call kfree
    jmp .nomem
.nextpte:
    addi r11, r11, 4
    cmpi r11, PAGE_SIZE
    blt .pte
.nextdir:
    addi r9, r9, 4
    cmpi r9, USER_PDX_END * 4
    blt .dir
    li r1, 0
    jmp .out
.nomem:
    li r1, -1
.out:
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop lr
    ret

; uvm_count: r1 = how many user pages the address space r1 maps (for ps).
uvm_count:
    li r2, 0                     ; the count
    cmpi r1, 0
    beq .out
    li r3, USER_PDX * 4
.dir:
    add r4, r1, r3
    lw r4, 0(r4)
    andi r5, r4, PTE_V
    cmpi r5, 0
    beq .nextdir
    shri r4, r4, PAGE_SHIFT
    shli r4, r4, PAGE_SHIFT
    addi r5, r4, PAGE_SIZE
1:  lw r6, 0(r4)
    andi r6, r6, PTE_V
    add r2, r2, r6
    addi r4, r4, 4
    cmp r4, r5
    bltu 1b
.nextdir:
    addi r3, r3, 4
    cmpi r3, USER_PDX_END * 4
    blt .dir
.out:
    mov r1, r2
    ret

; ---- demand paging ----

; vm_fault: the running process touched r1 and faulted.  If r1 lies in its
; heap or stack and the page is simply not there yet, give it a zeroed page:
; r1 = 0, and the faulting instruction runs again.  Otherwise r1 = -1.
vm_fault:
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    la r9, curproc
    lw r9, 0(r9)                 ; r9: the process
    shri r10, r1, PAGE_SHIFT
    shli r10, r10, PAGE_SHIFT    ; r10: the page
    lw r2, P_HEAP(r9)
    cmp r1, r2
    bltu .stack
    lw r2, P_BRK(r9)
    cmp r1, r2
    bltu .ok
.stack:
    li r2, USTACK_TOP - USTACK_MAX
    cmp r1, r2
    bltu .bad
    li r2, USTACK_TOP
    cmp r1, r2
    bgeu .bad
.ok:
    lw r1, P_PGDIR(r9)           ; already mapped: a protection fault
    mov r2, r10
    li r3, 0
    call walk
    cmpi r1, 0
    beq 1f
    lw r1, 0(r1)
    andi r1, r1, PTE_V
    cmpi r1, 0
    bne .bad
1:  lw r1, P_PGDIR(r9)
    mov r2, r10
    li r3, PTE_U | PTE_W
    call uvm_alloc_page
    cmpi r1, 0
    beq .nomem
    li r1, 0
    jmp .out
.nomem:
    la r1, msg_oom
    lw r2, P_PID(r9)
    call kprintf
.bad:
    li r1, -1
.out:
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    addi sp, sp, 12
    ret

; ---- user memory, as system calls see it ----

; uva2ka: the kernel address of the running process's byte at r1, checked:
; it must be a user address the process may read (r2 = 0) or write (r2 = 1);
; a demand-zero page is brought in.  r1 = the address, or 0.
uva2ka:
    li r3, USER_BASE
    cmp r1, r3
    bltu .bad
    li r3, USER_TOP
    cmp r1, r3
    bgeu .bad
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r1, 4(sp)                 ; the user address
    sw r2, 8(sp)                 ; write?
    call uva_pte
    cmpi r1, 0
    bne .have
    lw r1, 4(sp)                 ; not mapped: maybe demand-zero
    call vm_fault
    cmpi r1, 0
    bne .fail
    lw r1, 4(sp)
    call uva_pte
    cmpi r1, 0
    beq .fail
.have:
    andi r3, r1, PTE_U           ; r1: the PTE
    cmpi r3, 0
    beq .fail
    lw r2, 8(sp)
    cmpi r2, 0
    beq 1f
    andi r3, r1, PTE_W
    cmpi r3, 0
    beq .fail
1:  shri r1, r1, PAGE_SHIFT
    shli r1, r1, PAGE_SHIFT
    lw r2, 4(sp)
    andi r2, r2, PTE_FLAGS
    or r1, r1, r2
    jmp .out
.fail:
    li r1, 0
.out:
    lw lr, 0(sp)
    addi sp, sp, 12
    ret
.bad:
    li r1, 0
    ret

; uva_pte: r1 = the running process's PTE for the address r1 if it is
; valid, else 0.
uva_pte:
    push lr
    mov r2, r1
    la r1, curproc
    lw r1, 0(r1)
    lw r1, P_PGDIR(r1)
    li r3, 0
    call walk
    pop lr
    cmpi r1, 0
    beq 1f
    lw r1, 0(r1)
    andi r2, r1, PTE_V
    cmpi r2, 0
    bne 1f
    li r1, 0
1:  ret

; copyin_str: copy the user string at r2 into the kernel buffer r1 of r3
; bytes.  r1 = its length, or -1 if it is not all readable or too long.
copyin_str:
    addi sp, sp, -20
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r11, 12(sp)
    sw r12, 16(sp)
    mov r9, r1                   ; r9: start of the buffer
    mov r10, r1                  ; r10: next kernel byte
    mov r11, r2                  ; r11: next user byte
    add r12, r1, r3              ; r12: end of the buffer
1:  cmp r10, r12
    bgeu .bad
    mov r1, r11
    li r2, 0
    call uva2ka
    cmpi r1, 0
    beq .bad
    lbu r2, 0(r1)
    sb r2, 0(r10)
    addi r10, r10, 1
    addi r11, r11, 1
    cmpi r2, 0
    bne 1b
    sub r1, r10, r9
    addi r1, r1, -1
    jmp .out
.bad:
    li r1, -1
.out:
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    lw r11, 12(sp)
    lw r12, 16(sp)
    addi sp, sp, 20
    ret

; copyout: copy r3 bytes from the kernel address r2 to the user address r1.
; r1 = 0, or -1 if the destination is not all writable.
copyout:
    addi sp, sp, -16
    sw lr, 0(sp)
    sw r10, 4(sp)
    sw r11, 8(sp)
    sw r12, 12(sp)
    mov r10, r1                  ; r10: next user byte
    mov r11, r2                  ; r11: next kernel byte
    add r12, r2, r3              ; r12: end of the source
1:  cmp r11, r12
    bgeu .ok
    mov r1, r10
    li r2, 1
    call uva2ka
    cmpi r1, 0
    beq .bad
    lbu r2, 0(r11)
    sb r2, 0(r1)
    addi r10, r10, 1
    addi r11, r11, 1
    jmp 1b
.ok:
    li r1, 0
    jmp .out
.bad:
    li r1, -1
.out:
    lw lr, 0(sp)
    lw r10, 4(sp)
    lw r11, 8(sp)
    lw r12, 12(sp)
    addi sp, sp, 16
    ret

; ---- data ----
kpgdir:    .word 0               ; the kernel-only page directory
cur_pgdir: .word 0               ; the one in CR[ptb]

msg_kvm:   .asciz "kvm_init: out of memory for the kernel page tables"
msg_oom:   .asciz "kernel: out of memory for pid %d\n"
    .align 4
