; hello.s: print a string on the console and stop
        .org 0x1000
        .global _start
_start: li sp, 0x8000
        la r2, msg
        call puts
        halt zero

puts:                           ; r2: NUL-terminated string
.loop:  lbu r3, 0(r2)
        cmpi r3, 0
        beq .done
        out 0x00, r3            ; port 0: console data
        addi r2, r2, 1
        b .loop
.done:  ret

msg:    .asciz "hello, world\n"
