; calls.s: a guest of nested calls for backtrace, written to the kit's
; frame convention (docs/guestos.md, "Calls and frames"): main calls outer,
; outer calls middle, middle calls leaf three times, then halts 0.
;
;   outer   a frame of 12 bytes made at its entry, lr at 0(sp)
;   middle  checks its argument first (conditional branches), then makes
;           a frame of 8 bytes with push lr and pushf; its epilogue has a
;           conditional branch in it
;   leaf    no frame at all: its return address stays in lr
;
; Tests stop at labels inside these functions (the .l* ones) and compare
; each backtrace with what the code says it must be.
.entry _start
.org 0x1000
.global _start
_start:
    la sp, stack_top
    la r1, on_trap
    mtc tvec, r1
    call main
    halt zero

main:
    push lr
    li r1, 3
    call outer
.lret:
    pop lr
    ret

outer:
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r9, 4(sp)
    mov r9, r1
.lbody:
    mov r1, r9
    call middle
.lafter:
    lw r9, 4(sp)
    lw lr, 0(sp)
.lepi:
    addi sp, sp, 12
    ret

middle:
    cmpi r1, 0
    beq .none
    push lr
    pushf
    li r2, 0
.loop:
    call leaf
    addi r2, r2, 1
    cmp r2, r1
    blt .loop
    popf
.lpop:
    pop lr
    cmpi r2, 0
    beq .none
.lret:
    ret
.none:
    ret

leaf:
    addi r3, r2, 1
.lin:
    nop
    ret

; A trap here would be a bug of the guest: halt 99.
on_trap:
    li r1, 99
    halt r1

.org 0x3000
stack:
    .space 0x1000
stack_top:
