; spin.s: a guest that never stops, for Ctrl-C: it counts in r1 forever.
.entry _start
.org 0x1000
.global _start
_start:
    addi r1, r1, 1
    jmp _start
