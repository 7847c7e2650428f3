; console.s: the kernel's console: formatted output, panic, and the wait
; for input.
;
; Output is one `out` per byte to PORT_CONS_DATA (PUTC, pv.inc; the PV
; build appends to the ring it shares with the monitor, pv_putc below, and
; writes a whole message out with one hypercall, CONS_FLUSH).  A kprintf
; runs inside a
; critical section (irq.inc), the console "lock": a message is never cut in
; two by another.  Input is read by sys_read (syscall.s); a reader that
; finds none sleeps on CHAN_CONSOLE and the console interrupt wakes it.
;
; Calling convention (the whole kernel's): arguments in r1..r6, result in
; r1; r1..r8 may be clobbered; r9..r13 are preserved; lr is the return
; address, sp the (only) kernel stack.

; kprintf: print a formatted message.
;   r1 = format, r2..r6 = up to five arguments, taken in order by
;   %d signed decimal   %u unsigned decimal   %x eight hex digits
;   %s string           %c character          %% a percent sign
kprintf:
    IRQ_SAVE r8
    addi sp, sp, -40
    sw lr, 0(sp)
    sw r9, 4(sp)
    sw r10, 8(sp)
    sw r2, 12(sp)                ; the arguments, as an array
    sw r3, 16(sp)
    sw r4, 20(sp)
    sw r5, 24(sp)
    sw r6, 28(sp)
    mov r9, r1                   ; r9: next format byte
    addi r10, sp, 12             ; r10: next argument
.loop:
    lbu r1, 0(r9)
    addi r9, r9, 1
    cmpi r1, 0
    beq .done
    cmpi r1, '%'
    beq .directive
    PUTC r1
    jmp .loop
.directive:
    lbu r2, 0(r9)
    addi r9, r9, 1
    lw r1, 0(r10)                ; the argument (unused by %%)
    cmpi r2, 'd'
    beq .dec
    cmpi r2, 'u'
    beq .udec
    cmpi r2, 'x'
    beq .hex
    cmpi r2, 's'
    beq .str
    cmpi r2, 'c'
    beq .chr
    PUTC r2                      ; %% (or an unknown letter): as is
    jmp .loop
.dec:
    call kput_dec
    jmp .next
.udec:
    call kput_udec
    jmp .next
.hex:
    call kput_hex
    jmp .next
.str:
    call kputs
    jmp .next
.chr:
    PUTC r1
.next:
    addi r10, r10, 4
    jmp .loop
.done:
    CONS_FLUSH                   ; (PV: the message out in one hypercall)
    lw lr, 0(sp)
    lw r9, 4(sp)
    lw r10, 8(sp)
    addi sp, sp, 40
    IRQ_RESTORE r8
    ret

; kputs: print the string at r1.
kputs:
    lbu r2, 0(r1)
    cmpi r2, 0
    beq 1f
    PUTC r2
    addi r1, r1, 1
    jmp kputs
1:  ret

; kput_dec: r1 as a signed decimal number.
kput_dec:
    cmpi r1, 0
    bge kput_udec
    li r2, '-'
    PUTC r2
    sub r1, zero, r1             ; (0x80000000 stays itself: right, unsigned)
    ; fall through

; kput_udec: r1 as an unsigned decimal number.
kput_udec:
    addi sp, sp, -12             ; up to 10 digits, written backwards
    addi r4, sp, 12              ; r4: the first digit so far
    li r3, 10
1:  remu r2, r1, r3
    divu r1, r1, r3
    addi r2, r2, '0'
    addi r4, r4, -1
    sb r2, 0(r4)
    cmpi r1, 0
    bne 1b
    addi r3, sp, 12
2:  lbu r2, 0(r4)
    PUTC r2
    addi r4, r4, 1
    cmp r4, r3
    bltu 2b
    addi sp, sp, 12
    ret

; kput_hex: r1 as eight hex digits.
kput_hex:
    li r3, 28                    ; shift of the next digit
1:  shr r2, r1, r3
    andi r2, r2, 15
    cmpi r2, 10
    blt 2f
    addi r2, r2, 'a' - '0' - 10
2:  addi r2, r2, '0'
    PUTC r2
    addi r3, r3, -4
    cmpi r3, 0
    bge 1b
    ret

; panic: print "panic: MESSAGE" for the string at r1 and stop the machine.
; A kernel bug, never a user's mistake: those kill the process instead.
panic:
    mov r2, r1
    la r1, msg_panic
    call kprintf
    li r1, PANIC_CODE
    halt r1

; ---- waiting for input ----

; console_waiters: r1 = how many processes sleep on console input.
console_waiters:
    la r2, proc_table
    addi r3, r2, NPROC * PROC_SIZE
    li r1, 0
1:  lw r4, P_STATE(r2)
    cmpi r4, P_SLEEPING
    bne 2f
    lw r4, P_CHAN(r2)
    cmpi r4, CHAN_CONSOLE
    bne 2f
    addi r1, r1, 1
2:  addi r2, r2, PROC_SIZE
    cmp r2, r3
    bltu 1b
    ret

; console_wakeup: input is ready; turn the input interrupt off (the idle
; loop turns it on again when someone waits) and wake every reader.  Each
; re-executes its read (syscall.s).
console_wakeup:
    out PORT_CONS_CTRL, zero
    li r1, CHAN_CONSOLE
    jmp wakeup_all               ; proc.s

#ifdef PV
; pv_putc: append the byte r1 to the console ring (pv.inc); a full ring is
; written out first.  Keeps every register but r1.
pv_putc:
    push r2
    push r3
    lw r2, pv_page + PV_PROD(zero)
    lw r3, pv_page + PV_CONS(zero)
    sub r3, r2, r3               ; bytes waiting
    cmpi r3, PV_RING_SIZE
    blt 1f
    CONS_FLUSH
1:  andi r3, r2, PV_RING_SIZE - 1
    addi r3, r3, pv_page + PV_RING
    sb r1, 0(r3)
    addi r2, r2, 1
    sw r2, pv_page + PV_PROD(zero)
    pop r3
    pop r2
    ret
#endif

msg_panic: .asciz "panic: %s\n"
    .align 4
