; pv-irq.s: the interrupt flag, real (cli/sti) or virtual (vif in the
; area shared with the monitor; docs/pv.md).  Built twice (mk/guests.mk):
; pvtest-irq.img plain, pvtest-irq-pv.img with -D PV for bin/vmm --pv on.
;
; While the flag is off, a timer interrupt waits: it is neither lost nor
; delivered early; setting the flag again delivers exactly one, right after
; the instruction that set it (sti; or the PV_IRQ hypercall the PV kernel
; makes on seeing `pending`).  With the flag on, a tick comes one period
; after the timer is set, not before, with no hypercall.

.include "testlib.inc"
.include "pv.inc"

.equ PERIOD, 600
.equ pv_page, 0x7000             ; the shared area (below 0x8000: N(zero))

; Spin n times around a 3-instruction loop (clobbers r6).
.macro SPIN n
    li r6, \n
1:  addi r6, r6, -1
    cmpi r6, 0
    bne 1b
.endm

.macro IF_OFF
#ifdef PV
    VCLI
#else
    cli
#endif
.endm

test_main:
    push lr
#ifdef PV
    li r1, 0x1234                ; a sentinel: PV_SETUP overwrites vif
    sw r1, pv_page + PV_VIF(zero)
    li r1, PV_SETUP
    li r2, pv_page
    hcall
    EXPECT_EQ r1, 0, "setup: accepted"
    lw r9, pv_page + PV_VIF(zero)
    EXPECT_EQ r9, 0, "setup: the monitor wrote vif (off, as IE at reset)"
#endif

    ; ---- held off: the flag off while the timer fires ----
    IF_OFF
    li r1, PERIOD
    mtc timer, r1
    SPIN PERIOD                  ; 1800 ticks: it fired, maybe more than once
    mtc timer, zero              ; no more; what is pending stays pending
    lw r9, tl_ntraps(zero)
    EXPECT_EQ r9, 0, "flag off: no tick"
#ifdef PV
    lw r9, pv_page + PV_PENDING(zero)
    EXPECT_EQ r9, 1, "flag off: the monitor says one is pending"
    li r1, 1
    sw r1, pv_page + PV_VIF(zero)
    li r1, PV_IRQ                ; (the kernel saw `pending`)
    hcall
#else
    sti
#endif
on_again:
    IF_OFF
    lw r9, tl_ntraps(zero)
    EXPECT_EQ r9, 1, "flag on again: exactly one tick, none lost"
    EXPECT_TRAP CAUSE_TIMER, on_again, 0, "flag on again: the tick right after"

    ; ---- on time: the flag on, the timer set anew ----
#ifdef PV
    li r1, 1
    sw r1, pv_page + PV_VIF(zero)
#else
    sti
#endif
    li r1, PERIOD
    mtc timer, r1
    SPIN PERIOD / 6              ; half a period: 300 ticks
    lw r9, tl_ntraps(zero)       ; (r9, r10: the EXPECTs keep them)
    SPIN PERIOD / 3              ; 600 ticks more: past the period
    lw r10, tl_ntraps(zero)
    IF_OFF
    mtc timer, zero
    EXPECT_EQ r9, 1, "flag on: no tick before the period"
    EXPECT_EQ r10, 2, "flag on: the tick came by itself"
    lw r9, tl_cause(zero)
    EXPECT_EQ r9, CAUSE_TIMER, "flag on: a timer interrupt"
    pop lr
    ret
