; pte-ad.s: the accessed and dirty bits.  The page walker sets A in a PTE
; when it loads the entry into the TLB and D on the first write through it;
; a kernel that clears them (to age pages, or to find the ones to write
; back) invalidates the entry and sees them set again by the next access.

.include "testlib.inc"

.equ VA, TL_USER + 0x20000

test_main:
    push lr
    call tl_paging_on
    li r1, VA
    li r2, TL_FRAMES
    li r3, PTE_W
    call tl_map
    li r1, VA
    call tl_pte
    mov r9, r1                   ; r9: the PTE's address
    lw r10, 0(r9)
    EXPECT_BITS r10, PTE_A | PTE_D, 0, "a fresh PTE: A=0 D=0"
    li r11, VA
    lw r1, 0(r11)
    lw r10, 0(r9)
    EXPECT_BITS r10, PTE_A | PTE_D, PTE_A, "after a read: A=1 D=0"
    sw r1, 0(r11)
    lw r10, 0(r9)
    EXPECT_BITS r10, PTE_A | PTE_D, PTE_A | PTE_D, "after a write: A=1 D=1"
    lw r10, 0(r9)                ; clear both, invalidate, read
    li r1, ~(PTE_A | PTE_D)
    and r10, r10, r1
    sw r10, 0(r9)
    tlbi r11
    lw r1, 0(r11)
    lw r10, 0(r9)
    EXPECT_BITS r10, PTE_A | PTE_D, PTE_A, "cleared, invalidated, read: A=1 D=0"
    sw r1, 4(r11)
    lw r10, 0(r9)
    EXPECT_BITS r10, PTE_A | PTE_D, PTE_A | PTE_D, "then a write: D=1"
    lw r10, 0(r9)
    EXPECT_BITS r10, ~0xfff, TL_FRAMES, "the frame number is untouched"
    mtc paging, zero
    pop lr
    ret
