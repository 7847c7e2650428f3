; traps.s: every trap cause reaches the guest kernel with the right saved
; state: CR[cause], CR[epc] (the faulting instruction, or the next one for
; syscall, brk and interrupts), CR[estatus] (the flags at the trap) and
; CR[badva] (the bad address, or the offending instruction word).
; The console interrupt is tested in console.s.

.include "testlib.inc"

test_main:
    push lr

    ; ---- illegal instructions ----
    li r9, 5
    cmpi r9, 5                   ; Z=1: estatus must keep the flags
.ill0:
    .word 0                      ; opcode 0 is never assigned
    EXPECT_TRAP CAUSE_ILLEGAL, .ill0, 0, "illegal: opcode 0 (cause, epc, badva)"
    lw r9, tl_estatus(zero)
    EXPECT_BITS r9, 0x3f, FLAG_KM | FLAG_Z, "illegal: estatus = kernel mode, IE=0, Z"
.ill1:
    .word 0x01000123             ; add with a nonzero must-be-zero field
    EXPECT_TRAP CAUSE_ILLEGAL, .ill1, 0x01000123, "illegal: must-be-zero bits set"

    ; ---- syscall and brk: epc is the next instruction ----
    li r9, 5
    cmpi r9, 6                   ; N=1 C=1
.sys:
    syscall
    EXPECT_TRAP CAUSE_SYSCALL, .sys + 4, 0, "syscall in kernel mode"
    lw r9, tl_estatus(zero)
    EXPECT_BITS r9, 0x3f, FLAG_KM | FLAG_N | FLAG_C, "syscall: estatus = kernel mode, N, C"
.brk:
    brk
    EXPECT_TRAP CAUSE_BREAK, .brk + 4, 0, "brk in kernel mode"

    ; ---- division by zero ----
    li r9, 7
.div:
    div r10, r9, zero
    EXPECT_TRAP CAUSE_DIVZERO, .div, 0, "div by zero"
.remu:
    remu r10, r9, zero
    EXPECT_TRAP CAUSE_DIVZERO, .remu, 0, "remu by zero"

    ; ---- misaligned accesses and jumps ----
    la r9, data
.mlw:
    lw r10, 2(r9)
    la r11, data + 2
    lw r1, tl_badva(zero)
    EXPECT_EQR r1, r11, "misaligned lw: badva"
    EXPECT_TRAP CAUSE_MISALIGN, .mlw, data + 2, "misaligned lw"
.msh:
    sh r10, 1(r9)
    EXPECT_TRAP CAUSE_MISALIGN, .msh, data + 1, "misaligned sh"
    la r1, target + 2
.mjr:
    callr r1
    EXPECT_TRAP CAUSE_MISALIGN, target + 2, target + 2, "misaligned jump: epc and badva are the target"

    ; ---- privileged instructions and syscalls from user mode ----
    la r1, u_cli
    la r2, tl_stack              ; (paging is off: user mode sees everything)
    li r3, 0
    call tl_run_user
    EXPECT_EQ r1, CAUSE_PRIV, "user cli: tl_run_user returns the cause"
    la r1, u_cli
    lw r9, 0(r1)                 ; the instruction word
    lw r10, tl_badva(zero)
    EXPECT_EQR r10, r9, "user cli: badva is the instruction word"
    EXPECT_TRAP CAUSE_PRIV, u_cli, 0x62000000, "user cli"
    lw r9, tl_estatus(zero)
    EXPECT_BITS r9, FLAG_KM | FLAG_IE, 0, "user cli: estatus = user mode, IE=0"
    la r1, u_sys
    la r2, tl_stack
    li r3, FLAG_IE
    call tl_run_user
    EXPECT_TRAP CAUSE_SYSCALL, u_sys + 8, 0, "user syscall: epc is the next instruction"
    lw r9, tl_estatus(zero)
    EXPECT_BITS r9, FLAG_KM | FLAG_IE, FLAG_IE, "user syscall: estatus = user mode, IE=1"
    lw r9, tl_regs + 4(zero)
    EXPECT_EQ r9, 77, "user syscall: the user's r1 is saved"

    ; ---- page faults (paging on) ----
    call tl_paging_on
.pfnull:
    lw r9, 0(zero)               ; page 0 is never mapped
    EXPECT_TRAP CAUSE_PF_LOAD, .pfnull, 0, "null load: pf-load"
    li r9, 0x500000              ; no page table there
.pfload:
    lw r10, 0(r9)
    EXPECT_TRAP CAUSE_PF_LOAD, .pfload, 0x500000, "unmapped load: pf-load"
    li r1, TL_USER               ; a read-only page
    li r2, TL_FRAMES
    li r3, 0
    call tl_map
    li r9, TL_USER
    li r10, 1234
    li r1, TL_FRAMES
    sw r10, 8(r1)
    lw r11, 8(r9)
    EXPECT_EQ r11, 1234, "read-only page reads"
.pfstore:
    sw r10, 8(r9)
    EXPECT_TRAP CAUSE_PF_STORE, .pfstore, TL_USER + 8, "store to a read-only page: pf-store"
    li r1, TL_USER + PAGE_SIZE   ; nothing mapped there
.pffetch:
    callr r1
    EXPECT_TRAP CAUSE_PF_FETCH, TL_USER + PAGE_SIZE, TL_USER + PAGE_SIZE, "jump to an unmapped page: pf-fetch"
    lw r9, tl_estatus(zero)
    EXPECT_BITS r9, FLAG_KM | FLAG_IE, FLAG_KM, "pf-fetch: estatus = kernel mode"
    mtc paging, zero

    ; ---- the timer interrupt ----
    lw r9, tl_ntraps(zero)
    li r1, 500                   ; (longer than a trap takes)
    mtc timer, r1
    sti
.wait:
    lw r1, tl_ntraps(zero)
    cmp r1, r9
    beq .wait
.waited:
    cli
    mtc timer, zero
    lw r10, tl_cause(zero)
    EXPECT_EQ r10, CAUSE_TIMER, "timer: cause"
    lw r10, tl_epc(zero)         ; taken somewhere in the waiting loop
    la r11, .wait
    sub r10, r10, r11
    li r11, .waited - .wait + 1
    sltu r10, r10, r11
    EXPECT_EQ r10, 1, "timer: epc inside the waiting loop"
    lw r10, tl_estatus(zero)
    EXPECT_BITS r10, FLAG_KM | FLAG_IE, FLAG_KM | FLAG_IE, "timer: estatus = kernel mode, IE=1"
    lw r10, tl_badva(zero)
    EXPECT_EQ r10, 0, "timer: badva 0"

    ; A timer that fires while IE=0 waits; sti lets it in at once, and the
    ; saved pc is the instruction after sti.
    li r1, 300
    mtc timer, r1
    li r1, 0
1:  addi r1, r1, 1
    cmpi r1, 200                 ; (600 ticks: it fired meanwhile)
    blt 1b
    lw r9, tl_ntraps(zero)
.sti:
    sti
    nop
    cli
    mtc timer, zero
    lw r10, tl_ntraps(zero)
    sub r10, r10, r9
    EXPECT_EQ r10, 1, "pending timer: delivered once after sti"
    EXPECT_TRAP CAUSE_TIMER, .sti + 4, 0, "pending timer: epc after sti"

    pop lr
    ret

; ---- user code (paging is off, so it runs where it is) ----
u_cli:
    cli
u_sys:
    li r1, 77
    syscall

    .align 4
data:   .word 0x11223344, 0x55667788
target: nop
    ret
