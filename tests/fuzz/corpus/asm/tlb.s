; tlb.s: page-table edits followed by TLB invalidation.  The kernel changes
; a mapping, invalidates (tlbi for one page, tlbflush for all, or a write
; of CR[ptb]) and must then see the new mapping: a different frame, no
; frame at all (a fault), a different page table, a different address
; space.  Also: more pages than the TLB holds, all remapped at once.

.include "testlib.inc"

.equ VA, TL_USER + 0x10000       ; the page the test plays with
.equ FRAME_A, TL_FRAMES          ; frames labelled 0xa and 0xb
.equ FRAME_B, TL_FRAMES + PAGE_SIZE
.equ PT_X, TL_FRAMES + 2 * PAGE_SIZE      ; a second table for TL_USER
.equ PGDIR_2, TL_FRAMES + 3 * PAGE_SIZE   ; a second address space
.equ MANY, 100                   ; pages: more than the 64-entry TLB
.equ MANY_VA, TL_USER + 0x100000
.equ MANY_FRAMES, TL_FRAMES + 8 * PAGE_SIZE   ; MANY + 1 frames

test_main:
    push lr
    li r1, FRAME_A
    li r2, 0xa
    sw r2, 0(r1)
    li r1, FRAME_B
    li r2, 0xb
    sw r2, 0(r1)
    call tl_paging_on

    ; ---- one PTE, tlbi ----
    li r1, VA
    li r2, FRAME_A
    li r3, PTE_W
    call tl_map                  ; (tl_map does the tlbi)
    li r9, VA
    lw r10, 0(r9)
    EXPECT_EQ r10, 0xa, "mapped to frame A"
    li r1, VA
    call tl_pte
    li r2, FRAME_B | PTE_V | PTE_W
    sw r2, 0(r1)                 ; edit the PTE by hand ...
    li r9, VA
    tlbi r9                      ; ... and invalidate
    lw r10, 0(r9)
    EXPECT_EQ r10, 0xb, "remapped to frame B after tlbi"
    li r10, 0xbb
    sw r10, 4(r9)                ; a write goes to B too
    li r1, FRAME_B
    lw r10, 4(r1)
    EXPECT_EQ r10, 0xbb, "a write after the remap reaches frame B"

    ; ---- unmap: the next access faults ----
    li r1, VA
    call tl_pte
    sw zero, 0(r1)
    li r9, VA
    tlbi r9
    lw r10, tl_ntraps(zero)
.gone:
    lw r11, 0(r9)
    lw r11, tl_ntraps(zero)
    sub r11, r11, r10
    EXPECT_EQ r11, 1, "unmapped after tlbi: the load faults"
    EXPECT_TRAP CAUSE_PF_LOAD, .gone, VA, "unmapped after tlbi: pf-load at the page"

    ; ---- tlbflush ----
    li r1, VA
    call tl_pte
    li r2, FRAME_A | PTE_V
    sw r2, 0(r1)
    tlbflush
    li r9, VA
    lw r10, 0(r9)
    EXPECT_EQ r10, 0xa, "remapped to frame A after tlbflush"

    ; ---- permissions change: read-only now, then writable again ----
    lw r10, tl_ntraps(zero)
.ro:
    sw r10, 8(r9)
    lw r11, tl_ntraps(zero)
    sub r11, r11, r10
    EXPECT_EQ r11, 1, "made read-only: the store faults"
    EXPECT_TRAP CAUSE_PF_STORE, .ro, VA + 8, "made read-only: pf-store"
    li r1, VA
    li r2, FRAME_A
    li r3, PTE_W
    call tl_map
    li r9, VA
    li r10, 0x77
    sw r10, 8(r9)
    li r1, FRAME_A
    lw r10, 8(r1)
    EXPECT_EQ r10, 0x77, "made writable again after tlbi: the store lands"

    ; ---- a directory entry: point TL_USER at another page table ----
    li r1, PT_X                  ; PT_X maps VA to frame B only
    li r2, PT_X + PAGE_SIZE
