; lab1.s: lab 1's guest, the whole machine: a tiny kernel (kernel.s) and
; the one user program it runs (user.s).  Build and run it:
;
;   bin/vasm -I labs/lab1 labs/lab1/lab1.s -o lab1.img
;   bin/vmm --stats lab1.img
;
; (`make labs/lab1` does the first step into build/labs/lab1.img.)  The
; handout's README (labs/lab1/README.md) says what to write where.

#ifndef LAB_SOLUTION
LAB_SOLUTION = 99                ; the reference: every lab's answer (labs/README.md)
#endif

        .include "kernel.s"
        .include "user.s"
