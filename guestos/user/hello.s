; hello.s: the smallest program: greet, and exit with status 0.
;
; Every program is assembled into the kernel image but linked at PROG_BASE
; (.phase), where exec copies it.  It starts at its first instruction with
; r1 = its argument string (or 0) and lr = ulib_exit, so `ret` from it is
; exit(r1).

hello_start:
.phase PROG_BASE
hello_main:
    push lr
    call getpid
    mov r2, r1
    la r1, .msg
    call printf
    pop lr
    li r1, 0
    ret
.msg: .asciz "hello, world (from pid %d)\n"
    .align 4
.dephase
hello_end:
