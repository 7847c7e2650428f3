; spaces.s: a kernel switching between address spaces, as at every context
; switch, and editing the tables of a space while another one runs.  A
; CR[ptb] write is the only invalidation such an edit needs: whatever the
; hardware (or a monitor's shadow) kept of the old space, the space must
; look, when the kernel switches back, exactly as its tables say then:
; new frames, no frame, fewer rights, and the A and D bits set again by the
; next access after the kernel cleared them.  More spaces than a monitor
; keeps shadows for, so that some are thrown away and rebuilt.

.include "testlib.inc"

.equ NSPACES, 8
.equ VA, TL_USER                 ; every space maps VA to a frame of its own
.equ DIRS, TL_FRAMES             ; space i: directory DIRS + 2i pages,
                                 ; its TL_USER table the page after
.equ FRAMES, TL_FRAMES + 2 * NSPACES * PAGE_SIZE   ; space i's frame: FRAMES + i pages,
                                                   ; holding the word i + 1
.equ DIR0, DIRS
.equ PT0, DIRS + PAGE_SIZE
.equ DIR1, DIRS + 2 * PAGE_SIZE
.equ PT3, DIRS + 7 * PAGE_SIZE
.equ FRAME0, FRAMES
.equ FRAME2, FRAMES + 2 * PAGE_SIZE

test_main:
    push lr
    call tl_paging_on            ; TL_PT0 maps the kernel, for every space
    li r9, 0                     ; r9: space number
    li r10, DIRS
    li r11, FRAMES
.build:
    li r1, TL_PGDIR              ; the kernel's entry, as tl_paging_on made it
    lw r2, 0(r1)
    sw r2, 0(r10)
    li r1, PAGE_SIZE
    add r12, r10, r1             ; r12: the space's table
    ori r2, r12, PTE_V
    sw r2, 1024(r10)             ; directory slot VA >> 22 = 256
    ori r2, r11, PTE_V | PTE_W
    sw r2, 0(r12)
    addi r2, r9, 1
    sw r2, 0(r11)
    li r1, 2 * PAGE_SIZE
    add r10, r10, r1
    li r1, PAGE_SIZE
    add r11, r11, r1
    addi r9, r9, 1
    cmpi r9, NSPACES
    bne .build

    ; ---- round robin: each space sees its own frame, every time ----
    li r13, 0                    ; r13: wrong reads
    li r9, 3                     ; rounds
.round:
    li r10, DIRS
    li r11, 1
.space:
    mtc ptb, r10
    li r12, VA
    lw r12, 0(r12)
    cmp r12, r11
    beq 1f
    addi r13, r13, 1
1:  li r1, 2 * PAGE_SIZE
    add r10, r10, r1
    addi r11, r11, 1
    cmpi r11, NSPACES + 1
    bne .space
    addi r9, r9, -1
    cmpi r9, 0
    bne .round
    EXPECT_EQ r13, 0, "3 rounds over 8 spaces: each reads its own frame"

    ; ---- two spaces back and forth ----
    li r13, 0
    li r9, 20
.pingpong:
    li r1, DIR0
    mtc ptb, r1
    li r12, VA
    lw r12, 0(r12)
    cmpi r12, 1
    beq 1f
    addi r13, r13, 1
1:  li r1, DIR1
    mtc ptb, r1
    li r12, VA
    lw r12, 0(r12)
    cmpi r12, 2
    beq 2f
    addi r13, r13, 1
2:  addi r9, r9, -1
    cmpi r9, 0
    bne .pingpong
    EXPECT_EQ r13, 0, "20 switches between two spaces"

    ; ---- edits made while space 0 is not current ----
    li r9, PT0                   ; r9: space 0's PTE for VA
    li r10, DIR0
    li r11, DIR1
    li r12, VA

    li r1, FRAME2 | PTE_V | PTE_W | PTE_A | PTE_D
    sw r1, 0(r9)                 ; (space 1 is current)
    mtc ptb, r10
    lw r13, 0(r12)
    EXPECT_EQ r13, 3, "remapped while away: the new frame"

    mtc ptb, r11
    lw r1, 0(r9)
    li r2, ~(PTE_A | PTE_D)
    and r1, r1, r2
    sw r1, 0(r9)
    mtc ptb, r10
    lw r13, 0(r12)
    lw r13, 0(r9)
    EXPECT_BITS r13, PTE_A | PTE_D, PTE_A, "A cleared while away: set again by a read"
    mtc ptb, r11
    mtc ptb, r10
    sw r13, 4(r12)
    lw r13, 0(r9)
    EXPECT_BITS r13, PTE_A | PTE_D, PTE_A | PTE_D, "D clear, back again: set by a write"

    mtc ptb, r11
    li r1, FRAME2 | PTE_V | PTE_A | PTE_D
    sw r1, 0(r9)                 ; read-only now
    mtc ptb, r10
    lw r13, 0(r12)
    EXPECT_EQ r13, 3, "made read-only while away: still readable"
.ro_store:
    sw r13, 8(r12)
    EXPECT_TRAP CAUSE_PF_STORE, .ro_store, VA + 8, "made read-only while away: a store faults"

    mtc ptb, r11
    sw zero, 0(r9)
    mtc ptb, r10
.gone:
    lw r13, 0(r12)
    EXPECT_TRAP CAUSE_PF_LOAD, .gone, VA, "unmapped while away: a load faults"

    mtc ptb, r11
    li r1, PT3 | PTE_V
    sw r1, 1024(r10)             ; space 0's directory now names space 3's table
    mtc ptb, r10
    lw r13, 0(r12)
    EXPECT_EQ r13, 4, "directory entry changed while away: the other table"

    ; ---- the same space, flushed: tlbflush is enough ----
    li r1, FRAME0 | PTE_V | PTE_W | PTE_A | PTE_D
    li r2, PT3
    sw r1, 0(r2)
    tlbflush
    lw r13, 0(r12)
    EXPECT_EQ r13, 1, "edited in place, tlbflush: the new frame"
    li r1, FRAME2 | PTE_V | PTE_W | PTE_A | PTE_D
    li r2, PT3
    sw r1, 0(r2)
    mtc ptb, r10                 ; the same CR[ptb] again
    lw r13, 0(r12)
    EXPECT_EQ r13, 3, "edited in place, CR[ptb] rewritten: the new frame"

    li r1, TL_PGDIR
    mtc ptb, r1
    mtc paging, zero
    pop lr
    ret
