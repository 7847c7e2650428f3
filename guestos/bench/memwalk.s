; bench-memwalk: TLB misses.  A 512 KiB working set (128 pages: twice the
; reach of the 64-entry TLB) is read at pseudo-random pages, in user mode.
; The pages are faulted in and labelled first (not measured); then each
; read checks that the page holds its own label.

.equ WS_PAGES, 128               ; a power of two
.equ READS, 100000

.include "bench/head.inc"
bench_start:
.phase PROG_BASE
    push lr
    li r1, WS_PAGES * PAGE_SIZE
    call sbrk
    cmpi r1, -1
    beq .nomem
    mov r9, r1                   ; r9: the working set
    li r2, 0                     ; label each page with its number
1:  shli r3, r2, PAGE_SHIFT
    add r3, r3, r9
    sw r2, 0(r3)
    addi r2, r2, 1
    cmpi r2, WS_PAGES
    blt 1b
    li r2, 1                     ; r2: x, the generator
    li r4, 0                     ; r4: reads done
    li r5, 1103515245
    li r6, READS
2:  mul r2, r2, r5               ; ---- the measured loop ----
    addi r2, r2, 12345
    shri r3, r2, 16              ; the page: high bits of x
    andi r3, r3, WS_PAGES - 1
    shli r7, r3, PAGE_SHIFT
    add r7, r7, r9
    lw r7, 0(r7)
    cmp r7, r3
    bne .wrong
    addi r4, r4, 1
    cmp r4, r6
    blt 2b
    la r1, .ok
    mov r2, r4
    li r3, WS_PAGES * PAGE_SIZE / 1024
    call printf
    pop lr
    li r1, 0
    ret
.nomem:
    la r1, .oom
    call printf
    pop lr
    li r1, 1
    ret
.wrong:
    mov r2, r3
    la r1, .bad
    call printf
    pop lr
    li r1, 1
    ret
.ok:  .asciz "bench memwalk: %d reads over %d KiB, ok\n"
.oom: .asciz "bench memwalk: FAILED: sbrk\n"
.bad: .asciz "bench memwalk: FAILED: page %d has the wrong label\n"
    .align 4
.dephase
bench_end:
.include "bench/tail.inc"
