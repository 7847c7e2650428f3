; kern.s: the debugger's test guest.  A kernel of a page and a user
; program of a page, small enough to read in one sitting, that still does
; everything vdb has to show: paging (static tables, two levels), a switch
; to user mode, timer interrupts, system calls, console output and input.
;
; Physical memory (and kernel virtual memory: identity-mapped, U=0):
;   0x1000  kernel text and data
;   0x4000  page directory       0x5000  kernel page table (VA 0..64K)
;   0x6000  user page table      0x8000  user text   0x9000  user data
; User virtual memory:
;   0x00400000 -> 0x8000 (text, read-only)   0x00401000 -> 0x9000 (data)
;
; System calls: r1 = number, r2 = argument; the result comes back in r1.
;   1 putc(r2)   2 getc() -> r1 (-1 at end of input)   3 exit(r2): halt r2
;   4 sleep(): wait (wfi) for the next timer tick
; The user program adds 1..20, shows the sum's low digit, sleeps once,
; echoes one byte of input and exits with code 7.

.equ PD, 0x4000
.equ UTEXT, 0x8000               ; physical
.equ UVA, 0x00400000             ; virtual
.equ TIMER_PERIOD, 41

.entry _start
.org 0x1000
.global _start
_start:
    la sp, kstack_top
    la r1, trap_entry
    mtc tvec, r1
    li r1, PD
    mtc ptb, r1
    li r1, 1
    mtc paging, r1
    li r1, TIMER_PERIOD
    mtc timer, r1
    li r1, 0x10                  ; user mode, interrupts on
    mtc estatus, r1
    li r1, UVA
    mtc epc, r1
    iret

; ---- every trap lands here ----
trap_entry:
    sw r1, save1(zero)
    sw r2, save2(zero)
    mfc r1, cause
    cmpi r1, 9                   ; timer
    beq on_timer
    cmpi r1, 6                   ; syscall
    beq on_syscall
    addi r1, r1, 100             ; anything else: halt 100 + cause
    halt r1
on_timer:
    lw r1, ticks(zero)
    addi r1, r1, 1
    sw r1, ticks(zero)
    jmp restore
on_syscall:
    lw r1, nsys(zero)
    addi r1, r1, 1
    sw r1, nsys(zero)
    lw r1, save1(zero)
    cmpi r1, 1
    beq sys_putc
    cmpi r1, 2
    beq sys_getc
    cmpi r1, 4
    beq sys_sleep
    halt r2                      ; 3, exit (and anything unknown)
sys_sleep:
    wfi                          ; idle ticks until the timer is pending
    jmp restore
sys_putc:
    out 0, r2
    jmp restore
sys_getc:
    in r1, 0
    sw r1, save1(zero)
restore:
    lw r1, save1(zero)
    lw r2, save2(zero)
    iret

ticks: .word 0
nsys:  .word 0
save1: .word 0
save2: .word 0
kstack: .space 256
kstack_top:

; ---- page tables, built by the assembler ----
.org PD
pgdir:
    .word 0x5000 | 1             ; VA 0x00000000..0x003fffff: kernel table
    .word 0x6000 | 1             ; VA 0x00400000..0x007fffff: user table
    .space 4096 - 8
.org 0x5000
kpt:
    .word 0                      ; page 0 unmapped: null pointers fault
    .word 0x1000 | 3             ; kernel text and data, V W
    .word 0x2000 | 3
    .word 0x3000 | 3
    .word 0x4000 | 1             ; the tables themselves, read-only
    .word 0x5000 | 1
    .word 0x6000 | 1
    .space 4096 - 28
.org 0x6000
upt:
    .word UTEXT | 5              ; user text: V U
    .word 0x9000 | 7             ; user data: V W U
    .space 4096 - 8

; ---- the user program (linked at UVA, loaded at UTEXT) ----
.org UTEXT
.phase UVA
user:
    li sp, 0x00402000
    li r3, 0
    li r4, 1
    la r5, sum
uloop:
    add r3, r3, r4
    sw r3, 0(r5)
    addi r4, r4, 1
    cmpi r4, 20
    ble uloop
    li r6, 10
    remu r2, r3, r6
    addi r2, r2, 48              ; '0' + sum % 10
    call putc
    li r2, 10
    call putc
    li r1, 4
    syscall                      ; sleep
    li r1, 2
    syscall                      ; getc
    cmpi r1, 0
    blt 1f
    mov r2, r1
    call putc
1:  li r1, 3
    li r2, 7
    syscall                      ; exit(7)
putc:
    li r1, 1
    syscall
    ret
.dephase

.org 0x9000
.phase UVA + 0x1000
sum: .word 0
.dephase
