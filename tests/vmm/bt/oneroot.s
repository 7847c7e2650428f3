; oneroot.s: the kernel reads 32 user pages, then a user program reads the
; same pages.  Under binary translation one shadow root serves both virtual
; modes (docs/bt.md), so each page takes one hidden fault, not one per mode:
; tests/vmm/bt/test_bt.c counts them.
.include "testlib.inc"
.equ NPAGES, 32

test_main:
    push lr
    call tl_paging_on
    la r1, upage                 ; the user's code
    mov r2, r1
    li r3, PTE_U
    call tl_map
    li r9, 0
1:  shli r1, r9, 12
    li r2, TL_FRAMES
    add r1, r1, r2               ; page i, identity-mapped, U=1
    mov r2, r1
    li r3, PTE_U | PTE_W
    call tl_map
    lw r4, 0(r1)                 ; the kernel touches it first
    addi r9, r9, 1
    cmpi r9, NPAGES
    blt 1b
    la r1, upage
    li r2, 0
    li r3, 0
    call tl_run_user
    EXPECT_EQ r1, CAUSE_SYSCALL, "the user program read every page the kernel read"
    pop lr
    ret

    .align PAGE_SIZE
upage:
    li r4, TL_FRAMES
    li r5, NPAGES
1:  lw r6, 0(r4)
    li r7, PAGE_SIZE
    add r4, r4, r7
    addi r5, r5, -1
    cmpi r5, 0
    bne 1b
    syscall
    .align PAGE_SIZE
