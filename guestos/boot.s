; boot.s: where the machine starts, and the kernel's first steps.
;
; At reset the CPU is in kernel mode with paging off and interrupts off, and
; jumps to _start.  boot:
;   1. takes a stack and makes sure it really is in kernel mode (pushf),
;   2. points the trap vector at trap_entry (trap.s),
;   3. hands the free memory to the frame allocator (vm.s),
;   4. builds the kernel's page tables and turns paging on (vm.s),
;   5. makes the first process, init (exec.s), and starts the timer,
;   6. jumps into the scheduler (proc.s) and never comes back.

.global _start
_start:
    jmp boot

boot:
    la sp, kstack_top
    call check_mode
    la r1, trap_entry
    mtc tvec, r1                 ; from now on every trap enters trap_entry
#ifdef PV
    la r2, pv_page               ; share a page with the monitor (pv.inc).
    li r1, PV_SETUP              ; On the bare CPU this hcall is illegal:
    hcall                        ; kernel_trap halts with NOPV_CODE
    cmpi r1, 0
    beq 1f
    la r1, msg_pv_setup
    jmp panic
1:
#endif

#ifndef BENCH
    la r1, msg_boot
    li r2, MEM_SIZE >> 10
    call kprintf
#if defined(PV)
    la r1, msg_pv
#elif defined(NOSPECIAL)
    la r1, msg_nospecial
#else
    la r1, msg_kmode
#endif
    call kprintf
#endif

    call kinit                   ; free frames: from _end to MEM_SIZE
#ifndef BENCH
    la r1, msg_mem
    la r2, _end
    la r3, nfree
    lw r3, 0(r3)
    call kprintf
#endif

    call kvm_init                ; kernel page tables; paging on
#ifndef BENCH
    la r1, msg_paging
    la r2, kpgdir
    lw r2, 0(r2)
    call kprintf
#endif

#ifdef BENCH_KERNEL
    ; A kernel-mode microbenchmark: run it instead of any process.  It
    ; prints its result line and halts (guestos/bench/).
    jmp bench_kernel
#endif

    ; init's argument says whether anyone will type: with no console input
    ; at all (end of input already) it runs a scripted session, otherwise a
    ; shell.
    in r1, PORT_CONS_STATUS
    andi r1, r1, CONS_EOF
    la r2, str_shell
    cmpi r1, 0
    beq 1f
    la r2, str_script
1:
#ifndef BENCH
    push r2
    la r1, msg_init
    call kprintf
    pop r2
#endif
    la r1, str_init
    call userinit                ; exec.s: process 1 runs the program "init"

    li r1, TIMER_PERIOD          ; preemption: a timer interrupt every period
    mtc timer, r1                ; (0 leaves the timer off)
    jmp schedule                 ; proc.s; never returns

; check_mode: panic unless we run in kernel mode.
; The normal build asks the flags word (pushf is not privileged: in user
; mode it works and shows KM=0, which is how a kernel that a monitor runs in
; user mode finds out).  The NOSPECIAL build cannot ask without a special
; instruction; it trusts that a monitor emulates kernel mode for it.  The
; PV build knows it runs on a monitor and does not ask.
check_mode:
#if !defined(NOSPECIAL) && !defined(PV)
    pushf
    pop r1
    andi r1, r1, FLAG_KM
    cmpi r1, 0
    bne 1f
    la r1, msg_not_kernel
    jmp panic
1:
#endif
    ret

msg_not_kernel: .asciz "not in kernel mode (pushf says user)"
#ifndef BENCH
msg_boot:      .asciz "guestos: booting, %u KiB of memory\n"
msg_kmode:     .asciz "guestos: kernel mode confirmed (pushf)\n"
msg_nospecial: .asciz "guestos: nospecial build: privileged instructions only\n"
#ifdef PV
msg_pv:        .asciz "guestos: paravirtual build: hypercalls to the monitor\n"
#endif
msg_mem:       .asciz "guestos: kernel ends at 0x%x, %u free pages\n"
msg_paging:    .asciz "guestos: paging on, kernel page directory at 0x%x\n"
msg_init:      .asciz "guestos: starting init (%s)\n"
#endif
#ifdef PV
msg_pv_setup:  .asciz "the monitor refused the shared page (PV_SETUP)"
#endif
str_init:      .asciz "init"
str_script:    .asciz "script"
str_shell:     .asciz "shell"
    .align 4
