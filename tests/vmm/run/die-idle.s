; die-idle.s: a guest that wrecks its machine (docs/multi.md): wfi with no
; timer and no console interrupt, so nothing can ever wake it.  The monitor
; stops it (exit 70, "idle forever"); the other guests go on.
; expect: "die: wfi with nothing to wake it", then exit 70

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
2:  wfi
    halt zero                    ; (never reached)

msg: .asciz "die: wfi with nothing to wake it\n"
