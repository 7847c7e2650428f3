; special.s: the special instructions pushf and popf.  They are sensitive
; but not privileged (cpu/isa.h): in kernel mode pushf shows KM=1 and popf
; sets IE and the condition flags; in user mode both run without a trap,
; pushf shows KM=0, and popf silently changes only the condition flags.
; No popf turns kernel mode on or off.  (A monitor that runs a kernel in
; user mode must translate these, which is why guests.tbl does not list
; trap-and-emulate for this test.)

.include "testlib.inc"

test_main:
    push lr

    ; ---- kernel mode ----
    pushf
    pop r9
    EXPECT_BITS r9, FLAG_KM | FLAG_IE, FLAG_KM, "kernel pushf: KM=1, IE=0"
    sti
    pushf
    pop r9
    cli
    EXPECT_BITS r9, FLAG_KM | FLAG_IE, FLAG_KM | FLAG_IE, "kernel pushf after sti: IE=1"
    li r1, FLAG_IE | FLAG_Z
    push r1
    popf                         ; IE and Z on
    pushf
    pop r9
    cli
    EXPECT_BITS r9, 0x3f, FLAG_KM | FLAG_IE | FLAG_Z, "kernel popf: sets IE and Z, keeps KM"
    li r1, 0
    push r1
    popf                         ; a word with KM=0: still kernel mode
    lw r10, tl_ntraps(zero)
    mfc r1, scratch              ; privileged: must not trap
    lw r11, tl_ntraps(zero)
    sub r11, r11, r10
    EXPECT_EQ r11, 0, "kernel popf of KM=0: still kernel mode"
    la r9, stack_top
    mov r10, sp
    mov sp, r9
    pushf
    mov r11, sp
    mov sp, r10
    sub r11, r9, r11
    EXPECT_EQ r11, 4, "pushf moves sp down by 4"

    ; ---- user mode ----
    lw r9, tl_ntraps(zero)
    la r1, u_flags
    la r2, stack_top
    li r3, FLAG_IE
    call tl_run_user
    lw r10, tl_ntraps(zero)
    sub r10, r10, r9
    EXPECT_EQ r10, 1, "user pushf and popf: no trap (only the cli at the end)"
    la r1, u_cli
    lw r9, tl_epc(zero)
    EXPECT_EQR r9, r1, "user popf of KM=1: cli still traps"
    lw r9, stack_top - 4(zero)
    EXPECT_BITS r9, 0x3f, FLAG_IE, "user pushf: KM=0 and the real IE"
    lw r9, stack_top - 8(zero)
    EXPECT_BITS r9, 0x3f, FLAG_IE | FLAG_Z, "user popf of IE=0, Z=1: Z changes, IE does not"
    lw r9, stack_top - 12(zero)
    EXPECT_BITS r9, 0x3f, FLAG_IE | FLAG_N, "user popf of KM=1, N=1: only N changes"

    pop lr
    ret

u_flags:
    pushf                        ; stack_top - 4
    li r1, FLAG_Z                ; try to turn IE off
    push r1
    popf
    pushf                        ; stack_top - 8
    li r1, FLAG_KM | FLAG_IE | FLAG_N   ; try to become the kernel
    push r1
    popf
    pushf                        ; stack_top - 12
u_cli:
    cli

    .align 16
    .space 256
stack_top:
