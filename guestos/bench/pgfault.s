; bench-pgfault: page faults handled by the kernel.  Each round grows the
; heap by PAGES pages with sbrk (which maps nothing), touches every page
; once (a page fault each: the kernel maps a fresh zeroed frame), checks it
; reads zero and keeps a write, then shrinks the heap again (the kernel
; unmaps and frees the pages, with a tlbi each).

.equ PAGES, 64
#ifndef SCALE
.equ SCALE, 1                    ; -D SCALE=2: half the work (make bench: cost per operation)
#endif
.equ ROUNDS, 16 / SCALE

.include "bench/head.inc"
bench_start:
.phase PROG_BASE
    push lr
    li r12, 0                    ; r12: rounds done
    li r13, 0                    ; r13: pages touched
.round:
    li r1, PAGES * PAGE_SIZE
    call sbrk
    cmpi r1, -1
    beq .nomem
    mov r9, r1                   ; r9: the first new page
    li r10, PAGES * PAGE_SIZE
    add r10, r9, r10             ; r10: the end
    mov r11, r9
1:  lw r1, 0(r11)                ; ---- the measured loop: a fault here ----
    cmpi r1, 0
    bne .wrong                   ; a fresh page must read as zeros
    sw r11, 4(r11)
    lw r1, 4(r11)
    cmp r1, r11
    bne .wrong
    addi r13, r13, 1
    li r1, PAGE_SIZE
    add r11, r11, r1
    cmp r11, r10
    bltu 1b
    li r1, -PAGES * PAGE_SIZE    ; give them back
    call sbrk
    addi r12, r12, 1
    cmpi r12, ROUNDS
    blt .round
    la r1, .ok
    mov r2, r13
    li r3, ROUNDS
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
    la r1, .bad
    mov r2, r11
    call printf
    pop lr
    li r1, 1
    ret
.ok:  .asciz "bench pgfault: %d pages faulted in over %d rounds, ok\n"
.oom: .asciz "bench pgfault: FAILED: sbrk\n"
.bad: .asciz "bench pgfault: FAILED: page at 0x%x not fresh\n"
    .align 4
.dephase
bench_end:
.include "bench/tail.inc"
