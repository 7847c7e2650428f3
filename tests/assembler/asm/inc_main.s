; test_asm.c test_include: sub/inc_a.s is found beside this file
.include "sub/inc_a.s"
.word 1
