; die-double.s: a guest that wrecks its machine (docs/multi.md): its trap
; vector points at no memory, so the first trap faults again on fetching
; the handler: a double fault.  The monitor stops it (exit 70); the other
; guests go on.
; expect: "die: a trap vector at no memory, then a trap", then exit 70

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
2:  li r1, 0x7fff0000
    mtc tvec, r1
    brk                          ; the vector's fetch faults: double fault
    halt zero                    ; (never reached)

msg: .asciz "die: a trap vector at no memory, then a trap\n"
