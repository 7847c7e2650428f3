; pv-mmu.s: page-table updates, one by one (tlbi each) and batched (one
; PV_MMU hypercall; docs/pv.md), and hypercalls with bad numbers and
; arguments.  Built twice (mk/guests.mk): build/guests/pvtest-mmu.img as a
; plain kernel, pvtest-mmu-pv.img with -D PV for bin/vmm --pv on.
;
; Eight pages at TL_USER are mapped to frames labelled 0..7, read, then
; remapped to frames labelled 100..107 and read again: a TLB (or a shadow
; page table) entry that the update did not drop reads the old label.
; tests/vmm/core/test_pv.c counts the exits of both builds.

.include "testlib.inc"
.include "pv.inc"

.equ N, 8
.equ VA, TL_USER
.equ FA, TL_FRAMES                 ; frames labelled i
.equ FB, TL_FRAMES + N * PAGE_SIZE ; frames labelled 100 + i
.equ FC, TL_FRAMES + 2 * N * PAGE_SIZE ; a user code page
.equ UCODE, TL_USER + 0x100000     ; where it is mapped
.equ pv_page, 0x7000               ; the shared area (below 0x8000: N(zero))
.equ LIST, 0x7a00                  ; a PV_MMU list of N updates

test_main:
    push lr
    call tl_paging_on
#ifdef PV
    li r1, 0x1234                ; a sentinel: PV_SETUP overwrites vif
    sw r1, pv_page + PV_VIF(zero)
    li r1, PV_SETUP
    li r2, pv_page
    hcall
    EXPECT_EQ r1, 0, "setup: accepted"
    lw r9, pv_page + PV_VIF(zero)
    EXPECT_EQ r9, 0, "setup: the monitor wrote vif"
#endif
    li r1, 0                     ; label the frames
1:  shli r2, r1, 12
    li r3, FA
    add r3, r3, r2
    sw r1, 0(r3)
    li r3, FB
    add r3, r3, r2
    addi r4, r1, 100
    sw r4, 0(r3)
    addi r1, r1, 1
    cmpi r1, N
    blt 1b

    li r1, FA
    call remap
    li r1, 0
    call check
    EXPECT_EQ r1, 0, "round 1: every page reads its frame"
    li r1, FB
    call remap
    li r1, 100
    call check
    EXPECT_EQ r1, 0, "round 2: no page reads a stale mapping"

#ifdef PV
    ; ---- bad calls: an error in r1, nothing changed ----
    li r1, 99
    hcall
    EXPECT_EQ r1, -1, "no such call: PV_ENOSYS"
    li r1, PV_MMU                ; a good update, then one outside memory
    li r2, LIST
    li r3, TL_PT1
    sw r3, LIST(zero)
    li r3, FA | PTE_V | PTE_W
    sw r3, LIST + 4(zero)
    li r3, VA
    sw r3, LIST + 8(zero)
    li r3, 0x7fff0000
    sw r3, LIST + 12(zero)
    sw zero, LIST + 16(zero)
    li r3, PV_NO_VA
    sw r3, LIST + 20(zero)
    li r3, 2
    hcall
    EXPECT_EQ r1, -2, "mmu: a PTE outside guest memory: PV_EINVAL"
    li r1, 100
    call check
    EXPECT_EQ r1, 0, "mmu: a refused list changed nothing"
    li r1, PV_MMU
    li r2, LIST
    li r3, 0
    hcall
    EXPECT_EQ r1, -2, "mmu: no updates: PV_EINVAL"
    li r1, PV_MMU
    li r2, LIST
    li r3, 65
    hcall
    EXPECT_EQ r1, -2, "mmu: more than PV_MMU_MAX: PV_EINVAL"
    li r1, PV_MMU
    li r2, 0xfffffff4
    li r3, 1
    hcall
    EXPECT_EQ r1, -2, "mmu: a list outside guest memory: PV_EINVAL"
    li r3, TL_PT1 + 2
    sw r3, LIST(zero)
    li r1, PV_MMU
    li r2, LIST
    li r3, 1
    hcall
    EXPECT_EQ r1, -2, "mmu: a misaligned PTE: PV_EINVAL"
    li r1, PV_SETUP
    li r2, pv_page + 4
    hcall
    EXPECT_EQ r1, -2, "setup: misaligned: PV_EINVAL"
    li r1, PV_SETUP
    li r2, 0xfff00
    hcall
    EXPECT_EQ r1, -2, "setup: past the end of memory: PV_EINVAL"
    li r1, PV_SETUP
    li r2, 0
    hcall
    EXPECT_EQ r1, -2, "setup: page 0: PV_EINVAL"
    li r9, 1                     ; the shared area is still the one set up
    sw r9, pv_page + PV_VIF(zero)
    li r1, PV_IRQ
    hcall
    EXPECT_EQ r1, 0, "irq: nothing pending, back at once"
    VCLI
#endif

    ; ---- hcall from user mode: an illegal instruction, the kernel's ----
    li r1, UCODE
    li r2, FC
    li r3, PTE_U
    call tl_map
    li r1, HCALL_WORD
    li r2, FC
    sw r1, 0(r2)
    li r1, UCODE
    li r2, UCODE + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_ILLEGAL, UCODE, HCALL_WORD, "hcall in user mode: illegal"

#ifndef PV
    ; ---- hcall in the kernel, no monitor taking it: illegal too ----
    li r1, PV_IRQ
hc_at:
    hcall
    EXPECT_TRAP CAUSE_ILLEGAL, hc_at, HCALL_WORD, "hcall in the kernel without --pv: illegal"
#endif
    pop lr
    ret

; remap: map page VA + i to frame r1 + i, for i = 0..N-1, and make sure
; no translation of the old mapping survives.  Plain: a store and a tlbi
; each, as a kernel does; PV: one PV_MMU call for all.
remap:
#ifndef PV
    li r2, 0
1:  shli r3, r2, 12
    add r4, r1, r3
    ori r4, r4, PTE_V | PTE_W
    shli r5, r2, 2
    li r6, TL_PT1
    add r5, r5, r6
    sw r4, 0(r5)
    li r6, VA
    add r6, r6, r3
    tlbi r6
    addi r2, r2, 1
    cmpi r2, N
    blt 1b
    ret
#else
    li r2, 0
    li r7, LIST
1:  shli r3, r2, 12
    add r4, r1, r3
    ori r4, r4, PTE_V | PTE_W
    shli r5, r2, 2
    li r6, TL_PT1
    add r5, r5, r6
    sw r5, 0(r7)                 ; {PTE, value, page}
    sw r4, 4(r7)
    li r6, VA
    add r6, r6, r3
    sw r6, 8(r7)
    addi r7, r7, 12
    addi r2, r2, 1
    cmpi r2, N
    blt 1b
    li r1, PV_MMU
    li r2, LIST
    li r3, N
    hcall
    cmpi r1, N
    beq 2f
    li r1, 0xdead                ; (check will count it wrong)
    sw r1, tl_failed(zero)
2:  ret
#endif

; check: r1 = how many of the N pages do not read r1 + i.
check:
    li r2, 0
    li r5, 0
1:  shli r3, r2, 12
    li r4, VA
    add r4, r4, r3
    lw r4, 0(r4)
    add r6, r1, r2
    cmp r4, r6
    beq 2f
    addi r5, r5, 1
2:  addi r2, r2, 1
    cmpi r2, N
    blt 1b
    mov r1, r5
    ret
