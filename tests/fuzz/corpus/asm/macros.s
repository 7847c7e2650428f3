; macros: parameters, unique labels, nesting, joining
.macro inc reg, n
        addi \reg, \reg, \n
.endm
.macro spin
\@:     b \@b
.endm
.macro save reg
        push \reg
        sw \reg, \reg\()_slot(r0)
.endm
r1_slot = 0x100
.macro twice m, a
        \m \a, 1
        \m \a, 2
.endm
        .org 0x1000
_start: inc r1, 4
        twice inc, r2
        save r1
1:      cmp r1, r2
        bne 1b
        beq 2f
        spin
2:      halt zero
