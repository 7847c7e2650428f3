; exits.s: a monitor-cost attacker (docs/multi.md): an exit storm.  Every
; instruction of its loop makes the monitor take control, in every mode
; that has a monitor: a read of the console's status port (trapped, or a
; VM exit for I/O), a tlbflush (a shadow sync, or an exit), a system call
; its own kernel handler returns from (reflected by trap and bt), and a
; privileged read of a control register.
; expect: the line below, then nothing; exit 75 (--max-steps) or forever.

.include "attack.inc"

at_main:
    la sp, 0x3000
    la r1, msg
    call at_say
    la r1, handler
    mtc tvec, r1
1:  in r2, PORT_CONS_STATUS
    tlbflush
    syscall
    mfc r3, cause
    jmp 1b

handler:                         ; back after the syscall
    iret

msg: .asciz "exits: an exit storm\n"
