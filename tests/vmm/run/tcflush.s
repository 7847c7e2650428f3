; tcflush.s: a monitor-cost attacker (docs/multi.md): it thrashes the
; binary translator's cache.  Its code runs through NCODE pages, a block of
; NINC additions and a jump in each, and after every pass it stores into a
; word of that code (the same value: a store to translated code is what
; counts), so under --mode bt every pass throws all translations away and
; makes them again, write-protecting each page anew, while many shadow page
; tables are live (one for each of NTAB regions it touched).  Elsewhere it
; is a loop of additions and stores.
; expect: the line below, then nothing; exit 75 (--max-steps) or forever.

.include "attack.inc"

.equ CODE, 0x80000               ; NCODE pages of code, written at boot
.equ NCODE, 32
.equ NINC, 7                     ; instructions before each page's jump
.equ TABLES, 0x42000             ; NTAB page tables, one region each
.equ NTAB, 48

at_main:
    la sp, 0x3000
    la r1, msg
    call at_say
    call at_paging
    li r6, CODE                  ; the chain: NINC x addi r5, r5, 1; jmp next page
    li r7, NCODE
    lw r8, t_inc(zero)
    lw r9, t_jmp(zero)
1:  li r2, 0
5:  shli r3, r2, 2
    add r3, r3, r6
    sw r8, 0(r3)
    addi r2, r2, 1
    cmpi r2, NINC
    bne 5b
    sw r9, 4 * NINC(r6)
    li r1, PAGE_SIZE
    add r6, r6, r1
    addi r7, r7, -1
    cmpi r7, 0
    bne 1b
    lw r8, t_ret(zero)           ; the last page returns
    sw r8, 0(r6)
    li r6, TABLES                ; NTAB regions, a table and a page each
    li r7, 1
2:  li r1, PGDIR
    shli r2, r7, 2
    add r1, r1, r2
    ori r2, r6, PTE_V
    sw r2, 0(r1)
    li r2, CODE | PTE_V | PTE_W  ; entry 0 of each table
    sw r2, 0(r6)
    li r1, PAGE_SIZE
    add r6, r6, r1
    addi r7, r7, 1
    cmpi r7, NTAB + 1
    bne 2b
    tlbflush
    li r7, 1
3:  shli r1, r7, 22              ; touch each region: a shadow table each
    lw r2, 0(r1)
    addi r7, r7, 1
    cmpi r7, NTAB + 1
    bne 3b
4:  li r1, CODE
    callr r1                     ; through every page of code
    li r1, CODE
    lw r2, 0(r1)
    sw r2, 0(r1)                 ; and a store into it
    jmp 4b

t_inc: addi r5, r5, 1
t_jmp: .word 0x40000400 - NINC    ; jmp to the next page's first word
t_ret: ret
msg: .asciz "tcflush: thrashing the translation cache\n"
