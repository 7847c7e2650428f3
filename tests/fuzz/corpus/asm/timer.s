; timer.s: the timer and preemption.  Two user threads, each counting in
; its own memory word forever, share the CPU: the trap handler is a tiny
; round-robin scheduler that switches them on every timer interrupt.
; After SLICES interrupts both must have run, about equally.  Also: reading
; the ticks left, interrupts held off while IE=0, wfi waking on the timer,
; and the timer turned off.

.include "testlib.inc"

.equ PERIOD, 1000
.equ SLICES, 20
.equ CTX_SIZE, 72                ; r0..r15, epc, estatus

test_main:
    push lr

    ; ---- CR[timer] reads the ticks left ----
    li r1, PERIOD
    mtc timer, r1
    mfc r9, timer
    mfc r10, timer
    mtc timer, zero
    li r1, PERIOD + 1
    sltu r11, r9, r1
    EXPECT_EQ r11, 1, "mfc timer: at most the period left"
    sltu r11, r10, r9
    EXPECT_EQ r11, 1, "mfc timer: counts down"
    mfc r9, timer
    EXPECT_EQ r9, 0, "timer off reads 0"
    sti                          ; let in anything still pending
    nop
    cli

    ; ---- preemption: two threads, switched by the handler ----
    la r1, sched
    sw r1, tl_handler(zero)
    la r1, ctx + CTX_SIZE        ; thread B's first context
    la r2, u_count
    sw r2, 64(r1)                ; epc
    li r2, FLAG_IE
    sw r2, 68(r1)                ; estatus: user mode, interrupts on
    la r2, count_b
    sw r2, 16(r1)                ; r4: its counter
    la r2, stack_b_top
    sw r2, 56(r1)                ; sp
    li r1, PERIOD
    mtc timer, r1
    la r4, count_a               ; thread A starts here
    la r1, u_count
    la r2, stack_a_top
    li r3, FLAG_IE
    call tl_run_user             ; returns after SLICES interrupts
    mtc timer, zero
    sw zero, tl_handler(zero)
    EXPECT_EQ r1, CAUSE_TIMER, "preemption: stopped by a timer interrupt"
    lw r9, slices(zero)
    EXPECT_EQ r9, SLICES, "preemption: 20 time slices"
    lw r9, count_a(zero)
    lw r10, count_b(zero)
    li r1, 1000
    slt r11, r1, r9
    EXPECT_EQ r11, 1, "preemption: thread A ran"
    slt r11, r1, r10
    EXPECT_EQ r11, 1, "preemption: thread B ran"
    sub r11, r9, r10             ; about equally: within 1/8
    cmpi r11, 0
    bge 1f
    sub r11, zero, r11
1:  shri r12, r9, 3
    slt r11, r11, r12
    EXPECT_EQ r11, 1, "preemption: both got about the same time"
    lw r9, bad_epc(zero)
    EXPECT_EQ r9, 0, "preemption: every interrupt hit the user loop in user mode"

    ; ---- IE=0 holds the timer off; sti lets it in ----
    lw r9, tl_ntraps(zero)
    li r1, 100
    mtc timer, r1
    li r1, 0
2:  addi r1, r1, 1
    cmpi r1, 1000
    blt 2b
    lw r10, tl_ntraps(zero)
    sub r10, r10, r9
    EXPECT_EQ r10, 0, "IE=0: no interrupt while it is off"
    mtc timer, zero
    sti
    nop
    cli
    lw r10, tl_ntraps(zero)
    sub r10, r10, r9
    EXPECT_EQ r10, 1, "IE=0: the pending interrupt arrives at sti"

    ; ---- wfi sleeps until the timer ----
    li r1, 5000
    mtc timer, r1
    sti
.wfi:
    wfi
    cli
    mtc timer, zero
    EXPECT_TRAP CAUSE_TIMER, .wfi + 4, 0, "wfi: woken by the timer"

    ; ---- the timer off: nothing comes ----
    sti
    nop
    cli
    lw r9, tl_ntraps(zero)
    sti
    li r1, 0
3:  addi r1, r1, 1
    cmpi r1, 2000
    blt 3b
    cli
    lw r10, tl_ntraps(zero)
    sub r10, r10, r9
    EXPECT_EQ r10, 0, "timer off: no interrupts"

    pop lr
    ret

; sched: the trap handler while the threads run.  On a timer interrupt
; save the running thread's context, switch to the other one; after SLICES
; let the default happen (tl_run_user returns).
sched:
    lw r1, tl_cause(zero)
    cmpi r1, CAUSE_TIMER
    bne .default
    lw r1, tl_epc(zero)          ; was it in the loop, in user mode?
    la r2, u_count
    sub r1, r1, r2
    cmpi r1, u_end - u_count
    bltu 1f
    sw r1, bad_epc(zero)
1:  lw r1, tl_estatus(zero)
    andi r1, r1, FLAG_KM
    cmpi r1, 0
    beq 2f
    sw r1, bad_epc(zero)
2:  lw r1, slices(zero)
    addi r1, r1, 1
    sw r1, slices(zero)
    cmpi r1, SLICES
    bge .default
    lw r3, current(zero)         ; save it
    li r4, CTX_SIZE
    mul r3, r3, r4
    la r4, ctx
    add r3, r3, r4
    li r1, 0
3:  lw r2, tl_regs(r1)
    add r5, r3, r1
    sw r2, 0(r5)
    addi r1, r1, 4
    cmpi r1, 64
    blt 3b
    lw r2, tl_epc(zero)
    sw r2, 64(r3)
    lw r2, tl_estatus(zero)
    sw r2, 68(r3)
    lw r3, current(zero)         ; switch
    xori r3, r3, 1
    sw r3, current(zero)
    li r4, CTX_SIZE
    mul r3, r3, r4
    la r4, ctx
    add r3, r3, r4
    li r1, 0
4:  add r5, r3, r1
    lw r2, 0(r5)
    sw r2, tl_regs(r1)
    addi r1, r1, 4
    cmpi r1, 64
    blt 4b
    lw r2, 64(r3)
    sw r2, tl_rpc(zero)
    lw r2, 68(r3)
    sw r2, tl_restatus(zero)
    li r1, 0                     ; resume the other thread
    ret
.default:
    li r1, 1
    ret

; A thread: count in the word at r4, forever.
u_count:
    lw r1, 0(r4)
    addi r1, r1, 1
    sw r1, 0(r4)
    jmp u_count
u_end:

    .align 4
slices:  .word 0
current: .word 0                 ; 0 = thread A, 1 = thread B
bad_epc: .word 0
count_a: .word 0
count_b: .word 0
ctx:     .space 2 * CTX_SIZE
    .align 16
    .space 256
stack_a_top:
    .space 256
stack_b_top:
