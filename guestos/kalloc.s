; kalloc.s: the physical frame allocator.  Every frame between the end of
; the kernel image (_end, end.s) and MEM_SIZE is free at boot; the free ones
; are kept in a list threaded through their first words.  Page directories,
; page tables and user pages all come from here (vm.s).
;
; The list is shared by everything in the kernel, so it is changed only
; inside a critical section (irq.inc).

; kinit: every frame from _end (end.s, page-aligned) to MEM_SIZE is free.
; Freed from the top down, so that kalloc hands out low addresses first.
kinit:
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    li r9, MEM_SIZE - PAGE_SIZE
    la r10, _end
1:  cmp r9, r10
    bltu 2f
    mov r1, r9
    call kfree
    addi r9, r9, -PAGE_SIZE
    jmp 1b
2:  lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    addi sp, sp, 12
    ret

; kalloc_raw: r1 = a free frame (its old contents), or 0 if none is left.
kalloc_raw:
    IRQ_SAVE r8
    la r2, freelist
    lw r1, 0(r2)
    cmpi r1, 0
    beq 1f
    lw r3, 0(r1)                 ; the next free frame
    sw r3, 0(r2)
    la r2, nfree
    lw r3, 0(r2)
    addi r3, r3, -1
    sw r3, 0(r2)
1:  IRQ_RESTORE r8
    ret

; kalloc: r1 = a zeroed frame, or 0.
kalloc:
    push lr
    call kalloc_raw
    pop lr
    cmpi r1, 0
    beq 2f
    mov r2, r1
    addi r3, r1, PAGE_SIZE
1:  sw zero, 0(r2)
    sw zero, 4(r2)
    sw zero, 8(r2)
    sw zero, 12(r2)
    sw zero, 16(r2)
    sw zero, 20(r2)
    sw zero, 24(r2)
    sw zero, 28(r2)
    addi r2, r2, 32
    cmp r2, r3
    bltu 1b
2:  ret

; kfree: give the frame at r1 back.  Anything but a free-able frame is a
; kernel bug.
kfree:
    andi r2, r1, PTE_FLAGS
    cmpi r2, 0
    bne 1f
    la r2, _end
    cmp r1, r2
    bltu 1f
    li r2, MEM_SIZE
    cmp r1, r2
    bgeu 1f
    IRQ_SAVE r8
    la r2, freelist
    lw r3, 0(r2)
    sw r3, 0(r1)
    sw r1, 0(r2)
    la r2, nfree
    lw r3, 0(r2)
    addi r3, r3, 1
    sw r3, 0(r2)
    IRQ_RESTORE r8
    ret
1:  la r1, msg_kfree
    jmp panic

; (its variables, freelist and nfree, are in data.s)

msg_kfree: .asciz "kfree: not a free-able frame"
    .align 4
