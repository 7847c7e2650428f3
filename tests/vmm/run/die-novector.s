; die-novector.s: a guest that wrecks its machine (docs/multi.md): a load
; from an address that is not memory, with no trap vector set.  The
; monitor stops it (exit 70, "unhandled trap pf-load ... no trap vector
; set"); the other guests go on.
; expect: "die: a load from nowhere, no trap vector", then exit 70

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
2:  li r1, 0x7ffff000
    lw r2, 0(r1)                 ; CR[tvec] is 0: nowhere to go
    halt zero                    ; (never reached)

msg: .asciz "die: a load from nowhere, no trap vector\n"
