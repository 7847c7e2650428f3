; primes.s: a CPU-bound program: count the primes below N (20000, or the
; number given as its argument) with the sieve of Eratosthenes.  The sieve,
; one byte a number, comes from sbrk: the kernel maps its pages on first
; touch (demand-zero), and they go back with a negative sbrk at the end.

.equ PRIMES_N, 20000
.equ PRIMES_MAX, 400000          ; larger sieves do not fit in memory

primes_start:
.phase PROG_BASE
primes_main:
    addi sp, sp, -20
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r11, 12(sp)
    sw r12, 16(sp)
    li r9, PRIMES_N              ; r9: N
    cmpi r1, 0
    beq 1f
    call atoi
    mov r9, r1
1:  cmpi r9, 3
    blt .usage
    li r1, PRIMES_MAX
    cmp r9, r1
    bgt .usage
    mov r1, r9
    call sbrk                    ; r10: the sieve: byte i is 1 once i is
    cmpi r1, -1                  ;      known to be composite
    beq .nomem
    mov r10, r1
    li r11, 2                    ; for each i with i*i < N:
.outer:
    mul r2, r11, r11
    cmp r2, r9
    bge .count
    add r3, r10, r11
    lbu r3, 0(r3)
    cmpi r3, 0
    bne .nexti                   ; i is composite: its multiples are marked
    li r4, 1                     ; mark i*i, i*i + i, ... composite
2:  add r3, r10, r2
    sb r4, 0(r3)
    add r2, r2, r11
    cmp r2, r9
    blt 2b
.nexti:
    addi r11, r11, 1
    jmp .outer
.count:
    li r11, 2                    ; r11: i, r12: count, r3: the largest
    li r12, 0
    li r5, 0
3:  add r3, r10, r11
    lbu r3, 0(r3)
    cmpi r3, 0
    bne 4f
    addi r12, r12, 1
    mov r5, r11
4:  addi r11, r11, 1
    cmp r11, r9
    blt 3b
    la r1, .result
    mov r2, r12
    mov r3, r9
    mov r4, r5
    call printf
    sub r1, zero, r9             ; give the sieve back
    call sbrk
    li r1, 0
    jmp .out
.usage:
    la r1, .usage_msg
    li r2, PRIMES_MAX
    call printf
    li r1, 1
    jmp .out
.nomem:
    la r1, .nomem_msg
    call printf
    li r1, 1
.out:
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    lw r11, 12(sp)
    lw r12, 16(sp)
    addi sp, sp, 20
    ret
.result:    .asciz "primes: %d primes below %d, the largest %d\n"
.usage_msg: .asciz "usage: primes [N], 3 <= N <= %d\n"
.nomem_msg: .asciz "primes: sbrk failed\n"
    .align 4
.dephase
primes_end:
