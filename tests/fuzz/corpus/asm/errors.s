; a file of errors: each line is wrong in its own way
        frob r1, r2
        add r1, r2, r99
        addi r1, r2, 70000
        beq nowhere
x:      nop
x:      nop
        .word 1 +
        lw r1, 4(r2
        .align 3
        .org -4
        mtc nosuchreg, r1
        li r1
        .macro
        .endm
#if
#endif
#else