1:  sw zero, 0(r1)
    addi r1, r1, 4
    cmp r1, r2
    bltu 1b
    li r1, PT_X + ((VA >> 12) & 0x3ff) * 4
    li r2, FRAME_B | PTE_V
    sw r2, 0(r1)
    li r1, TL_PGDIR + (TL_USER >> 22) * 4
    li r2, PT_X | PTE_V
    sw r2, 0(r1)
    tlbflush
    li r9, VA
    lw r10, 0(r9)
    EXPECT_EQ r10, 0xb, "new page table after tlbflush"
    li r1, TL_PGDIR + (TL_USER >> 22) * 4
    li r2, TL_PT1 | PTE_V
    sw r2, 0(r1)
    tlbflush
    lw r10, 0(r9)
    EXPECT_EQ r10, 0xa, "old page table back after tlbflush"

    ; ---- another address space: writing CR[ptb] flushes ----
    li r1, PGDIR_2               ; a copy of the directory, but TL_USER
    li r2, TL_PGDIR              ; goes through PT_X
    li r3, PGDIR_2 + PAGE_SIZE
2:  lw r4, 0(r2)
    sw r4, 0(r1)
    addi r1, r1, 4
    addi r2, r2, 4
    cmp r1, r3
    bltu 2b
    li r1, PGDIR_2 + (TL_USER >> 22) * 4
    li r2, PT_X | PTE_V
    sw r2, 0(r1)
    li r1, PGDIR_2
    mtc ptb, r1
    li r9, VA
    lw r10, 0(r9)
    EXPECT_EQ r10, 0xb, "second address space after writing ptb"
    li r1, TL_PGDIR
    mtc ptb, r1
    lw r10, 0(r9)
    EXPECT_EQ r10, 0xa, "first address space after writing ptb again"

    ; ---- more pages than the TLB holds ----
    li r9, 0                     ; label the frames 0..MANY
3:  li r1, MANY_FRAMES
    shli r2, r9, 12
    add r1, r1, r2
    sw r9, 0(r1)
    addi r9, r9, 1
    cmpi r9, MANY + 1
    blt 3b
    li r9, 0                     ; page i -> frame i
4:  li r1, MANY_VA
    shli r2, r9, 12
    add r1, r1, r2
    li r2, MANY_FRAMES
    shli r3, r9, 12
    add r2, r2, r3
    li r3, 0
    call tl_map
    addi r9, r9, 1
    cmpi r9, MANY
    blt 4b
    li r9, 0                     ; read them all: r10 counts the right labels
    li r10, 0
5:  li r1, MANY_VA
    shli r2, r9, 12
    add r1, r1, r2
    lw r1, 0(r1)
    cmp r1, r9
    bne 6f
    addi r10, r10, 1
6:  addi r9, r9, 1
    cmpi r9, MANY
    blt 5b
    EXPECT_EQ r10, MANY, "100 pages: each reads its own frame"
    li r9, 0                     ; edit every PTE (page i -> frame i + 1),
17: li r1, MANY_VA               ; then one tlbflush
    shli r2, r9, 12
    add r1, r1, r2
    call tl_pte
    lw r2, 0(r1)
    li r3, PAGE_SIZE
    add r2, r2, r3
    sw r2, 0(r1)
    addi r9, r9, 1
    cmpi r9, MANY
    blt 17b
    tlbflush
    li r9, 0
    li r10, 0
18: li r1, MANY_VA
    shli r2, r9, 12
    add r1, r1, r2
    lw r1, 0(r1)
    addi r2, r9, 1
    cmp r1, r2
    bne 19f
    addi r10, r10, 1
19: addi r9, r9, 1
    cmpi r9, MANY
    blt 18b
    EXPECT_EQ r10, MANY, "100 pages remapped, one tlbflush: each reads the next frame"

    mtc paging, zero
    pop lr
    ret
