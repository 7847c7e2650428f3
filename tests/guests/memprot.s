; memprot.s: user mode and kernel mode are kept apart by the PTE user bit
; and by privilege.  With paging on, user code (in a page mapped U=1,
; read-only) may use its own data page but cannot read, write or execute
; kernel pages (U=0) or page 0, cannot write its read-only code, and cannot
; run a single privileged instruction: each attempt traps to the kernel with
; the right cause and address.

.include "testlib.inc"

.equ UDATA, TL_FRAMES            ; the user's data page (and stack)

test_main:
    push lr
    call tl_paging_on
    la r1, upage                 ; user code: U=1, read-only
    mov r2, r1
    li r3, PTE_U
    call tl_map
    li r1, UDATA                 ; user data: U=1, writable
    li r2, UDATA
    li r3, PTE_U | PTE_W
    call tl_map

    ; ---- what a user may do ----
    li r4, UDATA
    li r1, 4321
    sw r1, 0(r4)
    la r1, u_read                ; r4: the address to read
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_EQ r1, CAUSE_SYSCALL, "user reads its own page"
    lw r9, tl_regs + 4(zero)
    EXPECT_EQ r9, 4321, "user read the right value"
    li r4, UDATA + 4
    li r5, 8765
    la r1, u_write               ; r4: the address, r5: the value
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_EQ r1, CAUSE_SYSCALL, "user writes its own page"
    li r9, UDATA
    lw r9, 4(r9)
    EXPECT_EQ r9, 8765, "the kernel sees the user's write"
    la r1, u_push                ; the stack works: push, then a syscall
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_EQ r1, CAUSE_SYSCALL, "user pushes on its stack"

    ; ---- kernel memory ----
    la r4, tl_passed             ; a kernel variable
    la r1, u_read
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    la r4, tl_passed
    lw r9, tl_badva(zero)
    EXPECT_EQR r9, r4, "user reads kernel memory: badva"
    EXPECT_TRAP CAUSE_PF_LOAD, u_read, tl_passed, "user reads kernel memory: pf-load"
    la r4, tl_passed
    li r5, 666
    la r1, u_write
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_STORE, u_write, tl_passed, "user writes kernel memory: pf-store"
    lw r9, tl_passed(zero)
    li r10, 666
    cmp r9, r10
    li r9, 1
    bne 1f
    li r9, 0
1:  EXPECT_EQ r9, 1, "kernel memory unchanged"
    la r4, test_main             ; kernel code
    la r1, u_jump
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_FETCH, test_main, test_main, "user jumps into kernel code: pf-fetch"
    li r4, 0                     ; page 0
    la r1, u_read
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_LOAD, u_read, 0, "user reads page 0: pf-load"
    la r4, upage                 ; its own code is read-only
    li r5, 0
    la r1, u_write
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_STORE, u_write, upage, "user writes its read-only code: pf-store"
    la r1, tl_stack              ; the stack pointer cannot help either
    mov r2, r1
    la r1, u_push
    li r3, 0
    call tl_run_user
    EXPECT_EQ r1, CAUSE_PF_STORE, "user pushes on a kernel stack: pf-store"

    ; ---- privileged instructions: each traps, badva = its word ----
    la r9, privs
.priv:
    lw r1, 0(r9)
    cmpi r1, 0
    beq .privdone
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    lw r10, 0(r9)
    lw r11, tl_epc(zero)
    EXPECT_EQR r11, r10, "privileged instruction: epc"
    lw r11, tl_cause(zero)
    EXPECT_EQ r11, CAUSE_PRIV, "privileged instruction: cause priv"
    lw r10, 0(r10)
    lw r11, tl_badva(zero)
    EXPECT_EQR r11, r10, "privileged instruction: badva is its word"
    addi r9, r9, 4
    jmp .priv
.privdone:
    mtc paging, zero
    pop lr
    ret

privs:
    .word p_halt, p_iret, p_cli, p_sti, p_mfc, p_mtc, p_tlbi, p_tlbflush
    .word p_in, p_out, p_wfi, 0

; ---- the user's code: one page, mapped U=1 read-only ----
    .align PAGE_SIZE
upage:
u_read:
    lw r1, 0(r4)
    syscall
u_write:
    sw r5, 0(r4)
    syscall
u_jump:
    jr r4
u_push:
    push r4
    syscall
p_halt:     halt r1
p_iret:     iret
p_cli:      cli
p_sti:      sti
p_mfc:      mfc r1, ptb
p_mtc:      mtc ptb, r1
p_tlbi:     tlbi r1
p_tlbflush: tlbflush
p_in:       in r1, PORT_CONS_STATUS
p_out:      out PORT_CONS_DATA, r1
p_wfi:      wfi
    .align PAGE_SIZE
