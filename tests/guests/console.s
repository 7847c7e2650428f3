; console.s: console output and input.  Run with console.in as input
; (guests.tbl says so): "hi there\nsecond line\n".  Checks the status port,
; the input interrupt (raised only while the CPU waits in wfi with input
; ready), reading every byte, the end of input, and a port with no device.

.include "testlib.inc"

test_main:
    push lr
    la r1, hello                 ; output: the harness shows it in the log
    call tl_printf

    in r9, PORT_CONS_STATUS
    EXPECT_EQ r9, 1, "status before reading: ready, not at the end"

    ; ---- the input interrupt: wfi with input ready ----
    li r1, 1
    out PORT_CONS_CTRL, r1
    lw r9, tl_ntraps(zero)
    sti
.wfi:
    wfi
    cli
    out PORT_CONS_CTRL, zero
    lw r10, tl_ntraps(zero)
    sub r10, r10, r9
    EXPECT_EQ r10, 1, "input interrupt: one trap"
    EXPECT_TRAP CAUSE_CONSOLE, .wfi + 4, 0, "input interrupt: cause console, epc after wfi"
    lw r10, tl_estatus(zero)
    EXPECT_BITS r10, FLAG_KM | FLAG_IE, FLAG_KM | FLAG_IE, "input interrupt: estatus = kernel mode, IE=1"

    ; ---- the first line, byte by byte ----
    la r9, line1
    li r10, 0                    ; r10: bytes that matched
1:  lbu r11, 0(r9)
    cmpi r11, 0
    beq 2f
    in r1, PORT_CONS_DATA
    cmp r1, r11
    bne 2f
    addi r10, r10, 1
    addi r9, r9, 1
    jmp 1b
2:  EXPECT_EQ r10, 9, "read the first line exactly"

    ; ---- the rest, to the end ----
    li r10, 0
3:  in r1, PORT_CONS_DATA
    cmpi r1, -1
    beq 4f
    addi r10, r10, 1
    mov r11, r1
    jmp 3b
4:  EXPECT_EQ r10, 12, "the second line has 12 bytes"
    EXPECT_EQ r11, '\n', "it ends with a newline"
    in r9, PORT_CONS_STATUS
    EXPECT_EQ r9, 2, "status at the end: end of input, not ready"
    in r9, PORT_CONS_DATA
    EXPECT_EQ r9, -1, "reading past the end gives -1 again"

    ; ---- no input left: the input interrupt never comes ----
    li r1, 1
    out PORT_CONS_CTRL, r1
    li r1, 3000
    mtc timer, r1
    sti
.wfi2:
    wfi
    cli
    mtc timer, zero
    out PORT_CONS_CTRL, zero
    EXPECT_TRAP CAUSE_TIMER, .wfi2 + 4, 0, "at the end of input wfi waits for the timer"

    ; ---- a port with no device ----
    in r9, 0x7
    EXPECT_EQ r9, -1, "in from a port with no device reads all ones"
    li r1, 0x55
    out 0x7, r1                  ; dropped
    pop lr
    ret

hello: .asciz "console: hello from the guest\n"
line1: .asciz "hi there\n"
    .align 4
