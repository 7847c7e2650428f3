; shadow.s: a monitor-cost attacker (docs/multi.md): it thrashes shadow
; paging.  NSPACE address spaces, more than the monitor keeps shadows of,
; each with NPAGE pages of its own, taken in turn: under shadow paging
; (trap, bt, hw-shadow) every switch throws a shadow away and rebuilds
; the next one page by page through hidden faults.
; expect: the line below, then nothing; exit 75 (--max-steps) or forever.

.include "attack.inc"

.equ NSPACE, 10
.equ NPAGE, 48
.equ DIRS, 0x50000               ; NSPACE page directories
.equ TABS, 0x60000               ; and a table each, for the region at 4 MiB
.equ FRAMES, 0x80000             ; the NPAGE frames they all map

at_main:
    la sp, 0x3000
    la r1, msg
    call at_say
    call at_paging               ; PT0: the identity map every space shares
    li r6, 0                     ; space r6: directory and table
1:  shli r7, r6, 12
    li r1, DIRS
    add r8, r1, r7               ; r8: its directory
    li r1, TABS
    add r9, r1, r7               ; r9: its table
    li r2, PT0 | PTE_V
    sw r2, 0(r8)
    ori r2, r9, PTE_V
    sw r2, 4(r8)                 ; directory entry 1: 4 MiB ..
    li r3, 0
    li r2, FRAMES | PTE_V | PTE_W
2:  shli r4, r3, 2
    add r4, r4, r9
    sw r2, 0(r4)
    li r1, PAGE_SIZE
    add r2, r2, r1
    addi r3, r3, 1
    cmpi r3, NPAGE
    bne 2b
    addi r6, r6, 1
    cmpi r6, NSPACE
    bne 1b
3:  li r6, 0                     ; forever: each space in turn, every page
4:  shli r7, r6, 12
    li r1, DIRS
    add r1, r1, r7
    mtc ptb, r1
    li r3, 0
    li r8, 0x400000
5:  lw r2, 0(r8)
    li r1, PAGE_SIZE
    add r8, r8, r1
    addi r3, r3, 1
    cmpi r3, NPAGE
    bne 5b
    addi r6, r6, 1
    cmpi r6, NSPACE
    bne 4b
    jmp 3b

msg: .asciz "shadow: thrashing the shadow page tables\n"
