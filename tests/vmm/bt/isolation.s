; isolation.s: a guest that tries to reach the binary translator's own
; memory (docs/bt.md).  Under --mode bt the top 4 MiB of virtual space, the
; monitor window, holds the translation cache (TC) and the VCPU page; the
; guest must never read, write or jump into either, and may enter its code
; only through the monitor.  Every probe below must page-fault exactly as it
; does natively, where the guest's own tables (or, with paging off, the end
; of memory) leave those addresses unmapped; so the output is the same in
; both modes, and any leak shows as a FAIL or as a different output.
;
; The probes use the translator's own addressing mode (r0-based, as
; translations reach the VCPU page), register-based addresses, pushf/popf
; with sp in the window, jumps into the TC and the VCPU page, and all of it
; again with paging on and from user mode.  Entering guest code in the
; middle of a block that was translated already is allowed, and must work.
;
;   bin/vasm -I tests/guests tests/vmm/bt/isolation.s -o isolation.img
;   bin/vmm --mode bt isolation.img      (the same output as --mode native)

.include "testlib.inc"

.equ TC, 0xFFC28000              ; where --mode bt keeps its translations
.equ VCPU, 0xFFFF8000            ; its VCPU page
.equ VSYS, VCPU + 8              ; the virtual IE and KM, in that page
.equ UDATA, TL_FRAMES            ; the user's data page and stack

test_main:
    push lr
    call probes                  ; paging off: the window lies past memory
    call middle
    call tl_paging_on
    call probes                  ; paging on: the guest never maps it
    call user_probes
    pop lr
    ret

; ---- kernel mode ----
probes:
    push lr
    ; r0-based: exactly how translations address the VCPU page
k_ld:   lw r9, -32768(zero)
    EXPECT_TRAP CAUSE_PF_LOAD, k_ld, VCPU, "r0-based load of the VCPU page"
k_st:   sw r9, -32760(zero)
    EXPECT_TRAP CAUSE_PF_STORE, k_st, VSYS, "r0-based store to the virtual flags"
k_sb:   sb r9, -32767(zero)
    EXPECT_TRAP CAUSE_PF_STORE, k_sb, VCPU + 1, "r0-based byte store"
k_mis:  lw r9, -32766(zero)
    EXPECT_TRAP CAUSE_MISALIGN, k_mis, VCPU + 2, "misaligned window load: misaligned first"

    ; through a register
    li r8, TC
k_tld:  lw r9, 0(r8)
    EXPECT_TRAP CAUSE_PF_LOAD, k_tld, TC, "load from the TC"
k_tst:  sw r9, 4(r8)
    EXPECT_TRAP CAUSE_PF_STORE, k_tst, TC + 4, "store into the TC"
    li r8, VCPU + 0x800
k_vld:  lhu r9, -0x7fe(r8)
    EXPECT_TRAP CAUSE_PF_LOAD, k_vld, VCPU + 2, "halfword load of the VCPU page"

    ; pushf and popf with the stack in the window
    mov r10, sp
    li sp, VCPU + 16
k_pushf: pushf
    mov r11, sp
    mov sp, r10
    EXPECT_TRAP CAUSE_PF_STORE, k_pushf, VCPU + 12, "pushf onto the VCPU page"
    li r9, VCPU + 16
    EXPECT_EQR r11, r9, "pushf that faults leaves sp alone"
    li sp, VSYS
k_popf: popf
    mov sp, r10
    EXPECT_TRAP CAUSE_PF_LOAD, k_popf, VSYS, "popf from the VCPU page"

    ; jumps: into a translation, its middle, the VCPU page, the window's
    ; first byte (callr: the fault comes back to the next instruction)
    li r8, TC
    callr r8
    EXPECT_TRAP CAUSE_PF_FETCH, TC, TC, "jump to the start of the TC"
    li r8, TC + 0x104
    callr r8
    EXPECT_TRAP CAUSE_PF_FETCH, TC + 0x104, TC + 0x104, "jump into the middle of the TC"
    li r8, VCPU
    callr r8
    EXPECT_TRAP CAUSE_PF_FETCH, VCPU, VCPU, "jump to the VCPU page"
    li r8, 0xFFC00000
    callr r8
    EXPECT_TRAP CAUSE_PF_FETCH, 0xFFC00000, 0xFFC00000, "jump to the window's start"
    pop lr
    ret

; Entering guest code in the middle of a block already run (translated):
; the monitor starts a translation there.
middle:
    push lr
    call sum3
    EXPECT_EQ r9, 6, "a function from its start"
    li r9, 10
    call sum3_b
    EXPECT_EQ r9, 15, "the same function entered in its middle"
    call sum3
    EXPECT_EQ r9, 6, "and from its start again"
    pop lr
    ret
sum3:   li r9, 1
sum3_b: addi r9, r9, 2
        addi r9, r9, 3
        ret

; ---- user mode ----
user_probes:
    push lr
    la r1, upage                 ; the user's code, read-only
    mov r2, r1
    li r3, PTE_U
    call tl_map
    li r1, UDATA
    li r2, UDATA
    li r3, PTE_U | PTE_W
    call tl_map
    li r4, VCPU
    la r1, u_load
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_LOAD, u_load, VCPU, "user load of the VCPU page"
    li r4, TC
    la r1, u_store
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_STORE, u_store, TC, "user store into the TC"
    li r4, TC
    la r1, u_jump
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_FETCH, TC, TC, "user jump into the TC"
    li r4, VCPU + 4
    la r1, u_pushf
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_STORE, u_pushf + 4, VCPU, "user pushf onto the VCPU page"
    la r1, u_r0
    li r2, UDATA + PAGE_SIZE
    li r3, 0
    call tl_run_user
    EXPECT_TRAP CAUSE_PF_LOAD, u_r0, VSYS, "user r0-based load of the virtual flags"
    pop lr
    ret

    .align PAGE_SIZE
upage:
u_load:  lw r9, 0(r4)
         syscall
u_store: sw r9, 0(r4)
         syscall
u_jump:  jr r4
u_pushf: mov sp, r4
         pushf
         syscall
u_r0:    lw r9, -32760(zero)
         syscall
    .align PAGE_SIZE
