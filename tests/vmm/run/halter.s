; halter.s: an attacker for the multi-guest tests (docs/multi.md).  It halts
; in a loop: first `halt` from user mode, again and again (each one traps to
; its own kernel, which runs it again), then `wfi` forever with its timer
; firing and its interrupts off, so that every wfi wakes at once and the
; next one follows.  It never stops by itself: run it with --max-steps.
; expect:
;   PASS: halt in user mode traps, 1000 times
;   halter: now wfi forever, timer pending, interrupts off

.include "testlib.inc"

.equ HALTS, 1000

test_main:
    li r9, 0                     ; halts that trapped as priv
    li r10, 0                    ; runs
1:  la r1, u_halt
    la r2, u_stack_top
    li r3, 0
    call tl_run_user             ; returns with the cause of its trap
    cmpi r1, CAUSE_PRIV
    bne 2f
    addi r9, r9, 1
2:  addi r10, r10, 1
    cmpi r10, HALTS
    blt 1b
    EXPECT_EQ r9, HALTS, "halt in user mode traps, 1000 times"
    la r1, msg
    call tl_printf
    li r1, 500
    mtc timer, r1
    cli
3:  wfi                          ; wakes at once: the timer is pending
    jmp 3b

u_halt:
    halt zero
    jmp u_halt

msg: .asciz "halter: now wfi forever, timer pending, interrupts off\n"
    .align 16
u_stack: .space 256
u_stack_top:
