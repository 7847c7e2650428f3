; sh.s: a tiny shell.  It reads a line from the console, runs the program
; it names (with the rest of the line as its argument) and waits for it.
; Built-ins: help, exit.  At the end of input it exits too.  A line longer
; than SH_LINE - 1 characters is refused whole, with a message (readline
; would hand it over in pieces, each run as a command).

.equ SH_LINE, 80
.equ SH_LAST, 16 + SH_LINE - 1  ; the buffer's last byte (its NUL), from sp

sh_start:
.phase PROG_BASE
sh_main:
    addi sp, sp, -16 - SH_LINE
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r11, 12(sp)
    la r1, .banner
    call print
.prompt:
    la r1, .ps1
    call print
    addi r1, sp, 16
    li r2, SH_LINE
    call readline
    cmpi r1, 0
    blt .eof
    cmpi r1, SH_LINE - 1         ; a full buffer: the line fits only if its
    bne 0f                       ; newline comes next
    li r1, 0
    addi r2, sp, SH_LAST         ; (the NUL's byte, as scratch)
    li r3, 1
    call read
    lbu r3, SH_LAST(sp)
    sb zero, SH_LAST(sp)
    cmpi r1, 0
    ble 0f                       ; the input ends there: the line is whole
    cmpi r3, '\n'
    beq 0f
.too_long:                       ; drop the rest of the line, up to its newline
    li r1, 0
    addi r2, sp, 16
    li r3, SH_LINE - 1
    call read
    cmpi r1, 0
    ble 9f
    add r2, sp, r1
    lbu r3, 15(r2)               ; the last byte read (sp + 16 + r1 - 1)
    cmpi r3, '\n'
    bne .too_long
9:  la r1, .long_msg
    call print
    jmp .prompt
0:  addi r9, sp, 16              ; r9: the command's name
1:  lbu r1, 0(r9)                ; skip blanks
    cmpi r1, ' '
    bne 2f
    addi r9, r9, 1
    jmp 1b
2:  cmpi r1, 0
    beq .prompt                  ; an empty line
    mov r10, r9                  ; find the end of the name
3:  lbu r1, 0(r10)
    cmpi r1, 0
    beq 5f
    cmpi r1, ' '
    beq 4f
    addi r10, r10, 1
    jmp 3b
4:  sb zero, 0(r10)              ; cut the name; r10: the argument
    addi r10, r10, 1
6:  lbu r1, 0(r10)
    cmpi r1, ' '
    bne 7f
    addi r10, r10, 1
    jmp 6b
7:  cmpi r1, 0
    bne 8f
5:  li r10, 0                    ; no argument
8:  mov r1, r9
    la r2, .exit
    call strcmp
    cmpi r1, 0
    beq .quit
    mov r1, r9
    la r2, .help
    call strcmp
    cmpi r1, 0
    beq .do_help
    mov r1, r9
    mov r2, r10
    call spawn
    cmpi r1, 0
    beq .prompt
    mov r3, r1
    mov r2, r9
    la r1, .status
    cmpi r3, SPAWN_NOPROG
    bne 9f
    la r1, .noprog
9:  call printf
    jmp .prompt
.do_help:
    la r1, .help_msg
    call print
    jmp .prompt
.eof:
    la r1, .nl
    call print
.quit:
    li r1, 0
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    lw r11, 12(sp)
    addi sp, sp, 16 + SH_LINE
    ret
.banner:   .asciz "sh: type a program's name; help lists them, exit leaves\n"
.ps1:      .asciz "$ "
.nl:       .asciz "\n"
.exit:     .asciz "exit"
.help:     .asciz "help"
.status:   .asciz "sh: %s exited with status %d\n"
.noprog:   .asciz "sh: %s: no such program\n"
.help_msg: .asciz "programs: hello, primes [N], forktest, faults, ps, badargs, sh; built-ins: help, exit\n"
.long_msg: .asciz "sh: line too long (at most 79 characters); nothing run\n"
    .align 4
.dephase
sh_end:
