; init.s: process 1.  The kernel starts it with the argument "script" when
; the console has no input at all (its status says end of input at boot),
; and "shell" otherwise.
;
;   script: run each built-in program once, in order, and exit 0.
;   shell:  run the shell and exit with its status.
; When init exits the kernel halts the machine with init's status.

init_start:
.phase PROG_BASE
init_main:
    addi sp, sp, -12
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    la r2, .shell
    call strcmp
    cmpi r1, 0
    beq .run_shell
    la r1, .script_msg
    call printf
    la r9, .script               ; r9: the next program: name, argument
1:  lw r1, 0(r9)
    cmpi r1, 0
    beq 2f
    mov r2, r1
    la r1, .running
    call printf
    lw r1, 0(r9)
    lw r2, 4(r9)
    call spawn
    mov r3, r1
    lw r2, 0(r9)
    la r1, .exited
    call printf
    addi r9, r9, 8
    jmp 1b
2:  la r1, .done
    call printf
    li r1, 0
    jmp .out
.run_shell:
    la r1, .sh
    li r2, 0
    call spawn
.out:
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    addi sp, sp, 12
    ret

.script:                         ; the scripted session: name, argument
    .word .hello, 0
    .word .primes, 0
    .word .forktest, 0
    .word .faults, 0
    .word .ps, 0
    .word .badargs, 0
    .word 0
.hello:      .asciz "hello"
.primes:     .asciz "primes"
.forktest:   .asciz "forktest"
.faults:     .asciz "faults"
.ps:         .asciz "ps"
.badargs:    .asciz "badargs"
.sh:         .asciz "sh"
.shell:      .asciz "shell"
.script_msg: .asciz "init: no console input: running the scripted session\n"
.running:    .asciz "init: running %s\n"
.exited:     .asciz "init: %s exited with status %d\n"
.done:       .asciz "init: scripted session done\n"
    .align 4
.dephase
init_end:
