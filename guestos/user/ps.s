; ps.s: print the process table, one line a process, from SYS_PROCINFO.

ps_start:
.phase PROG_BASE
ps_main:
    addi sp, sp, -12 - PI_SIZE
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    la r1, .header
    call print
    li r9, 0                     ; r9: the slot
.slot:
    mov r1, r9
    addi r2, sp, 12              ; the record, on our stack
    call procinfo
    cmpi r1, 0
    blt .done                    ; past the end of the table
    beq .next                    ; a free slot
    addi r10, sp, 12
    lw r4, PI_STATE(r10)
    la r5, .states
    shli r4, r4, 2
    add r5, r5, r4
    lw r4, 0(r5)                 ; the state's name
    la r1, .line
    lw r2, PI_PID(r10)
    lw r3, PI_PPID(r10)
    lw r5, PI_TICKS(r10)
    lw r6, PI_PAGES(r10)
    call printf                  ; (five arguments: the name comes next)
    addi r1, r10, PI_NAME
    call print
    la r1, .nl
    call print
.next:
    addi r9, r9, 1
    jmp .slot
.done:
    li r1, 0
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    addi sp, sp, 12 + PI_SIZE
    ret
.states:
    .word .unused, .runnable, .running, .sleeping, .zombie
.unused:   .asciz "unused"
.runnable: .asciz "runnable"
.running:  .asciz "running"
.sleeping: .asciz "sleeping"
.zombie:   .asciz "zombie"
.header:   .asciz "  PID  PPID  STATE     TICKS  PAGES  NAME\n"
.line:     .asciz "%5d %5d  %-9s %5d  %5d  "
.nl:       .asciz "\n"
    .align 4
.dephase
ps_end:
