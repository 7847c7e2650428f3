; ulib.s: the user library: system call stubs, strings, printf, spawn.
;
; It is linked at ULIB_BASE (.phase) and exec maps a copy of it, read-only,
; into every process, so every program can call it (calls are pc-relative:
; the assembler works out the distance from PROG_BASE to ULIB_BASE).  Being
; read-only it keeps no data of its own: everything lives on the caller's
; stack.
;
; Calling convention (the kernel's too): arguments in r1..r6, result in r1
; (wait: also r2); r1..r8 may be clobbered; r9..r13 are preserved; sp is the
; stack, lr the return address.

ulib_start:
.phase ULIB_BASE

; ---- system calls: number in r7, arguments already in r1..r3 ----
ulib_exit:                       ; a program's main returns here: exit(r1)
exit:
    li r7, SYS_EXIT
    syscall                      ; (does not return)
write:
    li r7, SYS_WRITE
    syscall
    ret
read:
    li r7, SYS_READ
    syscall
    ret
getpid:
    li r7, SYS_GETPID
    syscall
    ret
yield:
    li r7, SYS_YIELD
    syscall
    ret
fork:
    li r7, SYS_FORK
    syscall
    ret
wait:                            ; r1 = pid, r2 = its exit status
    li r7, SYS_WAIT
    syscall
    ret
exec:
    li r7, SYS_EXEC
    syscall
    ret
sbrk:
    li r7, SYS_SBRK
    syscall
    ret
procinfo:
    li r7, SYS_PROCINFO
    syscall
    ret

; ---- strings ----

; strlen: r1 = the length of the string at r1.
strlen:
    mov r2, r1
1:  lbu r3, 0(r2)
    cmpi r3, 0
    beq 2f
    addi r2, r2, 1
    jmp 1b
2:  sub r1, r2, r1
    ret

; strcmp: r1 = 0 if the strings at r1 and r2 are equal, else nonzero.
strcmp:
    lbu r3, 0(r1)
    lbu r4, 0(r2)
    cmp r3, r4
    bne 1f
    cmpi r3, 0
    beq 1f
    addi r1, r1, 1
    addi r2, r2, 1
    jmp strcmp
1:  sub r1, r3, r4
    ret

; atoi: r1 = the decimal number at the start of the string r1 (0 if none).
atoi:
    li r2, 0
    li r4, 10
1:  lbu r3, 0(r1)
    addi r3, r3, -'0'
    cmpi r3, 9
    bgtu 2f                      ; not a digit (unsigned: below '0' too)
    mul r2, r2, r4
    add r2, r2, r3
    addi r1, r1, 1
    jmp 1b
2:  mov r1, r2
    ret

; print: write the string r1 to the console.
print:
    push lr
    push r1
    call strlen
    mov r3, r1
    pop r2
    li r1, 1
    call write
    pop lr
    ret

; readline: read a line of at most r2 - 1 bytes into the buffer r1, without
; its newline, NUL-terminated.  r1 = its length, or -1 at the end of input.
readline:
    addi sp, sp, -20
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r11, 12(sp)
    mov r9, r1                   ; r9: the buffer
    addi r10, r2, -1             ; r10: room
    li r11, 0                    ; r11: bytes so far
1:  cmp r11, r10
    bge 3f
    li r1, 0
    add r2, r9, r11
    sub r3, r10, r11
    call read
    cmpi r1, 0
    ble 2f
    add r11, r11, r1
    add r2, r9, r11
    lbu r3, -1(r2)
    cmpi r3, '\n'
    bne 1b
    addi r11, r11, -1            ; drop the newline
    jmp 3f
2:  cmpi r11, 0                  ; end of input
    bne 3f
    li r1, -1
    jmp 4f
3:  add r2, r9, r11
    sb zero, 0(r2)
    mov r1, r11
4:  lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    lw r11, 12(sp)
    addi sp, sp, 20
    ret

; spawn: run program r1 (a name) with argument string r2 (or 0) in a child
; and wait for it.  r1 = its exit status, SPAWN_NOPROG if there is no such
; program, -1 if it could not fork.
.equ SPAWN_NOPROG, 127
spawn:
    addi sp, sp, -16
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r1, 8(sp)
    sw r2, 12(sp)
    call fork
    cmpi r1, 0
    blt 3f
    bne 1f
    lw r1, 8(sp)                 ; the child
    lw r2, 12(sp)
    call exec                    ; returns only if it failed
    li r1, SPAWN_NOPROG
    call exit
1:  mov r9, r1                   ; the parent: wait for this child
2:  call wait
    cmpi r1, 0
    blt 3f
    cmp r1, r9
    bne 2b                       ; (an orphan we inherited: not ours)
    mov r1, r2
    jmp 4f
3:  li r1, -1
4:  lw lr, 0(sp)
    lw r9, 4(sp)
    addi sp, sp, 16
    ret

; ---- printf ----

; printf: format into a buffer on the stack, then write it in one system
; call (so a line is never cut by another process's output).
;   r1 = format, r2..r6 = up to five arguments, taken in order by
;   %d signed decimal   %u unsigned   %x eight hex digits   %s string
;   %c character        %% percent
; An optional width pads with spaces: %5d right-aligns, %-8s left-aligns.
.equ PF_ARGS, 20                 ; frame: lr, r9..r12, the five arguments,
.equ PF_TMP, 40                  ;   a scratch area for digits,
.equ PF_BUF, 56                  ;   the output buffer
.equ PF_BUFLEN, 128
.equ PF_FRAME, PF_BUF + PF_BUFLEN
printf:
    addi sp, sp, -PF_FRAME
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r11, 12(sp)
    sw r12, 16(sp)
    sw r2, PF_ARGS(sp)
    sw r3, PF_ARGS + 4(sp)
    sw r4, PF_ARGS + 8(sp)
    sw r5, PF_ARGS + 12(sp)
    sw r6, PF_ARGS + 16(sp)
    mov r9, r1                   ; r9: next format byte
    addi r10, sp, PF_ARGS        ; r10: next argument
    addi r12, sp, PF_BUF         ; r12: next free buffer byte
.loop:
    lbu r1, 0(r9)
    addi r9, r9, 1
    cmpi r1, 0
    beq .done
    cmpi r1, '%'
    beq .directive
    call .put
    jmp .loop
.directive:
    li r5, 0                     ; r5: 1 = left-align
    li r6, 0                     ; r6: width
    lbu r1, 0(r9)
    cmpi r1, '-'
    bne 1f
    li r5, 1
    addi r9, r9, 1
1:  lbu r1, 0(r9)                ; the width's digits
    addi r2, r1, -'0'
    cmpi r2, 9
    bgtu 2f
    li r3, 10
    mul r6, r6, r3
    add r6, r6, r2
    addi r9, r9, 1
    jmp 1b
2:  addi r9, r9, 1               ; r1: the conversion letter
    lw r2, 0(r10)                ; r2: its argument
    addi r11, sp, PF_TMP + 16    ; r11: end of the converted text
    cmpi r1, 'd'
    beq .dec
    cmpi r1, 'u'
    beq .udec
    cmpi r1, 'x'
    beq .hex
    cmpi r1, 's'
    beq .str
    cmpi r1, 'c'
    beq .chr
    call .put                    ; %% (or unknown): the letter itself
    jmp .loop
.chr:
    addi r3, r11, -1
    sb r2, 0(r3)
    jmp .conv
.str:
    mov r1, r2                   ; the text is the string itself
    push r2
    push r5
    call strlen
    pop r5
    pop r3
    add r11, r3, r1
    jmp .conv
.hex:
    mov r3, r11
    li r4, 8
3:  andi r1, r2, 15
    shri r2, r2, 4
    cmpi r1, 10
    blt 4f
    addi r1, r1, 'a' - '0' - 10
4:  addi r1, r1, '0'
    addi r3, r3, -1
    sb r1, 0(r3)
    addi r4, r4, -1
    cmpi r4, 0
    bgt 3b
    jmp .conv
.dec:
    cmpi r2, 0
    bge .udec
    sub r2, zero, r2
    call .digits
    addi r3, r3, -1
    li r1, '-'
    sb r1, 0(r3)
    jmp .conv
.udec:
    call .digits
; the text is [r3, r11): pad it to the width r6 and put it in the buffer
.conv:
    addi r10, r10, 4             ; the argument is used
    sub r4, r11, r3              ; r4: its length
    sub r6, r6, r4               ; r6: padding needed
    cmpi r5, 0
    bne 6f
5:  cmpi r6, 0                   ; right-aligned: pad first
    ble 6f
    li r1, ' '
    call .put
    addi r6, r6, -1
    jmp 5b
6:  cmp r3, r11
    bgeu 7f
    lbu r1, 0(r3)
    call .put
    addi r3, r3, 1
    jmp 6b
7:  cmpi r6, 0                   ; left-aligned: pad after
    ble .loop
    li r1, ' '
    call .put
    addi r6, r6, -1
    jmp 7b
.done:
    call .flush
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    lw r11, 12(sp)
    lw r12, 16(sp)
    addi sp, sp, PF_FRAME
    ret
; .digits: the unsigned decimal digits of r2, ending at r11; r3 = the first.
.digits:
    mov r3, r11
    li r4, 10
8:  remu r1, r2, r4
    divu r2, r2, r4
    addi r1, r1, '0'
    addi r3, r3, -1
    sb r1, 0(r3)
    cmpi r2, 0
    bne 8b
    ret
; .put: append the byte r1 to the buffer, writing it out when full.
; Keeps r3..r6 (and lr: .flush makes the system call in place).
.put:
    sb r1, 0(r12)
    addi r12, r12, 1
    addi r1, sp, PF_BUF + PF_BUFLEN
    cmp r12, r1
    bltu 9f
.flush:
    push r3
    li r1, 1
    addi r2, sp, PF_BUF + 4      ; (sp moved by the push)
    sub r3, r12, r2
    li r7, SYS_WRITE
    syscall
    pop r3
    addi r12, sp, PF_BUF
9:  ret

    .align 4
.dephase
ulib_end:
