// examples.js: programs the editor starts from (docs/getting-started.md's
// first program, and a loop with a system-register read).  make web-check
// assembles and runs each.
'use strict';

const Examples = {
  hello: `; hello.s: print a string on the console and stop
        .org 0x1000
_start: la   r1, msg
1:      lbu  r2, 0(r1)
        cmpi r2, 0
        beq  2f
        out  0x00, r2          ; the console
        addi r1, r1, 1
        jmp  1b
2:      halt zero
msg:    .asciz "hello, world\\n"
`,
  countdown: `; countdown.s: print 9 down to 0, one digit a line, then halt with 0
        .org 0x1000
_start: li   r1, 9
loop:   addi r2, r1, '0'
        out  0x00, r2
        li   r2, '\\n'
        out  0x00, r2
        addi r1, r1, -1
        cmpi r1, 0
        bge  loop
        halt zero
`,
};
