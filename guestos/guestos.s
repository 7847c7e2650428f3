; guestos.s: the guest OS image (build/guests/guestos.img).
;
; A small Unix-like kernel for the kit's CPU: separate address spaces,
; round-robin preemptive scheduling, fork/exec/wait, demand-zero paging, a
; console, and a handful of built-in programs.  `vasm -D NOSPECIAL` makes
; guestos-nospecial.img, which uses no special instructions (irq.inc).
;
; Files, in the order they are assembled:
;   kernel.s           the kernel (and the list of its files)
;   user/programs.s    the user library and programs, and prog_table
;   end.s              zero-filled kernel data; _end

.include "kernel.s"
.include "user/programs.s"
.include "end.s"
