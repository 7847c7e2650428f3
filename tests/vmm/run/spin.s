; spin.s: an attacker for the multi-guest tests (docs/multi.md).  It turns
; its interrupts off, arms a timer it will never take, and spins forever in
; kernel mode.  On bare hardware it would own the machine; under the
; monitor its slice ends like anyone's, and it runs until --max-steps.
; expect: the line below, then nothing; exit 75 (--max-steps) or forever.

.equ PORT_CONS_DATA, 0

.org 0x1000
.global _start
_start:
    la r1, msg
1:  lbu r2, 0(r1)
    cmpi r2, 0
    beq 2f
    out PORT_CONS_DATA, r2
    addi r1, r1, 1
    jmp 1b
2:  li r1, 100
    mtc timer, r1                ; pending every 100 ticks, never taken
    cli
3:  jmp 3b

msg: .asciz "spin: interrupts off, spinning forever\n"
