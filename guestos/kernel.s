; kernel.s: the guest OS kernel, every part in order.  A top file includes
; it, then the user programs (prog_table, the user library), then end.s:
;
;   guestos.s        the guest OS: kernel.s, user/programs.s, end.s
;   bench/NAME.s     a microbenchmark: the same kernel with another init
;
; Build variants, chosen with vasm -D:
;   NOSPECIAL        no special instructions (pushf/popf): irq.inc
;   PV               paravirtual: hypercalls to the monitor (pv.inc)
;   MEM_SIZE=N       memory the kernel manages (default 1 MiB): layout.inc
;   TIMER_PERIOD=N   ticks between timer interrupts, 0 = no timer

.include "layout.inc"            ; memory map, machine constants
.include "syscall.inc"           ; the system call ABI
.include "proc.inc"              ; the process record
.include "pv.inc"                ; the paravirtual interface (-D PV)
.include "irq.inc"               ; critical sections

.org KERNEL_BASE
.include "data.s"                ; the kernel's variables: a page of their own
.include "boot.s"                ; _start: the kernel's first steps
.include "trap.s"                ; trap entry, dispatch, return
.include "console.s"             ; kprintf, panic, waiting for input
.include "kalloc.s"              ; physical frames
.include "vm.s"                  ; page tables, address spaces, demand paging
.include "proc.s"                ; processes, scheduler, fork/exit/wait
.include "syscall.s"             ; the other system calls
.include "exec.s"                ; loading programs, init
