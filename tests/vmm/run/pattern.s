; pattern.s: isolation between guests (docs/multi.md).  Run several copies
; side by side, each with a different amount of memory:
;
;   1. memory: the first page whose load faults is the end of its memory;
;      its size is the seed of its pattern, so no two guests write alike.
;   2. outside, paging off: a load and a store at addresses past the end
;      (where the monitor's pages and the next guest would be, the binary
;      translator's window, the top of the address space) must all fault.
;   3. outside, paging on: page-table entries naming those frames must
;      fault the same way: a guest cannot map what it does not have.
;   4. patterns: PASSES times, write every word from the first free page to
;      the end with (address * K + seed + pass), then read all of it back.
;      Other guests run in between (the scheduler's slices are far shorter
;      than a pass), so any write that crossed over would show here, or in
;      the other guest.
;
; Paging is off in 1, 2 and 4 (guest-physical addresses); faults are
; skipped by testlib's handler (resume at the next instruction) and counted
; in tl_ntraps.  Build with -D PASSES=N to change the number of passes.
; expect: "memory: N KiB", a line per pass, "SUMMARY: 5 passed, 0 failed"
; (2 + PASSES), exit 0.

.include "testlib.inc"

#ifndef PASSES
.equ PASSES, 3
#endif
.equ K, 0x9e3779b1               ; a multiplier with every byte different
.equ VA_OUT, 0x00400000          ; where step 3 maps the outside frames
.equ NOUT, 13                    ; addresses in the list `outside`

test_main:
    push lr
    la r1, pat_end               ; the first page after the code
    li r2, PAGE_SIZE - 1
    add r1, r1, r2
    li r2, ~(PAGE_SIZE - 1)
    and r1, r1, r2
    sw r1, first(zero)

    ; ---- 1. the end of memory ----
    mov r10, r1
1:  lw r11, tl_ntraps(zero)
    lw r2, 0(r10)                ; past the end: faults, skipped
    lw r12, tl_ntraps(zero)
    cmp r11, r12
    bne 2f
    li r2, PAGE_SIZE
    add r10, r10, r2
    jmp 1b
2:  sw r10, size(zero)
    la r1, size_fmt
    shri r2, r10, 10
    call tl_printf

    ; ---- 2. outside, paging off: every access faults ----
    li r9, 0                     ; accesses that faulted
    la r13, outside
3:  lw r10, 0(r13)               ; offset from the end, or an absolute address
    cmpi r10, -1
    beq 5f
    lw r11, 4(r13)
    cmpi r11, 0
    beq 4f
    lw r1, size(zero)
    add r10, r10, r1             ; relative to the end
4:  mov r1, r10
    call probe
    add r9, r9, r1
    addi r13, r13, 8
    jmp 3b
5:  EXPECT_EQ r9, 2 * NOUT, "outside memory, paging off: every load and store faults"

    ; ---- 3. outside, paging on: entries naming frames past the end ----
    lw r10, first(zero)          ; directory, table for 0..4M, table for VA_OUT
    li r1, 3 * PAGE_SIZE / 4
    mov r2, r10
6:  sw zero, 0(r2)
    addi r2, r2, 4
    addi r1, r1, -1
    cmpi r1, 0
    bne 6b
    li r2, PAGE_SIZE
    add r11, r10, r2             ; r11: table 0
    add r12, r11, r2             ; r12: table 1
    ori r1, r11, PTE_V
    sw r1, 0(r10)
    ori r1, r12, PTE_V
    sw r1, 4(r10)                ; directory entry 1: VA_OUT
    li r1, PAGE_SIZE             ; identity-map memory up to the tables
7:  ori r2, r1, PTE_V | PTE_W
    shri r3, r1, 10
    add r3, r3, r11
    sw r2, 0(r3)
    li r2, PAGE_SIZE
    add r1, r1, r2
    cmp r1, r10
    bltu 7b
    la r13, outside              ; table 1, entry i: the i-th outside frame
    mov r3, r12
8:  lw r1, 0(r13)
    cmpi r1, -1
    beq 9f
    lw r2, 4(r13)
    cmpi r2, 0
    beq 10f
    lw r2, size(zero)
    add r1, r1, r2
10: ori r1, r1, PTE_V | PTE_W
    sw r1, 0(r3)
    addi r3, r3, 4
    addi r13, r13, 8
    jmp 8b
9:  mtc ptb, r10
    li r1, 1
    mtc paging, r1
    li r9, 0
    li r10, 0
11: li r1, VA_OUT
    shli r2, r10, 12
    add r1, r1, r2
    call probe
    add r9, r9, r1
    addi r10, r10, 1
    cmpi r10, NOUT
    blt 11b
    mtc paging, zero
    EXPECT_EQ r9, 2 * NOUT, "outside memory, paging on: every load and store faults"

    ; ---- 4. the patterns ----
    li r9, 1                     ; the pass
12: lw r10, first(zero)
    lw r11, size(zero)
    li r5, K
    add r6, r11, r9              ; seed + pass
13: mul r3, r10, r5
    add r3, r3, r6
    sw r3, 0(r10)
    addi r10, r10, 4
    cmp r10, r11
    bltu 13b
    lw r10, first(zero)
    li r12, 0                    ; words that differ
14: lw r4, 0(r10)
    mul r3, r10, r5
    add r3, r3, r6
    cmp r3, r4
    beq 15f
    addi r12, r12, 1
15: addi r10, r10, 4
    cmp r10, r11
    bltu 14b
    la r1, pass_fmt
    mov r2, r9
    mov r3, r12
    call tl_printf
    EXPECT_EQ r12, 0, "pattern: every word as written"
    addi r9, r9, 1
    cmpi r9, PASSES
    ble 12b
    pop lr
    ret

; probe: a load and a store at r1; returns r1 = how many of the two faulted.
probe:
    lw r2, tl_ntraps(zero)
    lw r3, 0(r1)
    li r3, 0x5a5a5a5a
    sw r3, 0(r1)
    lw r3, tl_ntraps(zero)
    sub r1, r3, r2
    ret

; Addresses outside the guest: (address, 1) relative to the end of its
; memory, (address, 0) absolute; -1 ends the list.
outside:
    .word 0, 1                   ; the first byte past the end
    .word 0x1000, 1
    .word 0x3f000, 1             ; the monitor's pages after it
    .word 0x40000, 1
    .word 0x48000, 1
    .word 0x100000, 1            ; where a neighbour would be
    .word 0x200000, 1
    .word 0x00800000, 0
    .word 0x10000000, 0
    .word 0x7ffff000, 0
    .word 0xffc00000, 0          ; bt's window
    .word 0xffc28000, 0          ; bt's translation cache
    .word 0xffff8000, 0          ; bt's VCPU page
    .word -1, -1

first:    .word 0
size:     .word 0
size_fmt: .asciz "memory: %u KiB\n"
pass_fmt: .asciz "pattern pass %u: %u words differ\n"
    .align 4
pat_end:
