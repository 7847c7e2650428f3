.word 0xa
.include "inc_b.s"      ; beside inc_a.s
.include "inc_c.s"      ; through -I tests/assembler/asm/inc
