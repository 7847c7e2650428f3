; bench-ptemod: page-table edits.  In the kernel, one page-table entry is
; switched back and forth between two frames; each edit is followed by a
; tlbi, as the rule in vm.s requires, and by a read through the new mapping
; that checks it reaches the right frame.  (Under a monitor that shadows the
; page tables, each edit is what it must notice.)  The PV build asks the
; monitor to make each edit and drop the TLB entry, in one hypercall.

.equ BENCH_KERNEL, 1
#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
.equ ITERATIONS, 40000 / SCALE           ; two edits each
.equ BENCH_VA, 0x80000000        ; a page nothing else uses

.include "bench/head.inc"
bench_kernel:
    call kalloc                  ; frame A, labelled 1
    mov r9, r1
    li r1, 1
    sw r1, 0(r9)
    call kalloc                  ; frame B, labelled 2
    mov r10, r1
    li r1, 2
    sw r1, 0(r10)
    la r1, kpgdir
    lw r1, 0(r1)
    li r2, BENCH_VA
    li r3, 1
    call walk                    ; r11: the PTE (its page table made now)
    cmpi r1, 0
    beq .wrong
    mov r11, r1
    ori r12, r9, PTE_V | PTE_W   ; r12, r13: the two entries
    ori r13, r10, PTE_V | PTE_W
#ifndef PV
    li r2, BENCH_VA
    li r3, 0                     ; r3: iterations done
    li r4, ITERATIONS
1:  sw r12, 0(r11)               ; ---- the measured loop ----
    tlbi r2
    lw r5, 0(r2)
    cmpi r5, 1
    bne .wrong
    sw r13, 0(r11)
    tlbi r2
    lw r5, 0(r2)
    cmpi r5, 2
    bne .wrong
    addi r3, r3, 1
    cmp r3, r4
    blt 1b
#else
    li r9, 0                     ; r9: iterations done
1:  la r1, kpgdir                ; ---- the measured loop (PV: each edit one ----
    lw r1, 0(r1)                 ; ---- PV_MMU call, vm.s pv_pte_set) ----
    li r2, BENCH_VA
    mov r3, r11
    mov r4, r12
    call pv_pte_set
    li r2, BENCH_VA
    lw r5, 0(r2)
    cmpi r5, 1
    bne .wrong
    la r1, kpgdir
    lw r1, 0(r1)
    mov r3, r11
    mov r4, r13
    call pv_pte_set
    li r2, BENCH_VA
    lw r5, 0(r2)
    cmpi r5, 2
    bne .wrong
    addi r9, r9, 1
    li r4, ITERATIONS
    cmp r9, r4
    blt 1b
    mov r3, r9
#endif
    la r1, .ok
    shli r2, r3, 1
    call kprintf
    li r1, 0
    halt r1
.wrong:
    la r1, .bad
    call kprintf
    li r1, 1
    halt r1
#ifndef PV
.ok:  .asciz "bench ptemod: %d PTE edits with tlbi, ok\n"
#else
.ok:  .asciz "bench ptemod: %d PTE edits by hypercall, ok\n"
#endif
.bad: .asciz "bench ptemod: FAILED: a read went through a stale mapping\n"
    .align 4
.include "bench/kinit.inc"
