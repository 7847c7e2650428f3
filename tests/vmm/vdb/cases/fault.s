; fault.s: a guest that wrecks its machine: a load beyond memory with no
; trap vector set.  The machine stops with "unhandled trap".
.entry _start
.org 0x1000
.global _start
_start:
    li r1, 5
    li r2, 0x00200000            ; beyond the 1 MiB of memory
    lw r3, 0(r2)                 ; pf-load, and nowhere to go
    halt r1                      ; never reached
