; ptchurn.s: a monitor-cost attacker (docs/multi.md): page-table churn.
; It rewrites page-table entries without end, each followed by tlbi (as
; the ISA asks) and a touch of the page, so that a monitor with shadow
; paging drops and refills a shadow entry for every few instructions.
; expect: the line below, then nothing; exit 75 (--max-steps) or forever.

.include "attack.inc"

.equ NPAGE, 64
.equ TAB, 0x50000                ; the table for the region at 4 MiB
.equ FRAMES, 0x80000             ; two sets of NPAGE frames, swapped

at_main:
    la sp, 0x3000
    la r1, msg
    call at_say
    call at_paging
    li r1, PGDIR
    li r2, TAB | PTE_V
    sw r2, 4(r1)
    li r6, 0                     ; r6: which set of frames
1:  li r3, 0
    li r8, 0x400000              ; r8: the page, r9: its entry
    li r9, TAB
2:  shli r2, r3, 12
    li r1, FRAMES | PTE_V | PTE_W
    add r2, r2, r1
    shli r1, r6, 18              ; the other set: 256 KiB further
    add r2, r2, r1
    sw r2, 0(r9)
    tlbi r8
    sw r3, 0(r8)                 ; a hidden fault, and a dirty bit
    li r1, PAGE_SIZE
    add r8, r8, r1
    addi r9, r9, 4
    addi r3, r3, 1
    cmpi r3, NPAGE
    bne 2b
    xori r6, r6, 1
    jmp 1b

msg: .asciz "ptchurn: page-table churn\n"
