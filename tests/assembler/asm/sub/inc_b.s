; included from inc_a.s
.word 0xb
