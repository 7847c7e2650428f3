; programs.s: the built-in programs, in the kernel image.
;
; The user library and each program are assembled here but linked at their
; user addresses (.phase, see exec.s).  prog_table is what exec searches:
; name, first byte, end.  Programs start on a 16-byte boundary so that
; .align inside them means the same thing at both addresses.

    .align 16
.include "ulib.s"                ; ULIB_BASE: syscalls, printf, spawn ...
    .align 16
.include "init.s"                ; process 1: scripted session or shell
    .align 16
.include "sh.s"                  ; the shell
    .align 16
.include "hello.s"
    .align 16
.include "primes.s"              ; CPU-bound, uses sbrk
    .align 16
.include "forktest.s"            ; fork, wait, preemption
    .align 16
.include "faults.s"              ; each kind of fault, killed
    .align 16
.include "ps.s"                  ; the process table
    .align 16
.include "badargs.s"             ; system calls with bad arguments

prog_table:
    .word pn_init, init_start, init_end
    .word pn_sh, sh_start, sh_end
    .word pn_hello, hello_start, hello_end
    .word pn_primes, primes_start, primes_end
    .word pn_forktest, forktest_start, forktest_end
    .word pn_faults, faults_start, faults_end
    .word pn_ps, ps_start, ps_end
    .word pn_badargs, badargs_start, badargs_end
    .word 0
pn_init:     .asciz "init"
pn_sh:       .asciz "sh"
pn_hello:    .asciz "hello"
pn_primes:   .asciz "primes"
pn_forktest: .asciz "forktest"
pn_faults:   .asciz "faults"
pn_ps:       .asciz "ps"
pn_badargs:  .asciz "badargs"
    .align 4
