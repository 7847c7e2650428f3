; every directive, expressions and conditionals
.equ BASE, 0x2000
SIZE = 16 * 4
        .org BASE
        .entry start
        .global start, table
start:  li r1, SIZE
        li r2, -(1 << 20) | 0xff
        la r3, table + 8
        lw r4, 4(r3)
        sw r4, -4(sp)
        .align 8
table:  .word 1, 2, 3, start, table - start, ~0, 'a', '\n'
        .half 0xffff, -1
        .byte 1, 2, 255, -128
        .ascii "abc", "\x41\101\t"
        .asciz "end"
        .space 7, 0x5a
        .align 4
#if SIZE > 32 && defined(BASE)
        addi r1, r1, SIZE % 7
#elif 0
        bad
#else
        nop
#endif
#ifdef NOTHING
        nope
#endif
        .phase 0x400000
user:   jmp user
        .dephase
        halt zero
